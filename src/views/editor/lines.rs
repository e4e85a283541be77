//! Which line of a YAML text holds a field: a small index of the block
//! mapping keys and list items by their path (`spec.x.Worker.replicas`,
//! `spec.containers[0].image`), built from indentation alone, so that a
//! schema error's JSON path or a server's `details.causes[].field` can be
//! shown at its line. Flow collections (`[a, b]`, `{a: 1}`) map to the line
//! that opens them; block scalars (`|`, `>`) are skipped. Never fails: text
//! it cannot follow simply maps to fewer lines.

use std::collections::HashMap;

use super::highlight;

/// Paths to 0-based line numbers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineIndex {
    lines: HashMap<String, usize>,
}

struct Frame {
    /// Column of the key or dash; -1 for the document root.
    indent: i64,
    path: String,
    is_item: bool,
    next_index: usize,
}

fn unquote(k: &str) -> &str {
    let k = k.trim();
    for q in ['"', '\''] {
        if let Some(inner) = k.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    k
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

impl LineIndex {
    /// Indexes the first document of `text`.
    pub fn new(text: &str) -> LineIndex {
        let mut lines = HashMap::new();
        let root = || Frame {
            indent: -1,
            path: String::new(),
            is_item: false,
            next_index: 0,
        };
        let mut stack = vec![root()];
        let mut block: Option<i64> = None;
        let mut started = false;
        for (no, raw) in text.lines().enumerate() {
            let body = raw.trim_start_matches(' ');
            let mut col = (raw.len() - body.len()) as i64;
            if let Some(b) = block {
                if body.trim().is_empty() || col > b {
                    continue;
                }
                block = None;
            }
            let trimmed = body.trim_end();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            if col == 0 && (trimmed.starts_with("---") || trimmed.starts_with("...")) {
                if started {
                    break;
                }
                continue;
            }
            started = true;
            let mut rest = trimmed;
            // List items: "- " (possibly several on one line).
            while let Some(r) = rest
                .strip_prefix("- ")
                .or_else(|| (rest == "-").then_some(""))
            {
                while stack.len() > 1 {
                    let top = &stack[stack.len() - 1];
                    if top.indent > col || (top.indent == col && top.is_item) {
                        stack.pop();
                    } else {
                        break;
                    }
                }
                let Some(parent) = stack.last_mut() else {
                    break;
                };
                let path = format!("{}[{}]", parent.path, parent.next_index);
                parent.next_index += 1;
                lines.entry(path.clone()).or_insert(no);
                stack.push(Frame {
                    indent: col,
                    path,
                    is_item: true,
                    next_index: 0,
                });
                let skipped = rest.len() - r.len();
                let r_trim = r.trim_start_matches(' ');
                col += (skipped + r.len() - r_trim.len()) as i64;
                rest = r_trim;
            }
            let code = rest;
            let Some(k) = key_end_of(code) else {
                continue;
            };
            while stack.len() > 1 && stack[stack.len() - 1].indent >= col {
                stack.pop();
            }
            let Some(parent) = stack.last() else { continue };
            let path = join(&parent.path, unquote(&code[..k]));
            lines.entry(path.clone()).or_insert(no);
            let value = code[k + 1..].trim_start();
            if value.starts_with('|') || value.starts_with('>') {
                block = Some(col);
            }
            stack.push(Frame {
                indent: col,
                path,
                is_item: false,
                next_index: 0,
            });
        }
        LineIndex { lines }
    }

    /// The line of `path`, else of its nearest ancestor that has one.
    pub fn line_of(&self, path: &str) -> Option<usize> {
        let mut p = path;
        loop {
            if let Some(l) = self.lines.get(p) {
                return Some(*l);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// Where a key ends, ignoring what follows a comment.
fn key_end_of(code: &str) -> Option<usize> {
    let tokens = highlight::tokens(code);
    let mut at = 0;
    for (t, s) in tokens {
        if t == highlight::Token::Key {
            return Some(at + s.len());
        }
        if t != highlight::Token::Plain && t != highlight::Token::Punct {
            return None;
        }
        at += s.len();
    }
    None
}

/// A JSON pointer (`/spec/a/0/b`) as a field path (`spec.a[0].b`).
pub fn pointer_to_path(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const JOB: &str = "\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: ddp
  labels:
    kueue.x-k8s.io/queue-name: team
spec:
  pytorchReplicaSpecs:
    Master:
      replicas: 1
      template:
        spec:
          containers:
          - name: pytorch
            image: x
            command:
              - python3
              - train.py
    Worker:
      replicas: two
      template:
        spec:
          containers:
            - name: pytorch
              args: |
                not: a key
              image: y
";

    #[test]
    fn finds_keys_and_items_at_their_lines() {
        let ix = LineIndex::new(JOB);
        let at = |p: &str| ix.line_of(p).map(|l| l + 1);
        assert_eq!(at("metadata.name"), Some(4));
        assert_eq!(at("metadata.labels.kueue.x-k8s.io/queue-name"), Some(6));
        assert_eq!(at("spec.pytorchReplicaSpecs.Master.replicas"), Some(10));
        assert_eq!(
            at("spec.pytorchReplicaSpecs.Master.template.spec.containers[0].image"),
            Some(15)
        );
        assert_eq!(
            at("spec.pytorchReplicaSpecs.Master.template.spec.containers[0].command[1]"),
            Some(18)
        );
        assert_eq!(at("spec.pytorchReplicaSpecs.Worker.replicas"), Some(20));
        assert_eq!(
            at("spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].image"),
            Some(27)
        );
        // A missing field maps to its parent's line.
        assert_eq!(at("spec.runPolicy.suspend"), Some(7));
        assert_eq!(at("nowhere"), None);
    }

    #[test]
    fn pointers_become_paths() {
        assert_eq!(pointer_to_path("/spec/a/0/b"), "spec.a[0].b");
        assert_eq!(
            pointer_to_path("/metadata/labels/a~1b"),
            "metadata.labels.a/b"
        );
        assert_eq!(pointer_to_path(""), "");
    }
}
