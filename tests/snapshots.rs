//! Rendered frames of the main screens at 80x24 and 120x40 (ratatui
//! TestBackend + insta). Time is fixed in test states, so ages are stable;
//! absolute timestamps are filtered anyway.

use kftui::app::msg::Msg;
use kftui::app::state::State;
use kftui::kube::kinds;
use kftui::kube::types::{LogUpdate, SyncStatus, WatchKey, WatchUpdate};
use kftui::testing::{load, notebooks_state, obj, pod, press, render, send, state, type_text};
use kftui::views::registry;
use serde_json::json;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn snap(name: &str, s: &mut State) {
    for (w, h) in SIZES {
        s.size = (w, h);
        let screen = render(s);
        insta::with_settings!({
            filters => vec![(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", "[TIME]")],
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
        });
    }
}

fn pods_state() -> State {
    let root = registry::open("pods", None).expect("pods").expect("opens");
    let mut s = state(root);
    let mut pods: Vec<_> = (0..30)
        .map(|i| {
            pod(
                "ml-research",
                &format!("train-resnet-worker-{i}"),
                if i % 7 == 3 { "Pending" } else { "Running" },
                60 * (i + 1),
            )
        })
        .collect();
    pods.push(pod("ml-research", "jupyter-alice-0", "Running", 5000));
    load(
        &mut s,
        WatchKey::in_namespace(&kinds::POD, Some("ml-research")),
        pods,
    );
    s
}

#[test]
fn pods_list() {
    let mut s = pods_state();
    press(&mut s, &["j", "j"]);
    snap("pods", &mut s);
}

#[test]
fn pods_all_namespaces_filtered_and_stale() {
    let mut s = pods_state();
    press(&mut s, &["0"]);
    load(
        &mut s,
        WatchKey::all(&kinds::POD),
        vec![
            pod("ml-research", "a-0", "Running", 30),
            pod("vision-team", "b-0", "Failed", 3000),
            pod("nlp-team", "ab-1", "Pending", 9),
        ],
    );
    press(&mut s, &["/"]);
    type_text(&mut s, "a");
    press(&mut s, &["enter"]);
    send(
        &mut s,
        Msg::Watch(
            WatchKey::all(&kinds::POD),
            WatchUpdate::Status(SyncStatus::Retrying {
                error: "connection refused".into(),
                attempts: 2,
                kind: kftui::kube::errors::FailureKind::Unreachable,
            }),
        ),
    );
    snap("pods_all_stale", &mut s);
}

#[test]
fn help_overlay() {
    let mut s = pods_state();
    press(&mut s, &["?"]);
    snap("help", &mut s);
}

#[test]
fn command_prompt_with_completion() {
    let mut s = pods_state();
    press(&mut s, &[":"]);
    type_text(&mut s, "n");
    snap("command", &mut s);
}

#[test]
fn delete_dialog() {
    let mut s = pods_state();
    press(&mut s, &["ctrl-d"]);
    snap("delete_dialog", &mut s);
}

#[test]
fn yaml_view_with_search() {
    let mut s = pods_state();
    press(&mut s, &["y", "/"]);
    type_text(&mut s, "running");
    press(&mut s, &["enter"]);
    snap("yaml", &mut s);
}

#[test]
fn logs_view() {
    let mut s = pods_state();
    press(&mut s, &["l"]);
    let spec = kftui::app::update::subscriptions(&s)
        .logs
        .into_iter()
        .next()
        .expect("log stream");
    let lines = (1..=60)
        .map(|i| {
            format!(
                "2025-06-01T11:{:02}:00Z epoch {i} step {} loss={:.4}",
                i % 60,
                i * 100,
                2.5 / i as f64
            )
        })
        .chain(["2025-06-01T11:59:59Z WARNING: learning rate decayed".to_string()])
        .collect();
    send(&mut s, Msg::Logs(spec, LogUpdate::Lines(lines)));
    snap("logs", &mut s);
}

#[test]
fn notebooks_list() {
    let mut s = notebooks_state();
    press(&mut s, &["g"]);
    snap("notebooks", &mut s);
}

#[test]
fn notebook_details() {
    let mut s = notebooks_state();
    press(&mut s, &["g", "enter"]);
    snap("notebook_details", &mut s);
}

#[test]
fn notebook_form_with_errors() {
    let mut s = notebooks_state();
    let pvc = |name: &str| {
        obj(json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": "ml-research", "uid": format!("pvc-{name}")},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "50Gi"}}},
            "status": {"phase": "Bound"}}))
    };
    press(&mut s, &["n"]);
    load(
        &mut s,
        WatchKey::in_namespace(&kinds::PVC, Some("ml-research")),
        vec![pvc("datasets"), pvc("jupyter-alice-workspace")],
    );
    type_text(&mut s, "2-bad");
    press(&mut s, &["tab", "tab", "ctrl-u"]);
    type_text(&mut s, "0");
    press(&mut s, &["ctrl-s"]);
    snap("notebook_form", &mut s);
}

#[test]
fn namespaces_for_a_profile_user() {
    let root = registry::open("ns", None).expect("ns").expect("opens");
    let mut s = state(root);
    send(
        &mut s,
        Msg::Watch(
            WatchKey::all(&kinds::NAMESPACE),
            WatchUpdate::Status(SyncStatus::Retrying {
                error: "not allowed: namespaces is forbidden: User \"alice@example.com\" cannot list resource \"namespaces\"".into(),
                attempts: 1,
                kind: kftui::kube::errors::FailureKind::Forbidden,
            }),
        ),
    );
    load(
        &mut s,
        WatchKey::all(&kinds::PROFILE),
        vec![obj(
            json!({"apiVersion": "kubeflow.org/v1", "kind": "Profile",
            "metadata": {"name": "ml-research", "uid": "p1", "creationTimestamp": "2025-01-01T00:00:00Z"},
            "spec": {"owner": {"kind": "User", "name": "alice@example.com"}}}),
        )],
    );
    load(
        &mut s,
        WatchKey::all(&kinds::RESOURCE_QUOTA),
        vec![obj(json!({"apiVersion": "v1", "kind": "ResourceQuota",
            "metadata": {"name": "kf-resource-quota", "namespace": "ml-research", "uid": "q1"},
            "spec": {"hard": {"requests.nvidia.com/gpu": "8"}},
            "status": {"hard": {"requests.nvidia.com/gpu": "8"}, "used": {"requests.nvidia.com/gpu": "3"}}}))],
    );
    snap("namespaces_profile_user", &mut s);
}
