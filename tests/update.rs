//! The pure update: navigation, prompt, filter, commands, dialogs and data,
//! driven with key presses exactly as a user would.

use kftui::app::effect::Effect;
use kftui::app::msg::Msg;
use kftui::app::state::{Level, Scope};
use kftui::app::update::subscriptions;
use kftui::kube::kinds;
use kftui::kube::types::{ApiOp, LogSpec, LogUpdate, SyncStatus, WatchKey, WatchUpdate};
use kftui::testing::{load, pod, press, render, send, state, type_text};
use kftui::views::registry;
use kftui::views::resources::ResourceList;

fn pods_state() -> kftui::app::state::State {
    let root = registry::open("pods", None).expect("pods").expect("opens");
    let mut s = state(root);
    let key = WatchKey::in_namespace(&kinds::POD, Some("ml-research"));
    load(
        &mut s,
        key,
        vec![
            pod("ml-research", "trainer-0", "Running", 600),
            pod("ml-research", "alpha-0", "Pending", 30),
            pod("ml-research", "beta-0", "Failed", 7200),
        ],
    );
    s
}

fn selected_name(s: &kftui::app::state::State) -> String {
    let list = s
        .view()
        .as_any()
        .downcast_ref::<ResourceList>()
        .expect("a list view");
    // Rows read through their accessors: a pod row holds the pod's
    // projection, not an object.
    list.selected()
        .map(|r| r.name().to_string())
        .unwrap_or_default()
}

#[test]
fn list_navigation_and_view_stack() {
    let mut s = pods_state();
    assert_eq!(selected_name(&s), "alpha-0", "sorted by name");
    press(&mut s, &["j"]);
    assert_eq!(selected_name(&s), "beta-0");
    press(&mut s, &["G"]);
    assert_eq!(selected_name(&s), "trainer-0");
    press(&mut s, &["k", "g"]);
    assert_eq!(selected_name(&s), "alpha-0");

    press(&mut s, &["y"]);
    assert_eq!(s.breadcrumbs(), vec!["pods", "alpha-0 yaml"]);
    assert!(render(&s).contains("name: alpha-0"));
    press(&mut s, &["esc"]);
    assert_eq!(s.breadcrumbs(), vec!["pods"]);
    press(&mut s, &["d"]);
    assert_eq!(s.breadcrumbs(), vec!["pods", "alpha-0 describe"]);
    assert!(render(&s).contains("Status:       Pending"));
    press(&mut s, &["q"]);
    assert_eq!(s.breadcrumbs(), vec!["pods"], "q closes a pager view");
    press(&mut s, &["esc"]);
    assert_eq!(s.stack.len(), 1, "esc at the root stays");
    assert!(!s.quit);
    let effects = press(&mut s, &["q"]);
    assert!(s.quit && effects.contains(&Effect::Quit));
}

#[test]
fn selection_follows_the_object_across_watch_updates() {
    let mut s = pods_state();
    press(&mut s, &["j"]);
    assert_eq!(selected_name(&s), "beta-0");
    let key = WatchKey::in_namespace(&kinds::POD, Some("ml-research"));
    send(
        &mut s,
        Msg::Watch(
            key.clone(),
            WatchUpdate::Applied(pod("ml-research", "aaa-0", "Running", 1)),
        ),
    );
    assert_eq!(
        selected_name(&s),
        "beta-0",
        "a row added above keeps the selection"
    );
    send(
        &mut s,
        Msg::Watch(
            key,
            WatchUpdate::Deleted(pod("ml-research", "beta-0", "Failed", 1)),
        ),
    );
    assert_eq!(
        selected_name(&s),
        "trainer-0",
        "deleted row: next one is selected"
    );
}

#[test]
fn filter_applies_live_and_esc_restores() {
    let mut s = pods_state();
    press(&mut s, &["/"]);
    type_text(&mut s, "tra");
    let screen = render(&s);
    assert!(screen.contains("/tra"), "{screen}");
    assert!(
        screen.contains("trainer-0") && !screen.contains("beta-0"),
        "{screen}"
    );
    press(&mut s, &["enter"]);
    assert!(s.prompt.is_none());
    assert!(render(&s).contains("</tra>"));

    press(&mut s, &["/", "ctrl-u"]);
    type_text(&mut s, "!tra");
    let screen = render(&s);
    assert!(
        !screen.contains("trainer-0") && screen.contains("beta-0"),
        "{screen}"
    );
    press(&mut s, &["esc"]);
    let screen = render(&s);
    assert!(
        screen.contains("trainer-0") && !screen.contains("beta-0"),
        "esc restores /tra: {screen}"
    );
    press(&mut s, &["esc"]);
    assert!(
        render(&s).contains("beta-0"),
        "esc on the list clears the filter"
    );
}

#[test]
fn label_filter_goes_to_the_server() {
    let mut s = pods_state();
    press(&mut s, &["/"]);
    type_text(&mut s, "-l app=trainer");
    press(&mut s, &["enter"]);
    let subs = subscriptions(&s);
    let key = WatchKey::in_namespace(&kinds::POD, Some("ml-research"))
        .with_labels(Some("app=trainer".into()));
    assert!(subs.watches.contains(&key), "{:?}", subs.watches);
    assert_eq!(subs.watches.len(), 1);
    // The old unfiltered set is dropped from the store.
    assert!(
        s.store
            .get(&WatchKey::in_namespace(&kinds::POD, Some("ml-research")))
            .is_none()
    );

    press(&mut s, &["/"]);
    press(&mut s, &["ctrl-u"]);
    type_text(&mut s, "-l =bad");
    assert_eq!(s.notice.as_ref().map(|n| n.level), Some(Level::Error));
}

#[test]
fn command_mode_switches_namespace_and_screens() {
    let mut s = pods_state();
    press(&mut s, &[":"]);
    type_text(&mut s, "ns vision-team");
    let effects = press(&mut s, &["enter"]);
    assert_eq!(s.scope, Scope::Namespace("vision-team".into()));
    assert!(effects.contains(&Effect::SaveState));
    let subs = subscriptions(&s);
    assert!(
        subs.watches
            .contains(&WatchKey::in_namespace(&kinds::POD, Some("vision-team")))
    );
    assert!(render(&s).contains("ns:vision-team"));

    press(&mut s, &[":"]);
    type_text(&mut s, "ns -A");
    press(&mut s, &["enter"]);
    assert_eq!(s.scope, Scope::All);
    assert!(
        subscriptions(&s)
            .watches
            .contains(&WatchKey::all(&kinds::POD))
    );
    assert!(
        render(&s).contains("NAMESPACE"),
        "all-namespaces shows the column"
    );

    press(&mut s, &["0"]);
    assert_eq!(
        s.scope,
        Scope::Namespace("vision-team".into()),
        "0 toggles back to the last namespace"
    );

    press(&mut s, &[":"]);
    type_text(&mut s, "runs");
    press(&mut s, &["enter"]);
    assert_eq!(
        s.breadcrumbs(),
        vec!["runs"],
        "a command replaces the screen"
    );
    assert!(subscriptions(&s).watches.contains(&WatchKey::in_namespace(
        &kinds::WORKFLOW,
        Some("vision-team")
    )));

    // `-` goes back to the screen before the command, and again forward;
    // a screen in the back history holds no watches.
    press(&mut s, &["-"]);
    assert_eq!(s.breadcrumbs(), vec!["pods"]);
    assert!(
        !subscriptions(&s)
            .watches
            .iter()
            .any(|k| std::ptr::eq(k.kind, &kinds::WORKFLOW))
    );
    press(&mut s, &["-"]);
    assert_eq!(s.breadcrumbs(), vec!["runs"]);

    press(&mut s, &[":"]);
    type_text(&mut s, "nonsense");
    press(&mut s, &["enter"]);
    let notice = s.notice.clone().expect("notice");
    assert_eq!(notice.level, Level::Error);
    assert!(notice.text.contains("unknown command"), "{}", notice.text);

    // History: up recalls the last command.
    press(&mut s, &[":", "up"]);
    assert_eq!(
        s.prompt.as_ref().map(|p| p.input.text().to_string()),
        Some("nonsense".into())
    );
    press(&mut s, &["up"]);
    assert_eq!(
        s.prompt.as_ref().map(|p| p.input.text().to_string()),
        Some("runs".into())
    );
    press(&mut s, &["esc"]);
    assert!(s.prompt.is_none());
}

#[test]
fn tab_completes_commands_and_contexts() {
    let mut s = pods_state();
    press(&mut s, &[":"]);
    type_text(&mut s, "kat");
    assert!(render(&s).contains(":katib"), "suggestion shown");
    press(&mut s, &["tab"]);
    assert_eq!(
        s.prompt.as_ref().map(|p| p.input.text().to_string()),
        Some("katib".into())
    );
    press(&mut s, &["ctrl-u"]);
    type_text(&mut s, "ctx kftui-demo-r");
    press(&mut s, &["tab"]);
    assert_eq!(
        s.prompt.as_ref().map(|p| p.input.text().to_string()),
        Some("ctx kftui-demo-readonly".into())
    );
    let effects = press(&mut s, &["enter"]);
    assert!(effects.contains(&Effect::SwitchContext("kftui-demo-readonly".into())));
    press(&mut s, &[":"]);
    type_text(&mut s, "ctx nowhere");
    let effects = press(&mut s, &["enter"]);
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::SwitchContext(_)))
    );
    assert!(
        s.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("no context named"))
    );
}

#[test]
fn delete_asks_first_and_readonly_refuses() {
    let mut s = pods_state();
    press(&mut s, &["ctrl-d"]);
    assert!(s.confirm.is_some());
    assert!(render(&s).contains("Delete Pod ml-research/alpha-0?"));
    let effects = press(&mut s, &["n"]);
    assert!(s.confirm.is_none());
    assert!(!effects.iter().any(|e| matches!(e, Effect::Api { .. })));

    press(&mut s, &["ctrl-d"]);
    // enter on the default (Cancel) button cancels too.
    let effects = press(&mut s, &["enter"]);
    assert!(!effects.iter().any(|e| matches!(e, Effect::Api { .. })));

    press(&mut s, &["ctrl-d"]);
    let effects = press(&mut s, &["y"]);
    let delete = effects.iter().find_map(|e| match e {
        Effect::Api {
            op: ApiOp::Delete { target, dry_run },
            ..
        } => Some((target.clone(), *dry_run)),
        _ => None,
    });
    let (target, dry_run) = delete.expect("a delete request");
    assert_eq!(
        (target.name.as_str(), target.namespace.as_deref(), dry_run),
        ("alpha-0", Some("ml-research"), false)
    );

    s.readonly = Some("read-only (--readonly)".into());
    let effects = press(&mut s, &["ctrl-d"]);
    assert!(s.confirm.is_none() && effects.is_empty());
    assert!(
        s.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("read-only"))
    );
    assert!(render(&s).contains("[read-only]"));
}

#[test]
fn api_errors_reach_the_footer_in_plain_words() {
    let mut s = pods_state();
    send(
        &mut s,
        Msg::Api {
            id: 99,
            what: "delete Pod ml-research/alpha-0".into(),
            result: Err(kftui::kube::errors::ApiFailure::from_status(
                403,
                "Forbidden",
                "pods \"alpha-0\" is forbidden: User \"readonly\" cannot delete resource \"pods\"",
            )),
        },
    );
    let screen = render(&s);
    assert!(
        screen.contains("delete Pod ml-research/alpha-0: not allowed: pods"),
        "{screen}"
    );
}

#[test]
fn help_is_generated_from_the_keymap() {
    let mut s = pods_state();
    press(&mut s, &["?"]);
    let screen = render(&s);
    assert!(screen.contains("help: pods"), "{screen}");
    assert!(
        screen.contains("move down") && screen.contains("j down"),
        "{screen}"
    );
    press(&mut s, &["esc"]);
    assert!(s.help.is_none());
}

#[test]
fn stale_watches_are_marked() {
    let mut s = pods_state();
    let key = WatchKey::in_namespace(&kinds::POD, Some("ml-research"));
    assert!(render(&s).contains("● live"));
    send(
        &mut s,
        Msg::Watch(
            key.clone(),
            WatchUpdate::Status(SyncStatus::Retrying {
                error: "connection refused".into(),
                attempts: 1,
                kind: kftui::kube::errors::FailureKind::Unreachable,
            }),
        ),
    );
    let screen = render(&s);
    assert!(screen.contains("stale 0s, reconnecting"), "{screen}");
    assert!(
        screen.contains("trainer-0"),
        "stale rows stay visible: {screen}"
    );
    send(
        &mut s,
        Msg::Watch(key, WatchUpdate::Status(SyncStatus::Live)),
    );
    assert!(render(&s).contains("● live"));
}

#[test]
fn logs_view_streams_into_a_bounded_buffer() {
    let mut s = pods_state();
    s.config.logs.buffer_lines = 100;
    press(&mut s, &["G", "l"]);
    assert_eq!(s.breadcrumbs(), vec!["pods", "trainer-0 logs"]);
    let subs = subscriptions(&s);
    let spec: LogSpec = subs.logs.iter().next().cloned().expect("a log stream");
    assert_eq!(
        (spec.pod.as_str(), spec.container.as_deref(), spec.follow),
        ("trainer-0", Some("main"), true)
    );
    let lines: Vec<String> = (0..250)
        .map(|i| format!("2025-06-01T11:59:00Z step {i} loss=0.{i}\x1b[31m red"))
        .collect();
    send(&mut s, Msg::Logs(spec.clone(), LogUpdate::Lines(lines)));
    let screen = render(&s);
    assert!(
        screen.contains("step 249 loss"),
        "follows the end: {screen}"
    );
    assert!(!screen.contains('\x1b'));
    press(&mut s, &["g"]);
    let screen = render(&s);
    assert!(
        screen.contains("step 150 loss") && !screen.contains("step 149 "),
        "oldest dropped: {screen}"
    );
    press(&mut s, &["t"]);
    assert!(
        render(&s).contains("2025-06-01T11:59:00Z step 150"),
        "timestamps toggle on"
    );
    press(&mut s, &["/"]);
    type_text(&mut s, "step 2");
    press(&mut s, &["enter"]);
    assert!(render(&s).contains("/step 2: 1/"), "{}", render(&s));
    send(
        &mut s,
        Msg::Logs(
            spec,
            LogUpdate::Ended(Some("log stream broke: reset".into())),
        ),
    );
    // A failure is said in the pane's body (at its end), and the title
    // marks it.
    press(&mut s, &["G"]);
    let screen = render(&s);
    assert!(
        screen.contains("── log stream broke: reset ──") && screen.contains("(failed)"),
        "{screen}"
    );
}

#[test]
fn resize_keeps_the_selection_visible() {
    let mut s = pods_state();
    let key = WatchKey::in_namespace(&kinds::POD, Some("ml-research"));
    let many = (0..200)
        .map(|i| pod("ml-research", &format!("p-{i:03}"), "Running", 60))
        .collect();
    load(&mut s, key, many);
    press(&mut s, &["G"]);
    assert!(render(&s).contains("p-199"));
    send(&mut s, Msg::Resize(120, 40));
    let screen = render(&s);
    assert_eq!(screen.lines().count(), 40);
    assert!(screen.contains("p-199"), "{screen}");
    send(&mut s, Msg::Resize(80, 10));
    assert!(render(&s).contains("p-199"));
}
