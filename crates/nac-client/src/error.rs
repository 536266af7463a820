//! Errors a person can act on: which call, what the API said, how often it was tried and for how long.

use std::fmt;
use std::time::Duration;

use super::matching::Window;
use nac_api::protocol::code;
use nac_api::wire::SessionInfo;

/// The API call an error belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    Create,
    Get,
    Delete,
    Extend,
    RetrieveSessions,
    RetrieveQosProfiles,
    GetQosProfile,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create session",
            Self::Get => "get session",
            Self::Delete => "delete session",
            Self::Extend => "extend session",
            Self::RetrieveSessions => "retrieve device sessions",
            Self::RetrieveQosProfiles => "retrieve QoS profiles",
            Self::GetQosProfile => "get QoS profile",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The call, and the session it was about (empty when none, e.g. create).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub operation: Operation,
    pub session_id: String,
}

impl Call {
    /// A call about no one session (create, retrieve-sessions, the QoS profiles).
    pub fn unbound(operation: Operation) -> Self {
        Self {
            operation,
            session_id: String::new(),
        }
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.session_id.is_empty() {
            write!(f, "{}", self.operation)
        } else {
            write!(f, "{} {}", self.operation, self.session_id)
        }
    }
}

/// How many attempts a call made and the time it took, all retries included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tries {
    pub attempts: u32,
    pub elapsed: Duration,
}

impl fmt::Display for Tries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.attempts {
            0 => Ok(()),
            1 => write!(f, " (after 1 attempt, {:.1} s)", self.elapsed.as_secs_f64()),
            n => write!(
                f,
                " (after {n} attempts over {:.1} s)",
                self.elapsed.as_secs_f64()
            ),
        }
    }
}

/// An API call that failed, with what was tried and what the API said. Never holds a secret: every text
/// taken from a response passes through the client's redactor first.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The client cannot be used as configured (bad base URL, plain http, empty token…).
    #[error("invalid NaC client configuration: {0}")]
    Config(String),

    /// The OAuth2 token endpoint refused the client or could not be used: the provider's `oauth`
    /// settings (or the operator's registration of the client) are wrong. Nothing was sent to the API.
    #[error("OAuth2 client credentials: {message}")]
    Credentials { message: String },

    /// A value passed to the client cannot be sent (e.g. an empty session id).
    #[error("{call}: {message}")]
    InvalidInput { call: Call, message: String },

    /// The API answered with an error status.
    #[error("{call}: HTTP {status}{}{}{}{tries}", code_part(.code), message_part(.message), hint(*.status, .code.as_deref(), .call.operation))]
    Api {
        call: Call,
        status: u16,
        /// The API's error code (`INVALID_ARGUMENT`, …) when it gave one.
        code: Option<String>,
        message: String,
        tries: Tries,
    },

    /// No reply: cannot connect, TLS failure, timeout, connection dropped.
    #[error(
        "{call}: {detail}{tries}. No reply from the API: each attempt waits up to `request_timeout` and \
         `max_retries` more attempts follow; lower them to fail sooner, raise them for a slow API"
    )]
    Connection {
        call: Call,
        detail: String,
        timed_out: bool,
        tries: Tries,
    },

    /// A 404 the QoD service did not write (a gateway's `{"message": …}`, HTML, an empty body): the URL
    /// is wrong, most likely `base_url`. It never means that a session is gone.
    #[error(
        "{call}: HTTP 404 from {url}{}: this is not the QoD API's answer (no CAMARA error body), so it \
         says nothing about the session. Check base_url: it must be the API root (e.g. \
         `http://127.0.0.1:8080` for the sandbox), without `/quality-on-demand/v1` or any other path; the \
         provider appends `/quality-on-demand/v1` itself{tries}",
        message_part(.message)
    )]
    Misrouted {
        call: Call,
        url: String,
        message: String,
        tries: Tries,
    },

    /// After a create whose outcome was unclear, more than one session matches the request and started
    /// within the attempt's window: any of them may be the one it made, so none is taken.
    #[error(
        "{call}: the outcome was unclear{} and {} sessions of the device match the request and started \
         while it was under way ({} to {} on this machine's clock, moved onto the API's clock as its \
         Date headers place it, else give or take {} s), so it cannot be told which one it made and \
         none is taken: {}",
        .cause.as_ref().map(|c| format!(" ({c})")).unwrap_or_default(),
        .candidates.len(),
        nac_api::wire::format_timestamp(&.window.from),
        nac_api::wire::format_timestamp(&.window.to),
        crate::ADOPT_CLOCK_SKEW.num_seconds(),
        describe_sessions(.candidates)
    )]
    Ambiguous {
        call: Call,
        cause: Option<Box<ApiError>>,
        candidates: Vec<SessionInfo>,
        window: Window,
    },

    /// A reply the client cannot read (not JSON, wrong shape, too large).
    #[error("{call}: unexpected response (HTTP {status}): {detail}{tries}")]
    InvalidResponse {
        call: Call,
        status: u16,
        detail: String,
        tries: Tries,
    },

    /// A create (or extend) failed in a way that leaves open whether the API applied it, and the check
    /// that would have told failed too. The session may exist: look at the device's sessions.
    #[error(
        "{call}: the outcome is unknown: {cause}; checking whether it was applied failed too: {check}. \
         A session may exist: list the device's sessions (data source nac_device_sessions) before retrying"
    )]
    OutcomeUnknown {
        call: Call,
        cause: Box<ApiError>,
        check: Box<ApiError>,
        /// For a create: when its unclear attempts were under way (the session, if made, started then).
        window: Option<Window>,
    },
}

/// `id (STATUS, started …, expires …)`, one per session, for messages a person acts on.
pub fn describe_sessions(sessions: &[SessionInfo]) -> String {
    let time = |t: &Option<chrono::DateTime<chrono::Utc>>| {
        t.as_ref()
            .map_or_else(|| "unknown".to_string(), nac_api::wire::format_timestamp)
    };
    sessions
        .iter()
        .map(|s| {
            format!(
                "{} ({}, started {}, expires {})",
                s.session_id,
                s.qos_status.as_str(),
                time(&s.started_at),
                time(&s.expires_at)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn code_part(code: &Option<String>) -> String {
    code.as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| format!(" {c}"))
        .unwrap_or_default()
}

/// What a person can do about statuses whose cause is on their side of the API. CAMARA's codes
/// (`UNAUTHENTICATED`, `PERMISSION_DENIED`, …) come from an operator's OAuth2-protected API.
fn hint(status: u16, code: Option<&str>, operation: Operation) -> String {
    match (status, code) {
        (401, Some(code::UNAUTHENTICATED)) => format!(
            " (the API refused the access token even after a fresh one was fetched: {})",
            crate::token_source::SETTINGS_TO_CHECK
        ),
        (403, Some(code::PERMISSION_DENIED)) => format!(
            " (these credentials may not {operation}: an OAuth2 client needs the scope {} (have the \
             operator grant it to the client, and keep it in the provider's oauth.scopes); a session \
             made by other credentials is not theirs to use)",
            crate::oauth::scope_for(operation)
        ),
        (422, Some(code::MISSING_IDENTIFIER)) => {
            " (this API needs the device named: set the device block; the access token does not \
             identify one)"
                .into()
        }
        (422, Some(code::UNNECESSARY_IDENTIFIER)) => {
            " (the access token already identifies the device (a 3-legged token): leave out the device \
             block)"
                .into()
        }
        (409, Some(code::SESSION_EXTENSION_NOT_ALLOWED)) => {
            " (the operator does not allow this session to be extended: raise duration to replace it \
             with a new session, or let it expire)"
                .into()
        }
        (401 | 403, _) => " (check the API token and that it is meant for this environment)".into(),
        _ => String::new(),
    }
}

fn message_part(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(" {message:?}")
    }
}

impl ApiError {
    /// The HTTP status the API answered with, when it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } | Self::InvalidResponse { status, .. } => Some(*status),
            Self::OutcomeUnknown { cause, .. } => cause.status(),
            Self::Ambiguous { cause, .. } => cause.as_ref().and_then(|c| c.status()),
            Self::Misrouted { .. } => Some(404),
            _ => None,
        }
    }

    /// The API's error code (`INVALID_ARGUMENT`, `CONFLICT`, …), when it gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// A create or extend may or may not have been applied, and checking failed too (the API went away
    /// mid-call). For a create, the session may exist: record that it is pending (with the time the call
    /// started) and resolve it later with `NacClient::find_created_session`.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Self::OutcomeUnknown { .. })
    }

    /// The API answered 404 with its own (CAMARA) body. A misrouted 404 is not this.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Api { status: 404, .. })
    }

    /// The API refused a create because the device already has a session (409 `CONFLICT`).
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Api { status: 409, .. })
    }

    /// CAMARA's 409 `QUALITY_ON_DEMAND.SESSION_EXTENSION_NOT_ALLOWED`: this session cannot be extended.
    pub fn is_extension_not_allowed(&self) -> bool {
        self.code() == Some(code::SESSION_EXTENSION_NOT_ALLOWED)
    }

    /// The OAuth2 token endpoint refused the client (see [`ApiError::Credentials`]).
    pub fn is_credentials(&self) -> bool {
        matches!(self, Self::Credentials { .. })
    }

    /// For a create whose outcome is unknown or ambiguous: when its unclear attempts were under way.
    pub fn create_window(&self) -> Option<Window> {
        match self {
            Self::OutcomeUnknown { window, .. } => *window,
            Self::Ambiguous { window, .. } => Some(*window),
            _ => None,
        }
    }

    /// Several sessions may be the one an unclear create made (see [`ApiError::Ambiguous`]).
    pub fn ambiguous_candidates(&self) -> Option<&[SessionInfo]> {
        match self {
            Self::Ambiguous { candidates, .. } => Some(candidates),
            _ => None,
        }
    }

    /// The API rejected what was sent (4xx other than 404, 408 and 429): retrying the same request is pointless.
    pub fn is_client_error(&self) -> bool {
        matches!(self, Self::Api { status, .. } if (400..500).contains(status) && ![404, 408, 429].contains(status))
    }

    /// Retrying later may help (the API was unreachable, overloaded or failing).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Connection { .. } | Self::OutcomeUnknown { .. } => true,
            Self::Api { status, .. } => nac_api::protocol::is_transient_status(*status),
            _ => false,
        }
    }

    /// The call this error belongs to (none for configuration errors).
    pub fn call(&self) -> Option<&Call> {
        match self {
            Self::InvalidInput { call, .. }
            | Self::Api { call, .. }
            | Self::Connection { call, .. }
            | Self::InvalidResponse { call, .. }
            | Self::Misrouted { call, .. }
            | Self::Ambiguous { call, .. }
            | Self::OutcomeUnknown { call, .. } => Some(call),
            Self::Config(_) | Self::Credentials { .. } => None,
        }
    }

    pub fn operation(&self) -> Option<Operation> {
        self.call().map(|c| c.operation)
    }

    /// Attempts made and time spent.
    pub fn tries(&self) -> Option<Tries> {
        match self {
            Self::Api { tries, .. }
            | Self::Connection { tries, .. }
            | Self::InvalidResponse { tries, .. }
            | Self::Misrouted { tries, .. } => Some(*tries),
            Self::OutcomeUnknown { cause, .. } => cause.tries(),
            Self::Ambiguous { cause, .. } => cause.as_ref().and_then(|c| c.tries()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(operation: Operation, id: &str) -> Call {
        Call {
            operation,
            session_id: id.into(),
        }
    }

    #[test]
    fn api_errors_read_like_a_sentence() {
        let err = ApiError::Api {
            call: call(Operation::Create, ""),
            status: 503,
            code: Some("UNAVAILABLE".into()),
            message: "Service unavailable".into(),
            tries: Tries {
                attempts: 4,
                elapsed: Duration::from_millis(2300),
            },
        };
        assert_eq!(
            err.to_string(),
            r#"create session: HTTP 503 UNAVAILABLE "Service unavailable" (after 4 attempts over 2.3 s)"#
        );
        assert_eq!(err.status(), Some(503));
        assert_eq!(err.code(), Some("UNAVAILABLE"));
        assert!(err.is_transient() && !err.is_not_found() && !err.is_client_error());

        let gone = ApiError::Api {
            call: call(Operation::Get, "abc"),
            status: 404,
            code: None,
            message: String::new(),
            tries: Tries {
                attempts: 1,
                elapsed: Duration::ZERO,
            },
        };
        assert_eq!(
            gone.to_string(),
            "get session abc: HTTP 404 (after 1 attempt, 0.0 s)"
        );
        assert!(gone.is_not_found());
        assert_eq!(gone.operation(), Some(Operation::Get));
    }
}
