//! Object validation done on every write: name formats and the required
//! fields each kind's schema (or, for core kinds, the apiserver's
//! validation code) insists on. Failures become 422 Invalid with causes.

use serde_json::Value;

use crate::api::error::Cause;
use crate::resources::{self, ResourceType};

const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

fn is_label_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// RFC 1123 label: at most 63 lower-case alphanumerics or '-'.
pub fn is_dns1123_label(s: &str) -> bool {
    s.len() <= 63 && is_label_part(s)
}

/// RFC 1123 subdomain: dot-separated labels, at most 253 characters.
pub fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_label_part)
}

/// RFC 1035 label: an RFC 1123 label that starts with a letter.
pub fn is_dns1035_label(s: &str) -> bool {
    is_dns1123_label(s) && s.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
}

/// Checks `metadata.name` against the format the kind requires.
pub fn validate_name(rt: &ResourceType, name: &str) -> Option<Cause> {
    let (ok, msg) = if std::ptr::eq(rt, &resources::NAMESPACE) {
        (is_dns1123_label(name), LABEL_MSG)
    } else if std::ptr::eq(rt, &resources::SERVICE) {
        (is_dns1035_label(name), DNS1035_MSG)
    } else {
        (is_dns1123_subdomain(name), SUBDOMAIN_MSG)
    };
    (!ok).then(|| Cause::invalid("metadata.name", name, msg))
}

fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |cur, key| cur.get(key))
}

fn require(v: &Value, path: &str, causes: &mut Vec<Cause>) {
    match at(v, path) {
        None | Some(Value::Null) => causes.push(Cause::required(path)),
        Some(Value::Array(a)) if a.is_empty() && path.ends_with("containers") => {
            causes.push(Cause::required(path))
        }
        _ => {}
    }
}

fn require_containers(v: &Value, path: &str, causes: &mut Vec<Cause>) {
    match at(v, path) {
        Some(Value::Array(items)) if !items.is_empty() => {
            for (i, c) in items.iter().enumerate() {
                for field in ["name", "image"] {
                    if c.get(field)
                        .and_then(Value::as_str)
                        .is_none_or(str::is_empty)
                    {
                        causes.push(Cause::required(format!("{path}[{i}].{field}")));
                    }
                }
            }
        }
        Some(Value::Array(_)) | None | Some(Value::Null) => causes.push(Cause::required(path)),
        Some(_) => causes.push(Cause {
            reason: "FieldValueTypeInvalid",
            field: path.to_string(),
            message: "Invalid value: must be of type array".into(),
        }),
    }
}

/// Required fields and basic shapes, per kind. Returns every problem found.
pub fn validate_object(rt: &ResourceType, obj: &Value) -> Vec<Cause> {
    let mut causes = Vec::new();
    if let Some(spec) = obj.get("spec")
        && !spec.is_object()
        && !spec.is_null()
    {
        causes.push(Cause {
            reason: "FieldValueTypeInvalid",
            field: "spec".into(),
            message: "Invalid value: must be of type object".into(),
        });
        return causes;
    }
    match rt.kind {
        "Pod" => require_containers(obj, "spec.containers", &mut causes),
        "Notebook" => require(obj, "spec.template.spec.containers", &mut causes),
        "PyTorchJob" => require(obj, "spec.pytorchReplicaSpecs", &mut causes),
        "TFJob" => require(obj, "spec.tfReplicaSpecs", &mut causes),
        "MPIJob" => require(obj, "spec.mpiReplicaSpecs", &mut causes),
        "XGBoostJob" => require(obj, "spec.xgbReplicaSpecs", &mut causes),
        "JAXJob" => require(obj, "spec.jaxReplicaSpecs", &mut causes),
        "TrainJob" => require(obj, "spec.runtimeRef", &mut causes),
        "InferenceService" => require(obj, "spec.predictor", &mut causes),
        "Workflow" => require(obj, "spec", &mut causes),
        "RoleBinding" => require(obj, "roleRef", &mut causes),
        "Profile" if at(obj, "spec.owner").is_some() => {
            require(obj, "spec.owner.kind", &mut causes);
            require(obj, "spec.owner.name", &mut causes);
        }
        _ => {}
    }
    for c in crate::crds::causes(rt, obj) {
        if !causes.iter().any(|k| k.field == c.field) {
            causes.push(c);
        }
    }
    if rt.kind == "Notebook"
        && let Some(Value::Array(items)) = at(obj, "spec.template.spec.containers")
    {
        for (i, c) in items.iter().enumerate() {
            if c.get("name").and_then(Value::as_str).is_none() {
                causes.push(Cause::required(format!(
                    "spec.template.spec.containers[{i}].name"
                )));
            }
        }
    }
    causes
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dns_names() {
        assert!(is_dns1123_subdomain("jupyter-alice"));
        assert!(is_dns1123_subdomain("a.b-c.d"));
        assert!(!is_dns1123_subdomain("Bad_Name"));
        assert!(!is_dns1123_subdomain("-x"));
        assert!(!is_dns1123_subdomain(""));
        assert!(is_dns1123_label("ml-research"));
        assert!(!is_dns1123_label("a.b"));
        assert!(!is_dns1035_label("1abc"));
    }

    #[test]
    fn name_cause_names_field() {
        let cause = validate_name(&resources::NOTEBOOK, "Bad_Name").expect("invalid");
        assert_eq!(cause.field, "metadata.name");
        assert!(
            cause
                .message
                .starts_with("Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain")
        );
    }

    #[test]
    fn notebook_needs_containers() {
        let nb = json!({"spec": {"template": {"spec": {}}}});
        let causes = validate_object(&resources::NOTEBOOK, &nb);
        assert_eq!(
            causes,
            vec![Cause::required("spec.template.spec.containers")]
        );
        let pod = json!({"spec": {"containers": [{"name": "a"}]}});
        let causes = validate_object(&resources::POD, &pod);
        assert_eq!(causes, vec![Cause::required("spec.containers[0].image")]);
    }
}
