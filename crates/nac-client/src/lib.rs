//! A thin client of the NaC QoD API. It knows nothing of Terraform, and shares only the API model
//! (`nac-api`) with the sandbox.
//!
//! CONTRACT (used by the `terraform-provider-nac` crate): the signatures below are stable.
//!
//! - Requests go to `<base_url>/quality-on-demand/v1/…` (QoS profiles:
//!   `<base_url>/qos-profiles/v1/…`) with `X-RapidAPI-Key` and `X-RapidAPI-Host`, or,
//!   for a CAMARA operator (`ClientConfig::oauth`), with an OAuth2 bearer token (client credentials;
//!   one token per client, shared, renewed before it expires and once after a 401), and always with a
//!   fresh `x-correlator`.
//! - Calls that are safe to repeat (get, delete, retrieve-sessions) are retried on 408/429/5xx and
//!   connection failures with exponential back-off and jitter, honouring `Retry-After`, bounded by
//!   `max_retries` and `total_timeout`.
//! - Creates and extends are never repeated blindly: see this crate's `README.md` for the rules.
//! - One HTTP connection pool per client; clones share it (and share the create ledger).
//! - Secrets: the token is only ever put in a sensitive header; every text from a reply or a lower layer
//!   is scrubbed of the token and the sink access token before it reaches a log line or an error.

use std::collections::HashSet;
use std::sync::Arc;

use reqwest::Method;

use nac_api::wire::{CreateSession, Device, RetrieveSessions, SessionInfo};

mod api_clock;
mod assertion;
mod config;
mod create;
mod error;
mod http;
mod list;
mod matching;
mod oauth;
mod profiles;
mod redact;
mod response;
mod retry;
mod token_source;

pub use api_clock::Offset;
pub use config::{
    ClientConfig, Environment, DEFAULT_MAX_RETRIES, DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_RETRY_BASE_DELAY, DEFAULT_RETRY_MAX_DELAY, DEFAULT_TOTAL_TIMEOUT, MAX_REQUEST_TIMEOUT,
    QOD_PREFIX,
};
pub use error::{describe_sessions, ApiError, Call, Operation, Tries};
pub use list::ListUnavailable;
pub use oauth::{scope_for, ClientAuth, OAuthConfig, TokenEndpoint, DEFAULT_SCOPES};
pub use profiles::Served;

/// What a `DELETE` was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    /// 2xx: the API deleted it.
    Deleted,
    /// The API's own 404 `NOT_FOUND`: it says there is no such session (under this key).
    NotFound,
}
pub use matching::{differences, matches_request, Window, ADOPT_CLOCK_SKEW};
pub use response::MAX_BODY_BYTES;
pub use retry::ClientStats;

use error::Call as CallInfo;
use http::{Failure, Http};
use redact::Redactor;
use response::Shape;
use retry::{Context, Counters, RetryPolicy};

/// The client. Cheap to clone: clones share one connection pool, counters and create ledger.
#[derive(Debug, Clone)]
pub struct NacClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: ClientConfig,
    http: Http,
    policy: RetryPolicy,
    redactor: Redactor,
    counters: Counters,
    creates: create::CreateLedger,
}

impl NacClient {
    /// Checks the configuration (URL, scheme, token) and builds the connection pool. No request is sent.
    pub fn new(config: ClientConfig) -> Result<Self, ApiError> {
        let http = Http::new(&config)?;
        Ok(Self {
            inner: Arc::new(Inner {
                policy: RetryPolicy::from_config(&config),
                redactor: Redactor::new(
                    std::iter::once(config.token.expose())
                        .chain(config.oauth.as_ref().map(|o| o.client_auth.secret())),
                ),
                http,
                config,
                counters: Counters::default(),
                creates: Default::default(),
            }),
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The API's current time (from its last reply's `Date` header; ours before any reply): session
    /// expiries are in its time.
    pub fn api_now(&self) -> chrono::DateTime<chrono::Utc> {
        self.inner.http.clock.now()
    }

    /// Whether a reply has shown the API's clock yet.
    pub fn api_clock_known(&self) -> bool {
        self.inner.http.clock.known()
    }

    /// Requests, retries and adoptions so far.
    pub fn stats(&self) -> ClientStats {
        ClientStats {
            token_requests: self.inner.http.token_requests(),
            ..self.inner.counters.snapshot()
        }
    }

    /// `POST /sessions`. Never creates two sessions for one call (ambiguous failures adopt a match).
    pub async fn create_session(&self, req: &CreateSession) -> Result<SessionInfo, ApiError> {
        self.create_once(req, &HashSet::new()).await
    }

    /// Like [`create_session`](Self::create_session), but never adopts one of `known_ids` (sessions the
    /// caller already manages) after an ambiguous failure.
    pub async fn create_session_excluding(
        &self,
        req: &CreateSession,
        known_ids: &HashSet<String>,
    ) -> Result<SessionInfo, ApiError> {
        self.create_once(req, known_ids).await
    }

    /// Catches a `base_url` whose path makes every call miss the API (e.g. `http://host/v1`): only when
    /// it has a path, one GET of a session id that cannot exist; the API answers that with its own 404,
    /// a wrong path with the gateway's. Any other outcome (unreachable, 401…) is left to the real calls.
    pub async fn check_root(&self) -> Result<(), ApiError> {
        let has_path = reqwest::Url::parse(self.inner.config.effective_base_url())
            .is_ok_and(|url| !url.path().trim_matches('/').is_empty());
        if !has_path {
            return Ok(());
        }
        let url = self
            .inner
            .http
            .url(&["sessions", "00000000-0000-0000-0000-000000000000"]);
        let started = std::time::Instant::now();
        match self
            .inner
            .http
            .send(Method::GET, url, None, &self.inner.redactor)
            .await
        {
            Ok(reply) if reply.status == 404 && !reply.is_session_not_found() => {
                match reply.into_success() {
                    Ok(_) => Ok(()),
                    Err(failure) => Err(failure.into_api_error(
                        self.call(Operation::Get, "00000000-0000-0000-0000-000000000000")
                            .unwrap_or(CallInfo::unbound(Operation::Get)),
                        Tries {
                            attempts: 1,
                            elapsed: started.elapsed(),
                        },
                        &self.inner.redactor,
                    )),
                }
            }
            _ => Ok(()),
        }
    }

    /// Whether the API takes these credentials: one read of a session id that cannot exist, which a
    /// good key and URL answer with the API's own 404 (a wrong key with 401/403, a wrong URL with a
    /// gateway's 404 or no answer).
    pub async fn check_credentials(&self) -> Result<(), ApiError> {
        self.get_session("00000000-0000-0000-0000-000000000000")
            .await
            .map(drop)
    }

    /// `GET /sessions/{id}`; `Ok(None)` only when the API answers its own 404 (CAMARA `NOT_FOUND`).
    pub async fn get_session(&self, id: &str) -> Result<Option<SessionInfo>, ApiError> {
        let call = self.call(Operation::Get, id)?;
        let url = self.inner.http.url(&["sessions", id]);
        self.retrying(call, || async {
            let reply = self
                .inner
                .http
                .send(Method::GET, url.clone(), None, &self.inner.redactor)
                .await?;
            if reply.is_session_not_found() {
                return Ok(None);
            }
            reply.json("a session", Shape::Object).map(Some)
        })
        .await
    }

    /// `DELETE /sessions/{id}`: [`Deleted::Deleted`] on success, [`Deleted::NotFound`] when the API
    /// answered its own 404 (one answer: a caller that must know the session is gone confirms it).
    pub async fn delete_session(&self, id: &str) -> Result<Deleted, ApiError> {
        let call = self.call(Operation::Delete, id)?;
        let url = self.inner.http.url(&["sessions", id]);
        self.retrying(call, || async {
            let reply = self
                .inner
                .http
                .send(Method::DELETE, url.clone(), None, &self.inner.redactor)
                .await?;
            if reply.is_session_not_found() {
                return Ok(Deleted::NotFound);
            }
            reply.into_success().map(|_| Deleted::Deleted)
        })
        .await
    }

    /// `POST /sessions/{id}/extend`. Applied at most once (see the crate's `README.md`).
    pub async fn extend_session(
        &self,
        id: &str,
        additional_seconds: i64,
    ) -> Result<SessionInfo, ApiError> {
        self.call(Operation::Extend, id)?;
        self.extend_once(id, additional_seconds).await
    }

    /// `POST /retrieve-sessions`; NaC's 404 "QoS subscription not found" reads as an empty list.
    pub async fn device_sessions(&self, device: &Device) -> Result<Vec<SessionInfo>, ApiError> {
        let body = RetrieveSessions {
            device: device.clone(),
        };
        let url = self.inner.http.url(&["retrieve-sessions"]);
        self.post_read(
            Operation::RetrieveSessions,
            url,
            &body,
            "the device",
            |reply| {
                if reply.is_no_subscriptions() {
                    return Ok(Vec::new());
                }
                reply.json("a list of sessions", Shape::Array)
            },
        )
        .await
    }

    /// A read sent as a POST (`body`, named `what` in an encoding error, encoded once), retried like
    /// any read; `answer` turns each reply into the result.
    async fn post_read<T>(
        &self,
        operation: Operation,
        url: reqwest::Url,
        body: &impl serde::Serialize,
        what: &str,
        answer: impl Fn(http::Reply) -> Result<T, Failure>,
    ) -> Result<T, ApiError> {
        let call = CallInfo::unbound(operation);
        let body = serde_json::to_vec(body).map_err(|e| ApiError::InvalidInput {
            call: call.clone(),
            message: format!("{what} cannot be encoded as JSON: {e}"),
        })?;
        self.retrying(call, || async {
            let reply = self
                .inner
                .http
                .send(
                    Method::POST,
                    url.clone(),
                    Some(body.clone()),
                    &self.inner.redactor,
                )
                .await?;
            answer(reply)
        })
        .await
    }

    fn call(&self, operation: Operation, id: &str) -> Result<CallInfo, ApiError> {
        let call = CallInfo {
            operation,
            session_id: id.to_owned(),
        };
        if id.trim().is_empty() {
            return Err(ApiError::InvalidInput {
                call,
                message: "the session id is empty".into(),
            });
        }
        Ok(call)
    }

    /// Runs a call that is safe to repeat.
    async fn retrying<T, F, Fut>(&self, call: CallInfo, attempt: F) -> Result<T, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, Failure>>,
    {
        retry::run(
            Context {
                policy: &self.inner.policy,
                call,
                redactor: &self.inner.redactor,
                counters: &self.inner.counters,
            },
            attempt,
            Failure::is_transient,
        )
        .await
    }
}
