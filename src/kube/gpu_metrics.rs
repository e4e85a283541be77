//! GPU metrics for the `:gpu` screen: the DCGM exporter's `/metrics`
//! (Prometheus text) read through the API server's service proxy, or PromQL
//! instant queries to a Prometheus server that scrapes the exporter. A
//! scrape runs every few seconds only while a view subscribes to it (the
//! runtime starts and stops [`run`]); each answer, or the reason there is
//! none, goes to the view as a [`GpuScrape`].
//!
//! The text's sample lines are parsed by [`super::exposition`] (see there
//! why not by a crate). Only the lines of the metrics read here are parsed:
//! a real exporter exposes a few dozen metrics per GPU.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use kube::Client;
use kube::api::{Api, DynamicObject, ListParams};
use serde_json::Value;

use super::errors::ApiFailure;
use super::exposition;
use super::kinds;

/// The metrics read, as DCGM names them.
pub const UTIL: &str = "DCGM_FI_DEV_GPU_UTIL";
pub const FB_USED: &str = "DCGM_FI_DEV_FB_USED";
pub const FB_FREE: &str = "DCGM_FI_DEV_FB_FREE";
pub const TEMP: &str = "DCGM_FI_DEV_GPU_TEMP";
pub const POWER: &str = "DCGM_FI_DEV_POWER_USAGE";
/// The metrics read from the exporter or Prometheus: the screen shows
/// utilisation and memory used. Skipping the other lines halves a scrape's
/// parse; `set` knows the other three for when a screen shows them.
const METRICS: [&str; 2] = [UTIL, FB_USED];

/// Where the GPU numbers come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MetricsSource {
    /// The exporter's Service, found by name (in `namespace`, or in any
    /// namespace) or by a label selector.
    Exporter {
        namespace: Option<String>,
        service: String,
        label: Option<String>,
    },
    /// A Prometheus server: an in-cluster `http://NAME.NAMESPACE.svc:PORT`
    /// URL is reached through the service proxy, any other URL directly.
    Prometheus { url: String },
}

/// One running scrape.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScrapeSpec {
    pub source: MetricsSource,
    pub every_secs: u64,
    /// The idle window asked of Prometheus (`max_over_time(...[window])`).
    pub window_secs: u64,
}

/// One GPU's numbers, with the pod the exporter says holds it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GpuMetric {
    pub hostname: String,
    pub gpu: String,
    pub uuid: String,
    pub model: String,
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub util: Option<f64>,
    pub fb_used_mib: Option<f64>,
    pub fb_free_mib: Option<f64>,
    pub temp_c: Option<f64>,
    pub power_w: Option<f64>,
    /// The highest utilisation over the idle window, when the source keeps
    /// history (Prometheus).
    pub window_max: Option<f64>,
}

/// What one scrape found.
#[derive(Debug, Clone, PartialEq)]
pub struct GpuReading {
    /// Where it came from, in words ("nvidia-dcgm-exporter (gpu-operator)
    /// via service proxy": the API server's service proxy).
    pub via: String,
    pub gpus: Vec<GpuMetric>,
}

/// A scrape's answer, or why there is none, for the view that asked.
#[derive(Debug, Clone)]
pub struct GpuScrape {
    pub spec: ScrapeSpec,
    pub result: Result<GpuReading, String>,
}

/// Called with every answer.
pub type Sink = Arc<dyn Fn(GpuScrape) + Send + Sync>;

/// The longest one scrape may take.
const TIME_LIMIT: Duration = Duration::from_secs(10);

/// Namespaces the GPU operator installs into, tried when the user may not
/// list Services across the cluster.
const OPERATOR_NAMESPACES: [&str; 3] = ["gpu-operator", "nvidia-gpu-operator", "kube-system"];

/// Scrapes every `spec.every_secs` until aborted.
pub async fn run(client: Client, spec: ScrapeSpec, sink: Sink) {
    let mut every = tokio::time::interval(Duration::from_secs(spec.every_secs.max(1)));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut found: Option<Exporter> = None;
    let direct = match &spec.source {
        MetricsSource::Prometheus { url } if in_cluster(url).is_none() => Some(direct_client(url)),
        _ => None,
    };
    loop {
        every.tick().await;
        let result = match &spec.source {
            MetricsSource::Exporter {
                namespace,
                service,
                label,
            } => {
                if found.is_none() {
                    found = find_exporter(&client, namespace.as_deref(), service, label.as_deref())
                        .await
                        .map_err(|e| tracing::info!("DCGM exporter: {e}"))
                        .ok();
                }
                match &found {
                    None => Err(not_found(namespace.as_deref(), service, label.as_deref())),
                    Some(e) => {
                        let r = scrape_exporter(&client, e).await;
                        if r.is_err() {
                            // Found again next time: the Service may have moved.
                            found = None;
                        }
                        r
                    }
                }
            }
            MetricsSource::Prometheus { url } => {
                let c = match &direct {
                    Some(Ok(c)) => Some(c),
                    Some(Err(e)) => {
                        sink(GpuScrape {
                            spec: spec.clone(),
                            result: Err(e.clone()),
                        });
                        continue;
                    }
                    None => None,
                };
                query_prometheus(&client, c, url, spec.window_secs).await
            }
        };
        sink(GpuScrape {
            spec: spec.clone(),
            result,
        });
    }
}

fn not_found(namespace: Option<&str>, service: &str, label: Option<&str>) -> String {
    let what = match label {
        Some(l) => format!("no Service labelled {l}"),
        None => format!("no Service named {service}"),
    };
    match namespace {
        Some(ns) => format!("{what} in {ns}: is the DCGM exporter installed?"),
        None => format!("{what} found: is the DCGM exporter installed?"),
    }
}

/// The exporter Service found.
#[derive(Debug, Clone)]
struct Exporter {
    namespace: String,
    name: String,
    port: String,
}

fn exporter_of(svc: &DynamicObject) -> Option<Exporter> {
    let ports = svc.data.pointer("/spec/ports")?.as_array()?;
    let port = ports
        .iter()
        .find(|p| {
            matches!(
                p.get("name").and_then(Value::as_str),
                Some("gpu-metrics" | "metrics")
            )
        })
        .or_else(|| ports.first())?;
    let port = match port.get("name").and_then(Value::as_str) {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => port.get("port")?.as_i64()?.to_string(),
    };
    Some(Exporter {
        namespace: svc.metadata.namespace.clone()?,
        name: svc.metadata.name.clone()?,
        port,
    })
}

async fn find_exporter(
    client: &Client,
    namespace: Option<&str>,
    service: &str,
    label: Option<&str>,
) -> Result<Exporter, String> {
    let ar = kinds::SERVICE.api_resource();
    let params = match label {
        Some(l) => ListParams::default().labels(l),
        None => ListParams::default().fields(&format!("metadata.name={service}")),
    };
    let api: Api<DynamicObject> = match namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    };
    match tokio::time::timeout(TIME_LIMIT, api.list(&params)).await {
        Ok(Ok(list)) => {
            return list
                .items
                .iter()
                .find_map(exporter_of)
                .ok_or_else(|| not_found(namespace, service, label));
        }
        Ok(Err(e)) if namespace.is_none() && ApiFailure::from(&e).is_forbidden() => {}
        Ok(Err(e)) => return Err(ApiFailure::from(e).to_string()),
        Err(_) => return Err("listing Services timed out".into()),
    }
    // Not allowed to list across namespaces: try where the operator goes.
    for ns in OPERATOR_NAMESPACES {
        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &ar);
        if let Ok(Ok(list)) = tokio::time::timeout(TIME_LIMIT, api.list(&params)).await
            && let Some(e) = list.items.iter().find_map(exporter_of)
        {
            return Ok(e);
        }
    }
    Err(not_found(None, service, label))
}

/// GETs `path` through the service proxy; the text, or the failure in words.
async fn proxy_get(
    client: &Client,
    namespace: &str,
    service: &str,
    port: &str,
    path: &str,
) -> Result<String, String> {
    let uri = format!("/api/v1/namespaces/{namespace}/services/{service}:{port}/proxy{path}");
    let req = http::Request::get(uri)
        .body(Vec::new())
        .map_err(|e| e.to_string())?;
    let at = format!("{service} in {namespace}");
    match tokio::time::timeout(TIME_LIMIT, client.request_text(req)).await {
        Ok(Ok(text)) => Ok(text),
        Ok(Err(e)) => Err(in_words(&ApiFailure::from(e), &at)),
        Err(_) => Err(format!(
            "{at} did not answer within {}s",
            TIME_LIMIT.as_secs()
        )),
    }
}

/// A failure to reach a metrics service, said for a user.
fn in_words(f: &ApiFailure, at: &str) -> String {
    match f.code {
        Some(403) => format!(
            "you may not read {at} through the API server's service proxy (services/proxy is forbidden: {})",
            f.message
        ),
        Some(503) => format!("{at} has no ready pod behind it ({})", f.message),
        Some(404) => format!("{at} does not serve this ({})", f.message),
        _ => format!("{at}: {f}"),
    }
}

async fn scrape_exporter(client: &Client, e: &Exporter) -> Result<GpuReading, String> {
    let text = proxy_get(client, &e.namespace, &e.name, &e.port, "/metrics").await?;
    Ok(GpuReading {
        via: format!("{} ({}) via service proxy", e.name, e.namespace),
        gpus: parse_exposition(&text)?,
    })
}

/// Identity of one GPU across metrics.
type GpuKey = (String, String, String);

fn slot<'a>(
    gpus: &'a mut HashMap<GpuKey, GpuMetric>,
    order: &mut Vec<GpuKey>,
    label: impl Fn(&str) -> Option<String>,
) -> &'a mut GpuMetric {
    let get = |k: &str| label(k).unwrap_or_default();
    let key = (get("Hostname"), get("gpu"), get("UUID"));
    gpus.entry(key.clone()).or_insert_with(|| {
        order.push(key);
        GpuMetric {
            hostname: get("Hostname"),
            gpu: get("gpu"),
            uuid: get("UUID"),
            model: get("modelName"),
            namespace: get("namespace"),
            pod: get("pod"),
            container: get("container"),
            ..GpuMetric::default()
        }
    })
}

fn set(m: &mut GpuMetric, metric: &str, v: f64) {
    let v = Some(v).filter(|v| v.is_finite());
    match metric {
        UTIL => m.util = v,
        FB_USED => m.fb_used_mib = v,
        FB_FREE => m.fb_free_mib = v,
        TEMP => m.temp_c = v,
        POWER => m.power_w = v,
        _ => {}
    }
}

/// The exporter's text as one entry per GPU (joined by `Hostname`, `gpu`
/// and `UUID`), in the order the GPUs first appear. Lines of other metrics
/// are skipped before they are parsed.
pub fn parse_exposition(text: &str) -> Result<Vec<GpuMetric>, String> {
    type Key<'a> = (Cow<'a, str>, Cow<'a, str>, Cow<'a, str>);
    let mut index: HashMap<Key<'_>, usize> = HashMap::new();
    let mut out: Vec<GpuMetric> = Vec::new();
    let mut seen_any = false;
    for line in text.lines() {
        let Some(metric) = METRICS.iter().find(|m| {
            line.strip_prefix(**m)
                .is_some_and(|rest| rest.starts_with(['{', ' ']))
        }) else {
            seen_any |= line.starts_with('#') || line.trim().is_empty();
            continue;
        };
        let Some(s) = exposition::sample(line) else {
            continue;
        };
        seen_any = true;
        let label = |k: &str| -> Cow<'_, str> {
            s.labels
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.clone())
                .unwrap_or(Cow::Borrowed(""))
        };
        let key = (label("Hostname"), label("gpu"), label("UUID"));
        let i = match index.get(&key) {
            Some(i) => *i,
            None => {
                let owned = |k: &str| label(k).into_owned();
                out.push(GpuMetric {
                    hostname: key.0.to_string(),
                    gpu: key.1.to_string(),
                    uuid: key.2.to_string(),
                    model: owned("modelName"),
                    namespace: owned("namespace"),
                    pod: owned("pod"),
                    container: owned("container"),
                    ..GpuMetric::default()
                });
                index.insert(key, out.len() - 1);
                out.len() - 1
            }
        };
        set(&mut out[i], metric, s.value);
    }
    if !seen_any && !text.trim().is_empty() {
        return Err("the exporter's answer is not Prometheus text".into());
    }
    Ok(out)
}

/// `http://NAME.NAMESPACE.svc[.cluster.local][:PORT]` as (namespace, name, port).
pub fn in_cluster(url: &str) -> Option<(String, String, String)> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))?;
    let host_port = rest.split('/').next()?;
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) => (h, p.to_string()),
        None => (host_port, "9090".to_string()),
    };
    let host = host
        .strip_suffix(".svc.cluster.local")
        .or_else(|| host.strip_suffix(".svc"))?;
    let (name, ns) = host.split_once('.')?;
    Some((ns.to_string(), name.to_string(), port))
}

fn direct_client(url: &str) -> Result<Client, String> {
    let uri: http::Uri = url
        .trim_end_matches('/')
        .parse()
        .map_err(|e| format!("gpu.prometheus_url {url:?} is not a URL: {e}"))?;
    Client::try_from(kube::Config::new(uri)).map_err(|e| format!("{url}: {e}"))
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The PromQL queries sent, with the metric each fills in (`None`: the
/// window maximum of utilisation).
pub fn queries(window_secs: u64) -> Vec<(String, Option<&'static str>)> {
    let mut q: Vec<(String, Option<&'static str>)> =
        METRICS.iter().map(|m| (m.to_string(), Some(*m))).collect();
    q.push((format!("max_over_time({UTIL}[{window_secs}s])"), None));
    q
}

async fn query_prometheus(
    client: &Client,
    direct: Option<&Client>,
    url: &str,
    window_secs: u64,
) -> Result<GpuReading, String> {
    let target = in_cluster(url);
    let mut gpus: HashMap<GpuKey, GpuMetric> = HashMap::new();
    let mut order = Vec::new();
    for (q, metric) in queries(window_secs) {
        let path = format!("/api/v1/query?query={}", enc(&q));
        let text = match (&target, direct) {
            (Some((ns, name, port)), _) => proxy_get(client, ns, name, port, &path).await?,
            (None, Some(c)) => {
                let req = http::Request::get(path)
                    .body(Vec::new())
                    .map_err(|e| e.to_string())?;
                match tokio::time::timeout(TIME_LIMIT, c.request_text(req)).await {
                    Ok(Ok(t)) => t,
                    Ok(Err(e)) => return Err(format!("{url}: {}", ApiFailure::from(e))),
                    Err(_) => return Err(format!("{url} did not answer in time")),
                }
            }
            (None, None) => return Err(format!("{url}: no client")),
        };
        for (labels, v) in parse_vector(&text).map_err(|e| format!("{url}: {e}"))? {
            let m = slot(&mut gpus, &mut order, |k| {
                labels.get(k).and_then(Value::as_str).map(str::to_string)
            });
            match metric {
                Some(name) => set(m, name, v),
                None => m.window_max = Some(v),
            }
        }
    }
    let via = match &target {
        Some((ns, name, _)) => format!("Prometheus {name} ({ns}) via service proxy"),
        None => format!("Prometheus at {url}"),
    };
    Ok(GpuReading {
        via,
        gpus: order.into_iter().filter_map(|k| gpus.remove(&k)).collect(),
    })
}

/// One series of a query answer: its labels and value.
pub type Series = (serde_json::Map<String, Value>, f64);

/// A Prometheus `/api/v1/query` answer of type vector.
pub fn parse_vector(text: &str) -> Result<Vec<Series>, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not a query answer: {e}"))?;
    if v.get("status").and_then(Value::as_str) != Some("success") {
        let why = v
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or("the query failed");
        return Err(why.to_string());
    }
    let result = v
        .pointer("/data/result")
        .and_then(Value::as_array)
        .ok_or("the answer has no data.result")?;
    Ok(result
        .iter()
        .filter_map(|r| {
            let labels = r.get("metric")?.as_object()?.clone();
            let value = r.pointer("/value/1")?.as_str()?.parse::<f64>().ok()?;
            Some((labels, value))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_joins_metrics_per_gpu_and_skips_others() {
        let text = "# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).\n# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n\
DCGM_FI_DEV_GPU_UTIL{gpu=\"0\",UUID=\"GPU-a\",Hostname=\"n1\",modelName=\"NVIDIA A100\",namespace=\"ml\",pod=\"p\",container=\"c\"} 87\n\
DCGM_FI_DEV_GPU_UTIL{gpu=\"1\",UUID=\"GPU-b\",Hostname=\"n1\",modelName=\"NVIDIA A100\",namespace=\"\",pod=\"\",container=\"\"} 0\n\
# TYPE DCGM_FI_DEV_SM_CLOCK gauge\nDCGM_FI_DEV_SM_CLOCK{gpu=\"0\",UUID=\"GPU-a\",Hostname=\"n1\"} 1410\n\
# TYPE DCGM_FI_DEV_FB_USED gauge\n\
DCGM_FI_DEV_FB_USED{gpu=\"0\",UUID=\"GPU-a\",Hostname=\"n1\",modelName=\"NVIDIA A100\",namespace=\"ml\",pod=\"p\",container=\"c\"} 40000\n";
        let gpus = parse_exposition(text).expect("parses");
        assert_eq!(gpus.len(), 2);
        assert_eq!(gpus[0].pod, "p");
        assert_eq!(gpus[0].util, Some(87.0));
        assert_eq!(gpus[0].fb_used_mib, Some(40000.0));
        assert_eq!(gpus[1].util, Some(0.0));
        assert_eq!(gpus[1].fb_used_mib, None);
        assert!(parse_exposition("").expect("empty is fine").is_empty());
    }

    #[test]
    fn in_cluster_urls_and_vectors() {
        assert_eq!(
            in_cluster("http://prometheus-k8s.monitoring.svc:9090"),
            Some(("monitoring".into(), "prometheus-k8s".into(), "9090".into()))
        );
        assert_eq!(
            in_cluster("http://prom.obs.svc.cluster.local/").map(|t| t.2),
            Some("9090".into())
        );
        assert_eq!(in_cluster("https://prom.example.com"), None);
        let v = parse_vector(r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"pod":"p"},"value":[1,"3.5"]}]}}"#).expect("vector");
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].1, 3.5);
        assert!(parse_vector(r#"{"status":"error","error":"bad query"}"#).is_err());
        assert!(parse_vector("<html>").is_err());
    }
}
