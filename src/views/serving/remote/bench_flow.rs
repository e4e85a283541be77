//! The remote benchmark's flow in the test pane: the form (requests and
//! concurrency), starting, and keeping as many requests in flight as
//! allowed while the answers arrive as messages.

use super::{Focus, Pane, Protocol, RemoteInferView};
use crate::app::action::Action;
use crate::views::serving::bench::{self, RemoteBench};
use crate::views::{Cx, Handled};

impl RemoteInferView {
    pub(super) fn open_bench_form(&mut self) {
        if self.bench.as_ref().is_some_and(|b| !b.finished()) {
            return;
        }
        self.focus = Focus::BenchForm;
        self.bench_field = 0;
        self.pane = Pane::Bench;
    }

    pub(super) fn start_bench(&mut self, cx: &mut Cx) {
        let settings =
            bench::parse_settings(self.bench_requests.text(), self.bench_concurrency.text());
        let (total, concurrency) = match settings {
            Ok(s) => s,
            Err(why) => {
                cx.error(why);
                return;
            }
        };
        let (_, path, body) = match self.prepare() {
            Ok(p) => p,
            Err(why) => {
                cx.error(why);
                return;
            }
        };
        if let Err(why) = self.op(cx, &path, body.clone()) {
            cx.error(why);
            return;
        }
        self.focus = Focus::Editor;
        self.pane = Pane::Bench;
        self.bench = Some(RemoteBench::new(total, concurrency));
        self.bench_request = Some((path, body));
        self.pump_bench(cx);
    }

    /// Sends as many benchmark requests as may be in flight.
    pub(super) fn pump_bench(&mut self, cx: &mut Cx) {
        let (Some(b), Some((path, body))) = (&self.bench, &self.bench_request) else {
            return;
        };
        let n = b.next_batch();
        let (path, body) = (path.clone(), body.clone());
        for _ in 0..n {
            let Ok(op) = self.op(cx, &path, body.clone()) else {
                return;
            };
            let id = cx.api(op);
            if let Some(b) = &mut self.bench {
                b.sent_one(id);
            }
        }
    }

    pub(super) fn bench_protocol(&self) -> Protocol {
        match &self.bench_request {
            Some((path, _)) if path.starts_with("/v2/") => Protocol::V2,
            _ => Protocol::V1,
        }
    }

    pub(super) fn on_bench_form(&mut self, action: Action, cx: &mut Cx) -> Handled {
        match action {
            Action::NextField | Action::Down | Action::Up => {
                self.bench_field = 1 - self.bench_field
            }
            Action::Enter => self.start_bench(cx),
            Action::Back => self.focus = Focus::Editor,
            _ => return Handled::No,
        }
        Handled::Yes
    }
}
