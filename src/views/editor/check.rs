//! The editor's checks before anything is sent: the YAML must parse (its
//! error at the parser's line and column), and the object must fit the
//! kind's `openAPIV3Schema` from the cluster's CRD. The schema is checked
//! with the `jsonschema` crate after translating the Kubernetes dialect of
//! OpenAPI v3 into plain JSON Schema (draft 4, which OpenAPI 3.0 follows):
//! `x-kubernetes-int-or-string` becomes `anyOf integer/string`, `nullable`
//! adds `null` to the type, and an object that lists its properties and
//! does not `x-kubernetes-preserve-unknown-fields` gets
//! `additionalProperties: false`, so an unknown field is named (the
//! apiserver would silently drop it; kubectl's strict validation names it
//! too). Formats (`int32`, `date-time`) and CEL rules are left to the
//! server. Each problem keeps its field path, for the line mapper.

use serde_json::{Map, Value};

use super::lines::pointer_to_path;

/// One problem: where (a field path, and a 0-based line when known) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<usize>,
    pub path: String,
    pub message: String,
}

/// Parses the text as one YAML document.
pub fn parse(text: &str) -> Result<Value, Problem> {
    match serde_saphyr::from_str::<Value>(text) {
        Ok(v) => Ok(v),
        Err(e) => {
            let loc = e.location();
            let line = loc.map(|l| (l.line() as usize).saturating_sub(1));
            let first = e.to_string();
            let first = first.lines().next().unwrap_or("").trim().to_string();
            let message = match loc {
                Some(l) if !first.contains("line ") => {
                    format!(
                        "YAML syntax error at line {}, column {}: {first}",
                        l.line(),
                        l.column()
                    )
                }
                _ => format!("YAML syntax error: {first}"),
            };
            Err(Problem {
                line,
                path: String::new(),
                message,
            })
        }
    }
}

/// A kind's schema, ready to check objects.
pub struct Schema {
    validator: jsonschema::Validator,
}

impl std::fmt::Debug for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Schema")
    }
}

impl Schema {
    /// From a CRD's `openAPIV3Schema`.
    pub fn new(openapi: &Value) -> Result<Schema, String> {
        let schema = translate(openapi);
        jsonschema::draft4::options()
            .should_validate_formats(false)
            .build(&schema)
            .map(|validator| Schema { validator })
            .map_err(|e| format!("the CRD's schema cannot be used: {e}"))
    }

    /// Every problem of `doc`, with its field path (no lines yet).
    pub fn check(&self, doc: &Value) -> Vec<Problem> {
        let mut out: Vec<Problem> = Vec::new();
        for e in self.validator.iter_errors(doc) {
            let mut path = pointer_to_path(e.instance_path().as_str());
            if let jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } =
                e.kind()
                && let Some(first) = unexpected.first()
            {
                path = if path.is_empty() {
                    first.clone()
                } else {
                    format!("{path}.{first}")
                };
            }
            let shown = if path.is_empty() { "(object)" } else { &path };
            let message = format!("{shown}: {e}");
            if !out.iter().any(|p| p.message == message) {
                out.push(Problem {
                    line: None,
                    path,
                    message,
                });
            }
        }
        out
    }
}

/// The Kubernetes dialect of a schema as plain JSON Schema (see the module
/// docs).
pub fn translate(schema: &Value) -> Value {
    let Value::Object(m) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (k, v) in m {
        let v = match k.as_str() {
            "properties" | "patternProperties" | "definitions" => match v {
                Value::Object(props) => Value::Object(
                    props
                        .iter()
                        .map(|(name, s)| (name.clone(), translate(s)))
                        .collect(),
                ),
                other => other.clone(),
            },
            "items" | "additionalProperties" | "not" => translate(v),
            "anyOf" | "allOf" | "oneOf" => match v {
                Value::Array(list) => Value::Array(list.iter().map(translate).collect()),
                other => other.clone(),
            },
            "format" => continue,
            k if k.starts_with("x-kubernetes-validations") => continue,
            _ => v.clone(),
        };
        out.insert(k.clone(), v);
    }
    let flag = |name: &str| m.get(name) == Some(&Value::Bool(true));
    if flag("x-kubernetes-int-or-string") {
        out.remove("type");
        out.entry("anyOf")
            .or_insert_with(|| serde_json::json!([{"type": "integer"}, {"type": "string"}]));
    }
    if flag("nullable")
        && let Some(Value::String(t)) = out.get("type").cloned()
    {
        out.insert("type".into(), serde_json::json!([t, "null"]));
    }
    let closed = m.contains_key("properties")
        && !m.contains_key("additionalProperties")
        && !flag("x-kubernetes-preserve-unknown-fields")
        && !flag("x-kubernetes-embedded-resource");
    if closed {
        out.insert("additionalProperties".into(), Value::Bool(false));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Schema {
        Schema::new(&json!({"type": "object", "properties": {
            "apiVersion": {"type": "string"}, "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": {"type": "object", "required": ["replicas"], "properties": {
                "replicas": {"type": "integer", "format": "int32"},
                "cpu": {"x-kubernetes-int-or-string": true, "anyOf": [{"type": "integer"}, {"type": "string"}]},
                "mem": {"x-kubernetes-int-or-string": true},
                "note": {"type": "string", "nullable": true},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true,
                         "properties": {"a": {"type": "integer"}}}
            }}
        }}))
        .expect("schema builds")
    }

    #[test]
    fn kubernetes_extensions_are_understood() {
        let s = schema();
        let ok = json!({"apiVersion": "v1", "kind": "X", "metadata": {"name": "a", "labels": {"x": "y"}},
            "spec": {"replicas": 2, "cpu": "500m", "mem": 1, "note": null, "free": {"a": 1, "other": [1]}}});
        assert_eq!(s.check(&ok), vec![]);
        let bad =
            json!({"spec": {"replicas": "two", "cpu": 1.5, "extra": true, "free": {"a": "x"}}});
        let problems = s.check(&bad);
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert!(paths.contains(&"spec.replicas"), "{problems:#?}");
        assert!(paths.contains(&"spec.cpu"), "{problems:#?}");
        assert!(paths.contains(&"spec.extra"), "{problems:#?}");
        assert!(paths.contains(&"spec.free.a"), "{problems:#?}");
        let replicas = problems.iter().find(|p| p.path == "spec.replicas").unwrap();
        assert!(
            replicas
                .message
                .contains("\"two\" is not of type \"integer\""),
            "{}",
            replicas.message
        );
        let missing = s.check(&json!({"spec": {}}));
        assert_eq!(missing.len(), 1);
        assert!(missing[0].message.contains("replicas"), "{missing:?}");
    }

    #[test]
    fn syntax_errors_have_a_line() {
        let e = parse("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(e.line.is_some(), "{e:?}");
        assert!(e.message.starts_with("YAML syntax error"), "{}", e.message);
        assert_eq!(parse("a: 1").unwrap(), json!({"a": 1}));
    }
}
