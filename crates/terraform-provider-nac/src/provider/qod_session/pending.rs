//! Creates whose outcome was unclear: the `pending:` id that records when the session may have been
//! made, and finding that session later without taking one that belongs to someone else.
//!
//! A pending id is `pending:<from>/<to>` (RFC 3339, an ISO 8601 interval): the create's unclear
//! attempts ran between these instants, so its session, if it was made, started then (give or take the
//! client's `ADOPT_CLOCK_SKEW`). Only a single matching session inside that window is taken.
//!
//! Ids of earlier versions, `pending:<time>`, say only when the create began: "any matching session
//! since then" could be another state's, so they are resolved only when nothing matches at all (the
//! create made nothing, the resource is dropped); otherwise the candidates are listed and nothing is taken.

use crate::provider::claims::Claims;

use chrono::{DateTime, Utc};

use super::adopt::import_hint;
use super::mapping::create_request;
use super::SessionState;
use crate::provider::validation::Known;
use nac_api::wire::{format_timestamp, SessionInfo};
use nac_client::{describe_sessions, NacClient, Window};

/// Id prefix of a session whose create may or may not have happened.
pub(super) const PENDING: &str = "pending:";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pending {
    /// When the unclear attempts ran.
    Window(Window),
    /// An id of an earlier version: only when the create began.
    Since(DateTime<Utc>),
}

pub(super) fn pending_id(window: Window) -> String {
    format!(
        "{PENDING}{}/{}",
        format_timestamp(&window.from),
        format_timestamp(&window.to)
    )
}

pub(super) fn parse_pending(id: &str) -> Option<Pending> {
    let rest = id.strip_prefix(PENDING)?;
    let time = |t: &str| {
        DateTime::parse_from_rfc3339(t.trim())
            .ok()
            .map(|t| t.with_timezone(&Utc))
    };
    match rest.split_once('/') {
        Some((from, to)) => Some(Pending::Window(Window::new(time(from)?, time(to)?))),
        None => time(rest).map(Pending::Since),
    }
}

/// The session a pending create made: `Ok(None)` when it made none. An error (a message a person can
/// act on) when it cannot be told without guessing, or when the lookup failed; nothing is taken then.
pub(super) async fn resolve_pending(
    client: &NacClient,
    claims: &Claims,
    state: &SessionState,
    pending: Pending,
) -> Result<Option<SessionInfo>, String> {
    let mut known = Known::default();
    let request = create_request(state, &mut known);
    match pending {
        Pending::Window(window) => match client
            .find_created_session(&request, window, &claims.snapshot())
            .await
        {
            Ok(found) => Ok(found),
            Err(e) => match e.ambiguous_candidates() {
                Some(candidates) => Err(format!("{e}. {}", import_hint(&ids(candidates), true))),
                None => Err(e.to_string()),
            },
        },
        Pending::Since(since) => {
            let window = Window::new(since, Utc::now());
            let candidates = client
                .created_session_candidates(&request, window, &claims.snapshot())
                .await
                .map_err(|e| e.to_string())?;
            if candidates.is_empty() {
                return Ok(None);
            }
            Err(format!(
                "This resource was left by an unfinished create recorded only with its start time ({}), so \
                 the session it made cannot be told from an identical one another configuration made since. \
                 Matching sessions of the device since then: {}. None is taken. {}",
                format_timestamp(&since),
                describe_sessions(&candidates),
                import_hint(&ids(&candidates), true)
            ))
        }
    }
}

fn ids(sessions: &[SessionInfo]) -> Vec<&str> {
    sessions.iter().map(|s| s.session_id.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_ids_carry_their_window() {
        let from = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        let to = from + chrono::Duration::seconds(3);
        let id = pending_id(Window::new(from, to));
        assert_eq!(
            id,
            "pending:2026-01-02T03:04:05.123456Z/2026-01-02T03:04:08.123456Z"
        );
        assert_eq!(
            parse_pending(&id),
            Some(Pending::Window(Window::new(from, to)))
        );
        assert_eq!(
            parse_pending("pending:2026-01-02T03:04:05.123456Z"),
            Some(Pending::Since(from))
        );
        for not_pending in [
            "abc",
            "pending:",
            "pending:x/y",
            "pending:2026-01-02T03:04:05Z/",
        ] {
            assert_eq!(parse_pending(not_pending), None, "{not_pending}");
        }
    }
}
