//! Creating a session exactly once under faults, and extending one without extending it twice.
//!
//! A create is never repeated blindly. After each failed attempt:
//! - **certainly not applied** (nothing was sent, 429, CAMARA 503 `UNAVAILABLE`): sent again after a back-off;
//! - **maybe applied** (timeout, connection dropped after sending, 500/502/504 and other 5xx, a 2xx whose
//!   body cannot be read): the device's sessions are listed (`POST /retrieve-sessions`) and a session that
//!   matches the request is adopted (see [`matches_request`]); only when none matches is the create sent
//!   again. If that lookup fails too, the call ends with [`ApiError::OutcomeUnknown`] instead of guessing;
//! - anything else (4xx): the error, at once.
//!
//! Within one client, identical create requests run one after another (different ones run in parallel),
//! and every session id the client has returned from a create is never adopted again: two identical
//! sessions for one device each get their own resource.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::Utc;
use reqwest::{Method, Url};

use super::error::{Call, Operation, Tries};
use super::http::Failure;
use super::matching::{candidates, Window};
use super::redact::{loggable_request, Redactor};
use super::response::Shape;
use super::retry::{self, Context};
use super::{ApiError, NacClient};
use nac_api::wire::{CreateSession, ExtendSession, SessionInfo};

/// The ids this client's creates returned (one create call, one session: never handed out twice) and
/// the creates in flight, shared by all clones of a client.
#[derive(Debug, Default)]
pub(crate) struct CreateLedger {
    claimed: Mutex<HashSet<String>>,
    in_flight: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl CreateLedger {
    pub(super) fn claim(&self, id: &str) {
        lock(&self.claimed).insert(id.to_owned());
    }

    pub(super) fn is_claimed(&self, id: &str) -> bool {
        lock(&self.claimed).contains(id)
    }

    /// A lock per distinct request, so identical creates cannot adopt each other's session.
    fn slot(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut in_flight = lock(&self.in_flight);
        // Drop the slots nobody waits on any more, so the map stays as small as the creates in flight.
        in_flight.retain(|_, slot| Arc::strong_count(slot) > 1);
        in_flight.entry(key.to_owned()).or_default().clone()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere cannot leave these sets half-updated in a way that matters.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The request's identity for serialising identical creates (the sink secret left out).
fn request_key(req: &CreateSession) -> String {
    let mut req = req.clone();
    if let Some(credential) = req.sink_credential.as_mut() {
        credential.access_token = None;
    }
    serde_json::to_string(&req).unwrap_or_default()
}

impl NacClient {
    /// The session a create for `req` made although its caller never learnt its id (after an
    /// [`ApiError::OutcomeUnknown`] or an [`ApiError::Ambiguous`], or an apply interrupted mid-create),
    /// by the rule of the adoption after an unclear failure: the single matching session of the device
    /// that started within `window` (give or take [`ADOPT_CLOCK_SKEW`]), not one of `known_ids`, not
    /// already claimed by this client. `Ok(None)` when there is none; [`ApiError::Ambiguous`] when there
    /// are several (none is taken). A session found is claimed: this client will not return it again.
    pub async fn find_created_session(
        &self,
        req: &CreateSession,
        window: Window,
        known_ids: &HashSet<String>,
    ) -> Result<Option<SessionInfo>, ApiError> {
        let mut found = self
            .created_session_candidates(req, window, known_ids)
            .await?;
        match found.len() {
            0 => Ok(None),
            1 => {
                let session = found.remove(0);
                self.inner.creates.claim(&session.session_id);
                Ok(Some(session))
            }
            _ => Err(ApiError::Ambiguous {
                call: Call::unbound(Operation::Create),
                cause: None,
                candidates: found,
                window,
            }),
        }
    }

    /// Every session a create for `req` within `window` may have made (see
    /// [`find_created_session`](Self::find_created_session)), oldest first; none is claimed.
    pub async fn created_session_candidates(
        &self,
        req: &CreateSession,
        window: Window,
        known_ids: &HashSet<String>,
    ) -> Result<Vec<SessionInfo>, ApiError> {
        let device = req.device.clone().unwrap_or_default();
        let sessions = self.device_sessions(&device).await?;
        let offset = self.inner.http.clock.offset();
        Ok(candidates(
            req,
            sessions,
            &[window],
            known_ids,
            &|id| self.inner.creates.is_claimed(id),
            offset,
        ))
    }

    pub(super) async fn create_once(
        &self,
        req: &CreateSession,
        excluded: &HashSet<String>,
    ) -> Result<SessionInfo, ApiError> {
        let inner = &*self.inner;
        let call = Call::unbound(Operation::Create);
        let redactor = inner.redactor.with_request(req);
        let body = serde_json::to_vec(req).map_err(|e| ApiError::InvalidInput {
            call: call.clone(),
            message: format!("the request cannot be encoded as JSON: {e}"),
        })?;
        log::trace!("create session request: {}", loggable_request(req));

        let slot = inner.creates.slot(&request_key(req));
        let _one_at_a_time = slot.lock().await;
        let url = inner.http.url(&["sessions"]);
        // The windows of the attempts that may have been applied (a std mutex: never held across an await).
        let windows: Mutex<Vec<Window>> = Mutex::new(Vec::new());

        let result = retry::run(
            Context {
                policy: &inner.policy,
                call: call.clone(),
                redactor: &redactor,
                counters: &inner.counters,
            },
            || async {
                let sent = Utc::now();
                let failure = match self
                    .post_for_session(url.clone(), body.clone(), &redactor)
                    .await
                {
                    Ok(session) => return Ok(session),
                    Err(failure) => failure,
                };
                let failed = Utc::now();
                // A 409 after an earlier unclear attempt may be that attempt's own session, applied:
                // look in the earlier windows (not in this attempt's, which made nothing).
                let conflict_after_unclear =
                    failure.status() == Some(409) && !lock(&windows).is_empty();
                if !conflict_after_unclear {
                    if failure.certainly_not_applied() || !failure.maybe_applied() {
                        return Err(failure);
                    }
                    lock(&windows).push(Window::new(sent, failed));
                    inner
                        .counters
                        .ambiguous
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                log::debug!(
                    "create session: unclear whether it was applied ({}); looking for it among the device's sessions",
                    redactor.scrub(&failure.summary())
                );
                let windows_now = lock(&windows).clone();
                let span = windows_now
                    .iter()
                    .copied()
                    .reduce(Window::span)
                    .unwrap_or(Window::new(sent, failed));
                let device = req.device.clone().unwrap_or_default();
                let sessions = match self.device_sessions(&device).await {
                    Ok(sessions) => sessions,
                    Err(check) => {
                        return Err(outcome_unknown(&call, failure, check, &redactor, Some(span)))
                    }
                };
                let mut found = candidates(
                    req,
                    sessions,
                    &windows_now,
                    excluded,
                    &|id| inner.creates.is_claimed(id),
                    inner.http.clock.offset(),
                );
                match found.len() {
                    0 => Err(failure),
                    1 => {
                        let session = found.remove(0);
                        inner
                            .counters
                            .adopted
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        log::debug!(
                            "create session: adopted {} created by the unclear attempt",
                            session.session_id
                        );
                        Ok(session)
                    }
                    _ => Err(Failure::Final(ApiError::Ambiguous {
                        call: call.clone(),
                        cause: Some(Box::new(failure.into_api_error(
                            call.clone(),
                            Tries::default(),
                            &redactor,
                        ))),
                        candidates: found,
                        window: span,
                    })),
                }
            },
            worth_sending_again,
        )
        .await;
        if let Ok(session) = &result {
            inner.creates.claim(&session.session_id);
        }
        result
    }

    /// Extends once: before sending, the session's expiry is read; after an unclear failure it is read
    /// again, and a later expiry means the extension was applied (nothing else moves it forward), so it
    /// is not sent twice.
    pub(super) async fn extend_once(
        &self,
        id: &str,
        additional_seconds: i64,
    ) -> Result<SessionInfo, ApiError> {
        let inner = &*self.inner;
        let call = Call {
            operation: Operation::Extend,
            session_id: id.to_owned(),
        };
        let before = self.get_session(id).await?.ok_or_else(|| ApiError::Api {
            call: call.clone(),
            status: 404,
            code: Some("NOT_FOUND".into()),
            message: "the session does not exist".into(),
            tries: Tries::default(),
        })?;
        let body = serde_json::to_vec(&ExtendSession {
            requested_additional_duration: additional_seconds,
        })
        .unwrap_or_default();
        let url = inner.http.url(&["sessions", id, "extend"]);
        retry::run(
            Context {
                policy: &inner.policy,
                call: call.clone(),
                redactor: &inner.redactor,
                counters: &inner.counters,
            },
            || async {
                let failure = match self
                    .post_for_session(url.clone(), body.clone(), &inner.redactor)
                    .await
                {
                    Ok(session) => return Ok(session),
                    Err(failure) => failure,
                };
                if failure.certainly_not_applied() || !failure.maybe_applied() {
                    return Err(failure);
                }
                inner
                    .counters
                    .ambiguous
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                match self.get_session(id).await {
                    Ok(Some(after))
                        if after.expires_at > before.expires_at
                            || after.duration > before.duration =>
                    {
                        Ok(after)
                    }
                    Ok(_) => Err(failure),
                    Err(check) => Err(outcome_unknown(
                        &call,
                        failure,
                        check,
                        &inner.redactor,
                        None,
                    )),
                }
            },
            worth_sending_again,
        )
        .await
    }
}

impl NacClient {
    /// POSTs a body the API answers with a session; a 2xx whose body is not a session is a failure
    /// (the request may still have been applied).
    async fn post_for_session(
        &self,
        url: Url,
        body: Vec<u8>,
        redactor: &Redactor,
    ) -> Result<SessionInfo, Failure> {
        self.inner
            .http
            .send(Method::POST, url, Some(body), redactor)
            .await?
            .json("a session", Shape::Object)
    }
}

/// A non-idempotent call is sent again only when it certainly was not applied, or when it may have
/// been but the check after it found nothing and the failure is transient.
fn worth_sending_again(failure: &Failure) -> bool {
    failure.certainly_not_applied() || (failure.maybe_applied() && failure.is_transient())
}

/// The call may have been applied and the check that would tell could not be made either.
fn outcome_unknown(
    call: &Call,
    failure: Failure,
    check: ApiError,
    redactor: &Redactor,
    window: Option<Window>,
) -> Failure {
    Failure::Final(ApiError::OutcomeUnknown {
        call: call.clone(),
        cause: Box::new(failure.into_api_error(call.clone(), Tries::default(), redactor)),
        check: Box::new(check),
        window,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_key_leaves_the_sink_secret_out() {
        let mut req = CreateSession {
            qos_profile: Some("QOS_L".into()),
            ..Default::default()
        };
        req.sink = Some("https://example.com/n".into());
        req.sink_credential = Some(nac_api::wire::SinkCredential::bearer(
            "sink-secret-token".into(),
            "2030-01-01T00:00:00Z".into(),
        ));
        assert!(!request_key(&req).contains("sink-secret-token"));
    }
}
