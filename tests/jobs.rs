//! The training jobs screens over fixture data: one table for every kind
//! (status from conditions, replica counts or JobSet counts, replicas per
//! role, GPUs, runtime, duration), unserved kinds skipped and forbidden ones
//! named, the details with replica pods, exit codes and events (scheduling
//! trouble first), suspend/resume patches, delete with confirmation and the
//! read-only refusal. Snapshots at 80x24 and 120x40.

use kftui::app::effect::Effect;
use kftui::app::msg::Msg;
use kftui::app::state::{Level, State};
use kftui::kube::errors::FailureKind;
use kftui::kube::kinds;
use kftui::kube::types::LogUpdate;
use kftui::kube::types::{ApiOp, PatchBody, SyncStatus, WatchUpdate};
use kftui::testing::{load, obj, press, render, send, state, type_text};
use kftui::views::jobs::detail::{DetailKeys, JobDetail};
use kftui::views::jobs::logs::MergedLogs;
use kftui::views::jobs::{self, JobsView};
use kftui::views::registry;
use kube::api::DynamicObject;
use serde_json::{Value, json};

const NS: &str = "ml-research";

fn replica_spec(n: u32, gpus: u32, restart: &str) -> Value {
    json!({
        "replicas": n,
        "restartPolicy": restart,
        "template": {"spec": {"containers": [{
            "name": "pytorch",
            "image": "docker.io/kubeflowkatib/pytorch-mnist-gpu:v0.19.0",
            "command": ["python3", "/opt/train.py"],
            "args": ["--epochs", "3"],
            "resources": {"limits": {"cpu": "4", "memory": "16Gi", "nvidia.com/gpu": gpus.to_string()}},
        }]}},
    })
}

fn cond(t: &str, status: &str, reason: &str, msg: &str, at: &str) -> Value {
    json!({"type": t, "status": status, "reason": reason, "message": msg,
           "lastTransitionTime": at, "lastUpdateTime": at})
}

fn job(
    kind: &str,
    api: &str,
    name: &str,
    uid: &str,
    created: &str,
    spec: Value,
    status: Value,
) -> DynamicObject {
    obj(json!({
        "apiVersion": api, "kind": kind,
        "metadata": {"name": name, "namespace": NS, "uid": uid, "creationTimestamp": created},
        "spec": spec, "status": status,
    }))
}

fn pytorch(name: &str, uid: &str, workers: u32, status: Value, run_policy: Value) -> DynamicObject {
    job(
        "PyTorchJob",
        "kubeflow.org/v1",
        name,
        uid,
        "2025-06-01T11:30:00Z",
        json!({"runPolicy": run_policy, "pytorchReplicaSpecs": {
            "Master": replica_spec(1, 1, "OnFailure"),
            "Worker": replica_spec(workers, 1, "OnFailure"),
        }}),
        status,
    )
}

fn fixtures() -> Vec<(&'static kinds::Kind, Vec<DynamicObject>)> {
    let t0 = "2025-06-01T11:31:00Z";
    let running = pytorch(
        "resnet50-ddp",
        "u1",
        2,
        json!({"startTime": t0, "conditions": [
            cond("Created", "True", "PyTorchJobCreated", "PyTorchJob resnet50-ddp is created.", "2025-06-01T11:30:00Z"),
            cond("Running", "True", "PyTorchJobRunning", "PyTorchJob ml-research/resnet50-ddp is running.", t0),
        ], "replicaStatuses": {"Master": {"active": 1}, "Worker": {"active": 2}}}),
        json!({"cleanPodPolicy": "None", "backoffLimit": 3}),
    );
    let failed = pytorch(
        "bert-oom",
        "u2",
        1,
        json!({"startTime": t0, "completionTime": "2025-06-01T11:50:00Z", "conditions": [
            cond("Created", "True", "PyTorchJobCreated", "PyTorchJob bert-oom is created.", "2025-06-01T11:30:00Z"),
            cond("Running", "False", "PyTorchJobRunning", "PyTorchJob ml-research/bert-oom is running.", "2025-06-01T11:50:00Z"),
            cond("Failed", "True", "PyTorchJobFailed", "PyTorchJob ml-research/bert-oom has failed because 1 Worker replica(s) failed.", "2025-06-01T11:50:00Z"),
        ], "replicaStatuses": {"Master": {"succeeded": 1}, "Worker": {"failed": 1}}}),
        json!({"backoffLimit": 0}),
    );
    let restarting = pytorch(
        "flaky-ddp",
        "u3",
        1,
        json!({"conditions": [
            cond("Created", "True", "PyTorchJobCreated", "created", "2025-06-01T11:30:00Z"),
            cond("Running", "False", "PyTorchJobRunning", "running", "2025-06-01T11:40:00Z"),
            cond("Restarting", "True", "PyTorchJobRestarting", "PyTorchJob flaky-ddp is restarting because 1 Worker replica(s) failed.", "2025-06-01T11:40:00Z"),
        ], "replicaStatuses": {"Master": {"active": 1}, "Worker": {"active": 0}}}),
        json!({}),
    );
    let suspended = pytorch(
        "parked",
        "u4",
        4,
        json!({"conditions": [
            cond("Created", "True", "PyTorchJobCreated", "created", "2025-06-01T11:30:00Z"),
            cond("Suspended", "True", "PyTorchJobSuspended", "PyTorchJob ml-research/parked is suspended.", "2025-06-01T11:45:00Z"),
        ]}),
        json!({"suspend": true}),
    );
    let tf = job(
        "TFJob",
        "kubeflow.org/v1",
        "mnist-tf",
        "u5",
        "2025-05-31T12:00:00Z",
        json!({"tfReplicaSpecs": {"Worker": replica_spec(2, 0, "OnFailure"), "PS": replica_spec(1, 0, "Never")}}),
        json!({"startTime": "2025-05-31T12:00:05Z", "completionTime": "2025-05-31T12:20:05Z", "conditions": [
            cond("Created", "True", "TFJobCreated", "created", "2025-05-31T12:00:00Z"),
            cond("Succeeded", "True", "TFJobSucceeded", "TFJob mnist-tf successfully completed.", "2025-05-31T12:20:05Z"),
        ], "replicaStatuses": {"Worker": {"succeeded": 2}, "PS": {"succeeded": 1}}}),
    );
    let train = job(
        "TrainJob",
        "trainer.kubeflow.org/v1alpha1",
        "llama-finetune",
        "u6",
        "2025-06-01T11:50:00Z",
        json!({"runtimeRef": {"apiGroup": "trainer.kubeflow.org", "kind": "ClusterTrainingRuntime", "name": "torch-distributed"},
               "trainer": {"numNodes": 3, "image": "pytorch/pytorch:2.7.1", "command": ["torchrun", "train.py"],
                           "resourcesPerNode": {"limits": {"nvidia.com/gpu": "2"}}}}),
        json!({"jobsStatus": [{"name": "node", "ready": 3, "active": 3, "succeeded": 0, "failed": 0, "suspended": 0}]}),
    );
    vec![
        (
            &kinds::PYTORCH_JOB,
            vec![running, failed, restarting, suspended],
        ),
        (&kinds::TF_JOB, vec![tf]),
        (&kinds::TRAIN_JOB, vec![train]),
    ]
}

fn replica_pod(job: &str, role: &str, index: u32, phase: &str, status: Value) -> DynamicObject {
    let mut st = json!({"phase": phase});
    if let (Some(m), Some(extra)) = (st.as_object_mut(), status.as_object()) {
        m.extend(extra.clone());
    }
    obj(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("{job}-{role}-{index}"), "namespace": NS, "uid": format!("p-{job}-{role}-{index}"),
                     "creationTimestamp": "2025-06-01T11:30:05Z",
                     "labels": {"training.kubeflow.org/job-name": job, "training.kubeflow.org/replica-type": role,
                                "training.kubeflow.org/replica-index": index.to_string()}},
        "spec": {"nodeName": "gpu-node-a100", "containers": [{"name": "pytorch", "image": "x"}]},
        "status": st,
    }))
}

fn event(
    name: &str,
    kind: &str,
    obj_name: &str,
    etype: &str,
    reason: &str,
    msg: &str,
    at: &str,
) -> DynamicObject {
    obj(json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": name, "namespace": NS, "uid": format!("e-{name}"), "creationTimestamp": at},
        "involvedObject": {"kind": kind, "name": obj_name, "namespace": NS},
        "type": etype, "reason": reason, "message": msg, "lastTimestamp": at,
    }))
}

fn jobs_state() -> State {
    let root = registry::open("jobs", None).expect("jobs").expect("opens");
    let mut s = state(root);
    for key in jobs::keys(&s.scope, None) {
        let objs = fixtures()
            .into_iter()
            .find(|(k, _)| std::ptr::eq(*k, key.kind))
            .map(|(_, o)| o)
            .unwrap_or_default();
        load(&mut s, key, objs);
    }
    s
}

fn view(s: &State) -> &JobsView {
    s.view()
        .as_any()
        .downcast_ref::<JobsView>()
        .expect("jobs view")
}

fn select(s: &mut State, name: &str) {
    press(s, &["g"]);
    for _ in 0..10 {
        if view(s)
            .selected()
            .and_then(|r| r.obj.metadata.name.as_deref())
            == Some(name)
        {
            return;
        }
        press(s, &["j"]);
    }
    panic!("no row {name}");
}

fn row<'a>(screen: &'a str, name: &str) -> &'a str {
    let cell = format!("│{name} ");
    screen.lines().find(|l| l.contains(&cell)).unwrap_or("")
}

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn snap(name: &str, s: &mut State) {
    for (w, h) in SIZES {
        s.size = (w, h);
        let screen = render(s);
        insta::with_settings!({omit_expression => true}, {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
        });
    }
}

#[test]
fn one_table_for_every_kind_with_status_replicas_and_gpus() {
    let mut s = jobs_state();
    s.size = (120, 40);
    let screen = render(&s);
    let r = row(&screen, "resnet50-ddp");
    for want in ["PyTorchJob", "Running", "M 1/1 W 2/2", " 3 ", "29m", "30m"] {
        assert!(r.contains(want), "{want} missing in {r:?}\n{screen}");
    }
    let r = row(&screen, "bert-oom");
    assert!(
        r.contains("Failed") && r.contains("M 0/1 W 0/1") && r.contains("19m"),
        "{r}"
    );
    assert!(row(&screen, "flaky-ddp").contains("Restarting"), "{screen}");
    let r = row(&screen, "parked");
    assert!(
        r.contains("Suspended") && r.contains("M 0/1 W 0/4") && r.contains(" - "),
        "{r}"
    );
    let r = row(&screen, "mnist-tf");
    assert!(
        r.contains("TFJob")
            && r.contains("Succeeded")
            && r.contains("W 0/2")
            && r.contains("P")
            && r.contains("20m"),
        "{r}"
    );
    assert!(r.contains(" - "), "no GPUs: {r}");
    // TrainJob: no conditions, state from jobsStatus; GPUs per node x nodes.
    let r = row(&screen, "llama-finetune");
    for want in [
        "TrainJob",
        "Running 3/3",
        "N 3/3",
        " 6 ",
        "torch-distributed",
    ] {
        assert!(r.contains(want), "{want} missing in {r:?}");
    }
    snap("jobs_list", &mut s);
}

#[test]
fn unserved_kinds_are_skipped_and_forbidden_ones_named_once() {
    let mut s = jobs_state();
    let fail = |kind| {
        WatchUpdate::Status(SyncStatus::Retrying {
            error: "the server could not find the requested resource".into(),
            attempts: 1,
            kind,
        })
    };
    let keys = jobs::keys(&s.scope, None);
    let paddle = keys
        .iter()
        .find(|k| std::ptr::eq(k.kind, &kinds::PADDLE_JOB))
        .expect("paddle")
        .clone();
    let mpi = keys
        .iter()
        .find(|k| std::ptr::eq(k.kind, &kinds::MPI_JOB))
        .expect("mpi")
        .clone();
    send(&mut s, Msg::Watch(paddle, fail(FailureKind::NotFound)));
    send(&mut s, Msg::Watch(mpi, fail(FailureKind::Forbidden)));
    let screen = render(&s);
    assert!(
        !screen.contains("PaddleJob") && !screen.contains("not served"),
        "{screen}"
    );
    assert_eq!(screen.matches("MPIJob").count(), 1, "{screen}");
    assert!(screen.contains("not allowed to list: MPIJob"), "{screen}");
    assert!(
        row(&screen, "resnet50-ddp").contains("Running"),
        "the rest still shows:\n{screen}"
    );
}

#[test]
fn suspend_resume_and_delete_ask_the_server_and_readonly_refuses() {
    let mut s = jobs_state();
    select(&mut s, "resnet50-ddp");
    let effects = press(&mut s, &["s"]);
    let patch = effects.iter().find_map(|e| match e {
        Effect::Api {
            op:
                ApiOp::Patch {
                    target,
                    patch: PatchBody::Merge(p),
                    ..
                },
            ..
        } => Some((target.clone(), p.clone())),
        _ => None,
    });
    let (target, p) = patch.expect("a suspend patch");
    assert_eq!(
        (target.kind.kind, target.name.as_str()),
        ("PyTorchJob", "resnet50-ddp")
    );
    assert_eq!(p, json!({"spec": {"runPolicy": {"suspend": true}}}));

    select(&mut s, "parked");
    let effects = press(&mut s, &["s"]);
    assert!(
        effects.iter().any(|e| matches!(e,
        Effect::Api { op: ApiOp::Patch { patch: PatchBody::Merge(p), .. }, .. }
            if *p == json!({"spec": {"runPolicy": {"suspend": false}}}))),
        "resume: {effects:?}"
    );

    select(&mut s, "llama-finetune");
    let effects = press(&mut s, &["s"]);
    assert!(
        effects.iter().any(|e| matches!(e,
        Effect::Api { op: ApiOp::Patch { patch: PatchBody::Merge(p), .. }, .. }
            if *p == json!({"spec": {"suspend": true}}))),
        "TrainJob spec.suspend: {effects:?}"
    );

    // A finished job is not suspended.
    select(&mut s, "mnist-tf");
    let effects = press(&mut s, &["s"]);
    assert!(!effects.iter().any(|e| matches!(e, Effect::Api { .. })));
    assert_eq!(s.notice.as_ref().map(|n| n.level), Some(Level::Error));

    // Delete asks first; yes sends the delete.
    select(&mut s, "bert-oom");
    let effects = press(&mut s, &["ctrl-d"]);
    assert!(!effects.iter().any(|e| matches!(
        e,
        Effect::Api {
            op: ApiOp::Delete { .. },
            ..
        }
    )));
    let screen = render(&s);
    assert!(
        screen.contains("Delete PyTorchJob ml-research/bert-oom?"),
        "{screen}"
    );
    let effects = press(&mut s, &["y"]);
    assert!(
        effects.iter().any(|e| matches!(e,
        Effect::Api { op: ApiOp::Delete { target, .. }, .. } if target.name == "bert-oom")),
        "{effects:?}"
    );

    // Read-only: refused with the reason, nothing sent.
    s.readonly = Some("read-only mode (--readonly)".into());
    select(&mut s, "resnet50-ddp");
    for keys in [["s"], ["ctrl-d"]] {
        let effects = press(&mut s, &keys);
        assert!(
            !effects.iter().any(|e| matches!(e, Effect::Api { .. })),
            "{effects:?}"
        );
        let notice = s.notice.as_ref().expect("a notice");
        assert_eq!(notice.level, Level::Error);
        assert!(notice.text.contains("--readonly"), "{}", notice.text);
    }
    assert!(s.confirm.is_none());
}

#[test]
fn details_show_replicas_exit_codes_and_scheduling_events_first() {
    let mut s = jobs_state();
    select(&mut s, "bert-oom");
    press(&mut s, &["enter"]);
    let d = s
        .view()
        .as_any()
        .downcast_ref::<JobDetail>()
        .expect("detail");
    let keys = DetailKeys::new(d.kind, &d.obj);
    load(
        &mut s,
        keys.pods.clone(),
        vec![
            replica_pod(
                "bert-oom",
                "master",
                0,
                "Succeeded",
                json!({"containerStatuses": [
                {"name": "pytorch", "restartCount": 0, "ready": false,
                 "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}),
            ),
            replica_pod(
                "bert-oom",
                "worker",
                0,
                "Failed",
                json!({"containerStatuses": [
                {"name": "pytorch", "restartCount": 2, "ready": false,
                 "state": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}]}),
            ),
        ],
    );
    load(
        &mut s,
        keys.events.clone(),
        vec![
            event(
                "e1",
                "PyTorchJob",
                "bert-oom",
                "Normal",
                "SuccessfulCreatePod",
                "Created pod: bert-oom-worker-0",
                "2025-06-01T11:30:05Z",
            ),
            event(
                "e2",
                "Pod",
                "bert-oom-worker-0",
                "Warning",
                "FailedScheduling",
                "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.",
                "2025-06-01T11:30:06Z",
            ),
            event(
                "e3",
                "Pod",
                "someone-else",
                "Warning",
                "BackOff",
                "not ours",
                "2025-06-01T11:30:07Z",
            ),
        ],
    );
    // The failed replica's last log lines are read and shown.
    let spec = s
        .view()
        .as_any()
        .downcast_ref::<JobDetail>()
        .and_then(|d| d.failed_log.clone())
        .map(|(spec, _, _)| spec)
        .expect("the failed replica's log is asked for");
    assert_eq!(
        (spec.pod.as_str(), spec.follow),
        ("bert-oom-worker-0", false)
    );
    send(
        &mut s,
        Msg::Logs(
            spec,
            LogUpdate::Lines(vec![
                "2025-06-01T11:49:58.000Z epoch 3 step 120 loss=0.41".into(),
                "2025-06-01T11:49:59.000Z RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB".into(),
            ]),
        ),
    );
    s.size = (120, 40);
    let screen = render(&s);
    for want in [
        "Status        Failed: PyTorchJob ml-research/bert-oom has failed because 1 Worker replica(s) failed.",
        "Failure       worker-0 (bert-oom-worker-0) exited 137: OOMKilled",
        "Replicas      Master 0/1 · Worker 0/1",
        "Image         docker.io/kubeflowkatib/pytorch-mnist-gpu:v0.19.0 ",
        "Command       python3 /opt/train.py --epochs 3",
        "nvidia.com/gpu 1",
        "backoffLimit 0",
        "suspend false",
        "duration 19m",
        "Last log lines of worker-0",
        "  RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB",
    ] {
        assert!(screen.contains(want), "{want} missing:\n{screen}");
    }
    let worker = screen
        .lines()
        .find(|l| l.contains("bert-oom-worker-0 ") && l.contains("worker"))
        .expect("worker row");
    assert!(
        worker.contains("Failed")
            && worker.contains("137")
            && worker.contains("OOMKilled")
            && worker.contains("gpu-node-a100"),
        "{worker}"
    );
    assert!(worker.contains("   2 "), "restarts: {worker}");
    let sched = screen.find("FailedScheduling").expect("scheduling event");
    let created = screen.find("SuccessfulCreatePod").expect("job event");
    assert!(sched < created, "scheduling trouble first:\n{screen}");
    assert!(!screen.contains("not ours"), "{screen}");
    snap("jobs_detail", &mut s);

    // All replicas' logs merged in time order, each line with its replica.
    press(&mut s, &["L"]);
    let streams = s
        .view()
        .as_any()
        .downcast_ref::<MergedLogs>()
        .expect("merged logs")
        .streams
        .clone();
    assert_eq!(
        streams
            .iter()
            .map(|(spec, p)| (spec.pod.as_str(), p.as_str()))
            .collect::<Vec<_>>(),
        vec![
            ("bert-oom-master-0", "[master-0]"),
            ("bert-oom-worker-0", "[worker-0]")
        ]
    );
    let lines = |v: &[&str]| LogUpdate::Lines(v.iter().map(|l| l.to_string()).collect());
    send(
        &mut s,
        Msg::Logs(
            streams[1].0.clone(),
            lines(&[
                "2025-06-01T11:31:02.000Z epoch 1 loss 0.9",
                "2025-06-01T11:31:04.000Z Traceback: CUDA out of memory",
            ]),
        ),
    );
    send(
        &mut s,
        Msg::Logs(
            streams[0].0.clone(),
            lines(&[
                "2025-06-01T11:31:01.000Z starting master",
                "2025-06-01T11:31:03.000Z epoch 1 loss 0.8",
            ]),
        ),
    );
    let screen = render(&s);
    let order: Vec<usize> = [
        "[master-0] starting master",
        "[worker-0] epoch 1 loss 0.9",
        "[master-0] epoch 1 loss 0.8",
        "[worker-0] Traceback: CUDA out of memory",
    ]
    .iter()
    .map(|l| {
        screen
            .find(l)
            .unwrap_or_else(|| panic!("{l} missing:\n{screen}"))
    })
    .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "time order:\n{screen}"
    );
    assert!(
        screen.contains("bert-oom logs") && screen.contains("following"),
        "{screen}"
    );
    press(&mut s, &["esc"]);

    // Logs: the replica pods to pick from, filtered by the job's label.
    press(&mut s, &["l"]);
    let screen = render(&s);
    assert!(
        screen.contains("training.kubeflow.org/job-name=bert-oom"),
        "{screen}"
    );
}

fn job_form(s: &State) -> &kftui::views::jobs::form::JobForm {
    s.view()
        .as_any()
        .downcast_ref::<kftui::views::jobs::form::JobForm>()
        .expect("launch form")
}

fn creates(effects: &[Effect]) -> Vec<(u64, &'static str, bool, Value)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Api {
                id,
                op:
                    ApiOp::Create {
                        kind,
                        dry_run,
                        body,
                        ..
                    },
            } => Some((*id, kind.kind, *dry_run, body.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn launch_form_checks_dry_runs_creates_and_keeps_values_on_refusal() {
    use kftui::kube::errors::ApiFailure;
    use kftui::views::jobs::form::J;
    let mut s = jobs_state();
    press(&mut s, &["n"]);
    assert_eq!(s.breadcrumbs(), vec!["jobs", "launch job"]);
    snap("jobs_form", &mut s);

    // Bad values are marked in place; nothing is sent.
    press(&mut s, &["tab"]); // name
    type_text(&mut s, "Bad_Name");
    press(&mut s, &["tab", "tab", "tab"]); // image, command -> workers
    press(&mut s, &["ctrl-u"]);
    type_text(&mut s, "0");
    let effects = press(&mut s, &["ctrl-s"]);
    assert!(creates(&effects).is_empty(), "nothing sent");
    let f = job_form(&s);
    assert!(f.field(J::Name).error.is_some() && f.field(J::Workers).error.is_some());
    assert_eq!(f.focus, J::Name, "focus on the first bad field");
    let screen = render(&s);
    assert!(
        screen.contains("✗ lowercase letters") && screen.contains("✗ a whole number from 1 to 256"),
        "{screen}"
    );
    assert!(
        s.drafts
            .get("job-new-ml-research")
            .is_some_and(|d| d.contains("Bad_Name")),
        "draft saved"
    );

    // Fix them; 4 workers with 2 GPUs each.
    press(&mut s, &["ctrl-u"]);
    type_text(&mut s, "ddp-live");
    press(&mut s, &["tab", "tab", "tab", "ctrl-u"]);
    type_text(&mut s, "4");
    press(&mut s, &["tab", "right", "right"]);
    let effects = press(&mut s, &["ctrl-s"]);
    let sent = creates(&effects);
    assert_eq!(sent.len(), 1, "{effects:?}");
    let (dry_id, kind, dry, body) = sent[0].clone();
    assert_eq!((kind, dry), ("PyTorchJob", true), "a dry run first");
    assert_eq!(body.pointer("/metadata/name"), Some(&json!("ddp-live")));
    assert_eq!(
        body.pointer("/spec/pytorchReplicaSpecs/Worker/replicas"),
        Some(&json!(4))
    );
    assert_eq!(
        body.pointer("/spec/pytorchReplicaSpecs/Master/replicas"),
        Some(&json!(1))
    );
    assert_eq!(
        body.pointer("/spec/pytorchReplicaSpecs/Worker/template/spec/containers/0/resources/limits/nvidia.com~1gpu"),
        Some(&json!("2"))
    );
    assert_eq!(
        body.pointer("/spec/pytorchReplicaSpecs/Worker/template/spec/containers/0/command"),
        Some(&json!([
            "python3",
            "/opt/pytorch-mnist/mnist.py",
            "--epochs=1"
        ]))
    );
    // The dry run passes: the real create follows.
    let effects = send(
        &mut s,
        Msg::Api {
            id: dry_id,
            what: String::new(),
            result: Ok(body.clone()),
        },
    );
    let sent = creates(&effects);
    assert_eq!(sent.len(), 1);
    assert!(!sent[0].2, "the real create");
    // The name is taken: said on the name field, every value kept.
    let conflict = ApiFailure::from_status(
        409,
        "AlreadyExists",
        "pytorchjobs.kubeflow.org \"ddp-live\" already exists",
    );
    send(
        &mut s,
        Msg::Api {
            id: sent[0].0,
            what: String::new(),
            result: Err(conflict),
        },
    );
    let f = job_form(&s);
    assert_eq!(f.value(J::Name), "ddp-live");
    assert_eq!(f.value(J::Workers), "4");
    assert_eq!(f.focus, J::Name);
    assert!(
        f.field(J::Name)
            .error
            .as_deref()
            .is_some_and(|e| e.contains("already exists"))
    );
    assert!(render(&s).contains("already exists"));

    // A quota refusal (403) is shown in the server's words under the form.
    press(&mut s, &["ctrl-u"]);
    type_text(&mut s, "ddp-two");
    let effects = press(&mut s, &["ctrl-s"]);
    let id = creates(&effects)[0].0;
    let quota = ApiFailure::from_status(
        403,
        "Forbidden",
        "pods \"ddp-two-worker-0\" is forbidden: exceeded quota: gpu-quota, requested: nvidia.com/gpu=2, used: nvidia.com/gpu=8, limited: nvidia.com/gpu=8",
    );
    send(
        &mut s,
        Msg::Api {
            id,
            what: String::new(),
            result: Err(quota),
        },
    );
    s.size = (120, 40);
    let screen = render(&s);
    assert!(screen.contains("exceeded quota: gpu-quota"), "{screen}");
    assert_eq!(job_form(&s).value(J::Name), "ddp-two");

    // Success: the form closes onto the new job's details; the draft goes.
    let effects = press(&mut s, &["ctrl-s"]);
    let (id, _, _, body) = creates(&effects)[0].clone();
    let effects = send(
        &mut s,
        Msg::Api {
            id,
            what: String::new(),
            result: Ok(body.clone()),
        },
    );
    let (id, _, _, _) = creates(&effects)[0].clone();
    let mut created = body;
    created["metadata"]["uid"] = json!("new-uid");
    let effects = send(
        &mut s,
        Msg::Api {
            id,
            what: String::new(),
            result: Ok(created),
        },
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::DeleteDraft { name } if name == "job-new-ml-research"))
    );
    assert!(
        s.view().as_any().downcast_ref::<JobDetail>().is_some(),
        "{:?}",
        s.breadcrumbs()
    );
}

#[test]
fn launch_form_templates_and_trainjob_body() {
    use kftui::views::jobs::form::J;
    let mut s = jobs_state();
    press(&mut s, &["n", "right", "right"]); // TrainJob
    let f = job_form(&s);
    assert_eq!(f.kind().kind, "TrainJob");
    assert_eq!(
        f.value(J::Image),
        "pytorch/pytorch:2.7.1-cuda12.8-cudnn9-runtime",
        "the template's image"
    );
    let screen = render(&s);
    assert!(
        screen.contains("Runtime") && screen.contains("torch-distributed"),
        "{screen}"
    );
    // The cluster's ClusterTrainingRuntimes replace the usual names.
    load(
        &mut s,
        kftui::views::jobs::form::runtimes_key(),
        ["torch-tune-llama", "mpi-horovod"]
            .iter()
            .map(|n| obj(json!({"apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "ClusterTrainingRuntime",
                "metadata": {"name": n, "uid": format!("r-{n}"), "creationTimestamp": "2025-05-01T00:00:00Z"}})))
            .collect(),
    );
    let f = job_form(&s);
    assert!(matches!(&f.field(J::Runtime).input,
        kftui::views::form::Input::Choice { options, .. } if *options == vec!["mpi-horovod".to_string(), "torch-tune-llama".to_string()]));
    press(&mut s, &["tab"]);
    type_text(&mut s, "tj");
    let body = job_form(&s).body();
    assert_eq!(
        body.pointer("/apiVersion"),
        Some(&json!("trainer.kubeflow.org/v1alpha1"))
    );
    assert_eq!(
        body.pointer("/spec/runtimeRef/name"),
        Some(&json!("mpi-horovod"))
    );
    assert_eq!(body.pointer("/spec/trainer/numNodes"), Some(&json!(2)));
    // Back to TFJob: the image follows the template (it was not edited).
    press(&mut s, &["backtab", "left"]);
    let f = job_form(&s);
    assert_eq!(f.kind().kind, "TFJob");
    assert_eq!(f.value(J::Image), "kubeflow/tf-mnist-with-summaries:latest");
    assert!(f.body().pointer("/spec/tfReplicaSpecs/Worker").is_some());
    // Read-only: the form does not open.
    press(&mut s, &["esc"]);
    s.readonly = Some("read-only mode (--readonly)".into());
    press(&mut s, &["n"]);
    assert!(s.view().as_any().downcast_ref::<JobsView>().is_some());
    assert!(
        s.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("--readonly"))
    );
}

/// Event-to-screen time with 5,000 jobs in the table: one watch event
/// (a job changing state), the rebuild and a frame, measured 60 times.
#[test]
fn five_thousand_jobs_event_to_screen() {
    let mut s = jobs_state();
    let key = jobs::keys(&s.scope, None)
        .into_iter()
        .find(|k| std::ptr::eq(k.kind, &kinds::PYTORCH_JOB))
        .expect("key");
    let running = |i: usize, state: &str| {
        pytorch(
            &format!("job-{i:05}"),
            &format!("uid-{i}"),
            3,
            json!({"startTime": "2025-06-01T11:31:00Z", "conditions": [
                cond("Created", "True", "PyTorchJobCreated", "created", "2025-06-01T11:30:00Z"),
                cond(state, "True", "x", "x", "2025-06-01T11:31:00Z"),
            ], "replicaStatuses": {"Master": {"active": 1}, "Worker": {"active": 3}}}),
            json!({}),
        )
    };
    load(
        &mut s,
        key.clone(),
        (0..5000).map(|i| running(i, "Running")).collect(),
    );
    s.size = (120, 40);
    assert!(
        render(&s).contains("[5002]"),
        "5,000 + the TFJob and TrainJob fixtures"
    );
    let mut times = Vec::new();
    for i in 0..60 {
        let t = std::time::Instant::now();
        send(
            &mut s,
            Msg::Watch(key.clone(), WatchUpdate::Applied(running(i, "Restarting"))),
        );
        let screen = render(&s);
        times.push(t.elapsed());
        assert!(screen.contains("job-00000"), "{screen}");
    }
    times.sort();
    let p50 = times[times.len() / 2];
    let p99 = times[times.len() * 99 / 100];
    println!("5,000 jobs, event to screen: p50 {p50:?}, p99 {p99:?}");
    assert!(p99 < std::time::Duration::from_secs(2), "p99 {p99:?}");
    assert!(render(&s).contains("Restarting"));
}
