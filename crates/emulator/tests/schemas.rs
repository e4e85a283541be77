//! The demo objects against the upstream CRDs' openAPIV3Schema (from
//! `../shared/kubeflow/crds`, skipped with a note when absent): types,
//! required fields, and no unknown properties where the schema allows none.

mod common;

use kftui_emulator::schema;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
use serde_json::Value;

#[tokio::test]
async fn demo_objects_match_upstream_schemas() {
    let Some(dir) = schema::crds_dir() else {
        eprintln!("note: ../shared/kubeflow/crds not found; skipping the CRD schema check");
        return;
    };
    let files = schema::crd_files(&dir);
    assert!(!files.is_empty(), "no CRDs in {}", dir.display());
    // Fast controllers, and a moment for them to rewrite statuses and add
    // trials and pods, so their output is checked too.
    let (emu, client) = common::start(500.0).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let mut checked = 0;
    let mut errs = Vec::new();
    for f in files {
        let crd = schema::read_crd(&f).unwrap_or_else(|e| panic!("{e}"));
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
                errs.extend(schema::check(schema, &v, &name));
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
