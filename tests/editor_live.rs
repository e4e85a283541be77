//! The YAML editor against the API emulator over real HTTP, through the
//! real runtime, one emulator for all of it: the CRD's schema read from
//! the cluster and a wrong type shown at its line before anything is sent;
//! the failed submit's text kept as a draft on disk and found again after
//! a restart; the fixed job created from the editor; a job cloned with `c`
//! and created under its new name; and a profile user, who may not read
//! CRDs, told so and checked by the server's dry run instead, its 422
//! cause at the right line.

use kftui::app::paths::Paths;
use kftui::app::persist;
use kftui::app::runtime::Runtime;
use kftui::app::state::{Connection, Scope, State};
use kftui::kube::client;
use kftui::kube::kinds;
use kftui::testing::state;
use kftui::views::editor::EditorView;
use kftui::views::jobs::detail::JobDetail;
use kftui::views::registry;
use kftui_emulator::{DemoUser, Emulator, EmulatorConfig};

mod common;

use common::driver::Driver;

const DRAFT: &str = "editor-job-new-ml-research";

async fn driver(emu: &Emulator, context: Option<&str>, paths: Option<Paths>) -> Driver {
    let kubeconfig = emu.kubeconfig();
    let (client, info) = client::connect(&kubeconfig, context)
        .await
        .expect("connects");
    let root = registry::open("jobs", None)
        .expect("screen")
        .expect("opens");
    let mut s = state(root);
    s.size = (120, 40);
    s.scope = Scope::Namespace("ml-research".into());
    s.connection = Connection::Connected(info);
    if let Some(p) = &paths {
        s.drafts = persist::load_drafts(&p.drafts_dir());
    }
    let rt = Runtime::new(Some(client), Some(kubeconfig), paths);
    Driver::new(rt, s)
}

fn editor(s: &State) -> Option<&EditorView> {
    s.view().as_any().downcast_ref::<EditorView>()
}

/// The 1-based line holding `needle` in the editor.
fn line_of(s: &State, needle: &str) -> usize {
    editor(s)
        .and_then(|e| e.editor.lines().iter().position(|l| l.contains(needle)))
        .unwrap_or_else(|| panic!("no line with {needle:?}"))
        + 1
}

/// Opens the launch form, names the job, and switches to the editor.
async fn launch_in_editor(d: &mut Driver, name: &str) {
    d.until("the jobs table", 30, |_, scr| scr.contains("resnet50-ddp"))
        .await;
    d.keys(&["n", "tab"]);
    d.text(name);
    d.keys(&["ctrl-e"]);
    assert!(editor(&d.s).is_some(), "ctrl-e opens the editor");
}

/// Turns the workers' `replicas: 2` into `replicas: two`.
fn break_replicas(d: &mut Driver) {
    d.keys(&["ctrl-f"]);
    d.text("replicas: 2");
    d.keys(&["enter", "end", "backspace"]);
    d.text("two");
}

async fn exists(emu: &Emulator, name: &str) -> bool {
    let client = emu.client(DemoUser::Admin).await.expect("client");
    let api: kube::Api<kube::api::DynamicObject> =
        kube::Api::namespaced_with(client, "ml-research", &kinds::PYTORCH_JOB.api_resource());
    api.get_opt(name).await.expect("get").is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_errors_drafts_create_clone_and_the_dry_run_fallback() {
    let emu = Emulator::start(EmulatorConfig::default())
        .await
        .expect("emulator starts");
    let home = tempfile::tempdir().expect("tempdir");
    let paths = Paths::under(home.path());
    let mut d = driver(&emu, None, Some(paths.clone())).await;

    // The schema comes from the cluster's CRD; a wrong type is marked at
    // its line as it is typed.
    launch_in_editor(&mut d, "ed-ddp").await;
    d.until("the CRD's schema", 30, |_, scr| {
        scr.contains("fits the schema of pytorchjobs.kubeflow.org")
    })
    .await;
    break_replicas(&mut d);
    let n = line_of(&d.s, "replicas: two");
    let want = format!(
        "line {n}: spec.pytorchReplicaSpecs.Worker.replicas: \"two\" is not of type \"integer\""
    );
    let screen = d
        .until("the schema error", 10, |_, scr| scr.contains(&want))
        .await;
    let marked = screen
        .lines()
        .find(|l| l.contains("replicas: two"))
        .unwrap_or("");
    assert!(
        marked.contains(&format!("✗{n} ")) || marked.contains(&format!("x{n} ")),
        "{marked}"
    );

    // Submitting refuses before sending; nothing is created; the draft is on disk.
    d.keys(&["ctrl-s"]);
    d.until("the local refusal", 10, |_, scr| {
        scr.contains("fix this first")
    })
    .await;
    assert!(!exists(&emu, "ed-ddp").await);
    let file = persist::draft_path(&paths.drafts_dir(), DRAFT);
    d.until("the draft on disk", 10, |_, _| {
        std::fs::read_to_string(&file).is_ok_and(|t| t.contains("replicas: two"))
    })
    .await;

    // A restart: a new state and runtime find the draft again.
    drop(d);
    let mut d = driver(&emu, None, Some(paths.clone())).await;
    launch_in_editor(&mut d, "ed-ddp").await;
    let screen = d
        .until("the restored draft and its error", 30, |_, scr| {
            scr.contains("your draft restored") && scr.contains("is not of type \"integer\"")
        })
        .await;
    assert!(screen.contains("replicas: two"), "{screen}");

    // Fixed, it goes through the dry run and the create, and the job's
    // details open; the draft is gone.
    d.keys(&["ctrl-f"]);
    d.keys(&["ctrl-u"]);
    d.text("replicas: two");
    d.keys(&["enter", "end", "backspace", "backspace", "backspace"]);
    d.text("2");
    d.until("valid again", 10, |_, scr| {
        scr.contains("fits the schema of")
    })
    .await;
    d.keys(&["ctrl-s"]);
    d.until("the created job's details", 60, |s, scr| {
        s.view().as_any().downcast_ref::<JobDetail>().is_some()
            && scr.contains("ml-research/ed-ddp")
    })
    .await;
    assert!(exists(&emu, "ed-ddp").await);
    assert!(!d.s.drafts.contains_key(DRAFT));

    // Clone: `c` on a job opens a cleaned copy under a new name.
    d.keys(&["esc"]);
    d.keys(&["/"]);
    d.keys(&["ctrl-u"]);
    d.text("resnet50-ddp");
    d.keys(&["enter", "c"]);
    let text = editor(&d.s).map(|e| e.editor.text()).expect("the editor");
    assert!(text.contains("name: resnet50-ddp-copy"), "{text}");
    for gone in [
        "status:",
        "uid:",
        "resourceVersion:",
        "creationTimestamp:",
        "managedFields:",
    ] {
        assert!(!text.contains(gone), "{gone} stripped:\n{text}");
    }
    d.until("the clone fits", 30, |_, scr| {
        scr.contains("fits the schema of")
    })
    .await;
    d.keys(&["ctrl-s"]);
    d.until("the clone's details", 60, |s, scr| {
        s.view().as_any().downcast_ref::<JobDetail>().is_some()
            && scr.contains("ml-research/resnet50-ddp-copy")
    })
    .await;
    assert!(exists(&emu, "resnet50-ddp-copy").await);

    // Alice may create jobs in her namespace but not read CRDs: told so,
    // the server's dry run checks, its 422 cause at the line.
    let mut a = driver(&emu, Some(DemoUser::Alice.context()), None).await;
    launch_in_editor(&mut a, "alice-ddp").await;
    a.until("the CRD refusal", 30, |_, scr| {
        scr.contains("you may not read the CRD pytorchjobs.kubeflow.org")
    })
    .await;
    break_replicas(&mut a);
    let n = line_of(&a.s, "replicas: two");
    assert!(
        editor(&a.s).is_some_and(|e| e.problems.is_empty()),
        "no local check"
    );
    a.keys(&["ctrl-s"]);
    let want = format!("line {n}: spec.pytorchReplicaSpecs.Worker.replicas: Invalid value");
    let screen = a
        .until("the dry run's 422 at its line", 30, |_, scr| {
            scr.contains(&want)
        })
        .await;
    assert!(screen.contains("must be of type integer"), "{screen}");
    assert!(screen.contains("dry run: invalid"), "{screen}");
    assert!(
        editor(&a.s).is_some_and(|e| e.editor.text().contains("replicas: two")),
        "text kept"
    );
    assert!(!exists(&emu, "alice-ddp").await);
    emu.shutdown().await;
}
