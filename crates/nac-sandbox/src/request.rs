//! Reading request bodies the way the service judges them: content type, JSON syntax, field types (with
//! the path of the offending field), then the rules of [`nac_api::rules`]. Public so that property tests can
//! throw arbitrary bodies at it; every failure is a CAMARA error body, never a panic.

use serde::de::DeserializeOwned;

use nac_api::rules::{self, Violation, ViolationKind, PROFILES};
use nac_api::wire::{CreateSession, ErrorInfo, ExtendSession, RetrieveSessions};

fn invalid(message: impl Into<String>) -> ErrorInfo {
    ErrorInfo {
        status: 400,
        code: "INVALID_ARGUMENT".into(),
        message: message.into(),
    }
}

fn from_violation(v: &Violation) -> ErrorInfo {
    ErrorInfo {
        status: 400,
        code: v.kind.code().into(),
        message: v.to_string(),
    }
}

/// `application/json`, optionally with parameters (`; charset=utf-8`). Anything else is a 400
/// INVALID_ARGUMENT: CAMARA defines no 415, and its test plans expect 400 for any non-compliant request.
pub fn check_content_type(content_type: Option<&str>) -> Result<(), ErrorInfo> {
    let essence = content_type
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase());
    match essence.as_deref() {
        Some("application/json") => Ok(()),
        Some(other) => Err(invalid(format!(
            "Content-Type {other:?} is not supported: send the body as application/json"
        ))),
        None => Err(invalid(
            "Content-Type is missing: send the body as application/json",
        )),
    }
}

/// Parses a JSON body into `T`, naming the field whose type is wrong.
pub fn parse_json<T: DeserializeOwned>(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<T, ErrorInfo> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(invalid(
            "the request body is missing: a JSON object is required",
        ));
    }
    check_content_type(content_type)?;
    // Without this, serde would also read a struct from a JSON array (by position).
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(_) => invalid("the request body must be a JSON object"),
            Err(e) => invalid(format!("the request body is not valid JSON: {e}")),
        });
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return invalid(format!("the request body is not valid JSON: {inner}"));
        }
        let text = inner.to_string();
        let missing = text
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split_once('`'))
            .map(|(name, _)| name);
        match (path.as_str(), missing) {
            (".", Some(name)) => invalid(format!("{name}: missing field, it is required")),
            (".", None) => invalid(format!("the request body does not fit: {text}")),
            (path, Some(name)) => invalid(format!("{path}.{name}: missing field, it is required")),
            (path, None) => invalid(format!("{path}: {text}")),
        }
    })?;
    de.end()
        .map_err(|e| invalid(format!("the request body is not valid JSON: {e}")))?;
    Ok(value)
}

pub use nac_api::rules::is_http_loopback_url;

/// Every rule of `POST /sessions`; the first broken one is the answer.
pub fn check_create(
    req: &CreateSession,
    allow_http_sinks_on_loopback: bool,
) -> Result<(), ErrorInfo> {
    match rules::validate_create_with(req, &PROFILES, allow_http_sinks_on_loopback).first() {
        Some(v) => Err(from_violation(v)),
        None => Ok(()),
    }
}

/// Parses and judges a create body.
pub fn parse_create(
    content_type: Option<&str>,
    body: &[u8],
    allow_http_sinks_on_loopback: bool,
) -> Result<CreateSession, ErrorInfo> {
    let req: CreateSession = parse_json(content_type, body)?;
    check_create(&req, allow_http_sinks_on_loopback)?;
    Ok(req)
}

/// Parses and judges an extend body: `requestedAdditionalDuration` 1..86399
/// (QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE, like `duration` on create).
pub fn parse_extend(content_type: Option<&str>, body: &[u8]) -> Result<i64, ErrorInfo> {
    let req: ExtendSession = parse_json(content_type, body)?;
    rules::additional_duration(req.requested_additional_duration).map_err(|message| {
        from_violation(&Violation::new(
            "requestedAdditionalDuration",
            ViolationKind::DurationOutOfRange,
            message,
        ))
    })?;
    Ok(req.requested_additional_duration)
}

/// Parses and judges a `retrieve-sessions` body.
pub fn parse_retrieve_sessions(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<RetrieveSessions, ErrorInfo> {
    let req: RetrieveSessions = parse_json(content_type, body)?;
    let mut violations = Vec::new();
    rules::validate_device(&req.device, "device", &mut violations);
    match violations.first() {
        Some(v) => Err(from_violation(v)),
        None => Ok(req),
    }
}

/// A session id must be a UUID (CAMARA: 400 INVALID_ARGUMENT otherwise, before any lookup).
pub fn parse_session_id(id: &str) -> Result<uuid::Uuid, ErrorInfo> {
    uuid::Uuid::try_parse(id)
        .map_err(|_| invalid(format!("sessionId: {id:?} is not a session id (a UUID)")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_urls() {
        for url in [
            "http://127.0.0.1:9000/notify",
            "http://localhost/x",
            "http://[::1]:80/",
            "http://127.1.2.3",
        ] {
            assert!(is_http_loopback_url(url), "{url}");
        }
        for url in [
            "https://127.0.0.1/",
            "http://example.com/",
            "http://10.0.0.1/",
            "http://127.0.0.1@evil.com/",
            "http://[::2]/",
        ] {
            assert!(!is_http_loopback_url(url), "{url}");
        }
    }

    #[test]
    fn content_types() {
        assert!(check_content_type(Some("application/json")).is_ok());
        assert!(check_content_type(Some("Application/JSON; charset=utf-8")).is_ok());
        assert!(check_content_type(Some("text/plain")).is_err());
        assert!(check_content_type(None).is_err());
    }

    #[test]
    fn type_errors_name_the_field() {
        let e = parse_json::<CreateSession>(
            Some("application/json"),
            br#"{"device": {"ipv4Address": {"publicPort": "80"}}}"#,
        )
        .unwrap_err();
        assert!(
            e.message.starts_with("device.ipv4Address.publicPort: "),
            "{}",
            e.message
        );
        let e = parse_json::<CreateSession>(Some("application/json"), b"{\"qosProfile\": ")
            .unwrap_err();
        assert!(e.message.contains("not valid JSON"), "{}", e.message);
    }
}
