//! A scrollable, searchable text viewer shared by YAML, describe and logs:
//! vertical and horizontal scroll, wrap, case-insensitive search with every
//! match highlighted and the current one marked. Only visible lines are styled.

use std::collections::VecDeque;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use crate::app::action::Action;
use crate::app::theme::Theme;

/// Styles a line for display (syntax colours); search marks go on top.
pub type Highlighter = fn(&str, &Theme) -> Vec<Span<'static>>;

/// Plain text, base style.
pub fn plain(line: &str, theme: &Theme) -> Vec<Span<'static>> {
    vec![Span::styled(line.to_string(), theme.base)]
}

/// An active search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    /// Lowercased query.
    pub query: String,
    /// Lines that contain it, in order.
    pub hits: Vec<usize>,
    /// Index into `hits`.
    pub current: usize,
}

/// Lines plus where the user is looking.
#[derive(Debug, Clone, Default)]
pub struct Pager {
    pub lines: VecDeque<String>,
    /// First visible line.
    pub scroll: usize,
    /// Columns scrolled right (when not wrapping).
    pub hscroll: usize,
    pub wrap: bool,
    pub search: Option<Search>,
    /// Keep the last line in view as lines arrive.
    pub follow: bool,
    /// What `/` last set, as the view reports it.
    pub filter: crate::views::Filter,
}

impl Pager {
    pub fn new(lines: impl IntoIterator<Item = String>) -> Pager {
        Pager {
            lines: lines.into_iter().collect(),
            ..Pager::default()
        }
    }

    pub fn set_lines(&mut self, lines: impl IntoIterator<Item = String>) {
        self.lines = lines.into_iter().collect();
        self.scroll = self.scroll.min(self.lines.len().saturating_sub(1));
        self.refresh_search();
    }

    /// Appends lines, dropping the oldest beyond `cap`.
    pub fn push_lines(&mut self, lines: impl IntoIterator<Item = String>, cap: usize, page: usize) {
        self.lines.extend(lines);
        let excess = self.lines.len().saturating_sub(cap.max(1));
        if excess > 0 {
            self.lines.drain(..excess);
            self.scroll = self.scroll.saturating_sub(excess);
        }
        if self.follow {
            self.scroll = self.lines.len().saturating_sub(page.max(1));
        }
        self.refresh_search();
    }

    fn max_scroll(&self, page: usize) -> usize {
        self.lines.len().saturating_sub(page.max(1))
    }

    /// Handles scrolling and search-step actions; false for others.
    pub fn act(&mut self, action: Action, page: usize) -> bool {
        let page = page.max(1);
        let step = page.saturating_sub(1).max(1);
        match action {
            Action::Up => {
                self.scroll = self.scroll.saturating_sub(1);
                self.follow = false;
            }
            Action::Down => self.scroll = (self.scroll + 1).min(self.max_scroll(page)),
            Action::PageUp => {
                self.scroll = self.scroll.saturating_sub(step);
                self.follow = false;
            }
            Action::PageDown => self.scroll = (self.scroll + step).min(self.max_scroll(page)),
            Action::Top => {
                self.scroll = 0;
                self.follow = false;
            }
            Action::Bottom => self.scroll = self.max_scroll(page),
            Action::Left => self.hscroll = self.hscroll.saturating_sub(8),
            Action::Right if !self.wrap => self.hscroll += 8,
            Action::Wrap => {
                self.wrap = !self.wrap;
                self.hscroll = 0;
            }
            Action::NextMatch => self.step_match(1, page),
            Action::PrevMatch => self.step_match(-1, page),
            _ => return false,
        }
        true
    }

    /// Starts (or clears, with an empty query) a search and jumps to the
    /// first hit at or after the current position.
    pub fn search(&mut self, query: &str, page: usize) {
        let query = query.trim().to_lowercase();
        if query.is_empty() {
            self.search = None;
            return;
        }
        self.search = Some(Search {
            query,
            ..Search::default()
        });
        self.refresh_search();
        if let Some(s) = &mut self.search {
            s.current = s.hits.iter().position(|h| *h >= self.scroll).unwrap_or(0);
        }
        self.show_current(page);
    }

    fn refresh_search(&mut self) {
        if let Some(s) = &mut self.search {
            s.hits = self
                .lines
                .iter()
                .enumerate()
                .filter(|(_, l)| l.to_lowercase().contains(&s.query))
                .map(|(i, _)| i)
                .collect();
            s.current = s.current.min(s.hits.len().saturating_sub(1));
        }
    }

    fn step_match(&mut self, delta: isize, page: usize) {
        if let Some(s) = &mut self.search {
            if s.hits.is_empty() {
                return;
            }
            let n = s.hits.len() as isize;
            s.current = ((s.current as isize + delta).rem_euclid(n)) as usize;
        }
        self.follow = false;
        self.show_current(page);
    }

    fn show_current(&mut self, page: usize) {
        let Some(line) = self
            .search
            .as_ref()
            .and_then(|s| s.hits.get(s.current).copied())
        else {
            return;
        };
        let page = page.max(1);
        if line < self.scroll || line >= self.scroll + page {
            self.scroll = line.saturating_sub(page / 3).min(self.max_scroll(page));
        }
    }

    /// Sets the search from a `/` filter line.
    pub fn set_filter(&mut self, filter: crate::views::Filter, page: usize) {
        self.search(&filter.text, page);
        self.filter = filter;
    }

    /// "3/17" for the frame title while searching.
    pub fn search_status(&self) -> Option<String> {
        let s = self.search.as_ref()?;
        Some(if s.hits.is_empty() {
            format!("/{}: no match", s.query)
        } else {
            format!("/{}: {}/{}", s.query, s.current + 1, s.hits.len())
        })
    }

    /// Draws the visible lines inside a titled frame.
    pub fn render(
        &self,
        title: Vec<Span<'static>>,
        highlight: Highlighter,
        theme: &Theme,
        area: Rect,
        buf: &mut Buffer,
    ) {
        let mut title = title;
        if let Some(status) = self.search_status() {
            title.push(Span::styled(format!(" {status} "), theme.warn));
        }
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border_focus)
            .title(Line::from(title));
        let inner = block.inner(area);
        block.render(area, buf);
        let page = inner.height as usize;
        let current_hit = self
            .search
            .as_ref()
            .and_then(|s| s.hits.get(s.current).copied());
        let lines: Vec<Line> = self
            .lines
            .iter()
            .enumerate()
            .skip(self.scroll)
            .take(page)
            .map(|(i, text)| {
                let spans = highlight(text, theme);
                let spans = match &self.search {
                    Some(s) => mark(
                        spans,
                        &s.query,
                        if current_hit == Some(i) {
                            theme.matched_current
                        } else {
                            theme.matched
                        },
                    ),
                    None => spans,
                };
                Line::from(spans)
            })
            .collect();
        let mut p = Paragraph::new(lines).style(theme.base);
        if self.wrap {
            p = p.wrap(Wrap { trim: false });
        } else {
            p = p.scroll((0, self.hscroll.min(u16::MAX as usize) as u16));
        }
        p.render(inner, buf);
        if self.lines.len() > page && area.width > 14 {
            let pct = if self.lines.len() <= page {
                100
            } else {
                (self.scroll.min(self.max_scroll(page)) * 100) / self.max_scroll(page).max(1)
            };
            let pos = format!(
                " {}/{} {pct}% ",
                (self.scroll + 1).min(self.lines.len()),
                self.lines.len()
            );
            let w = pos.len() as u16;
            if area.width > w + 2 {
                buf.set_string(
                    area.x + area.width - w - 1,
                    area.y + area.height - 1,
                    pos,
                    theme.dim,
                );
            }
        }
    }
}

/// Re-styles every case-insensitive occurrence of `query` inside `spans`.
pub fn mark(spans: Vec<Span<'static>>, query: &str, style: Style) -> Vec<Span<'static>> {
    if query.is_empty() {
        return spans;
    }
    let mut out = Vec::new();
    for span in spans {
        let text = span.content.to_string();
        let lower = text.to_lowercase();
        if lower.len() != text.len() {
            // Lowercasing changed byte offsets (rare scripts): leave unmarked.
            out.push(span);
            continue;
        }
        let mut at = 0;
        while let Some(pos) = lower[at..].find(query) {
            let start = at + pos;
            let end = start + query.len();
            if start > at {
                out.push(Span::styled(text[at..start].to_string(), span.style));
            }
            out.push(Span::styled(
                text[start..end].to_string(),
                span.style.patch(style),
            ));
            at = end;
        }
        if at < text.len() {
            out.push(Span::styled(text[at..].to_string(), span.style));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pager(n: usize) -> Pager {
        Pager::new((0..n).map(|i| format!("line {i}")))
    }

    #[test]
    fn scrolls_within_bounds() {
        let mut p = pager(100);
        assert!(p.act(Action::PageDown, 10));
        assert_eq!(p.scroll, 9);
        p.act(Action::Bottom, 10);
        assert_eq!(p.scroll, 90);
        p.act(Action::Down, 10);
        assert_eq!(p.scroll, 90);
        p.act(Action::Top, 10);
        assert_eq!(p.scroll, 0);
        assert!(!p.act(Action::Yaml, 10));
    }

    #[test]
    fn search_finds_steps_and_wraps() {
        let mut p = pager(100);
        p.search("LINE 5", 10);
        let s = p.search.clone().expect("search");
        assert_eq!(s.hits, vec![5, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59]);
        assert_eq!(p.search_status().as_deref(), Some("/line 5: 1/11"));
        p.act(Action::NextMatch, 10);
        assert!(p.scroll <= 50 && 50 < p.scroll + 10);
        p.act(Action::PrevMatch, 10);
        p.act(Action::PrevMatch, 10);
        assert_eq!(
            p.search.as_ref().map(|s| s.current),
            Some(10),
            "wraps to the last hit"
        );
        p.search("zzz", 10);
        assert_eq!(p.search_status().as_deref(), Some("/zzz: no match"));
        p.search("", 10);
        assert!(p.search.is_none());
    }

    #[test]
    fn bounded_buffer_drops_oldest_and_follows() {
        let mut p = Pager {
            follow: true,
            ..Pager::default()
        };
        p.push_lines((0..50).map(|i| i.to_string()), 20, 5);
        assert_eq!(p.lines.len(), 20);
        assert_eq!(p.lines.front().map(String::as_str), Some("30"));
        assert_eq!(p.scroll, 15);
        p.act(Action::Up, 5);
        assert!(!p.follow, "scrolling up stops following");
    }

    #[test]
    fn marks_matches_case_insensitively() {
        let spans = mark(
            vec![Span::raw("Error: an error")],
            "error",
            Style::new().bold(),
        );
        let texts: Vec<_> = spans.iter().map(|s| s.content.to_string()).collect();
        assert_eq!(texts, vec!["Error", ": an ", "error"]);
    }
}
