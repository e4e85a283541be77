//! KFP v2 runs as the KFP backend submits them: Argo Workflows compiled
//! from a pipeline of components, with the v2 driver/executor templates
//! (`system-dag-driver`, `system-container-driver`,
//! `system-container-executor`, `system-container-impl`), the run id label
//! and per-component parameters.

use serde_json::{Value, json};

/// One pipeline component (a step).
#[derive(Debug, Clone)]
pub struct Component {
    pub name: String,
    pub image: String,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub gpus: u32,
}

impl Component {
    pub fn new(name: &str, image: &str, script: &str, gpus: u32) -> Self {
        Self {
            name: name.to_string(),
            image: image.to_string(),
            command: vec!["sh".into(), "-c".into()],
            args: vec![script.to_string()],
            gpus,
        }
    }
}

const DRIVER_IMAGE: &str = "ghcr.io/kubeflow/kfp-driver:2.5.0";
const LAUNCHER_IMAGE: &str = "ghcr.io/kubeflow/kfp-launcher:2.5.0";

fn driver_container(driver_type: &str, pipeline: &str) -> Value {
    json!({
        "image": DRIVER_IMAGE,
        "command": ["driver"],
        "args": ["--type", driver_type, "--pipeline_name", pipeline, "--run_id", "{{workflow.uid}}",
                 "--run_name", "{{workflow.name}}", "--dag_execution_id", "{{inputs.parameters.parent-dag-id}}",
                 "--component", "{{inputs.parameters.component}}", "--task_name", "{{inputs.parameters.task-name}}",
                 "--ml_pipeline_server_address", "ml-pipeline.kubeflow.svc.cluster.local",
                 "--ml_pipeline_server_port", "8887"],
        "name": "",
        "resources": {"limits": {"cpu": "500m", "memory": "512Mi"}, "requests": {"cpu": "100m", "memory": "64Mi"}},
    })
}

fn templates(pipeline: &str, components: &[Component]) -> Value {
    let mut root_tasks = Vec::new();
    let mut previous: Option<&str> = None;
    for c in components {
        let mut driver = json!({
            "name": format!("{}-driver", c.name),
            "template": "system-container-driver",
            "arguments": {"parameters": [
                {"name": "component", "value": format!("{{{{workflow.parameters.components-{}}}}}", c.name)},
                {"name": "task", "value": json!({"componentRef": {"name": format!("comp-{}", c.name)}, "taskInfo": {"name": c.name}}).to_string()},
                {"name": "container", "value": format!("{{{{workflow.parameters.implementations-{}}}}}", c.name)},
                {"name": "task-name", "value": c.name},
                {"name": "parent-dag-id", "value": "{{inputs.parameters.parent-dag-id}}"},
            ]},
        });
        if let (Some(p), Some(m)) = (previous, driver.as_object_mut()) {
            m.insert("depends".into(), json!(format!("{p}.Succeeded")));
        }
        root_tasks.push(driver);
        root_tasks.push(json!({
            "name": c.name,
            "template": "system-container-executor",
            "depends": format!("{}-driver.Succeeded", c.name),
            "arguments": {"parameters": [
                {"name": "pod-spec-patch", "value": format!("{{{{tasks.{}-driver.outputs.parameters.pod-spec-patch}}}}", c.name)},
                {"default": "false", "name": "cached-decision", "value": format!("{{{{tasks.{}-driver.outputs.parameters.cached-decision}}}}", c.name)},
            ]},
        }));
        previous = Some(&c.name);
    }
    json!([
        {
            "name": "system-container-driver",
            "container": driver_container("CONTAINER", pipeline),
            "inputs": {"parameters": [{"name": "component"}, {"name": "task"}, {"name": "container"},
                                      {"name": "task-name"}, {"name": "parent-dag-id"}]},
            "metadata": {"annotations": {"pipelines.kubeflow.org/runtime-role": "driver"}},
            "outputs": {"parameters": [
                {"name": "pod-spec-patch", "valueFrom": {"default": "", "path": "/tmp/outputs/pod-spec-patch"}},
                {"default": "false", "name": "cached-decision", "valueFrom": {"default": "false", "path": "/tmp/outputs/cached-decision"}},
            ]},
        },
        {
            "name": "system-container-executor",
            "dag": {"tasks": [{"name": "executor", "template": "system-container-impl",
                "arguments": {"parameters": [{"name": "pod-spec-patch", "value": "{{inputs.parameters.pod-spec-patch}}"}]},
                "when": "{{inputs.parameters.cached-decision}} != true"}]},
            "inputs": {"parameters": [{"name": "pod-spec-patch"}, {"default": "false", "name": "cached-decision"}]},
            "metadata": {},
            "outputs": {},
        },
        {
            "name": "system-container-impl",
            "container": {
                "command": ["should-be-overridden-during-runtime"],
                "image": "gcr.io/ml-pipeline/should-be-overridden-during-runtime",
                "name": "",
                "resources": {},
                "volumeMounts": [{"mountPath": "/kfp-launcher", "name": "kfp-launcher"}],
            },
            "initContainers": [{"args": ["--copy", "/kfp-launcher/launch"], "command": ["launcher-v2"],
                "image": LAUNCHER_IMAGE, "name": "kfp-launcher",
                "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": "100m"}},
                "volumeMounts": [{"mountPath": "/kfp-launcher", "name": "kfp-launcher"}]}],
            "inputs": {"parameters": [{"name": "pod-spec-patch"}]},
            "metadata": {"annotations": {"pipelines.kubeflow.org/runtime-role": "launcher"}},
            "outputs": {},
            "podSpecPatch": "{{inputs.parameters.pod-spec-patch}}",
            "volumes": [{"emptyDir": {}, "name": "kfp-launcher"}],
        },
        {
            "name": "root",
            "dag": {"tasks": root_tasks},
            "inputs": {"parameters": [{"name": "parent-dag-id"}]},
            "metadata": {},
            "outputs": {},
        },
        {
            "name": "system-dag-driver",
            "container": driver_container("{{inputs.parameters.driver-type}}", pipeline),
            "inputs": {"parameters": [{"name": "component"}, {"default": "", "name": "runtime-config"},
                                      {"default": "", "name": "task"}, {"default": "", "name": "task-name"},
                                      {"default": "0", "name": "parent-dag-id"}, {"default": "DAG", "name": "driver-type"}]},
            "metadata": {"annotations": {"pipelines.kubeflow.org/runtime-role": "driver"}},
            "outputs": {"parameters": [{"name": "execution-id", "valueFrom": {"path": "/tmp/outputs/execution-id"}}]},
        },
        {
            "name": "entrypoint",
            "dag": {"tasks": [
                {"name": "root-driver", "template": "system-dag-driver", "arguments": {"parameters": [
                    {"name": "component", "value": "{{workflow.parameters.components-root}}"},
                    {"name": "runtime-config", "value": "{}"},
                    {"name": "driver-type", "value": "ROOT_DAG"}]}},
                {"name": "root", "template": "root", "depends": "root-driver.Succeeded", "arguments": {"parameters": [
                    {"name": "parent-dag-id", "value": "{{tasks.root-driver.outputs.parameters.execution-id}}"}]}},
            ]},
            "inputs": {},
            "metadata": {},
            "outputs": {},
        },
    ])
}

/// A KFP run's workflow (no status).
pub fn workflow(
    name: &str,
    namespace: &str,
    pipeline: &str,
    run_id: &str,
    components: &[Component],
) -> Value {
    let mut parameters = Vec::new();
    for c in components {
        parameters.push(json!({
            "name": format!("components-{}", c.name),
            "value": json!({"executorLabel": format!("exec-{}", c.name)}).to_string(),
        }));
        let mut implementation = json!({"image": c.image, "command": c.command, "args": c.args});
        if c.gpus > 0 {
            implementation["resources"] = json!({"limits": {"nvidia.com/gpu": c.gpus.to_string()},
                                                 "requests": {"nvidia.com/gpu": c.gpus.to_string()}});
        }
        parameters.push(json!({"name": format!("implementations-{}", c.name), "value": implementation.to_string()}));
    }
    let tasks: serde_json::Map<String, Value> = components
        .iter()
        .map(|c| (c.name.clone(), json!({"componentRef": {"name": format!("comp-{}", c.name)}, "taskInfo": {"name": c.name}})))
        .collect();
    parameters.push(
        json!({"name": "components-root", "value": json!({"dag": {"tasks": tasks}}).to_string()}),
    );
    let suffix = name.rsplit('-').next().unwrap_or(name);
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {
            "name": name,
            "generateName": format!("{pipeline}-"),
            "namespace": namespace,
            "labels": {
                "pipeline/runid": run_id,
                "pipelines.kubeflow.org/v2_component": "true",
                "workflows.argoproj.io/phase": "Pending",
            },
            "annotations": {
                "pipelines.kubeflow.org/run_name": format!("Run of {pipeline} ({suffix})"),
                "workflows.argoproj.io/pod-name-format": "v2",
            },
        },
        "spec": {
            "arguments": {"parameters": parameters},
            "entrypoint": "entrypoint",
            "podMetadata": {
                "annotations": {"pipelines.kubeflow.org/v2_component": "true"},
                "labels": {"pipelines.kubeflow.org/v2_component": "true", "pipeline/runid": run_id},
            },
            "serviceAccountName": "default-editor",
            "templates": templates(pipeline, components),
        },
    })
}
