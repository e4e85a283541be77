//! The run page's graph mode over fixture Argo DAG workflows: layers by
//! longest path, barycenter ordering, edges drawn between the right boxes,
//! no overlapping boxes, a fan-out and fan-in of 50 (scrolled sideways with
//! the count of boxes off each side), cyclic and dangling children, the
//! selection shared with the tree, and snapshots at 80x24 and 120x40.

use kftui::app::state::State;
use kftui::testing::{now, obj, press, render, state};
use kftui::views::runs::dag::layout::{self, Layout};
use kftui::views::runs::dag::{self, Dag, fnv32a};
use kftui::views::runs::detail::RunDetail;
use kftui::views::runs::node::NodeDetail;
use serde_json::{Map, Value, json};

fn at(secs_ago: i64) -> String {
    (now() - jiff::SignedDuration::from_secs(secs_ago)).to_string()
}

fn nid(wf: &str, task: &str) -> String {
    format!("{wf}-{}", fnv32a(&format!("{wf}.{task}")))
}

/// A plain Argo DAG workflow: (task, phase, dependencies). Each task's
/// `children` are the tasks that depend on it, the DAG's are the tasks
/// without dependencies, as the controller writes them.
fn argo_dag(name: &str, tasks: &[(&str, &str, Vec<&str>)]) -> Value {
    let mut nodes = Map::new();
    let roots: Vec<String> = tasks
        .iter()
        .filter(|t| t.2.is_empty())
        .map(|t| nid(name, t.0))
        .collect();
    nodes.insert(
        name.to_string(),
        json!({"id": name, "name": name, "displayName": name, "type": "DAG",
            "phase": "Running", "startedAt": at(600), "children": roots}),
    );
    for (i, (t, phase, _)) in tasks.iter().enumerate() {
        let kids: Vec<String> = tasks
            .iter()
            .filter(|o| o.2.contains(t))
            .map(|o| nid(name, o.0))
            .collect();
        let mut v = json!({"id": nid(name, t), "name": format!("{name}.{t}"), "displayName": t,
            "type": "Pod", "templateName": "step", "phase": phase, "boundaryID": name,
            "startedAt": at(590 - i as i64), "children": kids});
        if *phase == "Failed" {
            v["message"] = json!("Error (exit code 1)");
            v["finishedAt"] = json!(at(100));
        }
        nodes.insert(nid(name, t), v);
    }
    json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"name": name, "namespace": "ml-research", "uid": format!("uid-{name}"),
            "creationTimestamp": at(600)},
        "spec": {"entrypoint": "main"},
        "status": {"phase": "Running", "startedAt": at(600), "nodes": nodes}
    })
}

fn laid_out(wf: &Value) -> (Dag, Vec<dag::Row>, Layout) {
    let d = Dag::from_workflow(wf["metadata"]["name"].as_str().unwrap_or(""), wf);
    let rows = dag::rows(&d, false);
    let l = layout::layout(&d, &rows);
    (d, rows, l)
}

fn row_of(rows: &[dag::Row], label: &str) -> usize {
    rows.iter()
        .position(|r| r.label == label)
        .unwrap_or_else(|| panic!("no row {label}"))
}

fn layer(l: &Layout, rows: &[dag::Row], label: &str) -> usize {
    l.boxes[l.of_row[row_of(rows, label)]].layer
}

fn pipeline() -> Value {
    argo_dag(
        "train-dag",
        &[
            ("load-data", "Succeeded", vec![]),
            ("prep-images", "Succeeded", vec!["load-data"]),
            ("prep-labels", "Succeeded", vec!["load-data"]),
            ("prep-stats", "Running", vec!["load-data"]),
            ("train", "Failed", vec!["prep-images", "prep-labels"]),
            ("evaluate", "Pending", vec!["train", "load-data"]),
        ],
    )
}

fn graph_state(wf: Value) -> State {
    let mut s = state(Box::new(RunDetail::new(std::sync::Arc::new(obj(wf)))));
    press(&mut s, &["v"]);
    s
}

fn detail(s: &State) -> &RunDetail {
    s.stack
        .last()
        .and_then(|v| v.as_any().downcast_ref::<RunDetail>())
        .expect("a run page on top")
}

#[test]
fn layers_follow_the_longest_path_and_edges_join_the_right_boxes() {
    let (_, rows, l) = laid_out(&pipeline());
    assert!(l.faults().is_empty(), "{:?}", l.faults());
    assert_eq!(layer(&l, &rows, "train-dag"), 0);
    assert_eq!(layer(&l, &rows, "load-data"), 1);
    for p in ["prep-images", "prep-labels", "prep-stats"] {
        assert_eq!(layer(&l, &rows, p), 2, "{p}");
    }
    assert_eq!(layer(&l, &rows, "train"), 3);
    // evaluate needs train (layer 3), not only load-data: longest path.
    assert_eq!(layer(&l, &rows, "evaluate"), 4);
    let edge = |a: &str, b: &str| l.edges.contains(&(row_of(&rows, a), row_of(&rows, b)));
    assert!(edge("train-dag", "load-data"));
    assert!(edge("prep-images", "train") && edge("prep-labels", "train"));
    assert!(!edge("prep-stats", "train"));
    assert!(edge("load-data", "evaluate"), "the long edge is kept");
    // The long edge load-data -> evaluate passes through dummies in layers 2, 3.
    let dummies: Vec<usize> = l
        .boxes
        .iter()
        .filter(|b| b.is_dummy())
        .map(|b| b.layer)
        .collect();
    assert_eq!(dummies, vec![2, 3]);
    // Parents above children on the grid.
    let y = |t: &str| l.layer_y[layer(&l, &rows, t)];
    assert!(y("load-data") < y("prep-images") && y("prep-images") < y("train"));
    assert_eq!((l.cut, l.undrawn), (0, 0));
}

#[test]
fn barycenter_ordering_uncrosses_edges() {
    // a1 -> b2, a2 -> b1: the tree order (b1 first) crosses; the sweeps
    // put b2 under a1 and b1 under a2.
    let wf = argo_dag(
        "cross",
        &[
            ("a1", "Succeeded", vec![]),
            ("a2", "Succeeded", vec![]),
            ("b1", "Succeeded", vec!["a2"]),
            ("b2", "Succeeded", vec!["a1"]),
        ],
    );
    let (_, rows, l) = laid_out(&wf);
    assert!(l.faults().is_empty(), "{:?}", l.faults());
    let x = |t: &str| l.boxes[l.of_row[row_of(&rows, t)]].x;
    assert_eq!(x("a1") < x("a2"), x("b2") < x("b1"), "edges do not cross");
}

#[test]
fn fan_out_and_fan_in_of_50_stay_one_layer_each_without_overlaps() {
    let names: Vec<String> = (0..50).map(|i| format!("shard-{i:02}")).collect();
    let mut tasks: Vec<(&str, &str, Vec<&str>)> = vec![("split", "Succeeded", vec![])];
    for n in &names {
        tasks.push((n.as_str(), "Succeeded", vec!["split"]));
    }
    tasks.push((
        "merge",
        "Running",
        names.iter().map(String::as_str).collect(),
    ));
    let wf = argo_dag("fan", &tasks);
    let (_, rows, l) = laid_out(&wf);
    assert!(l.faults().is_empty(), "{:?}", l.faults());
    assert_eq!(layer(&l, &rows, "shard-00"), 2);
    let shard_layer = &l.layers[2];
    assert_eq!(shard_layer.len(), 50);
    assert_eq!(layer(&l, &rows, "merge"), 3);
    // The split sits over the middle of its 50 children, the merge too.
    let first = l.boxes[shard_layer[0]].center();
    let last = l.boxes[shard_layer[49]].center();
    let split = l.boxes[l.of_row[row_of(&rows, "split")]].center();
    let merge = l.boxes[l.of_row[row_of(&rows, "merge")]].center();
    assert!(split > first + (last - first) / 4 && split < last - (last - first) / 4);
    assert!(merge > first + (last - first) / 4 && merge < last - (last - first) / 4);
    // Drawn at 80x24, the shard layer says how many boxes are off-screen
    // on each side.
    let mut s = graph_state(wf);
    press(&mut s, &["down", "down"]);
    let screen = render(&s);
    let at = |screen: &str| -> usize {
        let i = screen.find("/50 in layer").expect("position in the layer");
        screen[..i]
            .rsplit(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("a number")
    };
    assert!(screen.contains("layer 3/4"), "{screen}");
    let shard_line = screen
        .lines()
        .find(|l| l.contains("✔ shard-"))
        .expect("a shard row");
    let count = |line: &str, mark: char, left: bool| -> usize {
        let cut = if left {
            line.split('‹').nth(1).and_then(|r| r.strip_prefix('+'))
        } else {
            line.rsplit('+').next().and_then(|r| r.split(mark).next())
        };
        cut.map(|r| {
            r.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
    };
    let left = count(shard_line, '‹', true);
    let right = count(shard_line, '›', false);
    let shown = shard_line.matches("✔ shard-").count();
    assert!(left > 0 && right > 0, "{screen}");
    assert!(
        left + right + shown <= 50 && left + right + shown >= 48,
        "{left} {right} {shown}: {screen}"
    );
    // Right-arrow walks along the layer and the view follows.
    let before = at(&screen);
    press(&mut s, &["right", "right", "right"]);
    let screen = render(&s);
    assert_eq!(at(&screen), before + 3, "{screen}");
    assert!(
        screen.contains(&format!("shard-{:02}", before + 2)),
        "{screen}"
    );
    // The fan-in shares one bus into merge: at most one track row.
    let fan_in = &l.layer_y[2..4];
    assert_eq!(fan_in[1] - fan_in[0], layout::BOX_H + 1);
}

#[test]
fn cycles_and_unknown_children_do_not_panic_and_are_counted() {
    let mut wf = argo_dag(
        "loop",
        &[
            ("a", "Succeeded", vec![]),
            ("b", "Running", vec!["a"]),
            ("c", "Pending", vec!["b"]),
        ],
    );
    // c -> a closes a cycle; b lists a child that does not exist.
    let c = nid("loop", "c");
    let b = nid("loop", "b");
    wf["status"]["nodes"][&c]["children"] = json!([nid("loop", "a")]);
    wf["status"]["nodes"][&b]["children"] = json!([c, "loop-ghost"]);
    let (_, rows, l) = laid_out(&wf);
    assert!(l.faults().is_empty(), "{:?}", l.faults());
    assert_eq!(l.of_row.len(), rows.len());
    assert_eq!(l.cut, 1, "the edge back to a is cut");
    let mut s = graph_state(wf);
    let screen = render(&s);
    assert!(screen.contains("1 cyclic edge(s) cut"), "{screen}");
    press(
        &mut s,
        &["down", "down", "down", "left", "right", "pgdn", "pgup"],
    );
    let _ = render(&s);
}

#[test]
fn selection_is_shared_with_the_tree_and_enter_opens_the_node() {
    let mut s = graph_state(pipeline());
    assert!(detail(&s).graph_mode && detail(&s).graph.is_some());
    press(&mut s, &["down", "down"]);
    let d = detail(&s);
    let picked = d.rows[d.selected].label.clone();
    assert!(picked.starts_with("prep-"), "{picked}");
    // Back to the tree: the same row is selected.
    press(&mut s, &["v"]);
    let screen = render(&s);
    let d = detail(&s);
    assert!(!d.graph_mode && d.graph.is_none());
    assert_eq!(d.rows[d.selected].label, picked);
    assert!(screen.contains(&picked), "{screen}");
    // Moving in the tree moves the graph's selection.
    press(&mut s, &["j", "v"]);
    let d = detail(&s);
    let now_on = d.rows[d.selected].label.clone();
    assert_ne!(now_on, picked);
    let screen = render(&s);
    assert!(screen.contains(&now_on), "{screen}");
    press(&mut s, &["enter"]);
    let top = s
        .stack
        .last()
        .and_then(|v| v.as_any().downcast_ref::<NodeDetail>());
    assert!(top.is_some(), "enter opens the node detail");
}

#[test]
fn the_graph_snapshots() {
    let mut s = graph_state(pipeline());
    press(&mut s, &["down", "down", "down"]);
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        s.size = (w, h);
        let screen = render(&s);
        insta::with_settings!({ omit_expression => true }, {
            insta::assert_snapshot!(format!("run_graph_{w}x{h}"), screen);
        });
    }
    // The ASCII set when the locale is not UTF-8.
    s.theme.ascii = true;
    s.size = (80, 24);
    let screen = render(&s);
    let graph: String = screen
        .lines()
        .skip_while(|l| !l.contains("graph ·"))
        .skip(1)
        .take_while(|l| !l.contains("source:"))
        .map(|l| l.chars().skip(1).take(78).collect::<String>() + "\n")
        .collect();
    assert!(graph.contains("train"), "{screen}");
    assert!(
        !graph.chars().any(|c| "┌┐└┘│─┬┴├┤┼┏┓┗┛━┃✔✖●◷".contains(c)),
        "{screen}"
    );
    assert!(screen.contains("+-") && screen.contains('|'), "{screen}");
}
