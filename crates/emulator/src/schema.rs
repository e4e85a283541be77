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

/// Every way `value` breaks `schema`, as `path: problem` lines (paths start
/// with `prefix`).
pub fn check(schema: &Value, value: &Value, prefix: &str) -> Vec<String> {
    let mut errs = Vec::new();
    walk(schema, value, prefix, &mut errs);
    errs
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

fn walk(schema: &Value, v: &Value, path: &str, errs: &mut Vec<String>) {
    if !type_ok(schema, v) {
        errs.push(format!(
            "{path}: {v} is not of type {}",
            schema.get("type").unwrap_or(&Value::Null)
        ));
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(v)
    {
        errs.push(format!("{path}: {v} is not one of {allowed:?}"));
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
                    errs.push(format!("{path}: missing required {r}"));
                }
            }
            let props = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties");
            for (k, x) in m {
                let here = format!("{path}.{k}");
                if let Some(s) = props.and_then(|p| p.get(k)) {
                    walk(s, x, &here, errs);
                } else if let Some(a) = additional.filter(|a| a.is_object()) {
                    walk(a, x, &here, errs);
                } else if preserve
                    || additional == Some(&Value::Bool(true))
                    || (props.is_none() && additional.is_none())
                {
                    // Free-form here.
                } else {
                    errs.push(format!("{path}: unknown property {k}"));
                }
            }
        }
        Value::Array(items) => {
            if let Some(s) = schema.get("items") {
                for (i, x) in items.iter().enumerate() {
                    walk(s, x, &format!("{path}[{i}]"), errs);
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
