//! What kftui remembers between runs (state dir): last context, namespace,
//! screen, recent namespaces and command history; and form drafts.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::state::{Scope, State};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Saved {
    pub context: Option<String>,
    /// `None` for all namespaces.
    pub namespace: Option<String>,
    pub all_namespaces: bool,
    pub view: Option<String>,
    pub recent_namespaces: Vec<String>,
    pub recent_models: Vec<String>,
    pub history: Vec<String>,
}

impl Saved {
    pub fn of(state: &State) -> Saved {
        Saved {
            context: state.cluster().map(|c| c.context.clone()),
            namespace: state.scope.namespace().map(str::to_string),
            all_namespaces: state.scope == Scope::All,
            view: state.stack.first().map(|v| v.title()),
            recent_namespaces: state.recent_namespaces.clone(),
            recent_models: state.recent_models.clone(),
            history: state
                .history
                .iter()
                .rev()
                .take(100)
                .rev()
                .cloned()
                .collect(),
        }
    }

    /// Reads the file; anything unreadable is the empty state.
    pub fn load(path: &Path) -> Saved {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }

    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        // Write then rename, so a crash cannot leave half a file.
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(tmp, path)
    }
}

/// Drafts by name, from the drafts directory.
pub fn load_drafts(dir: &Path) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.extension().and_then(|x| x.to_str()) != Some("draft") {
            continue;
        }
        if let (Some(name), Ok(text)) = (
            path.file_stem().and_then(|s| s.to_str()),
            std::fs::read_to_string(&path),
        ) {
            out.insert(name.to_string(), text);
        }
    }
    out
}

/// A safe file name for a draft.
pub fn draft_path(dir: &Path, name: &str) -> std::path::PathBuf {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!("{safe}.draft"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_state_round_trips_and_tolerates_garbage() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/state.json");
        let saved = Saved {
            context: Some("prod".into()),
            namespace: Some("ml".into()),
            view: Some("notebooks".into()),
            history: vec!["nb".into()],
            ..Saved::default()
        };
        saved.save(&path).expect("save");
        assert_eq!(Saved::load(&path), saved);
        std::fs::write(&path, "{not json").expect("write");
        assert_eq!(Saved::load(&path), Saved::default());
    }

    #[test]
    fn drafts_load_by_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(draft_path(dir.path(), "notebook/new"), "name: x").expect("write");
        std::fs::write(dir.path().join("other.txt"), "ignored").expect("write");
        let drafts = load_drafts(dir.path());
        assert_eq!(
            drafts.get("notebook_new").map(String::as_str),
            Some("name: x")
        );
        assert_eq!(drafts.len(), 1);
    }
}
