//! Small readers shared by the list screens: ages, names, phases and the
//! like, taken from objects as the API server sends them.

use jiff::Timestamp;
use kube::api::DynamicObject;
use serde_json::Value;

use super::table::{Cell, SortKey, Tone};

/// kubectl-style age: `45s`, `12m`, `5h3m`, `3d4h`, `2y`.
pub fn age(since: Option<Timestamp>, now: Timestamp) -> String {
    let Some(since) = since.filter(|t| known(*t)) else {
        return "-".into();
    };
    let secs = now.as_second().saturating_sub(since.as_second()).max(0);
    human_duration(secs)
}

/// A duration in seconds, in kubectl's short form.
pub fn human_duration(secs: i64) -> String {
    let (m, h, d) = (60, 3600, 86_400);
    match secs {
        s if s < 2 * m => format!("{s}s"),
        s if s < 10 * m => format!("{}m{}s", s / m, s % m).replace("m0s", "m"),
        s if s < 3 * h => format!("{}m", s / m),
        s if s < 8 * h => format!("{}h{}m", s / h, (s % h) / m).replace("h0m", "h"),
        s if s < 2 * d => format!("{}h", s / h),
        s if s < 8 * d => format!("{}d{}h", s / d, (s % d) / h).replace("d0h", "d"),
        s if s < 365 * d => format!("{}d", s / d),
        s => format!("{}y{}d", s / (365 * d), (s % (365 * d)) / d).replace("y0d", "y"),
    }
}

pub fn name(obj: &DynamicObject) -> &str {
    obj.metadata.name.as_deref().unwrap_or("")
}

pub fn namespace(obj: &DynamicObject) -> &str {
    obj.metadata.namespace.as_deref().unwrap_or("")
}

pub fn created(obj: &DynamicObject) -> Option<Timestamp> {
    obj.metadata
        .creation_timestamp
        .as_ref()
        .map(|t| t.0)
        .filter(|t| known(*t))
}

/// False for the "zero" times objects carry instead of none: Go's zero
/// `time.Time` (0001-01-01) and the Unix epoch. Ages and durations counted
/// from them read "56y" or "2024y"; they are shown as `-`.
pub fn known(t: Timestamp) -> bool {
    t.as_second() > 86_400 * 365
}

/// The seconds from `start` to `end` (or now while running), when both are
/// known and in order: for DURATION columns, `-` otherwise.
pub fn duration_secs(
    start: Option<Timestamp>,
    end: Option<Timestamp>,
    now: Timestamp,
) -> Option<i64> {
    let start = start.filter(|t| known(*t))?;
    let end = end.filter(|t| known(*t)).unwrap_or(now);
    let secs = end.as_second() - start.as_second();
    (secs >= 0).then_some(secs)
}

pub fn uid(obj: &DynamicObject) -> String {
    crate::app::store::object_key(obj)
}

pub fn label<'a>(obj: &'a DynamicObject, key: &str) -> Option<&'a str> {
    obj.metadata.labels.as_ref()?.get(key).map(String::as_str)
}

pub fn annotation<'a>(obj: &'a DynamicObject, key: &str) -> Option<&'a str> {
    obj.metadata
        .annotations
        .as_ref()?
        .get(key)
        .map(String::as_str)
}

/// A string at a JSON pointer into the object's body (`/status/phase`).
pub fn str_at<'a>(obj: &'a DynamicObject, pointer: &str) -> Option<&'a str> {
    obj.data.pointer(pointer).and_then(Value::as_str)
}

pub fn i64_at(obj: &DynamicObject, pointer: &str) -> Option<i64> {
    obj.data.pointer(pointer).and_then(Value::as_i64)
}

/// An RFC 3339 time at a pointer; `None` when missing, null, empty,
/// unreadable or a zero time.
pub fn time_at(obj: &DynamicObject, pointer: &str) -> Option<Timestamp> {
    str_at(obj, pointer)
        .and_then(|s| s.parse().ok())
        .filter(|t| known(*t))
}

pub fn age_cell(obj: &DynamicObject, now: Timestamp) -> Cell {
    Cell::tone(age(created(obj), now), Tone::Dim)
}

/// Newest first sorting by creation: older objects get larger keys.
pub fn age_sort(obj: &DynamicObject) -> SortKey {
    match created(obj) {
        Some(t) => SortKey::Num(-t.as_second()),
        None => SortKey::Missing,
    }
}

/// Tone for common phase words.
pub fn phase_tone(phase: &str) -> Tone {
    match phase {
        "Running" | "Succeeded" | "Active" | "Ready" | "Bound" | "Completed" | "True"
        | "Created" => Tone::Ok,
        "Pending" | "Starting" | "ContainerCreating" | "Terminating" | "Restarting" | "Stopped"
        | "Unknown" => Tone::Warn,
        "Failed" | "Error" | "CrashLoopBackOff" | "ImagePullBackOff" | "ErrImagePull"
        | "OOMKilled" | "Evicted" => Tone::Error,
        _ => Tone::Normal,
    }
}

/// The type of the newest condition whose status is "True", as kubectl shows
/// job states (`Succeeded`, `Running`).
pub fn latest_true_condition(obj: &DynamicObject) -> Option<&str> {
    let conds = obj.data.pointer("/status/conditions")?.as_array()?;
    conds
        .iter()
        .filter(|c| c.get("status").and_then(Value::as_str) == Some("True"))
        .max_by_key(|c| {
            c.get("lastTransitionTime")
                .or_else(|| c.get("lastUpdateTime"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        })
        .and_then(|c| c.get("type").and_then(Value::as_str))
}

/// One count (`active`, `ready`, `failed`, ...) summed over a TrainJob's
/// child Jobs in `status.jobsStatus`; 0 when there are none.
pub fn jobs_total(obj: &DynamicObject, field: &str) -> i64 {
    obj.data
        .pointer("/status/jobsStatus")
        .and_then(Value::as_array)
        .map(|jobs| {
            jobs.iter()
                .filter_map(|j| j.get(field).and_then(Value::as_i64))
                .sum()
        })
        .unwrap_or(0)
}

/// A TrainJob's state from `status.jobsStatus` (its child Jobs), for when
/// it has no conditions yet: the Trainer sets `Complete`/`Failed`
/// conditions only at the end, so a running TrainJob often has none.
/// Counts are of child Jobs (`Running 3/3`: three active, three ready).
pub fn jobs_status(obj: &DynamicObject) -> Option<String> {
    let jobs = obj.data.pointer("/status/jobsStatus")?.as_array()?;
    if jobs.is_empty() {
        return None;
    }
    let sum = |field: &str| jobs_total(obj, field);
    let (active, ready, failed) = (sum("active"), sum("ready"), sum("failed"));
    let (succeeded, suspended) = (sum("succeeded"), sum("suspended"));
    Some(if failed > 0 {
        "Failed".to_string()
    } else if active > 0 {
        format!("Running {ready}/{active}")
    } else if suspended > 0 {
        "Suspended".to_string()
    } else if succeeded > 0 {
        "Succeeded".to_string()
    } else {
        "Created".to_string()
    })
}

/// Short image reference: registry path dropped, tag kept.
pub fn short_image(image: &str) -> &str {
    let (path, _) = image.split_once('@').unwrap_or((image, ""));
    path.rsplit('/').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn train_job_status_comes_from_its_child_jobs() {
        let job = |jobs: Value| DynamicObject {
            types: None,
            metadata: Default::default(),
            data: serde_json::json!({"status": {"conditions": [], "jobsStatus": jobs}}),
        };
        let running = job(serde_json::json!([
            {"name": "node", "active": 2, "ready": 2, "succeeded": 0, "failed": 0, "suspended": 0},
            {"name": "launcher", "active": 1, "ready": 0},
        ]));
        assert_eq!(jobs_status(&running).as_deref(), Some("Running 2/3"));
        let failed = job(serde_json::json!([{"name": "node", "active": 1, "failed": 1}]));
        assert_eq!(jobs_status(&failed).as_deref(), Some("Failed"));
        let done = job(serde_json::json!([{"name": "node", "succeeded": 3}]));
        assert_eq!(jobs_status(&done).as_deref(), Some("Succeeded"));
        let held = job(serde_json::json!([{"name": "node", "suspended": 1}]));
        assert_eq!(jobs_status(&held).as_deref(), Some("Suspended"));
        let fresh = job(serde_json::json!([{"name": "node"}]));
        assert_eq!(jobs_status(&fresh).as_deref(), Some("Created"));
        assert_eq!(jobs_status(&job(serde_json::json!([]))), None);
        assert_eq!(jobs_status(&job(serde_json::json!("junk"))), None);
    }

    #[test]
    fn ages_read_like_kubectl() {
        let cases = [
            (5, "5s"),
            (119, "119s"),
            (120, "2m"),
            (125, "2m5s"),
            (600, "10m"),
            (3 * 3600 + 60, "3h1m"),
            (3 * 3600, "3h"),
            (30 * 3600, "30h"),
            (3 * 86_400 + 3600, "3d1h"),
            (40 * 86_400, "40d"),
            (400 * 86_400, "1y35d"),
        ];
        for (secs, want) in cases {
            assert_eq!(human_duration(secs), want, "{secs}");
        }
        let now = Timestamp::from_second(1_000_000_000).expect("ts");
        assert_eq!(age(None, now), "-");
        assert_eq!(age(Some(now), now), "0s");
        assert_eq!(
            age(Some(Timestamp::UNIX_EPOCH), now),
            "-",
            "the epoch is no time"
        );
        let zero: Timestamp = "0001-01-01T00:00:00Z".parse().expect("go zero time");
        assert_eq!(age(Some(zero), now), "-");
        let start = now - jiff::SignedDuration::from_secs(90);
        assert_eq!(duration_secs(Some(start), None, now), Some(90));
        assert_eq!(duration_secs(None, Some(now), now), None, "never started");
        assert_eq!(duration_secs(Some(zero), Some(now), now), None);
        assert_eq!(
            duration_secs(Some(now), Some(start), now),
            None,
            "ends before it starts"
        );
        assert_eq!(
            duration_secs(Some(start), Some(zero), now),
            Some(90),
            "zero end: running"
        );
    }

    #[test]
    fn readers() {
        let obj: DynamicObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "j", "namespace": "n", "labels": {"a": "b"}},
            "status": {"phase": "Running", "conditions": [
                {"type": "Created", "status": "True", "lastTransitionTime": "2024-01-01T00:00:00Z"},
                {"type": "Running", "status": "True", "lastTransitionTime": "2024-01-01T00:01:00Z"},
                {"type": "Failed", "status": "False", "lastTransitionTime": "2024-01-01T00:02:00Z"}
            ]}
        }))
        .expect("obj");
        assert_eq!(str_at(&obj, "/status/phase"), Some("Running"));
        assert_eq!(label(&obj, "a"), Some("b"));
        assert_eq!(latest_true_condition(&obj), Some("Running"));
        assert_eq!(
            short_image("kubeflownotebookswg/jupyter-pytorch-cuda:v1.9.0"),
            "jupyter-pytorch-cuda:v1.9.0"
        );
        assert_eq!(phase_tone("Failed"), Tone::Error);
    }
}
