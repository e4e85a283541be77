//! The registry of Kubernetes resource kinds kftui knows: API coordinates, plural
//! and short names used by `:` commands. Adding a kind starts with one entry here.

use kube::api::ApiResource;
use kube::core::GroupVersionKind;

/// A resource kind, described once, statically.
#[derive(Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Kind {
    /// Stable identifier, also the first `:` command alias (e.g. `notebooks`).
    pub id: &'static str,
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub namespaced: bool,
    /// Extra `:` command names (short names, singulars).
    pub aliases: &'static [&'static str],
}

impl Kind {
    pub fn api_resource(&self) -> ApiResource {
        let gvk = GroupVersionKind::gvk(self.group, self.version, self.kind);
        ApiResource::from_gvk_with_plural(&gvk, self.plural)
    }

    /// `apiVersion` as written in objects (`v1`, `kubeflow.org/v1`).
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The name RBAC and SelfSubjectAccessReview use (`pods`, `notebooks`).
    pub fn resource(&self) -> &'static str {
        self.plural
    }

    /// True when `name` is this kind's id, plural, kind name or an alias.
    pub fn answers_to(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        name == self.id
            || name == self.plural
            || name == self.kind.to_ascii_lowercase()
            || self.aliases.contains(&name.as_str())
    }
}

macro_rules! kinds {
    ($( $konst:ident = $id:literal, $group:literal, $version:literal, $kind:literal, $plural:literal, $namespaced:literal, [$($alias:literal),*]; )*) => {
        $( pub static $konst: Kind = Kind {
            id: $id, group: $group, version: $version, kind: $kind, plural: $plural,
            namespaced: $namespaced, aliases: &[$($alias),*],
        }; )*
        /// Every known kind, in `:` completion order.
        pub static ALL: &[&Kind] = &[$(&$konst),*];
    };
}

kinds! {
    NAMESPACE = "namespaces", "", "v1", "Namespace", "namespaces", false, ["ns", "namespace"];
    POD = "pods", "", "v1", "Pod", "pods", true, ["po", "pod"];
    EVENT = "events", "", "v1", "Event", "events", true, ["ev", "event"];
    NODE = "nodes", "", "v1", "Node", "nodes", false, ["no", "node"];
    SERVICE = "services", "", "v1", "Service", "services", true, ["svc", "service"];
    PVC = "pvcs", "", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true, ["pvc", "persistentvolumeclaim"];
    RESOURCE_QUOTA = "resourcequotas", "", "v1", "ResourceQuota", "resourcequotas", true, ["quota", "resourcequota"];
    CONFIG_MAP = "configmaps", "", "v1", "ConfigMap", "configmaps", true, ["cm", "configmap"];
    SECRET = "secrets", "", "v1", "Secret", "secrets", true, ["secret"];
    SERVICE_ACCOUNT = "serviceaccounts", "", "v1", "ServiceAccount", "serviceaccounts", true, ["sa", "serviceaccount"];
    ROLE_BINDING = "rolebindings", "rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true, ["rolebinding"];
    PROFILE = "profiles", "kubeflow.org", "v1", "Profile", "profiles", false, ["profile"];
    NOTEBOOK = "notebooks", "kubeflow.org", "v1", "Notebook", "notebooks", true, ["nb", "notebook"];
    WORKFLOW = "workflows", "argoproj.io", "v1alpha1", "Workflow", "workflows", true, ["runs", "wf", "workflow", "run"];
    EXPERIMENT = "experiments", "kubeflow.org", "v1beta1", "Experiment", "experiments", true, ["katib", "experiment"];
    TRIAL = "trials", "kubeflow.org", "v1beta1", "Trial", "trials", true, ["trial"];
    SUGGESTION = "suggestions", "kubeflow.org", "v1beta1", "Suggestion", "suggestions", true, ["suggestion"];
    PYTORCH_JOB = "pytorchjobs", "kubeflow.org", "v1", "PyTorchJob", "pytorchjobs", true, ["jobs", "pytorchjob"];
    TF_JOB = "tfjobs", "kubeflow.org", "v1", "TFJob", "tfjobs", true, ["tfjob"];
    MPI_JOB = "mpijobs", "kubeflow.org", "v1", "MPIJob", "mpijobs", true, ["mpijob"];
    XGBOOST_JOB = "xgboostjobs", "kubeflow.org", "v1", "XGBoostJob", "xgboostjobs", true, ["xgboostjob"];
    JAX_JOB = "jaxjobs", "kubeflow.org", "v1", "JAXJob", "jaxjobs", true, ["jaxjob"];
    PADDLE_JOB = "paddlejobs", "kubeflow.org", "v1", "PaddleJob", "paddlejobs", true, ["paddlejob"];
    TRAIN_JOB = "trainjobs", "trainer.kubeflow.org", "v1alpha1", "TrainJob", "trainjobs", true, ["trainjob"];
    CLUSTER_TRAINING_RUNTIME = "clustertrainingruntimes", "trainer.kubeflow.org", "v1alpha1", "ClusterTrainingRuntime", "clustertrainingruntimes", false, ["clustertrainingruntime"];
    POD_DEFAULT = "poddefaults", "kubeflow.org", "v1alpha1", "PodDefault", "poddefaults", true, ["poddefault"];
    INFERENCE_SERVICE = "inferenceservices", "serving.kserve.io", "v1beta1", "InferenceService", "inferenceservices", true, ["isvc", "inferenceservice"];
}

/// Finds a kind by any of its names.
pub fn lookup(name: &str) -> Option<&'static Kind> {
    ALL.iter().copied().find(|k| k.answers_to(name))
}

/// Finds a kind from an object's `apiVersion` and `kind`.
pub fn from_type(api_version: &str, kind: &str) -> Option<&'static Kind> {
    ALL.iter()
        .copied()
        .find(|k| k.kind == kind && k.api_version() == api_version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_across_kinds() {
        let mut seen = std::collections::HashMap::new();
        for k in ALL {
            let mut names = vec![k.id, k.plural];
            names.extend(k.aliases.iter().copied());
            for n in names {
                if let Some(other) = seen.insert(n, k.id) {
                    assert_eq!(other, k.id, "name {n} used by {other} and {}", k.id);
                }
            }
        }
    }

    #[test]
    fn lookup_by_alias_and_type() {
        assert_eq!(lookup("nb").map(|k| k.id), Some("notebooks"));
        assert_eq!(lookup("Notebook").map(|k| k.id), Some("notebooks"));
        assert_eq!(lookup("runs").map(|k| k.id), Some("workflows"));
        assert!(lookup("nonsense").is_none());
        assert_eq!(
            from_type("kubeflow.org/v1beta1", "Trial").map(|k| k.id),
            Some("trials")
        );
        assert_eq!(NOTEBOOK.api_resource().plural, "notebooks");
        assert_eq!(POD.api_version(), "v1");
    }
}
