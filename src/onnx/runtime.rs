//! Finding the ONNX Runtime shared library and initialising it, once per process.
//!
//! kftui loads ONNX Runtime dynamically, so the rest of the app works without it.
//! The library is looked for, in this order:
//! 1. an explicit path (CLI flag or config value, passed in by the app),
//! 2. `$KFTUI_ORT_LIB`,
//! 3. `$ORT_DYLIB_PATH`,
//! 4. the data directory, `<data_dir>/onnxruntime/libonnxruntime.so.1.31.1`, then
//!    any other `libonnxruntime.so*` there (`scripts/fetch-onnxruntime.sh` fills it).
//!
//! A path that does not exist is skipped; the first one that exists is loaded, and
//! if that fails the error names it (no silent fall-back to another copy).
//! `ort` panics when used before initialisation and can load a library only once
//! per process, so nothing in this module touches `ort` before a successful
//! [`ort::init_from`], and later calls return the runtime that is already up.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ort::environment::Environment;
use ort::ep::ExecutionProvider;

use super::error::{RuntimeError, TriedLibrary};

/// The ONNX Runtime version kftui is built and tested against.
pub const ORT_VERSION: &str = "1.31.1";

/// The command that installs the library where kftui looks by default.
pub const SETUP_COMMAND: &str = "scripts/fetch-onnxruntime.sh";

/// The note shown when CUDA is asked for but the library has no CUDA support.
pub const CUDA_UNAVAILABLE_NOTE: &str =
    "CUDA execution provider not available in this ONNX Runtime build (CPU only)";

/// File name of the library on this platform.
pub fn library_file_name() -> &'static str {
    if cfg!(target_os = "windows") {
        "onnxruntime.dll"
    } else if cfg!(target_os = "macos") {
        "libonnxruntime.1.31.1.dylib"
    } else {
        "libonnxruntime.so.1.31.1"
    }
}

/// Whether a file name looks like an ONNX Runtime library of any version.
fn is_library_name(name: &str) -> bool {
    let lowered = name.to_ascii_lowercase();
    let library_like = lowered.starts_with("libonnxruntime.so")
        || (lowered.starts_with("libonnxruntime.") && lowered.ends_with(".dylib"))
        || lowered == "onnxruntime.dll";
    library_like && !lowered.ends_with(".sha256") && !lowered.ends_with(".tmp")
}

/// Where a library candidate came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LibrarySource {
    /// Passed in by the app (CLI flag or config value).
    Explicit,
    /// `$KFTUI_ORT_LIB`.
    EnvKftui,
    /// `$ORT_DYLIB_PATH`.
    EnvOrtDylib,
    /// kftui's data directory.
    DataDir,
}

impl fmt::Display for LibrarySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Explicit => "configured path",
            Self::EnvKftui => "KFTUI_ORT_LIB",
            Self::EnvOrtDylib => "ORT_DYLIB_PATH",
            Self::DataDir => "kftui data directory",
        })
    }
}

/// A place the library may be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryCandidate {
    pub source: LibrarySource,
    pub path: PathBuf,
}

/// What the running ONNX Runtime is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeInfo {
    pub library: PathBuf,
    pub source: LibrarySource,
    /// e.g. `1.31.1`, from the library's build information.
    pub version: String,
    /// ONNX Runtime's own build description.
    pub build_info: String,
    /// Whether this build has the CUDA execution provider.
    pub cuda_available: bool,
    /// Things worth telling the user (skipped locations, a CPU-only build, ...).
    pub notes: Vec<String>,
}

struct Runtime {
    environment: Environment,
    info: RuntimeInfo,
}

static RUNTIME: OnceLock<Runtime> = OnceLock::new();
static INIT_LOCK: Mutex<()> = Mutex::new(());

/// kftui's default install location of the library (`<data_dir>/onnxruntime`).
pub fn default_library_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "kftui").map(|dirs| dirs.data_dir().join("onnxruntime"))
}

/// The candidate locations in lookup order, reading the real environment.
pub fn library_candidates(explicit: Option<&Path>) -> Vec<LibraryCandidate> {
    candidates_from(
        explicit,
        |name| std::env::var_os(name),
        default_library_dir().as_deref(),
    )
}

/// The candidate locations in lookup order, from the given sources.
///
/// A directory (explicit or from the environment) stands for the library file in
/// it. Empty environment variables are ignored.
pub fn candidates_from(
    explicit: Option<&Path>,
    env: impl Fn(&str) -> Option<OsString>,
    library_dir: Option<&Path>,
) -> Vec<LibraryCandidate> {
    let mut out = Vec::new();
    let mut push = |source: LibrarySource, path: PathBuf| {
        if !out.iter().any(|c: &LibraryCandidate| c.path == path) {
            out.push(LibraryCandidate { source, path });
        }
    };
    let mut add_path = |source: LibrarySource, path: &Path| {
        if path.is_dir() {
            for file in libraries_in(path) {
                push(source, file);
            }
        } else {
            push(source, path.to_path_buf());
        }
    };
    if let Some(path) = explicit.filter(|p| !p.as_os_str().is_empty()) {
        add_path(LibrarySource::Explicit, path);
    }
    for (var, source) in [
        ("KFTUI_ORT_LIB", LibrarySource::EnvKftui),
        ("ORT_DYLIB_PATH", LibrarySource::EnvOrtDylib),
    ] {
        if let Some(value) = env(var).filter(|v| !v.is_empty()) {
            add_path(source, Path::new(&value));
        }
    }
    if let Some(dir) = library_dir {
        for file in libraries_in(dir) {
            push(LibrarySource::DataDir, file);
        }
    }
    out
}

/// The preferred library file in `dir` first, then other ONNX Runtime libraries there.
fn libraries_in(dir: &Path) -> Vec<PathBuf> {
    let preferred = dir.join(library_file_name());
    let mut others: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path != &preferred)
                .filter(|path| {
                    path.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(is_library_name)
                })
                .collect()
        })
        .unwrap_or_default();
    others.sort();
    others.reverse(); // newest version first, e.g. .so.1.32.0 before .so.1.31.1
    let mut out = vec![preferred];
    out.extend(others);
    out
}

/// Initialises ONNX Runtime from the usual locations (see the module docs).
pub fn init(explicit: Option<&Path>) -> Result<RuntimeInfo, RuntimeError> {
    init_from_candidates(&library_candidates(explicit))
}

/// Initialises ONNX Runtime from the first existing candidate.
///
/// Once a library is loaded, later calls return its [`RuntimeInfo`] (with a note
/// when a different library was asked for: a process can load only one).
pub fn init_from_candidates(candidates: &[LibraryCandidate]) -> Result<RuntimeInfo, RuntimeError> {
    let _serialised = INIT_LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(runtime) = RUNTIME.get() {
        let mut info = runtime.info.clone();
        if let Some(first) = candidates.iter().find(|c| c.path.exists())
            && first.path != info.library
        {
            info.notes.push(format!(
                "ONNX Runtime is already loaded from {}; restart kftui to use {}",
                info.library.display(),
                first.path.display()
            ));
        }
        return Ok(info);
    }

    let mut tried = Vec::new();
    for candidate in candidates {
        if !candidate.path.exists() {
            tried.push(TriedLibrary {
                candidate: candidate.clone(),
                outcome: "not found".into(),
            });
            continue;
        }
        let path = std::path::absolute(&candidate.path).unwrap_or_else(|_| candidate.path.clone());
        let builder = ort::init_from(&path).map_err(|e| RuntimeError::LoadFailed {
            library: candidate.clone(),
            detail: e.to_string(),
        })?;
        // From here on `ort` is initialised and may be used.
        let environment = builder
            .with_name("kftui")
            .with_telemetry(false)
            .build()
            .map_err(|e| RuntimeError::Environment {
                library: path.clone(),
                detail: e.to_string(),
            })?;
        let mut notes: Vec<String> = tried
            .iter()
            .map(|t: &TriedLibrary| {
                format!(
                    "skipped {} ({}): {}",
                    t.candidate.path.display(),
                    t.candidate.source,
                    t.outcome
                )
            })
            .collect();
        let cuda_available = ort::ep::CUDA::is_available().unwrap_or(false);
        if !cuda_available {
            notes.push(CUDA_UNAVAILABLE_NOTE.to_string());
        }
        let build_info = ort::info().to_string();
        let info = RuntimeInfo {
            version: version_from(&build_info, &path),
            library: path,
            source: candidate.source,
            build_info,
            cuda_available,
            notes,
        };
        let runtime = RUNTIME.get_or_init(|| Runtime { environment, info });
        return Ok(runtime.info.clone());
    }
    Err(RuntimeError::NotFound { tried })
}

/// The environment sessions are created in, once ONNX Runtime is up.
pub(crate) fn environment() -> Result<&'static Environment, RuntimeError> {
    RUNTIME
        .get()
        .map(|runtime| &runtime.environment)
        .ok_or(RuntimeError::NotInitialised)
}

/// What was loaded, if anything.
pub fn runtime_info() -> Option<RuntimeInfo> {
    RUNTIME.get().map(|runtime| runtime.info.clone())
}

/// The version from ORT's build string (`git-branch=rel-1.31.1`) or the file name.
fn version_from(build_info: &str, library: &Path) -> String {
    let from_branch = build_info
        .split([',', ' '])
        .find_map(|part| part.trim().strip_prefix("git-branch=rel-"))
        .map(str::to_string);
    let from_name = || {
        let name = library.file_name()?.to_str()?;
        let version = name.strip_prefix("libonnxruntime.so.")?;
        version
            .chars()
            .next()?
            .is_ascii_digit()
            .then(|| version.to_string())
    };
    from_branch
        .or_else(from_name)
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<OsString> {
        None
    }

    #[test]
    fn order_is_explicit_then_env_then_data_dir() {
        let env = |name: &str| match name {
            "KFTUI_ORT_LIB" => Some(OsString::from("/k/libonnxruntime.so.1.31.1")),
            "ORT_DYLIB_PATH" => Some(OsString::from("/o/libonnxruntime.so")),
            _ => None,
        };
        let data = Path::new("/nonexistent-kftui-data/onnxruntime");
        let got = candidates_from(Some(Path::new("/e/lib.so")), env, Some(data));
        let sources: Vec<LibrarySource> = got.iter().map(|c| c.source).collect();
        assert_eq!(
            sources,
            [
                LibrarySource::Explicit,
                LibrarySource::EnvKftui,
                LibrarySource::EnvOrtDylib,
                LibrarySource::DataDir
            ]
        );
        assert_eq!(got[0].path, Path::new("/e/lib.so"));
        assert_eq!(got[3].path, data.join(library_file_name()));
    }

    #[test]
    fn empty_values_are_ignored_and_duplicates_dropped() {
        let env = |name: &str| match name {
            "KFTUI_ORT_LIB" => Some(OsString::new()),
            "ORT_DYLIB_PATH" => Some(OsString::from("/same/lib.so")),
            _ => None,
        };
        let got = candidates_from(Some(Path::new("/same/lib.so")), env, None);
        assert_eq!(
            got,
            [LibraryCandidate {
                source: LibrarySource::Explicit,
                path: "/same/lib.so".into()
            }]
        );
        assert!(candidates_from(Some(Path::new("")), no_env, None).is_empty());
    }

    #[test]
    fn directories_expand_to_library_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in [
            "libonnxruntime.so.1.32.0",
            "libonnxruntime.so.1.31.1.sha256",
            "README",
        ] {
            std::fs::write(dir.path().join(name), b"x").expect("write");
        }
        let got = candidates_from(None, no_env, Some(dir.path()));
        let names: Vec<String> = got
            .iter()
            .map(|c| {
                c.path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(names, [library_file_name(), "libonnxruntime.so.1.32.0"]);
        let explicit = candidates_from(Some(dir.path()), no_env, None);
        assert_eq!(
            explicit[0],
            LibraryCandidate {
                source: LibrarySource::Explicit,
                path: dir.path().join(library_file_name())
            }
        );
    }

    #[test]
    fn missing_everywhere_lists_what_was_tried() {
        let candidates =
            candidates_from(Some(Path::new("/nonexistent/kftui/lib.so")), no_env, None);
        if runtime_info().is_some() {
            return; // another test in this process loaded a runtime; covered by tests/onnx_runtime_errors.rs
        }
        match init_from_candidates(&candidates) {
            Err(RuntimeError::NotFound { tried }) => {
                assert_eq!(tried.len(), 1);
                assert_eq!(tried[0].outcome, "not found");
            }
            other => panic!("expected NotFound, got {other:?}"),
        }
    }

    #[test]
    fn version_comes_from_build_info_or_file_name() {
        let info = "ORT Build Info: git-branch=rel-1.31.1, git-commit-id=abc, build type=Release";
        assert_eq!(version_from(info, Path::new("/x/lib.so")), "1.31.1");
        assert_eq!(
            version_from("", Path::new("/x/libonnxruntime.so.1.30.0")),
            "1.30.0"
        );
        assert_eq!(
            version_from("", Path::new("/x/libonnxruntime.so")),
            "unknown"
        );
    }

    #[test]
    fn library_names_are_recognised() {
        assert!(is_library_name("libonnxruntime.so"));
        assert!(is_library_name("libonnxruntime.so.1.31.1"));
        assert!(!is_library_name("libonnxruntime.so.1.31.1.sha256"));
        assert!(!is_library_name("libonnxruntime_providers_shared.so"));
    }
}
