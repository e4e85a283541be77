//! `run_sim` (what `kftui sim` runs) serves the demo cluster and writes a
//! kubeconfig that kube-rs can load.

use std::time::Duration;

use clap::Parser;
use k8s_openapi::api::core::v1::Namespace;
use kftui_emulator::{SimArgs, run_sim};
use kube::api::{Api, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    sim: SimArgs,
}

#[tokio::test]
async fn sim_writes_a_working_kubeconfig() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("kubeconfig");
    let cli = Cli::parse_from([
        "kftui-sim",
        "--kubeconfig-out",
        path.to_str().expect("utf8"),
        "--speed",
        "5",
        "--seed",
        "7",
    ]);
    let sim = tokio::spawn(run_sim(cli.sim.clone()));
    let mut tries = 0;
    while !path.exists() && tries < 100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        tries += 1;
    }
    let kubeconfig = Kubeconfig::read_from(&path).expect("kubeconfig written");
    assert_eq!(kubeconfig.current_context.as_deref(), Some("kftui-demo"));
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .expect("config");
    assert_eq!(config.default_namespace, "ml-research");
    let client = kube::Client::try_from(config).expect("client");
    let namespaces = Api::<Namespace>::all(client)
        .list(&ListParams::default())
        .await
        .expect("list");
    let names: Vec<_> = namespaces
        .items
        .iter()
        .filter_map(|n| n.metadata.name.as_deref())
        .collect();
    for ns in [
        "ml-research",
        "vision-team",
        "nlp-team",
        "kubeflow",
        "kube-system",
        "default",
    ] {
        assert!(names.contains(&ns), "{names:?}");
    }
    sim.abort();
}
