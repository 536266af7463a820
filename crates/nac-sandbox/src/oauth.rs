//! The CAMARA flavour's authorization server: OpenID discovery and an RFC 6749 token endpoint for the
//! client credentials grant, authenticating clients by `client_secret_basic` or `client_secret_post`
//! against the registered clients, granting the scopes asked for (all the client's when none are), and
//! issuing opaque tokens that expire. Errors are RFC 6749 §5.2 bodies.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::client_assertion::{self, SeenAssertions, JWT_BEARER};
use super::flavour::{OAuthClient, ALL_SCOPES};
use super::state::Shared;

/// What a token grants.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub client_id: String,
    pub scopes: Vec<String>,
}

/// Issued tokens, by their SHA-256 (the token itself is not kept); expired ones are swept on issue.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    issued: Mutex<HashMap<[u8; 32], (Grant, Instant)>>,
    /// `private_key_jwt` assertions already used.
    assertions: SeenAssertions,
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl Tokens {
    fn issue(&self, grant: Grant, lifetime: Duration) -> String {
        let token = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let now = Instant::now();
        let mut issued = self.issued.lock().unwrap_or_else(|e| e.into_inner());
        issued.retain(|_, (_, expires)| *expires > now);
        issued.insert(digest(&token), (grant, now + lifetime));
        token
    }

    /// The grant of a live token.
    pub fn check(&self, token: &str) -> Option<Grant> {
        let issued = self.issued.lock().unwrap_or_else(|e| e.into_inner());
        issued
            .get(&digest(token))
            .filter(|(_, expires)| *expires > Instant::now())
            .map(|(grant, _)| grant.clone())
    }
}

/// An RFC 6749 §5.2 error.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn invalid_client(basic: bool) -> Response {
    let mut response = oauth_error(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "client authentication failed",
    );
    if basic {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"nac-sandbox\""),
        );
    }
    response
}

/// `Authorization: Basic` credentials (RFC 6749 §2.3.1: both parts form-urlencoded).
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?.trim();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| {
        form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Some((unescape(id), unescape(secret)))
}

fn same_secret(given: &str, expected: &str) -> bool {
    digest(given) == digest(expected)
}

/// `GET /.well-known/openid-configuration`.
pub(crate) async fn discovery(State(sandbox): State<Shared>) -> Json<serde_json::Value> {
    let issuer = sandbox.base_url.clone();
    Json(json!({
        "issuer": issuer,
        "token_endpoint": format!("{issuer}/oauth2/token"),
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported":
            ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported":
            ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"],
        "scopes_supported": ALL_SCOPES,
        "response_types_supported": ["token"],
    }))
}

/// The client the request authenticates, by exactly one of `client_secret_basic`, `client_secret_post`
/// and `private_key_jwt`.
/// Why a client was not authenticated.
enum Refused {
    InvalidRequest(&'static str),
    /// `basic`: it tried `Authorization: Basic` (the answer then says how to authenticate).
    InvalidClient {
        basic: bool,
    },
}

impl Refused {
    fn into_response(self) -> Response {
        match self {
            Self::InvalidRequest(why) => {
                oauth_error(StatusCode::BAD_REQUEST, "invalid_request", why)
            }
            Self::InvalidClient { basic } => invalid_client(basic),
        }
    }
}

fn authenticate<'a>(
    sandbox: &'a Shared,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<&'a OAuthClient, Refused> {
    let clients = &sandbox.config.oauth_clients;
    let basic = basic_credentials(headers);
    let posted = form.get("client_id").zip(form.get("client_secret"));
    let assertion = form.get("client_assertion");
    let methods = [basic.is_some(), posted.is_some(), assertion.is_some()];
    if methods.iter().filter(|m| **m).count() > 1 {
        return Err(Refused::InvalidRequest(
            "use one client authentication method, not several",
        ));
    }
    if let Some(assertion) = assertion {
        if form.get("client_assertion_type").map(String::as_str) != Some(JWT_BEARER) {
            return Err(Refused::InvalidRequest("client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer"));
        }
        let issuer = sandbox.base_url.clone();
        let audiences = [format!("{issuer}/oauth2/token"), issuer];
        let tokens = &sandbox.tokens;
        let client_id = form.get("client_id").map(String::as_str);
        return client_assertion::verify(
            assertion,
            client_id,
            clients,
            &audiences,
            &tokens.assertions,
        )
        .map_err(|why| {
            log::info!("nac-sandbox: private_key_jwt refused: {why}");
            Refused::InvalidClient { basic: false }
        });
    }
    let (client_id, secret, by_basic) = match (basic, posted) {
        (Some((id, secret)), _) => (id, secret, true),
        (None, Some((id, secret))) => (id.clone(), secret.clone(), false),
        (None, None) => return Err(Refused::InvalidClient { basic: false }),
    };
    clients
        .iter()
        .find(|c| c.client_id == client_id)
        .filter(|c| {
            c.client_secret
                .as_deref()
                .is_some_and(|s| same_secret(&secret, s))
        })
        .ok_or(Refused::InvalidClient { basic: by_basic })
}

/// `POST /oauth2/token` (`application/x-www-form-urlencoded`).
pub(crate) async fn token(
    State(sandbox): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let client = match authenticate(&sandbox, &headers, &form) {
        Ok(client) => client,
        Err(refused) => return refused.into_response(),
    };
    match form.get("grant_type").map(String::as_str) {
        Some("client_credentials") => {}
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "only client_credentials is supported",
            )
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is missing",
            )
        }
    }
    let scopes: Vec<String> = match form.get("scope") {
        Some(asked) => asked.split_whitespace().map(str::to_owned).collect(),
        None => client.scopes.clone(),
    };
    if let Some(refused) = scopes.iter().find(|s| !client.scopes.contains(s)) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            &format!("scope {refused:?} is not granted to this client"),
        );
    }
    let lifetime = sandbox.config.token_lifetime;
    let token = sandbox.tokens.issue(
        Grant {
            client_id: client.client_id.clone(),
            scopes: scopes.clone(),
        },
        lifetime,
    );
    sandbox.stats.oauth_token_issued();
    let mut response = Json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": lifetime.as_secs(),
        "scope": scopes.join(" "),
    }))
    .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
