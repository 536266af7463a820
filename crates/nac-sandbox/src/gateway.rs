//! What the RapidAPI gateway in front of NaC does to every API request, in its order: count it, add the
//! configured latency, check `X-RapidAPI-Key` (403 `{"message": "Invalid API key."}`), and answer an
//! injected error instead of passing the request on. `X-RapidAPI-Host` is accepted but not required.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::errors::ApiError;
use super::owner::Owner;
use super::state::Shared;

/// `GET …/sessions`: the list of every session of the key (whether the router stripped the QoD
/// prefix or not).
fn is_list_call(request: &Request) -> bool {
    let path = request
        .extensions()
        .get::<axum::extract::OriginalUri>()
        .map_or(request.uri().path(), |original| original.path());
    request.method() == axum::http::Method::GET
        && path.trim_end_matches('/') == format!("{}/sessions", nac_api::protocol::QOD_PREFIX)
}

/// Every API answer carries `Date` from the sandbox's own clock: a sandbox whose clock was moved is a
/// server whose clock is off, as clients measuring the offset see it.
pub(crate) async fn gateway(
    State(sandbox): State<Shared>,
    request: Request,
    next: Next,
) -> Response {
    let clock = sandbox.clock.clone();
    let mut response = pass_on(State(sandbox), request, next).await;
    let date = clock.now().format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    if let Ok(value) = axum::http::HeaderValue::from_str(&date) {
        response
            .headers_mut()
            .insert(axum::http::header::DATE, value);
    }
    response
}

/// Passes the request on with its [`Owner`] (the key's hash) as an extension.
async fn pass_on(State(sandbox): State<Shared>, mut request: Request, next: Next) -> Response {
    sandbox.stats.request();
    let (latency, injected) = sandbox.faults.roll_request();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let key = request
        .headers()
        .get(nac_api::protocol::API_KEY_HEADER)
        .and_then(|k| k.to_str().ok())
        .map(str::trim)
        .unwrap_or_default();
    let key_ok = !key.is_empty()
        && sandbox
            .config
            .api_key
            .as_deref()
            .is_none_or(|expected| expected == key);
    if !key_ok {
        return ApiError::InvalidApiKey.into_response();
    }
    if sandbox.config.no_list_endpoint && is_list_call(&request) {
        let path: String = request.uri().path().chars().take(256).collect();
        return ApiError::UnknownPath(path).into_response();
    }
    if let Some(status) = injected {
        sandbox.stats.fault_injected();
        return ApiError::for_status(status).into_response();
    }
    if request.method() == axum::http::Method::DELETE && sandbox.faults.roll_delete_not_found() {
        sandbox.stats.fault_injected();
        return ApiError::for_status(404).into_response();
    }
    let owner = Owner::of_key(key);
    request.extensions_mut().insert(owner);
    next.run(request).await
}
