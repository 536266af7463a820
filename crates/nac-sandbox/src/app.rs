//! The router that puts the API, the profiles API and the admin API together, with what applies to every
//! answer (`x-correlator` echoed, the gateway's answer to an unknown path).

use axum::extract::{DefaultBodyLimit, OriginalUri, State};
use axum::http::HeaderName;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use tower_http::propagate_header::PropagateHeaderLayer;

use super::errors::ApiError;
use super::flavour::Flavour;
use super::state::Shared;
use super::{admin, admin_auth, api, camara_gateway, gateway, oauth, profiles, ui};

/// As RapidAPI's gateway answers a path it does not route: a `{"message"}` body, not a CAMARA one, so a
/// client can tell a wrong URL from an unknown session.
async fn unknown_path(OriginalUri(uri): OriginalUri) -> ApiError {
    // Bounded: the answer never grows with what the client sent.
    let path: String = uri.path().chars().take(256).collect();
    ApiError::UnknownPath(path)
}

/// A path with a `.` or `..` segment (also percent-encoded): a gateway would have resolved it to another
/// path, so it never reaches a session (`/sessions/..` is not a session id, nor the collection).
async fn dot_segments(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let dotted = request.uri().path().split('/').any(|segment| {
        let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
        decoded == "." || decoded == ".."
    });
    if dotted {
        let path: String = request.uri().path().chars().take(256).collect();
        return ApiError::UnknownPath(path).into_response();
    }
    next.run(request).await
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        405,
        "METHOD_NOT_ALLOWED",
        "The method is not allowed for this resource.",
    )
}

/// Every reply's `Date` is the sandbox's clock, as a real API's is its own: clients that ask how long
/// a session has left then agree with the sandbox when its clock is moved.
async fn clock_date(
    State(sandbox): State<Shared>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut response = next.run(request).await;
    let date = sandbox
        .clock
        .now()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    if let Ok(value) = axum::http::HeaderValue::from_str(&date) {
        response
            .headers_mut()
            .insert(axum::http::header::DATE, value);
    }
    response
}

pub(crate) fn router(sandbox: Shared) -> Router {
    let qod = Router::new()
        .route(
            "/sessions",
            post(api::create_session).get(api::all_sessions),
        )
        .route(
            "/sessions/{session_id}",
            get(api::get_session).delete(api::delete_session),
        )
        .route("/sessions/{session_id}/extend", post(api::extend_session))
        .route("/retrieve-sessions", post(api::retrieve_sessions));
    let qos_profiles = Router::new()
        .route("/retrieve-qos-profiles", post(profiles::retrieve_profiles))
        .route("/qos-profiles/{name}", get(profiles::get_profile));
    let service = Router::new()
        .nest("/quality-on-demand/v1", qod)
        .nest("/qos-profiles/v1", qos_profiles)
        .method_not_allowed_fallback(method_not_allowed);
    let service = match sandbox.config.flavour {
        Flavour::Nac => service.layer(axum::middleware::from_fn_with_state(
            sandbox.clone(),
            gateway::gateway,
        )),
        Flavour::Camara => service
            .layer(axum::middleware::from_fn_with_state(
                sandbox.clone(),
                camara_gateway::gateway,
            ))
            .route("/.well-known/openid-configuration", get(oauth::discovery))
            .route("/oauth2/token", post(oauth::token)),
    };
    let admin = Router::new()
        .route("/sessions", get(admin::sessions))
        .route("/sessions/{session_id}/terminate", post(admin::terminate))
        .route("/clock", post(admin::advance_clock).get(admin::clock))
        .route("/faults", put(admin::set_faults).get(admin::faults))
        .route("/config", put(admin::set_config).get(admin::config))
        .route("/reset", post(admin::reset))
        .route("/stats", get(admin::stats))
        .route("/ui", get(ui::page))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            sandbox.clone(),
            admin_auth::admin_only,
        ));
    Router::new()
        .nest("/_sandbox", admin)
        .merge(service)
        .fallback(unknown_path)
        .layer(axum::middleware::from_fn(dot_segments))
        .layer(DefaultBodyLimit::max(sandbox.config.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            sandbox.clone(),
            clock_date,
        ))
        .layer(PropagateHeaderLayer::new(HeaderName::from_static(
            "x-correlator",
        )))
        .with_state(sandbox)
}
