//! Logging through `tracing`: human-readable text by default, JSON lines with `log.format = "json"`.

use tracing_subscriber::{EnvFilter, fmt};

use crate::config::{LogFormat, LogSettings};

/// Installs the global subscriber, writing to standard output. `RUST_LOG`, when set, wins over
/// `log.level`.
pub fn init(settings: &LogSettings) {
    init_to(settings, Output::Stdout);
}

/// Where logs go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Stdout,
    /// For a command whose standard output is data (`directory export` without `--output`):
    /// a log line there would corrupt the file.
    Stderr,
}

/// [`init`], to `output`.
pub fn init_to(settings: &LogSettings, output: Output) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(settings.level.as_str()));
    let writer = match output {
        Output::Stdout => fmt::writer::BoxMakeWriter::new(std::io::stdout),
        Output::Stderr => fmt::writer::BoxMakeWriter::new(std::io::stderr),
    };
    let builder = fmt()
        .with_env_filter(filter)
        .with_target(true)
        .with_writer(writer);
    // try_init: a second call (tests) is harmless.
    let _ = match settings.format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
