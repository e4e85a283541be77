//! One entry of a workflow's `status.nodes`, read leniently (missing or
//! odd fields become defaults), its phase with `argo get`'s icons, and the
//! pod name Argo gives a Pod node.

use jiff::Timestamp;
use serde_json::Value;

use crate::views::table::Tone;

/// A node's phase, as icons and tones know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    Pending,
    Running,
    Succeeded,
    Skipped,
    Failed,
    Error,
}

impl Phase {
    pub fn parse(word: Option<&str>) -> Phase {
        match word {
            Some("Running") => Phase::Running,
            Some("Succeeded") => Phase::Succeeded,
            Some("Skipped" | "Omitted") => Phase::Skipped,
            Some("Failed") => Phase::Failed,
            Some("Error") => Phase::Error,
            _ => Phase::Pending,
        }
    }

    /// `argo get`'s icons; an ASCII set for terminals without UTF-8.
    pub fn icon(self, ascii: bool) -> &'static str {
        match (self, ascii) {
            (Phase::Pending, false) => "◷",
            (Phase::Running, false) => "●",
            (Phase::Succeeded, false) => "✔",
            (Phase::Skipped, false) => "○",
            (Phase::Failed, false) => "✖",
            (Phase::Error, false) => "⚠",
            (Phase::Pending, true) => ".",
            (Phase::Running, true) => "*",
            (Phase::Succeeded, true) => "+",
            (Phase::Skipped, true) => "o",
            (Phase::Failed, true) => "x",
            (Phase::Error, true) => "!",
        }
    }

    pub fn tone(self) -> Tone {
        match self {
            Phase::Pending => Tone::Warn,
            Phase::Running => Tone::Info,
            Phase::Succeeded => Tone::Ok,
            Phase::Skipped => Tone::Dim,
            Phase::Failed | Phase::Error => Tone::Error,
        }
    }

    pub fn finished(self) -> bool {
        matches!(
            self,
            Phase::Succeeded | Phase::Skipped | Phase::Failed | Phase::Error
        )
    }

    pub fn failed(self) -> bool {
        matches!(self, Phase::Failed | Phase::Error)
    }
}

/// One entry of `status.nodes`, read leniently.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Node {
    pub id: String,
    pub name: String,
    pub display: String,
    /// Argo's `type`: Pod, DAG, Steps, StepGroup, Retry, TaskGroup, Skipped…
    pub kind: String,
    /// The phase word as written (empty when missing).
    pub phase_word: String,
    pub template: String,
    pub boundary: Option<String>,
    pub children: Vec<String>,
    pub started: Option<Timestamp>,
    pub finished: Option<Timestamp>,
    pub message: Option<String>,
    pub host: Option<String>,
    pub exit_code: Option<String>,
    pub inputs: Vec<(String, String)>,
    pub outputs: Vec<(String, String)>,
    /// Artifacts: direction ("in"/"out"), name, where it is stored.
    pub artifacts: Vec<(&'static str, String, String)>,
    pub resources: Vec<(String, i64)>,
}

impl Node {
    pub fn phase(&self) -> Phase {
        Phase::parse(Some(self.phase_word.as_str()))
    }

    /// A KFP v2 driver pod (plumbing, not the user's work).
    pub fn is_driver(&self) -> bool {
        self.kind == "Pod"
            && matches!(
                self.template.as_str(),
                "system-dag-driver" | "system-container-driver"
            )
    }

    /// The KFP task a driver prepares (its `task-name` input, else its
    /// display name without `-driver`).
    pub fn driven_task(&self) -> String {
        self.inputs
            .iter()
            .find(|(k, v)| k == "task-name" && !v.is_empty() && !v.contains("{{"))
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| {
                self.display
                    .strip_suffix("-driver")
                    .unwrap_or(&self.display)
                    .to_string()
            })
    }

    /// Seconds from start to finish (to now while it runs); `None` when a
    /// time is missing, or a finished node says no finish time.
    pub fn duration_secs(&self, now: Timestamp) -> Option<i64> {
        if self.finished.is_none() && self.phase().finished() {
            return None;
        }
        crate::views::columns::duration_secs(self.started, self.finished, now)
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn time(v: &Value, key: &str) -> Option<Timestamp> {
    v.get(key)
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .filter(|t| crate::views::columns::known(*t))
}

fn params(v: Option<&Value>) -> Vec<(String, String)> {
    v.and_then(|io| io.get("parameters"))
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .filter_map(|p| {
                    let name = text(p, "name")?;
                    let value = text(p, "value")
                        .or_else(|| text(p, "default"))
                        .unwrap_or_default();
                    Some((name, value))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Where an Argo artifact lives, as a URI when the location says enough.
pub fn artifact_uri(a: &Value) -> String {
    if let Some(s3) = a.get("s3") {
        let key = text(s3, "key").unwrap_or_default();
        return match text(s3, "bucket") {
            Some(b) => format!("s3://{b}/{key}"),
            None => format!("s3 key {key}"),
        };
    }
    if let Some(g) = a.get("gcs") {
        return format!(
            "gs://{}/{}",
            text(g, "bucket").unwrap_or_default(),
            text(g, "key").unwrap_or_default()
        );
    }
    for (k, field) in [("http", "url"), ("artifactory", "url"), ("git", "repo")] {
        if let Some(u) = a.get(k).and_then(|x| text(x, field)) {
            return u;
        }
    }
    for k in ["oss", "hdfs", "azure"] {
        if let Some(x) = a.get(k) {
            return format!(
                "{k} {}",
                text(x, "key")
                    .or_else(|| text(x, "path"))
                    .unwrap_or_default()
            );
        }
    }
    text(a, "path").unwrap_or_else(|| "-".into())
}

fn artifacts(v: Option<&Value>, dir: &'static str) -> Vec<(&'static str, String, String)> {
    v.and_then(|io| io.get("artifacts"))
        .and_then(Value::as_array)
        .map(|xs| {
            xs.iter()
                .filter_map(|a| Some((dir, text(a, "name")?, artifact_uri(a))))
                .collect()
        })
        .unwrap_or_default()
}

impl Node {
    /// Reads one node; `key` is its key in the map (the truth when `id` is
    /// missing or disagrees).
    pub fn parse(key: &str, v: &Value) -> Node {
        let id = key.to_string();
        let name = text(v, "name").unwrap_or_else(|| id.clone());
        let display = text(v, "displayName")
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| name.rsplit('.').next().unwrap_or(&name).to_string());
        let mut artifacts_all = artifacts(v.get("inputs"), "in");
        artifacts_all.extend(artifacts(v.get("outputs"), "out"));
        Node {
            name,
            display,
            kind: text(v, "type").unwrap_or_default(),
            phase_word: text(v, "phase").unwrap_or_default(),
            template: text(v, "templateName").unwrap_or_default(),
            boundary: text(v, "boundaryID").filter(|b| !b.is_empty() && *b != id),
            children: v
                .get("children")
                .and_then(Value::as_array)
                .map(|c| {
                    c.iter()
                        .filter_map(Value::as_str)
                        .filter(|c| *c != id)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default(),
            started: time(v, "startedAt"),
            finished: time(v, "finishedAt"),
            message: text(v, "message").filter(|m| !m.is_empty()),
            host: text(v, "hostNodeName"),
            exit_code: v.get("outputs").and_then(|o| text(o, "exitCode")),
            inputs: params(v.get("inputs")),
            outputs: params(v.get("outputs")),
            artifacts: artifacts_all,
            resources: v
                .get("resourcesDuration")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, x)| Some((k.clone(), x.as_i64()?)))
                        .collect()
                })
                .unwrap_or_default(),
            id,
        }
    }
}

/// FNV-1a, 32 bits: Argo's hash for node ids and pod names.
pub fn fnv32a(s: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in s.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// The pod Argo creates for a Pod node (pod name format v2 unless `v1`).
pub fn pod_name(workflow: &str, node: &Node, v1: bool) -> Option<String> {
    if node.kind != "Pod" {
        return None;
    }
    if v1 || node.template.is_empty() {
        return Some(node.id.clone());
    }
    if node.name == workflow {
        return Some(workflow.to_string());
    }
    let mut prefix = format!("{workflow}-{}", node.template);
    let mut cut = prefix.len().min(242);
    while !prefix.is_char_boundary(cut) {
        cut -= 1;
    }
    prefix.truncate(cut);
    Some(format!("{prefix}-{}", fnv32a(&node.name)))
}
