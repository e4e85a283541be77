//! The kind registry: every resource type the emulator serves, with the
//! names, scope, verbs and subresources that discovery advertises and that
//! the request router, the store and the authoriser rely on.

/// Where a resource lives and how it is addressed over HTTP.
#[derive(Debug)]
pub struct ResourceType {
    /// Position in [`ALL`]; the store keys its tables by it.
    pub id: usize,
    /// API group; empty for the core group.
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    pub namespaced: bool,
    /// Served through the apiextensions code path (a CRD): status is dropped
    /// on create, strategic merge patch is rejected, `generation` is kept.
    pub custom: bool,
    /// Has a `status` subresource: main-resource writes keep the stored
    /// status and `.../status` writes change only status.
    pub status_subresource: bool,
    /// Other subresources (`log`, `portforward`, `proxy`).
    pub extra_subresources: &'static [&'static str],
    /// Field selector paths beyond `metadata.name` and `metadata.namespace`.
    pub field_paths: &'static [&'static str],
    /// Not stored: only `create` is served (access reviews).
    pub virtual_create_only: bool,
}

impl ResourceType {
    /// `v1` or `group/version`, as written in `apiVersion`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The list kind, e.g. `PodList`.
    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }

    /// `pods` or `notebooks.kubeflow.org`: how apiserver messages name the resource.
    pub fn qualified_plural(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// `Pod` or `Notebook.kubeflow.org`: how validation messages name the kind.
    pub fn qualified_kind(&self) -> String {
        if self.group.is_empty() {
            self.kind.to_string()
        } else {
            format!("{}.{}", self.kind, self.group)
        }
    }

    /// The verbs discovery advertises.
    pub fn verbs(&self) -> &'static [&'static str] {
        if self.virtual_create_only {
            &["create"]
        } else {
            &[
                "create",
                "delete",
                "deletecollection",
                "get",
                "list",
                "patch",
                "update",
                "watch",
            ]
        }
    }

    /// Whether `sub` is a subresource of this kind.
    pub fn has_subresource(&self, sub: &str) -> bool {
        (sub == "status" && self.status_subresource) || self.extra_subresources.contains(&sub)
    }

    /// All field selector paths this kind supports, in index order.
    pub fn all_field_paths(&self) -> impl Iterator<Item = &'static str> {
        ["metadata.name", "metadata.namespace"]
            .into_iter()
            .chain(self.field_paths.iter().copied())
    }
}

const NONE: &[&str] = &[];

macro_rules! resource {
    ($id:expr, $group:expr, $version:expr, $kind:expr, $plural:expr, $singular:expr,
     namespaced: $ns:expr, custom: $custom:expr, status: $status:expr
     $(, short: $short:expr)? $(, categories: $cat:expr)? $(, sub: $sub:expr)? $(, fields: $fields:expr)?
     $(, virtual_create: $virt:expr)?) => {
        ResourceType {
            id: $id,
            group: $group,
            version: $version,
            kind: $kind,
            plural: $plural,
            singular: $singular,
            short_names: { let _s: &[&str] = NONE; $(let _s: &[&str] = $short;)? _s },
            categories: { let _c: &[&str] = NONE; $(let _c: &[&str] = $cat;)? _c },
            namespaced: $ns,
            custom: $custom,
            status_subresource: $status,
            extra_subresources: { let _x: &[&str] = NONE; $(let _x: &[&str] = $sub;)? _x },
            field_paths: { let _f: &[&str] = NONE; $(let _f: &[&str] = $fields;)? _f },
            virtual_create_only: { let _v = false; $(let _v = $virt;)? _v },
        }
    };
}

pub static NAMESPACE: ResourceType = resource!(0, "", "v1", "Namespace", "namespaces", "namespace",
    namespaced: false, custom: false, status: true, short: &["ns"], fields: &["status.phase"]);
pub static POD: ResourceType = resource!(1, "", "v1", "Pod", "pods", "pod",
    namespaced: true, custom: false, status: true, short: &["po"], categories: &["all"],
    sub: &["log", "portforward"],
    fields: &["spec.nodeName", "status.phase", "spec.restartPolicy", "spec.schedulerName",
              "spec.serviceAccountName", "status.podIP", "status.nominatedNodeName", "spec.hostNetwork"]);
pub static NODE: ResourceType = resource!(2, "", "v1", "Node", "nodes", "node",
    namespaced: false, custom: false, status: true, short: &["no"], fields: &["spec.unschedulable"]);
pub static EVENT: ResourceType = resource!(3, "", "v1", "Event", "events", "event",
    namespaced: true, custom: false, status: false, short: &["ev"],
    fields: &["involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
              "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
              "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"]);
pub static SERVICE: ResourceType = resource!(4, "", "v1", "Service", "services", "service",
    namespaced: true, custom: false, status: true, short: &["svc"], categories: &["all"], sub: &["proxy"]);
pub static PERSISTENT_VOLUME_CLAIM: ResourceType = resource!(5, "", "v1", "PersistentVolumeClaim",
    "persistentvolumeclaims", "persistentvolumeclaim",
    namespaced: true, custom: false, status: true, short: &["pvc"]);
pub static RESOURCE_QUOTA: ResourceType = resource!(6, "", "v1", "ResourceQuota", "resourcequotas",
    "resourcequota", namespaced: true, custom: false, status: true, short: &["quota"]);
pub static CONFIG_MAP: ResourceType = resource!(7, "", "v1", "ConfigMap", "configmaps", "configmap",
    namespaced: true, custom: false, status: false, short: &["cm"]);
pub static SECRET: ResourceType = resource!(8, "", "v1", "Secret", "secrets", "secret",
    namespaced: true, custom: false, status: false, fields: &["type"]);
pub static SERVICE_ACCOUNT: ResourceType = resource!(9, "", "v1", "ServiceAccount", "serviceaccounts",
    "serviceaccount", namespaced: true, custom: false, status: false, short: &["sa"]);
pub static ROLE_BINDING: ResourceType = resource!(10, "rbac.authorization.k8s.io", "v1", "RoleBinding",
    "rolebindings", "rolebinding", namespaced: true, custom: false, status: false);
pub static PROFILE: ResourceType = resource!(11, "kubeflow.org", "v1", "Profile", "profiles", "profile",
    namespaced: false, custom: true, status: true);
pub static NOTEBOOK: ResourceType = resource!(12, "kubeflow.org", "v1", "Notebook", "notebooks", "notebook",
    namespaced: true, custom: true, status: true);
pub static PYTORCH_JOB: ResourceType = resource!(13, "kubeflow.org", "v1", "PyTorchJob", "pytorchjobs",
    "pytorchjob", namespaced: true, custom: true, status: true);
pub static TF_JOB: ResourceType = resource!(14, "kubeflow.org", "v1", "TFJob", "tfjobs", "tfjob",
    namespaced: true, custom: true, status: true);
pub static MPI_JOB: ResourceType = resource!(15, "kubeflow.org", "v1", "MPIJob", "mpijobs", "mpijob",
    namespaced: true, custom: true, status: true);
pub static XGBOOST_JOB: ResourceType = resource!(16, "kubeflow.org", "v1", "XGBoostJob", "xgboostjobs",
    "xgboostjob", namespaced: true, custom: true, status: true);
pub static JAX_JOB: ResourceType = resource!(17, "kubeflow.org", "v1", "JAXJob", "jaxjobs", "jaxjob",
    namespaced: true, custom: true, status: true);
pub static EXPERIMENT: ResourceType = resource!(18, "kubeflow.org", "v1beta1", "Experiment", "experiments",
    "experiment", namespaced: true, custom: true, status: true, categories: &["all", "kubeflow", "katib"]);
pub static TRIAL: ResourceType = resource!(19, "kubeflow.org", "v1beta1", "Trial", "trials", "trial",
    namespaced: true, custom: true, status: true, categories: &["all", "kubeflow", "katib"]);
pub static SUGGESTION: ResourceType = resource!(20, "kubeflow.org", "v1beta1", "Suggestion", "suggestions",
    "suggestion", namespaced: true, custom: true, status: true, categories: &["all", "kubeflow", "katib"]);
pub static WORKFLOW: ResourceType = resource!(21, "argoproj.io", "v1alpha1", "Workflow", "workflows",
    "workflow", namespaced: true, custom: true, status: false, short: &["wf"]);
pub static TRAIN_JOB: ResourceType = resource!(22, "trainer.kubeflow.org", "v1alpha1", "TrainJob",
    "trainjobs", "trainjob", namespaced: true, custom: true, status: true);
pub static INFERENCE_SERVICE: ResourceType = resource!(23, "serving.kserve.io", "v1beta1",
    "InferenceService", "inferenceservices", "inferenceservice",
    namespaced: true, custom: true, status: true, short: &["isvc"]);
pub static SELF_SUBJECT_ACCESS_REVIEW: ResourceType = resource!(24, "authorization.k8s.io", "v1",
    "SelfSubjectAccessReview", "selfsubjectaccessreviews", "selfsubjectaccessreview",
    namespaced: false, custom: false, status: false, virtual_create: true);
pub static SELF_SUBJECT_RULES_REVIEW: ResourceType = resource!(25, "authorization.k8s.io", "v1",
    "SelfSubjectRulesReview", "selfsubjectrulesreviews", "selfsubjectrulesreview",
    namespaced: false, custom: false, status: false, virtual_create: true);
pub static SELF_SUBJECT_REVIEW: ResourceType = resource!(26, "authentication.k8s.io", "v1",
    "SelfSubjectReview", "selfsubjectreviews", "selfsubjectreview",
    namespaced: false, custom: false, status: false, virtual_create: true);
pub static POD_DEFAULT: ResourceType = resource!(27, "kubeflow.org", "v1alpha1", "PodDefault",
    "poddefaults", "poddefault", namespaced: true, custom: true, status: false);

/// Every served resource type, indexed by [`ResourceType::id`].
pub static ALL: [&ResourceType; 28] = [
    &NAMESPACE,
    &POD,
    &NODE,
    &EVENT,
    &SERVICE,
    &PERSISTENT_VOLUME_CLAIM,
    &RESOURCE_QUOTA,
    &CONFIG_MAP,
    &SECRET,
    &SERVICE_ACCOUNT,
    &ROLE_BINDING,
    &PROFILE,
    &NOTEBOOK,
    &PYTORCH_JOB,
    &TF_JOB,
    &MPI_JOB,
    &XGBOOST_JOB,
    &JAX_JOB,
    &EXPERIMENT,
    &TRIAL,
    &SUGGESTION,
    &WORKFLOW,
    &TRAIN_JOB,
    &INFERENCE_SERVICE,
    &SELF_SUBJECT_ACCESS_REVIEW,
    &SELF_SUBJECT_RULES_REVIEW,
    &SELF_SUBJECT_REVIEW,
    &POD_DEFAULT,
];

/// The training-operator v1 job kinds, which share one controller.
pub static TRAINING_V1_JOBS: [&ResourceType; 5] =
    [&PYTORCH_JOB, &TF_JOB, &MPI_JOB, &XGBOOST_JOB, &JAX_JOB];

/// Finds the type served at `group/version` under `plural`.
pub fn by_plural(group: &str, version: &str, plural: &str) -> Option<&'static ResourceType> {
    ALL.iter()
        .copied()
        .find(|rt| rt.group == group && rt.version == version && rt.plural == plural)
}

/// Finds the type for an `apiVersion` and `kind` pair.
#[allow(dead_code)] // lookup used by tests; kept beside by_plural
pub fn by_kind(api_version: &str, kind: &str) -> Option<&'static ResourceType> {
    ALL.iter()
        .copied()
        .find(|rt| rt.kind == kind && rt.api_version() == api_version)
}

/// Types that the store keeps (everything but the access reviews).
pub fn stored() -> impl Iterator<Item = &'static ResourceType> {
    ALL.iter().copied().filter(|rt| !rt.virtual_create_only)
}

/// The API groups served under `/apis`, each with its single version, in
/// the order discovery lists them.
pub fn groups() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&'static str, &'static str)> = Vec::new();
    for rt in ALL.iter().filter(|rt| !rt.group.is_empty()) {
        if !out.iter().any(|(g, v)| *g == rt.group && *v == rt.version) {
            out.push((rt.group, rt.version));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_match_positions() {
        for (i, rt) in ALL.iter().enumerate() {
            assert_eq!(rt.id, i, "{} has id {} at position {i}", rt.kind, rt.id);
        }
    }

    #[test]
    fn lookups_find_types() {
        assert_eq!(by_plural("", "v1", "pods").map(|r| r.kind), Some("Pod"));
        assert_eq!(
            by_kind("kubeflow.org/v1beta1", "Experiment").map(|r| r.plural),
            Some("experiments")
        );
        assert!(by_plural("kubeflow.org", "v1", "experiments").is_none());
        assert_eq!(NOTEBOOK.qualified_plural(), "notebooks.kubeflow.org");
    }

    #[test]
    fn kubeflow_org_has_two_versions() {
        let g = groups();
        assert!(g.contains(&("kubeflow.org", "v1")));
        assert!(g.contains(&("kubeflow.org", "v1beta1")));
    }
}
