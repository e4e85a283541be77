//! The CustomResourceDefinitions through kube-rs as a real client reads
//! them: typed `apiextensions.k8s.io/v1` objects (list and get, a 404 for
//! one not served), the RBAC of a real cluster (admin reads them; the
//! read-only user and a profile user get the apiserver's 403), and
//! admission against the same schemas (a wrong type is 422 with the field
//! in `details.causes`; an unknown field is no error).

mod common;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kftui_emulator::DemoUser;
use kube::api::{Api, DynamicObject, PostParams};
use serde_json::json;

#[tokio::test]
async fn crds_are_served_with_schemas_rbac_and_admission() {
    let (emu, admin) = common::start(1.0).await;
    let crds: Api<CustomResourceDefinition> = Api::all(admin.clone());
    let list = crds
        .list(&Default::default())
        .await
        .expect("admin lists CRDs");
    let names: Vec<String> = list
        .items
        .iter()
        .filter_map(|c| c.metadata.name.clone())
        .collect();
    for want in [
        "pytorchjobs.kubeflow.org",
        "tfjobs.kubeflow.org",
        "trainjobs.trainer.kubeflow.org",
        "notebooks.kubeflow.org",
        "experiments.kubeflow.org",
        "workflows.argoproj.io",
        "inferenceservices.serving.kserve.io",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
    }
    let pt = crds.get("pytorchjobs.kubeflow.org").await.expect("get");
    assert_eq!(pt.spec.names.kind, "PyTorchJob");
    assert_eq!(pt.spec.scope, "Namespaced");
    let v1 = &pt.spec.versions[0];
    assert!(v1.served && v1.storage && v1.name == "v1");
    let schema = v1
        .schema
        .as_ref()
        .and_then(|s| s.open_api_v3_schema.as_ref())
        .expect("openAPIV3Schema");
    let spec = &schema.properties.as_ref().expect("properties")["spec"];
    assert_eq!(
        spec.required.as_deref(),
        Some(&["pytorchReplicaSpecs".to_string()][..])
    );
    let err = crds.get("nothings.example.com").await.expect_err("404");
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 404),
        "{err:?}"
    );

    for user in [DemoUser::ReadOnly, DemoUser::Alice] {
        let client = emu.client(user).await.expect("client");
        let api: Api<CustomResourceDefinition> = Api::all(client);
        match api.get("pytorchjobs.kubeflow.org").await {
            Err(kube::Error::Api(s)) => {
                assert_eq!(s.code, 403, "{s:?}");
                assert!(
                    s.message
                        .contains("customresourcedefinitions.apiextensions.k8s.io"),
                    "{}",
                    s.message
                );
            }
            other => panic!("{user:?} must not read CRDs: {other:?}"),
        }
    }

    // Admission: the schema's types are enforced; an unknown field is no error.
    let ar = kube::api::ApiResource::from_gvk_with_plural(
        &kube::api::GroupVersionKind::gvk("kubeflow.org", "v1", "PyTorchJob"),
        "pytorchjobs",
    );
    let jobs: Api<DynamicObject> = Api::namespaced_with(admin, "ml-research", &ar);
    let job = |replicas: serde_json::Value| -> DynamicObject {
        serde_json::from_value(json!({
            "apiVersion": "kubeflow.org/v1", "kind": "PyTorchJob",
            "metadata": {"name": "typed"},
            "spec": {"pytorchReplicaSpecs": {"Worker": {"replicas": replicas, "unknownField": 1,
                "template": {"spec": {"containers": [{"name": "pytorch", "image": "x"}]}}}}},
        }))
        .expect("job")
    };
    let dry = PostParams {
        dry_run: true,
        ..PostParams::default()
    };
    match jobs.create(&dry, &job(json!("two"))).await {
        Err(kube::Error::Api(s)) => {
            assert_eq!(s.code, 422);
            let causes = s.details.map(|d| d.causes).unwrap_or_default();
            assert_eq!(causes.len(), 1, "{causes:?}");
            assert_eq!(causes[0].field, "spec.pytorchReplicaSpecs.Worker.replicas");
            assert!(
                causes[0].message.contains("must be of type integer"),
                "{}",
                causes[0].message
            );
        }
        other => panic!("a wrong type is refused: {other:?}"),
    }
    jobs.create(&dry, &job(json!(2)))
        .await
        .expect("a right type passes, the unknown field is no error");
    emu.shutdown().await;
}
