//! Parses request paths into routes: discovery documents, or a resource
//! (collection, object, subresource) in a group version and namespace.

use percent_encoding::percent_decode_str;

use crate::resources::{self, ResourceType};

/// An addressed resource.
#[derive(Debug, Clone)]
pub struct ResourcePath {
    pub rt: &'static ResourceType,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
    /// For `proxy`: the path after `/proxy` (with its leading slash).
    pub rest: String,
}

/// What a request path addresses.
#[derive(Debug, Clone)]
pub enum Route {
    Version,
    Health,
    /// `/readyz`: fails while the server shuts down.
    Ready,
    CoreVersions,
    GroupList,
    Group(String),
    ResourceList {
        group: String,
        version: String,
    },
    OpenApi,
    Resource(ResourcePath),
    NotFound,
}

fn segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect()
}

/// Parses a request path.
pub fn parse(path: &str) -> Route {
    let segs = segments(path);
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    match s.as_slice() {
        ["version"] => Route::Version,
        ["readyz", ..] => Route::Ready,
        ["healthz" | "livez", ..] => Route::Health,
        ["openapi", ..] => Route::OpenApi,
        ["api"] => Route::CoreVersions,
        ["api", "v1"] => Route::ResourceList {
            group: String::new(),
            version: "v1".into(),
        },
        ["api", "v1", rest @ ..] => resource_route("", "v1", rest),
        ["apis"] => Route::GroupList,
        ["apis", group] => Route::Group((*group).to_string()),
        ["apis", group, version] => Route::ResourceList {
            group: (*group).to_string(),
            version: (*version).to_string(),
        },
        ["apis", group, version, rest @ ..] => resource_route(group, version, rest),
        _ => Route::NotFound,
    }
}

fn proxy_rest(rest: &[&str]) -> String {
    let mut out = String::new();
    for part in rest {
        out.push('/');
        out.push_str(part);
    }
    out
}

fn resource_route(group: &str, version: &str, rest: &[&str]) -> Route {
    let found = |plural: &str| resources::by_plural(group, version, plural);
    let make = |rt: &'static ResourceType, ns: Option<&str>, tail: &[&str]| -> Route {
        let (name, sub, more) = match tail {
            [] => (None, None, &[][..]),
            [name] => (Some(*name), None, &[][..]),
            [name, sub, more @ ..] => (Some(*name), Some(*sub), more),
        };
        if let Some(sub) = sub
            && (!rt.has_subresource(sub) || (!more.is_empty() && sub != "proxy"))
        {
            return Route::NotFound;
        }
        if rt.namespaced && ns.is_none() && name.is_some() {
            return Route::NotFound;
        }
        Route::Resource(ResourcePath {
            rt,
            namespace: ns.map(String::from),
            name: name.map(String::from),
            subresource: sub.map(String::from),
            rest: proxy_rest(more),
        })
    };
    match rest {
        ["namespaces", ns, plural, tail @ ..] if found(plural).is_some_and(|rt| rt.namespaced) => {
            match found(plural) {
                Some(rt) => make(rt, Some(ns), tail),
                None => Route::NotFound,
            }
        }
        [plural, tail @ ..] => match found(plural) {
            Some(rt) if !rt.namespaced || tail.is_empty() => make(rt, None, tail),
            _ => Route::NotFound,
        },
        [] => Route::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(path: &str) -> ResourcePath {
        match parse(path) {
            Route::Resource(r) => r,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn resource_paths() {
        let r = res("/api/v1/namespaces/ml-research/pods/p-0/log");
        assert_eq!(r.rt.kind, "Pod");
        assert_eq!(r.namespace.as_deref(), Some("ml-research"));
        assert_eq!(r.name.as_deref(), Some("p-0"));
        assert_eq!(r.subresource.as_deref(), Some("log"));
        let r = res("/api/v1/pods");
        assert!(r.namespace.is_none() && r.name.is_none());
        let r = res("/api/v1/namespaces/ml-research");
        assert_eq!(r.rt.kind, "Namespace");
        assert_eq!(r.name.as_deref(), Some("ml-research"));
        let r = res("/api/v1/namespaces/x/status");
        assert_eq!(r.subresource.as_deref(), Some("status"));
        let r = res("/apis/kubeflow.org/v1/profiles/ml-research");
        assert_eq!(r.rt.kind, "Profile");
        let r =
            res("/api/v1/namespaces/kubeflow/services/ml-pipeline:8888/proxy/apis/v2beta1/runs");
        assert_eq!(r.name.as_deref(), Some("ml-pipeline:8888"));
        assert_eq!(r.rest, "/apis/v2beta1/runs");
        let r = res("/apis/kubeflow.org/v1beta1/namespaces/ns/experiments");
        assert_eq!(r.rt.kind, "Experiment");
    }

    #[test]
    fn unknown_paths() {
        assert!(matches!(parse("/api/v1/widgets"), Route::NotFound));
        assert!(matches!(parse("/api/v1/pods/x"), Route::NotFound));
        assert!(matches!(
            parse("/api/v1/namespaces/a/pods/x/exec"),
            Route::NotFound
        ));
        assert!(matches!(
            parse("/apis/kubeflow.org/v1/experiments"),
            Route::NotFound
        ));
        assert!(matches!(parse("/apis"), Route::GroupList));
        assert!(matches!(parse("/version"), Route::Version));
        assert!(matches!(parse("/foo"), Route::NotFound));
    }
}
