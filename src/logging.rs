//! Provider logs in hclog's JSON line format on stderr: go-plugin parses these lines and hands them to
//! Terraform's logger, so `TF_LOG` / `TF_LOG_PROVIDER` filter them like any provider's logs.

use std::io::Write;

use log::{Level, LevelFilter, Log, Metadata, Record};

struct HclogLogger;

impl Log for HclogLogger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let level = match record.level() {
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Info => "info",
            Level::Debug => "debug",
            Level::Trace => "trace",
        };
        let line = serde_json::json!({
            "@level": level,
            "@message": record.args().to_string(),
            "@module": format!("nac.{}", record.target().trim_start_matches("nac::")),
            "@timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        });
        // One write per line, so concurrent tasks never interleave within a line.
        let mut buf = line.to_string();
        buf.push('\n');
        let _ = std::io::stderr().lock().write_all(buf.as_bytes());
    }

    fn flush(&self) {}
}

/// The most verbose level Terraform will keep, from `TF_LOG_PROVIDER` (or `TF_LOG`); none means off,
/// so a normal run pays nothing for log lines.
pub fn level_from_env() -> LevelFilter {
    let raw = std::env::var("TF_LOG_PROVIDER")
        .ok()
        .filter(|v| !v.is_empty())
        .or_else(|| std::env::var("TF_LOG").ok())
        .unwrap_or_default();
    match raw.trim().to_ascii_uppercase().as_str() {
        "TRACE" | "JSON" => LevelFilter::Trace,
        "DEBUG" => LevelFilter::Debug,
        "INFO" => LevelFilter::Info,
        "WARN" => LevelFilter::Warn,
        "ERROR" => LevelFilter::Error,
        "" | "OFF" => LevelFilter::Off,
        // Terraform treats unknown values as TRACE.
        _ => LevelFilter::Trace,
    }
}

pub fn init() {
    if log::set_logger(&HclogLogger).is_ok() {
        log::set_max_level(level_from_env());
    }
}
