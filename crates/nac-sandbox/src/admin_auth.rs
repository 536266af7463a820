//! Who may use the admin API and the UI: with an admin token configured, whoever presents it (as
//! `Authorization: Bearer <token>`, or the cookie the UI's login sets); without one, loopback clients only
//! (a non-loopback listen address refuses to start without a token, see `server`); in both cases only
//! requests a browser page or a sink could not have sent (see `browser_guard`).

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::browser_guard;
use super::errors::ApiError;
use super::listen::peer;
use super::state::Shared;

/// The cookie the UI's login (`GET /_sandbox/ui?token=...`) sets, so a browser need not send headers.
pub(crate) const COOKIE: &str = "nac_sandbox_admin";

/// Compared as digests: equal-length, and no early exit that reveals a prefix of the token.
fn same_token(given: &str, expected: &str) -> bool {
    Sha256::digest(given.as_bytes()) == Sha256::digest(expected.as_bytes())
}

fn presented_tokens(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let cookies = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix(COOKIE)?.strip_prefix('='));
    bearer.into_iter().chain(cookies)
}

/// The `token` query parameter of a UI login link.
pub(crate) fn login_token(query: Option<&str>) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes())
        .find(|(name, _)| name == "token")
        .map(|(_, value)| value.into_owned())
}

pub(crate) fn is_admin(sandbox: &Shared, request: &Request) -> bool {
    match &sandbox.config.admin_token {
        Some(expected) => {
            presented_tokens(request.headers()).any(|t| same_token(t, expected))
                || (request.uri().path().ends_with("/ui")
                    && login_token(request.uri().query()).is_some_and(|t| same_token(&t, expected)))
        }
        None => peer(request).is_some_and(|p| p.ip().to_canonical().is_loopback()),
    }
}

pub(crate) async fn admin_only(
    State(sandbox): State<Shared>,
    request: Request,
    next: Next,
) -> Response {
    if let Err(refused) = browser_guard::check(&request, &sandbox.config.allowed_hosts) {
        return refused.into_response();
    }
    if is_admin(&sandbox, &request) {
        return match browser_guard::check_content_type(&request) {
            Ok(()) => next.run(request).await,
            Err(refused) => refused.into_response(),
        };
    }
    let message = if sandbox.config.admin_token.is_some() {
        "The sandbox admin API needs its admin token (Authorization: Bearer <token>)."
    } else {
        "The sandbox admin API only answers loopback clients."
    };
    let mut response = ApiError::new(403, "PERMISSION_DENIED", message).into_response();
    if sandbox.config.admin_token.is_some() {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer realm=\"nac-sandbox admin\""),
        );
    }
    response
}
