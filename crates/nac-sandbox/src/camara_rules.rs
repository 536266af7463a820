//! Where CAMARA QualityOnDemand 1.1.0 answers differently from NaC, for the camara flavour: a device is
//! required with a 2-legged token (422 `MISSING_IDENTIFIER`; every token here is 2-legged), phone numbers
//! in E.164 with `+`, another client's session is 403 `PERMISSION_DENIED` (not 404), extending a session
//! that is not AVAILABLE is 409 `QUALITY_ON_DEMAND.SESSION_EXTENSION_NOT_ALLOWED`, an extension is capped
//! at the profile's `maxDuration` in total, and a device without sessions has `200 []`.

use serde_json::Value;

use super::errors::ApiError;
use nac_api::protocol::code;

/// Checks a create or retrieve-sessions body (before NaC's rules): when it has every field the schema
/// requires (`required`), the device must be there too; its phone number, if any, is E.164 with `+`.
/// Anything else is left to NaC's parsing, whose 400s are CAMARA's too.
pub(crate) fn check_device(body: &[u8], required: &[&str]) -> Result<(), ApiError> {
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
        return Ok(());
    };
    let Some(device) = fields.get("device") else {
        if required.iter().all(|f| fields.contains_key(*f)) {
            return Err(ApiError::new(
                422,
                code::MISSING_IDENTIFIER,
                "The device cannot be identified: a 2-legged access token needs the device in the \
                 request.",
            ));
        }
        return Ok(());
    };
    check_phone(device)
}

/// A device's phone number, if any, is E.164 with `+` (NaC also takes it without).
pub(crate) fn check_phone(device: &Value) -> Result<(), ApiError> {
    if let Some(phone) = device.get("phoneNumber").and_then(Value::as_str) {
        let digits = phone.strip_prefix('+').unwrap_or_default();
        let e164 = (5..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if !e164 {
            return Err(ApiError::invalid_argument(format!(
                "device.phoneNumber: {phone:?} is not E.164 with a leading + (^\\+[1-9][0-9]{{4,14}}$)"
            )));
        }
    }
    Ok(())
}

/// CAMARA names a sink credential of another type `INVALID_CREDENTIAL` (NaC's rules say
/// `INVALID_ARGUMENT`, which CAMARA also allows for the token type).
pub(crate) fn create_error(error: ApiError) -> ApiError {
    match error {
        ApiError::Camara(mut e) if e.message.starts_with("sinkCredential.credentialType") => {
            e.code = "INVALID_CREDENTIAL".into();
            ApiError::Camara(e)
        }
        other => other,
    }
}

/// CAMARA's answer for a session that exists but belongs to another client.
pub(crate) fn not_your_session() -> ApiError {
    ApiError::new(
        403,
        code::PERMISSION_DENIED,
        "Client does not have sufficient permissions to perform this action: the session was not \
         created by this client.",
    )
}

pub(crate) fn extension_not_allowed(status: &str) -> ApiError {
    ApiError::new(
        409,
        code::SESSION_EXTENSION_NOT_ALLOWED,
        format!(
            "Extending the session duration is not allowed in the current state ({status}). The \
             session must be in the AVAILABLE state."
        ),
    )
}

/// The additional seconds that keep the session's total within its profile's `maxDuration`.
pub(crate) fn capped_additional(max: Option<i64>, duration: i64, additional: i64) -> i64 {
    let max = max.unwrap_or(i64::MAX);
    additional.min(max.saturating_sub(duration)).max(0)
}
