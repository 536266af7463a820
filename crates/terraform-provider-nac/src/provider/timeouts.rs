//! Durations written like Terraform's own (`"30s"`, `"5m"`, `"1h30m"`: Go's `time.ParseDuration`
//! syntax), and the `timeouts` block of HashiCorp-style resources.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeType, NestedBlock};
use tf_provider::value::Value;

use super::schema_util::{block, optional};

/// How long create waits for a session to become AVAILABLE unless `timeouts { create = … }` says otherwise.
pub const DEFAULT_CREATE_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// The longest `timeouts.create`: a session lasts at most 24 h, so waiting longer for it means nothing,
/// and every deadline computed from it stays far from overflow.
pub const MAX_CREATE_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// `timeouts.create` parsed and bounded: at most [`MAX_CREATE_TIMEOUT`].
pub fn parse_create_timeout(text: &str) -> Result<Duration, String> {
    let timeout = parse_duration(text)?;
    if timeout > MAX_CREATE_TIMEOUT {
        return Err(format!(
            "{text:?} is too long: timeouts.create is at most \"24h\" (a session lasts at most 24 hours)"
        ));
    }
    Ok(timeout)
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TimeoutsBlock {
    pub create: Value<String>,
}

pub fn schema() -> NestedBlock {
    NestedBlock::Optional(block(
        "Time limits for operations that wait on the network.",
        [(
            "create",
            optional(
                AttributeType::String,
                "How long to wait for a new session to become `AVAILABLE`, as a duration like `\"30s\"`, \
                 `\"5m\"` or `\"1h30m\"` (default `\"5m\"`, at most `\"24h\"`). A session still not available then is kept in \
                 state as tainted, so the next apply replaces it.",
            ),
        )],
        [],
    ))
}

/// Parses Go's duration syntax: a sequence of decimal numbers with units `ns`, `us`/`µs`, `ms`, `s`,
/// `m`, `h` (e.g. `"1h30m"`, `"1.5s"`). Negative durations are refused.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let invalid = || {
        format!("{text:?} is not a duration: write a number with a unit, like \"30s\", \"5m\" or \"1h30m\"")
    };
    let s = text.trim();
    if s.is_empty() {
        return Err(invalid());
    }
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    let mut rest = s;
    let mut total = 0f64;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..number_len].parse().map_err(|_| invalid())?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(invalid()),
        };
        rest = &rest[unit_len..];
        total += number * seconds_per_unit;
    }
    Duration::try_from_secs_f64(total).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        for bad in ["", "5", "5 minutes", "m", "-5s", "1x", "1e400s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_create_timeout("24h"), Ok(MAX_CREATE_TIMEOUT));
        for huge in ["24h1s", "10000000000000000000s", "99999999999999999999999h"] {
            let err = parse_create_timeout(huge).unwrap_err();
            assert!(
                err.contains("timeouts.create") || err.contains("not a duration"),
                "{err}"
            );
        }
    }
}
