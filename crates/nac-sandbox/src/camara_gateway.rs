//! The CAMARA flavour's front door, in place of NaC's RapidAPI gateway: count the request, add the
//! configured latency, check the OAuth2 access token (401 `UNAUTHENTICATED`) and the scope the operation
//! needs (403 `PERMISSION_DENIED` naming it), then answer an injected error or pass the request on with
//! its [`Owner`] (the client: sessions are private to the client that made them).

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::errors::ApiError;
use super::owner::Owner;
use super::state::Shared;
use nac_api::protocol::{code, scope};

/// The scope CAMARA QoD 1.1.0 and QoS Profiles require for `method path` (under the API roots).
fn scope_for(method: &Method, path: &str) -> Option<&'static str> {
    let qod = path.strip_prefix("/quality-on-demand/v1");
    let profiles = path.strip_prefix("/qos-profiles/v1");
    match (method, qod, profiles) {
        (&Method::POST, Some("/sessions"), _) => Some(scope::SESSIONS_CREATE),
        (&Method::POST, Some("/retrieve-sessions"), _) => Some(scope::SESSIONS_RETRIEVE_BY_DEVICE),
        (&Method::POST, Some(p), _) if p.ends_with("/extend") => Some(scope::SESSIONS_UPDATE),
        (&Method::DELETE, Some(_), _) => Some(scope::SESSIONS_DELETE),
        (_, Some(_), _) => Some(scope::SESSIONS_READ),
        (_, _, Some(_)) => Some(scope::QOS_PROFILES_READ),
        _ => None,
    }
}

fn unauthenticated(message: &str) -> Response {
    let mut response = ApiError::new(401, code::UNAUTHENTICATED, message).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"nac-sandbox\""),
    );
    response
}

pub(crate) async fn gateway(
    State(sandbox): State<Shared>,
    mut request: Request,
    next: Next,
) -> Response {
    sandbox.stats.request();
    let (latency, injected) = sandbox.faults.roll_request();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or_default();
    if token.is_empty() {
        return unauthenticated(
            "Request not authenticated due to missing, invalid, or expired credentials.",
        );
    }
    let Some(grant) = sandbox.tokens.check(token) else {
        return unauthenticated(
            "Request not authenticated due to missing, invalid, or expired credentials.",
        );
    };
    if let Some(scope) = scope_for(request.method(), request.uri().path()) {
        if !grant.scopes.iter().any(|s| s == scope) {
            return ApiError::new(
                403,
                code::PERMISSION_DENIED,
                format!(
                    "Client does not have sufficient permissions to perform this action: the \
                     access token lacks the scope {scope}."
                ),
            )
            .into_response();
        }
    }
    if let Some(status) = injected {
        sandbox.stats.fault_injected();
        return ApiError::for_status(status).into_response();
    }
    let owner = Owner::of_key(&format!("oauth-client:{}", grant.client_id));
    request.extensions_mut().insert(owner);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_by_operation() {
        let qod = |m: Method, p: &str| scope_for(&m, &format!("/quality-on-demand/v1{p}"));
        assert_eq!(
            qod(Method::POST, "/sessions"),
            Some("quality-on-demand:sessions:create")
        );
        assert_eq!(
            qod(Method::GET, "/sessions/x"),
            Some("quality-on-demand:sessions:read")
        );
        assert_eq!(
            qod(Method::DELETE, "/sessions/x"),
            Some("quality-on-demand:sessions:delete")
        );
        assert_eq!(
            qod(Method::POST, "/sessions/x/extend"),
            Some("quality-on-demand:sessions:update")
        );
        assert_eq!(
            qod(Method::POST, "/retrieve-sessions"),
            Some("quality-on-demand:sessions:retrieve-by-device")
        );
        assert_eq!(
            scope_for(&Method::GET, "/qos-profiles/v1/qos-profiles/QOS_L"),
            Some("qos-profiles:read")
        );
    }
}
