//! The KFP REST API v2beta1 behind the `ml-pipeline` Service (port 8888),
//! as the service proxy reaches it: runs, experiments, pipelines and their
//! versions, kept consistent with the Workflows the runs execute as. A run
//! is known from its Workflow (label `pipeline/runid`) and stays in the
//! API's database after its Workflow is gone, with its last state.
//! `:terminate` sets the Workflow's `spec.shutdown`, `:retry` restarts a
//! failed run's failed steps, `:archive`/`:unarchive` set its storage
//! state, and `POST /runs` compiles a pipeline version into a new Workflow.

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::http::Method;
use axum::response::Response;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::{Value, json};

use super::{ProxyContext, ProxyRequest, ServiceBackend, ServiceTarget, reply};
use crate::kubeflow::kfp::{self, Component};
use crate::kubeflow::{argo, name_of, namespace_of};
use crate::ops::{self, DeleteOptions, Target, WriteOptions};
use crate::{ids, resources};

/// A run as the API's database keeps it.
#[derive(Debug, Clone)]
struct RunRec {
    run_id: String,
    display_name: String,
    experiment_id: String,
    namespace: String,
    workflow: String,
    pipeline_id: String,
    parameters: serde_json::Map<String, Value>,
    created_at: String,
    state: String,
    finished_at: Option<String>,
    error: Option<String>,
    archived: bool,
}

#[derive(Default)]
struct Db {
    runs: BTreeMap<String, RunRec>,
    next: u64,
}

/// The KFP API server.
#[derive(Default)]
pub struct KfpBackend {
    db: Mutex<Db>,
}

/// The demo pipelines: id, name, description, root parameters (name, type,
/// default) and the components a run of it executes.
struct Pipeline {
    id: &'static str,
    name: &'static str,
    description: &'static str,
    params: &'static [(&'static str, &'static str, &'static str)],
}

const PIPELINES: &[Pipeline] = &[
    Pipeline {
        id: "7d2c1c53-0b7e-4f37-9a51-1f3a2f2c9a10",
        name: "training-pipeline",
        description: "Load, preprocess, train and evaluate a model",
        params: &[
            ("epochs", "NUMBER_INTEGER", "5"),
            ("learning_rate", "NUMBER_DOUBLE", "0.01"),
        ],
    },
    Pipeline {
        id: "0b3f6a8e-5d1c-4c2b-8a77-6e9d2b1f4c20",
        name: "hello-world",
        description: "Print a greeting",
        params: &[("message", "STRING", "Hello, World!")],
    },
];

fn components(pipeline: &str) -> Vec<Component> {
    match pipeline {
        "hello-world" => vec![Component::new(
            "hello-world",
            "python:3.11",
            "echo 'Hello, World!'",
            0,
        )],
        _ => vec![
            Component::new("load-data", "python:3.11", "python -c 'print(1)'", 0),
            Component::new("preprocess", "python:3.11", "python preprocess.py", 0),
            Component::new(
                "train-model",
                "pytorch/pytorch:2.3.1-cuda12.1-cudnn8-runtime",
                "python train.py --epochs 5",
                0,
            ),
            Component::new("evaluate", "python:3.11", "python evaluate.py", 0),
        ],
    }
}

fn version_id(p: &Pipeline) -> String {
    format!("{}-v1", &p.id[..8])
}

fn pipeline_json(p: &Pipeline, ns: &str) -> Value {
    json!({"pipeline_id": p.id, "display_name": p.name, "name": p.name, "description": p.description,
           "created_at": "2025-01-01T00:00:00Z", "namespace": ns})
}

fn version_json(p: &Pipeline) -> Value {
    let params: serde_json::Map<String, Value> = p
        .params
        .iter()
        .map(|(n, t, d)| {
            let default = match *t {
                "STRING" => json!(d),
                _ => d.parse::<f64>().map(|f| json!(f)).unwrap_or(json!(d)),
            };
            (
                n.to_string(),
                json!({"parameterType": t, "defaultValue": default}),
            )
        })
        .collect();
    json!({"pipeline_id": p.id, "pipeline_version_id": version_id(p), "display_name": "v1",
           "name": "v1", "created_at": "2025-01-01T00:00:00Z",
           "pipeline_spec": {"pipelineInfo": {"name": p.name},
               "root": {"inputDefinitions": {"parameters": params}}}})
}

fn experiment_id(ns: &str, name: &str) -> String {
    format!("{:016x}", ids::hash64(&format!("experiment/{ns}/{name}")))
}

fn experiments(ns: &str) -> Vec<Value> {
    let mut names = vec!["Default"];
    if ns == "ml-research" {
        names.push("training-experiments");
    }
    names
        .into_iter()
        .map(|n| {
            json!({"experiment_id": experiment_id(ns, n), "display_name": n, "namespace": ns,
                   "storage_state": "AVAILABLE", "created_at": "2025-01-01T00:00:00Z"})
        })
        .collect()
}

fn state_of(wf: &Value) -> String {
    let shutdown = wf
        .pointer("/spec/shutdown")
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty());
    match (
        wf.pointer("/status/phase").and_then(Value::as_str),
        shutdown,
    ) {
        (Some("Running"), true) => "CANCELING",
        (Some("Running"), false) => "RUNNING",
        (Some("Succeeded"), _) => "SUCCEEDED",
        (Some("Failed" | "Error"), true) => "CANCELED",
        (Some("Failed" | "Error"), false) => "FAILED",
        _ => "PENDING",
    }
    .to_string()
}

fn pipeline_of(wf: &Value) -> String {
    wf.pointer("/metadata/generateName")
        .and_then(Value::as_str)
        .map(|g| g.trim_end_matches('-').to_string())
        .unwrap_or_default()
}

impl Db {
    /// Brings the database up to date with the Workflows.
    fn sync(&mut self, ctx: &ProxyContext) {
        let workflows: Vec<Value> = ctx.store.read(|v| v.values(&resources::WORKFLOW, None));
        for wf in &workflows {
            let Some(run_id) = wf
                .pointer("/metadata/labels/pipeline~1runid")
                .and_then(Value::as_str)
            else {
                continue;
            };
            let ns = namespace_of(wf).to_string();
            let pipeline = pipeline_of(wf);
            let rec = self.runs.entry(run_id.to_string()).or_insert_with(|| {
                let exp = if ns == "ml-research" && pipeline == "training-pipeline" {
                    "training-experiments"
                } else {
                    "Default"
                };
                RunRec {
                    run_id: run_id.to_string(),
                    display_name: wf
                        .pointer("/metadata/annotations/pipelines.kubeflow.org~1run_name")
                        .and_then(Value::as_str)
                        .unwrap_or_else(|| name_of(wf))
                        .to_string(),
                    experiment_id: experiment_id(&ns, exp),
                    namespace: ns.clone(),
                    workflow: name_of(wf).to_string(),
                    pipeline_id: PIPELINES
                        .iter()
                        .find(|p| p.name == pipeline)
                        .map(|p| p.id.to_string())
                        .unwrap_or_default(),
                    parameters: serde_json::Map::new(),
                    created_at: wf
                        .pointer("/metadata/creationTimestamp")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    state: "PENDING".into(),
                    finished_at: None,
                    error: None,
                    archived: false,
                }
            });
            rec.state = state_of(wf);
            rec.finished_at = wf
                .pointer("/status/finishedAt")
                .and_then(Value::as_str)
                .map(String::from);
            rec.error = wf
                .pointer("/status/message")
                .and_then(Value::as_str)
                .filter(|_| rec.state == "FAILED" || rec.state == "CANCELED")
                .map(String::from);
        }
    }

    fn json(&self, r: &RunRec) -> Value {
        let mut v = json!({
            "run_id": r.run_id, "display_name": r.display_name, "experiment_id": r.experiment_id,
            "storage_state": if r.archived { "ARCHIVED" } else { "AVAILABLE" },
            "pipeline_version_reference": {"pipeline_id": r.pipeline_id,
                "pipeline_version_id": PIPELINES.iter().find(|p| p.id == r.pipeline_id).map(version_id).unwrap_or_default()},
            "runtime_config": {"parameters": r.parameters},
            "service_account": "pipeline-runner",
            "created_at": r.created_at, "scheduled_at": r.created_at,
            "state": r.state,
            "run_details": {"workflow": r.workflow, "namespace": r.namespace},
        });
        if let Some(f) = &r.finished_at {
            v["finished_at"] = json!(f);
        }
        if let Some(e) = &r.error {
            v["error"] = json!({"code": 2, "message": e});
        }
        v
    }
}

fn ok(v: Value) -> Response {
    reply(200, "application/json", v.to_string())
}

fn err(code: u16, message: impl Into<String>) -> Response {
    let message = message.into();
    let grpc = match code {
        400 => 3,
        404 => 5,
        _ => 13,
    };
    reply(
        code,
        "application/json",
        json!({"error": message, "code": grpc, "message": message, "details": []}).to_string(),
    )
}

fn query(req: &ProxyRequest, key: &str) -> Option<String> {
    form_urlencoded_pairs(req.query.as_deref().unwrap_or(""))
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

fn form_urlencoded_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_string(), v.replace("%2F", "/").replace('+', " "))
        })
        .collect()
}

impl KfpBackend {
    fn answer(&self, ctx: &ProxyContext, req: &ProxyRequest) -> Response {
        let Ok(mut db) = self.db.lock() else {
            return err(500, "database unavailable");
        };
        db.sync(ctx);
        let path = req.path.trim_end_matches('/');
        let Some(rest) = path.strip_prefix("/apis/v2beta1") else {
            return reply(404, "text/plain", "404 page not found\n");
        };
        let ns = query(req, "namespace");
        let parts: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
        match (&req.method, parts.as_slice()) {
            (&Method::GET, ["healthz"]) => {
                ok(json!({"commit_sha": "emulated", "tag_name": "2.5.0",
                "multi_user": true, "pipeline_store": "database"}))
            }
            (&Method::GET, ["runs"]) => {
                let exp = query(req, "experiment_id");
                let runs: Vec<Value> = db
                    .runs
                    .values()
                    .filter(|r| ns.as_deref().is_none_or(|n| n == r.namespace))
                    .filter(|r| exp.as_deref().is_none_or(|e| e == r.experiment_id))
                    .map(|r| db.json(r))
                    .collect();
                ok(json!({"runs": runs, "total_size": runs.len(), "next_page_token": ""}))
            }
            (&Method::GET, ["runs", id]) => match db.runs.get(*id) {
                Some(r) => ok(db.json(r)),
                None => err(404, format!("Failed to get run: run {id} not found")),
            },
            (&Method::POST, ["runs", action]) if action.contains(':') => {
                let (id, verb) = action.split_once(':').unwrap_or_default();
                self.act(ctx, &mut db, id, verb)
            }
            (&Method::DELETE, ["runs", id]) => match db.runs.remove(*id) {
                Some(r) => {
                    let _ = ops::delete(
                        &ctx.store,
                        &resources::WORKFLOW,
                        Some(&r.namespace),
                        &r.workflow,
                        &DeleteOptions::default(),
                    );
                    ok(json!({}))
                }
                None => err(404, format!("run {id} not found")),
            },
            (&Method::POST, ["runs"]) => create_run(ctx, &mut db, &req.body),
            (&Method::GET, ["experiments"]) => {
                let Some(ns) = ns else {
                    return err(
                        400,
                        "Invalid input error: ListExperiments must filter by namespace in multi-user mode",
                    );
                };
                let exps = experiments(&ns);
                ok(json!({"experiments": exps, "total_size": exps.len(), "next_page_token": ""}))
            }
            (&Method::GET, ["pipelines"]) => {
                let ns = ns.unwrap_or_default();
                let ps: Vec<Value> = PIPELINES.iter().map(|p| pipeline_json(p, &ns)).collect();
                ok(json!({"pipelines": ps, "total_size": ps.len(), "next_page_token": ""}))
            }
            (&Method::GET, ["pipelines", id, "versions"]) => {
                match PIPELINES.iter().find(|p| p.id == *id) {
                    Some(p) => ok(
                        json!({"pipeline_versions": [version_json(p)], "total_size": 1, "next_page_token": ""}),
                    ),
                    None => err(404, format!("pipeline {id} not found")),
                }
            }
            (&Method::GET, ["pipelines", id, "versions", vid]) => {
                match PIPELINES
                    .iter()
                    .find(|p| p.id == *id && version_id(p) == *vid)
                {
                    Some(p) => ok(version_json(p)),
                    None => err(404, format!("pipeline version {vid} not found")),
                }
            }
            _ => err(404, format!("no route for {} {}", req.method, req.path)),
        }
    }

    fn act(&self, ctx: &ProxyContext, db: &mut Db, id: &str, verb: &str) -> Response {
        let Some(rec) = db.runs.get_mut(id) else {
            return err(404, format!("run {id} not found"));
        };
        let (ns, wf) = (rec.namespace.clone(), rec.workflow.clone());
        let exists = ops::get(&ctx.store, &resources::WORKFLOW, Some(&ns), &wf).is_ok();
        match verb {
            "archive" => rec.archived = true,
            "unarchive" => rec.archived = false,
            "terminate" => {
                if !exists {
                    return err(400, format!("run {id} has no workflow to terminate"));
                }
                let _ = ops::modify(
                    &ctx.store,
                    &resources::WORKFLOW,
                    Some(&ns),
                    &wf,
                    Target::Main,
                    |v| {
                        if let Some(spec) = v.get_mut("spec").and_then(Value::as_object_mut) {
                            spec.insert("shutdown".into(), json!("Terminate"));
                        }
                    },
                );
            }
            "retry" => {
                if !matches!(rec.state.as_str(), "FAILED" | "CANCELED") {
                    return err(
                        400,
                        format!(
                            "Failed to retry run {id}: the run is {}, not failed",
                            rec.state.to_lowercase()
                        ),
                    );
                }
                if !exists {
                    return err(
                        400,
                        format!("Failed to retry run {id}: its workflow is gone"),
                    );
                }
                retry(ctx, &ns, &wf);
                rec.state = "RUNNING".into();
                rec.error = None;
                rec.finished_at = None;
            }
            other => return err(404, format!("no action :{other}")),
        }
        ok(json!({}))
    }
}

/// Argo's retry, as KFP asks it: failed pods go, the workflow runs again
/// (the controller recreates the missing steps).
fn retry(ctx: &ProxyContext, ns: &str, wf: &str) {
    let failed_pods: Vec<String> = ctx.store.read(|v| {
        v.values(&resources::POD, Some(ns))
            .into_iter()
            .filter(|p| {
                p.pointer("/metadata/labels/workflows.argoproj.io~1workflow")
                    .and_then(Value::as_str)
                    == Some(wf)
                    && p.pointer("/status/phase").and_then(Value::as_str) == Some("Failed")
            })
            .map(|p| name_of(&p).to_string())
            .collect()
    });
    for p in failed_pods {
        let _ = ops::delete(
            &ctx.store,
            &resources::POD,
            Some(ns),
            &p,
            &DeleteOptions::default(),
        );
    }
    let _ = ops::modify(
        &ctx.store,
        &resources::WORKFLOW,
        Some(ns),
        wf,
        Target::Main,
        |v| {
            if let Some(spec) = v.get_mut("spec").and_then(Value::as_object_mut) {
                spec.remove("shutdown");
            }
            argo::set_phase_labels(v, "Running");
        },
    );
    let _ = ops::modify(
        &ctx.store,
        &resources::WORKFLOW,
        Some(ns),
        wf,
        Target::Status,
        |v| {
            if let Some(st) = v.get_mut("status").and_then(Value::as_object_mut) {
                st.insert("phase".into(), json!("Running"));
                st.remove("finishedAt");
                st.remove("message");
            }
        },
    );
}

fn create_run(ctx: &ProxyContext, db: &mut Db, body: &[u8]) -> Response {
    let Ok(req) = serde_json::from_slice::<Value>(body) else {
        return err(400, "Invalid input error: the body is not a JSON run");
    };
    let s = |p: &str| {
        req.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let pipeline_id = s("/pipeline_version_reference/pipeline_id");
    let Some(p) = PIPELINES.iter().find(|p| p.id == pipeline_id) else {
        return err(
            400,
            format!("Invalid input error: pipeline {pipeline_id:?} not found"),
        );
    };
    let exp = s("/experiment_id");
    let Some(ns) = ctx
        .store
        .read(|v| v.values(&resources::NAMESPACE, None))
        .into_iter()
        .map(|n| name_of(&n).to_string())
        .find(|ns| {
            experiments(ns)
                .iter()
                .any(|e| e["experiment_id"] == json!(exp))
        })
    else {
        return err(
            400,
            format!("Invalid input error: experiment {exp:?} not found"),
        );
    };
    let params = req
        .pointer("/runtime_config/parameters")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for k in params.keys() {
        if !p.params.iter().any(|(n, _, _)| n == k) {
            return err(
                400,
                format!("Invalid input error: the pipeline has no parameter {k:?}"),
            );
        }
    }
    db.next += 1;
    let run_id = format!(
        "{:08x}-{:04x}-4000-8000-{:012x}",
        ids::hash64(&format!("run/{}", db.next)) as u32,
        db.next,
        ids::hash64(&exp) & 0xffff_ffff_ffff
    );
    let suffix: String = format!("{:05x}", ids::hash64(&run_id) & 0xfffff)
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                c
            } else {
                ((c as u8) - b'a' + b'k') as char
            }
        })
        .collect();
    let name = format!("{}-{suffix}", p.name);
    let mut wf = kfp::workflow(&name, &ns, p.name, &run_id, &components(p.name));
    let display = s("/display_name");
    if !display.is_empty() {
        wf["metadata"]["annotations"]["pipelines.kubeflow.org/run_name"] = json!(display);
    }
    if let Some(Value::Array(ps)) = wf.pointer_mut("/spec/arguments/parameters") {
        for (pname, _, default) in p.params {
            let v = params.get(*pname).map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
            ps.push(json!({"name": pname, "value": v.unwrap_or_else(|| default.to_string())}));
        }
    }
    if let Err(e) = ops::create(
        &ctx.store,
        &resources::WORKFLOW,
        Some(&ns),
        wf,
        &WriteOptions::default(),
    ) {
        return err(500, format!("Failed to create a new run: {}", e.message));
    }
    db.sync(ctx);
    if let Some(r) = db.runs.get_mut(&run_id) {
        r.experiment_id = exp;
        r.parameters = params;
        r.pipeline_id = p.id.to_string();
        if !display.is_empty() {
            r.display_name = display;
        }
    }
    match db.runs.get(&run_id) {
        Some(r) => ok(db.json(r)),
        None => err(500, "the run was created but is not listed"),
    }
}

impl ServiceBackend for KfpBackend {
    fn serves(&self, _ctx: &ProxyContext, target: &ServiceTarget) -> bool {
        target.name == "ml-pipeline" && target.port_number() == 8888
    }

    fn handle(
        &self,
        ctx: ProxyContext,
        _target: ServiceTarget,
        req: ProxyRequest,
    ) -> BoxFuture<'static, Response> {
        let resp = self.answer(&ctx, &req);
        async move { resp }.boxed()
    }
}
