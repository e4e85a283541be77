//! `y`: an object as YAML, syntax highlighted, scrollable and searchable.

use std::any::Any;

use kube::api::DynamicObject;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;

use super::pager::Pager;
use super::{Cx, Filter, Handled, View};
use crate::app::action::Action;
use crate::app::state::State;
use crate::app::theme::Theme;
use crate::kube::types::ObjRef;

pub struct YamlView {
    pub target: ObjRef,
    pub pager: Pager,
    /// The request for the whole object, when the store holds a slim copy.
    fetch: Fetch,
}

enum Fetch {
    /// The store's copy is the whole object.
    NotNeeded,
    ToAsk,
    Asked(u64),
    Done,
}

/// Said above a slim copy while the whole object is read.
pub const LOADING: &str = "# reading the whole object from the server…";

/// An object as YAML text (managedFields dropped, as kubectl does).
pub fn to_yaml(obj: &DynamicObject) -> String {
    match serde_json::to_value(obj) {
        Ok(v) => {
            serde_saphyr::to_string(&v).unwrap_or_else(|e| format!("# cannot show as YAML: {e}"))
        }
        Err(e) => format!("# cannot show as YAML: {e}"),
    }
}

impl YamlView {
    pub fn new(target: ObjRef, obj: &DynamicObject) -> YamlView {
        let partial = crate::kube::slim::is_partial(target.kind);
        let mut lines: Vec<String> = Vec::new();
        if partial {
            lines.push(LOADING.to_string());
        }
        lines.extend(to_yaml(obj).lines().map(str::to_string));
        YamlView {
            target,
            pager: Pager::new(lines),
            fetch: if partial {
                Fetch::ToAsk
            } else {
                Fetch::NotNeeded
            },
        }
    }
}

/// Colours keys, strings, numbers and comments of one YAML line.
pub fn highlight(line: &str, theme: &Theme) -> Vec<Span<'static>> {
    let trimmed = line.trim_start();
    let indent = &line[..line.len() - trimmed.len()];
    let mut spans = vec![Span::raw(indent.to_string())];
    if trimmed.starts_with('#') {
        spans.push(Span::styled(trimmed.to_string(), theme.yaml_comment));
        return spans;
    }
    let mut rest = trimmed;
    if let Some(r) = rest.strip_prefix("- ") {
        spans.push(Span::styled("- ", theme.dim));
        rest = r;
    } else if rest == "-" {
        spans.push(Span::styled("-", theme.dim));
        return spans;
    }
    let key_end = if rest.starts_with('"') || rest.starts_with('\'') {
        None
    } else {
        rest.find(": ")
            .or_else(|| rest.ends_with(':').then(|| rest.len() - 1))
    };
    if let Some(k) = key_end {
        spans.push(Span::styled(rest[..k].to_string(), theme.yaml_key));
        spans.push(Span::styled(":", theme.dim));
        rest = &rest[k + 1..];
    }
    if !rest.is_empty() {
        let value = rest.trim_start();
        let style = if value.starts_with('"') || value.starts_with('\'') {
            theme.yaml_string
        } else if value.parse::<f64>().is_ok() || matches!(value, "true" | "false" | "null" | "~") {
            theme.yaml_number
        } else if key_end.is_some() && !value.starts_with(['|', '>', '&', '*', '[', '{']) {
            theme.yaml_string
        } else {
            theme.base
        };
        spans.push(Span::styled(rest.to_string(), style));
    }
    spans
}

impl View for YamlView {
    fn title(&self) -> String {
        format!("{} yaml", self.target.name)
    }

    fn layers(&self) -> &'static [&'static str] {
        &["pager"]
    }

    fn hints(&self) -> &'static [Action] {
        &[
            Action::Search,
            Action::NextMatch,
            Action::Wrap,
            Action::Back,
        ]
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Handled {
        if self.pager.act(action, cx.page) {
            Handled::Yes
        } else {
            Handled::No
        }
    }

    fn sync(&mut self, cx: &mut Cx) {
        if matches!(self.fetch, Fetch::ToAsk) {
            let id = cx.api(crate::kube::types::ApiOp::Get {
                target: self.target.clone(),
            });
            self.fetch = Fetch::Asked(id);
        }
    }

    fn on_event(&mut self, event: &super::ViewEvent, _cx: &mut Cx) -> Handled {
        let super::ViewEvent::Api { id, result } = event else {
            return Handled::No;
        };
        if !matches!(self.fetch, Fetch::Asked(asked) if asked == *id) {
            return Handled::No;
        }
        self.fetch = Fetch::Done;
        let whole = result.as_ref().map_err(|e| e.to_string()).and_then(|v| {
            serde_json::from_value::<DynamicObject>(v.clone()).map_err(|e| e.to_string())
        });
        let mut lines: Vec<String> = self.pager.lines.iter().cloned().collect();
        match whole {
            Ok(mut obj) => {
                obj.metadata.managed_fields = None;
                lines = to_yaml(&obj).lines().map(str::to_string).collect();
            }
            Err(e) => {
                if let Some(first) = lines.first_mut() {
                    *first = format!("# kftui's partial copy: cannot read the whole object: {e}");
                }
            }
        }
        self.pager.set_lines(lines);
        Handled::Yes
    }

    fn filter(&self) -> Option<&Filter> {
        Some(&self.pager.filter)
    }

    fn set_filter(&mut self, filter: Filter, cx: &mut Cx) -> bool {
        self.pager.set_filter(filter, cx.page);
        true
    }

    fn render(&self, state: &State, area: Rect, buf: &mut Buffer) {
        let t = &state.theme;
        let title = vec![
            Span::styled(" yaml", t.title),
            Span::styled(format!(" {} ", self.target), t.header_value),
        ];
        self.pager.render(title, highlight, t, area, buf);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::config::ThemeName;

    #[test]
    fn highlights_keys_and_values() {
        let t = Theme::new(ThemeName::Dark, false);
        let spans = highlight("  name: jupyter", &t);
        let texts: Vec<_> = spans.iter().map(|s| s.content.to_string()).collect();
        assert_eq!(texts, vec!["  ", "name", ":", " jupyter"]);
        assert_eq!(spans[1].style, t.yaml_key);
        assert_eq!(highlight("  replicas: 3", &t)[3].style, t.yaml_number);
        assert_eq!(highlight("- a", &t)[1].content, "- ");
        assert_eq!(highlight("# c", &t)[1].style, t.yaml_comment);
        // A URL is not split at its colon.
        let url = highlight("url: http://x:80/y", &t);
        assert_eq!(url[1].content, "url");
        assert_eq!(url[3].content, " http://x:80/y");
    }

    #[test]
    fn yaml_of_an_object() {
        let obj: DynamicObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "n"},
            "data": {"k": "v"}
        }))
        .expect("obj");
        let text = to_yaml(&obj);
        assert!(text.contains("kind: ConfigMap"), "{text}");
        assert!(text.contains("name: c"), "{text}");
    }
}
