//! The kubeconfig pointing at a running emulator: one cluster, the three
//! demo users with their bearer tokens, and a context each (default
//! namespace `ml-research`, current context `kftui-demo`).

use kube::config::{
    AuthInfo, Cluster, Context, Kubeconfig, NamedAuthInfo, NamedCluster, NamedContext,
};
use secrecy::SecretString;

use crate::config::DemoUser;
use crate::names;

/// The cluster name in the kubeconfig.
pub const CLUSTER: &str = "kftui-demo";

/// Builds the kubeconfig for an emulator at `url`.
pub fn build(url: &str) -> Kubeconfig {
    let users = DemoUser::all();
    Kubeconfig {
        api_version: Some("v1".into()),
        kind: Some("Config".into()),
        current_context: Some(DemoUser::Admin.context().into()),
        clusters: vec![NamedCluster {
            name: CLUSTER.into(),
            cluster: Some(Cluster {
                server: Some(url.into()),
                ..Cluster::default()
            }),
            other: Default::default(),
        }],
        auth_infos: users
            .iter()
            .map(|u| NamedAuthInfo {
                name: u.username().into(),
                auth_info: Some(AuthInfo {
                    token: Some(SecretString::from(u.token())),
                    ..AuthInfo::default()
                }),
                other: Default::default(),
            })
            .collect(),
        contexts: users
            .iter()
            .map(|u| NamedContext {
                name: u.context().into(),
                context: Some(Context {
                    cluster: CLUSTER.into(),
                    user: Some(u.username().into()),
                    namespace: Some(names::ML_RESEARCH.into()),
                    ..Context::default()
                }),
                other: Default::default(),
            })
            .collect(),
        ..Kubeconfig::default()
    }
}

/// The kubeconfig as YAML.
pub fn to_yaml(config: &Kubeconfig) -> anyhow::Result<String> {
    Ok(serde_saphyr::to_string(config)?)
}
