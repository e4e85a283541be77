//! scikit-learn classifiers end in a ZipMap node: it turns the probability
//! tensor `[N, C]` into a sequence of N maps from class label to probability.
//! Reading such a sequence back through ONNX Runtime's C API copies every map
//! twice, which costs more than the whole model. So, when a model's output
//! comes from a ZipMap, kftui loads the model with the ZipMap's input tensor
//! as an extra graph output and builds the same maps itself from that tensor
//! and the node's `classlabels_*` attribute. The pane still shows the model's
//! own outputs; the extra one is hidden. The maps are identical to what
//! ZipMap produces (entries sorted by key, as its `std::map` is), which the
//! recorded-output tests check against Python onnxruntime.
//!
//! The model file is a protobuf `ModelProto`; this module reads the graph's
//! nodes and outputs from the bytes and appends outputs, nothing else.

use std::collections::HashSet;

use super::output::{MapKey, MapValue};
use super::tensor::{Tensor, TensorData};

/// Class labels of a ZipMap node.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Labels {
    Str(Vec<String>),
    Int(Vec<i64>),
}

/// A ZipMap whose output is a graph output.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ZipMap {
    /// The graph output it produces (shown to the user).
    pub output: String,
    /// Its input tensor, exposed as a hidden extra output.
    pub input: String,
    pub labels: Labels,
}

// Protobuf field numbers (onnx.proto).
const MODEL_GRAPH: u64 = 7;
const GRAPH_NODE: u64 = 1;
const GRAPH_OUTPUT: u64 = 12;
const NODE_INPUT: u64 = 1;
const NODE_OUTPUT: u64 = 2;
const NODE_OP_TYPE: u64 = 4;
const NODE_ATTRIBUTE: u64 = 5;
const NODE_DOMAIN: u64 = 7;
const ATTR_NAME: u64 = 1;
const ATTR_INTS: u64 = 8;
const ATTR_STRINGS: u64 = 9;
const VALUE_INFO_NAME: u64 = 1;

const VARINT: u64 = 0;
const LEN: u64 = 2;

/// One field of a protobuf message.
struct Field<'a> {
    number: u64,
    wire: u64,
    /// The payload of a LEN field; empty otherwise.
    bytes: &'a [u8],
    /// The value of a VARINT field.
    varint: u64,
    /// The whole field, tag included.
    raw: &'a [u8],
}

fn varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let mut out = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*pos)?;
        *pos += 1;
        out |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(out);
        }
    }
    None
}

/// The fields of a message, or `None` if the bytes are not well formed.
fn fields(buf: &[u8]) -> Option<Vec<Field<'_>>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        let start = pos;
        let tag = varint(buf, &mut pos)?;
        let (number, wire) = (tag >> 3, tag & 7);
        let (bytes, value): (&[u8], u64) = match wire {
            VARINT => (&[], varint(buf, &mut pos)?),
            1 => {
                pos = pos.checked_add(8)?;
                (&[], 0)
            }
            LEN => {
                let len = usize::try_from(varint(buf, &mut pos)?).ok()?;
                let end = pos.checked_add(len)?;
                let b = buf.get(pos..end)?;
                pos = end;
                (b, 0)
            }
            5 => {
                pos = pos.checked_add(4)?;
                (&[], 0)
            }
            _ => return None,
        };
        out.push(Field {
            number,
            wire,
            bytes,
            varint: value,
            raw: buf.get(start..pos)?,
        });
    }
    Some(out)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn graph(model: &[u8]) -> Option<&[u8]> {
    fields(model)?
        .into_iter()
        .find(|f| f.number == MODEL_GRAPH && f.wire == LEN)
        .map(|f| f.bytes)
}

fn labels_of(node: &[Field<'_>]) -> Option<Labels> {
    for attr in node
        .iter()
        .filter(|f| f.number == NODE_ATTRIBUTE && f.wire == LEN)
    {
        let parts = fields(attr.bytes)?;
        let name = parts
            .iter()
            .find(|f| f.number == ATTR_NAME)
            .map(|f| text(f.bytes))?;
        match name.as_str() {
            "classlabels_strings" => {
                return Some(Labels::Str(
                    parts
                        .iter()
                        .filter(|f| f.number == ATTR_STRINGS && f.wire == LEN)
                        .map(|f| text(f.bytes))
                        .collect(),
                ));
            }
            "classlabels_int64s" => {
                let mut ints = Vec::new();
                for f in parts.iter().filter(|f| f.number == ATTR_INTS) {
                    if f.wire == VARINT {
                        ints.push(f.varint as i64);
                    } else {
                        // Packed.
                        let mut pos = 0;
                        while pos < f.bytes.len() {
                            ints.push(varint(f.bytes, &mut pos)? as i64);
                        }
                    }
                }
                return Some(Labels::Int(ints));
            }
            _ => {}
        }
    }
    None
}

/// The ZipMaps of a model whose output is a graph output and whose input is
/// not already one.
pub(crate) fn find(model: &[u8]) -> Vec<ZipMap> {
    let Some(graph) = graph(model).and_then(fields) else {
        return Vec::new();
    };
    let outputs: HashSet<String> = graph
        .iter()
        .filter(|f| f.number == GRAPH_OUTPUT && f.wire == LEN)
        .filter_map(|f| fields(f.bytes))
        .filter_map(|vi| {
            vi.iter()
                .find(|f| f.number == VALUE_INFO_NAME)
                .map(|f| text(f.bytes))
        })
        .collect();
    let mut out = Vec::new();
    for node in graph
        .iter()
        .filter(|f| f.number == GRAPH_NODE && f.wire == LEN)
    {
        let Some(node) = fields(node.bytes) else {
            continue;
        };
        let get = |n: u64| {
            node.iter()
                .filter(move |f| f.number == n && f.wire == LEN)
                .map(|f| text(f.bytes))
        };
        let is_zipmap = get(NODE_OP_TYPE).next().as_deref() == Some("ZipMap")
            && get(NODE_DOMAIN).next().as_deref() == Some("ai.onnx.ml");
        let (inputs, node_outputs): (Vec<String>, Vec<String>) =
            (get(NODE_INPUT).collect(), get(NODE_OUTPUT).collect());
        if !is_zipmap || inputs.len() != 1 || node_outputs.len() != 1 {
            continue;
        }
        let (input, output) = (inputs[0].clone(), node_outputs[0].clone());
        if !outputs.contains(&output) || outputs.contains(&input) {
            continue;
        }
        if let Some(labels) = labels_of(&node) {
            out.push(ZipMap {
                output,
                input,
                labels,
            });
        }
    }
    out
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn put_len(out: &mut Vec<u8>, number: u64, payload: &[u8]) {
    put_varint(out, (number << 3) | LEN);
    put_varint(out, payload.len() as u64);
    out.extend_from_slice(payload);
}

/// The model with `names` appended to its graph outputs (type left to ONNX
/// Runtime's inference), or `None` if the bytes cannot be parsed.
pub(crate) fn expose(model: &[u8], names: &[&str]) -> Option<Vec<u8>> {
    let top = fields(model)?;
    let mut out = Vec::with_capacity(model.len() + 64);
    let mut done = false;
    for f in &top {
        if f.number == MODEL_GRAPH && f.wire == LEN && !done {
            let mut graph = f.bytes.to_vec();
            for name in names {
                let mut vi = Vec::new();
                put_len(&mut vi, VALUE_INFO_NAME, name.as_bytes());
                put_len(&mut graph, GRAPH_OUTPUT, &vi);
            }
            put_len(&mut out, MODEL_GRAPH, &graph);
            done = true;
        } else {
            out.extend_from_slice(f.raw);
        }
    }
    done.then_some(out)
}

/// The maps ZipMap makes of `probabilities` (`[N, C]` or `[C]`), or `None`
/// when the tensor does not fit the labels.
pub(crate) fn maps(probabilities: &Tensor, labels: &Labels) -> Option<Vec<MapValue>> {
    let TensorData::Float32(values) = &probabilities.data else {
        return None;
    };
    let classes = match labels {
        Labels::Str(l) => l.len(),
        Labels::Int(l) => l.len(),
    };
    let rows = match probabilities.shape.as_slice() {
        [n, c] if *c == classes => *n,
        [c] if *c == classes => 1,
        _ => return None,
    };
    let keys: Vec<MapKey> = match labels {
        Labels::Str(l) => l.iter().cloned().map(MapKey::Str).collect(),
        Labels::Int(l) => l.iter().copied().map(MapKey::Int).collect(),
    };
    // ZipMap's maps are ordered by key; so are these.
    let mut order: Vec<usize> = (0..classes).collect();
    order.sort_by(|a, b| match (&keys[*a], &keys[*b]) {
        (MapKey::Str(x), MapKey::Str(y)) => x.as_bytes().cmp(y.as_bytes()),
        (MapKey::Int(x), MapKey::Int(y)) => x.cmp(y),
        _ => std::cmp::Ordering::Equal,
    });
    Some(
        (0..rows)
            .map(|r| MapValue {
                entries: order
                    .iter()
                    .map(|&c| (keys[c].clone(), f64::from(values[r * classes + c])))
                    .collect(),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(path: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/assets/models/{path}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("model")
    }

    #[test]
    fn finds_the_zipmaps_of_the_shipped_classifiers() {
        let z = find(&model("iris_logreg.onnx"));
        assert_eq!(z.len(), 1);
        assert_eq!(z[0].output, "output_probability");
        assert_eq!(z[0].input, "probabilities");
        assert_eq!(
            z[0].labels,
            Labels::Str(vec![
                "setosa".into(),
                "versicolor".into(),
                "virginica".into()
            ])
        );
        let z = find(&model("iris_tree.onnx"));
        assert_eq!(z.len(), 1);
        assert_eq!(z[0].labels, Labels::Int(vec![0, 1, 2]));
        assert!(find(&model("digits_mlp.onnx")).is_empty(), "no ZipMap");
        assert!(find(b"not a model").is_empty());
    }

    #[test]
    fn exposing_adds_an_output_and_keeps_the_rest() {
        let bytes = model("iris_logreg.onnx");
        let exposed = expose(&bytes, &["probabilities"]).expect("parses");
        assert_eq!(exposed.len(), bytes.len() + 17);
        // The ZipMap input is a graph output now, so nothing is left to find.
        assert!(find(&exposed).is_empty());
        assert_eq!(
            crate::onnx::proto::parse_bytes(&exposed).expect("header"),
            crate::onnx::proto::parse_bytes(&bytes).expect("header")
        );
    }

    #[test]
    fn maps_are_ordered_by_key_and_checked_against_the_shape() {
        let t = Tensor::new(vec![2, 2], TensorData::Float32(vec![0.25, 0.75, 1.0, 0.0]))
            .expect("tensor");
        let m = maps(&t, &Labels::Int(vec![7, 3])).expect("fits");
        assert_eq!(
            m[0].entries,
            vec![(MapKey::Int(3), 0.75), (MapKey::Int(7), 0.25)]
        );
        assert_eq!(m.len(), 2);
        assert!(maps(&t, &Labels::Int(vec![1, 2, 3])).is_none());
    }
}
