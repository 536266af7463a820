//! The create lifecycle: send the request, keep an unclear outcome as a pending id, wait for AVAILABLE.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tf_provider::value::Value;
use tf_provider::Diagnostics;

use super::mapping::{config_problems, create_request, create_timeout, set_computed};
use super::poll;
use super::{SessionPrivate, SessionState};
use crate::client::NacClient;
use crate::provider::validation::{report_all, root_error, Known};
use crate::wire::{format_timestamp, QosStatus, SessionInfo};

/// Id prefix of a session whose create may or may not have happened (the API went away mid-call).
pub(super) const PENDING: &str = "pending:";

/// The id recorded for a create whose outcome is unknown: when the attempt started, so that a later
/// refresh or destroy can find the session if the API did make it.
pub(super) fn pending_id(started: DateTime<Utc>) -> String {
    format!("{PENDING}{}", format_timestamp(&started))
}

pub(super) fn pending_since(id: &str) -> Option<DateTime<Utc>> {
    let since = id.strip_prefix(PENDING)?;
    DateTime::parse_from_rfc3339(since)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The session a pending create made, if any (it is then claimed by this state).
pub(super) async fn resolve_pending(
    client: &NacClient,
    state: &SessionState,
    since: DateTime<Utc>,
) -> Result<Option<SessionInfo>, crate::client::ApiError> {
    let mut known = Known::default();
    let request = create_request(state, &mut known);
    client
        .find_created_session(&request, since, &HashSet::new())
        .await
}

/// Polls a new session until it is no longer REQUESTED.
enum Waited {
    Available(SessionInfo),
    Unavailable(SessionInfo),
    Gone,
    TimedOut(SessionInfo),
    Failed(SessionInfo, crate::client::ApiError),
}

async fn wait_until_settled(
    client: &NacClient,
    mut session: SessionInfo,
    timeout: Duration,
) -> Waited {
    let started = tokio::time::Instant::now();
    let deadline = started + timeout;
    let mut interval = poll::FIRST;
    loop {
        match session.qos_status {
            QosStatus::Available => return Waited::Available(session),
            QosStatus::Unavailable => return Waited::Unavailable(session),
            QosStatus::Requested => {}
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return Waited::TimedOut(session);
        }
        tokio::time::sleep(interval.min(deadline - now)).await;
        log::debug!(
            "polling QoS session {} until it is AVAILABLE",
            session.session_id
        );
        session = match client.get_session(&session.session_id).await {
            Ok(Some(s)) => s,
            Ok(None) => return Waited::Gone,
            Err(e) => return Waited::Failed(session, e),
        };
        interval = poll::next_interval(interval, started.elapsed());
    }
}

/// Creates the session of `planned_state` and waits until the network settles it.
pub(super) async fn create(
    client: &NacClient,
    planned_state: SessionState,
    diags: &mut Diagnostics,
) -> Option<(SessionState, Option<SessionPrivate>)> {
    // Values unknown at plan time are known now: check them before anything is sent.
    let problems = config_problems(&planned_state);
    if !problems.is_empty() {
        report_all(&problems, diags);
        return None;
    }
    let mut known = Known::default();
    let request = create_request(&planned_state, &mut known);
    if !known.all_known() {
        root_error(
            diags,
            "Values still unknown at apply",
            format!("{:?}", known.unknown),
        );
        return None;
    }
    let started = Utc::now();
    let session = match client.create_session(&request).await {
        Ok(s) => s,
        Err(e) if e.is_outcome_unknown() => {
            // The session may exist: keep the resource (tainted) so that the next refresh or destroy
            // finds it, rather than leave a session the state does not know.
            let mut state = planned_state;
            state.id = Value::Value(pending_id(started));
            state.status = Value::Null;
            state.status_info = Value::Null;
            state.started_at = Value::Null;
            state.expires_at = Value::Null;
            root_error(
                diags,
                "Failed to create the QoS session",
                format!(
                    "{e}. The resource is kept in state as tainted with a pending id: the next plan \
                     looks for the session and the next apply replaces it."
                ),
            );
            return Some((state, None));
        }
        Err(e) => {
            root_error(diags, "Failed to create the QoS session", e.to_string());
            return None;
        }
    };
    let id = session.session_id.clone();
    log::info!("created QoS session {id} ({})", session.qos_status.as_str());

    let mut state = planned_state;
    let timeout = create_timeout(&state);
    match wait_until_settled(client, session, timeout).await {
        Waited::Available(session) => {
            set_computed(&mut state, &session);
            Some((state, None))
        }
        Waited::Unavailable(session) => {
            let why = session
                .status_info
                .map_or("no status_info given", |s| s.as_str());
            log::warn!("QoS session {id} became UNAVAILABLE ({why}); deleting it");
            set_computed(&mut state, &session);
            match client.delete_session(&id).await {
                Ok(()) => {
                    root_error(
                        diags,
                        "The network did not make the QoS session available",
                        format!("Session {id} became UNAVAILABLE ({why}), so it was deleted."),
                    );
                    None
                }
                Err(e) => {
                    // Keep it in state (tainted) so that the next apply or destroy removes it.
                    root_error(diags,
                        "The network did not make the QoS session available",
                        format!(
                            "Session {id} became UNAVAILABLE ({why}), and deleting it failed: {e}. It is \
                             kept in state as tainted so that the next apply or destroy removes it."
                        ),
                    );
                    Some((state, None))
                }
            }
        }
        Waited::Gone => {
            root_error(diags,
                "The QoS session disappeared",
                format!("Session {id} was created but the API no longer knows it (404) while waiting for it to become AVAILABLE."),
            );
            None
        }
        Waited::TimedOut(session) => {
            set_computed(&mut state, &session);
            root_error(diags,
                "Timed out waiting for the QoS session",
                format!(
                    "Session {id} was still {} after {timeout:?} (timeouts.create). It is kept in state as \
                     tainted, so the next apply replaces it.",
                    session.qos_status.as_str()
                ),
            );
            Some((state, None))
        }
        Waited::Failed(session, e) => {
            set_computed(&mut state, &session);
            root_error(diags,
                "Failed while waiting for the QoS session",
                format!("Session {id} was created, but reading it failed: {e}. It is kept in state as tainted."),
            );
            Some((state, None))
        }
    }
}
