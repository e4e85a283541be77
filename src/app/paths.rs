//! Where kftui keeps its files: the platform config, state, data and cache
//! directories (XDG on Linux), from the `directories` crate.

use std::path::PathBuf;

use directories::ProjectDirs;

/// The directories kftui reads and writes.
#[derive(Debug, Clone)]
pub struct Paths {
    pub config_file: PathBuf,
    pub state_dir: PathBuf,
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
}

impl Paths {
    /// Platform directories, or `None` when no home directory can be found.
    pub fn discover() -> Option<Paths> {
        let dirs = ProjectDirs::from("", "", "kftui")?;
        let state_dir = dirs
            .state_dir()
            .map(PathBuf::from)
            .unwrap_or_else(|| dirs.data_local_dir().join("state"));
        Some(Paths {
            config_file: dirs.config_dir().join("config.toml"),
            log_dir: state_dir.join("logs"),
            state_dir,
            data_dir: dirs.data_dir().to_path_buf(),
        })
    }

    /// Everything under one directory (tests, `--demo` without a home).
    pub fn under(root: &std::path::Path) -> Paths {
        Paths {
            config_file: root.join("config/config.toml"),
            state_dir: root.join("state"),
            data_dir: root.join("data"),
            log_dir: root.join("state/logs"),
        }
    }

    pub fn state_file(&self) -> PathBuf {
        self.state_dir.join("state.json")
    }

    pub fn drafts_dir(&self) -> PathBuf {
        self.state_dir.join("drafts")
    }
}
