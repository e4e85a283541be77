//! `kftui launch -f job.yaml [--watch]` end to end: the real binary against
//! the API emulator (simulated time sped up), one emulator for all cases: a
//! job that succeeds (exit 0), one that fails (exit 1, the operator's
//! reason), a name that is taken (409 at the dry run), a YAML syntax error
//! (line and column) and a kind that is not a training job.

use std::path::Path;

use kftui_emulator::{Emulator, EmulatorConfig};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

async fn launch(kubeconfig: &Path, file: &Path, watch: bool) -> Run {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_kftui"));
    cmd.arg("--kubeconfig")
        .arg(kubeconfig)
        .args(["-n", "ml-research", "launch", "-f"])
        .arg(file)
        .env("KFTUI_LOG", "warn");
    if watch {
        cmd.arg("--watch");
    }
    let out = tokio::time::timeout(std::time::Duration::from_secs(120), cmd.output())
        .await
        .expect("kftui launch finishes in time")
        .expect("kftui runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn job_yaml(name: &str, command: &str) -> String {
    format!(
        r#"apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: {name}
spec:
  pytorchReplicaSpecs:
    Worker:
      replicas: 1
      restartPolicy: Never
      template:
        spec:
          containers:
            - name: pytorch
              image: docker.io/kubeflowkatib/pytorch-mnist-gpu:v0.19.0
              command: ["sh", "-c", "{command}"]
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_creates_watches_and_exits_with_the_outcome() {
    let emu = Emulator::start(EmulatorConfig {
        speed: 30.0,
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    emu.write_kubeconfig(&kubeconfig).expect("kubeconfig");
    let file = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    };

    // Succeeds: created after a dry run, followed to Succeeded, exit 0.
    let ok = file(
        "ok.yaml",
        &job_yaml("cli-ok", "python3 /opt/train.py --epochs=1"),
    );
    let r = launch(&kubeconfig, &ok, true).await;
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("dry run: PyTorchJob ml-research/cli-ok is accepted"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("created PyTorchJob ml-research/cli-ok"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("PyTorchJob ml-research/cli-ok: Succeeded"),
        "{}",
        r.stdout
    );

    assert!(
        r.stdout.lines().any(|l| l.starts_with("[worker-0] ")),
        "the leader's log follows: {}",
        r.stdout
    );

    // The same name again: the dry run is refused in the server's words.
    let r = launch(&kubeconfig, &ok, false).await;
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("dry run refused") && r.stdout.contains("already exists"),
        "{}",
        r.stdout
    );

    // Fails: exit 1 with the operator's reason.
    let bad = file(
        "bad.yaml",
        &job_yaml("cli-bad", "python3 /opt/train.py; exit 1"),
    );
    let r = launch(&kubeconfig, &bad, true).await;
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("cli-bad: Failed"), "{}", r.stdout);
    assert!(
        r.stdout.contains(
            "failed: PyTorchJob ml-research/cli-bad has failed because 1 Worker replica(s) failed."
        ),
        "{}",
        r.stdout
    );

    // Nothing is created from a file with a syntax error or a wrong kind.
    let broken = file(
        "broken.yaml",
        "apiVersion: kubeflow.org/v1\nkind: PyTorchJob\nmetadata: [oops\n",
    );
    let r = launch(&kubeconfig, &broken, false).await;
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("broken.yaml") && r.stderr.contains("line"),
        "{}",
        r.stderr
    );
    let deploy = file(
        "deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
    );
    let r = launch(&kubeconfig, &deploy, false).await;
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("is not a training job kind"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty(), "nothing sent: {}", r.stdout);
}
