//! A session the API forgot after it expired (NaC keeps an ended session readable for 360 s, then
//! answers 404). Dropping it from state would plan a plain create, losing why, and
//! `replace_triggered_by` on dependants would never fire; so once the 404 is confirmed (two calls, as
//! the ownership rules require) and its `expires_at` has passed on the API's clock, it stays in state
//! as ended: the plan replaces it and says it expired, and destroying it succeeds (a 404 is deleted).

use chrono::{DateTime, Utc};
use tf_provider::value::Value;

use super::qod_session::SessionState;
use nac_api::wire::{QosStatus, StatusInfo};

/// The state of a session confirmed gone: ended by expiry if `now` is past its expiry, else none
/// (deleted by someone else: removed from state, as before).
pub fn forgotten(state: &SessionState, now: DateTime<Utc>) -> Option<SessionState> {
    let id = state.id.as_ref_option().map_or("?", String::as_str);
    let expired = state
        .expires_at
        .as_ref_option()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .is_some_and(|expires| expires.with_timezone(&Utc) <= now);
    if !expired {
        log::info!("QoS session {id} no longer exists; removing it from state");
        return None;
    }
    log::info!(
        "QoS session {id} expired and the API no longer knows it; keeping it in state as ended"
    );
    Some(SessionState {
        status: Value::Value(QosStatus::Unavailable.as_str().to_string()),
        status_info: Value::Value(StatusInfo::DurationExpired.as_str().to_string()),
        ..state.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn expired_sessions_stay_as_ended_and_others_leave_the_state() {
        let state = SessionState {
            id: Value::Value("s1".into()),
            status: Value::Value("AVAILABLE".into()),
            expires_at: Value::Value("2026-01-01T10:00:00Z".into()),
            ..Default::default()
        };
        let ended = forgotten(&state, at("2026-01-01T10:06:01Z")).expect("kept");
        assert_eq!(ended.status, Value::Value("UNAVAILABLE".into()));
        assert_eq!(ended.status_info, Value::Value("DURATION_EXPIRED".into()));
        assert_eq!(ended.id, state.id);
        assert_eq!(forgotten(&state, at("2026-01-01T09:59:00Z")), None);
    }
}
