//! Checks shared by forms: each returns `None` when the value is fine, else
//! what to fix, in the words shown under the field.

use crate::app::command::is_dns_label;
use crate::kube::errors::ApiFailure;
use crate::kube::quantity;

/// The field a 422 (Invalid) refusal names: the first of `table` whose
/// needle (a field path or word) the server's message contains.
pub fn field_in_message<K: Copy>(e: &ApiFailure, table: &[(&str, K)]) -> Option<K> {
    if e.code != Some(422) {
        return None;
    }
    table
        .iter()
        .find(|(needle, _)| e.message.contains(needle))
        .map(|(_, f)| *f)
}

/// A DNS-1123 label starting with a letter, at most `max` characters.
pub fn name(v: &str, max: usize) -> Option<String> {
    let v = v.trim();
    if v.is_empty() {
        Some("a name is required".into())
    } else if v.len() > max {
        Some(format!("at most {max} characters"))
    } else if !is_dns_label(v) || !v.starts_with(|c: char| c.is_ascii_lowercase()) {
        Some("lowercase letters, digits and '-', starting with a letter".into())
    } else {
        None
    }
}

/// A container image reference: not empty, no blanks.
pub fn image(v: &str) -> Option<String> {
    let v = v.trim();
    if v.is_empty() || v.contains(char::is_whitespace) {
        Some("an image reference, e.g. registry/name:tag".into())
    } else {
        None
    }
}

/// A Kubernetes quantity above zero (`500m`, `2`, `8Gi`).
pub fn quantity(v: &str) -> Option<String> {
    quantity::positive(v.trim()).err()
}

/// A whole number in `min..=max`.
pub fn count(v: &str, min: u32, max: u32) -> Option<String> {
    match v.trim().parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => None,
        _ => Some(format!("a whole number from {min} to {max}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_say_what_to_fix() {
        assert_eq!(name("ok-name", 52), None);
        assert!(name("", 52).unwrap().contains("required"));
        assert!(name("Bad_Name", 52).unwrap().contains("lowercase"));
        assert!(
            name("9lives", 52)
                .unwrap()
                .contains("starting with a letter")
        );
        assert!(name(&"a".repeat(53), 52).unwrap().contains("52"));
        assert_eq!(image("pytorch/pytorch:2.4"), None);
        assert!(image("two words").is_some());
        assert_eq!(quantity("500m"), None);
        assert!(quantity("0").is_some() && quantity("lots").is_some());
        assert_eq!(count("4", 0, 64), None);
        assert!(count("-1", 0, 64).is_some() && count("65", 0, 64).is_some());
    }
}
