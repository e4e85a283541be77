//! `metadata.managedFields` as kube-apiserver keeps them: one entry per
//! (manager, operation, subresource) with the fields it set, in the
//! `FieldsV1` trie format (`f:name` for a field, `k:{"name":"x"}` for a list
//! item keyed by name, `.` for the item itself). Clients see them on every
//! object, and they are often the largest part of it: kftui must cope.

use serde_json::{Map, Value, json};

/// The `FieldsV1` trie of every field set in `v`.
pub fn fields_v1(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, val) in map {
                out.insert(format!("f:{k}"), fields_v1_member(val));
            }
            Value::Object(out)
        }
        _ => json!({}),
    }
}

fn fields_v1_member(v: &Value) -> Value {
    match v {
        Value::Object(_) => fields_v1(v),
        // Lists of objects with a name are merged by it; other lists are atomic.
        Value::Array(items)
            if items.iter().all(|i| i.get("name").is_some()) && !items.is_empty() =>
        {
            let mut out = Map::new();
            for item in items {
                let key = json!({"name": item.get("name")});
                let mut sub = match fields_v1(item) {
                    Value::Object(m) => m,
                    _ => Map::new(),
                };
                sub.insert(".".into(), json!({}));
                out.insert(format!("k:{key}"), Value::Object(sub));
            }
            Value::Object(out)
        }
        _ => json!({}),
    }
}

/// What a write by `manager` touched: labels, annotations and the spec (or
/// the status, for the status subresource).
fn touched(obj: &Value, status: bool) -> Value {
    let mut set = Map::new();
    if status {
        if let Some(s) = obj.get("status") {
            set.insert("status".into(), s.clone());
        }
    } else {
        let mut meta = Map::new();
        for k in ["labels", "annotations", "ownerReferences", "finalizers"] {
            if let Some(v) = obj.pointer(&format!("/metadata/{k}")) {
                meta.insert(k.into(), v.clone());
            }
        }
        if !meta.is_empty() {
            set.insert("metadata".into(), Value::Object(meta));
        }
        for k in ["spec", "data", "stringData"] {
            if let Some(v) = obj.get(k) {
                set.insert(k.into(), v.clone());
            }
        }
    }
    fields_v1(&Value::Object(set))
}

/// One managedFields entry.
pub fn entry(manager: &str, operation: &str, obj: &Value, status: bool, time: &str) -> Value {
    let mut e = json!({
        "manager": manager,
        "operation": operation,
        "apiVersion": obj.get("apiVersion").cloned().unwrap_or(Value::Null),
        "time": time,
        "fieldsType": "FieldsV1",
        "fieldsV1": touched(obj, status),
    });
    if status && let Some(m) = e.as_object_mut() {
        m.insert("subresource".into(), json!("status"));
    }
    e
}

/// Records a write by `manager` in `obj`'s managedFields, keeping the
/// other managers' entries from `previous` (the object before the write).
pub fn record(
    obj: &mut Value,
    previous: Option<&Value>,
    manager: &str,
    operation: &str,
    status: bool,
    time: &str,
) {
    let mut entries: Vec<Value> = previous
        .and_then(|p| p.pointer("/metadata/managedFields"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let same = |e: &Value| {
        e.get("manager").and_then(Value::as_str) == Some(manager)
            && e.get("operation").and_then(Value::as_str) == Some(operation)
            && e.get("subresource").is_some() == status
    };
    let new = entry(manager, operation, obj, status, time);
    match entries.iter_mut().find(|e| same(e)) {
        Some(e) => *e = new,
        None => entries.push(new),
    }
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert("managedFields".into(), Value::Array(entries));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tries_read_like_the_apiserver_writes_them() {
        let pod = json!({"apiVersion": "v1", "metadata": {"labels": {"app": "x"}},
            "spec": {"containers": [{"name": "c", "image": "i", "args": ["a"]}], "nodeName": "n"},
            "status": {"phase": "Running"}});
        let e = entry("kube-controller-manager", "Update", &pod, false, "t");
        assert_eq!(
            e["fieldsV1"],
            json!({"f:metadata": {"f:labels": {"f:app": {}}},
                   "f:spec": {"f:containers": {"k:{\"name\":\"c\"}": {".": {}, "f:name": {}, "f:image": {}, "f:args": {}}},
                              "f:nodeName": {}}})
        );
        let mut obj = pod.clone();
        record(&mut obj, None, "kubelet", "Update", true, "t");
        let before = obj.clone();
        record(&mut obj, Some(&before), "kubelet", "Update", true, "t2");
        let before = obj.clone();
        record(&mut obj, Some(&before), "kubectl", "Update", false, "t3");
        let entries = obj["metadata"]["managedFields"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(entries.len(), 2, "one entry per manager and subresource");
        assert_eq!(entries[0]["subresource"], "status");
        assert_eq!(entries[0]["time"], "t2");
    }
}
