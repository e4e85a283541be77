//! Simulated container processes. A container's program is derived from
//! its pod (labels, container name, arguments), so logs and the simulated
//! kubelet agree on what it prints and when it exits: line `i` is printed
//! `i * period` simulated seconds after the container started, and a
//! finite program exits after its last line.

pub mod objective;
pub mod scripts;

use serde_json::Value;

use crate::ids;

/// What a container runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Script {
    /// A Jupyter server for notebook `name` in `namespace`.
    Jupyter { namespace: String, name: String },
    /// The istio sidecar.
    IstioProxy,
    /// A training replica printing a falling loss for `epochs` epochs.
    Training {
        framework: String,
        replica: String,
        epochs: u32,
    },
    /// A Katib trial: a short training run whose metrics come from the
    /// objective function of its parameters.
    Trial {
        learning_rate: f64,
        batch_size: f64,
        epochs: u32,
    },
    /// A KFP driver, launcher-executed component or Argo wait sidecar.
    WorkflowStep {
        step: String,
        role: String,
        fail: bool,
    },
    /// A long-running service (model server, exporter, web app).
    Server { name: String },
    /// The previous instance of a restarted container, which died.
    Crashed { name: String },
}

/// A container's program.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    pub script: Script,
    /// Simulated seconds between lines.
    pub period: f64,
    /// Lines printed before exiting; `None` runs until stopped.
    pub lines: Option<u64>,
    pub exit_code: i32,
    /// Seed for deterministic noise.
    pub seed: u64,
}

impl Program {
    /// Simulated seconds from start to exit, for finite programs.
    pub fn run_secs(&self) -> Option<f64> {
        self.lines.map(|n| n as f64 * self.period)
    }

    /// Line `i` (0-based), or `None` past the end.
    pub fn line(&self, i: u64) -> Option<String> {
        if self.lines.is_some_and(|n| i >= n) {
            return None;
        }
        Some(scripts::line(self, i))
    }

    /// How the container's final state reads when it exits.
    pub fn exit_reason(&self) -> &'static str {
        match (&self.script, self.exit_code) {
            (Script::Crashed { .. }, 137) => "OOMKilled",
            (_, 0) => "Completed",
            _ => "Error",
        }
    }
}

fn label<'a>(pod: &'a Value, key: &str) -> Option<&'a str> {
    pod.pointer("/metadata/labels")
        .and_then(|l| l.get(key))
        .and_then(Value::as_str)
}

fn container<'a>(pod: &'a Value, name: &str) -> Option<&'a Value> {
    ["containers", "initContainers"].iter().find_map(|key| {
        pod.pointer(&format!("/spec/{key}"))
            .and_then(Value::as_array)
            .and_then(|cs| {
                cs.iter()
                    .find(|c| c.get("name").and_then(Value::as_str) == Some(name))
            })
    })
}

/// The command line of a container (command + args) as words.
pub fn argv(c: &Value) -> Vec<String> {
    ["command", "args"]
        .iter()
        .filter_map(|k| c.get(*k).and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .map(String::from)
        .collect()
}

/// The value of `--flag=v` or `--flag v` in `argv`.
pub fn flag(argv: &[String], name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    argv.iter().enumerate().find_map(|(i, a)| {
        if let Some(v) = a.strip_prefix(&prefix) {
            Some(v.to_string())
        } else if a == name {
            argv.get(i + 1).cloned()
        } else {
            None
        }
    })
}

/// Whether the command line asks the shell to fail (`exit 1`, ...).
fn asks_to_fail(argv: &[String]) -> bool {
    argv.iter().any(|a| {
        // Commands chain with `;`, `&&` and `||`.
        a.split([';', '&', '|'])
            .any(|part| part.trim().starts_with("exit ") && part.trim() != "exit 0")
    })
}

/// The exit code a command asks for with `exit N` (N not 0): a training
/// replica that should fail, e.g. `exit 137` for one killed for memory.
fn asked_exit_code(argv: &[String]) -> Option<i32> {
    argv.iter()
        .flat_map(|a| a.split(';'))
        .filter_map(|part| part.trim().strip_prefix("exit "))
        .filter_map(|n| n.trim().parse::<i32>().ok())
        .find(|n| *n != 0)
}

/// The program container `name` of `pod` runs; `previous` selects the
/// instance before the last restart.
pub fn program_for(pod: &Value, name: &str, previous: bool) -> Program {
    let pod_name = pod
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let seed = ids::hash64(&format!("{pod_name}/{name}/{previous}"));
    let c = container(pod, name).cloned().unwrap_or(Value::Null);
    let args = argv(&c);
    let mk = |script, period, lines, exit_code| Program {
        script,
        period,
        lines,
        exit_code,
        seed,
    };
    if previous {
        return mk(
            Script::Crashed {
                name: name.to_string(),
            },
            2.0,
            Some(24),
            137,
        );
    }
    if name == "istio-proxy" {
        return mk(Script::IstioProxy, 45.0, None, 0);
    }
    if let Some(nb) = label(pod, "notebook-name") {
        let ns = pod
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or_default();
        return mk(
            Script::Jupyter {
                namespace: ns.to_string(),
                name: nb.to_string(),
            },
            20.0,
            None,
            0,
        );
    }
    if label(pod, "katib.kubeflow.org/trial").is_some() {
        let lr = flag(&args, "--lr")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.01);
        let bs = flag(&args, "--batch-size")
            .and_then(|v| v.parse().ok())
            .unwrap_or(64.0);
        let epochs: u32 = flag(&args, "--epochs")
            .and_then(|v| v.parse().ok())
            .unwrap_or(5);
        let lines = u64::from(epochs) * 2 + 4;
        return mk(
            Script::Trial {
                learning_rate: lr,
                batch_size: bs,
                epochs,
            },
            3.0,
            Some(lines),
            0,
        );
    }
    let training_job = label(pod, "training.kubeflow.org/job-name")
        .or_else(|| label(pod, "jobset.sigs.k8s.io/jobset-name"));
    if training_job.is_some() {
        if let Some(code) = asked_exit_code(&args) {
            return mk(
                Script::Crashed {
                    name: name.to_string(),
                },
                1.0,
                Some(6),
                code,
            );
        }
        let epochs: u32 = flag(&args, "--epochs")
            .and_then(|v| v.parse().ok())
            .unwrap_or(10);
        let replica = label(pod, "training.kubeflow.org/replica-type")
            .or_else(|| label(pod, "jobset.sigs.k8s.io/replicatedjob-name"))
            .unwrap_or("worker")
            .to_string();
        let framework = label(pod, "training.kubeflow.org/operator-name")
            .unwrap_or("trainer")
            .trim_end_matches("job-controller")
            .to_string();
        return mk(
            Script::Training {
                framework,
                replica,
                epochs,
            },
            6.0,
            Some(
                u64::from(epochs) * scripts::TRAINING_LINES_PER_EPOCH
                    + scripts::TRAINING_EXTRA_LINES,
            ),
            0,
        );
    }
    if label(pod, "workflows.argoproj.io/workflow").is_some() {
        let role = match name {
            "wait" => "wait",
            "init" => "init",
            _ if args.first().is_some_and(|a| a == "driver") => "driver",
            _ => "executor",
        };
        let step = pod
            .pointer("/metadata/annotations/workflows.argoproj.io~1node-name")
            .and_then(Value::as_str)
            .unwrap_or(pod_name)
            .to_string();
        let fail = asks_to_fail(&args);
        let lines = match role {
            "driver" => 6,
            "wait" => 5,
            "init" => 3,
            _ => 10,
        };
        return mk(
            Script::WorkflowStep {
                step,
                role: role.to_string(),
                fail,
            },
            1.0,
            Some(lines),
            i32::from(fail),
        );
    }
    let fail = asks_to_fail(&args);
    if fail {
        return mk(
            Script::Crashed {
                name: name.to_string(),
            },
            1.0,
            Some(6),
            1,
        );
    }
    mk(
        Script::Server {
            name: name.to_string(),
        },
        15.0,
        None,
        0,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_training_replica_asking_for_exit_137_is_oom_killed() {
        let pod = serde_json::json!({
            "metadata": {"name": "j-worker-0", "labels": {"training.kubeflow.org/job-name": "j"}},
            "spec": {"containers": [{"name": "pytorch", "command": ["sh", "-c", "python3 t.py; exit 137"]}]},
        });
        let p = program_for(&pod, "pytorch", false);
        assert_eq!((p.exit_code, p.exit_reason()), (137, "OOMKilled"));
        assert_eq!(asked_exit_code(&["exit 0".into()]), None);
        assert_eq!(asked_exit_code(&["train.py; exit 2".into()]), Some(2));
    }

    use super::*;
    use serde_json::json;

    #[test]
    fn programs_follow_pod_shape() {
        let nb = json!({"metadata": {"name": "nb-0", "namespace": "ns", "labels": {"notebook-name": "nb"}},
            "spec": {"containers": [{"name": "nb"}, {"name": "istio-proxy"}]}});
        assert!(matches!(
            program_for(&nb, "nb", false).script,
            Script::Jupyter { .. }
        ));
        assert_eq!(
            program_for(&nb, "istio-proxy", false).script,
            Script::IstioProxy
        );
        assert!(program_for(&nb, "nb", false).lines.is_none());
        let prev = program_for(&nb, "nb", true);
        assert_eq!(prev.exit_reason(), "OOMKilled");

        let train = json!({"metadata": {"name": "j-master-0", "labels": {
            "training.kubeflow.org/job-name": "j", "training.kubeflow.org/replica-type": "master",
            "training.kubeflow.org/operator-name": "pytorchjob-controller"}},
            "spec": {"containers": [{"name": "pytorch", "args": ["--epochs", "3"]}]}});
        let p = program_for(&train, "pytorch", false);
        assert_eq!(
            p.script,
            Script::Training {
                framework: "pytorch".into(),
                replica: "master".into(),
                epochs: 3
            }
        );
        assert!(p.run_secs().is_some());

        let wf = json!({"metadata": {"name": "w", "labels": {"workflows.argoproj.io/workflow": "w"}},
            "spec": {"containers": [{"name": "main", "command": ["sh", "-c"], "args": ["echo hi; exit 1"]}]}});
        let p = program_for(&wf, "main", false);
        assert_eq!(p.exit_code, 1);
        assert_eq!(p.exit_reason(), "Error");
    }

    #[test]
    fn flags() {
        let a: Vec<String> = ["--lr=0.1", "--batch-size", "32"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(flag(&a, "--lr").as_deref(), Some("0.1"));
        assert_eq!(flag(&a, "--batch-size").as_deref(), Some("32"));
        assert_eq!(flag(&a, "--epochs"), None);
    }
}
