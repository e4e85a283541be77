//! The real binary in tmux at 80x24 on the demo cluster: `:jobs`, a
//! PyTorchJob launched from the form to its details, suspended, then quit
//! with the terminal restored.

mod common;

use common::tmux::Session;

#[test]
fn launch_a_job_from_the_form_in_tmux() {
    let s = Session::start(
        "jobs",
        80,
        24,
        "$KFTUI --demo --view jobs; echo EXIT=$?; sleep 60",
    );
    let screen = s.wait_for("resnet50-ddp", 30);
    assert!(screen.contains("jobs(ml-research)"), "{screen}");
    s.keys(&["n"]);
    s.wait_for("Launch PyTorchJob in ml-research", 10);
    s.keys(&["Tab"]);
    s.type_text("tmux-ddp");
    s.keys(&["C-s"]);
    let screen = s.wait_until("the launched job's details", 30, |scr| {
        scr.contains("PyTorchJob ml-research/tmux-ddp") && scr.contains("Status        Running")
    });
    assert!(screen.contains("Replicas      Master"), "{screen}");
    s.keys(&["s"]);
    s.wait_for("Status        Suspended", 30);
    s.keys(&["Escape", "q"]);
    let screen = s.wait_for("EXIT=", 10);
    assert!(screen.contains("EXIT=0"), "{screen}");
}
