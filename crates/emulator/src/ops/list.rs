//! List with selectors and `limit`/`continue` paging. Continue tokens have
//! the apiserver's layout (base64 of `{"v","rv","start"}`); a page is read
//! from the current state and reports the resourceVersion of the first
//! page, which gives a watch started from it at-least-once delivery.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::api::error::ApiError;
use crate::resources::ResourceType;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::store::{ObjectIndex, Store, StoredObject};

/// What a list request asks for.
#[derive(Debug, Default, Clone)]
pub struct ListOptions {
    pub label: LabelSelector,
    pub field: FieldSelector,
    pub limit: Option<usize>,
    pub continue_token: Option<String>,
}

/// One page of a list.
#[derive(Debug)]
pub struct ListPage {
    pub items: Vec<StoredObject>,
    pub resource_version: u64,
    pub continue_token: Option<String>,
    pub remaining_item_count: Option<u64>,
}

#[derive(Serialize, Deserialize)]
struct ContinueToken {
    v: String,
    rv: u64,
    start: String,
}

fn encode_token(rv: u64, last_key: &str) -> String {
    let token = ContinueToken {
        v: "meta.k8s.io/v1".into(),
        rv,
        start: format!("{last_key}\u{0}"),
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&token).unwrap_or_default())
}

fn decode_token(s: &str) -> Result<ContinueToken, ApiError> {
    let bad = |why: String| ApiError::bad_request(format!("continue key is not valid: {why}"));
    let raw = URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .map_err(|e| bad(e.to_string()))?;
    let token: ContinueToken = serde_json::from_slice(&raw).map_err(|e| bad(e.to_string()))?;
    if token.v != "meta.k8s.io/v1" {
        return Err(bad(format!(
            "incorrect encoded start resourceVersion (version {})",
            token.v
        )));
    }
    Ok(token)
}

/// Whether an indexed object passes both selectors.
pub fn selected(meta: &ObjectIndex, label: &LabelSelector, field: &FieldSelector) -> bool {
    label.matches(|k| meta.label(k)) && field.matches(|i| meta.field(i))
}

const TOO_OLD_CONTINUE: &str = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

/// Lists `rt` (in `namespace` if given).
pub fn list(
    store: &Store,
    rt: &ResourceType,
    namespace: Option<&str>,
    opts: &ListOptions,
) -> Result<ListPage, ApiError> {
    let token = opts
        .continue_token
        .as_deref()
        .map(decode_token)
        .transpose()?;
    let floor = store.history_floor();
    if let Some(t) = &token
        && t.rv < floor
    {
        return Err(ApiError::gone(TOO_OLD_CONTINUE));
    }
    let start = token
        .as_ref()
        .map(|t| t.start.trim_end_matches('\u{0}').to_string());
    if let (Some(start), Some(ns)) = (&start, namespace)
        && !start.starts_with(&format!("{ns}/"))
    {
        return Err(ApiError::bad_request(
            "continue key is not valid: key does not match the request namespace",
        ));
    }
    let limit = opts.limit.filter(|l| *l > 0);
    let unfiltered = opts.label.is_empty() && opts.field.is_empty();
    store.read(|view| {
        let rv = token.as_ref().map_or(view.resource_version(), |t| t.rv);
        let mut items = Vec::new();
        let mut iter = view
            .range(rt, namespace, start.as_deref())
            .filter(|(_, o)| selected(&o.meta, &opts.label, &opts.field));
        let mut last_key: Option<&str> = None;
        for (key, obj) in iter.by_ref() {
            items.push(obj.clone());
            last_key = Some(key);
            if limit.is_some_and(|l| items.len() >= l) {
                break;
            }
        }
        let mut continue_token = None;
        let mut remaining = None;
        if let (Some(_), Some(last)) = (limit, last_key) {
            if unfiltered {
                let left = iter.count() as u64;
                if left > 0 {
                    continue_token = Some(encode_token(rv, last));
                    remaining = Some(left);
                }
            } else if iter.next().is_some() {
                continue_token = Some(encode_token(rv, last));
            }
        }
        Ok(ListPage {
            items,
            resource_version: rv,
            continue_token,
            remaining_item_count: remaining,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_roundtrip() {
        let t = encode_token(42, "ns/pod-1");
        let d = decode_token(&t).expect("decodes");
        assert_eq!(d.rv, 42);
        assert_eq!(d.start, "ns/pod-1\u{0}");
        assert!(decode_token("!!!").is_err());
    }
}
