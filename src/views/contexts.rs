//! Small tables that are not about cluster objects: kubeconfig contexts
//! (`:ctx`) and open port-forwards (`:forwards`).

use std::any::Any;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::resources::table_nav;
use super::table::{self, Cell, Column, TableModel, TableState, Tone};
use super::{Cx, Handled, View};
use crate::app::action::Action;
use crate::app::effect::Effect;
use crate::app::state::{Forward, State};

/// Kubeconfig contexts; enter switches.
#[derive(Default)]
pub struct ContextsView {
    table: TableState<(String, bool)>,
}

struct ContextModel;
const CONTEXT_COLS: [Column; 2] = [Column::new("NAME", 10, 60), Column::new("CURRENT", 7, 7)];

impl TableModel<(String, bool)> for ContextModel {
    fn columns(&self) -> &[Column] {
        &CONTEXT_COLS
    }
    fn key(&self, row: &(String, bool)) -> String {
        row.0.clone()
    }
    fn cell(&self, row: &(String, bool), col: usize) -> Cell {
        match col {
            0 => Cell::new(row.0.clone()),
            _ if row.1 => Cell::tone("*", Tone::Ok),
            _ => Cell::default(),
        }
    }
}

impl View for ContextsView {
    fn title(&self) -> String {
        "contexts".into()
    }

    fn layers(&self) -> &'static [&'static str] {
        &["list"]
    }

    fn hints(&self) -> &'static [Action] {
        &[Action::Enter, Action::Back]
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        if table_nav(&mut self.table, &ContextModel, action, cx.page) == Handled::Yes {
            return Handled::Yes;
        }
        if action == Action::Enter {
            if let Some((name, _)) = self.table.selected_row().cloned() {
                cx.out.effects.push(Effect::SwitchContext(name.clone()));
                cx.info(format!("switching to context {name}…"));
                cx.pop();
            }
            return Handled::Yes;
        }
        Handled::No
    }

    fn sync(&mut self, cx: &mut Cx) {
        let rows: Vec<(String, bool)> = cx
            .cluster
            .map(|c| {
                c.contexts
                    .iter()
                    .map(|n| (n.clone(), *n == c.context))
                    .collect()
            })
            .unwrap_or_default();
        if rows != self.table.rows {
            self.table.rebuild(rows, &ContextModel);
        }
    }

    fn render(&self, state: &State, area: Rect, buf: &mut Buffer) {
        let frame = table::Frame {
            title: "contexts",
            scope: None,
            marker: None,
            empty: "No contexts in the kubeconfig",
            focused: true,
        };
        table::render(&self.table, &ContextModel, &frame, &state.theme, area, buf);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Port-forwards kftui holds open; ctrl-d closes one.
#[derive(Default)]
pub struct ForwardsView {
    table: TableState<Forward>,
}

struct ForwardModel;
const FORWARD_COLS: [Column; 3] = [
    Column::new("URL", 20, 100),
    Column::new("FOR", 10, 50).optional(),
    Column::new("POD", 8, 40).optional(),
];

impl TableModel<Forward> for ForwardModel {
    fn columns(&self) -> &[Column] {
        &FORWARD_COLS
    }
    fn key(&self, row: &Forward) -> String {
        row.spec.id.to_string()
    }
    fn cell(&self, row: &Forward, col: usize) -> Cell {
        match col {
            0 => match (&row.error, row.url()) {
                (Some(e), _) => Cell::tone(e.clone(), Tone::Error),
                (None, Some(url)) => Cell::tone(url, Tone::Ok),
                (None, None) => Cell::tone("starting…", Tone::Warn),
            },
            1 => Cell::new(row.spec.label.clone()),
            _ => Cell::tone(
                format!(
                    "{}/{}:{}",
                    row.spec.namespace, row.spec.pod, row.spec.pod_port
                ),
                Tone::Dim,
            ),
        }
    }
}

impl View for ForwardsView {
    fn title(&self) -> String {
        "port-forwards".into()
    }

    fn layers(&self) -> &'static [&'static str] {
        &["list"]
    }

    fn hints(&self) -> &'static [Action] {
        &[Action::Delete, Action::Back]
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        if table_nav(&mut self.table, &ForwardModel, action, cx.page) == Handled::Yes {
            return Handled::Yes;
        }
        if action == Action::Delete {
            if let Some(f) = self.table.selected_row() {
                cx.out.effects.push(Effect::StopForward(f.spec.id));
                cx.info(format!("closed port-forward for {}", f.spec.label));
            }
            return Handled::Yes;
        }
        Handled::No
    }

    fn sync(&mut self, cx: &mut Cx) {
        if cx.forwards != self.table.rows.as_slice() {
            self.table.rebuild(cx.forwards.to_vec(), &ForwardModel);
        }
    }

    fn render(&self, state: &State, area: Rect, buf: &mut Buffer) {
        let frame = table::Frame {
            title: "port-forwards",
            scope: None,
            marker: None,
            empty: "No port-forwards open (ctrl-o on a notebook opens one)",
            focused: true,
        };
        table::render(&self.table, &ForwardModel, &frame, &state.theme, area, buf);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
