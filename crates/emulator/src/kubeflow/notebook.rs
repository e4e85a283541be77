//! Notebooks the way the Kubeflow notebook controller runs them: a
//! StatefulSet-style pod `<name>-0` built from `spec.template` (with
//! `NB_PREFIX`, port 8888, the jovyan working directory, `fsGroup` 100 and
//! the istio sidecar), a Service `<name>` on port 80, and a status copied
//! from the pod (`conditions`, `readyReplicas`, `containerState`).

use serde_json::{Value, json};

use super::{name_of, namespace_of, owner_ref};
use crate::ids;
use crate::names::STOP_ANNOTATION;
use crate::resources;

/// Whether the notebook is stopped (`kubeflow-resource-stopped` set).
pub fn is_stopped(nb: &Value) -> bool {
    nb.pointer("/metadata/annotations")
        .and_then(|a| a.get(STOP_ANNOTATION))
        .is_some()
}

/// The name of the notebook's pod.
pub fn pod_name(nb: &Value) -> String {
    format!("{}-0", name_of(nb))
}

/// The uid of the StatefulSet the notebook controller would own.
pub fn statefulset_uid(nb: &Value) -> String {
    let mut rng = fastrand::Rng::with_seed(ids::hash64(&format!(
        "sts/{}",
        nb.pointer("/metadata/uid")
            .and_then(Value::as_str)
            .unwrap_or_default()
    )));
    ids::uid(&mut rng)
}

fn istio_sidecar() -> Value {
    json!({
        "name": "istio-proxy",
        "image": "docker.io/istio/proxyv2:1.24.2",
        "args": ["proxy", "sidecar", "--domain", "$(POD_NAMESPACE).svc.cluster.local",
                 "--proxyLogLevel=warning", "--log_output_level=default:info"],
        "ports": [{"containerPort": 15090, "name": "http-envoy-prom", "protocol": "TCP"}],
        "resources": {"limits": {"cpu": "2", "memory": "1Gi"}, "requests": {"cpu": "10m", "memory": "40Mi"}},
        "imagePullPolicy": "IfNotPresent",
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    })
}

/// The pod the notebook's StatefulSet creates (no status).
pub fn pod_for(nb: &Value) -> Value {
    let name = name_of(nb);
    let ns = namespace_of(nb);
    let prefix = format!("/notebook/{ns}/{name}");
    let mut spec = nb
        .pointer("/spec/template/spec")
        .cloned()
        .unwrap_or_else(|| json!({"containers": []}));
    if let Some(Value::Array(containers)) = spec.get_mut("containers")
        && let Some(first) = containers.first_mut().and_then(Value::as_object_mut)
    {
        let env = first.entry("env").or_insert_with(|| json!([]));
        if let Value::Array(env) = env
            && !env
                .iter()
                .any(|e| e.get("name").and_then(Value::as_str) == Some("NB_PREFIX"))
        {
            env.push(json!({"name": "NB_PREFIX", "value": prefix}));
        }
        first.entry("ports").or_insert_with(
            || json!([{"containerPort": 8888, "name": "notebook-port", "protocol": "TCP"}]),
        );
        first
            .entry("workingDir")
            .or_insert_with(|| json!("/home/jovyan"));
        containers.push(istio_sidecar());
    }
    if let Some(s) = spec.as_object_mut() {
        s.entry("securityContext")
            .or_insert_with(|| json!({"fsGroup": 100}));
        s.insert("hostname".into(), json!(format!("{name}-0")));
        s.insert("subdomain".into(), json!(name));
    }
    let mut labels = nb
        .pointer("/metadata/labels")
        .cloned()
        .unwrap_or_else(|| json!({}));
    if let Some(l) = labels.as_object_mut() {
        l.insert("statefulset".into(), json!(name));
        l.insert("notebook-name".into(), json!(name));
        l.insert(
            "controller-revision-hash".into(),
            json!(format!("{name}-{}", &ids::template_hash(name)[..8])),
        );
        l.insert(
            "statefulset.kubernetes.io/pod-name".into(),
            json!(format!("{name}-0")),
        );
        l.insert("apps.kubernetes.io/pod-index".into(), json!("0"));
        l.insert("security.istio.io/tlsMode".into(), json!("istio"));
        l.insert("service.istio.io/canonical-name".into(), json!(name));
        l.insert(
            "service.istio.io/canonical-revision".into(),
            json!("latest"),
        );
    }
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": format!("{name}-0"),
            "namespace": ns,
            "labels": labels,
            "annotations": {
                "kubectl.kubernetes.io/default-container": name,
                "sidecar.istio.io/status": "{\"initContainers\":null,\"containers\":[\"istio-proxy\"],\"volumes\":[\"istio-envoy\",\"istio-data\"],\"revision\":\"default\"}",
            },
            "ownerReferences": [{
                "apiVersion": "apps/v1", "kind": "StatefulSet", "name": name,
                "uid": statefulset_uid(nb), "controller": true, "blockOwnerDeletion": true,
            }],
        },
        "spec": spec,
    })
}

/// The Service the notebook controller creates for a notebook.
pub fn service_for(nb: &Value) -> Value {
    let name = name_of(nb);
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "namespace": namespace_of(nb),
            "labels": {"app": name},
            "ownerReferences": [owner_ref(&resources::NOTEBOOK, nb)],
        },
        "spec": {
            "selector": {"statefulset": name},
            "ports": [{"name": format!("http-{name}"), "port": 80, "protocol": "TCP", "targetPort": 8888}],
            "type": "ClusterIP",
        },
    })
}

/// The notebook status the controller derives from its pod (or its absence).
pub fn status_from_pod(nb: &Value, pod: Option<&Value>) -> Value {
    let Some(pod) = pod else {
        return json!({"conditions": [], "readyReplicas": 0, "containerState": {}});
    };
    let name = name_of(nb);
    let conditions: Vec<Value> = pod
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    let mut out = serde_json::Map::new();
                    for key in [
                        "type",
                        "status",
                        "lastProbeTime",
                        "lastTransitionTime",
                        "reason",
                        "message",
                    ] {
                        if let Some(v) = c.get(key).filter(|v| !v.is_null()) {
                            out.insert(key.into(), v.clone());
                        }
                    }
                    Value::Object(out)
                })
                .collect()
        })
        .unwrap_or_default();
    let state = pod
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.get("name").and_then(Value::as_str) == Some(name))
        })
        .and_then(|c| c.get("state"))
        .cloned()
        .unwrap_or_else(|| json!({}));
    let ready = pod
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                c.get("type").and_then(Value::as_str) == Some("Ready")
                    && c.get("status").and_then(Value::as_str) == Some("True")
            })
        });
    json!({"conditions": conditions, "readyReplicas": i32::from(ready), "containerState": state})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nb() -> Value {
        json!({"apiVersion": "kubeflow.org/v1", "kind": "Notebook",
            "metadata": {"name": "nb", "namespace": "ns", "uid": "u1", "labels": {"app": "nb"}},
            "spec": {"template": {"spec": {"containers": [{"name": "nb", "image": "jupyter"}]}}}})
    }

    #[test]
    fn pod_has_the_controller_shape() {
        let pod = pod_for(&nb());
        assert_eq!(pod["metadata"]["name"], "nb-0");
        assert_eq!(pod["metadata"]["labels"]["notebook-name"], "nb");
        assert_eq!(pod["metadata"]["labels"]["statefulset"], "nb");
        assert_eq!(
            pod["spec"]["containers"][0]["env"][0]["value"],
            "/notebook/ns/nb"
        );
        assert_eq!(
            pod["spec"]["containers"][0]["ports"][0]["containerPort"],
            8888
        );
        assert_eq!(pod["spec"]["containers"][1]["name"], "istio-proxy");
    }

    #[test]
    fn status_without_pod_is_empty() {
        let s = status_from_pod(&nb(), None);
        assert_eq!(
            s,
            json!({"conditions": [], "readyReplicas": 0, "containerState": {}})
        );
    }
}
