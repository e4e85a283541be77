//! Cluster scaffolding: nodes, namespaces, Kubeflow profiles with their
//! RoleBindings and service accounts, the GPU quota, config maps, secrets,
//! and the system and Kubeflow control-plane pods and services.

use serde_json::{Value, json};

use super::{Demo, NodeInfo};
use crate::ids;
use crate::kubeflow::{owner_ref, pod_gpus};
use crate::names::*;
use crate::resources;

struct NodeModel {
    name: &'static str,
    instance: &'static str,
    zone: &'static str,
    cpu: &'static str,
    memory: &'static str,
    gpus: u32,
    product: &'static str,
    family: &'static str,
    gpu_memory: &'static str,
}

const NODES: &[NodeModel] = &[
    NodeModel {
        name: NODE_A100,
        instance: "p4d.24xlarge",
        zone: "us-east-1a",
        cpu: "96",
        memory: "1176410152Ki",
        gpus: 8,
        product: "NVIDIA-A100-SXM4-80GB",
        family: "ampere",
        gpu_memory: "81920",
    },
    NodeModel {
        name: NODE_H100,
        instance: "p5.48xlarge",
        zone: "us-east-1b",
        cpu: "192",
        memory: "2097152000Ki",
        gpus: 8,
        product: "NVIDIA-H100-80GB-HBM3",
        family: "hopper",
        gpu_memory: "81559",
    },
    NodeModel {
        name: NODE_T4,
        instance: "g4dn.12xlarge",
        zone: "us-east-1a",
        cpu: "48",
        memory: "195784964Ki",
        gpus: 4,
        product: "Tesla-T4",
        family: "turing",
        gpu_memory: "15360",
    },
    NodeModel {
        name: NODE_CPU_0,
        instance: "m6i.8xlarge",
        zone: "us-east-1a",
        cpu: "32",
        memory: "129481212Ki",
        gpus: 0,
        product: "",
        family: "",
        gpu_memory: "",
    },
    NodeModel {
        name: NODE_CPU_1,
        instance: "m6i.8xlarge",
        zone: "us-east-1b",
        cpu: "32",
        memory: "129481212Ki",
        gpus: 0,
        product: "",
        family: "",
        gpu_memory: "",
    },
];

const CLUSTER_AGE: i64 = 45 * 86400;

fn node(demo: &mut Demo, m: &NodeModel, index: usize) {
    let ip = format!("10.0.{}.{}", 1 + index / 2, 10 + index * 7);
    demo.nodes.push(NodeInfo {
        name: m.name.to_string(),
        ip: ip.clone(),
        pod_cidr: u8::try_from(index + 1).unwrap_or(1),
    });
    let mut labels = json!({
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": m.name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": m.instance,
        "topology.kubernetes.io/region": "us-east-1",
        "topology.kubernetes.io/zone": m.zone,
    });
    let mut capacity = json!({"cpu": m.cpu, "memory": m.memory, "pods": "110", "ephemeral-storage": "514937088Ki", "hugepages-1Gi": "0", "hugepages-2Mi": "0"});
    if m.gpus > 0
        && let (Some(l), Some(c)) = (labels.as_object_mut(), capacity.as_object_mut())
    {
        l.insert("nvidia.com/gpu.present".into(), json!("true"));
        l.insert("nvidia.com/gpu.product".into(), json!(m.product));
        l.insert("nvidia.com/gpu.count".into(), json!(m.gpus.to_string()));
        l.insert("nvidia.com/gpu.memory".into(), json!(m.gpu_memory));
        l.insert("nvidia.com/gpu.family".into(), json!(m.family));
        l.insert("nvidia.com/gpu.machine".into(), json!(m.instance));
        l.insert("nvidia.com/cuda.driver.major".into(), json!("550"));
        l.insert("nvidia.com/cuda.driver.minor".into(), json!("90"));
        l.insert("nvidia.com/cuda.runtime.major".into(), json!("12"));
        l.insert("nvidia.com/cuda.runtime.minor".into(), json!("4"));
        l.insert("nvidia.com/gfd.timestamp".into(), json!("1735689600"));
        c.insert("nvidia.com/gpu".into(), json!(m.gpus.to_string()));
    }
    let mut allocatable = capacity.clone();
    if let Some(a) = allocatable.as_object_mut() {
        a.insert("ephemeral-storage".into(), json!("474566242574"));
    }
    let boot = super::ago(CLUSTER_AGE - 600);
    let heartbeat = super::ago(20);
    let cond = |t: &str, s: &str, reason: &str, msg: &str| {
        json!({"type": t, "status": s, "reason": reason, "message": msg,
               "lastHeartbeatTime": crate::clock::rfc3339(heartbeat),
               "lastTransitionTime": crate::clock::rfc3339(boot)})
    };
    let machine = format!(
        "{:016x}{:016x}",
        ids::hash64(m.name),
        ids::hash64(&format!("{}m", m.name))
    );
    let v = json!({
        "metadata": {"name": m.name, "labels": labels,
            "annotations": {"node.alpha.kubernetes.io/ttl": "0", "volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
        "spec": {"podCIDR": format!("10.244.{}.0/24", index + 1), "podCIDRs": [format!("10.244.{}.0/24", index + 1)],
                 "providerID": format!("aws:///{}/i-{:017x}", m.zone, ids::hash64(m.name) >> 4)},
        "status": {
            "capacity": capacity,
            "allocatable": allocatable,
            "conditions": [
                cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": m.name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": machine, "systemUUID": machine.clone(), "bootID": format!("{:016x}", ids::hash64(&format!("{}b", m.name))),
                "kernelVersion": "6.1.119-129.201.amzn2023.x86_64", "osImage": "Amazon Linux 2023.6.20250107",
                "containerRuntimeVersion": "containerd://1.7.25", "kubeletVersion": "v1.33.1",
                "kubeProxyVersion": "v1.33.1", "operatingSystem": "linux", "architecture": "amd64",
            },
        },
    });
    demo.add(&resources::NODE, v, CLUSTER_AGE - 600);
}

fn namespace(demo: &mut Demo, name: &str, profile: Option<(&Value, &str)>, age: i64) {
    let mut labels = json!({"kubernetes.io/metadata.name": name});
    let mut meta = json!({"name": name});
    if let Some((p, owner)) = profile {
        labels = json!({
            "kubernetes.io/metadata.name": name,
            "app.kubernetes.io/part-of": "kubeflow-profile",
            "istio-injection": "enabled",
            "katib.kubeflow.org/metrics-collector-injection": "enabled",
            "pipelines.kubeflow.org/enabled": "true",
            "serving.kubeflow.org/inferenceservice": "enabled",
        });
        if let Some(m) = meta.as_object_mut() {
            m.insert("annotations".into(), json!({"owner": owner}));
            m.insert(
                "ownerReferences".into(),
                json!([owner_ref(&resources::PROFILE, p)]),
            );
        }
    } else if name == KUBEFLOW
        && let Some(l) = labels.as_object_mut()
    {
        l.insert("control-plane".into(), json!("kubeflow"));
        l.insert("istio-injection".into(), json!("enabled"));
    }
    if let Some(m) = meta.as_object_mut() {
        m.insert("labels".into(), labels);
    }
    demo.add(
        &resources::NAMESPACE,
        json!({"metadata": meta, "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}),
        age,
    );
    // Every namespace gets the root CA config map and a default service account.
    demo.add(
        &resources::CONFIG_MAP,
        json!({"metadata": {"name": "kube-root-ca.crt", "namespace": name,
            "annotations": {"kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."}},
            "data": {"ca.crt": "-----BEGIN CERTIFICATE-----\nMIIC/jCCAeagAwIBAgIBADANBgkqhkiG9w0BAQsFADAVMRMwEQYDVQQDEwprdWJl\n-----END CERTIFICATE-----\n"}}),
        age,
    );
    demo.add(
        &resources::SERVICE_ACCOUNT,
        json!({"metadata": {"name": "default", "namespace": name}}),
        age,
    );
}

fn role_binding(
    demo: &mut Demo,
    ns: &str,
    name: &str,
    subject: Value,
    role: &str,
    annotations: Option<(&str, &str)>,
    age: i64,
) {
    let mut meta = json!({"name": name, "namespace": ns});
    if let (Some((user, r)), Some(m)) = (annotations, meta.as_object_mut()) {
        m.insert("annotations".into(), json!({"user": user, "role": r}));
    }
    demo.add(
        &resources::ROLE_BINDING,
        json!({"metadata": meta,
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
               "subjects": [subject]}),
        age,
    );
}

fn user(email: &str) -> Value {
    json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": email})
}

/// KFAM's RoleBinding name for a contributor.
pub fn contributor_binding_name(email: &str, role: &str) -> String {
    let sanitized: String = email
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("user-{sanitized}-clusterrole-{role}")
}

fn profile(demo: &mut Demo, name: &str, owner: &str, quota: bool, age: i64) {
    let mut spec = json!({"owner": {"kind": "User", "name": owner}});
    if quota && let Some(s) = spec.as_object_mut() {
        s.insert("resourceQuotaSpec".into(), json!({"hard": {
            "requests.nvidia.com/gpu": "8", "requests.cpu": "96", "requests.memory": "512Gi", "persistentvolumeclaims": "20"}}));
    }
    let p = demo.add(
        &resources::PROFILE,
        json!({"metadata": {"name": name}, "spec": spec,
               "status": {"conditions": [{"type": "Successful", "status": "True", "message": ""}]}}),
        age,
    );
    namespace(demo, name, Some((&p, owner)), age - 5);
    role_binding(
        demo,
        name,
        "namespaceAdmin",
        user(owner),
        "kubeflow-admin",
        Some((owner, "admin")),
        age - 5,
    );
    for (sa, role) in [
        ("default-editor", "kubeflow-edit"),
        ("default-viewer", "kubeflow-view"),
    ] {
        demo.add(
            &resources::SERVICE_ACCOUNT,
            json!({"metadata": {"name": sa, "namespace": name}}),
            age - 5,
        );
        role_binding(
            demo,
            name,
            sa,
            json!({"kind": "ServiceAccount", "name": sa, "namespace": name}),
            role,
            None,
            age - 5,
        );
    }
    demo.add(
        &resources::CONFIG_MAP,
        json!({"metadata": {"name": "artifact-repositories", "namespace": name,
            "annotations": {"workflows.argoproj.io/default-artifact-repository": "default-v1"}},
            "data": {"default-v1": "archiveLogs: true\ns3:\n  endpoint: minio-service.kubeflow:9000\n  bucket: mlpipeline\n  keyFormat: \"private-artifacts/{{workflow.namespace}}/{{workflow.name}}/{{workflow.creationTimestamp.Y}}/{{workflow.creationTimestamp.m}}/{{workflow.creationTimestamp.d}}/{{pod.name}}\"\n  insecure: true\n  accessKeySecret:\n    name: mlpipeline-minio-artifact\n    key: accesskey\n  secretKeySecret:\n    name: mlpipeline-minio-artifact\n    key: secretkey\n"}}),
        age - 5,
    );
    demo.add(
        &resources::SECRET,
        json!({"metadata": {"name": "mlpipeline-minio-artifact", "namespace": name},
               "type": "Opaque", "data": {"accesskey": "bWluaW8=", "secretkey": "bWluaW8xMjM="}}),
        age - 5,
    );
    if quota {
        demo.add(
            &resources::RESOURCE_QUOTA,
            json!({"metadata": {"name": GPU_QUOTA, "namespace": name},
                "spec": {"hard": {"requests.nvidia.com/gpu": "8", "requests.cpu": "96", "requests.memory": "512Gi", "persistentvolumeclaims": "20"}},
                "status": {"hard": {"requests.nvidia.com/gpu": "8", "requests.cpu": "96", "requests.memory": "512Gi", "persistentvolumeclaims": "20"},
                           "used": {"requests.nvidia.com/gpu": "0", "requests.cpu": "0", "requests.memory": "0", "persistentvolumeclaims": "0"}}}),
            age - 5,
        );
    }
}

fn system_pod(
    demo: &mut Demo,
    ns: &str,
    name: &str,
    labels: Value,
    containers: Value,
    node: &str,
    age: i64,
) -> Value {
    let pod = json!({
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {"containers": containers, "priorityClassName": if ns == KUBE_SYSTEM { "system-node-critical" } else { "" }},
    });
    let mut pod = pod;
    if ns != KUBE_SYSTEM
        && let Some(s) = pod.get_mut("spec").and_then(Value::as_object_mut)
    {
        s.remove("priorityClassName");
    }
    demo.running_pod(pod, node, age, &[])
}

fn service(
    demo: &mut Demo,
    ns: &str,
    name: &str,
    selector: Value,
    ports: Value,
    ip: &str,
    age: i64,
) {
    demo.add(
        &resources::SERVICE,
        json!({"metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
            "spec": {"selector": selector, "ports": ports, "type": "ClusterIP", "clusterIP": ip, "clusterIPs": [ip],
                     "sessionAffinity": "None", "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                     "internalTrafficPolicy": "Cluster"},
            "status": {"loadBalancer": {}}}),
        age,
    );
}

fn deployment_pod_name(deploy: &str) -> String {
    let hash = ids::template_hash(deploy);
    let mut rng = fastrand::Rng::with_seed(ids::hash64(&format!("pod/{deploy}")));
    format!("{deploy}-{}-{}", &hash[..9], ids::suffix(&mut rng, 5))
}

fn container(name: &str, image: &str, port: Option<i64>) -> Value {
    let mut c = json!({"name": name, "image": image,
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}});
    if let (Some(p), Some(m)) = (port, c.as_object_mut()) {
        m.insert(
            "ports".into(),
            json!([{"containerPort": p, "protocol": "TCP"}]),
        );
    }
    c
}

fn kubeflow_components(demo: &mut Demo) {
    let components: &[(&str, &str, i64, &str)] = &[
        (
            "ml-pipeline",
            "ghcr.io/kubeflow/kfp-api-server:2.5.0",
            8888,
            NODE_CPU_0,
        ),
        (
            "ml-pipeline-ui",
            "ghcr.io/kubeflow/kfp-frontend:2.5.0",
            3000,
            NODE_CPU_0,
        ),
        (
            "workflow-controller",
            "quay.io/argoproj/workflow-controller:v3.5.10",
            9090,
            NODE_CPU_1,
        ),
        (
            "centraldashboard",
            "ghcr.io/kubeflow/kubeflow/central-dashboard:v1.10.0",
            8082,
            NODE_CPU_1,
        ),
        (
            "jupyter-web-app-deployment",
            "ghcr.io/kubeflow/kubeflow/jupyter-web-app:v1.10.0",
            5000,
            NODE_CPU_0,
        ),
        (
            "notebook-controller-deployment",
            "ghcr.io/kubeflow/kubeflow/notebook-controller:v1.10.0",
            8080,
            NODE_CPU_1,
        ),
        (
            "profiles-deployment",
            "ghcr.io/kubeflow/kubeflow/profile-controller:v1.10.0",
            8080,
            NODE_CPU_0,
        ),
        (
            "katib-controller",
            "docker.io/kubeflowkatib/katib-controller:v0.18.0",
            8443,
            NODE_CPU_1,
        ),
        (
            "katib-ui",
            "docker.io/kubeflowkatib/katib-ui:v0.18.0",
            8080,
            NODE_CPU_0,
        ),
        (
            "training-operator",
            "docker.io/kubeflow/training-operator:v1-5a5f92d",
            8080,
            NODE_CPU_1,
        ),
        (
            "kubeflow-trainer-controller-manager",
            "ghcr.io/kubeflow/trainer/trainer-controller-manager:v2.0.0",
            8080,
            NODE_CPU_0,
        ),
        (
            "kserve-controller-manager",
            "kserve/kserve-controller:v0.14.1",
            8443,
            NODE_CPU_1,
        ),
        (
            "minio",
            "gcr.io/ml-pipeline/minio:RELEASE.2019-08-14T20-37-41Z-license-compliance",
            9000,
            NODE_CPU_0,
        ),
        ("mysql", "gcr.io/ml-pipeline/mysql:8.0.26", 3306, NODE_CPU_1),
    ];
    for (i, (deploy, image, port, node)) in components.iter().enumerate() {
        let name = deployment_pod_name(deploy);
        let labels = json!({"app": deploy, "pod-template-hash": &ids::template_hash(deploy)[..9]});
        system_pod(
            demo,
            KUBEFLOW,
            &name,
            labels,
            json!([container(deploy, image, Some(*port))]),
            node,
            CLUSTER_AGE - 3600 - i as i64 * 60,
        );
    }
    let services: &[(&str, &str, Value)] = &[
        (
            "ml-pipeline",
            "10.96.20.10",
            json!([{"name": "http", "port": 8888, "protocol": "TCP", "targetPort": 8888}, {"name": "grpc", "port": 8887, "protocol": "TCP", "targetPort": 8887}]),
        ),
        (
            "ml-pipeline-ui",
            "10.96.20.11",
            json!([{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 3000}]),
        ),
        (
            "centraldashboard",
            "10.96.20.12",
            json!([{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8082}]),
        ),
        (
            "jupyter-web-app-service",
            "10.96.20.13",
            json!([{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 5000}]),
        ),
        (
            "katib-ui",
            "10.96.20.14",
            json!([{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}]),
        ),
        (
            "minio-service",
            "10.96.20.15",
            json!([{"name": "http", "port": 9000, "protocol": "TCP", "targetPort": 9000}]),
        ),
    ];
    for (name, ip, ports) in services {
        let app = match *name {
            "jupyter-web-app-service" => "jupyter-web-app-deployment",
            "minio-service" => "minio",
            other => other,
        };
        service(
            demo,
            KUBEFLOW,
            name,
            json!({"app": app}),
            ports.clone(),
            ip,
            CLUSTER_AGE - 3600,
        );
    }
    demo.add(
        &resources::CONFIG_MAP,
        json!({"metadata": {"name": "workflow-controller-configmap", "namespace": KUBEFLOW},
            "data": {"executor": "imagePullPolicy: IfNotPresent\n", "containerRuntimeExecutor": "emissary"}}),
        CLUSTER_AGE - 3600,
    );
    demo.add(
        &resources::SERVICE_ACCOUNT,
        json!({"metadata": {"name": "pipeline-runner", "namespace": KUBEFLOW}}),
        CLUSTER_AGE - 3600,
    );
}

fn kube_system(demo: &mut Demo) {
    for (i, node) in NODES.iter().enumerate() {
        let mut rng = fastrand::Rng::with_seed(ids::hash64(&format!("kube-proxy/{}", node.name)));
        let name = format!("kube-proxy-{}", ids::suffix(&mut rng, 5));
        system_pod(
            demo,
            KUBE_SYSTEM,
            &name,
            json!({"k8s-app": "kube-proxy", "controller-revision-hash": "6b9c4d5f7c", "pod-template-generation": "1"}),
            json!([container(
                "kube-proxy",
                "registry.k8s.io/kube-proxy:v1.33.1",
                None
            )]),
            node.name,
            CLUSTER_AGE - 600 - i as i64,
        );
        if node.gpus > 0 {
            let name = format!("nvidia-dcgm-exporter-{}", ids::suffix(&mut rng, 5));
            system_pod(
                demo,
                GPU_OPERATOR,
                &name,
                json!({"app": "nvidia-dcgm-exporter", "controller-revision-hash": "7c8d9f6b5d", "pod-template-generation": "1"}),
                json!([container(
                    "nvidia-dcgm-exporter",
                    "nvcr.io/nvidia/k8s/dcgm-exporter:3.3.8-3.6.0-ubuntu22.04",
                    Some(9400)
                )]),
                node.name,
                CLUSTER_AGE - 500 - i as i64,
            );
            let name = format!(
                "nvidia-device-plugin-daemonset-{}",
                ids::suffix(&mut rng, 5)
            );
            system_pod(
                demo,
                GPU_OPERATOR,
                &name,
                json!({"name": "nvidia-device-plugin-ds", "controller-revision-hash": "5f6d7c8b9a", "pod-template-generation": "1"}),
                json!([container(
                    "nvidia-device-plugin-ctr",
                    "nvcr.io/nvidia/k8s-device-plugin:v0.17.0",
                    None
                )]),
                node.name,
                CLUSTER_AGE - 500 - i as i64,
            );
        }
    }
    for i in 0..2 {
        let name = deployment_pod_name(&format!("coredns{i}")).replacen(
            &format!("coredns{i}"),
            "coredns",
            1,
        );
        system_pod(
            demo,
            KUBE_SYSTEM,
            &name,
            json!({"k8s-app": "kube-dns", "pod-template-hash": "5d78c9869d"}),
            json!([container(
                "coredns",
                "registry.k8s.io/coredns/coredns:v1.11.3",
                Some(53)
            )]),
            if i == 0 { NODE_CPU_0 } else { NODE_CPU_1 },
            CLUSTER_AGE - 550,
        );
    }
    service(
        demo,
        KUBE_SYSTEM,
        "kube-dns",
        json!({"k8s-app": "kube-dns"}),
        json!([{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53}, {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53}]),
        "10.96.0.10",
        CLUSTER_AGE - 600,
    );
    service(
        demo,
        GPU_OPERATOR,
        "nvidia-dcgm-exporter",
        json!({"app": "nvidia-dcgm-exporter"}),
        json!([{"name": "gpu-metrics", "port": 9400, "protocol": "TCP", "targetPort": 9400}]),
        "10.96.30.40",
        CLUSTER_AGE - 500,
    );
}

/// Nodes, namespaces, profiles and the control plane.
pub fn build(demo: &mut Demo) {
    for (i, m) in NODES.iter().enumerate() {
        node(demo, m, i);
    }
    for ns in [DEFAULT, KUBE_SYSTEM, KUBEFLOW] {
        namespace(demo, ns, None, CLUSTER_AGE);
    }
    demo.add(
        &resources::SERVICE,
        json!({"metadata": {"name": "kubernetes", "namespace": DEFAULT, "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}], "type": "ClusterIP",
                     "clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"], "sessionAffinity": "None",
                     "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "internalTrafficPolicy": "Cluster"},
            "status": {"loadBalancer": {}}}),
        CLUSTER_AGE,
    );
    profile(demo, ML_RESEARCH, ALICE, true, 30 * 86400);
    profile(demo, VISION_TEAM, BOB, false, 21 * 86400);
    profile(demo, NLP_TEAM, CAROL, false, 14 * 86400);
    for (email, role, cluster_role) in [
        (BOB, "edit", "kubeflow-edit"),
        (CAROL, "view", "kubeflow-view"),
    ] {
        role_binding(
            demo,
            ML_RESEARCH,
            &contributor_binding_name(email, role),
            user(email),
            cluster_role,
            Some((email, role)),
            20 * 86400,
        );
    }
    demo.add(
        &resources::SECRET,
        json!({"metadata": {"name": "hf-token", "namespace": ML_RESEARCH, "labels": {"app": "llm"}},
               "type": "Opaque", "data": {"token": "aGZfZGVtb19ub3RfYV9yZWFsX3Rva2Vu"}}),
        10 * 86400,
    );
    demo.add(
        &resources::CONFIG_MAP,
        json!({"metadata": {"name": "training-defaults", "namespace": ML_RESEARCH},
               "data": {"epochs": "20", "optimizer": "adamw", "precision": "bf16"}}),
        10 * 86400,
    );
    kube_system(demo);
    kubeflow_components(demo);
}

/// Fills in the GPU quota's `status.used` from the pods that count against
/// it (every non-terminal pod in the namespace, as the quota controller does).
pub fn quota_usage(demo: &mut Demo) {
    let used: u32 = demo
        .objects
        .iter()
        .filter(|(rt, v)| {
            rt.id == resources::POD.id
                && v.pointer("/metadata/namespace").and_then(Value::as_str) == Some(ML_RESEARCH)
                && !matches!(
                    v.pointer("/status/phase").and_then(Value::as_str),
                    Some("Succeeded" | "Failed" | "Pending")
                )
        })
        // The demo's Pending 16-GPU notebook pod is left out: a real quota
        // would have refused it, and counting it would show 24 of 8 used.
        .map(|(_, v)| pod_gpus(v))
        .sum();
    let pvcs = demo
        .objects
        .iter()
        .filter(|(rt, v)| {
            rt.id == resources::PERSISTENT_VOLUME_CLAIM.id
                && v.pointer("/metadata/namespace").and_then(Value::as_str) == Some(ML_RESEARCH)
        })
        .count();
    for (rt, v) in &mut demo.objects {
        if rt.id == resources::RESOURCE_QUOTA.id
            && let Some(u) = v.pointer_mut("/status/used").and_then(Value::as_object_mut)
        {
            u.insert("requests.nvidia.com/gpu".into(), json!(used.to_string()));
            u.insert("persistentvolumeclaims".into(), json!(pvcs.to_string()));
            u.insert("requests.cpu".into(), json!("27"));
            u.insert("requests.memory".into(), json!("118Gi"));
        }
    }
}

/// The GPU operator's and Prometheus' namespaces, and a Prometheus. Built
/// last, so the objects before keep the names the demo's random source
/// gave them.
pub fn monitoring(demo: &mut Demo) {
    for ns in [GPU_OPERATOR, MONITORING] {
        namespace(demo, ns, None, CLUSTER_AGE);
    }
    // A Prometheus scraping the exporter (kube-prometheus' names); its
    // query API is the emulator's stand-in over the simulated history.
    system_pod(
        demo,
        MONITORING,
        "prometheus-k8s-0",
        json!({"app.kubernetes.io/name": "prometheus", "app.kubernetes.io/instance": "k8s", "prometheus": "k8s", "statefulset.kubernetes.io/pod-name": "prometheus-k8s-0"}),
        json!([container(
            "prometheus",
            "quay.io/prometheus/prometheus:v2.54.1",
            Some(9090)
        )]),
        NODE_CPU_0,
        CLUSTER_AGE - 450,
    );
    service(
        demo,
        MONITORING,
        "prometheus-k8s",
        json!({"app.kubernetes.io/name": "prometheus", "prometheus": "k8s"}),
        json!([{"name": "web", "port": 9090, "protocol": "TCP", "targetPort": "web"}]),
        "10.96.40.90",
        CLUSTER_AGE - 450,
    );
}
