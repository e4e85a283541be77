//! Response bodies for objects, lists and watch events in each negotiated
//! format. Plain JSON lists are assembled from the stored bytes without
//! re-parsing, which keeps large lists cheap.

use bytes::{BufMut, Bytes, BytesMut};
use serde_json::{Value, json};

use super::negotiate::Format;
use crate::ops::ListPage;
use crate::printers;
use crate::resources::ResourceType;
use crate::store::StoredObject;

/// One object in `format`.
pub fn object(rt: &ResourceType, obj: &StoredObject, format: Format) -> Bytes {
    match format {
        Format::Json | Format::AggregatedDiscovery => obj.raw.clone(),
        Format::Metadata => to_bytes(&printers::partial_metadata(&obj.value())),
        Format::Table(include) => {
            to_bytes(&printers::table(rt, &[obj.value()], include, None, None))
        }
    }
}

fn to_bytes(v: &Value) -> Bytes {
    Bytes::from(serde_json::to_vec(v).unwrap_or_default())
}

fn list_metadata(page: &ListPage) -> Value {
    let mut meta = serde_json::Map::new();
    meta.insert(
        "resourceVersion".into(),
        json!(page.resource_version.to_string()),
    );
    if let Some(c) = &page.continue_token {
        meta.insert("continue".into(), json!(c));
    }
    if let Some(n) = page.remaining_item_count {
        meta.insert("remainingItemCount".into(), json!(n));
    }
    Value::Object(meta)
}

/// A list page in `format`.
pub fn list(rt: &ResourceType, page: &ListPage, format: Format) -> Bytes {
    match format {
        Format::Json | Format::AggregatedDiscovery => {
            let size: usize = page.items.iter().map(|o| o.raw.len() + 1).sum();
            let mut buf = BytesMut::with_capacity(size + 256);
            buf.put_slice(b"{\"kind\":");
            buf.put_slice(json!(rt.list_kind()).to_string().as_bytes());
            buf.put_slice(b",\"apiVersion\":");
            buf.put_slice(json!(rt.api_version()).to_string().as_bytes());
            buf.put_slice(b",\"metadata\":");
            buf.put_slice(list_metadata(page).to_string().as_bytes());
            buf.put_slice(b",\"items\":[");
            for (i, item) in page.items.iter().enumerate() {
                if i > 0 {
                    buf.put_u8(b',');
                }
                buf.put_slice(&item.raw);
            }
            buf.put_slice(b"]}");
            buf.freeze()
        }
        Format::Metadata => to_bytes(&json!({
            "kind": "PartialObjectMetadataList",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": list_metadata(page),
            "items": page.items.iter().map(|o| printers::partial_metadata(&o.value())).collect::<Vec<_>>(),
        })),
        Format::Table(include) => {
            let values: Vec<Value> = page.items.iter().map(StoredObject::value).collect();
            to_bytes(&printers::table(
                rt,
                &values,
                include,
                Some(page.resource_version),
                page.continue_token.as_deref(),
            ))
        }
    }
}

/// Appends one watch event line (`{"type":..,"object":..}\n`) to `buf`.
pub fn watch_event(
    buf: &mut BytesMut,
    rt: &ResourceType,
    event_type: &str,
    obj: &StoredObject,
    format: Format,
) {
    buf.put_slice(b"{\"type\":\"");
    buf.put_slice(event_type.as_bytes());
    buf.put_slice(b"\",\"object\":");
    match format {
        Format::Json | Format::AggregatedDiscovery => buf.put_slice(&obj.raw),
        Format::Metadata => buf.put_slice(&to_bytes(&printers::partial_metadata(&obj.value()))),
        Format::Table(include) => {
            let v = obj.value();
            let rv = obj.meta.resource_version;
            buf.put_slice(&to_bytes(&printers::table(
                rt,
                &[v],
                include,
                Some(rv),
                None,
            )));
        }
    }
    buf.put_slice(b"}\n");
}

/// Appends a BOOKMARK event at `rv`; `initial_end` marks the end of the
/// initial events of a streaming list.
pub fn bookmark(buf: &mut BytesMut, rt: &ResourceType, rv: u64, initial_end: bool) {
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if initial_end && let Some(m) = meta.as_object_mut() {
        m.insert(
            "annotations".into(),
            json!({"k8s.io/initial-events-end": "true"}),
        );
    }
    let ev = json!({
        "type": "BOOKMARK",
        "object": {"kind": rt.kind, "apiVersion": rt.api_version(), "metadata": meta},
    });
    buf.put_slice(ev.to_string().as_bytes());
    buf.put_u8(b'\n');
}

/// Appends an ERROR event carrying a `Status`.
pub fn error_event(buf: &mut BytesMut, status: &Value) {
    let ev = json!({"type": "ERROR", "object": status});
    buf.put_slice(ev.to_string().as_bytes());
    buf.put_u8(b'\n');
}
