//! The small JSONPath subset CRD printer columns use: `.a.b`, `[-1:]`,
//! `[*]`, `[N]` and filters like `[?(@.type=='Ready')]`.

use serde_json::Value;

#[derive(Debug, PartialEq)]
enum Step {
    Key(String),
    Index(i64),
    LastN(usize),
    All,
    Filter { key: String, value: Value },
}

fn parse(path: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    let mut rest = path.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if end > 0 {
                steps.push(Step::Key(r[..end].to_string()));
            }
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let inner = r[..end].trim();
            rest = &r[end + 1..];
            if inner == "*" {
                steps.push(Step::All);
            } else if let Some(n) = inner.strip_suffix(':').and_then(|x| x.strip_prefix('-')) {
                steps.push(Step::LastN(n.parse().ok()?));
            } else if let Some(f) = inner.strip_prefix("?(@.").and_then(|x| x.strip_suffix(')')) {
                let (key, value) = f.split_once("==")?;
                let value = value.trim();
                let value =
                    if let Some(s) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
                        Value::String(s.to_string())
                    } else {
                        serde_json::from_str(value).ok()?
                    };
                steps.push(Step::Filter {
                    key: key.trim().to_string(),
                    value,
                });
            } else {
                steps.push(Step::Index(inner.parse().ok()?));
            }
        } else {
            return None;
        }
    }
    Some(steps)
}

/// Evaluates `path` against `root`; every match, in order.
pub fn eval<'a>(root: &'a Value, path: &str) -> Vec<&'a Value> {
    let Some(steps) = parse(path) else {
        return Vec::new();
    };
    let mut current = vec![root];
    for step in &steps {
        let mut next = Vec::new();
        for v in current {
            match step {
                Step::Key(k) => next.extend(v.get(k)),
                Step::Index(i) => {
                    if let Some(a) = v.as_array() {
                        let idx = if *i < 0 { a.len() as i64 + i } else { *i };
                        next.extend(usize::try_from(idx).ok().and_then(|i| a.get(i)));
                    }
                }
                Step::LastN(n) => {
                    if let Some(a) = v.as_array() {
                        next.extend(a.iter().skip(a.len().saturating_sub(*n)));
                    }
                }
                Step::All => {
                    if let Some(a) = v.as_array() {
                        next.extend(a.iter());
                    }
                }
                Step::Filter { key, value } => {
                    if let Some(a) = v.as_array() {
                        next.extend(a.iter().filter(|x| x.get(key) == Some(value)));
                    }
                }
            }
        }
        current = next;
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn printer_column_paths() {
        let v = json!({"status": {"phase": "Running", "conditions": [
            {"type": "Created", "status": "True"}, {"type": "Ready", "status": "False"}],
            "traffic": [{"latestRevision": true, "percent": 100}]}});
        assert_eq!(eval(&v, ".status.phase"), vec![&json!("Running")]);
        assert_eq!(
            eval(&v, ".status.conditions[-1:].type"),
            vec![&json!("Ready")]
        );
        assert_eq!(
            eval(&v, ".status.conditions[?(@.type=='Ready')].status"),
            vec![&json!("False")]
        );
        assert_eq!(eval(&v, ".status.conditions[*].type").len(), 2);
        assert_eq!(
            eval(&v, ".status.traffic[?(@.latestRevision==true)].percent"),
            vec![&json!(100)]
        );
        assert!(eval(&v, ".status.nothing").is_empty());
    }
}
