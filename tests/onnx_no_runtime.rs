//! Without a usable ONNX Runtime library the pane says why and how to fix it,
//! and the rest of kftui keeps working. A test binary of its own: ONNX Runtime
//! is initialised once per process.

use kftui::app::runtime::Runtime;
use kftui::app::state::State;
use kftui::testing::{render, state};
use kftui::views::onnx::{OnnxView, RuntimeStatus};
use kftui::views::registry;

mod common;

use common::driver::Driver;

#[tokio::test]
async fn a_bad_library_is_explained_in_the_pane() {
    let dir = tempfile::tempdir().expect("tempdir");
    // No library anywhere kftui looks: a fresh data dir and no variables.
    // SAFETY: set before any other thread of this test binary reads them.
    unsafe {
        std::env::set_var("XDG_DATA_HOME", dir.path());
        std::env::remove_var("KFTUI_ORT_LIB");
        std::env::remove_var("ORT_DYLIB_PATH");
    }
    // The configured path is a file that is not a library.
    let fake = dir.path().join("libonnxruntime.so.1.31.1");
    std::fs::write(&fake, "not a shared library").expect("write");

    let root = registry::open("namespaces", None)
        .expect("screen")
        .expect("opens");
    let mut s = state(root);
    s.config.onnx.runtime_library = Some(fake.clone());
    let mut d = Driver::new(Runtime::new(None, None, None), s);
    d.command("onnx");
    let runtime = |s: &State| {
        s.view()
            .as_any()
            .downcast_ref::<OnnxView>()
            .map(|v| v.runtime.clone())
    };
    d.until("the runtime status", 20, |s, _| {
        matches!(runtime(s), Some(RuntimeStatus::Unavailable(_)))
    })
    .await;
    let Some(RuntimeStatus::Unavailable(reason)) = runtime(&d.s) else {
        unreachable!()
    };
    assert!(reason.contains(&fake.display().to_string()), "{reason}");
    assert!(
        reason.contains("fetch-onnxruntime"),
        "says how to fix it: {reason}"
    );
    d.s.size = (100, 30);
    let screen = render(&d.s);
    assert!(screen.contains("could not load ONNX Runtime"), "{screen}");

    // The rest of kftui works: another screen opens, `-` comes back.
    d.keys(&["esc"]);
    d.command("pods");
    assert_eq!(d.s.view().title().split_whitespace().next(), Some("pods"));
    d.keys(&["-"]);
    assert_eq!(d.s.breadcrumbs().len(), 1);
    assert_ne!(d.s.view().title(), "pods");
}
