//! The Dex password prompt on the runs screen, through the real runtime
//! against the emulator's Kubeflow endpoint and Dex, with no password in the
//! environment: the prompt opens, shows dots and never a character of the
//! password; a wrong password says so and asks again; the right one lists
//! the runs; an expired cookie asks again.

use kftui::app::state::{Connection, Scope};
use kftui::kube::{client, dex};
use kftui::views::runs::RunsView;
use kftui_emulator::proxy::dex as emu_dex;
use kftui_emulator::{DemoUser, Emulator, EmulatorConfig};

mod common;

fn prompt_open(s: &kftui::app::state::State) -> bool {
    s.stack
        .last()
        .and_then(|v| v.as_any().downcast_ref::<RunsView>())
        .is_some_and(|v| v.login.is_some())
}

/// No run of four or more characters of `pw` on the screen.
fn hides(screen: &str, pw: &str) -> bool {
    let chars: Vec<char> = pw.chars().collect();
    chars
        .windows(4)
        .map(|w| w.iter().collect::<String>())
        .all(|w| !screen.contains(&w))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_is_asked_masked_and_asked_again_when_wrong_or_expired() {
    // SAFETY: the only test in this binary; nothing else reads the env now.
    unsafe { std::env::remove_var(dex::PASSWORD_ENV) };
    let emu = Emulator::start(EmulatorConfig::default())
        .await
        .expect("emulator starts");
    let url = emu.url();
    let kubeconfig = emu.kubeconfig();
    let (kc, info) = client::connect(&kubeconfig, None).await.expect("connects");
    let root = kftui::views::registry::open("runs", None)
        .expect("screen")
        .expect("opens");
    let mut s = kftui::testing::state(root);
    s.size = (120, 40);
    s.scope = Scope::Namespace("ml-research".into());
    s.connection = Connection::Connected(info);
    s.config.kfp.endpoint_url = Some(url.clone());
    s.config.kfp.dex_login = Some("alice@example.com".into());
    let rt = kftui::app::runtime::Runtime::new(Some(kc), Some(kubeconfig), None);
    let mut d = common::driver::Driver::new(rt, s);

    let screen = d
        .until("the password prompt", 30, |s, _| prompt_open(s))
        .await;
    assert!(
        screen.contains("The Dex login needs the password of alice@example.com"),
        "{screen}"
    );
    assert!(
        screen.contains(&format!("{url} as alice@example.com")),
        "{screen}"
    );

    // A wrong password: dots while typing, never the characters.
    let wrong = "Zq9!Xv#Kp7w";
    for (i, c) in wrong.chars().enumerate() {
        d.text(&c.to_string());
        let screen = kftui::testing::render(&d.s);
        assert!(hides(&screen, wrong), "typed text shows: {screen}");
        assert!(
            screen.contains(&format!("Password: {}▏", "•".repeat(i + 1))),
            "{screen}"
        );
    }
    d.keys(&["backspace"]);
    assert!(
        kftui::testing::render(&d.s)
            .contains(&format!("Password: {}▏", "•".repeat(wrong.len() - 1)))
    );
    d.text("w");
    d.keys(&["enter"]);
    let screen = d
        .until("the wrong password said", 30, |_, scr| {
            scr.contains("Wrong password")
        })
        .await;
    assert!(
        screen.contains("Wrong password for alice@example.com: try again."),
        "{screen}"
    );
    assert!(
        screen.contains("Password: ▏"),
        "the field is emptied: {screen}"
    );
    assert!(hides(&screen, wrong), "{screen}");

    // The right one: the runs through the Dex path.
    let right = emu_dex::password(DemoUser::Alice);
    d.text(&right);
    let typed = kftui::testing::render(&d.s);
    assert!(
        !typed.contains(&right) && !typed.contains("alice-pass"),
        "{typed}"
    );
    assert!(
        typed.contains(&"•".repeat(right.chars().count())),
        "{typed}"
    );
    d.keys(&["enter"]);
    let screen = d
        .until("the runs through the Dex path", 30, |s, scr| {
            !prompt_open(s)
                && scr.contains("Dex login as alice@example.com")
                && scr.contains("training-experiments")
        })
        .await;
    assert!(!screen.contains(&right), "{screen}");

    // The cookie expires: the next request asks again.
    emu_dex::expire_sessions();
    d.keys(&["ctrl-r"]);
    let screen = d
        .until("the prompt after the cookie expired", 30, |s, _| {
            prompt_open(s)
        })
        .await;
    assert!(
        screen.contains("The Dex session expired: log in again."),
        "{screen}"
    );
    d.text(&right);
    d.keys(&["enter"]);
    d.until("the runs again", 30, |s, scr| {
        !prompt_open(s) && scr.contains("Dex login as alice@example.com")
    })
    .await;

    // esc declines: the screen says the Workflows alone are in use.
    emu_dex::expire_sessions();
    d.keys(&["ctrl-r"]);
    d.until("the prompt once more", 30, |s, _| prompt_open(s))
        .await;
    d.keys(&["esc"]);
    let screen = d
        .until("the declined login said", 30, |s, scr| {
            !prompt_open(s) && scr.contains("the Dex login was cancelled")
        })
        .await;
    assert!(screen.contains("source: Argo Workflows only"), "{screen}");

    // The login request's Debug (what a log line would show) hides it.
    let op = kftui::kube::types::ApiOp::DexLogin {
        url,
        login: "alice@example.com".into(),
        password: dex::Password::new(right.clone()),
    };
    assert!(!format!("{op:?}").contains(&right));
}
