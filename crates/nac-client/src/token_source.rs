//! Access tokens for a CAMARA operator: the client credentials grant as one form POST on the client's
//! own connection pool (same TLS stack, timeouts, no redirects), the token endpoint discovered from the
//! issuer when not given, and one token per client cached until shortly before it expires. Callers wait
//! on one lock while a token is fetched, so concurrent calls share one token request.
//!
//! Neither the access token nor the client's secret or key is ever logged or put in an error.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderValue, ACCEPT};
use reqwest::Url;
use serde::Deserialize;
use tokio::sync::{Mutex, OnceCell};

use super::assertion::Signer;
use super::http::Failure;
use super::oauth::{ClientAuth, OAuthConfig, TokenEndpoint};
use super::redact::Redactor;
use super::response::excerpt;
use super::ApiError;

/// `client_assertion_type` for `private_key_jwt`.
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// A token is replaced this long before it expires (or at 10 % of its life left, if that is longer).
const REFRESH_MARGIN: Duration = Duration::from_secs(30);
/// Assumed lifetime of a token whose reply gives no `expires_in`.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);
/// The settings a person checks when the token endpoint refuses the client.
pub(crate) const SETTINGS_TO_CHECK: &str = "check the provider's oauth settings: client_id, client_auth \
     and its client_secret (or private_key_pem and key_id for private_key_jwt), and token_url or issuer";

#[derive(Clone)]
struct Cached {
    header: HeaderValue,
    refresh_at: Instant,
}

pub(crate) struct TokenSource {
    client: reqwest::Client,
    config: OAuthConfig,
    signer: Option<Signer>,
    allow_insecure_http: bool,
    token_url: OnceCell<Url>,
    cached: Mutex<Option<Cached>>,
    requests: AtomicU64,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource")
            .field("client_id", &self.config.client_id)
            .field("client_auth", &self.config.client_auth)
            .field("endpoint", &self.config.endpoint)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct OAuthErrorReply {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

#[derive(Deserialize)]
struct Discovery {
    token_endpoint: String,
}

/// An http(s) URL a credential may be sent to: https, or http to this machine unless allowed.
pub(crate) fn checked_url(raw: &str, setting: &str, allow_insecure: bool) -> Result<Url, String> {
    let url = Url::parse(raw.trim())
        .map_err(|e| format!("oauth.{setting} {raw:?} is not a valid URL: {e}"))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if allow_insecure || super::config::url_is_loopback(&url) => Ok(url),
        "http" => Err(format!(
            "oauth.{setting} {raw:?} uses plain http:// to a non-loopback host, which would send the \
             client credentials unencrypted; use https:// (or allow_insecure_http on a test network)"
        )),
        other => Err(format!(
            "oauth.{setting} {raw:?} has scheme {other:?}; expected https://"
        )),
    }
}

/// The client's signer (for `private_key_jwt`), or the setting (`client_id`, `client_secret`,
/// `private_key_pem`, `token_url`, `issuer`) that is wrong and why.
pub(crate) fn check(
    config: &OAuthConfig,
    allow_insecure_http: bool,
) -> Result<Option<Signer>, (&'static str, String)> {
    if config.client_id.trim().is_empty() {
        return Err(("client_id", "oauth.client_id is empty".into()));
    }
    match &config.endpoint {
        TokenEndpoint::Url(url) => {
            checked_url(url, "token_url", allow_insecure_http).map_err(|e| ("token_url", e))?;
        }
        TokenEndpoint::Issuer(url) => {
            checked_url(url, "issuer", allow_insecure_http).map_err(|e| ("issuer", e))?;
        }
    }
    match &config.client_auth {
        ClientAuth::SecretBasic(secret) | ClientAuth::SecretPost(secret) => {
            if secret.expose().is_empty() {
                return Err((
                    "client_secret",
                    format!(
                        "oauth.client_secret is empty; {} needs it",
                        config.client_auth.name()
                    ),
                ));
            }
            Ok(None)
        }
        ClientAuth::PrivateKeyJwt {
            private_key_pem,
            key_id,
        } => Signer::from_pem(private_key_pem.expose(), key_id)
            .map(Some)
            .map_err(|e| ("private_key_pem", e)),
    }
}

impl TokenSource {
    /// Checks the settings (URLs, secrets, the private key) without sending anything.
    pub fn new(
        client: reqwest::Client,
        config: OAuthConfig,
        allow_insecure_http: bool,
    ) -> Result<Self, ApiError> {
        let signer = check(&config, allow_insecure_http)
            .map_err(|(_, message)| ApiError::Config(message))?;
        Ok(Self {
            client,
            config,
            signer,
            allow_insecure_http,
            token_url: OnceCell::new(),
            cached: Mutex::new(None),
            requests: AtomicU64::new(0),
        })
    }

    /// Token requests sent so far (discovery not included).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The `Authorization: Bearer …` header of a live token, fetching one when none is cached or the
    /// cached one is near its expiry.
    pub async fn bearer(&self, redactor: &Redactor) -> Result<HeaderValue, Failure> {
        let mut slot = self.cached.lock().await;
        if let Some(cached) = slot.as_ref().filter(|c| Instant::now() < c.refresh_at) {
            return Ok(cached.header.clone());
        }
        let fresh = self.fetch(redactor).await?;
        let header = fresh.header.clone();
        *slot = Some(fresh);
        Ok(header)
    }

    /// Drops the cached token if it is still `header` (the API refused it); a token another call has
    /// fetched meanwhile is kept.
    pub async fn forget(&self, header: &HeaderValue) {
        let mut slot = self.cached.lock().await;
        if slot.as_ref().is_some_and(|c| c.header == *header) {
            *slot = None;
        }
    }

    async fn endpoint(&self, redactor: &Redactor) -> Result<&Url, Failure> {
        self.token_url
            .get_or_try_init(|| async {
                match &self.config.endpoint {
                    TokenEndpoint::Url(raw) => {
                        checked_url(raw, "token_url", self.allow_insecure_http).map_err(credentials)
                    }
                    TokenEndpoint::Issuer(issuer) => self.discover(issuer, redactor).await,
                }
            })
            .await
    }

    /// `token_endpoint` from `<issuer>/.well-known/openid-configuration`.
    async fn discover(&self, issuer: &str, redactor: &Redactor) -> Result<Url, Failure> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim().trim_end_matches('/')
        );
        log::debug!("OAuth2 discovery: GET {url}");
        let reply = self
            .client
            .get(&url)
            .header(ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| unreachable_endpoint(&url, &e, redactor))?;
        let status = reply.status();
        let body = reply
            .bytes()
            .await
            .map_err(|e| unreachable_endpoint(&url, &e, redactor))?;
        if !status.is_success() {
            return Err(credentials(format!(
                "OpenID discovery at {url} answered HTTP {}: is oauth.issuer the operator's issuer URL?",
                status.as_u16()
            )));
        }
        let document: Discovery = serde_json::from_slice(&body).map_err(|e| {
            credentials(format!(
                "the OpenID discovery document at {url} names no token_endpoint ({e}); set oauth.token_url"
            ))
        })?;
        let endpoint = checked_url(
            &document.token_endpoint,
            "issuer's token_endpoint",
            self.allow_insecure_http,
        )
        .map_err(credentials)?;
        log::debug!("OAuth2 discovery: token endpoint {endpoint}");
        Ok(endpoint)
    }

    async fn fetch(&self, redactor: &Redactor) -> Result<Cached, Failure> {
        let url = self.endpoint(redactor).await?.clone();
        let config = &self.config;
        let scope = config.scope_parameter();
        let mut form: Vec<(&str, String)> = vec![
            ("grant_type", "client_credentials".into()),
            ("scope", scope.clone()),
        ];
        let mut request = self
            .client
            .post(url.clone())
            .header(ACCEPT, "application/json");
        match &config.client_auth {
            ClientAuth::SecretBasic(secret) => {
                let encode =
                    |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
                request =
                    request.basic_auth(encode(&config.client_id), Some(encode(secret.expose())));
            }
            ClientAuth::SecretPost(secret) => {
                form.push(("client_id", config.client_id.clone()));
                form.push(("client_secret", secret.expose().to_owned()));
            }
            ClientAuth::PrivateKeyJwt { .. } => {
                let signer = self.signer.as_ref().ok_or_else(|| {
                    credentials("private_key_jwt needs oauth.private_key_pem".into())
                })?;
                let assertion = signer
                    .sign(&config.client_id, url.as_str())
                    .map_err(credentials)?;
                form.push(("client_id", config.client_id.clone()));
                form.push(("client_assertion_type", JWT_BEARER.into()));
                form.push(("client_assertion", assertion));
            }
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        log::debug!(
            "OAuth2 token request: POST {url} as client {:?} by {}, scope {scope:?}",
            config.client_id,
            config.client_auth.name()
        );
        let started = Instant::now();
        let reply = request
            .form(&form)
            .send()
            .await
            .map_err(|e| unreachable_endpoint(url.as_str(), &e, redactor))?;
        let status = reply.status().as_u16();
        let body = reply
            .bytes()
            .await
            .map_err(|e| unreachable_endpoint(url.as_str(), &e, redactor))?;
        let body = redactor.scrub_bytes(body.to_vec());
        if (200..300).contains(&status) {
            let token: TokenReply = serde_json::from_slice(&body).map_err(|e| {
                credentials(format!(
                    "the token endpoint {url} answered HTTP {status} without an access token: {}",
                    excerpt(&e.to_string(), 200)
                ))
            })?;
            if token
                .token_type
                .as_deref()
                .is_some_and(|t| !t.eq_ignore_ascii_case("bearer"))
            {
                return Err(credentials(format!(
                    "the token endpoint {url} issued a token of type {:?}; only Bearer tokens are supported",
                    token.token_type.unwrap_or_default()
                )));
            }
            let mut header = HeaderValue::from_str(&format!("Bearer {}", token.access_token))
                .map_err(|_| {
                    credentials(format!(
                        "the token endpoint {url} issued a token that cannot be sent in a header"
                    ))
                })?;
            header.set_sensitive(true);
            let lifetime = token
                .expires_in
                .map_or(DEFAULT_LIFETIME, Duration::from_secs);
            let margin = REFRESH_MARGIN.max(lifetime / 10).min(lifetime / 2);
            log::debug!(
                "OAuth2 token issued in {} ms, valid {} s, reused for {} s",
                started.elapsed().as_millis(),
                lifetime.as_secs(),
                (lifetime - margin).as_secs()
            );
            return Ok(Cached {
                header,
                refresh_at: started + (lifetime - margin),
            });
        }
        if status == 429 || status >= 500 {
            return Err(Failure::NotSent {
                detail: format!("the token endpoint {url} answered HTTP {status}"),
                tls: false,
            });
        }
        let said = match serde_json::from_slice::<OAuthErrorReply>(&body) {
            Ok(e) => match e.error_description {
                Some(d) => format!("{}: {}", e.error, excerpt(&d, 200)),
                None => e.error,
            },
            Err(_) => excerpt(&String::from_utf8_lossy(&body), 200),
        };
        let what_to_do = if said.starts_with("invalid_scope") {
            format!(
                "the client may not ask for one of the scopes {scope:?}: have the operator grant \
                 them to client {:?}, or list only those it has in oauth.scopes",
                config.client_id
            )
        } else {
            SETTINGS_TO_CHECK.to_owned()
        };
        Err(credentials(format!(
            "the token endpoint {url} refused client {:?} ({}): HTTP {status} {said}; {what_to_do}",
            config.client_id,
            config.client_auth.name()
        )))
    }
}

fn credentials(message: String) -> Failure {
    Failure::Final(ApiError::Credentials { message })
}

/// The token endpoint could not be reached: nothing was sent to the API, so the call may be retried.
fn unreachable_endpoint(url: &str, error: &reqwest::Error, redactor: &Redactor) -> Failure {
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    Failure::NotSent {
        detail: format!(
            "cannot reach the OAuth2 endpoint {url}: {}",
            excerpt(&redactor.scrub(&cause.to_string()), 200)
        ),
        tls: false,
    }
}
