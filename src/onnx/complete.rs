//! Helpers for the pane's "open model" prompt: completions for a partial path and
//! the example models shipped in `assets/models/`.

use std::path::{Path, PathBuf};

/// Most completions returned for one prompt.
pub const MAX_COMPLETIONS: usize = 200;

/// Completions for `partial`: directories (with a trailing `/`) and `.onnx` /
/// `.ort` files whose names start with what was typed, sorted, directories first.
///
/// `~/` stands for the home directory; the results keep the user's spelling
/// (`~/mo` completes to `~/models/`). Hidden entries appear only when the typed
/// name starts with a dot.
pub fn complete_path(partial: &str) -> Vec<String> {
    let home = directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf());
    complete_path_in(partial, Path::new("."), home.as_deref())
}

/// [`complete_path`] relative to `cwd`, with `home` for `~`.
pub fn complete_path_in(partial: &str, cwd: &Path, home: Option<&Path>) -> Vec<String> {
    let (typed_dir, prefix) = match partial.rfind('/') {
        Some(slash) => (&partial[..=slash], &partial[slash + 1..]),
        None => ("", partial),
    };
    let dir: PathBuf = if typed_dir.is_empty() {
        cwd.to_path_buf()
    } else if let (Some(rest), Some(home)) = (typed_dir.strip_prefix("~/"), home) {
        home.join(rest)
    } else if Path::new(typed_dir).is_absolute() {
        PathBuf::from(typed_dir)
    } else {
        cwd.join(typed_dir)
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut found: Vec<(bool, String)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            if !name.starts_with(prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                return None;
            }
            let is_dir = entry.path().is_dir();
            let is_model = Path::new(&name)
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("onnx") || e.eq_ignore_ascii_case("ort"));
            (is_dir || is_model).then(|| {
                (
                    !is_dir,
                    format!("{typed_dir}{name}{}", if is_dir { "/" } else { "" }),
                )
            })
        })
        .collect();
    found.sort();
    found
        .into_iter()
        .take(MAX_COMPLETIONS)
        .map(|(_, text)| text)
        .collect()
}

/// The longest common prefix of completions (what Tab can insert at once).
pub fn common_prefix(completions: &[String]) -> String {
    let Some(first) = completions.first() else {
        return String::new();
    };
    let mut end = first.len();
    for other in &completions[1..] {
        end = first
            .char_indices()
            .zip(other.chars())
            .take_while(|((_, a), b)| a == b)
            .map(|((i, a), _)| i + a.len_utf8())
            .last()
            .unwrap_or(0)
            .min(end);
    }
    first[..end].to_string()
}

/// An example model shipped with kftui.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleModel {
    /// File stem, e.g. `iris_logreg`.
    pub name: String,
    pub path: PathBuf,
    /// The example request beside it, if present.
    pub input: Option<PathBuf>,
}

/// Where the shipped examples are: `$KFTUI_MODELS_DIR`, `assets/models` beside the
/// executable or in the working directory, or the source tree kftui was built from.
pub fn examples_dir() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(dir) = std::env::var_os("KFTUI_MODELS_DIR").filter(|d| !d.is_empty()) {
        candidates.push(PathBuf::from(dir));
    }
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
    {
        candidates.push(exe_dir.join("assets/models"));
        candidates.push(exe_dir.join("../share/kftui/models"));
    }
    candidates.push(PathBuf::from("assets/models"));
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/models"));
    candidates.into_iter().find(|dir| dir.is_dir())
}

/// The shipped example models, sorted by name (empty if none are found).
pub fn shipped_examples() -> Vec<ExampleModel> {
    examples_dir()
        .map(|dir| examples_in(&dir))
        .unwrap_or_default()
}

/// The `.onnx` models in `dir` with their example requests.
pub fn examples_in(dir: &Path) -> Vec<ExampleModel> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut models: Vec<ExampleModel> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "onnx") && path.is_file())
        .filter_map(|path| {
            let name = path.file_stem()?.to_str()?.to_string();
            if name.starts_with('.') {
                return None;
            }
            let input = Some(super::template::example_input_path(&path)).filter(|p| p.is_file());
            Some(ExampleModel { name, path, input })
        })
        .collect();
    models.sort_by(|a, b| a.name.cmp(&b.name));
    models
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        for file in [
            "iris.onnx",
            "iris.input.json",
            "digits.onnx",
            "notes.txt",
            ".hidden.onnx",
        ] {
            std::fs::write(dir.path().join(file), b"x").expect("write");
        }
        std::fs::create_dir(dir.path().join("models")).expect("mkdir");
        std::fs::write(dir.path().join("models/deep.onnx"), b"x").expect("write");
        dir
    }

    #[test]
    fn completes_models_and_directories_only() {
        let dir = tree();
        assert_eq!(
            complete_path_in("", dir.path(), None),
            ["models/", "digits.onnx", "iris.onnx"]
        );
        assert_eq!(complete_path_in("i", dir.path(), None), ["iris.onnx"]);
        assert_eq!(
            complete_path_in("models/", dir.path(), None),
            ["models/deep.onnx"]
        );
        assert_eq!(complete_path_in(".h", dir.path(), None), [".hidden.onnx"]);
        assert!(complete_path_in("nothing/here", dir.path(), None).is_empty());
    }

    #[test]
    fn absolute_and_home_paths_keep_their_spelling() {
        let dir = tree();
        let absolute = format!("{}/di", dir.path().display());
        assert_eq!(
            complete_path_in(&absolute, Path::new("/"), None),
            [format!("{}/digits.onnx", dir.path().display())]
        );
        assert_eq!(
            complete_path_in("~/models/d", Path::new("/"), Some(dir.path())),
            ["~/models/deep.onnx"]
        );
    }

    #[test]
    fn common_prefix_of_completions() {
        let items = vec![
            "models/iris_a.onnx".to_string(),
            "models/iris_b.onnx".to_string(),
        ];
        assert_eq!(common_prefix(&items), "models/iris_");
        assert_eq!(common_prefix(&[]), "");
        assert_eq!(common_prefix(&items[..1]), "models/iris_a.onnx");
    }

    #[test]
    fn examples_pair_models_with_requests() {
        let dir = tree();
        let examples = examples_in(dir.path());
        let names: Vec<&str> = examples.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["digits", "iris"]);
        assert_eq!(examples[1].input, Some(dir.path().join("iris.input.json")));
        assert_eq!(examples[0].input, None);
    }

    #[test]
    fn the_shipped_examples_are_found() {
        let examples = shipped_examples();
        assert!(
            examples
                .iter()
                .any(|e| e.name == "iris_logreg" && e.input.is_some()),
            "{examples:?}"
        );
    }
}
