//! Without a usable ONNX Runtime library the pane says why and how to fix it,
//! and the rest of kftui keeps working. A test binary of its own: ONNX Runtime
//! is initialised once per process.

use std::time::{Duration, Instant};

use kftui::app::msg::Msg;
use kftui::app::runtime::Runtime;
use kftui::testing::{key, render, state};
use kftui::views::onnx::{OnnxView, RuntimeStatus};
use kftui::views::registry;

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
    let mut rt = Runtime::new(None, None, None);
    for k in [":", "o", "n", "n", "x", "enter"] {
        rt.handle(&mut s, Msg::Key(key(k)));
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let reason = loop {
        let view = s.view().as_any().downcast_ref::<OnnxView>().expect("pane");
        if let RuntimeStatus::Unavailable(reason) = &view.runtime {
            break reason.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no runtime status:\n{}",
            render(&s)
        );
        rt.step(&mut s, Some(Instant::now() + Duration::from_millis(100)))
            .await;
    };
    assert!(reason.contains(&fake.display().to_string()), "{reason}");
    assert!(
        reason.contains("fetch-onnxruntime"),
        "says how to fix it: {reason}"
    );
    s.size = (100, 30);
    let screen = render(&s);
    assert!(screen.contains("could not load ONNX Runtime"), "{screen}");

    // The rest of kftui works: esc leaves the pane, another screen opens.
    rt.handle(&mut s, Msg::Key(key("esc")));
    assert_eq!(s.stack.len(), 1);
    for k in [":", "p", "o", "d", "s", "enter"] {
        rt.handle(&mut s, Msg::Key(key(k)));
    }
    assert_eq!(s.view().title().split_whitespace().next(), Some("pods"));
}
