//! Text for the screen: tensors (summarised like numpy), maps, run results,
//! durations and byte counts.

use std::fmt::Write as _;
use std::time::Duration;

use super::output::{MapValue, OutputValue};
use super::run::RunResult;
use super::tensor::{Tensor, TensorData, format_f64, format_shape};

/// How much of a value to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatOptions {
    /// Tensors with more elements than this are summarised (`…`).
    pub max_elements: usize,
    /// Elements kept at each end of a summarised axis.
    pub edge_items: usize,
    /// Rows of a sequence (e.g. ZipMap maps) shown before summarising.
    pub max_rows: usize,
    /// Significant digits for floats; `None` shows the shortest exact form.
    pub precision: Option<usize>,
}

impl Default for FormatOptions {
    fn default() -> Self {
        Self {
            max_elements: 100,
            edge_items: 3,
            max_rows: 10,
            precision: None,
        }
    }
}

/// A tensor as nested brackets, e.g. `[[0.1, 0.2], [0.3, 0.4]]`, one row per line.
///
/// Above `max_elements` values each axis keeps `edge_items` at both ends and
/// shows `…` in between.
pub fn format_tensor(tensor: &Tensor, options: &FormatOptions) -> String {
    if tensor.shape.is_empty() {
        return element(&tensor.data, 0, options);
    }
    let summarise = tensor.len() > options.max_elements;
    let mut out = String::new();
    write_axis(&mut out, tensor, 0, 0, summarise, options);
    out
}

fn write_axis(
    out: &mut String,
    tensor: &Tensor,
    axis: usize,
    offset: usize,
    summarise: bool,
    options: &FormatOptions,
) {
    let len = tensor.shape[axis];
    let stride: usize = tensor.shape[axis + 1..].iter().product();
    let last_axis = axis + 1 == tensor.shape.len();
    let edge = options.edge_items.max(1);
    let indices: Vec<Option<usize>> = if summarise && len > 2 * edge {
        (0..edge)
            .map(Some)
            .chain([None])
            .chain((len - edge..len).map(Some))
            .collect()
    } else {
        (0..len).map(Some).collect()
    };
    out.push('[');
    for (k, index) in indices.into_iter().enumerate() {
        if k > 0 {
            if last_axis {
                out.push_str(", ");
            } else {
                out.push_str(",\n");
                out.push_str(&" ".repeat(axis + 1));
            }
        }
        match index {
            None => out.push('…'),
            Some(i) if last_axis => out.push_str(&element(&tensor.data, offset + i, options)),
            Some(i) => write_axis(
                out,
                tensor,
                axis + 1,
                offset + i * stride,
                summarise,
                options,
            ),
        }
    }
    out.push(']');
}

fn element(data: &TensorData, index: usize, options: &FormatOptions) -> String {
    match (data, options.precision) {
        (TensorData::Float32(v), Some(p)) => v.get(index).map(|x| format_float(f64::from(*x), p)),
        (TensorData::Float64(v), Some(p)) => v.get(index).map(|x| format_float(*x, p)),
        _ => data.value_text(index),
    }
    .unwrap_or_else(|| "?".to_string())
}

/// A float with `digits` significant digits, trailing zeros dropped.
pub fn format_float(x: f64, digits: usize) -> String {
    let digits = digits.max(1);
    if !x.is_finite() {
        return format_f64(x).trim_matches('"').to_string();
    }
    if x == 0.0 {
        return "0".to_string();
    }
    let exponent = x.abs().log10().floor() as i32;
    if (-5..16).contains(&exponent) {
        let decimals = (digits as i32 - 1 - exponent).max(0) as usize;
        trim_zeros(format!("{x:.decimals$}"))
    } else {
        let text = format!("{x:.prec$e}", prec = digits - 1);
        match text.split_once('e') {
            Some((mantissa, exp)) => format!("{}e{exp}", trim_zeros(mantissa.to_string())),
            None => text,
        }
    }
}

fn trim_zeros(text: String) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

fn map_text(map: &MapValue, options: &FormatOptions) -> String {
    let entries: Vec<String> = map
        .entries
        .iter()
        .map(|(key, value)| {
            let value = match options.precision {
                Some(p) => format_float(*value, p),
                None => format_f64(*value),
            };
            format!("{key}: {value}")
        })
        .collect();
    format!("{{{}}}", entries.join(", "))
}

/// A one-line description of a value: `float32 [2, 10]`, `seq(map(string, float32)) × 3`.
pub fn describe_value(value: &OutputValue) -> String {
    match value {
        OutputValue::Tensor(t) => format!("{} {}", t.element_type(), format_shape(&t.shape)),
        OutputValue::SequenceOfMaps(maps) => {
            let kind = maps
                .first()
                .map(|m| format!("map({}, float)", m.key_type_name()))
                .unwrap_or_else(|| "map".to_string());
            format!("seq({kind}) × {}", maps.len())
        }
        OutputValue::Map(map) => format!(
            "map({}, float) with {} entries",
            map.key_type_name(),
            map.entries.len()
        ),
        OutputValue::SequenceOfTensors(tensors) => format!("seq(tensor) × {}", tensors.len()),
        OutputValue::Unsupported { description } => description.clone(),
    }
}

/// The values of an output, summarised per `options`.
pub fn format_value(value: &OutputValue, options: &FormatOptions) -> String {
    match value {
        OutputValue::Tensor(t) => format_tensor(t, options),
        OutputValue::Map(map) => map_text(map, options),
        OutputValue::SequenceOfMaps(maps) => rows(maps.len(), options, |i| {
            maps.get(i)
                .map(|m| map_text(m, options))
                .unwrap_or_default()
        }),
        OutputValue::SequenceOfTensors(tensors) => rows(tensors.len(), options, |i| {
            tensors
                .get(i)
                .map(|t| format_tensor(t, options))
                .unwrap_or_default()
        }),
        OutputValue::Unsupported { description } => format!("({description}: cannot be shown)"),
    }
}

fn rows(count: usize, options: &FormatOptions, row: impl Fn(usize) -> String) -> String {
    let edge = (options.max_rows / 2).max(1);
    let indices: Vec<Option<usize>> = if count > options.max_rows.max(2) {
        (0..edge)
            .map(Some)
            .chain([None])
            .chain((count - edge..count).map(Some))
            .collect()
    } else {
        (0..count).map(Some).collect()
    };
    let lines: Vec<String> = indices
        .into_iter()
        .map(|i| match i {
            Some(i) => format!("[{i}] {}", row(i)),
            None => format!("… ({} more)", count - 2 * edge),
        })
        .collect();
    lines.join("\n")
}

/// A whole run result as text: inputs, each output, top-k and timings.
pub fn format_run_result(result: &RunResult, options: &FormatOptions) -> String {
    let mut out = String::new();
    let inputs: Vec<String> = result
        .inputs
        .iter()
        .map(|(name, shape, element)| format!("{name} {element} {}", format_shape(shape)))
        .collect();
    let _ = writeln!(out, "request ({}): {}", result.format, inputs.join(", "));
    for note in &result.notes {
        let _ = writeln!(out, "note: {note}");
    }
    for output in &result.outputs {
        let _ = writeln!(out, "{}: {}", output.name, describe_value(&output.value));
        for line in format_value(&output.value, options).lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    for class in &result.classifications {
        let top: Vec<String> = class
            .top
            .iter()
            .map(|c| {
                format!(
                    "{} {}",
                    c.label,
                    format_float(c.score, options.precision.unwrap_or(4))
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "top-{} ({} row {}): {}",
            class.top.len(),
            class.output,
            class.row,
            top.join(" · ")
        );
    }
    let t = &result.timings;
    let _ = write!(
        out,
        "time: parse {} · inference {} · outputs {} · total {}",
        format_duration(t.parse),
        format_duration(t.inference),
        format_duration(t.convert),
        format_duration(t.total)
    );
    out
}

/// `850 ns`, `123 µs`, `12.3 ms`, `1.23 s`.
pub fn format_duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos < 1_000 {
        format!("{nanos} ns")
    } else if nanos < 1_000_000 {
        format!("{} µs", format_float(nanos as f64 / 1e3, 3))
    } else if nanos < 1_000_000_000 {
        format!("{} ms", format_float(nanos as f64 / 1e6, 3))
    } else {
        format!("{} s", format_float(nanos as f64 / 1e9, 3))
    }
}

/// `512 B`, `1.5 KiB`, `256 MiB`, `14.6 TiB`.
pub fn human_bytes(bytes: u128) -> String {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 || value.fract() == 0.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onnx::output::MapKey;

    fn floats(shape: Vec<usize>) -> Tensor {
        let n = shape.iter().product::<usize>();
        Tensor::new(
            shape,
            TensorData::Float32((0..n).map(|i| i as f32).collect()),
        )
        .expect("consistent")
    }

    #[test]
    fn small_tensors_are_shown_whole() {
        let opts = FormatOptions::default();
        assert_eq!(
            format_tensor(&floats(vec![2, 2]), &opts),
            "[[0, 1],\n [2, 3]]"
        );
        assert_eq!(format_tensor(&floats(vec![3]), &opts), "[0, 1, 2]");
        assert_eq!(format_tensor(&floats(vec![]), &opts), "0");
        assert_eq!(format_tensor(&floats(vec![0, 4]), &opts), "[]");
    }

    #[test]
    fn large_tensors_are_summarised_per_axis() {
        let opts = FormatOptions {
            max_elements: 10,
            edge_items: 2,
            ..FormatOptions::default()
        };
        assert_eq!(format_tensor(&floats(vec![20]), &opts), "[0, 1, …, 18, 19]");
        let text = format_tensor(&floats(vec![5, 5]), &opts);
        assert_eq!(
            text,
            "[[0, 1, …, 3, 4],\n [5, 6, …, 8, 9],\n …,\n [15, 16, …, 18, 19],\n [20, 21, …, 23, 24]]"
        );
    }

    #[test]
    fn precision_rounds_floats() {
        assert_eq!(format_float(0.981_579_422_950_744_6, 4), "0.9816");
        assert_eq!(format_float(1.459_569_6e-8, 3), "1.46e-8");
        assert_eq!(format_float(1234.5678, 3), "1235");
        assert_eq!(format_float(f64::NAN, 3), "NaN");
    }

    #[test]
    fn maps_and_sequences() {
        let map = MapValue {
            entries: vec![
                (MapKey::Str("setosa".into()), 0.5),
                (MapKey::Str("virginica".into()), 0.25),
            ],
        };
        let opts = FormatOptions {
            max_rows: 2,
            ..FormatOptions::default()
        };
        let seq = OutputValue::SequenceOfMaps(vec![map.clone(), map.clone(), map]);
        let text = format_value(&seq, &opts);
        assert_eq!(
            text,
            "[0] {setosa: 0.5, virginica: 0.25}\n… (1 more)\n[2] {setosa: 0.5, virginica: 0.25}"
        );
        assert_eq!(describe_value(&seq), "seq(map(string, float)) × 3");
    }

    #[test]
    fn durations_and_bytes() {
        assert_eq!(format_duration(Duration::from_nanos(850)), "850 ns");
        assert_eq!(format_duration(Duration::from_micros(123)), "123 µs");
        assert_eq!(format_duration(Duration::from_micros(12_345)), "12.3 ms");
        assert_eq!(format_duration(Duration::from_millis(1_234)), "1.23 s");
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(256 << 20), "256 MiB");
    }
}
