//! What a stored session must satisfy to be loaded from the state file: a file that breaks any rule is
//! refused with the record named, never loaded half-right.

use chrono::TimeDelta;
use uuid::Uuid;

use super::session::StoredSession;
use nac_api::rules::{self, PROFILES};

/// Checks one record stored under `key`.
pub(crate) fn check(key: Uuid, s: &StoredSession) -> Result<(), String> {
    if s.id != key {
        return Err(format!("holds session {}", s.id));
    }
    if s.info.session_id != key.to_string() {
        return Err(format!("has sessionId {:?}", s.info.session_id));
    }
    if !s.owner.is_well_formed() {
        return Err("has no valid owner (the SHA-256 hex of its API key)".into());
    }
    if !PROFILES.contains(&s.info.qos_profile.as_str()) {
        return Err(format!(
            "has an unknown qosProfile {:?}",
            s.info.qos_profile
        ));
    }
    let Some(device) = &s.info.device else {
        return Err("has no device".into());
    };
    let mut violations = Vec::new();
    rules::validate_device(device, "device", &mut violations);
    if let Some(v) = violations.first() {
        return Err(format!("has an invalid {v}"));
    }
    if s.info.duration < 1 {
        return Err(format!("has duration {}", s.info.duration));
    }
    if s.available_at < s.started_at || s.expires_at <= s.started_at {
        return Err("has times out of order (startedAt, available, expiresAt)".into());
    }
    let lasted = (s.expires_at - s.started_at).num_milliseconds();
    if (lasted - s.info.duration * 1000).abs() > 1000 {
        return Err(format!(
            "has duration {} s but expires {} s after it started",
            s.info.duration,
            lasted / 1000
        ));
    }
    // The shown startedAt is kept to the microsecond.
    let shown = s
        .info
        .started_at
        .map(|t| (t - s.started_at).num_milliseconds().abs());
    if shown.is_none_or(|ms| ms > 1) {
        return Err("has a startedAt that differs from its start".into());
    }
    if s.terminated_at.is_some_and(|t| t < s.started_at) {
        return Err("was terminated before it started".into());
    }
    if s.sink_credential.is_some() && s.info.sink.is_none() {
        return Err("has a sink credential without a sink".into());
    }
    // Extends cap what remains at a day, so no session can last more than a day past its last extend;
    // a century bounds any sane record and keeps date arithmetic far from overflow.
    if s.expires_at - s.started_at > TimeDelta::days(36_500) {
        return Err("lasts more than a century".into());
    }
    Ok(())
}
