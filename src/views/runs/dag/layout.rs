//! The graph mode's layout: the tree's rows (KFP tasks, or the raw Argo
//! nodes) laid out in layers, Sugiyama-style, on a character grid. Edges are
//! the nodes' `children` links mapped to rows (and a row's tree parent when
//! no link reaches it); cycles are cut, layers are the longest path from a
//! source, long edges pass through one-column dummies, layers are ordered by
//! barycenter sweeps, boxes are placed over the mean of their neighbours,
//! and the edges between two layers run on a few horizontal tracks.
//!
//! Computed once per change of the run (not per frame); the renderer only
//! copies the part in view. No ratatui here.
//!
//! Wide layers (fan-out or fan-in of 50) stay one row of boxes: the view
//! scrolls sideways to the selection and says how many boxes are off each
//! side. Wrapping a layer would fold its edges through the boxes of the rows
//! above, which reads worse than a count and a scroll.

use std::collections::HashMap;

use super::{Dag, Phase, Row};

/// Rows of a box: top border, label, bottom border.
pub const BOX_H: u32 = 3;
/// Label characters kept in a box (longer ones end in `…`).
pub const LABEL_MAX: usize = 22;
/// Columns between neighbouring boxes.
const H_GAP: u32 = 2;
/// Horizontal tracks between two layers, at most.
const MAX_TRACKS: usize = 3;

/// Edge directions of one grid cell.
pub const UP: u8 = 1;
pub const DOWN: u8 = 2;
pub const LEFT: u8 = 4;
pub const RIGHT: u8 = 8;

/// A task's box, or a dummy a long edge passes through.
#[derive(Debug, Clone, PartialEq)]
pub struct GBox {
    /// The tree row it shows; `None` for a dummy.
    pub row: Option<usize>,
    pub layer: usize,
    pub x: u32,
    pub w: u32,
    pub label: String,
    pub phase: Phase,
    /// An edge enters from above / leaves below (at the centre column).
    pub has_in: bool,
    pub has_out: bool,
}

impl GBox {
    pub fn center(&self) -> u32 {
        self.x + self.w / 2
    }

    pub fn is_dummy(&self) -> bool {
        self.row.is_none()
    }
}

/// The edge cells of one grid row, from column `x0`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineRow {
    pub x0: u32,
    pub cells: Vec<u8>,
}

impl LineRow {
    pub fn at(&self, x: u32) -> u8 {
        x.checked_sub(self.x0)
            .and_then(|i| self.cells.get(i as usize))
            .copied()
            .unwrap_or(0)
    }

    fn set(&mut self, x: u32, bits: u8) {
        if let Some(c) = x
            .checked_sub(self.x0)
            .and_then(|i| self.cells.get_mut(i as usize))
        {
            *c |= bits;
        }
    }
}

/// The laid-out graph.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub boxes: Vec<GBox>,
    /// Box indices of each layer, left to right.
    pub layers: Vec<Vec<usize>>,
    /// Top grid row of each layer's boxes.
    pub layer_y: Vec<u32>,
    /// Edge cells by grid row (empty on box rows).
    pub lines: Vec<LineRow>,
    /// The box of each tree row.
    pub of_row: Vec<usize>,
    pub width: u32,
    pub height: u32,
    /// Edges cut to break cycles in the node map.
    pub cut: usize,
    /// Long edges left out to keep the layout small.
    pub undrawn: usize,
    /// Edges drawn (between rows).
    pub edges: Vec<(usize, usize)>,
}

/// The label a box shows, cut to [`LABEL_MAX`].
fn box_label(label: &str) -> String {
    let clean: String = label.chars().filter(|c| !c.is_control()).collect();
    if clean.chars().count() <= LABEL_MAX {
        return clean;
    }
    let mut s: String = clean.chars().take(LABEL_MAX - 1).collect();
    s.push('…');
    s
}

/// Edges between tree rows: every `children` link of a node folded into a
/// row, to the row of that child; a row no link reaches hangs under its
/// tree parent. No self-loops, no duplicates.
pub fn row_edges(dag: &Dag, rows: &[Row]) -> Vec<(usize, usize)> {
    let mut row_of: HashMap<&str, usize> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        for id in r.folded.iter().chain(r.driver.iter()) {
            row_of.entry(id.as_str()).or_insert(i);
        }
        row_of.entry(r.id.as_str()).or_insert(i);
    }
    let mut edges: Vec<(usize, usize)> = Vec::new();
    let mut seen: std::collections::HashSet<(usize, usize)> = Default::default();
    let mut reached = vec![false; rows.len()];
    for (i, r) in rows.iter().enumerate() {
        for id in r.folded.iter().chain(r.driver.iter()) {
            let Some(n) = dag.get(id) else { continue };
            for c in &n.children {
                if let Some(&j) = row_of.get(c.as_str())
                    && j != i
                    && seen.insert((i, j))
                {
                    edges.push((i, j));
                    reached[j] = true;
                }
            }
        }
    }
    // Tree parents for rows no link reaches: the nearest row above with a
    // smaller depth.
    let mut stack: Vec<usize> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        while stack.last().is_some_and(|&p| rows[p].depth >= r.depth) {
            stack.pop();
        }
        if !reached[i]
            && let Some(&p) = stack.last()
            && seen.insert((p, i))
        {
            edges.push((p, i));
        }
        stack.push(i);
    }
    edges
}

/// Drops the edges that close a cycle (back edges of a depth-first walk in
/// row order); returns the kept edges and how many were cut.
fn acyclic(n: usize, edges: &[(usize, usize)]) -> (Vec<(usize, usize)>, usize) {
    let mut out: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for (k, &(a, b)) in edges.iter().enumerate() {
        out[a].push((b, k));
    }
    // 0 unseen, 1 on the stack, 2 done.
    let mut state = vec![0u8; n];
    let mut back = vec![false; edges.len()];
    for s in 0..n {
        if state[s] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(s, 0)];
        state[s] = 1;
        while let Some(&mut (v, ref mut i)) = stack.last_mut() {
            if let Some(&(w, k)) = out[v].get(*i) {
                *i += 1;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => back[k] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    let cut = back.iter().filter(|b| **b).count();
    let kept = edges
        .iter()
        .zip(&back)
        .filter(|(_, b)| !**b)
        .map(|(e, _)| *e)
        .collect();
    (kept, cut)
}

/// Longest-path layers of an acyclic graph (sources in layer 0).
fn layers_of(n: usize, edges: &[(usize, usize)]) -> Vec<usize> {
    let mut indeg = vec![0usize; n];
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in edges {
        indeg[b] += 1;
        out[a].push(b);
    }
    let mut layer = vec![0usize; n];
    let mut ready: Vec<usize> = (0..n).rev().filter(|&v| indeg[v] == 0).collect();
    while let Some(v) = ready.pop() {
        for &w in &out[v] {
            layer[w] = layer[w].max(layer[v] + 1);
            indeg[w] -= 1;
            if indeg[w] == 0 {
                ready.push(w);
            }
        }
    }
    layer
}

/// A horizontal run of edge cells between two layers: its columns, the
/// boxes above that drop onto it and the boxes below it feeds.
type Bus = (u32, u32, Vec<usize>, Vec<usize>);

fn mean(xs: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// Lays out `rows` of `dag`.
pub fn layout(dag: &Dag, rows: &[Row]) -> Layout {
    let n = rows.len();
    if n == 0 {
        return Layout::default();
    }
    let (edges, cut) = acyclic(n, &row_edges(dag, rows));
    let layer = layers_of(n, &edges);
    let mut boxes: Vec<GBox> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let label = box_label(&r.label);
            GBox {
                row: Some(i),
                layer: layer[i],
                x: 0,
                w: label.chars().count() as u32 + 4,
                label,
                phase: r.phase,
                has_in: false,
                has_out: false,
            }
        })
        .collect();
    // Segments between adjacent layers, through dummies for long edges.
    let budget = 4 * n + 1000;
    let mut undrawn = 0;
    let mut segs: Vec<(usize, usize)> = Vec::with_capacity(edges.len());
    for &(a, b) in &edges {
        let span = layer[b] - layer[a];
        if span > 1 && boxes.len() - n + span - 1 > budget {
            undrawn += 1;
            continue;
        }
        let mut at = a;
        for l in layer[a] + 1..layer[b] {
            boxes.push(GBox {
                row: None,
                layer: l,
                x: 0,
                w: 1,
                label: String::new(),
                phase: Phase::Pending,
                has_in: true,
                has_out: true,
            });
            let d = boxes.len() - 1;
            segs.push((at, d));
            at = d;
        }
        segs.push((at, b));
    }
    let total = boxes.len();
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); total];
    let mut succs: Vec<Vec<usize>> = vec![Vec::new(); total];
    for &(a, b) in &segs {
        succs[a].push(b);
        preds[b].push(a);
        boxes[a].has_out = true;
        boxes[b].has_in = true;
    }
    let depth = boxes.iter().map(|b| b.layer).max().unwrap_or(0) + 1;
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); depth];
    for (i, b) in boxes.iter().enumerate() {
        layers[b.layer].push(i);
    }
    // Barycenter ordering: down, up, down.
    let mut pos = vec![0usize; total];
    for l in &layers {
        for (p, &b) in l.iter().enumerate() {
            pos[b] = p;
        }
    }
    for sweep in 0..3 {
        let down = sweep % 2 == 0;
        let order: Vec<usize> = if down {
            (1..depth).collect()
        } else {
            (0..depth.saturating_sub(1)).rev().collect()
        };
        for l in order {
            let keys: Vec<(f64, usize, usize)> = layers[l]
                .iter()
                .map(|&b| {
                    let nb = if down { &preds[b] } else { &succs[b] };
                    let k = mean(nb.iter().map(|&x| pos[x] as f64)).unwrap_or(pos[b] as f64);
                    (k, pos[b], b)
                })
                .collect();
            let mut keys = keys;
            keys.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            layers[l] = keys.into_iter().map(|(_, _, b)| b).collect();
            for (p, &b) in layers[l].iter().enumerate() {
                pos[b] = p;
            }
        }
    }
    // Columns: pack the first layer, then each box over the mean of its
    // parents (down) and of its children (up), never overlapping.
    let place =
        |boxes: &mut Vec<GBox>, l: &[usize], want: &dyn Fn(&[GBox], usize) -> Option<f64>| {
            let mut right: Option<u32> = None;
            let mut drift = 0.0;
            let mut wanted = 0usize;
            for &b in l {
                let w = boxes[b].w;
                let min = right.map(|r| r + H_GAP).unwrap_or(0);
                let want_x = want(boxes, b).map(|c| (c - f64::from(w / 2)).max(0.0) as u32);
                let x = want_x.unwrap_or(min).max(min);
                if let Some(d) = want_x {
                    drift += f64::from(x) - f64::from(d);
                    wanted += 1;
                }
                boxes[b].x = x;
                right = Some(x + w);
            }
            // Packing only pushes right: shift the layer back by the mean
            // push, so a fan-out centres under its parent, not starts there.
            if wanted > 0 {
                let lowest = l.iter().map(|&b| boxes[b].x).min().unwrap_or(0);
                let shift = ((drift / wanted as f64) as u32).min(lowest);
                for &b in l {
                    boxes[b].x -= shift;
                }
            }
        };
    place(&mut boxes, &layers[0], &|_, _| None);
    for layer in layers.iter().skip(1) {
        place(&mut boxes, layer, &|bx, b| {
            mean(preds[b].iter().map(|&p| f64::from(bx[p].center())))
        });
    }
    for l in (0..depth.saturating_sub(1)).rev() {
        place(&mut boxes, &layers[l], &|bx, b| {
            // Over the children it alone leads; a fan-in's parents stay
            // where they are (the child is centred under them already).
            mean(
                succs[b]
                    .iter()
                    .filter(|&&s| preds[s].len() == 1)
                    .map(|&s| f64::from(bx[s].center())),
            )
            .or(Some(f64::from(bx[b].center())))
        });
    }
    let width = boxes.iter().map(|b| b.x + b.w).max().unwrap_or(0);
    // Rows: each layer's boxes, then the tracks of the edges below it.
    let mut layer_y = Vec::with_capacity(depth);
    let mut lines: Vec<LineRow> = Vec::new();
    let mut y = 0u32;
    for (l, layer) in layers.iter().enumerate() {
        layer_y.push(y);
        for _ in 0..BOX_H {
            lines.push(LineRow::default());
        }
        y += BOX_H;
        if l + 1 == depth {
            break;
        }
        // Buses of this gap, left to right: a parent with its children, or
        // (fan-in) all the parents whose one child is the same shared one.
        let mut buses: HashMap<(bool, usize), Bus> = HashMap::new();
        for &b in layer {
            let Some(&first) = succs[b].first() else {
                continue;
            };
            let key = if succs[b].len() == 1 && preds[first].len() > 1 {
                (true, first)
            } else {
                (false, b)
            };
            let c = boxes[b].center();
            let e = buses.entry(key).or_insert((c, c, Vec::new(), Vec::new()));
            e.0 = e.0.min(c);
            e.1 = e.1.max(c);
            e.2.push(b);
            for &t in &succs[b] {
                let tc = boxes[t].center();
                e.0 = e.0.min(tc);
                e.1 = e.1.max(tc);
                if !e.3.contains(&t) {
                    e.3.push(t);
                }
            }
        }
        let mut spans: Vec<Bus> = buses.into_values().collect();
        spans.sort_by_key(|s| (s.0, s.1, s.2.first().copied()));
        let mut track_end: Vec<u32> = Vec::new();
        let mut track_of: Vec<usize> = Vec::new();
        for (lo, hi, _, _) in &spans {
            let free = track_end.iter().position(|&e| e + 1 < *lo);
            let t = match free {
                Some(t) => t,
                None if track_end.len() < MAX_TRACKS => {
                    track_end.push(0);
                    track_end.len() - 1
                }
                None => (0..track_end.len())
                    .min_by_key(|&t| track_end[t])
                    .unwrap_or(0),
            };
            track_end[t] = track_end[t].max(*hi);
            track_of.push(t);
        }
        let gap = track_end.len().max(1) as u32;
        let lo = spans.iter().map(|s| s.0).min().unwrap_or(0);
        let hi = spans.iter().map(|s| s.1).max().unwrap_or(0);
        let base = lines.len();
        for _ in 0..gap {
            lines.push(LineRow {
                x0: lo,
                cells: vec![0; (hi - lo + 1) as usize],
            });
        }
        for ((a, z, srcs, tgts), t) in spans.iter().zip(track_of) {
            for &b in srcs {
                let sx = boxes[b].center();
                for r in 0..t {
                    lines[base + r].set(sx, UP | DOWN);
                }
                lines[base + t].set(sx, UP);
            }
            for x in *a..*z {
                lines[base + t].set(x, RIGHT);
                lines[base + t].set(x + 1, LEFT);
            }
            for &s in tgts {
                let tx = boxes[s].center();
                lines[base + t].set(tx, DOWN);
                for row in lines
                    .iter_mut()
                    .take(base + gap as usize)
                    .skip(base + t + 1)
                {
                    row.set(tx, UP | DOWN);
                }
            }
        }
        y += gap;
    }
    for l in &mut layers {
        l.sort_by_key(|&b| boxes[b].x);
    }
    let mut of_row = vec![0usize; n];
    for (i, b) in boxes.iter().enumerate() {
        if let Some(r) = b.row {
            of_row[r] = i;
        }
    }
    Layout {
        boxes,
        layers,
        layer_y,
        lines,
        of_row,
        width,
        height: y,
        cut,
        undrawn,
        edges,
    }
}

impl Layout {
    /// The tree row whose box is nearest to `row`'s box in the layer `step`
    /// layers away (skipping layers of dummies only).
    pub fn vertical(&self, row: usize, step: isize) -> Option<usize> {
        let b = &self.boxes[*self.of_row.get(row)?];
        let c = i64::from(b.center());
        let mut l = b.layer as isize;
        loop {
            l += step.signum();
            let layer = self.layers.get(usize::try_from(l).ok()?)?;
            let best = layer
                .iter()
                .filter_map(|&i| Some((self.boxes[i].row?, &self.boxes[i])))
                .min_by_key(|(_, x)| (i64::from(x.center()) - c).abs());
            if let Some((r, _)) = best {
                if (l - b.layer as isize).abs() >= step.abs() {
                    return Some(r);
                }
            } else if l < 0 {
                return None;
            }
        }
    }

    /// The tree row of the next real box left (`-1`) or right (`1`) of
    /// `row`'s in its layer.
    pub fn sideways(&self, row: usize, step: isize) -> Option<usize> {
        let bi = *self.of_row.get(row)?;
        let layer = self.layers.get(self.boxes[bi].layer)?;
        let at = layer.iter().position(|&i| i == bi)?;
        let real = |i: &usize| self.boxes[*i].row;
        if step < 0 {
            layer[..at].iter().rev().find_map(real)
        } else {
            layer[at + 1..].iter().find_map(real)
        }
    }
}

impl Layout {
    /// What breaks the layout's own rules (empty when it holds): every row
    /// has a box, boxes of a layer do not overlap, layers go down the grid,
    /// every edge goes down at least one layer. For tests and debugging.
    pub fn faults(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (r, &b) in self.of_row.iter().enumerate() {
            if self.boxes.get(b).and_then(|x| x.row) != Some(r) {
                out.push(format!("row {r} has no box"));
            }
        }
        for (l, ids) in self.layers.iter().enumerate() {
            for pair in ids.windows(2) {
                let (a, b) = (&self.boxes[pair[0]], &self.boxes[pair[1]]);
                if a.x + a.w > b.x {
                    out.push(format!(
                        "layer {l}: boxes {} and {} overlap",
                        pair[0], pair[1]
                    ));
                }
            }
            for &i in ids {
                if self.boxes[i].layer != l || self.boxes[i].x + self.boxes[i].w > self.width {
                    out.push(format!("box {i} is out of place"));
                }
            }
        }
        for w in self.layer_y.windows(2) {
            if w[0] + BOX_H > w[1] {
                out.push(format!("layers at rows {} and {} overlap", w[0], w[1]));
            }
        }
        for &(a, b) in &self.edges {
            let (la, lb) = (
                self.boxes[self.of_row[a]].layer,
                self.boxes[self.of_row[b]].layer,
            );
            if la >= lb {
                out.push(format!("edge {a}->{b} does not go down ({la} -> {lb})"));
            }
        }
        out
    }
}
