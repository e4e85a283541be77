//! "Train with the best": the job launch form of `:jobs`, pre-filled from
//! the experiment's trial template (image, command, GPUs) with a trial's
//! parameter values put in place of its `${trialParameters.x}`.

use serde_json::Value;

use super::model::EXPERIMENT_LABEL;
use crate::kube::kinds;
use crate::views::Cx;
use crate::views::columns;
use crate::views::jobs::form::{J, JobForm};
use kube::api::DynamicObject;

/// The first `containers` list under `v`, depth first.
fn containers(v: &Value) -> Option<&Vec<Value>> {
    match v {
        Value::Object(m) => {
            if let Some(Value::Array(cs)) = m.get("containers") {
                return Some(cs);
            }
            m.values().find_map(containers)
        }
        Value::Array(a) => a.iter().find_map(containers),
        _ => None,
    }
}

/// `${trialParameters.name}` replaced by the assigned values.
pub fn substitute(
    text: &str,
    experiment: &DynamicObject,
    assignments: &[(String, String)],
) -> String {
    let mut out = text.to_string();
    let tps = experiment
        .data
        .pointer("/spec/trialTemplate/trialParameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for tp in tps {
        let name = tp.get("name").and_then(Value::as_str).unwrap_or("");
        let reference = tp.get("reference").and_then(Value::as_str).unwrap_or(name);
        if let Some((_, v)) = assignments.iter().find(|(k, _)| k == reference) {
            out = out.replace(&format!("${{trialParameters.{name}}}"), v);
        }
    }
    out
}

/// The trial template's primary container, if the template has one.
pub fn primary_container(experiment: &DynamicObject) -> Option<Value> {
    let spec = experiment.data.pointer("/spec/trialTemplate/trialSpec")?;
    let primary = columns::str_at(experiment, "/spec/trialTemplate/primaryContainerName");
    let cs = containers(spec)?;
    cs.iter()
        .find(|c| primary.is_some() && c.get("name").and_then(Value::as_str) == primary)
        .or_else(|| cs.first())
        .cloned()
}

fn words(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|x| x.as_str().map(str::to_string).unwrap_or(x.to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// Opens the launch form for a trial's `assignments` from the experiment's
/// template, or says why not.
pub fn open(
    experiment: &DynamicObject,
    trial: &str,
    assignments: &[(String, String)],
    cx: &mut Cx,
) {
    if assignments.is_empty() {
        cx.info("no finished trial with parameters yet");
        return;
    }
    let Some(container) = primary_container(experiment) else {
        cx.error("the trial template has no container to train with");
        return;
    };
    let mut argv = words(container.get("command"));
    argv.extend(words(container.get("args")));
    let command = substitute(&argv.join(" "), experiment, assignments);
    launch(
        columns::namespace(experiment),
        columns::name(experiment),
        trial,
        &container,
        command,
        cx,
    );
}

/// Opens the launch form from one trial's own worker spec (its values are
/// already in place).
pub fn open_trial(trial: &DynamicObject, cx: &mut Cx) {
    let primary = columns::str_at(trial, "/spec/primaryContainerName");
    let cs = trial.data.pointer("/spec/runSpec").and_then(containers);
    let Some(container) = cs.and_then(|cs| {
        cs.iter()
            .find(|c| primary.is_some() && c.get("name").and_then(Value::as_str) == primary)
            .or_else(|| cs.first())
            .cloned()
    }) else {
        cx.error(format!(
            "{} has no worker container to train with",
            columns::name(trial)
        ));
        return;
    };
    let mut argv = words(container.get("command"));
    argv.extend(words(container.get("args")));
    let exp = columns::label(trial, EXPERIMENT_LABEL).unwrap_or(columns::name(trial));
    launch(
        columns::namespace(trial),
        exp,
        columns::name(trial),
        &container,
        argv.join(" "),
        cx,
    );
}

fn launch(ns: &str, exp: &str, trial: &str, container: &Value, command: String, cx: &mut Cx) {
    if let Some(reason) = cx.denied("create", &kinds::PYTORCH_JOB, Some(ns)) {
        cx.error(format!("cannot launch a training job: {reason}"));
        return;
    }
    let mut form = JobForm::new(ns.to_string(), cx);
    form.set(J::Template, "PyTorchJob DDP");
    let mut name = format!("{exp}-best");
    name.truncate(63);
    form.set(J::Name, name.trim_end_matches('-'));
    if let Some(image) = container.get("image").and_then(Value::as_str) {
        form.set(J::Image, image);
    }
    form.set(J::Command, &command);
    form.set(J::Workers, "1");
    let gpus = container
        .pointer("/resources/limits/nvidia.com~1gpu")
        .map(|g| g.as_str().map(str::to_string).unwrap_or(g.to_string()));
    form.set(J::Gpus, gpus.as_deref().unwrap_or("none"));
    cx.info(format!("training with {trial}'s parameters"));
    cx.push(Box::new(form));
}
