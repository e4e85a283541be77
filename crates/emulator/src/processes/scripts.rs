//! The log lines each simulated program prints. Pure functions of the
//! program and the line index, so any line can be produced on demand.

use super::objective;
use super::{Program, Script};

/// Lines a training replica prints per epoch.
pub const TRAINING_LINES_PER_EPOCH: u64 = 3;
/// Startup and summary lines around the epochs.
pub const TRAINING_EXTRA_LINES: u64 = 4;

fn noise(seed: u64, i: u64) -> f64 {
    let mut rng = fastrand::Rng::with_seed(seed ^ i.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    rng.f64()
}

/// Line `i` of `program` (the caller checks the bound).
pub fn line(program: &Program, i: u64) -> String {
    match &program.script {
        Script::Jupyter { namespace, name } => jupyter(namespace, name, program.seed, i),
        Script::IstioProxy => istio(program.seed, i),
        Script::Training {
            framework,
            replica,
            epochs,
        } => training(framework, replica, *epochs, program.seed, i),
        Script::Trial {
            learning_rate,
            batch_size,
            epochs,
        } => trial(*learning_rate, *batch_size, *epochs, i),
        Script::WorkflowStep { step, role, fail } => workflow_step(step, role, *fail, program, i),
        Script::Server { name } => server(name, program.seed, i),
        Script::Crashed { name } => crashed(name, program, i),
    }
}

fn jupyter(ns: &str, name: &str, seed: u64, i: u64) -> String {
    const START: &[&str] = &[
        "[I ServerApp] jupyter_lsp | extension was successfully linked.",
        "[I ServerApp] jupyter_server_terminals | extension was successfully linked.",
        "[I ServerApp] jupyterlab | extension was successfully linked.",
        "[I ServerApp] Writing Jupyter server cookie secret to /home/jovyan/.local/share/jupyter/runtime/jupyter_cookie_secret",
        "[I ServerApp] Serving notebooks from local directory: /home/jovyan",
        "[I ServerApp] Jupyter Server 2.14.2 is running at:",
    ];
    if let Some(l) = START.get(i as usize) {
        return (*l).to_string();
    }
    if i == START.len() as u64 {
        return format!("[I ServerApp] http://{name}-0:8888/notebook/{ns}/{name}/lab");
    }
    let ms = 0.5 + noise(seed, i) * 20.0;
    match i % 4 {
        0 => format!(
            "[I ServerApp] 200 GET /notebook/{ns}/{name}/api/kernels ({}) {ms:.2}ms",
            "127.0.0.6"
        ),
        1 => format!(
            "[I ServerApp] 200 GET /notebook/{ns}/{name}/api/terminals ({}) {ms:.2}ms",
            "127.0.0.6"
        ),
        2 => format!("[I ServerApp] Saving file at /{name}/train.ipynb"),
        _ => format!(
            "[I ServerApp] 200 GET /notebook/{ns}/{name}/api/contents?content=1 ({}) {ms:.2}ms",
            "127.0.0.6"
        ),
    }
}

fn istio(seed: u64, i: u64) -> String {
    match i {
        0 => "2025-01-01T00:00:00.000000Z\tinfo\tFLAG: --concurrency=\"2\"".into(),
        1 => "2025-01-01T00:00:00.000000Z\tinfo\tVersion 1.24.2-4d8e3a0c".into(),
        2 => "2025-01-01T00:00:01.000000Z\tinfo\tEnvoy proxy is ready".into(),
        _ => format!(
            "[2025-01-01T00:00:{:02}.000Z] \"GET /api/status HTTP/1.1\" 200 - via_upstream - \"-\" 0 {} {} {} \"-\" \"Mozilla/5.0\"",
            i % 60,
            180 + (noise(seed, i) * 40.0) as u32,
            1 + (noise(seed, i + 1) * 9.0) as u32,
            1 + (noise(seed, i + 2) * 9.0) as u32
        ),
    }
}

fn training(framework: &str, replica: &str, epochs: u32, seed: u64, i: u64) -> String {
    let epochs_u = u64::from(epochs);
    match i {
        0 => format!("INFO {framework}: starting replica {replica}, device cuda:0"),
        1 => format!("INFO {framework}: initialized process group backend=nccl world_size=2"),
        2 => "INFO data: loaded dataset mnist: 60000 train / 10000 test samples".into(),
        _ => {
            let k = i - 3;
            let epoch = k / TRAINING_LINES_PER_EPOCH + 1;
            if epoch > epochs_u {
                let loss = objective::training_loss(f64::from(epochs) + 0.9, seed);
                return format!(
                    "INFO train: training complete after {epochs} epochs, final loss={loss:.4}"
                );
            }
            let e = epoch as f64;
            match k % TRAINING_LINES_PER_EPOCH {
                0 => format!(
                    "Train Epoch: {epoch} [19200/60000 (32%)]\tloss={:.4}",
                    objective::training_loss(e - 0.5, seed)
                ),
                1 => format!(
                    "Train Epoch: {epoch} [38400/60000 (64%)]\tloss={:.4}",
                    objective::training_loss(e - 0.2, seed)
                ),
                _ => format!(
                    "epoch {epoch}/{epochs}: loss={:.4} accuracy={:.4} throughput={:.1} samples/s",
                    objective::training_loss(e, seed),
                    (0.99 - objective::training_loss(e, seed) / 3.0).clamp(0.1, 0.99),
                    2400.0 + noise(seed, i) * 200.0
                ),
            }
        }
    }
}

fn trial(lr: f64, bs: f64, epochs: u32, i: u64) -> String {
    let total = u64::from(epochs) * 2 + 2;
    match i {
        0 => format!("INFO:root:Starting trial: learning_rate={lr} batch_size={bs}"),
        1 => "INFO:root:Loading dataset fashion-mnist".into(),
        _ if i >= total => {
            if i == total {
                format!("accuracy={:.4}", objective::trial_accuracy(lr, bs))
            } else {
                format!(
                    "loss={:.4}",
                    objective::trial_loss_at(lr, bs, epochs, epochs)
                )
            }
        }
        _ => {
            let k = i - 2;
            let epoch = (k / 2 + 1) as u32;
            if k.is_multiple_of(2) {
                format!(
                    "INFO:root:Epoch[{epoch}] loss={:.4}",
                    objective::trial_loss_at(lr, bs, epoch, epochs)
                )
            } else {
                format!(
                    "INFO:root:Epoch[{epoch}] Validation-accuracy={:.4}",
                    objective::trial_accuracy_at(lr, bs, epoch, epochs)
                )
            }
        }
    }
}

fn workflow_step(step: &str, role: &str, fail: bool, program: &Program, i: u64) -> String {
    let last = program.lines.unwrap_or(1).saturating_sub(1);
    match role {
        "driver" => match i {
            0 => format!("I0101 00:00:00.000000      17 main.go:108] input ComponentSpec for {step}"),
            1 => "I0101 00:00:00.100000      17 cache.go:139] Cannot detect ml-pipeline in the same namespace, default to ml-pipeline.kubeflow:8887 as KFP endpoint.".into(),
            2 => "I0101 00:00:00.200000      17 client.go:302] Pipeline Context: id:1 name:\"pipeline\"".into(),
            3 => "I0101 00:00:00.300000      17 driver.go:252] parent DAG: id:2".into(),
            4 => "I0101 00:00:00.400000      17 driver.go:926] output execution.ID=3".into(),
            _ => "I0101 00:00:00.500000      17 main.go:208] output cached-decision false".into(),
        },
        "wait" => match i {
            0 => "time=\"2025-01-01T00:00:00Z\" level=info msg=\"Starting Workflow Executor\" version=v3.5.10".into(),
            1 => "time=\"2025-01-01T00:00:00Z\" level=info msg=\"Using executor retry strategy\"".into(),
            2 => "time=\"2025-01-01T00:00:01Z\" level=info msg=\"Main container completed\" error=\"<nil>\"".into(),
            3 => "time=\"2025-01-01T00:00:01Z\" level=info msg=\"No output parameters\"".into(),
            _ => "time=\"2025-01-01T00:00:01Z\" level=info msg=\"Alloc=9123 TotalAlloc=15000 Sys=23000 NumGC=4 Goroutines=8\"".into(),
        },
        "init" => format!("time=\"2025-01-01T00:00:00Z\" level=info msg=\"init step {i}\""),
        _ => {
            if fail && i == last {
                return format!("Error: step {step} failed: exit status 1");
            }
            match i {
                0 => "I0101 00:00:00.000000      24 launcher_v2.go:90] input ComponentSpec".into(),
                1 => "I0101 00:00:00.100000      24 cache.go:116] Connecting to cache endpoint ml-pipeline.kubeflow:8887".into(),
                2 => format!("[KFP Executor] Looking for component `{step}` in --component_module_path"),
                3 => "Collecting kfp==2.9.0".into(),
                4 => format!("{step}: reading input artifact from minio://mlpipeline/v2/artifacts"),
                5 => format!("{step}: processing 50000 records"),
                6 => format!("{step}: wrote output artifact metrics.json"),
                7 => "I0101 00:00:05.000000      24 launcher_v2.go:151] publish success.".into(),
                8 => "I0101 00:00:05.100000      24 client.go:716] Attempting to update DAG state".into(),
                _ => "time=\"2025-01-01T00:00:05Z\" level=info msg=\"sub-process exited\" argo=true error=\"<nil>\"".into(),
            }
        }
    }
}

fn server(name: &str, seed: u64, i: u64) -> String {
    match i {
        0 => format!("{name}: starting"),
        1 => format!("{name}: listening on 0.0.0.0:8080"),
        _ => format!(
            "{name}: 10.244.0.{} - \"GET /healthz HTTP/1.1\" 200 2 {:.1}ms",
            (noise(seed, i) * 250.0) as u32 + 2,
            noise(seed, i + 7) * 3.0
        ),
    }
}

fn crashed(name: &str, program: &Program, i: u64) -> String {
    let last = program.lines.unwrap_or(1).saturating_sub(1);
    if i == last {
        return if program.exit_code == 137 {
            "Killed".into()
        } else {
            format!(
                "{name}: fatal error, exiting with status {}",
                program.exit_code
            )
        };
    }
    match i {
        0 => format!("{name}: starting"),
        1 => "Loading checkpoint shards: 100%|##########| 4/4".into(),
        n if n + 6 == last => "Traceback (most recent call last):".into(),
        n if n + 5 == last => "  File \"/home/jovyan/train.py\", line 88, in <module>".into(),
        n if n + 4 == last => "    outputs = model(**batch)".into(),
        n if n + 3 == last => "  File \"/opt/conda/lib/python3.11/site-packages/torch/nn/modules/module.py\", line 1736, in _call_impl".into(),
        n if n + 2 == last => "    return forward_call(*args, **kwargs)".into(),
        n if n + 1 == last => "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 79.15 GiB of which 1.06 GiB is free.".into(),
        n => format!("step {n}: loss={:.4}", 1.5 / (n as f64 + 1.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use super::{TRAINING_EXTRA_LINES, TRAINING_LINES_PER_EPOCH};

    fn program(script: Script, lines: u64) -> Program {
        Program {
            script,
            period: 1.0,
            lines: Some(lines),
            exit_code: 0,
            seed: 3,
        }
    }

    fn losses(p: &Program) -> Vec<f64> {
        (0..p.lines.unwrap_or(0))
            .filter_map(|i| p.line(i))
            .filter_map(|l| {
                l.split("loss=")
                    .nth(1)
                    .and_then(|r| r.split_whitespace().next())
                    .and_then(|v| v.parse().ok())
            })
            .collect()
    }

    #[test]
    fn training_loss_decreases_in_logs() {
        let p = program(
            Script::Training {
                framework: "pytorch".into(),
                replica: "master".into(),
                epochs: 4,
            },
            4 * TRAINING_LINES_PER_EPOCH + TRAINING_EXTRA_LINES,
        );
        let l = losses(&p);
        assert_eq!(l.len(), 4 * 3 + 1);
        assert!(l.windows(2).all(|w| w[1] < w[0]), "{l:?}");
        assert!(p.line(p.lines.unwrap_or(0)).is_none());
    }

    #[test]
    fn trial_prints_final_metrics() {
        let p = program(
            Script::Trial {
                learning_rate: 0.01,
                batch_size: 96.0,
                epochs: 3,
            },
            10,
        );
        assert!(p.line(8).is_some_and(|l| l.starts_with("accuracy=")));
        assert!(p.line(9).is_some_and(|l| l.starts_with("loss=")));
    }

    #[test]
    fn crash_ends_with_oom() {
        let mut p = program(Script::Crashed { name: "nb".into() }, 24);
        p.exit_code = 137;
        assert_eq!(p.line(23).as_deref(), Some("Killed"));
        assert!(p.line(22).is_some_and(|l| l.contains("CUDA out of memory")));
    }
}
