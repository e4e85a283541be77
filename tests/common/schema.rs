//! A small structural check of objects against a CRD's openAPIV3Schema, as the
//! API server applies it: types, required fields, enums, and no unknown fields
//! where the schema does not preserve them.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// `../shared/kubeflow/crds` when present (CI has it), else `None`.
pub fn crds_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/kubeflow/crds");
    dir.is_dir().then_some(dir)
}

/// The schema of `version` in a CRD file.
pub fn crd_schema(path: &Path, version: &str) -> Value {
    let text = std::fs::read_to_string(path).expect("CRD file");
    let crd: Value = serde_saphyr::from_str(&text).expect("CRD YAML");
    crd["spec"]["versions"]
        .as_array()
        .and_then(|vs| vs.iter().find(|v| v["name"] == version))
        .map(|v| v["schema"]["openAPIV3Schema"].clone())
        .expect("version in CRD")
}

/// Every way `value` breaks `schema`, as `path: problem` lines.
pub fn check(value: &Value, schema: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    walk(value, schema, "", &mut errors);
    errors
}

fn walk(value: &Value, schema: &Value, path: &str, errors: &mut Vec<String>) {
    if schema["x-kubernetes-int-or-string"] == true {
        if !(value.is_i64() || value.is_u64() || value.is_string()) {
            errors.push(format!("{path}: expected int or string, got {value}"));
        }
        return;
    }
    let preserve = schema["x-kubernetes-preserve-unknown-fields"] == true;
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        errors.push(format!("{path}: {value} is not one of {allowed:?}"));
    }
    match schema["type"].as_str() {
        Some("object") => {
            let Some(map) = value.as_object() else {
                errors.push(format!("{path}: expected object, got {value}"));
                return;
            };
            for req in schema["required"].as_array().into_iter().flatten() {
                if let Some(name) = req.as_str()
                    && !map.contains_key(name)
                {
                    errors.push(format!("{path}: missing required field {name}"));
                }
            }
            let props = schema["properties"].as_object();
            for (k, v) in map {
                let p = format!("{path}.{k}");
                match props.and_then(|ps| ps.get(k)) {
                    Some(s) => walk(v, s, &p, errors),
                    None => match &schema["additionalProperties"] {
                        Value::Object(_) => walk(v, &schema["additionalProperties"], &p, errors),
                        Value::Bool(true) => {}
                        _ if preserve => {}
                        _ if props.is_none() => {} // a free-form object (metadata)
                        _ => errors.push(format!("{p}: unknown field")),
                    },
                }
            }
        }
        Some("array") => match value.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &schema["items"], &format!("{path}[{i}]"), errors);
                }
            }
            None => errors.push(format!("{path}: expected array, got {value}")),
        },
        Some("string") if !value.is_string() => {
            errors.push(format!("{path}: expected string, got {value}"));
        }
        Some("integer") if !(value.is_i64() || value.is_u64()) => {
            errors.push(format!("{path}: expected integer, got {value}"));
        }
        Some("number") if !value.is_number() => {
            errors.push(format!("{path}: expected number, got {value}"));
        }
        Some("boolean") if !value.is_boolean() => {
            errors.push(format!("{path}: expected boolean, got {value}"));
        }
        _ => {}
    }
}
