//! End-to-end run of the real binary in tmux at 80x24 on the demo cluster:
//! `:katib`, an experiment's trials table and charts, cycling the charted
//! parameter, a trial's details, back out and quit with the terminal
//! restored.

mod common;

use common::tmux::Session;

#[test]
fn katib_list_detail_charts_and_trial_at_80x24() {
    let s = Session::start(
        "katib",
        80,
        24,
        "$KFTUI --demo; echo EXIT=$?; stty -a | tr \" ;\" \"\\n\\n\" | grep -x -e icanon -e -icanon | tr \"\\n\" \" \"; echo; sleep 60",
    );
    s.wait_for("jupyter-alice", 30);
    s.keys(&[":"]);
    s.type_text("katib");
    s.keys(&["Enter"]);
    let screen = s.wait_for("experiments(ml-research)", 10);
    let row = screen
        .lines()
        .find(|l| l.contains("mnist-random"))
        .unwrap_or("");
    assert!(
        row.contains("Succeeded MaxTrial") && row.contains("12/0/0/0/12"),
        "{screen}"
    );
    s.type_text("/mnist-random");
    s.keys(&["Enter", "Enter"]);
    let screen = s.wait_for("accuracy per trial", 10);
    assert!(screen.contains("trials[all][12]"), "{screen}");
    assert!(
        screen.contains("accuracy vs learning_rate (log)"),
        "a 0.0001..0.1 space is charted on a log scale:\n{screen}"
    );
    assert!(
        screen.contains(" Best       mnist-random-"),
        "best trial named:\n{screen}"
    );
    assert!(
        screen
            .chars()
            .any(|c| ('\u{2801}'..='\u{28ff}').contains(&c)),
        "braille chart:\n{screen}"
    );
    s.type_text("p");
    s.wait_for("accuracy vs batch_size", 5);
    s.keys(&["Enter"]);
    let screen = s.wait_for("Parameters", 10);
    assert!(
        screen.contains("Trial") && screen.contains("learning_rate"),
        "{screen}"
    );
    s.keys(&["Escape", "Escape", "Escape"]);
    s.wait_for("experiments(ml-research)", 5);
    s.type_text("q");
    let screen = s.wait_until("kftui to exit", 10, |scr| {
        scr.contains("EXIT=") && scr.contains("icanon")
    });
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert!(
        screen.contains("icanon") && !screen.contains("-icanon"),
        "tty restored:\n{screen}"
    );
}
