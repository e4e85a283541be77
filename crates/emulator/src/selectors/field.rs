//! Field selectors (`fieldSelector`): `path=value`, `path==value` and
//! `path!=value` over the few fields each kind indexes.

use super::SelectorError;
use crate::resources::ResourceType;

/// One `path op value` clause; `field` is the position in the kind's
/// [`ResourceType::all_field_paths`].
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRequirement {
    pub field: usize,
    pub value: String,
    pub negated: bool,
}

/// A parsed field selector: all clauses must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSelector {
    pub requirements: Vec<FieldRequirement>,
}

impl FieldSelector {
    /// Parses `input` for `rt`, rejecting fields the kind does not index the
    /// way kube-apiserver does.
    pub fn parse(input: &str, rt: &ResourceType) -> Result<Self, SelectorError> {
        let mut requirements = Vec::new();
        for clause in split_unescaped(input) {
            let clause = clause.trim();
            if clause.is_empty() {
                continue;
            }
            let (path, value, negated) = if let Some((p, v)) = clause.split_once("!=") {
                (p, v, true)
            } else if let Some((p, v)) = clause.split_once("==") {
                (p, v, false)
            } else if let Some((p, v)) = clause.split_once('=') {
                (p, v, false)
            } else {
                return Err(SelectorError::Field(format!(
                    "invalid selector: '{clause}'; can't understand '{clause}'"
                )));
            };
            let path = path.trim();
            let field = rt
                .all_field_paths()
                .position(|p| p == path)
                .ok_or_else(|| unsupported(path, rt))?;
            requirements.push(FieldRequirement {
                field,
                value: unescape(value.trim()),
                negated,
            });
        }
        Ok(Self { requirements })
    }

    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Evaluates against the indexed field values (same order as the paths).
    pub fn matches<'a>(&self, get: impl Fn(usize) -> &'a str) -> bool {
        self.requirements
            .iter()
            .all(|r| (get(r.field) == r.value) != r.negated)
    }
}

fn unsupported(path: &str, rt: &ResourceType) -> SelectorError {
    if rt.custom {
        SelectorError::Field(format!(
            "\"{path}\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
        ))
    } else {
        SelectorError::Field(format!("field label not supported: {path}"))
    }
}

fn split_unescaped(input: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in input.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            ',' if !escaped => {
                out.push(&input[start..i]);
                start = i + 1;
            }
            _ => escaped = false,
        }
    }
    out.push(&input[start..]);
    out
}

fn unescape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::{NOTEBOOK, POD};

    #[test]
    fn parses_pod_fields() {
        let s = FieldSelector::parse("status.phase=Running,spec.nodeName!=gpu-a100-0", &POD)
            .expect("valid");
        assert_eq!(s.requirements.len(), 2);
        let values = ["p", "ns", "gpu-h100-0", "Running"];
        assert!(s.matches(|i| values.get(i).copied().unwrap_or("")));
        let values = ["p", "ns", "gpu-a100-0", "Running"];
        assert!(!s.matches(|i| values.get(i).copied().unwrap_or("")));
    }

    #[test]
    fn rejects_unknown_fields() {
        let e = FieldSelector::parse("spec.foo=1", &POD).expect_err("unknown");
        assert_eq!(e.to_string(), "field label not supported: spec.foo");
        let e = FieldSelector::parse("status.phase=Running", &NOTEBOOK).expect_err("crd");
        assert!(e.to_string().contains("is not a known field selector"));
        assert!(FieldSelector::parse("metadata.name=x", &NOTEBOOK).is_ok());
        assert!(FieldSelector::parse("garbage", &POD).is_err());
    }
}
