//! The sample lines of the Prometheus text exposition format, parsed
//! without copying: `name{label="value",...} value [timestamp]`, label
//! values with the format's escapes (`\\`, `\"`, `\n`), values as Go
//! writes them (`NaN`, `+Inf`). Comments (`# HELP`, `# TYPE`) and blank
//! lines are skipped.
//!
//! Why not a crate: `prometheus-parse` (the maintained Apache-2.0 parser;
//! `openmetrics-parser` is LGPL-3.0) takes about 285 ms for one DCGM scrape
//! of 8,000 GPUs (a regex per line and a map of owned strings per sample),
//! against a target of 20 ms for parsing and joining the whole scrape. It
//! stays a dev-dependency: a test checks that both read the same samples.

use std::borrow::Cow;

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample<'a> {
    pub name: &'a str,
    pub labels: Vec<(&'a str, Cow<'a, str>)>,
    pub value: f64,
}

impl<'a> Sample<'a> {
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_ref())
    }
}

fn unescape(raw: &str) -> Cow<'_, str> {
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    Cow::Owned(out)
}

/// Go's float syntax: also `NaN`, `+Inf`, `-Inf`.
fn value(text: &str) -> Option<f64> {
    match text {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        t => t.parse().ok(),
    }
}

/// Parses one line; `None` for comments, blank and malformed lines.
pub fn sample(line: &str) -> Option<Sample<'_>> {
    let line = line.trim_start();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let name_end = line
        .find(|c: char| c == '{' || c.is_ascii_whitespace())
        .unwrap_or(line.len());
    let name = &line[..name_end];
    if name.is_empty() {
        return None;
    }
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(r) = rest.strip_prefix('{') {
        rest = r;
        loop {
            rest = rest.trim_start_matches([' ', ',']);
            if let Some(r) = rest.strip_prefix('}') {
                rest = r;
                break;
            }
            let eq = rest.find('=')?;
            let key = rest[..eq].trim();
            rest = rest[eq + 1..].trim_start().strip_prefix('"')?;
            // The closing quote: the first one not escaped.
            let bytes = rest.as_bytes();
            let mut i = 0;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            if i >= bytes.len() {
                return None;
            }
            labels.push((key, unescape(&rest[..i])));
            rest = &rest[i + 1..];
        }
    }
    let v = value(rest.split_ascii_whitespace().next()?)?;
    Some(Sample {
        name,
        labels,
        value: v,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_with_escapes_and_go_floats() {
        let s = sample(r#"m{a="x",b="say \"hi\"\n",c="back\\slash"} 1.5e3 1712345678000"#)
            .expect("sample");
        assert_eq!(s.name, "m");
        assert_eq!(s.label("a"), Some("x"));
        assert_eq!(s.label("b"), Some("say \"hi\"\n"));
        assert_eq!(s.label("c"), Some("back\\slash"));
        assert_eq!(s.value, 1500.0);
        assert_eq!(sample("up 1").map(|s| s.value), Some(1.0));
        assert!(sample("x{} NaN").is_some_and(|s| s.value.is_nan()));
        assert_eq!(sample("x{} +Inf").map(|s| s.value), Some(f64::INFINITY));
        assert_eq!(sample("x{a=\"1\",} 2").map(|s| s.value), Some(2.0));
        for bad in [
            "# HELP m help",
            "",
            "m{a=\"unterminated} 1",
            "m{a=1} 2",
            "m{a=\"1\"}",
        ] {
            assert!(sample(bad).is_none(), "{bad}");
        }
    }

    /// The same samples as prometheus-parse reads, on text shaped like the
    /// DCGM exporter's.
    #[test]
    fn agrees_with_prometheus_parse() {
        let mut text = String::from(
            "# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).\n# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n",
        );
        for i in 0..20 {
            text.push_str(&format!(
                "DCGM_FI_DEV_GPU_UTIL{{gpu=\"{i}\",UUID=\"GPU-{i:04}\",Hostname=\"node-{}\",modelName=\"NVIDIA A100-SXM4-80GB\",namespace=\"ml\",pod=\"p-{i}\",container=\"main\"}} {}\n",
                i / 8,
                i * 5
            ));
        }
        let theirs = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string())))
            .expect("prometheus-parse");
        let ours: Vec<Sample> = text.lines().filter_map(sample).collect();
        assert_eq!(ours.len(), theirs.samples.len());
        for (a, b) in ours.iter().zip(&theirs.samples) {
            assert_eq!(a.name, b.metric);
            assert_eq!(
                prometheus_parse::Value::Gauge(a.value),
                b.value,
                "{}",
                a.name
            );
            for (k, v) in &a.labels {
                assert_eq!(b.labels.get(k), Some(v.as_ref()), "{k}");
            }
            assert_eq!(a.labels.len(), b.labels.len());
        }
    }
}
