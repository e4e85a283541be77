//! `:gpu-host`: this host's GPUs through NVML, the host pane full-screen.
//! The screen only subscribes to the sampler; the pane (`pane.rs`) draws
//! from `State::gpu_host`, so other screens can embed the same pane.

pub mod pane;

use std::any::Any;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Cx, Handled, SamplerKey, Subscriptions, View};
use crate::app::action::Action;
use crate::app::state::{Scope, State};

pub use pane::render_pane;

#[derive(Debug, Default)]
pub struct GpuHostView;

impl View for GpuHostView {
    fn title(&self) -> String {
        "gpu-host".into()
    }

    fn layers(&self) -> &'static [&'static str] {
        &[]
    }

    fn hints(&self) -> &'static [Action] {
        &[Action::Help, Action::Back]
    }

    fn subscriptions(&self, _scope: &Scope, subs: &mut Subscriptions) {
        subs.samplers.insert(SamplerKey::GpuHost);
    }

    fn on_action(&mut self, _action: Action, _cx: &mut Cx) -> Handled {
        Handled::No
    }

    fn render(&self, state: &State, area: Rect, buf: &mut Buffer) {
        render_pane(state, area, buf, true);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
