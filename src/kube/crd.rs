//! The `openAPIV3Schema` of a kind, read from the cluster's
//! CustomResourceDefinition (`apiextensions.k8s.io/v1`), for the YAML
//! editor's checks. Answers are cached per cluster, user and context (the
//! `cache` key the caller builds), refusals too: a user who may not read
//! CRDs is told once per context, not on every keystroke.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use kube::Client;
use serde_json::Value;

use super::errors::ApiFailure;
use super::kinds::Kind;

type Cache = Mutex<HashMap<(String, &'static str), Result<Value, ApiFailure>>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The CRD's name: `pytorchjobs.kubeflow.org`.
pub fn crd_name(kind: &Kind) -> String {
    format!("{}.{}", kind.plural, kind.group)
}

/// The schema of `kind`'s version in `crd`.
pub fn version_schema(crd: &Value, kind: &Kind) -> Option<Value> {
    crd.pointer("/spec/versions")?
        .as_array()?
        .iter()
        .find(|v| v.get("name").and_then(Value::as_str) == Some(kind.version))?
        .pointer("/schema/openAPIV3Schema")
        .cloned()
}

/// Reads the schema (or the cached answer for `cache`). A CRD without a
/// schema for the version is a `NoSchema` failure.
pub async fn schema(
    client: Client,
    kind: &'static Kind,
    cache_key: &str,
) -> Result<Value, ApiFailure> {
    let key = (cache_key.to_string(), kind.id);
    if let Some(hit) = cache().lock().ok().and_then(|c| c.get(&key).cloned()) {
        return hit;
    }
    let result = fetch(client, kind).await;
    // Only answers are cached: a timeout or lost connection is asked again.
    let answered = match &result {
        Ok(_) => true,
        Err(e) => e.code.is_some() || e.reason == "NoSchema",
    };
    if answered && let Ok(mut c) = cache().lock() {
        c.insert(key, result.clone());
    }
    result
}

async fn fetch(client: Client, kind: &'static Kind) -> Result<Value, ApiFailure> {
    let uri = format!(
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{}",
        crd_name(kind)
    );
    let req = http::Request::get(uri)
        .body(Vec::new())
        .map_err(|e| ApiFailure::local("Invalid", e.to_string()))?;
    let crd: Value = client.request(req).await?;
    version_schema(&crd, kind).ok_or_else(|| {
        ApiFailure::local(
            "NoSchema",
            format!(
                "the CRD {} has no schema for {}",
                crd_name(kind),
                kind.version
            ),
        )
    })
}
