//! Katib benchmark: prints figures, asserts nothing beyond the data being
//! there. An experiment with 10,000 finished trials at 120x40: open to
//! first frame, frame p99 with both charts visible, and a finished trial to
//! screen p99 (watch event, update, settle, render).
//!
//! Run with `cargo bench --bench katib`.

use std::time::Instant;

use kftui::app::msg::Msg;
use kftui::kube::types::WatchUpdate;
use kftui::testing::{load, obj, press, render, send, state};
use kftui::views::katib::detail::{ExperimentDetail, suggestion_key, trials_key};
use kftui::views::registry;
use kube::api::DynamicObject;
use serde_json::json;

const NS: &str = "ml-research";

fn experiment() -> DynamicObject {
    obj(json!({
        "apiVersion": "kubeflow.org/v1beta1", "kind": "Experiment",
        "metadata": {"name": "big", "namespace": NS, "uid": "e1", "creationTimestamp": "2025-06-01T10:00:00Z"},
        "spec": {
            "objective": {"type": "minimize", "goal": 0.001, "objectiveMetricName": "loss"},
            "algorithm": {"algorithmName": "random"},
            "parallelTrialCount": 3, "maxTrialCount": 10_000,
            "parameters": [
                {"name": "lr", "parameterType": "double", "feasibleSpace": {"min": "0.0001", "max": "0.1"}},
                {"name": "batch_size", "parameterType": "int", "feasibleSpace": {"min": "16", "max": "256"}},
            ],
        },
        "status": {"startTime": "2025-06-01T10:00:05Z", "trials": 10_000, "trialsSucceeded": 10_000,
                   "conditions": [{"type": "Running", "status": "True", "reason": "ExperimentRunning", "message": ""}]},
    }))
}

fn trial(i: u32, loss: f64) -> DynamicObject {
    let end = format!("2025-06-01T11:{:02}:{:02}Z", (i / 60) % 60, i % 60);
    obj(json!({
        "apiVersion": "kubeflow.org/v1beta1", "kind": "Trial",
        "metadata": {"name": format!("big-{i:05}"), "namespace": NS, "uid": format!("t{i}"),
                     "creationTimestamp": "2025-06-01T10:00:10Z",
                     "labels": {"katib.kubeflow.org/experiment": "big"}},
        "spec": {"parameterAssignments": [
            {"name": "lr", "value": format!("{:.5}", 0.0001 * 1.0007f64.powi((i % 9000) as i32))},
            {"name": "batch_size", "value": format!("{}", 16 + i % 240)}]},
        "status": {"startTime": "2025-06-01T10:00:10Z", "completionTime": end,
                   "conditions": [{"type": "Succeeded", "status": "True", "reason": "TrialSucceeded", "message": ""}],
                   "observation": {"metrics": [{"name": "loss", "min": format!("{loss:.4}"),
                                                "max": format!("{loss:.4}"), "latest": format!("{loss:.4}")}]}},
    }))
}

fn p99(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 * 0.99).ceil() as usize).min(v.len()) - 1]
}

fn main() {
    let exp = experiment();
    let trials: Vec<DynamicObject> = (0..10_000u32)
        .map(|i| trial(i, 0.05 + f64::from((i * 7919) % 1000) / 2000.0))
        .collect();
    let root = registry::open("katib", None)
        .and_then(Result::ok)
        .expect("katib screen");
    let mut s = state(root);
    s.size = (120, 40);
    let key = kftui::views::katib::key(&s.scope);
    load(&mut s, key, vec![exp.clone()]);
    let t0 = Instant::now();
    press(&mut s, &["enter"]);
    load(&mut s, trials_key(&exp), trials.clone());
    load(&mut s, suggestion_key(&exp), Vec::new());
    let first = render(&s);
    let open_ms = t0.elapsed().as_secs_f64() * 1e3;
    let d = s
        .view()
        .as_any()
        .downcast_ref::<ExperimentDetail>()
        .expect("detail");
    assert_eq!(d.chart.values.len(), 10_000);
    assert!(first.contains("loss per trial"));
    let mut frames = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let _ = render(&s);
        frames.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let mut updates = Vec::new();
    for i in 0..100u32 {
        let t = trial(i, 0.04 - f64::from(i) * 0.0002);
        let start = Instant::now();
        send(
            &mut s,
            Msg::Watch(trials_key(&exp), WatchUpdate::Applied(t)),
        );
        let _ = render(&s);
        updates.push(start.elapsed().as_secs_f64() * 1e3);
    }
    println!("katib: experiment with 10,000 trials at 120x40");
    println!("  open to first frame        {open_ms:8.1} ms");
    println!(
        "  frame p99 (charts shown)   {:8.2} ms  (target < 4 ms)",
        p99(frames)
    );
    println!(
        "  finished trial to screen   {:8.2} ms p99  (target < 20 ms)",
        p99(updates)
    );
}
