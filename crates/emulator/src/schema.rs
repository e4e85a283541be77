//! A structural check of objects against a CRD's `openAPIV3Schema`, as the
//! API server applies it: types (with `nullable` and int-or-string), enums,
//! required fields, and no unknown fields where the schema neither lists them
//! nor preserves unknown fields. Used by the tests that hold the demo cluster
//! and kftui's own request bodies against the upstream Kubeflow CRDs.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The upstream CRDs: `$KFTUI_SHARED/kubeflow/crds`, else `../shared/kubeflow/crds`
/// beside the repository; `None` when absent (the checks are then skipped).
pub fn crds_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("KFTUI_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
        .join("kubeflow/crds");
    dir.is_dir().then_some(dir)
}

/// Every CRD file under `dir`, sorted.
pub fn crd_files(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "yaml") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}

/// A CRD file as JSON.
pub fn read_crd(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_saphyr::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The schema of `version` in a CRD.
pub fn version_schema<'a>(crd: &'a Value, version: &str) -> Option<&'a Value> {
    crd.pointer("/spec/versions")?
        .as_array()?
        .iter()
        .find(|v| v.get("name").and_then(Value::as_str) == Some(version))?
        .pointer("/schema/openAPIV3Schema")
}

/// What is wrong at one place of an object.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// The value is not of the schema's type (`expected`).
    Type { expected: Value },
    /// The value is not one of the schema's `enum`.
    NotSupported { allowed: Vec<Value> },
    /// A property the schema requires is missing (named in the path).
    Required,
    /// A property neither listed nor preserved (the apiserver prunes it).
    Unknown,
}

/// Every way `value` breaks `schema`, as `(path, value there, problem)`;
/// paths start with `prefix` (`spec.x[0].y`; without a leading dot when
/// `prefix` is empty).
pub fn problems(schema: &Value, value: &Value, prefix: &str) -> Vec<(String, Value, Problem)> {
    let mut out = Vec::new();
    walk(schema, value, prefix, &mut out);
    out
}

/// Every way `value` breaks `schema`, as `path: problem` lines (paths start
/// with `prefix`).
pub fn check(schema: &Value, value: &Value, prefix: &str) -> Vec<String> {
    problems(schema, value, prefix)
        .into_iter()
        .map(|(path, v, p)| match p {
            Problem::Type { expected } => format!("{path}: {v} is not of type {expected}"),
            Problem::NotSupported { allowed } => format!("{path}: {v} is not one of {allowed:?}"),
            Problem::Required => match path.rsplit_once('.') {
                Some((parent, r)) => format!("{parent}: missing required {r}"),
                None => format!("{path}: missing required"),
            },
            Problem::Unknown => match path.rsplit_once('.') {
                Some((parent, k)) => format!("{parent}: unknown property {k}"),
                None => format!("unknown property {path}"),
            },
        })
        .collect()
}

fn type_ok(schema: &Value, v: &Value) -> bool {
    if schema.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
        return v.is_string() || v.is_i64() || v.is_u64();
    }
    if v.is_null() {
        return schema.get("nullable") == Some(&Value::Bool(true));
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") => v.is_object(),
        Some("array") => v.is_array(),
        Some("string") => v.is_string(),
        Some("integer") => v.is_i64() || v.is_u64(),
        Some("number") => v.is_number(),
        Some("boolean") => v.is_boolean(),
        _ => true,
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn walk(schema: &Value, v: &Value, path: &str, out: &mut Vec<(String, Value, Problem)>) {
    if !type_ok(schema, v) {
        let expected = schema.get("type").cloned().unwrap_or(Value::Null);
        out.push((path.to_string(), v.clone(), Problem::Type { expected }));
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(v)
    {
        let allowed = allowed.clone();
        out.push((
            path.to_string(),
            v.clone(),
            Problem::NotSupported { allowed },
        ));
    }
    let preserve = schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
    match v {
        Value::Object(m) => {
            for r in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(r) = r.as_str()
                    && !m.contains_key(r)
                {
                    out.push((join(path, r), Value::Null, Problem::Required));
                }
            }
            let props = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties");
            for (k, x) in m {
                let here = join(path, k);
                if let Some(s) = props.and_then(|p| p.get(k)) {
                    walk(s, x, &here, out);
                } else if let Some(a) = additional.filter(|a| a.is_object()) {
                    walk(a, x, &here, out);
                } else if preserve
                    || additional == Some(&Value::Bool(true))
                    || (props.is_none() && additional.is_none())
                {
                    // Free-form here.
                } else {
                    out.push((here, x.clone(), Problem::Unknown));
                }
            }
        }
        Value::Array(items) => {
            if let Some(s) = schema.get("items") {
                for (i, x) in items.iter().enumerate() {
                    walk(s, x, &format!("{path}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_type_enum_required_and_unknown_field_problems() {
        let schema = json!({"type": "object", "required": ["a"], "properties": {
            "a": {"type": "string", "enum": ["x", "y"]},
            "n": {"type": "integer", "nullable": true},
            "q": {"x-kubernetes-int-or-string": true},
            "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
            "list": {"type": "array", "items": {"type": "boolean"}}
        }});
        let ok = json!({"a": "x", "n": null, "q": "1Gi", "free": {"any": 1}, "list": [true]});
        assert!(check(&schema, &ok, "o").is_empty());
        let bad = json!({"a": "z", "n": "1", "q": 1.5, "list": [1], "extra": 0});
        let errs = check(&schema, &bad, "o");
        assert_eq!(errs.len(), 5, "{errs:#?}");
        assert_eq!(
            check(&schema, &json!({}), "o"),
            vec!["o: missing required a"]
        );
    }
}
