//! End-to-end runs of the real binary in tmux at 80x24: start on the demo
//! cluster, navigate, help, quit; and the terminal is restored after a quit,
//! a panic, SIGTERM and SIGHUP. Each run prints `EXIT=<code>` and the tty
//! flags after kftui ends, so the restore is checked, not assumed.

mod common;

use common::tmux::Session;

/// Runs kftui, then reports its exit code and whether the tty is back in
/// canonical mode with echo (raw mode turns both off).
fn wrapped(args: &str) -> String {
    format!(
        "$KFTUI {args}; echo EXIT=$?; stty -a | tr \" ;\" \"\\n\\n\" | grep -x -e icanon -e -icanon -e echo -e -echo | tr \"\\n\" \" \"; echo; sleep 60"
    )
}

/// Waits until kftui has exited and the tty flags were printed after it.
fn wait_exit(s: &Session, secs: u64) -> String {
    s.wait_until("kftui to exit", secs, |scr| {
        scr.contains("EXIT=") && scr.contains("icanon")
    })
}

fn assert_restored(screen: &str) {
    assert!(
        screen.contains("icanon echo") && !screen.contains("-icanon"),
        "tty not restored:\n{screen}"
    );
    assert!(
        !screen.contains("┌"),
        "alternate screen left behind:\n{screen}"
    );
}

#[test]
fn start_navigate_help_and_quit() {
    let s = Session::start("nav", 80, 24, &wrapped("--demo"));
    s.wait_for("jupyter-alice", 30);
    let screen = s.wait_for("notebooks(ml-research)", 10);
    assert!(
        screen.contains("ctx:kftui-demo") && screen.contains("● live"),
        "{screen}"
    );
    s.keys(&["?"]);
    s.wait_for("help: notebooks", 5);
    s.keys(&["Escape"]);
    s.keys(&[":"]);
    s.type_text("pods");
    s.keys(&["Enter"]);
    let screen = s.wait_for("pods(ml-research)", 10);
    // A `:` command replaces the screen: the breadcrumb is the drill-down path.
    assert!(
        screen.lines().nth(1).is_some_and(|l| l.trim() == "pods"),
        "breadcrumbs: {screen}"
    );
    s.keys(&["j", "y"]);
    let screen = s.wait_for("apiVersion: v1", 10);
    assert!(
        screen.contains(" pods › "),
        "drill-down breadcrumb: {screen}"
    );
    s.keys(&["Escape", "Escape"]);
    s.wait_for("pods(ml-research)", 5);
    // `-` goes back to the screen before the command.
    s.type_text("-");
    s.wait_for("notebooks(ml-research)", 5);
    s.keys(&["q"]);
    let screen = wait_exit(&s, 10);
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert_restored(&screen);
}

#[test]
fn panic_restores_the_terminal() {
    let s = Session::start(
        "panic",
        80,
        24,
        &format!("export KFTUI_PANIC_ON_KEY=f12; {}", wrapped("--demo")),
    );
    s.wait_for("jupyter-alice", 30);
    s.keys(&["F12"]);
    let screen = wait_exit(&s, 10);
    assert!(
        screen.contains("EXIT=101"),
        "a panic exits with 101: {screen}"
    );
    assert!(
        screen.contains("crash drill"),
        "the panic message is printed on the restored screen: {screen}"
    );
    assert_restored(&screen);
}

#[test]
fn sigterm_and_sighup_end_cleanly() {
    for (signal, name) in [("TERM", "term"), ("HUP", "hup")] {
        let s = Session::start(name, 80, 24, &wrapped("--demo"));
        s.wait_for("jupyter-alice", 30);
        let pid = s.kftui_pid();
        let status = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &pid.to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        let screen = wait_exit(&s, 10);
        assert!(screen.contains("EXIT=0"), "SIG{signal}: {screen}");
        assert_restored(&screen);
    }
}

#[test]
fn bad_kubeconfig_is_one_line_and_exit_1() {
    let s = Session::start(
        "badcfg",
        80,
        24,
        &wrapped("--kubeconfig /nonexistent/kubeconfig"),
    );
    let screen = wait_exit(&s, 10);
    assert!(screen.contains("EXIT=1"), "{screen}");
    let errors: Vec<&str> = screen.lines().filter(|l| l.starts_with("kftui:")).collect();
    assert_eq!(errors.len(), 1, "{screen}");
    assert!(errors[0].contains("/nonexistent/kubeconfig"), "{screen}");
    assert_restored(&screen);
}

/// The ONNX pane needs no cluster: with no kubeconfig at all kftui starts
/// offline, `:onnx` opens a shipped model, ctrl-r runs it and the predicted
/// class is on screen.
#[test]
fn onnx_pane_runs_a_model_without_a_cluster() {
    let model = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/models/iris_logreg.onnx"
    );
    let s = Session::start("onnx2", 80, 24, &wrapped("--view onnx"));
    s.wait_for("Open an ONNX model", 15);
    s.wait_for("iris_logreg.onnx", 10);
    s.type_text(model);
    s.keys(&["Enter"]);
    s.wait_for("in  features", 15);
    // The example request fills the editor; run it.
    s.wait_for("instances", 10);
    s.keys(&["C-r"]);
    let screen = s.wait_for("predicted setosa", 15);
    assert!(
        screen.contains("setosa") && screen.contains("0.98"),
        "{screen}"
    );
    s.keys(&["Escape", "q"]); // editor -> output, then leave the pane
    s.keys(&["C-c"]);
    let screen = wait_exit(&s, 10);
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert_restored(&screen);
}

fn row<'a>(screen: &'a str, name: &str) -> &'a str {
    // A table row starts at the border with the name (the title may hold the filter).
    let cell = format!("│{name} ");
    screen.lines().find(|l| l.contains(&cell)).unwrap_or("")
}

/// Notebooks on the demo cluster: create one through the form, watch it
/// start, stop it and see the status follow, quit.
#[test]
fn create_and_stop_a_notebook_on_the_demo_cluster() {
    let s = Session::start("nbflow", 100, 30, &wrapped("--demo"));
    s.wait_for("jupyter-alice", 30);
    s.keys(&["n"]);
    s.wait_for("New notebook", 5);
    s.type_text("e2e-notebook");
    s.keys(&["C-s"]);
    let screen = s.wait_until("the new notebook running", 30, |scr| {
        !scr.contains("New notebook") && row(scr, "e2e-notebook").contains("Running")
    });
    assert!(screen.contains("notebooks(ml-research)"), "{screen}");
    // Select it with the filter, then stop it.
    s.keys(&["/"]);
    s.type_text("e2e-notebook");
    s.keys(&["Enter", "s"]);
    let screen = s.wait_until("the notebook stopped", 30, |scr| {
        row(scr, "e2e-notebook").contains("Stopped")
    });
    assert!(
        !row(&screen, "e2e-notebook").contains("Running"),
        "{screen}"
    );
    s.keys(&["Escape", "q"]);
    let screen = wait_exit(&s, 10);
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert_restored(&screen);
}
