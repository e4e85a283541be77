//! The Dex login path to the KFP API through the Kubeflow endpoint, against
//! the emulator over real HTTP: a wrong password is refused in words, the
//! right one gives an `authservice_session` cookie, the runs listed with it
//! are the runs the service proxy lists, and an expired cookie says so.

use kftui::kube::{client, dex, kfp};
use kftui_emulator::proxy::dex as emu_dex;
use kftui_emulator::{DemoUser, Emulator, EmulatorConfig};
use serde_json::Value;

mod common;

fn run_ids(v: &Value) -> Vec<String> {
    let mut ids: Vec<String> = v["runs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["run_id"].as_str().map(String::from))
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dex_login_right_and_wrong_and_runs_through_the_endpoint() {
    let emu = Emulator::start(EmulatorConfig::default())
        .await
        .expect("emulator starts");
    let url = emu.url();
    let alice = DemoUser::Alice;

    let wrong = dex::login(&url, alice.username(), "not-the-password")
        .await
        .expect_err("wrong password");
    assert_eq!(wrong.reason, dex::WRONG_PASSWORD, "{wrong}");
    assert!(
        wrong
            .to_string()
            .contains("refused the password for alice@example.com"),
        "{wrong}"
    );
    let unknown = dex::login(&url, "mallory@example.com", &emu_dex::password(alice))
        .await
        .expect_err("unknown user");
    assert_eq!(unknown.reason, dex::WRONG_PASSWORD, "{unknown}");

    let session = dex::login(&url, alice.username(), &emu_dex::password(alice))
        .await
        .expect("logs in");
    assert!(!session.cookie.is_empty());
    assert!(
        !format!("{session:?}").contains(&session.cookie),
        "Debug hides the cookie"
    );
    assert_eq!(
        session.label(),
        format!("{url}, Dex login as alice@example.com")
    );

    let op = kfp::Endpoint::default().list_runs("ml-research");
    let kftui::kube::types::ApiOp::Proxy { path, .. } = op else {
        panic!("a proxy op");
    };
    let via_dex = session
        .request("GET", &path, None)
        .await
        .expect("runs via Dex");
    let ids = run_ids(&via_dex);
    assert!(ids.len() >= 3, "the demo runs of ml-research: {ids:?}");

    let (kube, _) = client::connect(&emu.kubeconfig(), None)
        .await
        .expect("connects");
    let via_proxy = kfp::request(
        kube.client,
        "kubeflow",
        "ml-pipeline",
        8888,
        "GET",
        &path,
        None,
    )
    .await
    .expect("runs via the service proxy");
    assert_eq!(ids, run_ids(&via_proxy), "both paths list the same runs");

    // A session that expired: said in words, so the screen asks again.
    emu_dex::expire_sessions();
    let expired = session
        .request("GET", &path, None)
        .await
        .expect_err("expired");
    assert_eq!(expired.reason, dex::SESSION_EXPIRED, "{expired}");
    assert!(expired.to_string().contains("log in again"), "{expired}");
    let again = dex::login(&url, alice.username(), &emu_dex::password(alice))
        .await
        .expect("logs in again");
    assert_eq!(
        run_ids(&again.request("GET", &path, None).await.expect("runs")),
        ids
    );

    // The path the runs screens take when the config names the endpoint:
    // the password from the environment, logged in on first use and again
    // after the cookie expires.
    let endpoint = kftui::app::config::Config::parse(
        &format!("[kfp]\nendpoint_url = \"{url}\"\ndex_login = \"alice@example.com\"\n"),
        "c.toml",
    )
    .expect("config")
    .kfp
    .endpoint();
    let op = endpoint.list_runs("ml-research");
    assert!(
        op.describe()
            .starts_with(&format!("GET {url}/pipeline/apis/v2beta1/runs"))
    );
    let none = kftui::kube::ops::perform(kube_client(&emu).await, op.clone())
        .await
        .expect_err("no password yet");
    assert!(
        none.to_string().contains("set KFTUI_DEX_PASSWORD"),
        "{none}"
    );
    // SAFETY: the only test in this binary; nothing else reads the env now.
    unsafe { std::env::set_var(dex::PASSWORD_ENV, emu_dex::password(alice)) };
    let listed = kftui::kube::ops::perform(kube_client(&emu).await, op.clone())
        .await
        .expect("runs via the configured Dex path");
    assert_eq!(run_ids(&listed), ids);
    emu_dex::expire_sessions();
    let relisted = kftui::kube::ops::perform(kube_client(&emu).await, op.clone())
        .await
        .expect("logs in again after the cookie expired");
    assert_eq!(run_ids(&relisted), ids);
    unsafe { std::env::set_var(dex::PASSWORD_ENV, "wrong") };
    emu_dex::expire_sessions();
    let refused = kftui::kube::ops::perform(kube_client(&emu).await, op)
        .await
        .expect_err("wrong password");
    assert_eq!(refused.reason, dex::WRONG_PASSWORD, "{refused}");

    // The runs screen through the real runtime with that config: the runs
    // listed, the source line naming the Dex path.
    unsafe { std::env::set_var(dex::PASSWORD_ENV, emu_dex::password(alice)) };
    let kubeconfig = emu.kubeconfig();
    let (kc, info) = client::connect(&kubeconfig, None).await.expect("connects");
    let root = kftui::views::registry::open("runs", None)
        .expect("screen")
        .expect("opens");
    let mut s = kftui::testing::state(root);
    s.size = (160, 40);
    s.scope = kftui::app::state::Scope::Namespace("ml-research".into());
    s.connection = kftui::app::state::Connection::Connected(info);
    s.config.kfp.endpoint_url = Some(url.clone());
    s.config.kfp.dex_login = Some("alice@example.com".into());
    let rt = kftui::app::runtime::Runtime::new(Some(kc), Some(kubeconfig), None);
    let mut d = common::driver::Driver::new(rt, s);
    let screen = d
        .until("the runs through the Dex path", 30, |_, scr| {
            scr.contains("Dex login as alice@example.com") && scr.contains("training-experiments")
        })
        .await;
    assert!(
        screen.contains(&format!(
            "source: KFP API ({url}/pipeline, Kubeflow endpoint"
        )),
        "{screen}"
    );
    assert!(screen.contains("✖ Failed"), "{screen}");
}

async fn kube_client(emu: &Emulator) -> kube::Client {
    client::connect(&emu.kubeconfig(), None)
        .await
        .expect("connects")
        .0
        .client
}
