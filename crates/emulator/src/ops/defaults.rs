//! Defaulting that kube-apiserver applies on create for the core kinds the
//! emulator serves (a faithful subset: what clients commonly look at).

use serde_json::{Map, Value, json};

fn set_default(map: &mut Map<String, Value>, key: &str, value: Value) {
    if map.get(key).is_none_or(Value::is_null) {
        map.insert(key.to_string(), value);
    }
}

fn object_at<'a>(v: &'a mut Value, key: &str) -> Option<&'a mut Map<String, Value>> {
    let map = v.as_object_mut()?;
    if !map.get(key).is_some_and(Value::is_object) {
        map.insert(key.to_string(), json!({}));
    }
    map.get_mut(key).and_then(Value::as_object_mut)
}

fn image_pull_policy(image: &str) -> &'static str {
    let tag = image.rsplit('/').next().unwrap_or(image);
    if image.contains('@') {
        "IfNotPresent"
    } else {
        match tag.split_once(':') {
            Some((_, "latest")) | None => "Always",
            Some(_) => "IfNotPresent",
        }
    }
}

fn default_containers(spec: &mut Map<String, Value>, key: &str) {
    if let Some(Value::Array(containers)) = spec.get_mut(key) {
        for c in containers.iter_mut().filter_map(Value::as_object_mut) {
            let image = c
                .get("image")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            set_default(c, "imagePullPolicy", json!(image_pull_policy(&image)));
            set_default(c, "terminationMessagePath", json!("/dev/termination-log"));
            set_default(c, "terminationMessagePolicy", json!("File"));
            set_default(c, "resources", json!({}));
            if let Some(Value::Array(ports)) = c.get_mut("ports") {
                for p in ports.iter_mut().filter_map(Value::as_object_mut) {
                    set_default(p, "protocol", json!("TCP"));
                }
            }
        }
    }
}

/// The QoS class kubelet would compute from the containers' resources.
pub fn qos_class(pod: &Value) -> &'static str {
    let containers = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut any = false;
    let mut guaranteed = !containers.is_empty();
    for c in containers {
        let req = c.pointer("/resources/requests").and_then(Value::as_object);
        let lim = c.pointer("/resources/limits").and_then(Value::as_object);
        if req.is_some_and(|r| !r.is_empty()) || lim.is_some_and(|l| !l.is_empty()) {
            any = true;
        }
        let full = ["cpu", "memory"].iter().all(|k| {
            let l = lim.and_then(|l| l.get(*k));
            l.is_some() && req.and_then(|r| r.get(*k)).is_none_or(|r| Some(r) == l)
        });
        guaranteed &= full;
    }
    if guaranteed {
        "Guaranteed"
    } else if any {
        "Burstable"
    } else {
        "BestEffort"
    }
}

/// Pod defaults: scheduling, restart and container fields, the default
/// not-ready/unreachable tolerations, and a Pending status.
pub fn pod(v: &mut Value) {
    if let Some(spec) = object_at(v, "spec") {
        set_default(spec, "restartPolicy", json!("Always"));
        set_default(spec, "dnsPolicy", json!("ClusterFirst"));
        set_default(spec, "schedulerName", json!("default-scheduler"));
        set_default(spec, "terminationGracePeriodSeconds", json!(30));
        set_default(spec, "securityContext", json!({}));
        set_default(spec, "enableServiceLinks", json!(true));
        set_default(spec, "priority", json!(0));
        set_default(spec, "preemptionPolicy", json!("PreemptLowerPriority"));
        let sa = spec
            .get("serviceAccountName")
            .and_then(Value::as_str)
            .unwrap_or("default")
            .to_string();
        set_default(spec, "serviceAccountName", json!(sa));
        set_default(spec, "serviceAccount", json!(sa));
        default_containers(spec, "containers");
        default_containers(spec, "initContainers");
        let tolerations = spec.entry("tolerations").or_insert_with(|| json!([]));
        if let Value::Array(list) = tolerations {
            for key in [
                "node.kubernetes.io/not-ready",
                "node.kubernetes.io/unreachable",
            ] {
                if !list
                    .iter()
                    .any(|t| t.get("key").and_then(Value::as_str) == Some(key))
                {
                    list.push(
                        json!({"key": key, "operator": "Exists", "effect": "NoExecute",
                                     "tolerationSeconds": 300}),
                    );
                }
            }
        }
    }
    let qos = qos_class(v);
    if let Some(map) = v.as_object_mut() {
        map.insert(
            "status".into(),
            json!({"phase": "Pending", "qosClass": qos}),
        );
    }
}

/// Service defaults: a ClusterIP from `ip`, TCP ports targeting themselves.
pub fn service(v: &mut Value, ip: String) {
    if let Some(spec) = object_at(v, "spec") {
        set_default(spec, "type", json!("ClusterIP"));
        set_default(spec, "sessionAffinity", json!("None"));
        set_default(spec, "internalTrafficPolicy", json!("Cluster"));
        set_default(spec, "ipFamilies", json!(["IPv4"]));
        set_default(spec, "ipFamilyPolicy", json!("SingleStack"));
        let headless = spec.get("clusterIP").and_then(Value::as_str) == Some("None");
        if !headless {
            set_default(spec, "clusterIP", json!(ip));
        }
        let cip = spec.get("clusterIP").cloned().unwrap_or(Value::Null);
        set_default(spec, "clusterIPs", json!([cip]));
        if let Some(Value::Array(ports)) = spec.get_mut("ports") {
            for p in ports.iter_mut().filter_map(Value::as_object_mut) {
                set_default(p, "protocol", json!("TCP"));
                let port = p.get("port").cloned().unwrap_or(Value::Null);
                set_default(p, "targetPort", port);
            }
        }
    }
    if let Some(map) = v.as_object_mut() {
        map.insert("status".into(), json!({"loadBalancer": {}}));
    }
}

/// Namespace defaults: the name label, the kubernetes finalizer, Active.
pub fn namespace(v: &mut Value, name: &str) {
    if let Some(meta) = object_at(v, "metadata") {
        let labels = meta.entry("labels").or_insert_with(|| json!({}));
        if let Some(l) = labels.as_object_mut() {
            l.insert("kubernetes.io/metadata.name".into(), json!(name));
        }
    }
    if let Some(spec) = object_at(v, "spec") {
        set_default(spec, "finalizers", json!(["kubernetes"]));
    }
    if let Some(map) = v.as_object_mut() {
        map.insert("status".into(), json!({"phase": "Active"}));
    }
}

/// PersistentVolumeClaim defaults: Filesystem mode, Pending until bound.
pub fn persistent_volume_claim(v: &mut Value) {
    if let Some(spec) = object_at(v, "spec") {
        set_default(spec, "volumeMode", json!("Filesystem"));
    }
    if let Some(map) = v.as_object_mut() {
        map.insert("status".into(), json!({"phase": "Pending"}));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_defaults() {
        let mut p = json!({"spec": {"containers": [{"name": "a", "image": "busybox"}]}});
        pod(&mut p);
        assert_eq!(p["spec"]["restartPolicy"], "Always");
        assert_eq!(p["spec"]["containers"][0]["imagePullPolicy"], "Always");
        assert_eq!(p["status"]["phase"], "Pending");
        assert_eq!(p["status"]["qosClass"], "BestEffort");
        assert_eq!(p["spec"]["tolerations"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn qos() {
        let g = json!({"spec": {"containers": [{"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]}});
        assert_eq!(qos_class(&g), "Guaranteed");
        let b = json!({"spec": {"containers": [{"resources": {"requests": {"cpu": "1"}}}]}});
        assert_eq!(qos_class(&b), "Burstable");
        assert_eq!(image_pull_policy("repo/img:1.0"), "IfNotPresent");
        assert_eq!(image_pull_policy("localhost:5000/img"), "Always");
    }
}
