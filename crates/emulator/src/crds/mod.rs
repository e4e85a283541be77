//! `apiextensions.k8s.io/v1` CustomResourceDefinitions of the custom kinds
//! the emulator serves, each with its `openAPIV3Schema` (see [`schemas`]),
//! readable with `get` and `list` as on a real cluster (a user needs a
//! cluster-wide grant: the read-only demo user and profile users have none
//! and get the apiserver's 403). The same schemas are applied on every
//! write of a custom resource, as the apiextensions-apiserver does: wrong
//! types, unsupported enum values and missing required fields are 422
//! Invalid with one cause per field. Unknown fields are no error, as on a
//! real apiserver; unlike it, the emulator does not prune them (its
//! schemas are reduced, and pruning by a reduced schema would drop fields
//! upstream allows).

pub mod schemas;

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::api::error::{ApiError, Cause};
use crate::auth::User;
use crate::auth::rbac::{self, Attributes};
use crate::resources::{self, ResourceType};
use crate::schema::{self, Problem};
use crate::server::state::SharedState;

pub const GROUP: &str = "apiextensions.k8s.io";
const PREFIX: &str = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

/// The schema of a served custom kind, when the emulator defines one.
pub fn schema_of(rt: &ResourceType) -> Option<Value> {
    Some(match rt.kind {
        "PyTorchJob" => schemas::pytorch_job(),
        "TFJob" => schemas::tf_job(),
        "MPIJob" => schemas::mpi_job(),
        "XGBoostJob" => schemas::xgboost_job(),
        "JAXJob" => schemas::jax_job(),
        "TrainJob" => schemas::train_job(),
        "Notebook" => schemas::notebook(),
        "Experiment" => schemas::experiment(),
        "Workflow" => schemas::workflow(),
        "InferenceService" => schemas::inference_service(),
        _ => return None,
    })
}

fn crd(rt: &ResourceType, schema: Value) -> Value {
    let name = rt.qualified_plural();
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": name,
            "uid": format!("crd-{}", rt.id),
            "resourceVersion": "1",
            "generation": 1,
            "creationTimestamp": "2026-01-01T00:00:00Z",
        },
        "spec": {
            "group": rt.group,
            "names": {
                "kind": rt.kind,
                "listKind": rt.list_kind(),
                "plural": rt.plural,
                "singular": rt.singular,
                "shortNames": rt.short_names,
                "categories": rt.categories,
            },
            "scope": if rt.namespaced { "Namespaced" } else { "Cluster" },
            "versions": [{
                "name": rt.version,
                "served": true,
                "storage": true,
                "schema": {"openAPIV3Schema": schema},
                "subresources": if rt.status_subresource { json!({"status": {}}) } else { json!({}) },
            }],
        },
        "status": {
            "acceptedNames": {"kind": rt.kind, "plural": rt.plural},
            "storedVersions": [rt.version],
            "conditions": [{"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
                            "message": "the initial names have been accepted"}],
        },
    })
}

/// Every served CRD, sorted by name as the apiserver lists them.
pub fn all() -> Vec<Value> {
    let mut out: Vec<(String, Value)> = resources::ALL
        .iter()
        .filter(|rt| rt.custom)
        .filter_map(|rt| schema_of(rt).map(|s| (rt.qualified_plural(), crd(rt, s))))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.into_iter().map(|(_, v)| v).collect()
}

/// True for a request this module answers.
pub fn claims(path: &str) -> bool {
    path == PREFIX
        || path
            .strip_prefix(PREFIX)
            .is_some_and(|r| r.starts_with('/'))
}

/// Serves `GET` list and get of the CRDs.
pub fn serve(state: &SharedState, user: &User, method: &Method, path: &str) -> Response {
    let name = path
        .strip_prefix(PREFIX)
        .unwrap_or_default()
        .trim_matches('/');
    let name = (!name.is_empty()).then_some(name);
    if method != Method::GET {
        return ApiError::method_not_allowed().into_response();
    }
    let attrs = Attributes {
        verb: if name.is_some() { "get" } else { "list" },
        group: GROUP,
        resource: "customresourcedefinitions",
        subresource: None,
        namespace: None,
        name,
    };
    if !rbac::authorize(&state.store, user, &attrs).allowed {
        return attrs.forbidden(user).into_response();
    }
    let items = all();
    match name {
        None => crate::server::respond::json(&json!({
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinitionList",
            "metadata": {"resourceVersion": "1"},
            "items": items,
        })),
        Some(n) => match items
            .into_iter()
            .find(|c| c.pointer("/metadata/name").and_then(Value::as_str) == Some(n))
        {
            Some(c) => crate::server::respond::json(&c),
            None => ApiError {
                code: StatusCode::NOT_FOUND.as_u16(),
                reason: "NotFound",
                message: format!(
                    "customresourcedefinitions.apiextensions.k8s.io \"{n}\" not found"
                ),
                details: Some(
                    json!({"name": n, "group": GROUP, "kind": "customresourcedefinitions"}),
                ),
            }
            .into_response(),
        },
    }
}

/// The causes a write of `obj` fails with under the kind's schema, worded
/// as the apiextensions-apiserver words them; unknown fields are not
/// causes.
pub fn causes(rt: &ResourceType, obj: &Value) -> Vec<Cause> {
    if !rt.custom {
        return Vec::new();
    }
    let Some(schema) = schema_of(rt) else {
        return Vec::new();
    };
    let Some(spec_schema) = schema.pointer("/properties/spec") else {
        return Vec::new();
    };
    let Some(spec) = obj.get("spec") else {
        return Vec::new();
    };
    schema::problems(spec_schema, spec, "spec")
        .into_iter()
        .filter_map(|(field, v, p)| match p {
            Problem::Type { expected } => {
                let given = type_name(&v);
                let expected = expected.as_str().unwrap_or("object").to_string();
                Some(Cause {
                    reason: "FieldValueTypeInvalid",
                    message: format!(
                        "Invalid value: \"{given}\": {field} in body must be of type {expected}: \"{given}\""
                    ),
                    field,
                })
            }
            Problem::NotSupported { allowed } => Some(Cause {
                reason: "FieldValueNotSupported",
                message: format!(
                    "Unsupported value: {v}: supported values: {}",
                    allowed
                        .iter()
                        .map(Value::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                field,
            }),
            Problem::Required => Some(Cause::required(field)),
            Problem::Unknown => None,
        })
        .collect()
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_a_crd_per_schema_and_checks_writes() {
        let names: Vec<String> = all()
            .iter()
            .filter_map(|c| {
                c.pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .map(String::from)
            })
            .collect();
        assert!(
            names.contains(&"pytorchjobs.kubeflow.org".to_string()),
            "{names:?}"
        );
        assert!(names.contains(&"trainjobs.trainer.kubeflow.org".to_string()));
        assert!(names.contains(&"experiments.kubeflow.org".to_string()));
        let job = json!({"spec": {"pytorchReplicaSpecs": {"Worker": {"replicas": "two",
            "template": {"spec": {"containers": [{"name": "pytorch", "image": "x",
            "resources": {"limits": {"cpu": 1, "memory": "2Gi"}}}]}}}}, "extra": 1}});
        let causes = causes(&resources::PYTORCH_JOB, &job);
        assert_eq!(causes.len(), 1, "{causes:?}");
        assert_eq!(causes[0].field, "spec.pytorchReplicaSpecs.Worker.replicas");
        assert_eq!(causes[0].reason, "FieldValueTypeInvalid");
        assert!(
            causes[0].message.contains("must be of type integer"),
            "{}",
            causes[0].message
        );
        let tj = json!({"spec": {"trainer": {"numNodes": 2}}});
        let causes = super::causes(&resources::TRAIN_JOB, &tj);
        assert_eq!(causes, vec![Cause::required("spec.runtimeRef")]);
        assert!(
            super::causes(&resources::EXPERIMENT, &json!({"spec": {"any": "thing"}})).is_empty()
        );
    }
}
