//! Label selectors in the `labelSelector` query syntax: `=`, `==`, `!=`,
//! `in`, `notin`, `exists` (`key`), `!key`, and the numeric `>`/`<`.

use super::SelectorError;

/// One clause of a label selector.
#[derive(Debug, Clone, PartialEq)]
pub enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
    GreaterThan(String, i64),
    LessThan(String, i64),
}

impl Requirement {
    fn matches<'a>(&self, get: &impl Fn(&str) -> Option<&'a str>) -> bool {
        match self {
            Self::Equals(k, v) => get(k) == Some(v.as_str()),
            Self::NotEquals(k, v) => get(k) != Some(v.as_str()),
            Self::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Self::NotIn(k, vs) => get(k).is_none_or(|x| !vs.iter().any(|v| v == x)),
            Self::Exists(k) => get(k).is_some(),
            Self::DoesNotExist(k) => get(k).is_none(),
            Self::GreaterThan(k, n) => get(k)
                .and_then(|x| x.parse::<i64>().ok())
                .is_some_and(|x| x > *n),
            Self::LessThan(k, n) => get(k)
                .and_then(|x| x.parse::<i64>().ok())
                .is_some_and(|x| x < *n),
        }
    }
}

/// A parsed label selector: all requirements must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelSelector {
    pub requirements: Vec<Requirement>,
}

impl LabelSelector {
    /// Parses the `labelSelector` query value.
    pub fn parse(input: &str) -> Result<Self, SelectorError> {
        let mut requirements = Vec::new();
        for clause in split_clauses(input)? {
            let clause = clause.trim();
            if clause.is_empty() {
                if input.trim().is_empty() {
                    continue;
                }
                return Err(SelectorError::Label(format!(
                    "found '', expected: identifier in \"{input}\""
                )));
            }
            requirements.push(parse_clause(clause)?);
        }
        Ok(Self { requirements })
    }

    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Evaluates the selector against a label lookup.
    pub fn matches<'a>(&self, get: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.requirements.iter().all(|r| r.matches(&get))
    }
}

/// Splits on commas that are not inside a `( ... )` value set.
fn split_clauses(input: &str) -> Result<Vec<&str>, SelectorError> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in input.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Err(SelectorError::Label(format!(
                        "unbalanced ')' in \"{input}\""
                    )));
                }
            }
            ',' if depth == 0 => {
                out.push(&input[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(SelectorError::Label(format!(
            "unbalanced '(' in \"{input}\""
        )));
    }
    out.push(&input[start..]);
    Ok(out)
}

fn parse_clause(clause: &str) -> Result<Requirement, SelectorError> {
    if let Some(rest) = clause.strip_prefix('!') {
        let key = rest.trim();
        validate_key(key)?;
        return Ok(Requirement::DoesNotExist(key.to_string()));
    }
    let key_end = clause
        .find(|c: char| c.is_whitespace() || matches!(c, '=' | '!' | '<' | '>' | '('))
        .unwrap_or(clause.len());
    let key = &clause[..key_end];
    validate_key(key)?;
    let rest = clause[key_end..].trim_start();
    if rest.is_empty() {
        return Ok(Requirement::Exists(key.to_string()));
    }
    let owned = key.to_string();
    if let Some(v) = rest.strip_prefix("==").or_else(|| rest.strip_prefix('=')) {
        let v = v.trim();
        validate_value(v)?;
        return Ok(Requirement::Equals(owned, v.to_string()));
    }
    if let Some(v) = rest.strip_prefix("!=") {
        let v = v.trim();
        validate_value(v)?;
        return Ok(Requirement::NotEquals(owned, v.to_string()));
    }
    if let Some(v) = rest.strip_prefix('>') {
        return Ok(Requirement::GreaterThan(owned, parse_int(v)?));
    }
    if let Some(v) = rest.strip_prefix('<') {
        return Ok(Requirement::LessThan(owned, parse_int(v)?));
    }
    if let Some(v) = strip_word(rest, "notin") {
        return Ok(Requirement::NotIn(owned, parse_set(v)?));
    }
    if let Some(v) = strip_word(rest, "in") {
        return Ok(Requirement::In(owned, parse_set(v)?));
    }
    Err(SelectorError::Label(format!(
        "found '{rest}', expected: in, notin, =, ==, !=, gt, lt"
    )))
}

fn strip_word<'a>(s: &'a str, word: &str) -> Option<&'a str> {
    let rest = s.strip_prefix(word)?;
    (rest.starts_with(|c: char| c.is_whitespace() || c == '(')).then_some(rest)
}

fn parse_int(v: &str) -> Result<i64, SelectorError> {
    v.trim()
        .parse()
        .map_err(|_| SelectorError::Label(format!("for 'gt', 'lt' operators, exactly one value is required and it must be an integer: \"{}\"", v.trim())))
}

fn parse_set(v: &str) -> Result<Vec<String>, SelectorError> {
    let v = v.trim();
    let inner = v
        .strip_prefix('(')
        .and_then(|x| x.strip_suffix(')'))
        .ok_or_else(|| SelectorError::Label(format!("found '{v}', expected: '('")))?;
    let mut values = Vec::new();
    for item in inner.split(',') {
        let item = item.trim();
        validate_value(item)?;
        values.push(item.to_string());
    }
    Ok(values)
}

fn validate_key(key: &str) -> Result<(), SelectorError> {
    let name = match key.rsplit_once('/') {
        Some((prefix, name)) => {
            if prefix.is_empty() || !crate::validation::is_dns1123_subdomain(prefix) {
                return Err(SelectorError::Label(format!(
                    "invalid label key \"{key}\": prefix part must be a DNS-1123 subdomain"
                )));
            }
            name
        }
        None => key,
    };
    if name.is_empty() || name.len() > 63 || !is_label_token(name) {
        return Err(SelectorError::Label(format!(
            "invalid label key \"{key}\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
        )));
    }
    Ok(())
}

fn validate_value(v: &str) -> Result<(), SelectorError> {
    if v.is_empty() || (v.len() <= 63 && is_label_token(v)) {
        Ok(())
    } else {
        Err(SelectorError::Label(format!(
            "invalid label value: \"{v}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
        )))
    }
}

fn is_label_token(s: &str) -> bool {
    let b = s.as_bytes();
    let ends_ok = |c: &u8| c.is_ascii_alphanumeric();
    b.first().is_some_and(ends_ok)
        && b.last().is_some_and(ends_ok)
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn labels(pairs: &[(&'static str, &'static str)]) -> HashMap<&'static str, &'static str> {
        pairs.iter().copied().collect()
    }

    fn sel(s: &str, l: &HashMap<&'static str, &'static str>) -> bool {
        LabelSelector::parse(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .matches(|k| l.get(k).copied())
    }

    #[test]
    fn all_operators() {
        let l = labels(&[("app", "web"), ("tier", "front"), ("n", "5")]);
        assert!(sel("app=web", &l));
        assert!(sel("app==web", &l));
        assert!(!sel("app!=web", &l));
        assert!(sel("missing!=x", &l));
        assert!(sel("app in (web, db)", &l));
        assert!(!sel("app notin (web,db)", &l));
        assert!(sel("missing notin (x)", &l));
        assert!(sel("tier", &l));
        assert!(!sel("!tier", &l));
        assert!(sel("!missing", &l));
        assert!(sel("app=web,tier=front", &l));
        assert!(!sel("app=web,tier=back", &l));
        assert!(sel("n>3,n<6", &l));
        assert!(sel("", &l));
        assert!(sel(
            "training.kubeflow.org/job-name",
            &labels(&[("training.kubeflow.org/job-name", "j")])
        ));
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "app=",
            "=x",
            "app in web",
            "a b",
            "app=we b",
            "(",
            "app in (a",
            "-x=1",
            "app,",
        ] {
            if bad == "app=" {
                // an empty value is valid
                continue;
            }
            assert!(LabelSelector::parse(bad).is_err(), "{bad} should fail");
        }
        assert!(LabelSelector::parse("app=").is_ok());
    }
}
