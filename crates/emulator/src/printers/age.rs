//! Human-readable ages, exactly as kubectl and the apiserver's table
//! printers render them (`k8s.io/apimachinery/pkg/util/duration`).

use jiff::Timestamp;

/// `HumanDuration` for `secs` seconds.
pub fn human_duration(secs: i64) -> String {
    if secs < -1 {
        return "<invalid>".into();
    }
    if secs < 0 {
        return "0s".into();
    }
    let minutes = secs / 60;
    let hours = secs / 3600;
    if secs < 60 * 2 {
        format!("{secs}s")
    } else if minutes < 10 {
        let s = secs % 60;
        if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        }
    } else if minutes < 60 * 3 {
        format!("{minutes}m")
    } else if hours < 8 {
        let m = minutes % 60;
        if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        }
    } else if hours < 48 {
        format!("{hours}h")
    } else if hours < 24 * 8 {
        let h = hours % 24;
        if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        }
    } else if hours < 24 * 365 * 2 {
        format!("{}d", hours / 24)
    } else if hours < 24 * 365 * 8 {
        let d = (hours / 24) % 365;
        if d == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{d}d", hours / 24 / 365)
        }
    } else {
        format!("{}y", hours / 24 / 365)
    }
}

/// The age of an RFC 3339 timestamp, `<unknown>` when absent or unparsable.
pub fn age(ts: Option<&str>) -> String {
    match ts.and_then(|s| s.parse::<Timestamp>().ok()) {
        Some(t) => human_duration(Timestamp::now().duration_since(t).as_secs()),
        None => "<unknown>".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::human_duration as h;

    #[test]
    fn matches_apimachinery() {
        assert_eq!(h(5), "5s");
        assert_eq!(h(119), "119s");
        assert_eq!(h(125), "2m5s");
        assert_eq!(h(600), "10m");
        assert_eq!(h(3 * 3600 + 120), "3h2m");
        assert_eq!(h(20 * 3600), "20h");
        assert_eq!(h(3 * 86400 + 3600), "3d1h");
        assert_eq!(h(30 * 86400), "30d");
    }
}
