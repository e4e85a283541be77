//! What kube-apiserver does to an object between decoding the request and
//! storing it: type and metadata checks, server-set metadata, defaulting,
//! status-subresource rules, generation, validation, and (for core kinds)
//! decoding into the real API types, which drops unknown fields the way the
//! apiserver's decoder does.

use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Map, Value, json};

use super::defaults;
use crate::api::error::{ApiError, Cause};
use crate::clock;
use crate::ids;
use crate::resources::ResourceType;
use crate::store::Txn;
use crate::validation;

/// Which part of an object a write addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Main,
    Status,
}

fn meta_mut(v: &mut Value) -> Result<&mut Map<String, Value>, ApiError> {
    let obj = v.as_object_mut().ok_or_else(|| {
        ApiError::bad_request(
            "Object 'Kind' is missing in the request body: expected a JSON object",
        )
    })?;
    if !obj.get("metadata").is_some_and(Value::is_object) {
        obj.insert("metadata".into(), json!({}));
    }
    obj.get_mut("metadata")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| ApiError::internal("metadata vanished"))
}

fn meta_str(v: &Value, key: &str) -> String {
    v.get("metadata")
        .and_then(|m| m.get(key))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Checks `apiVersion` and `kind` against the endpoint and fills them in.
fn check_type(rt: &ResourceType, v: &mut Value) -> Result<(), ApiError> {
    let obj = v
        .as_object_mut()
        .ok_or_else(|| ApiError::bad_request("the request body must be a JSON object"))?;
    let expected = rt.api_version();
    match obj.get("apiVersion").and_then(Value::as_str) {
        Some(av) if av != expected => {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({av}) does not match the expected API version ({expected})"
            )));
        }
        _ => {}
    }
    match obj.get("kind").and_then(Value::as_str) {
        Some(k) if k != rt.kind => {
            return Err(ApiError::bad_request(format!(
                "the kind in the data ({k}) does not match the expected kind ({})",
                rt.kind
            )));
        }
        _ => {}
    }
    obj.insert("apiVersion".into(), json!(expected));
    obj.insert("kind".into(), json!(rt.kind));
    Ok(())
}

fn roundtrip<T: DeserializeOwned + Serialize>(
    rt: &ResourceType,
    v: Value,
) -> Result<Value, ApiError> {
    let typed: T = serde_json::from_value(v).map_err(|e| {
        ApiError::bad_request(format!(
            "{kind} in version \"{ver}\" cannot be handled as a {kind}: {e}",
            kind = rt.kind,
            ver = rt.version
        ))
    })?;
    serde_json::to_value(typed).map_err(ApiError::internal)
}

/// Decodes a core object into its k8s-openapi type and back: type errors
/// become 400 and unknown fields are dropped, as the apiserver does.
pub fn normalize_core(rt: &ResourceType, v: Value) -> Result<Value, ApiError> {
    use k8s_openapi::api::core::v1 as core;
    use k8s_openapi::api::rbac::v1 as rbac;
    if rt.custom {
        return Ok(v);
    }
    match rt.kind {
        "Namespace" => roundtrip::<core::Namespace>(rt, v),
        "Pod" => roundtrip::<core::Pod>(rt, v),
        "Node" => roundtrip::<core::Node>(rt, v),
        "Event" => roundtrip::<core::Event>(rt, v),
        "Service" => roundtrip::<core::Service>(rt, v),
        "PersistentVolumeClaim" => roundtrip::<core::PersistentVolumeClaim>(rt, v),
        "ResourceQuota" => roundtrip::<core::ResourceQuota>(rt, v),
        "ConfigMap" => roundtrip::<core::ConfigMap>(rt, v),
        "Secret" => roundtrip::<core::Secret>(rt, v),
        "ServiceAccount" => roundtrip::<core::ServiceAccount>(rt, v),
        "RoleBinding" => roundtrip::<rbac::RoleBinding>(rt, v),
        _ => Ok(v),
    }
}

fn validate(rt: &ResourceType, name: &str, v: &Value) -> Result<(), ApiError> {
    let causes = validation::validate_object(rt, v);
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(rt, name, causes))
    }
}

/// Prepares a new object for storage. `url_namespace` is the namespace of
/// the request path (None for cluster-scoped kinds).
pub fn prepare_create(
    rt: &ResourceType,
    url_namespace: Option<&str>,
    mut v: Value,
    txn: &mut Txn<'_>,
) -> Result<Value, ApiError> {
    check_type(rt, &mut v)?;
    let meta = meta_mut(&mut v)?;
    if rt.namespaced {
        let body_ns = meta
            .get("namespace")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let url_ns = url_namespace.unwrap_or_default();
        if !body_ns.is_empty() && body_ns != url_ns {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        meta.insert("namespace".into(), json!(url_ns));
    } else {
        meta.remove("namespace");
    }
    if meta
        .get("resourceVersion")
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty())
    {
        return Err(ApiError::internal(
            "resourceVersion should not be set on objects to be created",
        ));
    }
    let mut name = meta
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let generate = meta
        .get("generateName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if name.is_empty() {
        if generate.is_empty() {
            return Err(ApiError::invalid(
                rt,
                "",
                vec![Cause {
                    reason: "FieldValueRequired",
                    field: "metadata.name".into(),
                    message: "Required value: name or generateName is required".into(),
                }],
            ));
        }
        let ns = url_namespace.filter(|_| rt.namespaced);
        for _ in 0..8 {
            let candidate = format!("{generate}{}", ids::suffix(txn.rng(), 5));
            if txn.get(rt, ns, &candidate).is_none() {
                name = candidate;
                break;
            }
        }
        if name.is_empty() {
            return Err(ApiError::new(
                500,
                "ServerTimeout",
                format!("could not generate a unique name for {generate}"),
            ));
        }
    }
    if let Some(cause) = validation::validate_name(rt, &name) {
        return Err(ApiError::invalid(rt, &name, vec![cause]));
    }
    let uid = ids::uid(txn.rng());
    let meta = meta_mut(&mut v)?;
    meta.insert("name".into(), json!(name));
    meta.insert("uid".into(), json!(uid));
    meta.insert(
        "creationTimestamp".into(),
        json!(clock::rfc3339(clock::now())),
    );
    meta.remove("deletionTimestamp");
    meta.remove("deletionGracePeriodSeconds");
    meta.remove("managedFields");
    if rt.custom {
        meta.insert("generation".into(), json!(1));
    } else {
        meta.remove("generation");
    }
    if rt.custom
        && rt.status_subresource
        && let Some(obj) = v.as_object_mut()
    {
        obj.remove("status");
    }
    match rt.kind {
        "Pod" => defaults::pod(&mut v),
        "Namespace" => defaults::namespace(&mut v, &name),
        "PersistentVolumeClaim" => defaults::persistent_volume_claim(&mut v),
        "Service" => {
            let ip = format!("10.96.{}.{}", txn.rng().u8(1..=254), txn.rng().u8(1..=254));
            defaults::service(&mut v, ip);
        }
        _ => {}
    }
    validate(rt, &name, &v)?;
    normalize_core(rt, v)
}

/// What decides whether an update changes anything: not the
/// resourceVersion, nor the managedFields the write itself would record.
fn without_rv(v: &Value) -> Value {
    let mut c = v.clone();
    if let Some(m) = c.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("resourceVersion");
        m.remove("managedFields");
    }
    c
}

fn spec_part(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| {
                    !matches!(k.as_str(), "metadata" | "status" | "apiVersion" | "kind")
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The outcome of preparing an update.
pub enum Prepared {
    /// Nothing would change: the apiserver answers with the stored object
    /// and does not bump the resourceVersion.
    Unchanged,
    Changed(Value),
}

/// Prepares a replacement of `old` by `new` for `target`. `require_rv`
/// enforces the optimistic-concurrency precondition semantics of PUT.
pub fn prepare_update(
    rt: &ResourceType,
    name: &str,
    old: &Value,
    mut new: Value,
    target: Target,
    is_put: bool,
) -> Result<Prepared, ApiError> {
    check_type(rt, &mut new)?;
    let old_rv = meta_str(old, "resourceVersion");
    let meta = meta_mut(&mut new)?;
    let body_name = meta.get("name").and_then(Value::as_str).unwrap_or_default();
    if !body_name.is_empty() && body_name != name {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({name})"
        )));
    }
    let old_ns = meta_str(old, "namespace");
    let body_ns = meta
        .get("namespace")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if rt.namespaced && !body_ns.is_empty() && body_ns != old_ns {
        return Err(ApiError::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        ));
    }
    let body_rv = meta
        .get("resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if !body_rv.is_empty() && body_rv != old_rv {
        return Err(ApiError::conflict(rt, name));
    }
    if body_rv.is_empty() && is_put && rt.custom {
        return Err(ApiError::invalid(
            rt,
            name,
            vec![Cause {
                reason: "FieldValueInvalid",
                field: "metadata.resourceVersion".into(),
                message: "Invalid value: 0x0: must be specified for an update".into(),
            }],
        ));
    }
    let mut result = match target {
        Target::Status => {
            let mut r = old.clone();
            if let Some(obj) = r.as_object_mut() {
                match new.get("status") {
                    Some(s) => obj.insert("status".into(), s.clone()),
                    None => obj.remove("status"),
                };
            }
            r
        }
        Target::Main => {
            let mut r = new;
            if rt.status_subresource
                && let Some(obj) = r.as_object_mut()
            {
                match old.get("status") {
                    Some(s) => obj.insert("status".into(), s.clone()),
                    None => obj.remove("status"),
                };
            }
            r
        }
    };
    // Server-owned metadata is immutable through updates.
    let old_meta = old.get("metadata").cloned().unwrap_or_else(|| json!({}));
    let meta = meta_mut(&mut result)?;
    for key in [
        "name",
        "namespace",
        "uid",
        "creationTimestamp",
        "generation",
        "generateName",
        "deletionTimestamp",
    ] {
        match old_meta.get(key) {
            Some(v) => meta.insert(key.into(), v.clone()),
            None => meta.remove(key),
        };
    }
    meta.remove("managedFields");
    meta.insert("resourceVersion".into(), json!(old_rv));
    if target == Target::Main && rt.custom && spec_part(old) != spec_part(&result) {
        let generation = old_meta
            .get("generation")
            .and_then(Value::as_i64)
            .unwrap_or(1)
            + 1;
        meta_mut(&mut result)?.insert("generation".into(), json!(generation));
    }
    validate(rt, name, &result)?;
    let result = normalize_core(rt, result)?;
    if without_rv(&result) == without_rv(old) {
        Ok(Prepared::Unchanged)
    } else {
        Ok(Prepared::Changed(result))
    }
}
