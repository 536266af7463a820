//! Helpers shared by the sandbox test binaries: start a sandbox in-process, call its API and admin API.
#![allow(dead_code)]

use std::time::Duration;

use nac::sandbox::{RunningSandbox, SandboxConfig};
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

pub const KEY: &str = "test-key";

pub struct Harness {
    pub sandbox: RunningSandbox,
    pub http: reqwest::Client,
}

pub fn config() -> SandboxConfig {
    SandboxConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        activation_delay: Duration::ZERO,
        ..Default::default()
    }
}

pub async fn start() -> Harness {
    start_with(config()).await
}

pub async fn start_with(config: SandboxConfig) -> Harness {
    Harness {
        sandbox: nac::sandbox::start(config).await.expect("sandbox starts"),
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()
            .unwrap(),
    }
}

/// A valid create body for a device with this phone number.
pub fn create_body(phone: &str) -> Value {
    json!({
        "qosProfile": "QOS_L",
        "device": {"phoneNumber": phone},
        "applicationServer": {"ipv4Address": "198.51.100.7"},
        "duration": 3600
    })
}

impl Harness {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    pub fn qod(&self, path: &str) -> String {
        self.url(&format!("/quality-on-demand/v1{path}"))
    }

    /// An API call with the key; `body` sent as JSON when given.
    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Response {
        let mut req = self
            .http
            .request(method, self.url(path))
            .header("X-RapidAPI-Key", KEY)
            .header("X-RapidAPI-Host", "network-as-code.nokia.rapidapi.com");
        if let Some(body) = body {
            req = req.json(body);
        }
        req.send().await.expect("request sent")
    }

    pub async fn call_json(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let r = self.call(method, path, body).await;
        let status = r.status();
        let text = r.text().await.unwrap();
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
        };
        (status, value)
    }

    /// Creates a session and returns its body (panics unless 201).
    pub async fn create(&self, body: &Value) -> Value {
        let (status, value) = self
            .call_json(Method::POST, "/quality-on-demand/v1/sessions", Some(body))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{value}");
        value
    }

    pub async fn get(&self, id: &str) -> (StatusCode, Value) {
        self.call_json(
            Method::GET,
            &format!("/quality-on-demand/v1/sessions/{id}"),
            None,
        )
        .await
    }

    pub async fn admin(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, self.url(&format!("/_sandbox{path}")));
        if let Some(body) = body {
            req = req.json(body);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn advance_clock(&self, seconds: f64) {
        let (status, body) = self
            .admin(
                Method::POST,
                "/clock",
                Some(&json!({"advance_seconds": seconds})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    pub async fn all_sessions(&self) -> Vec<Value> {
        let (status, body) = self.admin(Method::GET, "/sessions", None).await;
        assert_eq!(status, StatusCode::OK);
        body.as_array().unwrap().clone()
    }

    pub async fn set_faults(&self, faults: Value) {
        let (status, body) = self.admin(Method::PUT, "/faults", Some(&faults)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    pub async fn stats(&self) -> Value {
        self.admin(Method::GET, "/stats", None).await.1
    }
}

/// Asserts a CAMARA error body: exactly `status`, `code` and a non-empty `message`.
pub fn assert_camara_error(status: StatusCode, body: &Value, want_status: u16, want_code: &str) {
    assert_eq!(status.as_u16(), want_status, "{body}");
    assert_eq!(body["status"], json!(want_status), "{body}");
    assert_eq!(body["code"], json!(want_code), "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(!message.is_empty(), "{body}");
    assert_eq!(
        body.as_object().unwrap().len(),
        3,
        "only status, code and message: {body}"
    );
}

/// A local sink: an axum server on 127.0.0.1:0 recording every notification with its headers.
pub mod sink {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::post;
    use axum::Router;
    use serde_json::Value;

    #[derive(Debug, Clone)]
    pub struct Received {
        pub authorization: Option<String>,
        pub content_type: Option<String>,
        pub body: Value,
    }

    #[derive(Clone, Default)]
    pub struct Sink {
        pub received: Arc<Mutex<Vec<Received>>>,
        /// Answer 500 to this many first deliveries (to exercise retries).
        pub fail_first: Arc<Mutex<usize>>,
    }

    async fn receive(State(sink): State<Sink>, headers: HeaderMap, body: String) -> StatusCode {
        {
            let mut fail = sink.fail_first.lock().unwrap();
            if *fail > 0 {
                *fail -= 1;
                return StatusCode::INTERNAL_SERVER_ERROR;
            }
        }
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        sink.received.lock().unwrap().push(Received {
            authorization: header("authorization"),
            content_type: header("content-type"),
            body: serde_json::from_str(&body).unwrap_or(Value::String(body)),
        });
        StatusCode::NO_CONTENT
    }

    impl Sink {
        /// Starts the receiver; returns it and its URL.
        pub async fn start() -> (Sink, String) {
            let sink = Sink::default();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}/notify", listener.local_addr().unwrap());
            let app = Router::new()
                .route("/notify", post(receive))
                .with_state(sink.clone());
            tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
            (sink, url)
        }

        pub fn events(&self) -> Vec<Received> {
            self.received.lock().unwrap().clone()
        }

        /// Waits until `n` events arrived (or panics after a few seconds).
        pub async fn wait_for(&self, n: usize) -> Vec<Received> {
            for _ in 0..200 {
                let events = self.events();
                if events.len() >= n {
                    return events;
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            panic!("expected {n} notifications, got {:?}", self.events());
        }
    }
}
