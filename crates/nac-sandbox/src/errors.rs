//! Error answers, shaped as the real service shapes them: CAMARA `{status, code, message}` bodies, the
//! RapidAPI gateway's `{"message": "Invalid API key."}` and NaC's `{"detail": "QoS subscription not found"}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use nac_api::rules::Violation;
use nac_api::wire::ErrorInfo;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ApiError {
    /// A CAMARA error body with the same status.
    Camara(ErrorInfo),
    /// The gateway's answer to a missing or wrong `X-RapidAPI-Key`.
    InvalidApiKey,
    /// NaC's answer to `retrieve-sessions` for a device without sessions.
    NoSessionsForDevice,
    /// The gateway's answer to a path it does not route (the path asked for).
    UnknownPath(String),
}

impl ApiError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        Self::Camara(ErrorInfo {
            status,
            code: code.into(),
            message: message.into(),
        })
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(400, "INVALID_ARGUMENT", message)
    }

    pub fn violation(v: &Violation) -> Self {
        Self::new(400, v.kind.code(), v.to_string())
    }

    pub fn session_not_found(id: impl std::fmt::Display) -> Self {
        Self::new(404, "NOT_FOUND", format!("Session {id} not found"))
    }

    /// NaC's answer to a create for a device that already has a live session.
    pub fn device_busy() -> Self {
        Self::new(
            409,
            "CONFLICT",
            "Another session is created for the same device",
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "INTERNAL", message)
    }

    /// The body of an injected (or gateway) error with this status.
    pub fn for_status(status: u16) -> Self {
        let (code, message) = match status {
            400 => (
                "INVALID_ARGUMENT",
                "Client specified an invalid argument, request body or query param.",
            ),
            401 => (
                "UNAUTHENTICATED",
                "Request not authenticated due to missing, invalid, or expired credentials.",
            ),
            403 => (
                "PERMISSION_DENIED",
                "Client does not have sufficient permissions to perform this action.",
            ),
            404 => ("NOT_FOUND", "The specified resource is not found."),
            409 => (
                "CONFLICT",
                "Conflict with the current state of the resource.",
            ),
            429 => ("TOO_MANY_REQUESTS", "Rate limit reached."),
            500 => ("INTERNAL", "Internal server error: injected by nac-sandbox"),
            501 => ("NOT_IMPLEMENTED", "Not implemented."),
            502 => ("BAD_GATEWAY", "Bad gateway: the backend's reply was lost"),
            503 => ("UNAVAILABLE", "Service unavailable"),
            504 => (
                "GATEWAY_TIMEOUT",
                "Gateway timeout: the backend did not answer in time",
            ),
            s if s < 500 => ("INVALID_ARGUMENT", "Client error injected by nac-sandbox"),
            _ => ("INTERNAL", "Server error injected by nac-sandbox"),
        };
        Self::new(status, code, message)
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Camara(e) => {
                StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
            Self::InvalidApiKey => StatusCode::FORBIDDEN,
            Self::NoSessionsForDevice | Self::UnknownPath(_) => StatusCode::NOT_FOUND,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = match self {
            Self::Camara(e) => (status, Json(e)).into_response(),
            Self::InvalidApiKey => {
                (status, Json(json!({"message": "Invalid API key."}))).into_response()
            }
            Self::NoSessionsForDevice => (
                status,
                Json(json!({"detail": "QoS subscription not found"})),
            )
                .into_response(),
            Self::UnknownPath(path) => (
                status,
                Json(json!({"message": format!("Endpoint '{path}' does not exist")})),
            )
                .into_response(),
        };
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            // The rest of the body is not read: the connection cannot carry another request.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            // Small on purpose: clients honour it and tests depend on speed.
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}
