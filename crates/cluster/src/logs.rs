//! Ballista and DataFusion log through the `log` crate, which the fidelis binary's tracing
//! subscriber does not show. This writes their records to standard error, one line each with
//! the time (UTC), the level and the source, at the level `FIDELIS_CLUSTER_LOG` names (`error`,
//! `warn` — the default —, `info`, `debug`, `trace`): what an operator needs to see why a task
//! or an executor was lost. (A logger of our own rather than `env_logger` or tracing's `log`
//! bridge: those switch on the `log` crate's `std` feature and so rebuild all of DataFusion.)

use log::{LevelFilter, Log, Metadata, Record};
use std::io::Write as _;

struct Stderr;

static LOGGER: Stderr = Stderr;

impl Log for Stderr {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let (secs, millis) = (now.as_secs(), now.subsec_millis());
        let line = format!(
            "{:02}:{:02}:{:02}.{millis:03} {:5} {}: {}\n",
            secs / 3600 % 24,
            secs / 60 % 60,
            secs % 60,
            record.level(),
            record.target(),
            record.args()
        );
        // One write per line, so lines of several threads do not interleave.
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }

    fn flush(&self) {}
}

/// Send the `log` records at the configured level to standard error (once per process).
pub fn init() {
    let level = match std::env::var("FIDELIS_CLUSTER_LOG")
        .unwrap_or_default()
        .to_ascii_lowercase()
        .as_str()
    {
        "off" => LevelFilter::Off,
        "error" => LevelFilter::Error,
        "info" => LevelFilter::Info,
        "debug" => LevelFilter::Debug,
        "trace" => LevelFilter::Trace,
        _ => LevelFilter::Warn,
    };
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(level);
    }
}
