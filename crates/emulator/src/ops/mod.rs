//! The API operations with kube-apiserver semantics — get, list, create,
//! update, patch, delete, status subresource, dry run — on top of the store.
//! The HTTP layer and the simulated controllers both call these.

pub mod admission;
pub mod defaults;
pub mod list;

use serde_json::{Value, json};

pub use admission::Target;
pub use list::{ListOptions, ListPage, list, selected};

use crate::api::error::ApiError;
use crate::patch::{self, PatchType};
use crate::resources::{self, ResourceType};
use crate::store::{Store, StoredObject, Txn};
use admission::Prepared;

/// Options common to writes.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// `dryRun=All`: validate and answer, store nothing.
    pub dry_run: bool,
    /// `fieldManager` (required for apply).
    pub field_manager: Option<String>,
}

/// `DeleteOptions` fields the emulator honours.
#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    pub dry_run: bool,
    pub precondition_uid: Option<String>,
    pub precondition_rv: Option<String>,
    /// `Orphan` leaves dependents alone; anything else deletes them.
    pub orphan: bool,
}

fn scoped<'a>(rt: &ResourceType, ns: Option<&'a str>) -> Option<&'a str> {
    if rt.namespaced { ns } else { None }
}

/// Reads one object.
pub fn get(
    store: &Store,
    rt: &ResourceType,
    ns: Option<&str>,
    name: &str,
) -> Result<StoredObject, ApiError> {
    store
        .read(|v| v.get(rt, scoped(rt, ns), name).cloned())
        .ok_or_else(|| ApiError::not_found(rt, name))
}

fn dry_run_object(rt: &ResourceType, mut value: Value, rv: Option<String>) -> StoredObject {
    if let Some(m) = value.get_mut("metadata").and_then(Value::as_object_mut) {
        match rv {
            Some(rv) => m.insert("resourceVersion".into(), json!(rv)),
            None => m.remove("resourceVersion"),
        };
    }
    StoredObject::encode(rt, &value)
}

/// The manager a write is recorded under when the client names none (the
/// apiserver takes the User-Agent's program name).
const DEFAULT_MANAGER: &str = "kube-client";
/// The simulated controllers' manager names.
fn controller_manager(rt: &ResourceType, target: Target) -> &'static str {
    match (rt.kind, target) {
        ("Pod", Target::Status) => "kubelet",
        (_, _) if rt.custom => "kubeflow-controller",
        _ => "kube-controller-manager",
    }
}

fn stamp(value: &mut Value, previous: Option<&Value>, manager: &str, status: bool) {
    let time = crate::clock::rfc3339(crate::clock::now());
    crate::managed::record(value, previous, manager, "Update", status, &time);
}

fn create_in(
    txn: &mut Txn<'_>,
    rt: &ResourceType,
    ns: Option<&str>,
    body: Value,
    dry_run: bool,
    manager: &str,
) -> Result<StoredObject, ApiError> {
    let ns = scoped(rt, ns);
    if let Some(ns) = ns
        && txn.get(&resources::NAMESPACE, None, ns).is_none()
    {
        return Err(ApiError::not_found(&resources::NAMESPACE, ns));
    }
    let mut value = admission::prepare_create(rt, ns, body, txn)?;
    stamp(&mut value, None, manager, false);
    let name = value
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if txn.get(rt, ns, &name).is_some() {
        return Err(ApiError::already_exists(rt, &name));
    }
    if dry_run {
        return Ok(dry_run_object(rt, value, None));
    }
    Ok(txn.put(rt, value))
}

/// Creates an object (201 on the wire).
pub fn create(
    store: &Store,
    rt: &ResourceType,
    ns: Option<&str>,
    body: Value,
    opts: &WriteOptions,
) -> Result<StoredObject, ApiError> {
    let manager = manager_of(opts);
    store.write(|txn| create_in(txn, rt, ns, body, opts.dry_run, manager))
}

fn manager_of(opts: &WriteOptions) -> &str {
    opts.field_manager
        .as_deref()
        .filter(|m| !m.is_empty())
        .unwrap_or(DEFAULT_MANAGER)
}

#[allow(clippy::too_many_arguments)]
fn commit_update(
    txn: &mut Txn<'_>,
    rt: &ResourceType,
    current: &StoredObject,
    prepared: Prepared,
    dry_run: bool,
    manager: &str,
    target: Target,
) -> StoredObject {
    match prepared {
        Prepared::Unchanged => current.clone(),
        Prepared::Changed(mut v) => {
            stamp(
                &mut v,
                Some(&current.value()),
                manager,
                target == Target::Status,
            );
            if dry_run {
                dry_run_object(rt, v, Some(current.meta.resource_version.to_string()))
            } else {
                txn.put(rt, v)
            }
        }
    }
}

/// Replaces an object (PUT), or its status for [`Target::Status`].
pub fn update(
    store: &Store,
    rt: &ResourceType,
    ns: Option<&str>,
    name: &str,
    body: Value,
    target: Target,
    opts: &WriteOptions,
) -> Result<StoredObject, ApiError> {
    let ns = scoped(rt, ns);
    store.write(|txn| {
        let current = txn
            .get(rt, ns, name)
            .ok_or_else(|| ApiError::not_found(rt, name))?;
        let prepared = admission::prepare_update(rt, name, &current.value(), body, target, true)?;
        Ok(commit_update(
            txn,
            rt,
            &current,
            prepared,
            opts.dry_run,
            manager_of(opts),
            target,
        ))
    })
}

/// Patches an object; returns it and whether an apply patch created it.
#[allow(clippy::too_many_arguments)]
pub fn patch(
    store: &Store,
    rt: &ResourceType,
    ns: Option<&str>,
    name: &str,
    patch_type: PatchType,
    patch_body: &Value,
    target: Target,
    opts: &WriteOptions,
) -> Result<(StoredObject, bool), ApiError> {
    let ns = scoped(rt, ns);
    if patch_type == PatchType::Apply && opts.field_manager.as_deref().is_none_or(str::is_empty) {
        return Err(ApiError::bad_request(
            "PATCH requests with apply content type require fieldManager",
        ));
    }
    store.write(|txn| {
        let Some(current) = txn.get(rt, ns, name) else {
            if patch_type == PatchType::Apply && target == Target::Main {
                let mut body = patch_body.clone();
                if let Some(m) = body.get_mut("metadata").and_then(Value::as_object_mut) {
                    m.entry("name").or_insert_with(|| json!(name));
                }
                return create_in(txn, rt, ns, body, opts.dry_run, manager_of(opts))
                    .map(|o| (o, true));
            }
            return Err(ApiError::not_found(rt, name));
        };
        let old = current.value();
        let mut doc = old.clone();
        patch::apply(patch_type, &mut doc, patch_body)?;
        if !doc.is_object() {
            return Err(ApiError::bad_request(
                "the patched object must be a JSON object",
            ));
        }
        let prepared = admission::prepare_update(rt, name, &old, doc, target, false)?;
        Ok((
            commit_update(
                txn,
                rt,
                &current,
                prepared,
                opts.dry_run,
                manager_of(opts),
                target,
            ),
            false,
        ))
    })
}

/// Changes an object through `change` (a controller's read-modify-write),
/// with update semantics; returns `None` if it does not exist. A no-op
/// change writes nothing.
pub fn modify(
    store: &Store,
    rt: &ResourceType,
    ns: Option<&str>,
    name: &str,
    target: Target,
    change: impl FnOnce(&mut Value),
) -> Result<Option<StoredObject>, ApiError> {
    let ns = scoped(rt, ns);
    store.write(|txn| {
        let Some(current) = txn.get(rt, ns, name) else {
            return Ok(None);
        };
        let old = current.value();
        let mut doc = old.clone();
        change(&mut doc);
        let prepared = admission::prepare_update(rt, name, &old, doc, target, false)?;
        Ok(Some(commit_update(
            txn,
            rt,
            &current,
            prepared,
            false,
            controller_manager(rt, target),
            target,
        )))
    })
}

/// Creates an object unless one with its name exists (controllers).
pub fn ensure(
    store: &Store,
    rt: &ResourceType,
    ns: Option<&str>,
    body: Value,
) -> Result<StoredObject, ApiError> {
    let name = body
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let ns = scoped(rt, ns);
    store.write(|txn| match txn.get(rt, ns, &name) {
        Some(existing) if !name.is_empty() => Ok(existing),
        _ => create_in(
            txn,
            rt,
            ns,
            body,
            false,
            controller_manager(rt, Target::Main),
        ),
    })
}

/// What a delete returns: the object itself for kinds whose registry
/// returns it, otherwise a `Success` Status.
pub enum Deleted {
    Object(StoredObject),
    Status(Value),
}

fn returns_object(rt: &ResourceType) -> bool {
    rt.custom
        || matches!(
            rt.kind,
            "Pod" | "Namespace" | "PersistentVolumeClaim" | "Node"
        )
}

/// Removes an object, everything in it if it is a namespace, and (unless
/// orphaning) its dependents by ownerReference.
fn remove_cascading(
    txn: &mut Txn<'_>,
    rt: &ResourceType,
    ns: Option<&str>,
    name: &str,
    orphan: bool,
    depth: usize,
) -> Option<StoredObject> {
    let gone = txn.remove(rt, ns, name)?;
    if std::ptr::eq(rt, &resources::NAMESPACE) {
        for inner in resources::stored().filter(|r| r.namespaced) {
            let names: Vec<String> = txn
                .view()
                .range(inner, Some(name), None)
                .map(|(_, o)| o.meta.name.to_string())
                .collect();
            for n in names {
                txn.remove(inner, Some(name), &n);
            }
        }
    }
    if orphan || depth > 8 || gone.meta.uid.is_empty() {
        return Some(gone);
    }
    let owner_uid = gone.meta.uid.to_string();
    for dep_rt in resources::stored().filter(|r| r.namespaced || ns.is_none()) {
        let scope = if dep_rt.namespaced { ns } else { None };
        let victims: Vec<(Option<String>, String)> = txn
            .view()
            .range(dep_rt, scope, None)
            .filter(|(_, o)| o.meta.owner_uids.iter().any(|u| **u == *owner_uid))
            .map(|(_, o)| {
                (
                    o.meta.namespace.as_deref().map(String::from),
                    o.meta.name.to_string(),
                )
            })
            .collect();
        for (vns, vname) in victims {
            remove_cascading(txn, dep_rt, vns.as_deref(), &vname, false, depth + 1);
        }
    }
    Some(gone)
}

/// Deletes an object, its dependents (ownerReferences, immediately, as
/// background propagation would shortly after) and, for a namespace,
/// everything in it.
pub fn delete(
    store: &Store,
    rt: &ResourceType,
    ns: Option<&str>,
    name: &str,
    opts: &DeleteOptions,
) -> Result<Deleted, ApiError> {
    let ns = scoped(rt, ns);
    store.write(|txn| {
        let current = txn.get(rt, ns, name).ok_or_else(|| ApiError::not_found(rt, name))?;
        if let Some(uid) = &opts.precondition_uid
            && **uid != *current.meta.uid
        {
            return Err(ApiError::conflict_with(
                rt,
                name,
                &format!(
                    "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                    current.meta.uid
                ),
            ));
        }
        if let Some(rv) = &opts.precondition_rv
            && *rv != current.meta.resource_version.to_string()
        {
            return Err(ApiError::conflict_with(
                rt,
                name,
                &format!(
                    "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {}",
                    current.meta.resource_version
                ),
            ));
        }
        let status = json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
            "details": {"name": name, "group": rt.group, "kind": rt.plural, "uid": &*current.meta.uid},
        });
        if opts.dry_run {
            return Ok(if returns_object(rt) {
                Deleted::Object(current)
            } else {
                Deleted::Status(status)
            });
        }
        let tomb = remove_cascading(txn, rt, ns, name, opts.orphan, 0).unwrap_or(current.clone());
        if std::ptr::eq(rt, &resources::NAMESPACE) {
            let mut v = tomb.value();
            if let Some(s) = v.as_object_mut() {
                s.insert("status".into(), json!({"phase": "Terminating"}));
            }
            return Ok(Deleted::Object(StoredObject::encode(rt, &v)));
        }
        Ok(if returns_object(rt) {
            Deleted::Object(tomb)
        } else {
            Deleted::Status(status)
        })
    })
}
