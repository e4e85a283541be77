//! The notebooks screens against the API emulator over real HTTP, through the
//! real runtime (watches, API calls, access reviews, port-forwards): create
//! (valid and refused), stop, start, delete, connect with an HTTP GET through
//! the forward, the read-only user's 403, and the table following watch events
//! with no refresh key.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use kftui::app::effect::Effect;
use kftui::app::runtime::Runtime;
use kftui::app::state::{Connection, Scope, State};
use kftui::kube::client;
use kftui::kube::kinds;
use kftui::kube::types::{ApiOp, ObjRef, PatchBody};
use kftui::testing::{render, state};
use kftui::views::notebooks::NotebooksView;
use kftui::views::notebooks::form::NotebookForm;
use kftui::views::registry;
use kftui_emulator::{Emulator, EmulatorConfig};

mod common;

use common::driver::Driver;
use serde_json::json;

struct Live {
    emu: Emulator,
    d: Driver,
}

impl std::ops::Deref for Live {
    type Target = Driver;
    fn deref(&self) -> &Driver {
        &self.d
    }
}

impl std::ops::DerefMut for Live {
    fn deref_mut(&mut self) -> &mut Driver {
        &mut self.d
    }
}

impl Live {
    async fn start(context: Option<&str>) -> Live {
        let emu = Emulator::start(EmulatorConfig::default())
            .await
            .expect("emulator starts");
        let kubeconfig = emu.kubeconfig();
        let (client, info) = client::connect(&kubeconfig, context)
            .await
            .expect("connects");
        let root = registry::open("nb", None).expect("screen").expect("opens");
        let mut s = state(root);
        s.size = (120, 40);
        s.scope = Scope::Namespace(info.namespace.clone());
        s.connection = Connection::Connected(info);
        let rt = Runtime::new(Some(client), Some(kubeconfig), None);
        Live {
            emu,
            d: Driver::new(rt, s),
        }
    }

    /// Steps the loop until `done` holds on the state and screen (30 s at most).
    async fn until(&mut self, what: &str, done: impl Fn(&State, &str) -> bool) -> String {
        self.d.until(what, 30, done).await
    }

    /// Moves the selection to the row of `name` with the filter.
    fn select(&mut self, name: &str) {
        self.keys(&["/"]);
        self.keys(&["ctrl-u"]);
        self.text(name);
        self.keys(&["enter"]);
    }
}

fn row<'a>(screen: &'a str, name: &str) -> &'a str {
    // A table row starts at the border with the name (the title may hold the filter).
    let cell = format!("│{name} ");
    screen.lines().find(|l| l.contains(&cell)).unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_stop_start_delete_follow_the_watch() {
    let mut l = Live::start(None).await;
    l.until("the demo notebooks", |_, scr| scr.contains("jupyter-alice"))
        .await;

    // Create through the form: dry runs, then PVC and Notebook for real.
    l.keys(&["n"]);
    l.text("live-nb");
    l.keys(&["ctrl-s"]);
    let screen = l
        .until("the new notebook running", |s, scr| {
            s.view().as_any().downcast_ref::<NotebookForm>().is_none()
                && row(scr, "live-nb").contains("Running")
        })
        .await;
    assert!(row(&screen, "live-nb").contains("live-nb"), "{screen}");

    // Stop: the annotation is set, the pod goes, the row says Stopped.
    l.select("live-nb");
    l.keys(&["s"]);
    l.until("stopped", |_, scr| row(scr, "live-nb").contains("Stopped"))
        .await;
    // Start again.
    l.keys(&["s"]);
    l.until("running again", |_, scr| {
        let r = row(scr, "live-nb");
        r.contains("Running") || r.contains("Starting")
    })
    .await;

    // A change made by someone else shows up without a key press.
    let client = l
        .emu
        .client(kftui_emulator::DemoUser::Admin)
        .await
        .expect("client");
    let api: kube::Api<kube::api::DynamicObject> = kube::Api::namespaced_with(
        client,
        "ml-research",
        &kube::discovery::ApiResource::from_gvk_with_plural(
            &kube::core::GroupVersionKind::gvk("kubeflow.org", "v1", "Notebook"),
            "notebooks",
        ),
    );
    api.patch(
        "pytorch-dev",
        &kube::api::PatchParams::default(),
        &kube::api::Patch::Merge(json!({"metadata": {"annotations": {"kubeflow-resource-stopped": "2026-01-01T00:00:00Z"}}})),
    )
    .await
    .expect("patch");
    l.select("pytorch");
    l.until("pytorch-dev stopped by another client", |_, scr| {
        row(scr, "pytorch-dev").contains("Stopped")
    })
    .await;

    // Delete with confirmation: the row goes.
    l.select("live-nb");
    l.keys(&["ctrl-d", "y"]);
    l.until("the notebook gone", |_, scr| {
        !scr.lines().any(|r| {
            r.contains("live-nb")
                && ["Running", "Starting", "Stopped", "Terminating"]
                    .iter()
                    .any(|w| r.contains(w))
        })
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_create_keeps_the_form_and_says_why() {
    let mut l = Live::start(None).await;
    l.until("the demo notebooks", |_, scr| scr.contains("jupyter-alice"))
        .await;
    l.keys(&["n"]);
    l.text("jupyter-alice"); // exists already: the server's dry run says 409
    l.keys(&["ctrl-s"]);
    let screen = l
        .until("the server's answer", |s, _| {
            s.view()
                .as_any()
                .downcast_ref::<NotebookForm>()
                .is_some_and(|f| f.error.is_some())
        })
        .await;
    let form =
        l.s.view()
            .as_any()
            .downcast_ref::<NotebookForm>()
            .expect("the form stays open");
    assert!(
        form.error
            .as_deref()
            .unwrap_or("")
            .contains("already exists"),
        "{:?}\n{screen}",
        form.error
    );
    assert_eq!(
        form.value(kftui::views::notebooks::form::F::Name),
        "jupyter-alice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_forwards_a_port_to_the_notebook() {
    let mut l = Live::start(None).await;
    l.until("jupyter-alice running", |_, scr| {
        row(scr, "jupyter-alice").contains("Running")
    })
    .await;
    l.select("jupyter-alice");
    // The pods watch may lag the notebooks watch: wait for the joined pod.
    l.until("jupyter-alice's pod", |s, _| {
        s.view()
            .as_any()
            .downcast_ref::<NotebooksView>()
            .and_then(|v| v.selected())
            .is_some_and(|r| r.pod.is_some())
    })
    .await;
    l.keys(&["ctrl-o"]);
    l.until("the forward's local port", |s, _| {
        s.forwards.iter().any(|f| f.local_port.is_some())
    })
    .await;
    let port = l.s.forwards[0].local_port.expect("port");
    let screen = render(&l.s);
    let url = format!("http://127.0.0.1:{port}/notebook/ml-research/jupyter-alice/");
    assert!(
        screen.contains(&url) || l.s.notice.as_ref().is_some_and(|n| n.text.contains(&url)),
        "the URL is shown: {url}\n{screen}"
    );
    // An HTTP GET through the forward reaches the notebook's server. The
    // runtime keeps serving the forward while this thread reads.
    let body = tokio::task::spawn_blocking(move || {
        let mut conn = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        conn.set_read_timeout(Some(Duration::from_secs(10))).ok();
        write!(
            conn,
            "GET /notebook/ml-research/jupyter-alice/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        .expect("write");
        let mut out = String::new();
        let _ = conn.read_to_string(&mut out);
        out
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    while !body.is_finished() && Instant::now() < deadline {
        l.d.rt
            .step(&mut l.d.s, Some(Instant::now() + Duration::from_millis(50)))
            .await;
    }
    let body = body.await.expect("GET finishes");
    assert!(body.starts_with("HTTP/1.1 200"), "{body}");
    assert!(body.contains("jupyter-alice"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_read_only_user_gets_reasons_not_errors() {
    let mut l = Live::start(Some("kftui-demo-readonly")).await;
    l.until("the demo notebooks", |_, scr| scr.contains("jupyter-alice"))
        .await;
    // The access review answers: actions are disabled with the reason.
    l.select("jupyter-alice");
    // The review of this very action (others may answer first).
    l.until("the access review of patching notebooks", |s, _| {
        s.access
            .keys()
            .any(|k| k.verb == "patch" && k.kind.kind == "Notebook")
    })
    .await;
    l.keys(&["s"]);
    let notice = l.s.notice.clone().expect("a reason");
    assert!(
        notice.text.contains("may not patch notebooks"),
        "{}",
        notice.text
    );

    // And the server itself says 403 in plain words if asked anyway.
    let target = ObjRef {
        kind: &kinds::NOTEBOOK,
        namespace: Some("ml-research".into()),
        name: "jupyter-alice".into(),
    };
    l.d.rt.perform(
        &l.d.s,
        vec![Effect::Api {
            id: 9_999,
            op: ApiOp::Patch {
                target,
                patch: PatchBody::Merge(json!({"metadata": {"labels": {"x": "y"}}})),
                dry_run: false,
            },
        }],
    );
    l.until("the 403", |s, _| {
        s.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("not allowed"))
    })
    .await;
}
