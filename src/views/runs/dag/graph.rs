//! Draws a [`Layout`] into the run page: the part of the grid around the
//! selected box (centred on it, clamped to the graph's edges), boxes with
//! phase icon and name, edges in box-drawing characters (an ASCII set when
//! the locale is not UTF-8), and at each layer's ends how many boxes lie
//! off-screen on that side. Reads the layout only; no state of its own.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::layout::{BOX_H, DOWN, LEFT, Layout, RIGHT, UP};
use crate::app::theme::Theme;

/// The glyph of an edge cell.
pub fn glyph(bits: u8, ascii: bool) -> &'static str {
    let v = bits & (UP | DOWN) != 0;
    let h = bits & (LEFT | RIGHT) != 0;
    if ascii {
        return match (v, h) {
            (true, true) => "+",
            (true, false) => "|",
            (false, true) => "-",
            _ => " ",
        };
    }
    match bits {
        0 => " ",
        b if b == UP | DOWN || b == UP || b == DOWN => "│",
        b if b == LEFT | RIGHT || b == LEFT || b == RIGHT => "─",
        b if b == DOWN | RIGHT => "┌",
        b if b == DOWN | LEFT => "┐",
        b if b == UP | RIGHT => "└",
        b if b == UP | LEFT => "┘",
        b if b == UP | DOWN | RIGHT => "├",
        b if b == UP | DOWN | LEFT => "┤",
        b if b == DOWN | LEFT | RIGHT => "┬",
        b if b == UP | LEFT | RIGHT => "┴",
        _ => "┼",
    }
}

/// The top-left grid cell in view: the selected box centred, clamped.
pub fn scroll(layout: &Layout, selected: usize, view: (u32, u32)) -> (u32, u32) {
    let Some(b) = layout
        .of_row
        .get(selected)
        .and_then(|&i| layout.boxes.get(i))
    else {
        return (0, 0);
    };
    let (vw, vh) = view;
    let y = layout.layer_y.get(b.layer).copied().unwrap_or(0) + 1;
    let sx = b
        .center()
        .saturating_sub(vw / 2)
        .min(layout.width.saturating_sub(vw));
    let sy = y
        .saturating_sub(vh / 2)
        .min(layout.height.saturating_sub(vh));
    (sx, sy)
}

/// One line above the graph: where the selection is and what was left out.
pub fn status(layout: &Layout, selected: usize) -> String {
    let Some(b) = layout
        .of_row
        .get(selected)
        .and_then(|&i| layout.boxes.get(i))
    else {
        return "graph: no nodes".into();
    };
    let layer = &layout.layers[b.layer];
    let real: Vec<usize> = layer.iter().filter_map(|&i| layout.boxes[i].row).collect();
    let at = real.iter().position(|&r| r == selected).unwrap_or(0) + 1;
    let mut s = format!(
        "graph · layer {}/{} · {at}/{} in layer · {} tasks",
        b.layer + 1,
        layout.layers.len(),
        real.len(),
        layout.of_row.len()
    );
    if layout.cut > 0 {
        s.push_str(&format!(" · {} cyclic edge(s) cut", layout.cut));
    }
    if layout.undrawn > 0 {
        s.push_str(&format!(" · {} long edge(s) not drawn", layout.undrawn));
    }
    s
}

fn set(buf: &mut Buffer, area: Rect, x: i64, y: i64, s: &str, style: Style) {
    if x < 0 || y < 0 || x >= i64::from(area.width) || y >= i64::from(area.height) {
        return;
    }
    buf.set_stringn(
        area.x + x as u16,
        area.y + y as u16,
        s,
        (i64::from(area.width) - x) as usize,
        style,
    );
}

/// Draws the graph into `area` with the box of tree row `selected` in view.
pub fn render(layout: &Layout, selected: usize, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let ascii = theme.ascii;
    if area.width == 0 || area.height == 0 {
        return;
    }
    let (vw, vh) = (u32::from(area.width), u32::from(area.height));
    let (sx, sy) = scroll(layout, selected, (vw, vh));
    // Edges.
    let y_end = (sy + vh).min(layout.height);
    for y in sy..y_end {
        let Some(row) = layout.lines.get(y as usize) else {
            break;
        };
        if row.cells.is_empty() {
            continue;
        }
        let from = sx.max(row.x0);
        let to = (sx + vw).min(row.x0 + row.cells.len() as u32);
        for x in from..to {
            let bits = row.at(x);
            if bits != 0 {
                set(
                    buf,
                    area,
                    i64::from(x - sx),
                    i64::from(y - sy),
                    glyph(bits, ascii),
                    theme.dim,
                );
            }
        }
    }
    // Boxes of the layers in view.
    let (h, v, tl, tr, bl, br, tee_up, tee_down) = if ascii {
        ("-", "|", "+", "+", "+", "+", "+", "+")
    } else {
        ("─", "│", "┌", "┐", "└", "┘", "┴", "┬")
    };
    // The selected box in heavy lines (`#`/`=` in ASCII), readable
    // without colour.
    let (sh, sv, stl, str_, sbl, sbr, sup, sdown) = if ascii {
        ("=", "#", "#", "#", "#", "#", "#", "#")
    } else {
        ("━", "┃", "┏", "┓", "┗", "┛", "┷", "┯")
    };
    let sel_box = layout.of_row.get(selected).copied();
    for (l, ids) in layout.layers.iter().enumerate() {
        let top = layout.layer_y[l];
        if top + BOX_H <= sy || top >= sy + vh {
            continue;
        }
        let ry = i64::from(top) - i64::from(sy);
        let first = ids.partition_point(|&i| layout.boxes[i].x + layout.boxes[i].w <= sx);
        let mut left_off = ids[..first]
            .iter()
            .filter(|&&i| !layout.boxes[i].is_dummy())
            .count();
        let mut right_off = 0;
        for &i in &ids[first..] {
            let b = &layout.boxes[i];
            if b.x >= sx + vw {
                right_off += usize::from(!b.is_dummy());
                continue;
            }
            let bx = i64::from(b.x) - i64::from(sx);
            if b.is_dummy() {
                for k in 0..BOX_H as i64 {
                    set(buf, area, bx, ry + k, v, theme.dim);
                }
                continue;
            }
            // Boxes cut by the left edge count as off-screen there.
            if bx < 0 {
                left_off += 1;
            }
            let sel = sel_box == Some(i);
            let border = if sel { theme.selected } else { theme.border };
            let (h, v, tl, tr, bl, br, tee_up, tee_down) = if sel {
                (sh, sv, stl, str_, sbl, sbr, sup, sdown)
            } else {
                (h, v, tl, tr, bl, br, tee_up, tee_down)
            };
            let inner = b.w.saturating_sub(2) as usize;
            let mut topline = format!("{tl}{}{tr}", h.repeat(inner));
            let mut bottom = format!("{bl}{}{br}", h.repeat(inner));
            let mid = (b.w / 2) as usize;
            if b.has_in {
                topline = replace_at(&topline, mid, tee_up);
            }
            if b.has_out {
                bottom = replace_at(&bottom, mid, tee_down);
            }
            draw_clipped(buf, area, bx, ry, &topline, border);
            draw_clipped(buf, area, bx, ry + 2, &bottom, border);
            let label_style = if sel { theme.selected } else { theme.base };
            let body = format!(
                "{v}{} {:<width$}{v}",
                b.phase.icon(ascii),
                b.label,
                width = inner.saturating_sub(2)
            );
            draw_clipped(buf, area, bx, ry + 1, &body, label_style);
            if !sel {
                draw_clipped(
                    buf,
                    area,
                    bx + 1,
                    ry + 1,
                    b.phase.icon(ascii),
                    b.phase.tone().style(theme),
                );
                draw_clipped(buf, area, bx, ry + 1, v, border);
                draw_clipped(buf, area, bx + i64::from(b.w) - 1, ry + 1, v, border);
            }
        }
        let (lm, rm) = if ascii { ("<", ">") } else { ("‹", "›") };
        if left_off > 0 {
            set(
                buf,
                area,
                0,
                ry + 1,
                &format!("{lm}+{left_off}"),
                theme.warn,
            );
        }
        if right_off > 0 {
            let text = format!("+{right_off}{rm}");
            let x = i64::from(area.width) - text.chars().count() as i64;
            set(buf, area, x, ry + 1, &text, theme.warn);
        }
    }
}

fn replace_at(s: &str, at: usize, with: &str) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| {
            if i == at {
                with.to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Draws `s` at (x, y) relative to `area`, dropping what falls outside.
fn draw_clipped(buf: &mut Buffer, area: Rect, x: i64, y: i64, s: &str, style: Style) {
    if y < 0 || y >= i64::from(area.height) {
        return;
    }
    let skip = (-x).max(0) as usize;
    let text: String = s.chars().skip(skip).collect();
    set(buf, area, x.max(0), y, &text, style);
}
