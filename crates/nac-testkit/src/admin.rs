//! Starting a sandbox (in-process on an ephemeral port, or the `nac-sandbox` binary), and the one
//! client of its admin API (`/_sandbox/...`: faults, sessions, stats, clock, terminate).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use nac_api::wire::SessionInfo;
use nac_sandbox::{RunningSandbox, SandboxConfig, StatsReport};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{json, Value};

/// A sandbox on `127.0.0.1` with a port the system picks, whose sessions are active at once.
pub fn ephemeral_config() -> SandboxConfig {
    SandboxConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        activation_delay: Duration::ZERO,
        ..Default::default()
    }
}

/// `request`, with `body` as its JSON when there is one.
pub fn with_body(request: RequestBuilder, body: Option<&Value>) -> RequestBuilder {
    match body {
        Some(body) => request.json(body),
        None => request,
    }
}

/// Sends `request` (with `body` as its JSON when there is one): the status and the JSON answer,
/// `Null` when the answer is empty.
pub async fn send_json(request: RequestBuilder, body: Option<&Value>) -> (StatusCode, Value) {
    let response = with_body(request, body).send().await.expect("request sent");
    let status = response.status();
    let text = response.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    };
    (status, value)
}

/// Starts the `nac-sandbox` binary with `args`; returns it with the first line it printed (where it
/// listens).
pub fn spawn_binary(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(crate::binary("nac-sandbox"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("nac-sandbox starts");
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    (child, first_line)
}

/// The URL in the binary's first line (`nac-sandbox listening on URL`).
pub fn listening_url(first_line: &str) -> String {
    first_line
        .trim()
        .strip_prefix("nac-sandbox listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first_line:?}"))
        .to_owned()
}

/// Reads a started binary's first stdout line and returns the URL it listens on.
pub fn read_listening_url(child: &mut Child) -> String {
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    listening_url(&first_line)
}

/// A sandbox serving in the background of the current runtime, with its admin client.
pub struct Sandbox {
    pub running: RunningSandbox,
    pub base_url: String,
    pub admin: Admin,
}

pub async fn start_sandbox() -> Sandbox {
    start_sandbox_with(ephemeral_config()).await
}

pub async fn start_sandbox_with(config: SandboxConfig) -> Sandbox {
    let token = config.admin_token.clone();
    let running = nac_sandbox::start(config).await.expect("sandbox starts");
    let base_url = running.base_url();
    Sandbox {
        admin: Admin::new(&base_url).with_token(token),
        running,
        base_url,
    }
}

/// The admin API of the sandbox at `base_url`. It needs no key (but the admin token when the sandbox
/// has one), and its requests are not counted as API requests.
#[derive(Clone)]
pub struct Admin {
    http: reqwest::Client,
    base_url: String,
    token: Option<String>,
}

impl Admin {
    pub fn new(base_url: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base_url: base_url.to_owned(),
            token: None,
        }
    }

    /// Sends `Authorization: Bearer <token>` with every call.
    pub fn with_token(mut self, token: Option<String>) -> Self {
        self.token = token;
        self
    }

    /// `method /_sandbox{path}`, `body` sent as JSON when given: the status and the JSON answer.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let url = format!("{}/_sandbox{path}", self.base_url);
        // The sandbox takes state-changing admin calls as JSON only, even without a body.
        let json = method != Method::GET && method != Method::HEAD;
        let mut request = self.http.request(method, url);
        if json {
            request = request.header(reqwest::header::CONTENT_TYPE, "application/json");
        }
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        send_json(request, body).await
    }

    /// The same, asserting 200 OK; returns the answer.
    pub async fn call_ok(&self, method: Method, path: &str, body: Option<&Value>) -> Value {
        let description = format!("{method} /_sandbox{path}");
        let (status, answer) = self.call(method, path, body).await;
        assert_eq!(status, StatusCode::OK, "{description}: {answer}");
        answer
    }

    /// Sets the faults (`{"latency_ms": 0, "error_rate": 0.2, ...}`).
    pub async fn set_faults(&self, faults: Value) {
        self.call_ok(Method::PUT, "/faults", Some(&faults)).await;
    }

    /// No more injected errors (latency stays as it is).
    pub async fn clear_faults(&self) {
        self.set_faults(json!({"error_rate": 0.0, "post_commit_error_rate": 0.0}))
            .await;
    }

    /// Every session the sandbox holds, as the API shows it.
    pub async fn sessions(&self) -> Vec<SessionInfo> {
        serde_json::from_value(Value::Array(self.sessions_json().await))
            .expect("a list of sessions")
    }

    /// The same, as the JSON the sandbox answers.
    pub async fn sessions_json(&self) -> Vec<Value> {
        match self.call_ok(Method::GET, "/sessions", None).await {
            Value::Array(sessions) => sessions,
            other => panic!("a list of sessions: {other}"),
        }
    }

    pub async fn stats(&self) -> StatsReport {
        serde_json::from_value(self.stats_json().await).expect("stats")
    }

    pub async fn stats_json(&self) -> Value {
        self.call_ok(Method::GET, "/stats", None).await
    }

    /// Moves the sandbox clock forward (sessions expire accordingly).
    pub async fn advance_clock(&self, seconds: f64) {
        self.call_ok(
            Method::POST,
            "/clock",
            Some(&json!({ "advance_seconds": seconds })),
        )
        .await;
    }

    /// The network ends a session (UNAVAILABLE, NETWORK_TERMINATED); returns the session.
    pub async fn terminate(&self, id: &str) -> Value {
        self.call_ok(Method::POST, &format!("/sessions/{id}/terminate"), None)
            .await
    }
}
