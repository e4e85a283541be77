//! The YAML editor without a cluster: opened from the launch form with
//! `ctrl-e`, the CRD schema answered by hand (the emulator's own
//! PyTorchJob schema), a wrong type shown at its line, the server's 422
//! causes at theirs, paste, undo/redo and the draft kept in the state;
//! snapshots at 80x24 and 120x40; and a property test: no text, random or
//! YAML-shaped, panics the editor, the line mapper or the validator.

use kftui::app::effect::Effect;
use kftui::app::msg::Msg;
use kftui::app::state::State;
use kftui::kube::errors::ApiFailure;
use kftui::kube::types::ApiOp;
use kftui::testing::{press, render, send, state, type_text};
use kftui::views::editor::check::{self, Schema};
use kftui::views::editor::lines::LineIndex;
use kftui::views::editor::{EditorView, SchemaState};
use kftui::views::registry;
use proptest::prelude::*;
use serde_json::json;

const DRAFT: &str = "editor-job-new-ml-research";

fn editor(s: &State) -> &EditorView {
    s.view()
        .as_any()
        .downcast_ref::<EditorView>()
        .expect("the editor is open")
}

fn line_of(s: &State, needle: &str) -> usize {
    editor(s)
        .editor
        .lines()
        .iter()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?}"))
        + 1
}

/// The launch form's job in the editor, its schema request answered.
fn open_editor(draft: Option<&str>) -> State {
    let root = registry::open("jobs", None).expect("jobs").expect("opens");
    let mut s = state(root);
    s.size = (120, 40);
    if let Some(d) = draft {
        s.drafts.insert(DRAFT.into(), d.into());
    }
    press(&mut s, &["n", "tab"]);
    type_text(&mut s, "ed-ddp");
    let effects = press(&mut s, &["ctrl-e"]);
    let id = effects
        .iter()
        .find_map(|e| match e {
            Effect::Api {
                id,
                op: ApiOp::CrdSchema { kind, cache },
            } => {
                assert_eq!(kind.kind, "PyTorchJob");
                assert!(cache.contains("kftui-demo"), "{cache}");
                Some(*id)
            }
            _ => None,
        })
        .expect("the editor asks for the CRD's schema");
    send(
        &mut s,
        Msg::Api {
            id,
            what: String::new(),
            result: Ok(kftui_emulator::crds::schemas::pytorch_job()),
        },
    );
    s
}

fn snap(name: &str, s: &mut State) {
    for (w, h) in [(80, 24), (120, 40)] {
        s.size = (w, h);
        let screen = render(s);
        insta::with_settings!({omit_expression => true}, {
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
        });
    }
}

#[test]
fn schema_error_at_its_line_then_server_causes_paste_undo_and_draft() {
    let mut s = open_editor(None);
    let screen = render(&s);
    assert!(screen.contains("Edit PyTorchJob"), "{screen}");
    assert!(
        screen.contains("fits the schema of pytorchjobs.kubeflow.org"),
        "{screen}"
    );
    assert!(matches!(editor(&s).schema, SchemaState::Ready(_)));
    let text = editor(&s).editor.text();
    assert!(
        text.contains("name: ed-ddp") && text.contains("pytorchReplicaSpecs:"),
        "{text}"
    );

    // Find the workers' count and make it a word.
    press(&mut s, &["ctrl-f"]);
    type_text(&mut s, "replicas: 2");
    press(&mut s, &["enter", "end", "backspace"]);
    let effects = type_text(&mut s, "two");
    let n = line_of(&s, "replicas: two");
    assert_eq!(editor(&s).editor.cursor().0 + 1, n);
    let p = &editor(&s).problems;
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].path, "spec.pytorchReplicaSpecs.Worker.replicas");
    assert_eq!(p[0].line, Some(n - 1));
    let screen = render(&s);
    let want = format!(
        "line {n}: spec.pytorchReplicaSpecs.Worker.replicas: \"two\" is not of type \"integer\""
    );
    assert!(screen.contains(&want), "{want}\n{screen}");
    let marked = screen
        .lines()
        .find(|l| l.contains("replicas: two"))
        .expect("the line is shown");
    assert!(marked.contains("x") || marked.contains("✗"), "{marked}");
    // Every change is saved as a draft.
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::SaveDraft { name, text }
        if name == DRAFT && text.contains("replicas: two")))
    );
    assert!(
        s.drafts
            .get(DRAFT)
            .is_some_and(|d| d.contains("replicas: two"))
    );
    snap("editor_schema_error", &mut s);

    // Submitting refuses locally: nothing is sent.
    let effects = press(&mut s, &["ctrl-s"]);
    assert!(
        !effects.iter().any(|e| matches!(
            e,
            Effect::Api {
                op: ApiOp::Create { .. },
                ..
            }
        )),
        "{effects:?}"
    );
    assert!(render(&s).contains("fix this first"));

    // Undo the three letters and the backspace: valid again.
    press(&mut s, &["ctrl-z", "ctrl-z", "ctrl-z", "ctrl-z"]);
    assert!(
        editor(&s).editor.text().contains("replicas: 2\n"),
        "{}",
        editor(&s).editor.text()
    );
    assert!(editor(&s).problems.is_empty());
    press(&mut s, &["ctrl-y"]);
    assert!(
        editor(&s).editor.text().contains("replicas: \n")
            || editor(&s).editor.text().contains("replicas:\n")
    );
    press(&mut s, &["ctrl-z"]);

    // Submit: a dry run first; the server's 422 cause lands on its line.
    let effects = press(&mut s, &["ctrl-s"]);
    let (id, dry) = effects
        .iter()
        .find_map(|e| match e {
            Effect::Api {
                id,
                op: ApiOp::Create { dry_run, body, .. },
            } => Some((*id, (*dry_run, body.clone()))),
            _ => None,
        })
        .expect("a create");
    assert!(dry.0, "a dry run first");
    assert_eq!(
        dry.1.pointer("/metadata/namespace"),
        Some(&json!("ml-research"))
    );
    let cause = "spec.pytorchReplicaSpecs.Master.template.spec.containers[0].image";
    let failure = ApiFailure {
        code: Some(422),
        reason: "Invalid".into(),
        message: "invalid: PyTorchJob.kubeflow.org \"ed-ddp\" is invalid: ...".into(),
        causes: vec![(cause.into(), "Required value".into())],
    };
    send(
        &mut s,
        Msg::Api {
            id,
            what: String::new(),
            result: Err(failure),
        },
    );
    let image = {
        let lines = editor(&s).editor.lines();
        lines
            .iter()
            .position(|l| l.contains("image:"))
            .expect("image line")
            + 1
    };
    let screen = render(&s);
    assert!(
        screen.contains(&format!("line {image}: {cause}: Required value")),
        "{screen}"
    );
    assert!(screen.contains("dry run: invalid"), "{screen}");
    assert!(
        editor(&s).editor.text().contains("name: ed-ddp"),
        "text kept"
    );
    snap("editor_server_cause", &mut s);

    // A pasted document replaces nothing silently: it goes in at the
    // cursor as one undoable edit.
    let before = editor(&s).editor.text();
    send(&mut s, Msg::Paste("# pasted\n".into()));
    assert!(editor(&s).editor.text().contains("# pasted"));
    press(&mut s, &["ctrl-z"]);
    assert_eq!(editor(&s).editor.text(), before);

    // esc closes, the draft stays; the editor opens again with it.
    send(&mut s, Msg::Paste("# kept\n".into()));
    press(&mut s, &["esc"]);
    assert!(s.drafts.get(DRAFT).is_some_and(|d| d.contains("# kept")));
    press(&mut s, &["ctrl-e"]);
    assert!(render(&s).contains("your draft restored"), "{}", render(&s));
    assert!(editor(&s).editor.text().contains("# kept"));
}

#[test]
fn pasting_a_whole_document_into_an_empty_editor() {
    // An emptied editor's draft: the editor opens empty.
    let mut s = open_editor(Some("\n"));
    assert_eq!(editor(&s).editor.text(), "\n");
    let doc = "apiVersion: kubeflow.org/v1\r\nkind: PyTorchJob\r\nmetadata:\r\n  name: pasted\r\nspec:\r\n  pytorchReplicaSpecs:\r\n    Worker:\r\n      replicas: 1\r\n      template:\r\n        spec:\r\n          containers:\r\n          - name: pytorch\r\n            image: x\r\n";
    send(&mut s, Msg::Paste(doc.into()));
    let text = editor(&s).editor.text();
    assert!(
        text.starts_with("apiVersion: kubeflow.org/v1\nkind: PyTorchJob\n"),
        "{text:?}"
    );
    assert!(editor(&s).problems.is_empty(), "{:?}", editor(&s).problems);
}

fn yamlish() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        "[a-z]{1,6}: [a-z0-9\"' ]{0,8}",
        " {0,6}- [a-z0-9:]{0,6}",
        " {0,8}[a-zA-Z]{1,5}:",
        "[#&*!|>{}\\[\\],:\"' -]{0,10}",
        "---|\\.\\.\\.",
        "\\PC{0,12}",
    ];
    prop::collection::vec(line, 0..30).prop_map(|l| l.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn no_text_panics_the_editor_mapper_or_validator(text in yamlish(), raw in "\\PC{0,200}") {
        let schema = Schema::new(&kftui_emulator::crds::schemas::pytorch_job()).expect("schema");
        for t in [&text, &raw] {
            let index = LineIndex::new(t);
            if let Ok(doc) = check::parse(t) {
                for p in schema.check(&doc) {
                    if let Some(l) = index.line_of(&p.path) {
                        prop_assert!(l < t.lines().count().max(1));
                    }
                }
            }
            let _ = kftui::views::editor::highlight::tokens(t);
            let mut e = kftui::views::editor::text::YamlEditor::new("a: 1\n");
            let pasted = e.paste(t);
            e.pattern = "a".into();
            e.find(true);
            e.find(false);
            prop_assert_eq!(e.undo(), pasted);
        }
    }
}
