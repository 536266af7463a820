//! `GET /sessions` (NaC's `getAllSessions`): every session of the caller's API key in one reply.
//!
//! Neither Nokia SDK calls it and the CAMARA standard does not define it, so it is only an optimisation
//! for refreshes: one attempt, no retries (the caller falls back to per-session GETs), and a reason
//! instead of an `ApiError` when it is not served, because nobody acts on that reason but a debug log.

use std::sync::atomic::Ordering;

use reqwest::Method;

use super::response::{parse_json, Shape};
use super::NacClient;
use nac_api::wire::SessionInfo;

/// Why the list could not be used (for a debug log; already scrubbed of secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListUnavailable(pub String);

impl std::fmt::Display for ListUnavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl NacClient {
    /// All sessions the API key can see, from one `GET /sessions`. Any failure (an error status, a
    /// gateway that does not route the path, a body that is not an array of sessions, no connection)
    /// is `Err`: the list is then not to be relied on, never a sign that a session is gone.
    pub async fn list_sessions(&self) -> Result<Vec<SessionInfo>, ListUnavailable> {
        let inner = &*self.inner;
        let url = inner.http.url(&["sessions"]);
        inner.counters.requests.fetch_add(1, Ordering::Relaxed);
        let scrub = |text: String| ListUnavailable(inner.redactor.scrub(&text));
        let reply = inner
            .http
            .send(Method::GET, url, None, &inner.redactor)
            .await
            .map_err(|failure| scrub(failure.summary()))?;
        if !reply.is_success() {
            return Err(scrub(format!("HTTP {}", reply.status)));
        }
        parse_json(
            &reply.body,
            reply.content_type.as_deref(),
            "a list of sessions",
            Shape::Array,
        )
        .map_err(scrub)
    }
}
