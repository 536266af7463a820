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
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use ipnet::IpNet;
use reqwest::{Method, Url};

use super::error::{Call, Operation, Tries};
use super::http::{Failure, Reply};
use super::redact::{loggable_request, Redactor};
use super::response::{parse_json, Shape};
use super::retry::{self, Context};
use super::{ApiError, NacClient};
use crate::rules::DEFAULT_DURATION;
use crate::wire::{CreateSession, Device, ExtendSession, PortsSpec, SessionInfo, StatusInfo};

/// How far the API's clock may be from ours, on each side of an attempt's window: a session whose
/// `startedAt` is this much before the attempt was sent, or after its failure, can still be its own.
/// Small on purpose: every second more is a second in which another client's identical create could
/// be taken for ours.
pub const ADOPT_CLOCK_SKEW: ChronoDuration = ChronoDuration::seconds(5);

/// When a create attempt may have made its session: from sending it to learning it failed (our clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Window {
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        Self {
            from: from.min(to),
            to: from.max(to),
        }
    }

    /// The smallest window holding both.
    pub fn span(self, other: Window) -> Window {
        Window::new(self.from.min(other.from), self.to.max(other.to))
    }

    /// Whether a session started at `t` (the API's clock) may come from this window, skew allowed.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        let from = self
            .from
            .checked_sub_signed(ADOPT_CLOCK_SKEW)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let to = self
            .to
            .checked_add_signed(ADOPT_CLOCK_SKEW)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        from <= t && t <= to
    }
}

/// The ids this client handed out and the creates in flight, shared by all clones of a client.
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

/// Decides whether `session` is what `req` asked for: same profile, application server addresses, ports,
/// duration and sink, and no device identifier that differs (the API may return fewer identifiers than
/// were sent). A session ended by a delete is never a match.
pub fn matches_request(req: &CreateSession, session: &SessionInfo) -> bool {
    differences(req, session).is_empty() && session.status_info != Some(StatusInfo::DeleteRequested)
}

/// The request fields (wire names) in which `session` differs from what `req` asks for, by the rule of
/// [`matches_request`]: equal spellings of one address, port order and duplicates do not count. The
/// duration is the session's total (`duration`, extensions included) against the requested one.
pub fn differences(req: &CreateSession, session: &SessionInfo) -> Vec<&'static str> {
    let mut out = Vec::new();
    if req.qos_profile.as_deref() != Some(session.qos_profile.as_str()) {
        out.push("qosProfile");
    }
    if match (&req.device, &session.device) {
        (Some(asked), Some(got)) => !same_device(asked, got),
        _ => false,
    } {
        out.push("device");
    }
    let asked = req.application_server.clone().unwrap_or_default();
    if !same_net(
        asked.ipv4_address.as_deref(),
        session.application_server.ipv4_address.as_deref(),
    ) {
        out.push("applicationServer.ipv4Address");
    }
    if !same_net(
        asked.ipv6_address.as_deref(),
        session.application_server.ipv6_address.as_deref(),
    ) {
        out.push("applicationServer.ipv6Address");
    }
    if !same_ports(
        req.application_server_ports.as_ref(),
        session.application_server_ports.as_ref(),
    ) {
        out.push("applicationServerPorts");
    }
    if !same_ports(req.device_ports.as_ref(), session.device_ports.as_ref()) {
        out.push("devicePorts");
    }
    if non_empty(req.sink.as_deref()) != non_empty(session.sink.as_deref()) {
        out.push("sink");
    }
    if req.duration.unwrap_or(DEFAULT_DURATION) != session.duration {
        out.push("duration");
    }
    out
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// An address or a CIDR block in canonical form, so `10.0.0.1` equals `10.0.0.1/32`.
fn canonical_net(value: &str) -> String {
    let value = value.trim();
    if let Ok(net) = value.parse::<IpNet>() {
        return net.to_string();
    }
    if let Ok(ip) = value.parse::<IpAddr>() {
        return IpNet::from(ip).to_string();
    }
    value.to_owned()
}

fn same_net(a: Option<&str>, b: Option<&str>) -> bool {
    non_empty(a).map(canonical_net) == non_empty(b).map(canonical_net)
}

fn same_ports(a: Option<&PortsSpec>, b: Option<&PortsSpec>) -> bool {
    fn normal(spec: Option<&PortsSpec>) -> (Vec<i64>, Vec<(i64, i64)>) {
        let mut ports = spec.and_then(|s| s.ports.clone()).unwrap_or_default();
        ports.sort_unstable();
        ports.dedup();
        let mut ranges: Vec<(i64, i64)> = spec
            .and_then(|s| s.ranges.as_ref())
            .map(|r| r.iter().map(|r| (r.from, r.to)).collect())
            .unwrap_or_default();
        ranges.sort_unstable();
        ranges.dedup();
        (ports, ranges)
    }
    normal(a) == normal(b)
}

/// Identifiers present on both sides must agree.
fn same_device(asked: &Device, got: &Device) -> bool {
    fn agree(a: Option<&str>, b: Option<&str>, eq: fn(&str, &str) -> bool) -> bool {
        match (non_empty(a), non_empty(b)) {
            (Some(a), Some(b)) => eq(a, b),
            _ => true,
        }
    }
    let text = |a: &str, b: &str| a == b;
    let ip = |a: &str, b: &str| canonical_net(a) == canonical_net(b);
    let ipv4 = match (&asked.ipv4_address, &got.ipv4_address) {
        (Some(a), Some(b)) => {
            agree(a.public_address.as_deref(), b.public_address.as_deref(), ip)
                && agree(
                    a.private_address.as_deref(),
                    b.private_address.as_deref(),
                    ip,
                )
                && match (a.public_port, b.public_port) {
                    (Some(x), Some(y)) => x == y,
                    _ => true,
                }
        }
        _ => true,
    };
    ipv4 && agree(
        asked.phone_number.as_deref(),
        got.phone_number.as_deref(),
        text,
    ) && agree(
        asked.network_access_identifier.as_deref(),
        got.network_access_identifier.as_deref(),
        |a, b| a.eq_ignore_ascii_case(b),
    ) && agree(
        asked.ipv6_address.as_deref(),
        got.ipv6_address.as_deref(),
        ip,
    )
}

/// Among `sessions`, those an unclear create for `req` may have made: a match whose `startedAt` lies in
/// one of the attempts' `windows`, not excluded, not already handed out by this client. A session
/// without `startedAt` cannot be placed and is never a candidate. Only a single candidate may be
/// adopted: with two, either could be another client's.
fn candidates(
    req: &CreateSession,
    sessions: Vec<SessionInfo>,
    windows: &[Window],
    excluded: &HashSet<String>,
    ledger: &CreateLedger,
) -> Vec<SessionInfo> {
    let mut found: Vec<SessionInfo> = sessions
        .into_iter()
        .filter(|s| matches_request(req, s))
        .filter(|s| {
            s.started_at
                .is_some_and(|t| windows.iter().any(|w| w.contains(t)))
        })
        .filter(|s| !excluded.contains(&s.session_id) && !ledger.is_claimed(&s.session_id))
        .collect();
    found.sort_by(|a, b| (a.started_at, &a.session_id).cmp(&(b.started_at, &b.session_id)));
    found.dedup_by(|a, b| a.session_id == b.session_id);
    found
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
                call: Call {
                    operation: Operation::Create,
                    session_id: String::new(),
                },
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
        Ok(candidates(
            req,
            sessions,
            &[window],
            known_ids,
            &self.inner.creates,
        ))
    }

    pub(super) async fn create_once(
        &self,
        req: &CreateSession,
        excluded: &HashSet<String>,
    ) -> Result<SessionInfo, ApiError> {
        let inner = &*self.inner;
        let call = Call {
            operation: Operation::Create,
            session_id: String::new(),
        };
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
                let mut found = candidates(req, sessions, &windows_now, excluded, &inner.creates);
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
        let reply = self
            .inner
            .http
            .send(Method::POST, url, Some(body), redactor)
            .await
            .and_then(Reply::into_success)?;
        parse_json::<SessionInfo>(
            &reply.body,
            reply.content_type.as_deref(),
            "a session",
            Shape::Object,
        )
        .map_err(|detail| Failure::Invalid {
            status: reply.status,
            detail,
        })
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
    use crate::wire::{ApplicationServer, DeviceIpv4Address, PortRange, QosStatus};

    fn request() -> CreateSession {
        CreateSession {
            qos_profile: Some("QOS_L".into()),
            device: Some(Device {
                phone_number: Some("+3670123456".into()),
                ipv4_address: Some(DeviceIpv4Address {
                    public_address: Some("233.252.0.2".into()),
                    private_address: Some("192.0.2.25".into()),
                    public_port: None,
                }),
                ..Default::default()
            }),
            application_server: Some(ApplicationServer {
                ipv4_address: Some("233.252.0.9".into()),
                ipv6_address: None,
            }),
            duration: Some(3600),
            application_server_ports: Some(PortsSpec {
                ranges: Some(vec![PortRange { from: 80, to: 443 }]),
                ports: Some(vec![8080, 22]),
            }),
            ..Default::default()
        }
    }

    fn session_for(req: &CreateSession, id: &str, started: DateTime<Utc>) -> SessionInfo {
        SessionInfo {
            session_id: id.into(),
            qos_profile: req.qos_profile.clone().unwrap(),
            device: req.device.clone(),
            application_server: req.application_server.clone().unwrap(),
            device_ports: req.device_ports.clone(),
            application_server_ports: req.application_server_ports.clone(),
            sink: req.sink.clone(),
            duration: req.duration.unwrap_or(DEFAULT_DURATION),
            started_at: Some(started),
            expires_at: None,
            qos_status: QosStatus::Requested,
            status_info: None,
        }
    }

    #[test]
    fn a_session_matches_the_request_that_made_it() {
        let req = request();
        let now = Utc::now();
        let mut session = session_for(&req, "a", now);
        assert!(matches_request(&req, &session));

        // Equivalent spellings still match.
        session.application_server.ipv4_address = Some("233.252.0.9/32".into());
        session.application_server_ports.as_mut().unwrap().ports = Some(vec![22, 8080]);
        session.device.as_mut().unwrap().ipv4_address = None;
        assert!(matches_request(&req, &session));

        type Change = Box<dyn Fn(&mut SessionInfo)>;
        let variants: Vec<Change> = vec![
            Box::new(|s| s.qos_profile = "QOS_M".into()),
            Box::new(|s| s.duration = 86400),
            Box::new(|s| s.application_server.ipv6_address = Some("2001:db8::1".into())),
            Box::new(|s| {
                s.device_ports = Some(PortsSpec {
                    ranges: None,
                    ports: Some(vec![1]),
                })
            }),
            Box::new(|s| s.sink = Some("https://example.com/n".into())),
            Box::new(|s| s.device.as_mut().unwrap().phone_number = Some("+3699999999".into())),
            Box::new(|s| s.status_info = Some(StatusInfo::DeleteRequested)),
        ];
        for change in variants {
            let mut other = session_for(&req, "b", now);
            change(&mut other);
            assert!(!matches_request(&req, &other), "{other:?}");
        }
    }

    #[test]
    fn adoption_needs_one_candidate_inside_the_window() {
        let req = request();
        let now = Utc::now();
        let window = Window::new(now, now + ChronoDuration::seconds(2));
        let ledger = CreateLedger::default();
        let excluded: HashSet<String> = ["known".to_string()].into();
        let mut undated = session_for(&req, "undated", now);
        undated.started_at = None;
        let sessions = vec![
            session_for(&req, "before", now - ChronoDuration::seconds(6)),
            session_for(&req, "after", now + ChronoDuration::seconds(8)),
            session_for(&req, "known", now),
            session_for(&req, "claimed", now),
            undated,
            session_for(&req, "mine", now + ChronoDuration::seconds(1)),
        ];
        ledger.claim("claimed");
        let found = candidates(&req, sessions.clone(), &[window], &excluded, &ledger);
        let ids: Vec<&str> = found.iter().map(|s| s.session_id.as_str()).collect();
        assert_eq!(ids, ["mine"]);
        // The skew allowance: 4 s before sending is still inside.
        let early = session_for(&req, "early", now - ChronoDuration::seconds(4));
        let mut two = sessions.clone();
        two.push(early);
        let found = candidates(&req, two, &[window], &excluded, &ledger);
        assert_eq!(found.len(), 2, "{found:?}");
        ledger.claim("mine");
        assert!(candidates(&req, sessions, &[window], &excluded, &ledger).is_empty());
        // Checked arithmetic at the ends of time.
        let edge = Window::new(DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC);
        assert!(edge.contains(now));
    }

    #[test]
    fn differences_name_the_fields() {
        let req = request();
        let mut session = session_for(&req, "a", Utc::now());
        assert!(differences(&req, &session).is_empty());
        session.qos_profile = "QOS_M".into();
        session.duration = 7200;
        assert_eq!(differences(&req, &session), ["qosProfile", "duration"]);
    }

    #[test]
    fn the_request_key_leaves_the_sink_secret_out() {
        let mut req = request();
        req.sink = Some("https://example.com/n".into());
        req.sink_credential = Some(crate::wire::SinkCredential::bearer(
            "sink-secret-token".into(),
            "2030-01-01T00:00:00Z".into(),
        ));
        assert!(!request_key(&req).contains("sink-secret-token"));
    }
}
