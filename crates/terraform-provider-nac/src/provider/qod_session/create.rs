//! The create lifecycle: send the request, keep an unclear outcome as a pending id, take over the
//! device's session on a 409 when asked to, wait for AVAILABLE.

use std::time::Duration;

use chrono::Utc;
use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use super::adopt::{import_hint, on_conflict, Conflict};
use super::mapping::{config_problems, create_request, create_timeout, set_computed};
use super::pending::pending_id;
use super::poll;
use super::{SessionPrivate, SessionState};
use crate::provider::claims::Claims;
use crate::provider::interrupt::or_stopped;
use crate::provider::timeouts::MAX_CREATE_TIMEOUT;
use crate::provider::validation::{report_all, root_error, warning, Known};
use nac_api::wire::{QosStatus, SessionInfo};
use nac_client::{describe_sessions, ApiError, NacClient, Window};

/// How a new session's wait ended.
enum Waited {
    Available(SessionInfo),
    Unavailable(SessionInfo),
    Gone,
    /// Still REQUESTED at the deadline (with the last read error, if reads were failing).
    TimedOut(SessionInfo, Option<ApiError>),
    /// A read failed in a way retrying cannot fix (and the final read did not find it AVAILABLE).
    Failed(SessionInfo, ApiError),
    /// Terraform asked the provider to stop (Ctrl-C).
    Stopped(SessionInfo),
}

/// `now + timeout`, never overflowing: timeouts are validated to at most [`MAX_CREATE_TIMEOUT`], and
/// anything else (impossible by validation) is cut to it.
fn deadline_after(now: tokio::time::Instant, timeout: Duration) -> tokio::time::Instant {
    now.checked_add(timeout.min(MAX_CREATE_TIMEOUT))
        .or_else(|| now.checked_add(Duration::from_secs(60)))
        .unwrap_or(now)
}

/// Polls a new session until it is no longer REQUESTED or the create timeout ends. Transient read
/// failures (429, 5xx, connection errors) are waited out until the deadline, not only for the client's
/// retry budget; before giving up, the session is read once more, so one AVAILABLE by then is never
/// reported as a failure (and left tainted).
async fn wait_until_settled(
    client: &NacClient,
    mut session: SessionInfo,
    timeout: Duration,
) -> Waited {
    let started = tokio::time::Instant::now();
    let deadline = deadline_after(started, timeout);
    let mut interval = poll::FIRST;
    let mut last_error = None;
    let stop = tf_provider::stop_signal();
    loop {
        match session.qos_status {
            QosStatus::Available => return Waited::Available(session),
            QosStatus::Unavailable => return Waited::Unavailable(session),
            QosStatus::Requested => {}
        }
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            break;
        }
        tokio::select! {
            _ = tokio::time::sleep(interval.min(left)) => {}
            _ = stop.cancelled() => return Waited::Stopped(session),
        }
        log::debug!(
            "polling QoS session {} until it is AVAILABLE",
            session.session_id
        );
        // A read may be cut at the deadline: a GET changes nothing.
        let left = deadline
            .saturating_duration_since(tokio::time::Instant::now())
            .max(Duration::from_millis(100));
        let polled = tokio::select! {
            polled = tokio::time::timeout(left, client.get_session(&session.session_id)) => polled,
            _ = stop.cancelled() => return Waited::Stopped(session),
        };
        match polled {
            Ok(Ok(Some(s))) => {
                session = s;
                last_error = None;
            }
            Ok(Ok(None)) => return Waited::Gone,
            Ok(Err(e)) if e.is_transient() => {
                log::debug!(
                    "reading QoS session {} failed ({e}); still waiting until the create timeout",
                    session.session_id
                );
                last_error = Some(e);
            }
            Ok(Err(e)) => {
                return match final_read(client, session).await {
                    Waited::TimedOut(session, _) => Waited::Failed(session, e),
                    settled => settled,
                }
            }
            Err(_) => break,
        }
        interval = poll::next_interval(interval, started.elapsed());
    }
    match final_read(client, session).await {
        Waited::TimedOut(session, None) => Waited::TimedOut(session, last_error),
        other => other,
    }
}

/// One last look before a wait is declared failed.
async fn final_read(client: &NacClient, session: SessionInfo) -> Waited {
    match client.get_session(&session.session_id).await {
        Ok(Some(s)) if s.qos_status == QosStatus::Available => Waited::Available(s),
        Ok(Some(s)) if s.qos_status == QosStatus::Unavailable => Waited::Unavailable(s),
        Ok(Some(s)) => Waited::TimedOut(s, None),
        Ok(None) => Waited::Gone,
        Err(e) => Waited::TimedOut(session, Some(e)),
    }
}

/// The state kept for a create whose outcome is unknown: a pending id with the create's window, so
/// that the next refresh or destroy finds the session if it was made, and takes nothing else.
fn pending_state(mut state: SessionState, window: Window) -> SessionState {
    state.id = Value::Value(pending_id(window));
    state.status = Value::Null;
    state.status_info = Value::Null;
    state.started_at = Value::Null;
    state.expires_at = Value::Null;
    state
}

/// Creates the session of `planned_state` and waits until the network settles it.
pub(super) async fn create(
    client: &NacClient,
    claims: &Claims,
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
    let excluded = claims.snapshot();
    let Some(created) = or_stopped(client.create_session_excluding(&request, &excluded)).await
    else {
        // The create may have reached the API: keep a pending id so that nothing is lost.
        root_error(
            diags,
            "Interrupted while creating the QoS session",
            "Terraform was interrupted while the create was under way; whether the API made the session \
             is unknown. The resource is kept in state as tainted with a pending id: the next plan looks \
             for the session this create made (only one that started while it ran).",
        );
        return Some((
            pending_state(planned_state, Window::new(started, Utc::now())),
            None,
        ));
    };
    let session = match created {
        Ok(s) => s,
        Err(e) if e.is_outcome_unknown() || e.ambiguous_candidates().is_some() => {
            // The session may exist: keep the resource (tainted) so that the next refresh or destroy
            // finds it, rather than leave a session the state does not know.
            let window = e
                .create_window()
                .unwrap_or_else(|| Window::new(started, Utc::now()));
            let hint = e
                .ambiguous_candidates()
                .map(|c| {
                    let ids: Vec<&str> = c.iter().map(|s| s.session_id.as_str()).collect();
                    format!(" {}", import_hint(&ids, true))
                })
                .unwrap_or_default();
            root_error(
                diags,
                "Failed to create the QoS session",
                format!(
                    "{e}. The resource is kept in state as tainted with a pending id: the next plan looks for \
                     the session this create made (only one that started while it ran) and the next apply \
                     replaces it.{hint}"
                ),
            );
            return Some((pending_state(planned_state, window), None));
        }
        Err(e) if e.is_conflict() => {
            let adopt = planned_state.adopt_existing.as_ref_option() == Some(&true);
            match on_conflict(client, claims, &request, &e, adopt).await {
                Conflict::Adopted(session) => {
                    warning(
                        diags,
                        "adopt_existing took over an existing QoS session",
                        format!(
                            "The API refused the create because the device already has session {}, which \
                             matches this configuration and no other resource of it holds; this resource \
                             now manages it. It was not created by this resource: another configuration, \
                             or a person or program using the same API key, may have made it and may \
                             still count on it, and destroying this resource deletes it.",
                            describe_sessions(std::slice::from_ref(&*session))
                        ),
                        AttributePath::new("adopt_existing"),
                    );
                    *session
                }
                Conflict::Refused(message) => {
                    root_error(diags, "Failed to create the QoS session", message);
                    return None;
                }
            }
        }
        Err(e) => {
            root_error(diags, "Failed to create the QoS session", e.to_string());
            return None;
        }
    };
    let id = session.session_id.clone();
    claims.claim(&id);
    log::info!("created QoS session {id} ({})", session.qos_status.as_str());
    settle(client, planned_state, session, diags).await
}

/// Waits for a session of ours and reports how it ended; a session that may still be live stays in
/// state (tainted on error) so that nothing is lost.
async fn settle(
    client: &NacClient,
    mut state: SessionState,
    session: SessionInfo,
    diags: &mut Diagnostics,
) -> Option<(SessionState, Option<SessionPrivate>)> {
    let id = session.session_id.clone();
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
            match super::delete::delete_confirmed(client, &id).await {
                Ok(_) => {
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
        Waited::TimedOut(session, last_error) => {
            set_computed(&mut state, &session);
            let reads = last_error
                .map(|e| format!(" The last read failed: {e}."))
                .unwrap_or_default();
            root_error(diags,
                "Timed out waiting for the QoS session",
                format!(
                    "Session {id} was still {} after {timeout:?} (timeouts.create).{reads} It is kept in state \
                     as tainted, so the next apply replaces it.",
                    session.qos_status.as_str()
                ),
            );
            Some((state, None))
        }
        Waited::Stopped(session) => {
            // Keep the session: in state (tainted unless AVAILABLE) nothing is orphaned.
            set_computed(&mut state, &session);
            root_error(diags,
                "Interrupted while waiting for the QoS session",
                format!(
                    "Terraform was interrupted while session {id} was {}. It is kept in state (tainted): the \
                     next plan refreshes it and replaces it, or `terraform destroy` deletes it.",
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
