//! Query parameters of API requests, parsed without panicking on any
//! input: malformed values become 400 BadRequest.

use std::time::Duration;

use super::error::ApiError;

/// The decoded query string.
#[derive(Debug, Default, Clone)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub fn parse(raw: Option<&str>) -> Self {
        Self {
            pairs: raw
                .map(|q| {
                    form_urlencoded::parse(q.as_bytes())
                        .map(|(k, v)| (k.into_owned(), v.into_owned()))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key`.
    pub fn all(&self, key: &str) -> impl Iterator<Item = &str> {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A boolean flag (`true`/`1`), 400 on anything else.
    pub fn flag(&self, key: &str) -> Result<bool, ApiError> {
        match self.get(key) {
            None | Some("") | Some("false") | Some("0") => Ok(false),
            Some("true") | Some("1") => Ok(true),
            Some(other) => Err(ApiError::bad_request(format!(
                "invalid boolean value for {key}: \"{other}\""
            ))),
        }
    }

    /// A non-negative integer, 400 when malformed.
    pub fn int(&self, key: &str) -> Result<Option<i64>, ApiError> {
        self.get(key)
            .filter(|v| !v.is_empty())
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    ApiError::bad_request(format!(
                        "invalid value for {key}: \"{v}\": must be an integer"
                    ))
                })
            })
            .transpose()
    }

    /// `dryRun=All` (400 for any other value).
    pub fn dry_run(&self) -> Result<bool, ApiError> {
        let mut dry = false;
        for v in self.all("dryRun") {
            match v {
                "All" => dry = true,
                "" => {}
                other => {
                    return Err(ApiError::bad_request(format!(
                        "dryRun: Unsupported value: \"{other}\": supported values: \"All\""
                    )));
                }
            }
        }
        Ok(dry)
    }

    /// `timeoutSeconds` as a duration.
    pub fn timeout(&self) -> Result<Option<Duration>, ApiError> {
        Ok(self
            .int("timeoutSeconds")?
            .map(|s| Duration::from_secs(s.max(0).unsigned_abs())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_validates() {
        let q = Query::parse(Some("labelSelector=app%3Dweb&limit=5&watch=1&dryRun=All"));
        assert_eq!(q.get("labelSelector"), Some("app=web"));
        assert_eq!(q.int("limit").ok().flatten(), Some(5));
        assert_eq!(q.flag("watch").ok(), Some(true));
        assert_eq!(q.dry_run().ok(), Some(true));
        let bad = Query::parse(Some("limit=abc&watch=maybe&dryRun=Some"));
        assert!(bad.int("limit").is_err());
        assert!(bad.flag("watch").is_err());
        assert!(bad.dry_run().is_err());
    }
}
