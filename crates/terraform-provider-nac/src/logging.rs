//! Provider logs in hclog's JSON line format on stderr: go-plugin parses these lines and hands them to
//! Terraform's logger, so `TF_LOG` / `TF_LOG_PROVIDER` filter them like any provider's logs.
//!
//! The provider's own lines (requests, retries, adoption, waits; never secrets) keep their level, under
//! `nac.<module>`. Lines of the crates below it (h2, hyper, rustls, tower, tf-provider...) are plumbing
//! a user debugging a plan does not want: they are emitted only at trace, as trace, under their own
//! crate's name.

use std::io::Write;

use log::{Level, LevelFilter, Log, Metadata, Record};

struct HclogLogger;

/// The `nac.<part>` module prefix of a log target of this workspace's crates (`nac_client::http` is
/// `nac.client.http`, the plugin binary is `nac`), or `None` for any other crate.
fn own_module(target: &str) -> Option<String> {
    let mut parts = target.split("::");
    let crate_name = parts.next().unwrap_or_default();
    let root = match crate_name {
        "terraform_provider_nac" => String::from("nac"),
        "nac_api" | "nac_client" | "nac_provider" => crate_name.replacen('_', ".", 1),
        _ => return None,
    };
    Some(parts.fold(root, |module, part| module + "." + part))
}

/// The hclog level and module of a record, or `None` when it is not to be written at `max`.
fn classify(level: Level, target: &str, max: LevelFilter) -> Option<(&'static str, String)> {
    if let Some(module) = own_module(target) {
        if level > max {
            return None;
        }
        let level = match level {
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Info => "info",
            Level::Debug => "debug",
            Level::Trace => "trace",
        };
        Some((level, module))
    } else if max == LevelFilter::Trace {
        Some(("trace", target.replace("::", ".")))
    } else {
        None
    }
}

impl Log for HclogLogger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        classify(metadata.level(), metadata.target(), log::max_level()).is_some()
    }

    fn log(&self, record: &Record) {
        let Some((level, module)) = classify(record.level(), record.target(), log::max_level())
        else {
            return;
        };
        let line = serde_json::json!({
            "@level": level,
            "@message": record.args().to_string(),
            "@module": module,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_lines_keep_their_level_under_nac() {
        assert_eq!(
            classify(Level::Debug, "nac_client::http", LevelFilter::Debug),
            Some(("debug", "nac.client.http".into()))
        );
        assert_eq!(
            classify(Level::Info, "terraform_provider_nac", LevelFilter::Info),
            Some(("info", "nac".into()))
        );
        assert_eq!(
            classify(Level::Debug, "nac_client", LevelFilter::Info),
            None
        );
    }

    #[test]
    fn third_party_lines_only_at_trace_under_their_own_name() {
        for max in [LevelFilter::Debug, LevelFilter::Info, LevelFilter::Error] {
            assert_eq!(classify(Level::Error, "h2::codec", max), None, "{max}");
            assert_eq!(classify(Level::Debug, "hyper_util::client", max), None);
        }
        assert_eq!(
            classify(Level::Debug, "h2::codec::framed_write", LevelFilter::Trace),
            Some(("trace", "h2.codec.framed_write".into()))
        );
        // A crate whose name merely starts with "nac" is not ours.
        assert_eq!(classify(Level::Info, "nacl::box_", LevelFilter::Info), None);
    }
}
