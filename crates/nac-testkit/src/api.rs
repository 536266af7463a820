//! Raw HTTP against a sandbox's public API, for the tests of the sandbox itself: a harness that
//! starts one in-process, calls it with the gateway headers, and checks CAMARA error bodies.

use nac_sandbox::{RunningSandbox, SandboxConfig};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};

use super::admin::{self, send_json, with_body, Admin};

pub const KEY: &str = "test-key";

/// A request with the headers every NaC client sends through the RapidAPI gateway.
pub fn api_request(http: &reqwest::Client, method: Method, url: &str, key: &str) -> RequestBuilder {
    http.request(method, url)
        .header("X-RapidAPI-Key", key)
        .header("X-RapidAPI-Host", "network-as-code.nokia.rapidapi.com")
}

pub struct Harness {
    pub sandbox: RunningSandbox,
    /// Pooled for the concurrency tests.
    pub http: reqwest::Client,
    pub admin: Admin,
}

/// The sandbox the tests start unless they say otherwise.
pub use admin::ephemeral_config as config;

pub async fn start() -> Harness {
    start_with(config()).await
}

pub async fn start_with(config: SandboxConfig) -> Harness {
    let admin::Sandbox { running, admin, .. } = admin::start_sandbox_with(config).await;
    Harness {
        sandbox: running,
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()
            .unwrap(),
        admin,
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

    /// An access token of the camara flavour for `client` (client credentials, `client_secret_basic`).
    pub async fn client_token(&self, client: &str, secret: &str) -> String {
        let reply = self
            .http
            .post(self.url("/oauth2/token"))
            .basic_auth(client, Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("token request sent");
        let body: Value = reply.json().await.expect("a JSON token reply");
        body["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no access_token for {client}: {body}"))
            .to_owned()
    }

    /// An API request with the key.
    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        api_request(&self.http, method, &self.url(path), KEY)
    }

    /// An API call with the key; `body` sent as JSON when given.
    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Response {
        with_body(self.request(method, path), body)
            .send()
            .await
            .expect("request sent")
    }

    /// The same: the status and the JSON answer (`Null` when empty).
    pub async fn call_json(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        send_json(self.request(method, path), body).await
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

    /// Deletes a session; the response as it came (a 204 has no body).
    pub async fn delete(&self, id: &str) -> Response {
        self.call(
            Method::DELETE,
            &format!("/quality-on-demand/v1/sessions/{id}"),
            None,
        )
        .await
    }

    pub async fn extend(&self, id: &str, body: &Value) -> (StatusCode, Value) {
        self.call_json(
            Method::POST,
            &format!("/quality-on-demand/v1/sessions/{id}/extend"),
            Some(body),
        )
        .await
    }

    /// `POST /retrieve-sessions`: the sessions of the device in `body`.
    pub async fn retrieve(&self, body: &Value) -> (StatusCode, Value) {
        self.call_json(
            Method::POST,
            "/quality-on-demand/v1/retrieve-sessions",
            Some(body),
        )
        .await
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
