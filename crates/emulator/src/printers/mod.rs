//! Server-side printing: `meta.k8s.io/v1` `Table` responses (what kubectl
//! asks for) and `PartialObjectMetadata` renderings.

pub mod age;
pub mod columns;
pub mod jsonpath;

use serde_json::{Value, json};

use crate::api::negotiate::IncludeObject;
use crate::resources::ResourceType;

/// `PartialObjectMetadata` for an object.
pub fn partial_metadata(obj: &Value) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata").cloned().unwrap_or_else(|| json!({})),
    })
}

/// One table row.
pub fn row(rt: &ResourceType, obj: &Value, include: IncludeObject) -> Value {
    let mut r = json!({ "cells": columns::cells(rt, obj) });
    let object = match include {
        IncludeObject::None => None,
        IncludeObject::Metadata => Some(partial_metadata(obj)),
        IncludeObject::Object => Some(obj.clone()),
    };
    if let (Some(o), Some(map)) = (object, r.as_object_mut()) {
        map.insert("object".into(), o);
    }
    r
}

/// The column definitions of `rt` as JSON.
pub fn column_definitions(rt: &ResourceType) -> Value {
    Value::Array(
        columns::columns(rt)
            .iter()
            .map(|c| {
                json!({"name": c.name, "type": c.ty, "format": c.format,
                       "description": c.description, "priority": c.priority})
            })
            .collect(),
    )
}

/// A whole `Table` for `objects`.
pub fn table(
    rt: &ResourceType,
    objects: &[Value],
    include: IncludeObject,
    resource_version: Option<u64>,
    continue_token: Option<&str>,
) -> Value {
    let mut meta = serde_json::Map::new();
    if let Some(rv) = resource_version {
        meta.insert("resourceVersion".into(), json!(rv.to_string()));
    }
    if let Some(c) = continue_token {
        meta.insert("continue".into(), json!(c));
    }
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": meta,
        "columnDefinitions": column_definitions(rt),
        "rows": objects.iter().map(|o| row(rt, o, include)).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::{POD, WORKFLOW};

    #[test]
    fn pod_table_row() {
        let pod = json!({"metadata": {"name": "p", "creationTimestamp": "2020-01-01T00:00:00Z"},
            "spec": {"containers": [{"name": "a"}], "nodeName": "n"},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "a", "ready": true, "restartCount": 0, "state": {"running": {}}}]}});
        let t = table(&POD, &[pod], IncludeObject::Metadata, Some(5), None);
        assert_eq!(t["rows"][0]["cells"][0], "p");
        assert_eq!(t["rows"][0]["cells"][1], "1/1");
        assert_eq!(t["rows"][0]["cells"][2], "Running");
        assert_eq!(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
        assert_eq!(t["columnDefinitions"].as_array().map(Vec::len), Some(9));
        assert_eq!(t["metadata"]["resourceVersion"], "5");
    }

    #[test]
    fn crd_columns_follow_printer_columns() {
        let wf = json!({"metadata": {"name": "w"}, "status": {"phase": "Succeeded"}});
        let r = row(&WORKFLOW, &wf, IncludeObject::None);
        assert_eq!(r["cells"], json!(["w", "Succeeded", null, null]));
        assert!(r.get("object").is_none());
    }
}
