//! Drives the real kftui binary in a tmux session with its own socket and
//! home directory: send keys, read the screen, wait for text to appear.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Session {
    pub name: String,
    socket: PathBuf,
    pub home: tempfile::TempDir,
}

impl Session {
    /// Starts `shell_command` in a `width`x`height` session. `$KFTUI` in the
    /// command is the binary under test; HOME and XDG dirs point into a
    /// fresh temporary home, and NO_COLOR is set.
    pub fn start(name: &str, width: u16, height: u16, shell_command: &str) -> Session {
        let home = tempfile::tempdir().expect("temp home");
        let socket = home.path().join("tmux.sock");
        let h = home.path().display().to_string();
        let script = format!(
            "export HOME={h} XDG_CONFIG_HOME={h}/config XDG_STATE_HOME={h}/state XDG_DATA_HOME={h}/data XDG_CACHE_HOME={h}/cache NO_COLOR=1 TERM=xterm-256color KFTUI={bin}; unset RUST_BACKTRACE RUST_LIB_BACKTRACE; {shell_command}",
            bin = env!("CARGO_BIN_EXE_kftui"),
        );
        // The ONNX Runtime library is found through the real data dir by
        // default; keep pointing there from the temporary home.
        let script = match std::env::var("KFTUI_ORT_LIB").ok().or_else(default_ort_lib) {
            Some(lib) => format!("export KFTUI_ORT_LIB={lib}; {script}"),
            None => script,
        };
        let status = Command::new("tmux")
            .arg("-S")
            .arg(&socket)
            .args([
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
                "-s",
                name,
            ])
            .arg(format!("sh -c '{}'", script.replace('\'', "'\\''")))
            .status()
            .expect("tmux runs (Debian package tmux)");
        assert!(status.success(), "tmux new-session failed");
        Session {
            name: name.to_string(),
            socket,
            home,
        }
    }

    fn tmux(&self) -> Command {
        let mut c = Command::new("tmux");
        c.arg("-S").arg(&self.socket);
        c
    }

    /// Sends keys in tmux notation ("j", "Enter", "Escape", "C-s").
    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            let status = self
                .tmux()
                .args(["send-keys", "-t", &self.name, k])
                .status()
                .expect("send-keys");
            assert!(status.success());
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    /// Types literal text.
    pub fn type_text(&self, text: &str) {
        let status = self
            .tmux()
            .args(["send-keys", "-t", &self.name, "-l", text])
            .status()
            .expect("send-keys");
        assert!(status.success());
        std::thread::sleep(Duration::from_millis(30));
    }

    pub fn screen(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until `text` is on screen; panics with the screen after `secs`.
    pub fn wait_for(&self, text: &str, secs: u64) -> String {
        self.wait_until(&format!("{text:?} on screen"), secs, |s| s.contains(text))
    }

    pub fn wait_until(&self, what: &str, secs: u64, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// PID of the shell running in the pane.
    pub fn pane_pid(&self) -> u32 {
        let out = self
            .tmux()
            .args(["display-message", "-p", "-t", &self.name, "#{pane_pid}"])
            .output()
            .expect("display-message");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("pane pid")
    }

    /// PID of kftui (the pane shell's child).
    pub fn kftui_pid(&self) -> u32 {
        let out = Command::new("pgrep")
            .args(["-P", &self.pane_pid().to_string(), "kftui"])
            .output()
            .expect("pgrep");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .and_then(|l| l.trim().parse().ok())
            .expect("kftui is running")
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }
}

fn default_ort_lib() -> Option<String> {
    let dirs = directories::ProjectDirs::from("", "", "kftui")?;
    let lib = dirs.data_dir().join("onnxruntime/libonnxruntime.so.1.31.1");
    lib.exists().then(|| lib.display().to_string())
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").status();
    }
}
