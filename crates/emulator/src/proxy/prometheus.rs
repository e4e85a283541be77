//! A Prometheus stand-in scraping the DCGM stand-in: `/api/v1/query`
//! (GET or form POST) answers the instant queries kftui sends: a DCGM
//! metric by name (`DCGM_FI_DEV_GPU_UTIL`, ...), and
//! `max_over_time(DCGM_FI_DEV_GPU_UTIL[30m])` over the simulated history
//! (samples every 30 simulated seconds, as a 30 s scrape interval gives).
//! Anything else is a `bad_data` error, as Prometheus answers a query it
//! cannot parse. Served for Services named `prometheus-k8s`,
//! `prometheus-operated` and `prometheus`.

use axum::response::Response;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::{Value, json};

use super::dcgm::{self, GpuSample};
use super::{ProxyContext, ProxyRequest, ServiceBackend, ServiceTarget, reply};

const METRICS: [&str; 5] = [
    "DCGM_FI_DEV_GPU_UTIL",
    "DCGM_FI_DEV_FB_USED",
    "DCGM_FI_DEV_FB_FREE",
    "DCGM_FI_DEV_GPU_TEMP",
    "DCGM_FI_DEV_POWER_USAGE",
];

/// The simulated scrape interval.
const STEP_SECS: f64 = 30.0;

fn value_of(metric: &str, s: &GpuSample) -> Option<f64> {
    Some(match metric {
        "DCGM_FI_DEV_GPU_UTIL" => s.util_percent,
        "DCGM_FI_DEV_FB_USED" => s.fb_used_mib,
        "DCGM_FI_DEV_FB_FREE" => s.memory_mib as f64 - s.fb_used_mib,
        "DCGM_FI_DEV_GPU_TEMP" => s.temp_c,
        "DCGM_FI_DEV_POWER_USAGE" => s.power_w,
        _ => return None,
    })
}

fn labels(s: &GpuSample, name: Option<&str>) -> Value {
    let (ns, pod, container) = s.holder.clone().unwrap_or_default();
    let mut m = json!({
        "gpu": s.index.to_string(), "UUID": s.uuid, "modelName": s.model, "Hostname": s.node,
        "device": format!("nvidia{}", s.index), "namespace": ns, "pod": pod, "container": container,
        "instance": format!("{}:9400", s.node), "job": "nvidia-dcgm-exporter",
    });
    if let Some(n) = name {
        m["__name__"] = json!(n);
    }
    m
}

/// Seconds of a PromQL duration ("30m", "1800s", "1h30m").
fn duration(text: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut num = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: f64 = num.parse().ok()?;
        num.clear();
        total += n * match c {
            's' => 1.0,
            'm' => 60.0,
            'h' => 3600.0,
            'd' => 86400.0,
            _ => return None,
        };
    }
    (num.is_empty() && total > 0.0).then_some(total)
}

/// Answers one instant query, or says why it cannot.
pub fn query(ctx: &ProxyContext, q: &str) -> Result<Value, String> {
    let q = q.trim();
    let now = crate::clock::now().as_millisecond() as f64 / 1000.0;
    let point = |v: f64| json!([now, format!("{v}")]);
    if let Some(inner) = q
        .strip_prefix("max_over_time(")
        .and_then(|r| r.strip_suffix(')'))
    {
        let (metric, range) = inner
            .split_once('[')
            .and_then(|(m, r)| Some((m.trim(), r.strip_suffix(']')?)))
            .ok_or_else(|| format!("parse error: expected a range vector in {q:?}"))?;
        let window = duration(range).ok_or_else(|| format!("bad duration {range:?}"))?;
        if !METRICS.contains(&metric) {
            return Err(format!("unknown metric {metric:?}"));
        }
        let mut best: std::collections::BTreeMap<String, (GpuSample, f64)> = Default::default();
        let mut ago = 0.0;
        while ago <= window {
            for s in dcgm::sample_at(ctx, ago) {
                let Some(v) = value_of(metric, &s) else {
                    continue;
                };
                // Series are identified by their labels: a GPU's holder at
                // that moment is part of them, as in a real Prometheus.
                let key = labels(&s, None).to_string();
                let e = best.entry(key).or_insert((s, v));
                e.1 = e.1.max(v);
            }
            ago += STEP_SECS;
        }
        let result: Vec<Value> = best
            .into_values()
            .map(|(s, v)| json!({"metric": labels(&s, None), "value": point(v)}))
            .collect();
        return Ok(json!({"resultType": "vector", "result": result}));
    }
    if !METRICS.contains(&q) {
        return Err(format!(
            "parse error: kftui's stand-in answers DCGM metric names and max_over_time, not {q:?}"
        ));
    }
    let samples = dcgm::sample(ctx);
    let result: Vec<Value> = samples
        .iter()
        .filter_map(|s| {
            let v = value_of(q, s)?;
            Some(json!({"metric": labels(s, Some(q)), "value": point(v)}))
        })
        .collect();
    Ok(json!({"resultType": "vector", "result": result}))
}

/// Serves Prometheus Services.
pub struct PrometheusBackend;

impl ServiceBackend for PrometheusBackend {
    fn serves(&self, _ctx: &ProxyContext, target: &ServiceTarget) -> bool {
        matches!(
            target.name.as_str(),
            "prometheus-k8s" | "prometheus-operated" | "prometheus"
        )
    }

    fn handle(
        &self,
        ctx: ProxyContext,
        _target: ServiceTarget,
        req: ProxyRequest,
    ) -> BoxFuture<'static, Response> {
        async move {
            if req.path != "/api/v1/query" {
                return match req.path.as_str() {
                    "/-/healthy" | "/-/ready" => reply(200, "text/plain", "Prometheus is Ready.\n"),
                    _ => reply(404, "text/plain", "404 page not found"),
                };
            }
            let form = if req.method == axum::http::Method::POST {
                String::from_utf8_lossy(&req.body).to_string()
            } else {
                req.query.clone().unwrap_or_default()
            };
            let q = form_urlencoded::parse(form.as_bytes())
                .find(|(k, _)| k == "query")
                .map(|(_, v)| v.to_string());
            let answer = match q.as_deref() {
                None | Some("") => Err("invalid parameter \"query\": empty query".to_string()),
                Some(q) => query(&ctx, q),
            };
            match answer {
                Ok(data) => reply(
                    200,
                    "application/json",
                    json!({"status": "success", "data": data}).to_string(),
                ),
                Err(e) => reply(
                    400,
                    "application/json",
                    json!({"status": "error", "errorType": "bad_data", "error": e}).to_string(),
                ),
            }
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration("30m"), Some(1800.0));
        assert_eq!(duration("1800s"), Some(1800.0));
        assert_eq!(duration("1h30m"), Some(5400.0));
        assert_eq!(duration("x"), None);
        assert_eq!(duration("30"), None);
    }
}
