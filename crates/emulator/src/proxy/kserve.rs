//! The KServe predictor stand-in: the `{isvc}-predictor` Service of a
//! Ready InferenceService answers KServe v1 (`/v1/models/{name}:predict`,
//! `/v1/models/{name}`) and Open Inference Protocol v2
//! (`/v2/models/{name}/infer`, `/v2/models/{name}/ready`) with the answer
//! of the iris logistic regression shipped in `assets/models`.
//!
//! The emulator cannot depend on kftui's ONNX code (kftui depends on the
//! emulator), so the model is evaluated here as the ONNX graph defines it:
//! `LinearClassifier` (multi-class, softmax) with the coefficients and
//! intercepts of `assets/models/iris_logreg.onnx`, then L1 normalisation.
//! kftui's live tests check these answers against ONNX Runtime running the
//! model file.
//!
//! A not Ready InferenceService has no endpoints (the proxy's 503). The
//! annotation `serving.kftui.dev/emulate` makes a Ready one misbehave the
//! ways deployed models do ([`Emulate`]): an HTML 500 from a crashed model
//! server, a 404 from a server that loaded the model under another name, a
//! 503 from the sidecar, no answer at all, a custom server answering in
//! neither protocol, or a retrained model whose answers differ from the
//! model file's.

use axum::response::Response;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::{Value, json};

use super::{ProxyContext, ProxyRequest, ServiceBackend, ServiceTarget, reply};
use crate::resources;

/// The annotation that makes a predictor answer errors.
pub const EMULATE_ANNOTATION: &str = "serving.kftui.dev/emulate";

/// How an annotated predictor misbehaves (the annotation's values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emulate {
    /// `server-error`: every request answers an HTML 500.
    ServerError,
    /// `retrained`: the iris model with other coefficients (another class
    /// for the second example row).
    Retrained,
    /// `wrong-name`: the model server loaded the model as `iris`, so every
    /// request for the InferenceService's name is a 404.
    WrongName,
    /// `overloaded`: the sidecar answers 503 (plain text, as Envoy does).
    Overloaded,
    /// `hang`: never answers.
    Hang,
    /// `custom-format`: a custom server answering 200 in neither protocol.
    CustomFormat,
}

impl Emulate {
    pub fn parse(s: &str) -> Option<Emulate> {
        Some(match s {
            "server-error" => Emulate::ServerError,
            "retrained" => Emulate::Retrained,
            "wrong-name" => Emulate::WrongName,
            "overloaded" => Emulate::Overloaded,
            "hang" => Emulate::Hang,
            "custom-format" => Emulate::CustomFormat,
            _ => return None,
        })
    }
}

const CLASSES: [&str; 3] = ["setosa", "versicolor", "virginica"];
// The model file's float32 values, written as onnx prints them.
#[allow(clippy::excessive_precision)]
const COEFFICIENTS: [[f32; 4]; 3] = [
    [-0.423_596_6, 0.969_559_55, -2.517_173_3, -1.076_267],
    [0.539_025_37, -0.319_598_8, -0.207_208_25, -0.943_755_2],
    [-0.115_412_265, -0.649_959_7, 2.724_383_1, 2.020_023_3],
];
#[allow(clippy::excessive_precision)]
const INTERCEPTS: [f32; 3] = [9.839_426, 2.205_959_3, -12.045_38];
/// The retrained model: virginica's intercept raised by 3, enough to turn
/// the second example row (6.2, 2.9, 4.3, 1.3) from versicolor to virginica.
#[allow(clippy::excessive_precision)]
const RETRAINED_INTERCEPTS: [f32; 3] = [9.839_426, 2.205_959_3, -9.045_38];

/// The iris model's class and probabilities for one row of four features.
pub fn iris_predict(x: &[f32; 4]) -> (&'static str, [f32; 3]) {
    predict_with(&INTERCEPTS, x)
}

/// The retrained iris model's answer.
pub fn retrained_predict(x: &[f32; 4]) -> (&'static str, [f32; 3]) {
    predict_with(&RETRAINED_INTERCEPTS, x)
}

fn predict_with(intercepts: &[f32; 3], x: &[f32; 4]) -> (&'static str, [f32; 3]) {
    let mut scores = [0f32; 3];
    for (k, s) in scores.iter_mut().enumerate() {
        *s = intercepts[k] + (0..4).map(|i| COEFFICIENTS[k][i] * x[i]).sum::<f32>();
    }
    let max = scores.iter().cloned().fold(f32::MIN, f32::max);
    let exp: Vec<f32> = scores.iter().map(|s| (s - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    let mut p = [0f32; 3];
    for k in 0..3 {
        p[k] = exp[k] / sum;
    }
    let l1: f32 = p.iter().sum();
    for v in &mut p {
        *v /= l1;
    }
    let best = (0..3)
        .max_by(|a, b| scores[*a].total_cmp(&scores[*b]))
        .unwrap_or(0);
    (CLASSES[best], p)
}

fn rows(v: &Value) -> Result<Vec<[f32; 4]>, String> {
    let arr = v.as_array().ok_or("expected a list of rows")?;
    arr.iter()
        .map(|r| {
            let r = r
                .as_array()
                .ok_or("each instance must be a list of 4 numbers")?;
            if r.len() != 4 {
                return Err(format!(
                    "X has {} features, but LogisticRegression is expecting 4 features as input.",
                    r.len()
                ));
            }
            let mut out = [0f32; 4];
            for (o, x) in out.iter_mut().zip(r) {
                *o = x.as_f64().ok_or("features must be numbers")? as f32;
            }
            Ok(out)
        })
        .collect()
}

fn error(code: u16, msg: impl Into<String>) -> (u16, &'static str, String) {
    (
        code,
        "application/json",
        json!({"error": msg.into()}).to_string(),
    )
}

/// Answers one request to the predictor of InferenceService `model`.
pub fn respond(model: &str, method: &str, path: &str, body: &[u8]) -> (u16, &'static str, String) {
    respond_with(iris_predict, model, method, path, body)
}

type Predict = fn(&[f32; 4]) -> (&'static str, [f32; 3]);

fn respond_with(
    iris_predict: Predict,
    model: &str,
    method: &str,
    path: &str,
    body: &[u8],
) -> (u16, &'static str, String) {
    let not_found = |name: &str| error(404, format!("Model with name {name} does not exist."));
    if let Some(rest) = path.strip_prefix("/v1/models/") {
        if let Some(name) = rest.strip_suffix(":predict") {
            if name != model {
                return not_found(name);
            }
            if method != "POST" {
                return error(405, "Method Not Allowed");
            }
            let req: Value = match serde_json::from_slice(body) {
                Ok(v) => v,
                Err(e) => return error(400, format!("Unrecognized request format: {e}")),
            };
            let Some(instances) = req.get("instances") else {
                return error(400, "Expected \"instances\" in the request body");
            };
            return match rows(instances) {
                Ok(rs) => {
                    let preds: Vec<&str> = rs.iter().map(|r| iris_predict(r).0).collect();
                    (
                        200,
                        "application/json",
                        json!({"predictions": preds}).to_string(),
                    )
                }
                Err(e) => error(400, e),
            };
        }
        return if rest == model {
            (
                200,
                "application/json",
                json!({"name": model, "ready": true}).to_string(),
            )
        } else {
            not_found(rest)
        };
    }
    if let Some(rest) = path.strip_prefix("/v2/models/") {
        let (name, what) = rest.split_once('/').unwrap_or((rest, ""));
        if name != model {
            return not_found(name);
        }
        match what {
            "ready" => {
                return (
                    200,
                    "application/json",
                    json!({"name": model, "ready": true}).to_string(),
                );
            }
            "" => {
                return (
                    200,
                    "application/json",
                    json!({"name": model, "versions": ["1"], "platform": "onnxruntime_onnx",
                           "inputs": [{"name": "features", "datatype": "FP32", "shape": [-1, 4]}],
                           "outputs": [{"name": "output_label", "datatype": "BYTES", "shape": [-1]},
                                       {"name": "probabilities", "datatype": "FP32", "shape": [-1, 3]}]})
                    .to_string(),
                );
            }
            "infer" => {}
            _ => return error(404, "Not Found"),
        }
        let req: Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => return error(400, format!("Unrecognized request format: {e}")),
        };
        let Some(input) = req
            .get("inputs")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
        else {
            return error(400, "Expected \"inputs\" in the request body");
        };
        let shape: Vec<i64> = input
            .get("shape")
            .and_then(Value::as_array)
            .map(|s| s.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        let flat: Vec<f32> = input
            .get("data")
            .and_then(Value::as_array)
            .map(|d| {
                let mut out = Vec::new();
                flatten(d, &mut out);
                out
            })
            .unwrap_or_default();
        if shape.len() != 2 || shape[1] != 4 || flat.len() as i64 != shape[0] * 4 {
            return error(
                400,
                format!(
                    "input features: shape {shape:?} with {} values does not match [-1, 4]",
                    flat.len()
                ),
            );
        }
        let mut labels = Vec::new();
        let mut probs = Vec::new();
        for r in flat.chunks(4) {
            let (l, p) = iris_predict(&[r[0], r[1], r[2], r[3]]);
            labels.push(l);
            probs.extend(p);
        }
        let n = labels.len();
        let mut resp = json!({
            "model_name": model,
            "model_version": "1",
            "outputs": [
                {"name": "output_label", "datatype": "BYTES", "shape": [n], "data": labels},
                {"name": "probabilities", "datatype": "FP32", "shape": [n, 3], "data": probs},
            ],
        });
        if let Some(id) = req.get("id") {
            resp["id"] = id.clone();
        }
        return (200, "application/json", resp.to_string());
    }
    error(404, "Not Found")
}

fn flatten(v: &[Value], out: &mut Vec<f32>) {
    for x in v {
        match x {
            Value::Array(a) => flatten(a, out),
            other => out.extend(other.as_f64().map(|f| f as f32)),
        }
    }
}

/// Serves the predictor Services of InferenceServices.
pub struct KServeBackend;

/// The InferenceService behind a predictor Service, when it is Ready.
fn isvc_of(ctx: &ProxyContext, target: &ServiceTarget) -> Option<Value> {
    let name = target
        .service
        .pointer("/metadata/labels/serving.kserve.io~1inferenceservice")
        .and_then(Value::as_str)?;
    let isvc = ctx.store.read(|v| {
        v.get(&resources::INFERENCE_SERVICE, Some(&target.namespace), name)
            .map(|o| o.value())
    })?;
    let ready = isvc
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                c.get("type").and_then(Value::as_str) == Some("Ready")
                    && c.get("status").and_then(Value::as_str) == Some("True")
            })
        });
    ready.then_some(isvc)
}

impl ServiceBackend for KServeBackend {
    fn serves(&self, ctx: &ProxyContext, target: &ServiceTarget) -> bool {
        isvc_of(ctx, target).is_some()
    }

    fn handle(
        &self,
        ctx: ProxyContext,
        target: ServiceTarget,
        req: ProxyRequest,
    ) -> BoxFuture<'static, Response> {
        async move {
            let Some(isvc) = isvc_of(&ctx, &target) else {
                return reply(
                    503,
                    "text/plain",
                    format!("no endpoints available for service \"{}\"", target.name),
                );
            };
            let name = isvc
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let emulate = isvc
                .pointer(&format!(
                    "/metadata/annotations/{}",
                    EMULATE_ANNOTATION.replace('/', "~1")
                ))
                .and_then(Value::as_str);
            let method = req.method.as_str();
            let (code, ct, body) = match emulate.and_then(Emulate::parse) {
                Some(Emulate::ServerError) => (
                    500,
                    "text/html",
                    "<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1><p>model server crashed: CUDA error: out of memory</p></body></html>\n".to_string(),
                ),
                Some(Emulate::Overloaded) => (
                    503,
                    "text/plain",
                    "upstream connect error or disconnect/reset before headers. reset reason: connection termination".to_string(),
                ),
                Some(Emulate::Hang) => {
                    tokio::time::sleep(std::time::Duration::from_secs(600)).await;
                    (504, "text/plain", "upstream request timeout".to_string())
                }
                Some(Emulate::CustomFormat) => (
                    200,
                    "application/json",
                    json!({"result": {"class": "setosa", "confidence": 0.98}, "served_by": "custom-flask-server"}).to_string(),
                ),
                Some(Emulate::WrongName) => respond("iris", method, &req.path, &req.body),
                Some(Emulate::Retrained) => {
                    respond_with(retrained_predict, &name, method, &req.path, &req.body)
                }
                None => respond(&name, method, &req.path, &req.body),
            };
            reply(code, ct, body)
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_and_v2_answers_and_errors() {
        let body =
            br#"{"instances": [[5.1, 3.5, 1.4, 0.2], [6.2, 2.9, 4.3, 1.3], [7.7, 3.0, 6.1, 2.3]]}"#;
        let (code, _, out) = respond("m", "POST", "/v1/models/m:predict", body);
        assert_eq!(code, 200, "{out}");
        let v: Value = serde_json::from_str(&out).expect("json");
        assert_eq!(
            v["predictions"],
            json!(["setosa", "versicolor", "virginica"])
        );
        let (code, _, out) = respond("m", "POST", "/v1/models/x:predict", body);
        assert_eq!(code, 404);
        assert!(out.contains("Model with name x does not exist."));
        let (code, _, out) = respond(
            "m",
            "POST",
            "/v1/models/m:predict",
            br#"{"instances": [[1, 2]]}"#,
        );
        assert_eq!(code, 400);
        assert!(out.contains("X has 2 features"), "{out}");
        let v2 = br#"{"id": "r1", "inputs": [{"name": "features", "datatype": "FP32", "shape": [1, 4], "data": [5.1, 3.5, 1.4, 0.2]}]}"#;
        let (code, _, out) = respond("m", "POST", "/v2/models/m/infer", v2);
        assert_eq!(code, 200, "{out}");
        let v: Value = serde_json::from_str(&out).expect("json");
        assert_eq!(v["id"], "r1");
        assert_eq!(v["outputs"][0]["data"], json!(["setosa"]));
        let p: f64 = v["outputs"][1]["data"]
            .as_array()
            .expect("probs")
            .iter()
            .filter_map(Value::as_f64)
            .sum();
        assert!((p - 1.0).abs() < 1e-5);
        assert_eq!(respond("m", "GET", "/nothing", b"").0, 404);
        // The retrained model differs on the second row only.
        let (_, _, out) =
            respond_with(retrained_predict, "m", "POST", "/v1/models/m:predict", body);
        let v: Value = serde_json::from_str(&out).expect("json");
        assert_eq!(
            v["predictions"],
            json!(["setosa", "virginica", "virginica"])
        );
        assert_eq!(Emulate::parse("hang"), Some(Emulate::Hang));
        assert_eq!(Emulate::parse("nope"), None);
    }
}
