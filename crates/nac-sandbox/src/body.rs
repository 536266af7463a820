//! Reading a request's body and its `Content-Type`, shared by every handler that takes JSON.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderMap};

use super::body_deadline::is_too_slow;
use super::errors::ApiError;

pub(crate) fn content_type(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
}

/// The body, or a CAMARA error when it could not be read (too large, connection dropped).
pub(crate) fn body_bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|e| {
        if is_too_slow(&e) {
            return ApiError::new(408, "REQUEST_TIMEOUT", e.body_text());
        }
        let status = e.status().as_u16();
        let code = if status == 413 {
            "PAYLOAD_TOO_LARGE"
        } else {
            "INVALID_ARGUMENT"
        };
        ApiError::new(status, code, e.body_text())
    })
}
