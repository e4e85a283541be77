//! Drives the real update loop and runtime from a test: keys go in as the
//! terminal would send them, and the loop steps until a condition holds on
//! the state and its rendered screen.

use std::time::{Duration, Instant};

use kftui::app::msg::Msg;
use kftui::app::runtime::Runtime;
use kftui::app::state::State;
use kftui::app::update::settle;
use kftui::testing::{key, render};

pub struct Driver {
    pub rt: Runtime,
    pub s: State,
}

impl Driver {
    /// Performs what the views ask for at start and starts their streams.
    pub fn new(rt: Runtime, s: State) -> Driver {
        let mut d = Driver { rt, s };
        d.settle();
        d
    }

    fn settle(&mut self) {
        let effects = settle(&mut self.s);
        self.rt.perform(&self.s, effects);
        self.rt.reconcile(&self.s);
    }

    /// Presses keys by name ("j", "ctrl-r", "enter"), then settles.
    pub fn keys(&mut self, keys: &[&str]) {
        for k in keys {
            self.rt.handle(&mut self.s, Msg::Key(key(k)));
        }
        self.settle();
    }

    /// Types text, a key per character.
    pub fn text(&mut self, text: &str) {
        for c in text.chars() {
            let k = c.to_string();
            self.keys(&[k.as_str()]);
        }
    }

    /// Runs a `:` command.
    pub fn command(&mut self, line: &str) {
        self.keys(&[":"]);
        self.text(line);
        self.keys(&["enter"]);
    }

    /// Steps the loop until `done` holds on the state and its rendered
    /// screen (`secs` at most); returns that screen.
    pub async fn until(
        &mut self,
        what: &str,
        secs: u64,
        done: impl Fn(&State, &str) -> bool,
    ) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let screen = render(&self.s);
            if done(&self.s, &screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            self.rt
                .step(
                    &mut self.s,
                    Some(Instant::now() + Duration::from_millis(100)),
                )
                .await;
        }
    }
}
