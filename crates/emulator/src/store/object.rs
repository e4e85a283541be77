//! How one object is kept: its serialized JSON (shared, immutable) plus a
//! small index of the fields that lists, selectors and the authoriser look
//! at, so that neither needs to parse the JSON again.

use std::sync::Arc;

use bytes::Bytes;
use serde_json::Value;

use crate::resources::ResourceType;

/// An object as stored: the exact bytes served to clients and its index.
#[derive(Clone, Debug)]
pub struct StoredObject {
    pub raw: Bytes,
    pub meta: Arc<ObjectIndex>,
}

impl StoredObject {
    /// Serializes `value` and indexes it for `rt`.
    pub fn encode(rt: &ResourceType, value: &Value) -> Self {
        let raw = Bytes::from(serde_json::to_vec(value).unwrap_or_default());
        Self {
            raw,
            meta: Arc::new(ObjectIndex::extract(rt, value)),
        }
    }

    /// Parses the stored JSON back into a value.
    pub fn value(&self) -> Value {
        serde_json::from_slice(&self.raw).unwrap_or(Value::Null)
    }
}

/// The indexed fields of a stored object.
#[derive(Debug, Default)]
pub struct ObjectIndex {
    pub name: Box<str>,
    pub namespace: Option<Box<str>>,
    pub uid: Box<str>,
    pub resource_version: u64,
    /// `key \0 value \0 key \0 value`: one allocation for all labels.
    labels: Box<str>,
    /// Values of the kind's extra field-selector paths, `\0`-separated.
    fields: Box<str>,
    pub owner_uids: Box<[Box<str>]>,
}

impl ObjectIndex {
    /// Reads the indexed fields out of an object.
    pub fn extract(rt: &ResourceType, value: &Value) -> Self {
        let meta = value.get("metadata");
        let s = |k: &str| {
            meta.and_then(|m| m.get(k))
                .and_then(Value::as_str)
                .unwrap_or_default()
        };
        let mut labels = String::new();
        if let Some(Value::Object(map)) = meta.and_then(|m| m.get("labels")) {
            for (k, v) in map {
                if let Some(v) = v.as_str() {
                    if !labels.is_empty() {
                        labels.push('\0');
                    }
                    labels.push_str(k);
                    labels.push('\0');
                    labels.push_str(v);
                }
            }
        }
        let mut fields = String::new();
        for (i, path) in rt.field_paths.iter().enumerate() {
            if i > 0 {
                fields.push('\0');
            }
            fields.push_str(&field_value(value, path));
        }
        let owner_uids = meta
            .and_then(|m| m.get("ownerReferences"))
            .and_then(Value::as_array)
            .map(|refs| {
                refs.iter()
                    .filter_map(|r| r.get("uid").and_then(Value::as_str))
                    .map(Box::from)
                    .collect()
            })
            .unwrap_or_default();
        let namespace = s("namespace");
        Self {
            name: s("name").into(),
            namespace: (!namespace.is_empty()).then(|| namespace.into()),
            uid: s("uid").into(),
            resource_version: s("resourceVersion").parse().unwrap_or(0),
            labels: labels.into(),
            fields: fields.into(),
            owner_uids,
        }
    }

    /// The value of label `key`, if set.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// All labels as `(key, value)` pairs.
    pub fn labels(&self) -> impl Iterator<Item = (&str, &str)> {
        let mut parts = self.labels.split('\0');
        std::iter::from_fn(move || {
            let k = parts.next()?;
            let v = parts.next()?;
            Some((k, v))
        })
        .filter(|(k, _)| !k.is_empty())
    }

    /// The value of field-selector field `i` (in [`ResourceType::all_field_paths`] order).
    pub fn field(&self, i: usize) -> &str {
        match i {
            0 => &self.name,
            1 => self.namespace.as_deref().unwrap_or(""),
            n => self.fields.split('\0').nth(n - 2).unwrap_or(""),
        }
    }

    /// The store key: `namespace/name` or `name`.
    pub fn key(&self) -> String {
        object_key(self.namespace.as_deref(), &self.name)
    }
}

/// The store key of an object: `namespace/name`, or `name` when cluster scoped.
pub fn object_key(namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) => format!("{ns}/{name}"),
        None => name.to_string(),
    }
}

/// The string a field selector compares for `path` (Go's `fmt` of the value).
pub fn field_value(value: &Value, path: &str) -> String {
    let path = if path == "source" {
        "source.component"
    } else {
        path
    };
    match path.split('.').try_fold(value, |cur, k| cur.get(k)) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ if path == "spec.hostNetwork" || path == "spec.unschedulable" => "false".into(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::POD;
    use serde_json::json;

    #[test]
    fn indexes_labels_and_fields() {
        let pod = json!({
            "metadata": {"name": "p", "namespace": "ns", "uid": "u", "resourceVersion": "7",
                         "labels": {"app": "web", "tier": ""},
                         "ownerReferences": [{"uid": "owner-1"}]},
            "spec": {"nodeName": "n1"},
            "status": {"phase": "Running"}
        });
        let idx = ObjectIndex::extract(&POD, &pod);
        assert_eq!(idx.label("app"), Some("web"));
        assert_eq!(idx.label("tier"), Some(""));
        assert_eq!(idx.label("x"), None);
        assert_eq!(idx.labels().count(), 2);
        assert_eq!(idx.field(0), "p");
        assert_eq!(idx.field(1), "ns");
        assert_eq!(idx.field(2), "n1");
        assert_eq!(idx.field(3), "Running");
        assert_eq!(idx.field(9), "false");
        assert_eq!(idx.resource_version, 7);
        assert_eq!(&*idx.owner_uids[0], "owner-1");
        assert_eq!(idx.key(), "ns/p");
    }
}
