//! Row filters typed after `/`: a substring (`gpu`), its inverse (`!gpu`) and a
//! label selector sent to the server (`-l app=web`), alone or together.

/// A parsed filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// What the user typed.
    pub text: String,
    /// Lowercased substring to match; empty matches everything.
    pub needle: String,
    /// Keep rows that do NOT contain the needle.
    pub inverse: bool,
    /// Label selector for the server.
    pub labels: Option<String>,
}

impl Filter {
    pub fn parse(text: &str) -> Result<Filter, String> {
        let mut labels = None;
        let mut words = Vec::new();
        let mut iter = text.split_whitespace();
        while let Some(w) = iter.next() {
            if w == "-l" {
                let sel = iter
                    .next()
                    .ok_or("-l needs a label selector, e.g. -l app=web")?;
                check_selector(sel)?;
                labels = Some(sel.to_string());
            } else if let Some(sel) = w.strip_prefix("-l") {
                check_selector(sel)?;
                labels = Some(sel.to_string());
            } else {
                words.push(w);
            }
        }
        let joined = words.join(" ");
        let (inverse, needle) = match joined.strip_prefix('!') {
            Some(rest) => (true, rest.to_lowercase()),
            None => (false, joined.to_lowercase()),
        };
        Ok(Filter {
            text: text.trim().to_string(),
            needle,
            inverse,
            labels,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.needle.is_empty() && self.labels.is_none()
    }

    /// Whether a row whose searchable text is `haystack` (lowercase) passes.
    pub fn matches(&self, haystack: &str) -> bool {
        if self.needle.is_empty() {
            return true;
        }
        haystack.contains(&self.needle) != self.inverse
    }
}

/// Rejects selectors the server would refuse outright, with a readable reason.
fn check_selector(sel: &str) -> Result<(), String> {
    if sel.is_empty() {
        return Err("-l needs a label selector, e.g. -l app=web".into());
    }
    for part in sel.split(',') {
        let key = part
            .trim_start_matches('!')
            .split(['=', '!'])
            .next()
            .unwrap_or("");
        let ok = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c));
        if !ok {
            return Err(format!("{part:?} is not a label selector (try key=value)"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_substring_inverse_and_labels() {
        let f = Filter::parse("GPU").expect("ok");
        assert_eq!(
            (f.needle.as_str(), f.inverse, f.labels),
            ("gpu", false, None)
        );
        let f = Filter::parse("!stopped").expect("ok");
        assert!(f.inverse && f.needle == "stopped");
        let f = Filter::parse("-l app=web alice").expect("ok");
        assert_eq!(f.labels.as_deref(), Some("app=web"));
        assert_eq!(f.needle, "alice");
        let f = Filter::parse("-lnotebook-name").expect("ok");
        assert_eq!(f.labels.as_deref(), Some("notebook-name"));
        assert!(Filter::parse("-l").is_err());
        assert!(Filter::parse("-l =x").is_err());
        assert!(Filter::parse("").expect("ok").is_empty());
    }

    #[test]
    fn matching() {
        let f = Filter::parse("gpu").expect("ok");
        assert!(f.matches("a-gpu-node"));
        assert!(!f.matches("cpu"));
        let f = Filter::parse("!gpu").expect("ok");
        assert!(!f.matches("a-gpu-node"));
        assert!(f.matches("cpu"));
        assert!(Filter::default().matches("anything"));
    }
}
