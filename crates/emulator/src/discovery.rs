//! Discovery documents: `/version`, the legacy `/api`, `/api/v1`, `/apis`,
//! `/apis/{group}[/{version}]` documents, and aggregated discovery
//! (`apidiscovery.k8s.io/v2`) that kubectl and kube-rs `run_aggregated` use.

use serde_json::{Value, json};

use crate::resources::{self, ResourceType};

/// `/version`.
pub fn version() -> Value {
    json!({
        "major": "1",
        "minor": "33",
        "emulationMajor": "1",
        "emulationMinor": "33",
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": "32",
        "gitVersion": "v1.33.0-kftui-emulator",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2025-04-23T00:00:00Z",
        "goVersion": "go1.24.2",
        "compiler": "gc",
        "platform": "linux/amd64"
    })
}

fn in_group_version(group: &str, version: &str) -> impl Iterator<Item = &'static ResourceType> {
    resources::ALL
        .iter()
        .copied()
        .filter(move |rt| rt.group == group && rt.version == version)
}

/// Verbs of a subresource.
fn subresource_verbs(sub: &str) -> &'static [&'static str] {
    match sub {
        "status" => &["get", "patch", "update"],
        "log" => &["get"],
        "portforward" => &["create", "get"],
        "proxy" => &["create", "delete", "get", "patch", "update"],
        _ => &["get"],
    }
}

fn subresources(rt: &ResourceType) -> Vec<&'static str> {
    let mut subs = Vec::new();
    if rt.status_subresource {
        subs.push("status");
    }
    subs.extend(rt.extra_subresources.iter().copied());
    subs
}

/// `/api` or `/apis/...` resource list for one group version.
pub fn resource_list(group: &str, version: &str) -> Option<Value> {
    let mut list = Vec::new();
    for rt in in_group_version(group, version) {
        let mut r = json!({
            "name": rt.plural,
            "singularName": rt.singular,
            "namespaced": rt.namespaced,
            "kind": rt.kind,
            "verbs": rt.verbs(),
        });
        if let Some(m) = r.as_object_mut() {
            if !rt.short_names.is_empty() {
                m.insert("shortNames".into(), json!(rt.short_names));
            }
            if !rt.categories.is_empty() {
                m.insert("categories".into(), json!(rt.categories));
            }
        }
        list.push(r);
        for sub in subresources(rt) {
            list.push(json!({
                "name": format!("{}/{sub}", rt.plural),
                "singularName": "",
                "namespaced": rt.namespaced,
                "kind": if sub == "log" || sub == "proxy" || sub == "portforward" {
                    match sub { "log" => "Pod", "proxy" => "ServiceProxyOptions", _ => "PodPortForwardOptions" }
                } else { rt.kind },
                "verbs": subresource_verbs(sub),
            }));
        }
    }
    if list.is_empty() {
        return None;
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": list}),
    )
}

/// `/api`.
pub fn core_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    })
}

fn group_versions(group: &str) -> Vec<&'static str> {
    let mut versions: Vec<&'static str> = resources::groups()
        .into_iter()
        .filter(|(g, _)| *g == group)
        .map(|(_, v)| v)
        .collect();
    versions.sort_by_key(|v| version_priority(v));
    versions
}

/// Kubernetes version ordering: GA before beta before alpha, newer first.
fn version_priority(v: &str) -> (u8, i64, i64) {
    let rest = v.strip_prefix('v').unwrap_or(v);
    let (major, stage, minor) = if let Some((m, n)) = rest.split_once("beta") {
        (m, 1, n)
    } else if let Some((m, n)) = rest.split_once("alpha") {
        (m, 2, n)
    } else {
        (rest, 0, "0")
    };
    (
        stage,
        -major.parse::<i64>().unwrap_or(0),
        -minor.parse::<i64>().unwrap_or(0),
    )
}

fn api_group(group: &str) -> Value {
    let versions: Vec<Value> = group_versions(group)
        .iter()
        .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
        .collect();
    let preferred = versions.first().cloned().unwrap_or(Value::Null);
    json!({"name": group, "versions": versions, "preferredVersion": preferred})
}

/// `/apis`.
pub fn group_list() -> Value {
    let mut names: Vec<&str> = Vec::new();
    for (g, _) in resources::groups() {
        if !names.contains(&g) {
            names.push(g);
        }
    }
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": names.iter().map(|g| api_group(g)).collect::<Vec<_>>()})
}

/// `/apis/{group}`.
pub fn group(group: &str) -> Option<Value> {
    if group_versions(group).is_empty() {
        return None;
    }
    let mut g = api_group(group);
    if let Some(m) = g.as_object_mut() {
        m.insert("kind".into(), json!("APIGroup"));
        m.insert("apiVersion".into(), json!("v1"));
    }
    Some(g)
}

fn aggregated_resource(rt: &ResourceType) -> Value {
    let kind_ref = json!({"group": rt.group, "version": rt.version, "kind": rt.kind});
    let mut r = json!({
        "resource": rt.plural,
        "responseKind": kind_ref,
        "scope": if rt.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": rt.singular,
        "verbs": rt.verbs(),
    });
    if let Some(m) = r.as_object_mut() {
        if !rt.short_names.is_empty() {
            m.insert("shortNames".into(), json!(rt.short_names));
        }
        if !rt.categories.is_empty() {
            m.insert("categories".into(), json!(rt.categories));
        }
        let subs: Vec<Value> = subresources(rt)
            .into_iter()
            .map(|s| {
                json!({"subresource": s, "responseKind": kind_ref, "verbs": subresource_verbs(s)})
            })
            .collect();
        if !subs.is_empty() {
            m.insert("subresources".into(), Value::Array(subs));
        }
    }
    r
}

fn aggregated_group(group: &str) -> Value {
    let versions: Vec<Value> = group_versions(group)
        .iter()
        .map(|v| {
            json!({
                "version": v,
                "resources": in_group_version(group, v).map(aggregated_resource).collect::<Vec<_>>(),
                "freshness": "Current",
            })
        })
        .collect();
    let mut meta = json!({"creationTimestamp": null});
    if !group.is_empty()
        && let Some(m) = meta.as_object_mut()
    {
        m.insert("name".into(), json!(group));
    }
    json!({"metadata": meta, "versions": versions})
}

/// Aggregated discovery for `/api` (core) or `/apis` (all other groups).
pub fn aggregated(core: bool) -> Value {
    let items: Vec<Value> = if core {
        vec![json!({
            "metadata": {"creationTimestamp": null},
            "versions": [{
                "version": "v1",
                "resources": in_group_version("", "v1").map(aggregated_resource).collect::<Vec<_>>(),
                "freshness": "Current",
            }],
        })]
    } else {
        let mut names: Vec<&str> = Vec::new();
        for (g, _) in resources::groups() {
            if !names.contains(&g) {
                names.push(g);
            }
        }
        names.iter().map(|g| aggregated_group(g)).collect()
    };
    json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubeflow_prefers_v1() {
        let g = group("kubeflow.org").expect("served");
        assert_eq!(g["preferredVersion"]["version"], "v1");
        assert_eq!(g["versions"][1]["version"], "v1beta1");
        assert!(group("nope.io").is_none());
    }

    #[test]
    fn core_list_has_subresources() {
        let l = resource_list("", "v1").expect("core");
        let names: Vec<&str> = l["resources"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["name"].as_str())
            .collect();
        for n in [
            "pods",
            "pods/log",
            "pods/status",
            "pods/portforward",
            "services/proxy",
            "namespaces",
        ] {
            assert!(names.contains(&n), "{n} missing");
        }
    }

    #[test]
    fn aggregated_has_all_groups() {
        let a = aggregated(false);
        assert!(a["items"].as_array().is_some_and(|i| i.len() >= 6));
        let core = aggregated(true);
        assert_eq!(core["items"][0]["versions"][0]["version"], "v1");
    }
}
