//! The demo objects against the upstream CRDs' openAPIV3Schema (from
//! `../shared/kubeflow/crds`, skipped with a note when absent): types,
//! required fields, and no unknown properties where the schema allows none.

mod common;

use std::path::{Path, PathBuf};

use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
use serde_json::Value;

fn crds_dir() -> PathBuf {
    std::env::var_os("KFTUI_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
        .join("kubeflow/crds")
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml") {
            out.push(p);
        }
    }
}

fn type_ok(schema: &Value, v: &Value) -> bool {
    if schema.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
        return v.is_string() || v.is_i64() || v.is_u64();
    }
    if v.is_null() {
        return schema.get("nullable") == Some(&Value::Bool(true));
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") => v.is_object(),
        Some("array") => v.is_array(),
        Some("string") => v.is_string(),
        Some("integer") => v.is_i64() || v.is_u64(),
        Some("number") => v.is_number(),
        Some("boolean") => v.is_boolean(),
        _ => true,
    }
}

fn check(schema: &Value, v: &Value, path: &str, errs: &mut Vec<String>) {
    if !type_ok(schema, v) {
        errs.push(format!(
            "{path}: {v} is not of type {:?}",
            schema.get("type")
        ));
        return;
    }
    let preserve = schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
    match v {
        Value::Object(m) => {
            for r in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(r) = r.as_str()
                    && !m.contains_key(r)
                {
                    errs.push(format!("{path}: missing required {r}"));
                }
            }
            let props = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties");
            for (k, x) in m {
                let here = format!("{path}.{k}");
                if let Some(s) = props.and_then(|p| p.get(k)) {
                    check(s, x, &here, errs);
                } else if let Some(a) = additional.filter(|a| a.is_object()) {
                    check(a, x, &here, errs);
                } else if preserve
                    || additional == Some(&Value::Bool(true))
                    || (props.is_none() && additional.is_none())
                {
                    // Free-form here.
                } else {
                    errs.push(format!("{path}: unknown property {k}"));
                }
            }
        }
        Value::Array(items) => {
            if let Some(s) = schema.get("items") {
                for (i, x) in items.iter().enumerate() {
                    check(s, x, &format!("{path}[{i}]"), errs);
                }
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn demo_objects_match_upstream_schemas() {
    let dir = crds_dir();
    let mut files = Vec::new();
    yaml_files(&dir, &mut files);
    if files.is_empty() {
        eprintln!(
            "note: {} not found; skipping the CRD schema check",
            dir.display()
        );
        return;
    }
    files.sort();
    // Fast controllers, and a moment for them to rewrite statuses and add
    // trials and pods, so their output is checked too.
    let (emu, client) = common::start(500.0).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let mut checked = 0;
    let mut errs = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read crd");
        let crd: Value = match serde_saphyr::from_str(&text) {
            Ok(v) => v,
            Err(e) => panic!("{}: {e}", f.display()),
        };
        let group = crd
            .pointer("/spec/group")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let kind = crd
            .pointer("/spec/names/kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let plural = crd
            .pointer("/spec/names/plural")
            .and_then(Value::as_str)
            .unwrap_or_default();
        for version in crd
            .pointer("/spec/versions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(vname) = version.get("name").and_then(Value::as_str) else {
                continue;
            };
            let Some(schema) = version.pointer("/schema/openAPIV3Schema") else {
                continue;
            };
            let ar = ApiResource::from_gvk_with_plural(
                &GroupVersionKind::gvk(group, vname, kind),
                plural,
            );
            let api: Api<DynamicObject> = Api::all_with(client.clone(), &ar);
            let Ok(list) = api.list(&ListParams::default()).await else {
                continue;
            };
            for obj in list.items {
                let mut v = serde_json::to_value(&obj).expect("json");
                // ObjectMeta is checked by the apiserver, not by the CRD schema.
                if let Some(m) = v.as_object_mut() {
                    m.insert("metadata".into(), Value::Object(Default::default()));
                }
                let name = format!("{kind}/{}", obj.metadata.name.unwrap_or_default());
                check(schema, &v, &name, &mut errs);
                checked += 1;
            }
        }
    }
    eprintln!("checked {checked} objects against the upstream CRDs");
    assert!(checked > 20, "only {checked} objects checked");
    assert!(
        errs.is_empty(),
        "{} schema violations:\n{}",
        errs.len(),
        errs.join("\n")
    );
    emu.shutdown().await;
}
