//! Diagnostics go to a daily-rotated file in the state directory through
//! `tracing`, never to the terminal kftui draws on.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Starts file logging. `level` is an env-filter directive (`info`,
/// `kftui=debug`); ONNX Runtime's chatty logs are held at `warn` unless named.
/// Keep the guard alive until exit so buffered lines are written.
pub fn init(dir: &Path, level: &str) -> anyhow::Result<WorkerGuard> {
    std::fs::create_dir_all(dir)?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("kftui")
        .filename_suffix("log")
        .max_log_files(7)
        .build(dir)?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let directive = if level.contains("ort") {
        level.to_string()
    } else {
        format!("{level},ort=warn")
    };
    let filter = EnvFilter::try_new(&directive)
        .map_err(|e| anyhow::anyhow!("--log-level {level:?}: {e}"))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .map_err(|e| anyhow::anyhow!("logging already set up: {e}"))?;
    Ok(guard)
}
