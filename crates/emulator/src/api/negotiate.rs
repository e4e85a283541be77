//! Content negotiation from the `Accept` header: plain JSON objects,
//! server-side printed `Table`s (what kubectl asks for), metadata-only
//! `PartialObjectMetadata` (kube-rs `list_metadata`/`metadata_watcher`),
//! and aggregated discovery documents.

use crate::api::error::ApiError;

/// What a table row carries besides its cells (`includeObject`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeObject {
    None,
    Metadata,
    Object,
}

/// The representation a response uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Table(IncludeObject),
    Metadata,
    /// `apidiscovery.k8s.io/v2` `APIGroupDiscoveryList` (discovery paths only).
    AggregatedDiscovery,
}

impl Format {
    /// The `Content-Type` of a response in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::Table(_) => "application/json;as=Table;v=v1;g=meta.k8s.io",
            Self::Metadata => "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io",
            Self::AggregatedDiscovery => {
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
            }
        }
    }
}

struct MediaType<'a> {
    essence: &'a str,
    params: Vec<(&'a str, &'a str)>,
}

impl MediaType<'_> {
    fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| *v)
    }
}

fn parse_media(s: &str) -> MediaType<'_> {
    let mut parts = s.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    let params = parts
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim().trim_matches('"')))
        .collect();
    MediaType { essence, params }
}

/// Picks the first representation in the client's list that the emulator
/// serves. `include_object` is the `includeObject` query parameter.
pub fn negotiate(
    accept: Option<&str>,
    include_object: Option<&str>,
    discovery: bool,
) -> Result<Format, ApiError> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Ok(Format::Json);
    };
    let include = match include_object {
        Some("None") => IncludeObject::None,
        Some("Object") => IncludeObject::Object,
        _ => IncludeObject::Metadata,
    };
    for candidate in accept.split(',') {
        let media = parse_media(candidate);
        let json_like = matches!(media.essence, "application/json" | "*/*" | "application/*");
        if !json_like {
            continue;
        }
        match media.param("as") {
            None => return Ok(Format::Json),
            Some("Table") if media.param("g") == Some("meta.k8s.io") && !discovery => {
                return Ok(Format::Table(include));
            }
            Some("PartialObjectMetadata" | "PartialObjectMetadataList")
                if media.param("g") == Some("meta.k8s.io") && !discovery =>
            {
                return Ok(Format::Metadata);
            }
            Some("APIGroupDiscoveryList")
                if discovery
                    && media.param("g") == Some("apidiscovery.k8s.io")
                    && media.param("v") == Some("v2") =>
            {
                return Ok(Format::AggregatedDiscovery);
            }
            _ => continue,
        }
    }
    Err(ApiError::not_acceptable(format!(
        "only the following media types are accepted: application/json, application/json;as=Table;v=v1;g=meta.k8s.io, application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io (got {accept})"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_asks_for_tables() {
        let a = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(
            negotiate(Some(a), None, false).ok(),
            Some(Format::Table(IncludeObject::Metadata))
        );
        assert_eq!(
            negotiate(Some(a), Some("None"), false).ok(),
            Some(Format::Table(IncludeObject::None))
        );
    }

    #[test]
    fn discovery_and_metadata() {
        let d = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        assert_eq!(
            negotiate(Some(d), None, true).ok(),
            Some(Format::AggregatedDiscovery)
        );
        assert_eq!(negotiate(Some(d), None, false).ok(), Some(Format::Json));
        let m = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
        assert_eq!(negotiate(Some(m), None, false).ok(), Some(Format::Metadata));
        assert!(negotiate(Some("application/vnd.kubernetes.protobuf"), None, false).is_err());
        assert_eq!(negotiate(Some("*/*"), None, false).ok(), Some(Format::Json));
    }
}
