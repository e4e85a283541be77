//! ONNX benchmark: prints figures, asserts nothing.
//!
//! For each shipped model and its example request:
//! - model load time (kftui, and Python onnxruntime)
//! - per-call latency of the pane's inference path (parse the request text,
//!   build tensors, run, convert outputs) against Python onnxruntime doing the
//!   same (json.loads, numpy arrays, session.run), same ONNX Runtime version,
//!   CPU, one intra-op thread, side by side; and the ratio Rust / Python.
//!
//! Python comes from `.cache/bench-venv` (made by `make bench`) or `$KFTUI_BENCH_PYTHON`;
//! without it only the Rust figures are printed.
//!
//! Run with `make bench` or `cargo bench --bench onnx`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use kftui::onnx::model::LoadOptions;
use kftui::onnx::{CancelToken, LoadedModel, runtime, shipped_examples};

const WARMUP: usize = 200;
const CALLS: usize = 3000;

fn python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("KFTUI_BENCH_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/bench-venv/bin/python");
    venv.is_file().then_some(venv)
}

fn python_side(python: &Path, model: &Path, input: &Path) -> Result<serde_json::Value, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bench_onnx.py");
    let out = Command::new(python)
        .arg(script)
        .arg(model)
        .arg(input)
        .arg(CALLS.to_string())
        .arg(WARMUP.to_string())
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())
}

fn main() {
    let info = match runtime::init(None) {
        Ok(info) => info,
        Err(e) => {
            println!("ONNX Runtime not available, nothing to measure: {e}");
            return;
        }
    };
    println!(
        "ONNX Runtime {} from {}",
        info.version,
        info.library.display()
    );
    let python = python();
    if python.is_none() {
        println!("(no Python onnxruntime: run `make bench` to create .cache/bench-venv)");
    }
    println!(
        "{:<12} {:>10} {:>10} {:>11} {:>11} {:>11} {:>7}",
        "model", "load rs", "load py", "p50 rs", "p50 py", "mean rs", "rs/py"
    );
    let mut breakdown = Vec::new();
    for example in shipped_examples() {
        let Some(input) = &example.input else {
            continue;
        };
        let text = std::fs::read_to_string(input).expect("example request");
        let options = LoadOptions {
            intra_threads: Some(1),
            ..LoadOptions::default()
        };
        let started = Instant::now();
        let mut model = match LoadedModel::load(&example.path, &options) {
            Ok(m) => m,
            Err(e) => {
                println!("{}: {e}", example.name);
                continue;
            }
        };
        let load = started.elapsed();
        let cancel = CancelToken::new();
        for _ in 0..WARMUP {
            model.run_text(&text, &cancel).expect("example runs");
        }
        let mut parts = [Duration::ZERO; 3];
        let mut samples: Vec<Duration> = (0..CALLS)
            .map(|_| {
                let t = Instant::now();
                let r = model.run_text(&text, &cancel);
                let elapsed = t.elapsed();
                if let Ok(r) = r {
                    parts[0] += r.timings.parse;
                    parts[1] += r.timings.inference;
                    parts[2] += r.timings.convert;
                }
                elapsed
            })
            .collect();
        breakdown.push(format!(
            "{:<12} parse {:.1} µs · inference {:.1} µs · outputs {:.1} µs",
            example.name,
            parts[0].as_secs_f64() * 1e6 / CALLS as f64,
            parts[1].as_secs_f64() * 1e6 / CALLS as f64,
            parts[2].as_secs_f64() * 1e6 / CALLS as f64
        ));
        samples.sort();
        let p50 = samples[samples.len() / 2];
        let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        let (load_py, p50_py, ratio) = match python
            .as_deref()
            .map(|p| python_side(p, &example.path, input))
        {
            Some(Ok(v)) => {
                let p50_py = v["p50_us"].as_f64().unwrap_or(f64::NAN);
                (
                    format!("{:.2} ms", v["load_ms"].as_f64().unwrap_or(f64::NAN)),
                    format!("{p50_py:.1} µs"),
                    format!("{:.2}", us(p50) / p50_py),
                )
            }
            Some(Err(e)) => {
                println!("{}: python side failed: {e}", example.name);
                ("-".into(), "-".into(), "-".into())
            }
            None => ("-".into(), "-".into(), "-".into()),
        };
        println!(
            "{:<12} {:>10} {:>10} {:>11} {:>11} {:>11} {:>7}",
            example.name,
            format!("{:.2} ms", load.as_secs_f64() * 1e3),
            load_py,
            format!("{:.1} µs", us(p50)),
            p50_py,
            format!("{:.1} µs", us(mean)),
            ratio
        );
    }
    println!("kftui's path, mean per call:");
    for line in breakdown {
        println!("  {line}");
    }
}
