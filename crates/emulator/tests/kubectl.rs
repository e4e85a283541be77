//! kubectl (if installed) talks to the emulator through the kubeconfig it
//! writes: tables of notebooks and pods, raw discovery, and a watch.
//!
//! kubectl (client-go's clientcmd) sends credentials only over TLS, and the
//! emulator serves plain HTTP, so this runs with anonymous read-only access
//! (`EmulatorConfig::anonymous`, `kftui sim --anonymous-read-only`); writes
//! are then forbidden.

mod common;

use std::process::Command;

fn kubectl_present() -> bool {
    Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_lists_and_watches() {
    if !kubectl_present() {
        eprintln!("note: kubectl not found; skipping the kubectl check");
        return;
    }
    let cfg = kftui_emulator::EmulatorConfig {
        anonymous: Some(kftui_emulator::DemoUser::ReadOnly),
        ..Default::default()
    };
    let emu = kftui_emulator::Emulator::start(cfg).await.expect("start");
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    emu.write_kubeconfig(&kubeconfig).expect("write kubeconfig");
    let run = |args: &[&str]| {
        let kc = kubeconfig.clone();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        async move {
            tokio::task::spawn_blocking(move || {
                let out = Command::new("kubectl")
                    .arg("--kubeconfig")
                    .arg(&kc)
                    .args(&args)
                    .env("KUBECACHEDIR", kc.with_file_name("cache"))
                    .output()
                    .expect("run kubectl");
                let stdout = String::from_utf8_lossy(&out.stdout).to_string();
                let stderr = String::from_utf8_lossy(&out.stderr).to_string();
                (out.status.success(), stdout, stderr)
            })
            .await
            .expect("join")
        }
    };
    let (ok, out, err) = run(&["get", "notebooks", "-n", "ml-research"]).await;
    assert!(ok, "{err}");
    for nb in [
        "jupyter-alice",
        "pytorch-dev",
        "old-experiments",
        "big-gpu-notebook",
    ] {
        assert!(out.contains(nb), "{out}");
    }
    let (ok, out, err) = run(&["get", "pods", "-A"]).await;
    assert!(ok, "{err}");
    assert!(
        out.contains("NAMESPACE") && out.contains("jupyter-alice-0"),
        "{out}"
    );
    let (ok, out, err) = run(&["get", "--raw", "/apis"]).await;
    assert!(ok, "{err}");
    assert!(
        out.contains("kubeflow.org") && out.contains("argoproj.io"),
        "{out}"
    );
    let (ok, out, err) = run(&[
        "get",
        "pods",
        "-n",
        "ml-research",
        "--watch",
        "--request-timeout=2s",
        "-o",
        "name",
    ])
    .await;
    assert!(out.contains("pod/jupyter-alice-0"), "{ok} {out} {err}");
    let (ok, _, err) = run(&["delete", "pod", "jupyter-alice-0", "-n", "ml-research"]).await;
    assert!(!ok && err.to_lowercase().contains("forbidden"), "{err}");
    emu.shutdown().await;
}
