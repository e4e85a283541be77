//! Patch application: JSON merge patch (RFC 7386), JSON patch (RFC 6902),
//! strategic merge patch (core kinds only, as kube-apiserver rejects it for
//! custom resources) and an approximation of server-side apply.

use serde_json::{Map, Value};

use crate::api::error::ApiError;

/// The patch flavour, from the request's `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    Json,
    Merge,
    Strategic,
    Apply,
}

const CORE_TYPES: &[&str] = &[
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
];
const CUSTOM_TYPES: &[&str] = &[
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/apply-patch+yaml",
];

impl PatchType {
    /// Maps a `Content-Type` to a patch type; custom resources do not accept
    /// strategic merge patch (415, as kube-apiserver answers).
    pub fn from_content_type(content_type: &str, custom: bool) -> Result<Self, ApiError> {
        let accepted = if custom { CUSTOM_TYPES } else { CORE_TYPES };
        let mime = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match mime.as_str() {
            "application/json-patch+json" => Ok(Self::Json),
            "application/merge-patch+json" => Ok(Self::Merge),
            "application/strategic-merge-patch+json" if !custom => Ok(Self::Strategic),
            "application/apply-patch+yaml" | "application/apply-patch+json" => Ok(Self::Apply),
            _ => Err(ApiError::unsupported_media_type(accepted)),
        }
    }
}

/// Parses a patch body: JSON for all types, YAML also accepted for apply.
pub fn parse_body(patch_type: PatchType, body: &[u8]) -> Result<Value, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(v) => Ok(v),
        Err(json_err) if patch_type == PatchType::Apply => {
            let text = std::str::from_utf8(body)
                .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))?;
            serde_saphyr::from_str::<Value>(text).map_err(|e| {
                ApiError::bad_request(format!(
                    "error decoding YAML: {e} (and as JSON: {json_err})"
                ))
            })
        }
        Err(e) => Err(ApiError::bad_request(format!("error decoding patch: {e}"))),
    }
}

/// Applies `patch` to `doc` in place.
pub fn apply(patch_type: PatchType, doc: &mut Value, patch: &Value) -> Result<(), ApiError> {
    match patch_type {
        PatchType::Merge => {
            if !patch.is_object() {
                return Err(ApiError::bad_request(
                    "the merge patch must be a JSON object",
                ));
            }
            json_patch::merge(doc, patch);
            Ok(())
        }
        PatchType::Json => {
            let ops: json_patch::Patch = serde_json::from_value(patch.clone())
                .map_err(|e| ApiError::bad_request(format!("error decoding JSON patch: {e}")))?;
            json_patch::patch(doc, &ops).map_err(|e| ApiError::new(422, "Invalid", e.to_string()))
        }
        PatchType::Strategic => {
            let Value::Object(p) = patch else {
                return Err(ApiError::bad_request(
                    "the strategic merge patch must be a JSON object",
                ));
            };
            strategic_merge(doc, p);
            Ok(())
        }
        PatchType::Apply => {
            let Value::Object(p) = patch else {
                return Err(ApiError::bad_request(
                    "the apply configuration must be an object",
                ));
            };
            apply_merge(doc, p);
            Ok(())
        }
    }
}

/// The merge key strategic merge uses for list fields of core kinds.
fn merge_key(field: &str, items: &[Value]) -> Option<&'static str> {
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets" => Some("name"),
        "volumeMounts" => Some("mountPath"),
        "volumeDevices" => Some("devicePath"),
        "conditions" => Some("type"),
        "ownerReferences" => Some("uid"),
        "hostAliases" => Some("ip"),
        "ports" => {
            if items.iter().any(|i| i.get("containerPort").is_some()) {
                Some("containerPort")
            } else {
                Some("port")
            }
        }
        _ => None,
    }
}

fn is_directive(key: &str) -> bool {
    key.starts_with("$setElementOrder/") || key == "$retainKeys" || key == "$patch"
}

fn strategic_merge(doc: &mut Value, patch: &Map<String, Value>) {
    if patch.get("$patch").and_then(Value::as_str) == Some("replace") {
        let mut clean = patch.clone();
        clean.remove("$patch");
        *doc = Value::Object(clean);
        return;
    }
    if !doc.is_object() {
        *doc = Value::Object(Map::new());
    }
    let Value::Object(target) = doc else { return };
    for (key, value) in patch {
        if is_directive(key) {
            continue;
        }
        if let Some(field) = key.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(list)), Value::Array(remove)) = (target.get_mut(field), value)
            {
                list.retain(|v| !remove.contains(v));
            }
            continue;
        }
        match value {
            Value::Null => {
                target.remove(key);
            }
            Value::Object(p) => {
                if p.get("$patch").and_then(Value::as_str) == Some("delete") {
                    target.remove(key);
                } else {
                    strategic_merge(target.entry(key.clone()).or_insert(Value::Null), p);
                }
            }
            Value::Array(items) => match (merge_key(key, items), target.get_mut(key)) {
                (Some(mk), Some(Value::Array(existing))) => merge_list(existing, items, mk),
                (None, Some(Value::Array(existing))) if key == "finalizers" => {
                    for item in items {
                        if !existing.contains(item) {
                            existing.push(item.clone());
                        }
                    }
                }
                _ => {
                    let cleaned: Vec<Value> = items
                        .iter()
                        .filter(|i| i.get("$patch").is_none())
                        .cloned()
                        .collect();
                    target.insert(key.clone(), Value::Array(cleaned));
                }
            },
            other => {
                target.insert(key.clone(), other.clone());
            }
        }
    }
}

fn merge_list(existing: &mut Vec<Value>, items: &[Value], key: &str) {
    for item in items {
        let Some(id) = item.get(key).cloned() else {
            existing.push(item.clone());
            continue;
        };
        let pos = existing.iter().position(|e| e.get(key) == Some(&id));
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (pos, item) {
            (Some(i), _) if delete => {
                existing.remove(i);
            }
            (Some(i), Value::Object(p)) => {
                if let Some(slot) = existing.get_mut(i) {
                    strategic_merge(slot, p);
                }
            }
            (None, _) if delete => {}
            (None, _) => existing.push(item.clone()),
            (Some(i), other) => {
                if let Some(slot) = existing.get_mut(i) {
                    *slot = other.clone();
                }
            }
        }
    }
}

/// Server-side apply, approximated: maps merge recursively, lists and
/// scalars in the applied configuration replace what is stored. Field
/// ownership is not tracked, so fields dropped from a later configuration
/// are not removed.
fn apply_merge(doc: &mut Value, patch: &Map<String, Value>) {
    if !doc.is_object() {
        *doc = Value::Object(Map::new());
    }
    let Value::Object(target) = doc else { return };
    for (key, value) in patch {
        match value {
            Value::Object(p) => apply_merge(target.entry(key.clone()).or_insert(Value::Null), p),
            other => {
                target.insert(key.clone(), other.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_removes_nulls() {
        let mut doc = json!({"metadata": {"annotations": {"a": "1", "b": "2"}}});
        apply(
            PatchType::Merge,
            &mut doc,
            &json!({"metadata": {"annotations": {"a": null, "c": "3"}}}),
        )
        .expect("merge");
        assert_eq!(
            doc,
            json!({"metadata": {"annotations": {"b": "2", "c": "3"}}})
        );
    }

    #[test]
    fn json_patch_ops_and_errors() {
        let mut doc = json!({"spec": {"replicas": 1}});
        apply(
            PatchType::Json,
            &mut doc,
            &json!([{"op": "replace", "path": "/spec/replicas", "value": 3}]),
        )
        .expect("replace");
        assert_eq!(doc["spec"]["replicas"], 3);
        let err = apply(
            PatchType::Json,
            &mut doc,
            &json!([{"op": "remove", "path": "/spec/missing"}]),
        )
        .expect_err("missing path");
        assert_eq!(err.code, 422);
        let err = apply(PatchType::Json, &mut doc, &json!({"op": "x"})).expect_err("shape");
        assert_eq!(err.code, 400);
    }

    #[test]
    fn strategic_merges_containers_by_name() {
        let mut doc = json!({"spec": {"containers": [
            {"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]}});
        apply(
            PatchType::Strategic,
            &mut doc,
            &json!({"spec": {"$setElementOrder/containers": [{"name": "a"}, {"name": "b"}],
                    "containers": [{"name": "b", "image": "b:2"}, {"name": "a", "$patch": "delete"}]}}),
        )
        .expect("smp");
        assert_eq!(
            doc,
            json!({"spec": {"containers": [{"name": "b", "image": "b:2"}]}})
        );
    }

    #[test]
    fn strategic_rejected_for_custom_resources() {
        let err = PatchType::from_content_type("application/strategic-merge-patch+json", true)
            .expect_err("415");
        assert_eq!(err.code, 415);
        assert_eq!(
            PatchType::from_content_type("application/merge-patch+json; charset=utf-8", true).ok(),
            Some(PatchType::Merge)
        );
    }

    #[test]
    fn apply_accepts_yaml() {
        let v = parse_body(PatchType::Apply, b"metadata:\n  labels:\n    a: b\n").expect("yaml");
        let mut doc = json!({"metadata": {"name": "x"}});
        apply(PatchType::Apply, &mut doc, &v).expect("apply");
        assert_eq!(
            doc,
            json!({"metadata": {"name": "x", "labels": {"a": "b"}}})
        );
    }
}
