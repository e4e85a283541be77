//! The real binary in tmux at 80x24 on the demo cluster: `:gpu` opens
//! with the GPU nodes and the DCGM exporter's numbers, `3` shows the idle
//! demo notebook, `tab` moves focus to the host pane and back, then quit
//! with the terminal restored.

mod common;

use common::tmux::Session;

#[test]
fn gpu_screen_in_tmux() {
    let s = Session::start("gpu", 80, 24, "$KFTUI --demo; echo EXIT=$?; sleep 60");
    s.wait_for("notebooks", 30);
    s.keys(&[":"]);
    s.type_text("gpu");
    s.keys(&["Enter"]);
    let screen = s.wait_until("the GPU nodes with DCGM numbers", 60, |scr| {
        scr.contains("gpu-a100-0") && scr.contains("nvidia-dcgm-exporter (gpu-operator)")
    });
    assert!(screen.contains("this host"), "{screen}");
    assert!(
        screen.contains("gpu-h100-0") && screen.contains("gpu-t4-0"),
        "{screen}"
    );
    s.keys(&["3"]);
    let screen = s.wait_for("Notebook jupyter-alice", 30);
    assert!(screen.contains("idle gpu holders"), "{screen}");
    s.keys(&["Tab", "Tab", "Escape", "q"]);
    let screen = s.wait_for("EXIT=", 10);
    assert!(screen.contains("EXIT=0"), "{screen}");
}
