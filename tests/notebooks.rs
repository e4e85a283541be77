//! Notebooks screens driven by keys over fixture data: status and reasons,
//! stop/start, connect, delete with the workspace option, read-only and
//! denied access, and the new notebook form's checks and submit sequence.

use kftui::app::effect::Effect;
use kftui::app::msg::Msg;
use kftui::app::state::{Level, State};
use kftui::kube::errors::ApiFailure;
use kftui::kube::kinds;
use kftui::kube::types::{Access, AccessKey, ApiOp, PatchBody, WatchKey};
use kftui::testing::{load, notebooks_state, obj, press, render, send, state, type_text};
use kftui::views::notebooks::NotebooksView;
use kftui::views::notebooks::form::{F, NotebookForm};
use kftui::views::registry;
use kftui_emulator::schema;
use serde_json::{Value, json};

fn select(s: &mut State, name: &str) {
    press(s, &["g"]);
    for _ in 0..10 {
        let v = s
            .view()
            .as_any()
            .downcast_ref::<NotebooksView>()
            .expect("notebooks view");
        if v.selected().and_then(|r| r.nb.metadata.name.as_deref()) == Some(name) {
            return;
        }
        press(s, &["j"]);
    }
    panic!("no row {name}");
}

#[test]
fn table_shows_status_resources_and_why_not_running() {
    let mut s = notebooks_state();
    let screen = render(&s);
    for want in [
        "jupyter-alice",
        "Running",
        "old-experiments",
        "Stopped",
        "big-gpu-notebook",
        "Unschedulable",
        "1 nvidia",
        "4Gi",
    ] {
        assert!(screen.contains(want), "{want} missing:\n{screen}");
    }
    select(&mut s, "big-gpu-notebook");
    let screen = render(&s);
    assert!(screen.contains("Unschedulable big-gpu-notebook: 0/3 nodes are available: 3 Insufficient\nnvidia.com/gpu."), "{screen}");
    s.size = (120, 40);
    let screen = render(&s);
    assert!(
        screen.contains("Unschedulable big-gpu-notebook: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu."),
        "{screen}"
    );
    assert!(
        screen.contains("jupyter-pytorch-cuda-full:v1.9.0") && screen.contains("7m ago"),
        "{screen}"
    );
}

#[test]
fn stop_and_start_patch_the_annotation() {
    let mut s = notebooks_state();
    select(&mut s, "jupyter-alice");
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
        } => Some((target.name.clone(), p.clone())),
        _ => None,
    });
    let (name, patch) = patch.expect("a patch");
    assert_eq!(name, "jupyter-alice");
    let stamp = patch
        .pointer("/metadata/annotations/kubeflow-resource-stopped")
        .and_then(Value::as_str)
        .expect("time");
    assert!(
        stamp.parse::<jiff::Timestamp>().is_ok(),
        "RFC 3339: {stamp}"
    );

    select(&mut s, "old-experiments");
    let effects = press(&mut s, &["s"]);
    assert!(
        effects.iter().any(|e| matches!(e,
        Effect::Api { op: ApiOp::Patch { patch: PatchBody::Merge(p), .. }, .. }
            if p.pointer("/metadata/annotations/kubeflow-resource-stopped") == Some(&Value::Null)))
    );
}

#[test]
fn connect_forwards_only_running_notebooks() {
    let mut s = notebooks_state();
    select(&mut s, "old-experiments");
    let effects = press(&mut s, &["ctrl-o"]);
    assert!(!effects.iter().any(|e| matches!(e, Effect::StartForward(_))));
    assert_eq!(s.notice.as_ref().map(|n| n.level), Some(Level::Error));

    select(&mut s, "jupyter-alice");
    let effects = press(&mut s, &["ctrl-o"]);
    let spec = effects
        .iter()
        .find_map(|e| match e {
            Effect::StartForward(spec) => Some(spec.clone()),
            _ => None,
        })
        .expect("a port-forward");
    assert_eq!(
        (spec.pod.as_str(), spec.pod_port, spec.path.as_str()),
        (
            "jupyter-alice-0",
            8888,
            "/notebook/ml-research/jupyter-alice/"
        )
    );
    assert_eq!(s.forwards.len(), 1);
    send(
        &mut s,
        Msg::Forward {
            id: spec.id,
            update: kftui::kube::types::ForwardUpdate::Listening { local_port: 40123 },
        },
    );
    press(&mut s, &["F"]);
    let screen = render(&s);
    assert!(
        screen.contains("http://127.0.0.1:40123/notebook/ml-research/jupyter-alice/"),
        "{screen}"
    );
    let effects = press(&mut s, &["ctrl-d"]);
    assert!(effects.contains(&Effect::StopForward(spec.id)));
    assert!(s.forwards.is_empty());
}

/// `Kind/name` of every delete among the effects.
fn deleted(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Api {
                op: ApiOp::Delete { target, .. },
                ..
            } => Some(format!("{}/{}", target.kind.kind, target.name)),
            _ => None,
        })
        .collect()
}

#[test]
fn delete_keeps_the_workspace_unless_unticked() {
    let mut s = notebooks_state();
    select(&mut s, "jupyter-alice");
    press(&mut s, &["ctrl-d"]);
    assert!(render(&s).contains("[x] Keep the workspace volume jupyter-alice-workspace"));
    let effects = press(&mut s, &["y"]);
    let deletes = deleted(&effects);
    assert_eq!(deletes, vec!["Notebook/jupyter-alice"]);

    press(&mut s, &["ctrl-d", "space"]);
    assert!(render(&s).contains("[ ] Keep the workspace volume"));
    let effects = press(&mut s, &["y"]);
    let deletes = deleted(&effects);
    assert_eq!(
        deletes,
        vec![
            "Notebook/jupyter-alice",
            "PersistentVolumeClaim/jupyter-alice-workspace"
        ]
    );
}

#[test]
fn denied_and_readonly_actions_say_why() {
    let mut s = notebooks_state();
    send(
        &mut s,
        Msg::Access(
            AccessKey {
                verb: "patch",
                kind: &kinds::NOTEBOOK,
                namespace: Some("ml-research".into()),
            },
            Access::Denied("you may not patch notebooks in ml-research".into()),
        ),
    );
    let effects = press(&mut s, &["s"]);
    assert!(!effects.iter().any(|e| matches!(e, Effect::Api { .. })));
    let notice = s.notice.clone().expect("notice");
    assert!(
        notice
            .text
            .contains("you may not patch notebooks in ml-research"),
        "{}",
        notice.text
    );

    s.readonly = Some("read-only (--readonly)".into());
    for k in ["n", "ctrl-d"] {
        let effects = press(&mut s, &[k]);
        assert!(
            effects.iter().all(|e| !matches!(e, Effect::Api { .. })),
            "{k}"
        );
        assert!(s.stack.len() == 1 && s.confirm.is_none(), "{k}");
        assert!(
            s.notice
                .as_ref()
                .is_some_and(|n| n.text.contains("read-only")),
            "{k}"
        );
    }
}

fn form(s: &State) -> &NotebookForm {
    s.view()
        .as_any()
        .downcast_ref::<NotebookForm>()
        .expect("form")
}

#[test]
fn form_marks_bad_fields_and_keeps_values() {
    let mut s = notebooks_state();
    press(&mut s, &["n"]);
    assert_eq!(s.breadcrumbs(), vec!["notebooks", "new notebook"]);
    type_text(&mut s, "Bad_Name");
    press(&mut s, &["tab", "tab"]); // image -> cpu
    press(&mut s, &["ctrl-u"]);
    type_text(&mut s, "lots");
    let effects = press(&mut s, &["ctrl-s"]);
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Api { .. })),
        "nothing sent"
    );
    let f = form(&s);
    assert!(f.field(F::Name).error.is_some() && f.field(F::Cpu).error.is_some());
    assert_eq!(f.focus, F::Name, "focus goes to the first bad field");
    assert_eq!(f.value(F::Name), "Bad_Name", "values kept");
    let screen = render(&s);
    assert!(screen.contains("✗ lowercase letters"), "{screen}");
    assert!(
        screen.contains("✗ \"lots\" does not start with a number"),
        "{screen}"
    );
    // Typing saves a draft.
    assert!(
        s.drafts
            .get("notebook-new-ml-research")
            .is_some_and(|d| d.contains("Bad_Name"))
    );
}

#[test]
fn form_submits_dry_run_then_pvc_then_notebook() {
    let mut s = notebooks_state();
    press(&mut s, &["n"]);
    type_text(&mut s, "my-nb");
    press(&mut s, &["tab", "right", "right"]); // image: jupyter-pytorch-cuda-full
    press(&mut s, &["tab", "tab", "tab", "right"]); // gpus: 1
    let effects = press(&mut s, &["ctrl-s"]);
    let mut dry = Vec::new();
    for e in &effects {
        if let Effect::Api {
            id,
            op:
                ApiOp::Create {
                    kind,
                    body,
                    dry_run: true,
                    ..
                },
        } = e
        {
            dry.push((*id, kind.kind, body.clone()));
        }
    }
    assert_eq!(
        dry.iter().map(|d| d.1).collect::<Vec<_>>(),
        vec!["Notebook", "PersistentVolumeClaim"]
    );
    let nb = &dry[0].2;
    assert_eq!(
        nb.pointer("/spec/template/spec/containers/0/image")
            .and_then(Value::as_str),
        Some("kubeflownotebookswg/jupyter-pytorch-cuda-full:v1.9.0")
    );
    assert_eq!(
        nb.pointer("/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu")
            .and_then(Value::as_str),
        Some("1")
    );
    assert_eq!(
        nb.pointer("/spec/template/spec/volumes/1/persistentVolumeClaim/claimName")
            .and_then(Value::as_str),
        Some("my-nb-workspace")
    );
    assert_eq!(
        dry[1]
            .2
            .pointer("/spec/resources/requests/storage")
            .and_then(Value::as_str),
        Some("10Gi")
    );

    // Both dry runs pass: the PVC is created for real.
    let ok = |id| Msg::Api {
        id,
        what: String::new(),
        result: Ok(json!({})),
    };
    send(&mut s, ok(dry[0].0));
    let effects = send(&mut s, ok(dry[1].0));
    let pvc_id = effects
        .iter()
        .find_map(|e| match e {
            Effect::Api {
                id,
                op:
                    ApiOp::Create {
                        kind,
                        dry_run: false,
                        ..
                    },
            } if kind.kind == "PersistentVolumeClaim" => Some(*id),
            _ => None,
        })
        .expect("PVC create");
    let effects = send(&mut s, ok(pvc_id));
    let nb_id = effects
        .iter()
        .find_map(|e| match e {
            Effect::Api {
                id,
                op:
                    ApiOp::Create {
                        kind,
                        dry_run: false,
                        ..
                    },
            } if kind.kind == "Notebook" => Some(*id),
            _ => None,
        })
        .expect("notebook create");

    // The notebook create is refused: the form stays with every value.
    let conflict = ApiFailure::from_status(
        409,
        "AlreadyExists",
        "notebooks.kubeflow.org \"my-nb\" already exists",
    );
    send(
        &mut s,
        Msg::Api {
            id: nb_id,
            what: String::new(),
            result: Err(conflict),
        },
    );
    let f = form(&s);
    assert_eq!(f.value(F::Name), "my-nb");
    assert!(
        f.field(F::Name)
            .error
            .as_deref()
            .is_some_and(|e| e.contains("already exists"))
    );
    assert!(render(&s).contains("already exists"));

    // Retry: the PVC made earlier is reused, not created again.
    press(&mut s, &["ctrl-u"]);
    type_text(&mut s, "my-nb-2");
    let effects = press(&mut s, &["ctrl-s"]);
    let kinds_sent: Vec<&str> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Api {
                op: ApiOp::Create { kind, .. },
                ..
            } => Some(kind.kind),
            _ => None,
        })
        .collect();
    assert_eq!(
        kinds_sent,
        vec!["Notebook"],
        "only the notebook is dry-run again"
    );
}

#[test]
fn form_draft_survives_closing() {
    let mut s = notebooks_state();
    press(&mut s, &["n"]);
    type_text(&mut s, "draft-nb");
    press(&mut s, &["esc"]);
    assert_eq!(s.stack.len(), 1);
    press(&mut s, &["n"]);
    assert_eq!(form(&s).value(F::Name), "draft-nb");
}

#[test]
fn namespaces_fall_back_when_listing_is_forbidden() {
    let root = registry::open("ns", None).expect("ns").expect("opens");
    let mut s = state(root);
    s.recent_namespaces = vec!["typed-ns".into()];
    let forbidden = |what: &str| {
        kftui::kube::types::WatchUpdate::Status(kftui::kube::types::SyncStatus::Retrying {
            error: format!("not allowed: {what} is forbidden"),
            attempts: 1,
            kind: kftui::kube::errors::FailureKind::Forbidden,
        })
    };
    send(
        &mut s,
        Msg::Watch(WatchKey::all(&kinds::NAMESPACE), forbidden("namespaces")),
    );
    load(
        &mut s,
        WatchKey::all(&kinds::PROFILE),
        vec![obj(
            json!({"apiVersion": "kubeflow.org/v1", "kind": "Profile",
            "metadata": {"name": "ml-research", "uid": "p1"}, "spec": {"owner": {"kind": "User", "name": "alice@example.com"}}}),
        )],
    );
    send(
        &mut s,
        Msg::Watch(
            WatchKey::all(&kinds::ROLE_BINDING),
            forbidden("rolebindings"),
        ),
    );
    let subs = kftui::app::update::subscriptions(&s);
    assert!(
        subs.watches.contains(&WatchKey::in_namespace(
            &kinds::ROLE_BINDING,
            Some("ml-research")
        )),
        "per-namespace fallback"
    );
    load(
        &mut s,
        WatchKey::in_namespace(&kinds::ROLE_BINDING, Some("ml-research")),
        vec![obj(
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "user-bob-example-com-clusterrole-edit", "namespace": "ml-research", "uid": "rb1",
                "annotations": {"user": "bob@example.com", "role": "edit"}},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "kubeflow-edit"}}),
        )],
    );
    s.size = (120, 30);
    let screen = render(&s);
    assert!(screen.contains("You may not list namespaces"), "{screen}");
    for want in ["ml-research", "alice@example.com", "bob(edit)", "typed-ns"] {
        assert!(screen.contains(want), "{want}:\n{screen}");
    }
    press(&mut s, &["G", "enter"]);
    assert_eq!(
        s.scope,
        kftui::app::state::Scope::Namespace("typed-ns".into())
    );
}

/// The Notebook the form creates is valid against the upstream CRD schema
/// (`../shared/kubeflow/crds`), with GPUs, and every optional part filled.
#[test]
fn form_notebook_matches_the_upstream_crd() {
    let Some(crds) = schema::crds_dir() else {
        eprintln!("../shared/kubeflow/crds not found: schema check skipped");
        return;
    };
    let crd = schema::read_crd(&crds.join("notebooks/kubeflow.org_notebooks.yaml")).expect("CRD");
    let schema = schema::version_schema(&crd, "v1").expect("v1 schema");
    let mut s = notebooks_state();
    press(&mut s, &["n"]);
    type_text(&mut s, "schema-nb");
    press(&mut s, &["tab", "right"]);
    press(&mut s, &["tab", "tab", "tab", "right", "right"]); // 2 GPUs
    let effects = press(&mut s, &["ctrl-s"]);
    let body = effects
        .iter()
        .find_map(|e| match e {
            Effect::Api {
                op: ApiOp::Create { kind, body, .. },
                ..
            } if kind.kind == "Notebook" => Some(body.clone()),
            _ => None,
        })
        .expect("a Notebook create");
    let errors = schema::check(schema, &body, "notebook");
    assert!(errors.is_empty(), "{errors:#?}\n{body:#}");
    // The checker does catch mistakes.
    let mut bad = body.clone();
    bad["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"] = json!(["x"]);
    bad["spec"]["replicas"] = json!(1);
    assert_eq!(schema::check(schema, &bad, "notebook").len(), 2);
}
