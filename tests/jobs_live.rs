//! The training jobs screens against the API emulator over real HTTP,
//! through the real runtime, one emulator for all of it: the demo jobs of
//! every served kind in one table (PaddleJob, not served, skipped), the
//! failed demo job's replica with its exit code, suspend (pods removed,
//! Suspended) and resume (pods back), delete with confirmation, and the
//! read-only user's refusal with the access review's reason.

use kftui::app::runtime::Runtime;
use kftui::app::state::{Connection, Scope, State};
use kftui::kube::client;
use kftui::kube::kinds;
use kftui::testing::state;
use kftui::views::jobs::detail::JobDetail;
use kftui::views::jobs::form::JobForm;
use kftui::views::registry;
use kftui_emulator::{DemoUser, Emulator, EmulatorConfig};
use serde_json::json;

mod common;

use common::driver::Driver;

async fn driver(emu: &Emulator, context: Option<&str>, scope: Option<&str>) -> Driver {
    let kubeconfig = emu.kubeconfig();
    let (client, info) = client::connect(&kubeconfig, context)
        .await
        .expect("connects");
    let root = registry::open("jobs", None)
        .expect("screen")
        .expect("opens");
    let mut s = state(root);
    s.size = (120, 40);
    s.scope = match scope {
        Some(ns) => Scope::Namespace(ns.into()),
        None => Scope::All,
    };
    s.connection = Connection::Connected(info);
    let rt = Runtime::new(Some(client), Some(kubeconfig), None);
    Driver::new(rt, s)
}

fn row<'a>(screen: &'a str, name: &str) -> &'a str {
    let cell = format!("│{name} ");
    screen.lines().find(|l| l.contains(&cell)).unwrap_or("")
}

fn select(d: &mut Driver, name: &str) {
    d.keys(&["/"]);
    d.keys(&["ctrl-u"]);
    d.text(name);
    d.keys(&["enter"]);
}

fn pods_of(s: &State, job: &str) -> usize {
    s.view()
        .as_any()
        .downcast_ref::<JobDetail>()
        .map(|_| {
            let screen = kftui::testing::render(s);
            screen
                .lines()
                .filter(|l| {
                    l.trim_start_matches('│')
                        .trim_start()
                        .starts_with(&format!("{job}-"))
                })
                .count()
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_jobs_suspend_resume_delete_and_readonly() {
    let emu = Emulator::start(EmulatorConfig::default())
        .await
        .expect("emulator starts");
    let mut d = driver(&emu, None, None).await;

    // Every served kind in one table; PaddleJob is not served and not named.
    let screen = d
        .until("the demo jobs", 30, |_, scr| {
            row(scr, "resnet50-ddp").contains("PyTorchJob")
                && row(scr, "llama-finetune").contains("TrainJob")
                && row(scr, "mnist-tf").contains("Succeeded")
                && row(scr, "bert-finetune").contains("Failed")
        })
        .await;
    let r = row(&screen, "resnet50-ddp");
    assert!(r.contains("M 1/1 W 2/2") || r.contains("Succeeded"), "{r}");
    assert!(
        row(&screen, "resnet50-ddp").contains("PyTorchJob"),
        "{screen}"
    );
    let r = row(&screen, "llama-finetune");
    assert!(
        r.contains("TrainJob")
            && (r.contains("Running 2/2") || r.contains("Succeeded"))
            && r.contains("torch-distributed"),
        "{r}"
    );
    assert!(row(&screen, "mnist-tf").contains("TFJob"), "{screen}");
    assert!(
        !screen.contains("PaddleJob") && !screen.contains("not served"),
        "{screen}"
    );

    // The failed demo job's details say why in the operator's words.
    select(&mut d, "bert-finetune");
    d.keys(&["enter"]);
    d.until("the failed job's details", 30, |_, scr| {
        scr.contains("Failed: PyTorchJob nlp-team/bert-finetune has failed because 1 Master replica(s) failed.")
            && scr.contains("bert-finetune-maste")
    })
    .await;
    d.keys(&["esc"]);

    // A replica killed for memory: the table says Failed, the details
    // name the replica, its exit code and OOMKilled, and its log is there.
    let client = emu.client(DemoUser::Admin).await.expect("client");
    let api: kube::Api<kube::api::DynamicObject> =
        kube::Api::namespaced_with(client, "ml-research", &kinds::PYTORCH_JOB.api_resource());
    let oom: kube::api::DynamicObject = serde_json::from_value(json!({
        "apiVersion": "kubeflow.org/v1", "kind": "PyTorchJob",
        "metadata": {"name": "oom-job", "namespace": "ml-research"},
        "spec": {"pytorchReplicaSpecs": {"Worker": {"replicas": 1, "restartPolicy": "Never",
            "template": {"spec": {"containers": [{"name": "pytorch", "image": "pytorch/pytorch:2.7.1",
                "command": ["sh", "-c", "python3 train.py; exit 137"]}]}}}}},
    }))
    .expect("job");
    api.create(&kube::api::PostParams::default(), &oom)
        .await
        .expect("create");
    select(&mut d, "oom-job");
    d.until("oom-job failed", 60, |_, scr| {
        row(scr, "oom-job").contains("Failed")
    })
    .await;
    d.keys(&["enter"]);
    let screen = d
        .until("the OOMKilled replica", 30, |_, scr| {
            scr.contains("Failure       worker-0 (oom-job-worker-0) exited 137: OOMKilled")
        })
        .await;
    let pod_row = screen
        .lines()
        .find(|l| l.contains("oom-job-worker-0 ") && l.contains("Failed"))
        .unwrap_or_else(|| panic!("replica row:\n{screen}"));
    assert!(
        pod_row.contains("137") && pod_row.contains("OOMKilled"),
        "{pod_row}"
    );
    // Its last log lines, read from the replica's log.
    let screen = d
        .until("the failed replica's log", 30, |_, scr| {
            scr.contains("Last log lines of worker-0") && !scr.contains("(reading…)")
        })
        .await;
    let after = &screen[screen.find("Last log lines of worker-0").unwrap_or(0)..];
    let first = after.lines().nth(1).unwrap_or("");
    assert!(
        first.trim_start_matches('│').trim().len() > 3 && !first.contains("no log"),
        "a log line: {first:?}\n{screen}"
    );
    d.keys(&["esc"]);

    // Launch from the form (50 epochs, so it keeps running): dry run,
    // create, then the new job's details, which follow it to Running.
    d.keys(&["n", "tab"]);
    d.text("live-ddp");
    d.keys(&["tab", "tab", "ctrl-u"]);
    d.text("python3 /opt/pytorch-mnist/mnist.py --epochs=50");
    d.keys(&["ctrl-s"]);
    let screen = d
        .until("the launched job running", 60, |s, scr| {
            s.view().as_any().downcast_ref::<JobDetail>().is_some()
                && scr.contains("ml-research/live-ddp")
                && scr.contains("Status        Running")
                && pods_of(s, "live-ddp") == 3
        })
        .await;
    assert!(
        screen.contains("Command       python3 /opt/pytorch-mnist/mnist.py --epochs=50"),
        "{screen}"
    );

    // Every replica's log, merged and prefixed, from the real log streams.
    d.keys(&["L"]);
    let screen = d
        .until("the merged log", 30, |_, scr| {
            scr.contains("[master-0] ")
                && scr.contains("[worker-0] ")
                && scr.contains("[worker-1] ")
        })
        .await;
    assert!(screen.contains("live-ddp logs"), "{screen}");
    d.keys(&["esc"]);

    // Suspend: the operator removes the pods and says Suspended.
    d.keys(&["s"]);
    let screen = d
        .until("suspended, pods gone", 30, |s, scr| {
            scr.contains("Status        Suspended") && pods_of(s, "live-ddp") == 0
        })
        .await;
    assert!(screen.contains("suspend true"), "{screen}");
    // Resume: pods come back and the job runs again.
    d.keys(&["s"]);
    d.until("resumed, pods back", 60, |s, scr| {
        scr.contains("Status        Running") && pods_of(s, "live-ddp") == 3
    })
    .await;
    d.keys(&["esc"]);

    // The same name again: the server's 409, in words, on the name field.
    d.keys(&["n", "tab"]);
    d.keys(&["ctrl-u"]);
    d.text("live-ddp");
    d.keys(&["ctrl-s"]);
    let screen = d
        .until("the 409", 30, |s, _| {
            s.view()
                .as_any()
                .downcast_ref::<JobForm>()
                .is_some_and(|f| f.error.is_some())
        })
        .await;
    assert!(screen.contains("already exists"), "{screen}");
    d.keys(&["esc"]);

    // More GPUs than any node has: the replicas stay Pending, the details
    // say why first, with the scheduler's event ahead of the others.
    d.keys(&["n", "tab", "ctrl-u"]);
    d.text("too-big");
    d.keys(&[
        "tab", "tab", "tab", "tab", "right", "right", "right", "right",
    ]);
    d.keys(&["ctrl-s"]);
    let screen = d
        .until("the unschedulable replicas", 60, |s, scr| {
            s.view().as_any().downcast_ref::<JobDetail>().is_some()
                && scr.contains("ml-research/too-big")
                && scr.contains("is Pending: 0/")
                && scr.contains("FailedScheduling")
        })
        .await;
    assert!(screen.contains("Insufficient nvidia.com/gpu"), "{screen}");
    assert!(screen.contains("nvidia.com/gpu 8 (each)"), "{screen}");
    let events = &screen[screen.find("Events").expect("events")..];
    let first = events.lines().nth(1).unwrap_or("");
    assert!(
        first.contains("FailedScheduling"),
        "scheduling first:\n{screen}"
    );
    d.keys(&["esc"]);

    // Delete with confirmation: the row goes.
    select(&mut d, "mnist-tf");
    d.keys(&["ctrl-d"]);
    d.keys(&["y"]);
    d.until("mnist-tf gone", 30, |_, scr| {
        row(scr, "mnist-tf").is_empty()
    })
    .await;

    // The read-only user: refused with the access review's reason.
    let mut ro = driver(&emu, Some("kftui-demo-readonly"), Some("ml-research")).await;
    ro.until("the jobs and the access review", 30, |s, scr| {
        row(scr, "resnet50-ddp").contains("PyTorchJob") && !s.access.is_empty()
    })
    .await;
    select(&mut ro, "resnet50-ddp");
    ro.until("access answered", 30, |s, _| {
        s.access
            .iter()
            .any(|(k, _)| k.verb == "patch" && k.kind.kind == "PyTorchJob")
    })
    .await;
    ro.keys(&["s"]);
    let notice = ro.s.notice.clone().expect("a reason");
    assert!(
        notice.text.starts_with("cannot suspend resnet50-ddp"),
        "{}",
        notice.text
    );
    assert!(notice.text.contains("may not patch"), "{}", notice.text);
}
