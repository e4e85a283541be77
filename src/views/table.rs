//! The table every list screen uses: rows filtered and sorted once per data
//! change, selection kept by key across updates, and only the visible rows
//! turned into cells when drawing, so 100,000 rows cost what 40 do.

use std::cmp::Ordering;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};
use unicode_width::UnicodeWidthStr;

use super::Filter;
use crate::app::theme::Theme;

/// A column's title and how wide it may get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub title: &'static str,
    pub min: u16,
    pub max: u16,
    /// Right-align (numbers).
    pub right: bool,
    /// Dropped first when the terminal is narrow.
    pub optional: bool,
}

impl Column {
    pub const fn new(title: &'static str, min: u16, max: u16) -> Column {
        Column {
            title,
            min,
            max,
            right: false,
            optional: false,
        }
    }

    pub const fn right(mut self) -> Column {
        self.right = true;
        self
    }

    pub const fn optional(mut self) -> Column {
        self.optional = true;
        self
    }
}

/// How a cell reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    #[default]
    Normal,
    Dim,
    Ok,
    Warn,
    Error,
    Info,
}

impl Tone {
    pub fn style(self, theme: &Theme) -> Style {
        match self {
            Tone::Normal => theme.base,
            Tone::Dim => theme.dim,
            Tone::Ok => theme.ok,
            Tone::Warn => theme.warn,
            Tone::Error => theme.error,
            Tone::Info => theme.info,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cell {
    pub text: String,
    pub tone: Tone,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            tone: Tone::Normal,
        }
    }

    pub fn tone(text: impl Into<String>, tone: Tone) -> Cell {
        Cell {
            text: text.into(),
            tone,
        }
    }
}

/// What a column sorts by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortKey {
    Missing,
    Num(i64),
    Text(String),
}

/// How a kind of row becomes cells.
pub trait TableModel<T> {
    fn columns(&self) -> &[Column];
    /// Stable identity (uid), so selection survives updates.
    fn key(&self, row: &T) -> String;
    fn cell(&self, row: &T, col: usize) -> Cell;
    fn sort_key(&self, row: &T, col: usize) -> SortKey {
        SortKey::Text(self.cell(row, col).text)
    }
    /// Lowercase text the `/` filter searches.
    fn search_text(&self, row: &T) -> String {
        (0..self.columns().len().min(2))
            .map(|c| self.cell(row, c).text.to_lowercase())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Rows, selection, scroll, sort and filter of one table.
#[derive(Debug, Clone)]
pub struct TableState<T> {
    pub rows: Vec<T>,
    /// Rows before filtering.
    pub total: usize,
    pub selected: usize,
    pub selected_key: Option<String>,
    pub offset: usize,
    /// Column and descending flag.
    pub sort: (usize, bool),
    pub filter: Filter,
}

impl<T> Default for TableState<T> {
    fn default() -> Self {
        TableState {
            rows: Vec::new(),
            total: 0,
            selected: 0,
            selected_key: None,
            offset: 0,
            sort: (0, false),
            filter: Filter::default(),
        }
    }
}

impl<T> TableState<T> {
    pub fn selected_row(&self) -> Option<&T> {
        self.rows.get(self.selected)
    }

    /// Replaces the rows: filter, sort, then find the selected key again.
    pub fn rebuild(&mut self, items: Vec<T>, model: &dyn TableModel<T>) {
        self.total = items.len();
        let rows: Vec<T> = if self.filter.needle.is_empty() {
            items
        } else {
            items
                .into_iter()
                .filter(|r| self.filter.matches(&model.search_text(r)))
                .collect()
        };
        let (col, desc) = self.sort;
        let col = col.min(model.columns().len().saturating_sub(1));
        let mut keyed: Vec<(SortKey, String, T)> = rows
            .into_iter()
            .map(|r| (model.sort_key(&r, col), model.key(&r), r))
            .collect();
        keyed.sort_by(|a, b| {
            let o = a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1));
            if desc { o.reverse() } else { o }
        });
        let found = self
            .selected_key
            .as_ref()
            .and_then(|k| keyed.iter().position(|(_, key, _)| key == k));
        self.rows = keyed.into_iter().map(|(_, _, r)| r).collect();
        match found {
            Some(i) => self.selected = i,
            None => {
                self.selected = self.selected.min(self.rows.len().saturating_sub(1));
                self.selected_key = self.rows.get(self.selected).map(|r| model.key(r));
            }
        }
    }

    /// Moves the selection by `delta` rows, keeping it on screen.
    pub fn move_by(&mut self, delta: isize, page: usize, model: &dyn TableModel<T>) {
        if self.rows.is_empty() {
            return;
        }
        let last = self.rows.len() - 1;
        let target = (self.selected as isize + delta).clamp(0, last as isize) as usize;
        self.select(target, page, model);
    }

    pub fn select(&mut self, index: usize, page: usize, model: &dyn TableModel<T>) {
        if self.rows.is_empty() {
            return;
        }
        self.selected = index.min(self.rows.len() - 1);
        self.selected_key = self.rows.get(self.selected).map(|r| model.key(r));
        self.scroll_into_view(page);
    }

    pub fn scroll_into_view(&mut self, page: usize) {
        let page = page.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
    }

    /// Next sort column (wrapping); same column twice flips the order.
    pub fn sort_by(&mut self, col: usize) {
        if self.sort.0 == col {
            self.sort.1 = !self.sort.1;
        } else {
            self.sort = (col, false);
        }
    }
}

/// What a table's frame says besides its rows.
pub struct Frame<'a> {
    pub title: &'a str,
    /// e.g. "ml-research" or "all".
    pub scope: Option<&'a str>,
    /// Shown when the data is not live ("stale 12s", "connecting").
    pub marker: Option<(String, Tone)>,
    /// Shown in place of rows when there are none.
    pub empty: &'a str,
    pub focused: bool,
}

/// Column widths that fit `avail`, dropping optional columns if needed.
pub fn fit_columns(cols: &[Column], wants: &[u16], avail: u16) -> Vec<Option<u16>> {
    let gap = 1u16;
    let mut shown: Vec<bool> = vec![true; cols.len()];
    let total = |shown: &[bool], widths: &[u16]| -> u16 {
        let n = shown.iter().filter(|s| **s).count() as u16;
        widths
            .iter()
            .zip(shown)
            .filter(|(_, s)| **s)
            .map(|(w, _)| *w)
            .sum::<u16>()
            + n.saturating_sub(1) * gap
    };
    let mut widths: Vec<u16> = cols
        .iter()
        .zip(wants)
        .map(|(c, w)| (*w).clamp(c.min, c.max.max(c.min)))
        .collect();
    // Required columns get their wanted width first: drop optional columns,
    // rightmost first, while the wanted widths do not fit.
    for i in (0..cols.len()).rev() {
        if total(&shown, &widths) <= avail {
            break;
        }
        if cols[i].optional {
            shown[i] = false;
        }
    }
    // Shrink the widest shown column above its minimum, one cell at a time.
    while total(&shown, &widths) > avail {
        let widest = (0..cols.len())
            .filter(|i| shown[*i] && widths[*i] > cols[*i].min)
            .max_by_key(|i| widths[*i]);
        match widest {
            Some(i) => widths[i] -= 1,
            None => break,
        }
    }
    // Dropped optional columns come back, left to right, into what is left,
    // truncated to fit if at least their minimum does.
    for i in 0..cols.len() {
        if shown[i] || !cols[i].optional {
            continue;
        }
        let used = total(&shown, &widths);
        if used + gap + cols[i].min <= avail {
            widths[i] = widths[i].min(avail - used - gap);
            shown[i] = true;
        }
    }
    // Leftover space goes to the first column (usually NAME), up to its max.
    let used = total(&shown, &widths);
    if used < avail
        && let Some(first) = shown.iter().position(|s| *s)
    {
        let room = cols[first].max.saturating_sub(widths[first]);
        widths[first] += room.min(avail - used);
    }
    widths
        .into_iter()
        .zip(shown)
        .map(|(w, s)| s.then_some(w))
        .collect()
}

/// Cuts `text` to `width` columns, marking the cut with '…'.
pub fn truncate(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        out.push(ch);
        used += w;
    }
    out.push('…');
    out
}

/// Draws the table: a bordered frame, the header, then the visible rows only.
pub fn render<T>(
    state: &TableState<T>,
    model: &dyn TableModel<T>,
    frame: &Frame,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let count = if state.total == state.rows.len() {
        format!("{}", state.rows.len())
    } else {
        format!("{}/{}", state.rows.len(), state.total)
    };
    let mut title = vec![Span::styled(format!(" {}", frame.title), theme.title)];
    if let Some(scope) = frame.scope {
        title.push(Span::styled(format!("({scope})"), theme.info));
    }
    title.push(Span::styled(format!("[{count}]"), theme.header_value));
    if !state.filter.text.is_empty() {
        title.push(Span::styled(
            format!(" </{}>", state.filter.text),
            theme.warn,
        ));
    }
    if let Some((text, tone)) = &frame.marker {
        title.push(Span::styled(format!(" {text}"), tone.style(theme)));
    }
    title.push(Span::raw(" "));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if frame.focused {
            theme.border_focus
        } else {
            theme.border
        })
        .title(Line::from(title));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height < 2 || inner.width < 4 {
        return;
    }
    let body_rows = (inner.height - 1) as usize;
    // The offset in state keeps the selection visible for the page size the
    // update last knew; after a resize, adjust here without mutating.
    let mut offset = state.offset.min(state.rows.len().saturating_sub(1));
    if state.selected >= offset + body_rows {
        offset = state.selected + 1 - body_rows;
    }
    if state.selected < offset {
        offset = state.selected;
    }
    let visible: Vec<&T> = state.rows.iter().skip(offset).take(body_rows).collect();
    let cols = model.columns();
    let cells: Vec<Vec<Cell>> = visible
        .iter()
        .map(|r| (0..cols.len()).map(|c| model.cell(r, c)).collect())
        .collect();
    let wants: Vec<u16> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let body = cells
                .iter()
                .map(|row| row[i].text.width())
                .max()
                .unwrap_or(0);
            (body.max(c.title.len() + 1)).min(u16::MAX as usize) as u16
        })
        .collect();
    let widths = fit_columns(cols, &wants, inner.width);

    // Header.
    let mut x = inner.x;
    for (i, c) in cols.iter().enumerate() {
        let Some(w) = widths[i] else { continue };
        let mut title = c.title.to_string();
        if state.sort.0 == i {
            title.push(if state.sort.1 { '↓' } else { '↑' });
        }
        put(buf, x, inner.y, w, &title, c.right, theme.table_header);
        x += w + 1;
    }
    if state.rows.is_empty() {
        // Long reasons (a refusal in the server's words) wrap.
        let msg = Paragraph::new(Line::styled(frame.empty, theme.dim))
            .centered()
            .wrap(ratatui::widgets::Wrap { trim: true });
        let top = inner.y + 1 + (body_rows as u16 / 3);
        msg.render(
            Rect {
                y: top,
                height: (inner.y + inner.height).saturating_sub(top).min(4),
                ..inner
            },
            buf,
        );
        return;
    }
    for (row_i, row) in cells.iter().enumerate() {
        let y = inner.y + 1 + row_i as u16;
        let is_selected = offset + row_i == state.selected;
        if is_selected {
            buf.set_style(
                Rect {
                    x: inner.x,
                    y,
                    width: inner.width,
                    height: 1,
                },
                theme.selected,
            );
        }
        let mut x = inner.x;
        for (i, c) in cols.iter().enumerate() {
            let Some(w) = widths[i] else { continue };
            let style = if is_selected {
                theme.selected
            } else {
                row[i].tone.style(theme)
            };
            put(buf, x, y, w, &row[i].text, c.right, style);
            x += w + 1;
        }
    }
    // Scroll position, bottom right of the frame.
    if state.rows.len() > body_rows {
        let pos = format!(" {}/{} ", state.selected + 1, state.rows.len());
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

fn put(buf: &mut Buffer, x: u16, y: u16, width: u16, text: &str, right: bool, style: Style) {
    let text = truncate(text, width as usize);
    let pad = (width as usize).saturating_sub(text.width()) as u16;
    let x = if right { x + pad } else { x };
    buf.set_stringn(x, y, &text, width as usize, style);
}

/// Compares optional timestamps, oldest first, missing last.
pub fn cmp_opt<T: Ord>(a: &Option<T>, b: &Option<T>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp(b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Words;
    const COLS: [Column; 2] = [Column::new("NAME", 4, 30), Column::new("LEN", 3, 5)];
    impl TableModel<String> for Words {
        fn columns(&self) -> &[Column] {
            &COLS
        }
        fn key(&self, row: &String) -> String {
            row.clone()
        }
        fn cell(&self, row: &String, col: usize) -> Cell {
            match col {
                0 => Cell::new(row.clone()),
                _ => Cell::new(row.len().to_string()),
            }
        }
        fn sort_key(&self, row: &String, col: usize) -> SortKey {
            match col {
                0 => SortKey::Text(row.clone()),
                _ => SortKey::Num(row.len() as i64),
            }
        }
    }

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn selection_follows_the_key_across_rebuilds() {
        let mut t = TableState::default();
        t.rebuild(words(&["b", "a", "c"]), &Words);
        assert_eq!(t.rows, words(&["a", "b", "c"]));
        t.select(1, 10, &Words);
        assert_eq!(t.selected_key.as_deref(), Some("b"));
        t.rebuild(words(&["0", "b", "c", "a"]), &Words);
        assert_eq!(t.selected_row().map(String::as_str), Some("b"));
        // The selected row disappears: the index stays, the key moves on.
        t.rebuild(words(&["0", "c", "a"]), &Words);
        assert_eq!(t.selected, 2);
        assert_eq!(t.selected_key.as_deref(), Some("c"));
        t.rebuild(vec![], &Words);
        assert_eq!(t.selected_row(), None);
    }

    #[test]
    fn sorting_and_filtering() {
        let mut t = TableState::default();
        t.sort_by(1);
        t.rebuild(words(&["ccc", "a", "bb"]), &Words);
        assert_eq!(t.rows, words(&["a", "bb", "ccc"]));
        t.sort_by(1);
        t.rebuild(words(&["ccc", "a", "bb"]), &Words);
        assert_eq!(t.rows, words(&["ccc", "bb", "a"]));
        t.filter = Filter::parse("!b").expect("filter");
        t.rebuild(words(&["ccc", "a", "bb"]), &Words);
        assert_eq!((t.rows.clone(), t.total), (words(&["ccc", "a"]), 3));
    }

    #[test]
    fn moving_keeps_selection_on_screen() {
        let mut t = TableState::default();
        t.rebuild((0..100).map(|i| format!("{i:03}")).collect(), &Words);
        t.move_by(15, 10, &Words);
        assert_eq!((t.selected, t.offset), (15, 6));
        t.move_by(-100, 10, &Words);
        assert_eq!((t.selected, t.offset), (0, 0));
        t.move_by(1000, 10, &Words);
        assert_eq!((t.selected, t.offset), (99, 90));
    }

    #[test]
    fn columns_fit_narrow_terminals() {
        let cols = [
            Column::new("NAME", 10, 40),
            Column::new("IMAGE", 10, 40).optional(),
            Column::new("AGE", 3, 5),
        ];
        let w = fit_columns(&cols, &[30, 30, 4], 80);
        assert_eq!(
            w,
            vec![Some(40), Some(30), Some(4)],
            "spare room goes to NAME"
        );
        let w = fit_columns(&cols, &[30, 30, 4], 20);
        assert_eq!(w[1], None, "optional column dropped: {w:?}");
        let w = fit_columns(&cols, &[30, 30, 4], 50);
        assert_eq!(
            w,
            vec![Some(30), Some(14), Some(4)],
            "optional shrinks before NAME: {w:?}"
        );
        let w = fit_columns(&cols, &[30, 30, 4], 40);
        assert_eq!(
            w,
            vec![Some(35), None, Some(4)],
            "no room for its minimum: {w:?}"
        );
        assert!(w[0].unwrap_or(0) >= 10);
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
