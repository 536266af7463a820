//! The CAMARA QoS Profiles API (`/qos-profiles/v1`) serving NaC's thirteen profiles (the built-in
//! catalogue of `nac_api::profiles`, shared with the provider).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;

use super::body::{body_bytes, content_type};
use super::camara_rules;
use super::errors::ApiError;
use super::flavour::Flavour;
use super::request;
use super::state::Shared;
use nac_api::profiles::{catalogue, QosProfile, RetrieveQosProfiles, STATUSES};
use nac_api::protocol::code;
use nac_api::rules;

/// A profile's `maxDuration` in seconds as the API offers it (`None` for a profile not offered).
pub(crate) fn max_duration_seconds(sandbox: &Shared, name: &str) -> Option<i64> {
    offered(sandbox)
        .into_iter()
        .find(|p| p.name == name)
        .map(|p| p.duration_range().1)
}

/// The camara flavour's create: the profile must be one the API offers, ACTIVE, and the duration within
/// its `minDuration`..`maxDuration` (400 QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE, as QoD 1.1.0 defines).
pub(crate) fn check_offered(sandbox: &Shared, name: &str, duration: i64) -> Result<(), ApiError> {
    let Some(profile) = offered(sandbox).into_iter().find(|p| p.name == name) else {
        return Err(ApiError::invalid_argument(format!(
            "qosProfile: {name:?} is not offered"
        )));
    };
    if !profile.is_active() {
        return Err(ApiError::invalid_argument(format!(
            "qosProfile: {name:?} is {}, not ACTIVE",
            profile.status
        )));
    }
    let (min, max) = profile.duration_range();
    if !(min..=max).contains(&duration) {
        return Err(ApiError::new(
            400,
            code::DURATION_OUT_OF_RANGE,
            format!("The requested duration is out of the allowed range for the specific QoS profile ({min} to {max} seconds)"),
        ));
    }
    Ok(())
}

fn check_name(name: &str, field: &str) -> Result<(), ApiError> {
    rules::profile_format(name).map_err(|m| ApiError::invalid_argument(format!("{field}: {m}")))
}

/// The profiles the API offers: the configured list, else NaC's catalogue.
fn offered(sandbox: &Shared) -> Vec<QosProfile> {
    sandbox
        .config
        .qos_profiles
        .clone()
        .unwrap_or_else(catalogue)
}

/// With `no_profiles_endpoint`, the gateway's answer to a path it does not route; else counted.
fn served(sandbox: &Shared, path: &str) -> Result<(), ApiError> {
    if sandbox.config.no_profiles_endpoint {
        return Err(ApiError::UnknownPath(format!("/qos-profiles/v1{path}")));
    }
    sandbox.stats.profile_request();
    Ok(())
}

/// `GET /qos-profiles/{name}`.
pub(crate) async fn get_profile(
    State(sandbox): State<Shared>,
    Path(name): Path<String>,
) -> Result<Json<QosProfile>, ApiError> {
    served(&sandbox, "/qos-profiles/{name}")?;
    check_name(&name, "name")?;
    offered(&sandbox)
        .into_iter()
        .find(|p| p.name == name)
        .map(Json)
        .ok_or_else(|| ApiError::new(404, "NOT_FOUND", format!("QoS profile {name:?} not found")))
}

/// `POST /retrieve-qos-profiles`: the profiles matching every filter given (all profiles are available to
/// every device, so a valid device filters nothing out).
pub(crate) async fn retrieve_profiles(
    State(sandbox): State<Shared>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Vec<QosProfile>>, ApiError> {
    served(&sandbox, "/retrieve-qos-profiles")?;
    let body = body_bytes(body)?;
    let req: RetrieveQosProfiles = request::parse_json(content_type(&headers), &body)?;
    if sandbox.config.flavour == Flavour::Camara {
        if let Ok(serde_json::Value::Object(fields)) = serde_json::from_slice(&body) {
            if let Some(device) = fields.get("device") {
                camara_rules::check_phone(device)?;
            }
        }
    }
    if let Some(device) = &req.device {
        let mut violations = Vec::new();
        rules::validate_device(device, "device", &mut violations);
        if let Some(v) = violations.first() {
            return Err(ApiError::violation(v));
        }
    }
    if let Some(name) = &req.name {
        check_name(name, "name")?;
    }
    if let Some(status) = &req.status {
        if !STATUSES.contains(&status.as_str()) {
            return Err(ApiError::invalid_argument(format!(
                "status: {status:?} is not a profile status: ACTIVE, INACTIVE or DEPRECATED"
            )));
        }
    }
    let found = offered(&sandbox)
        .into_iter()
        .filter(|p| req.name.as_deref().is_none_or(|n| n == p.name))
        .filter(|p| req.status.as_deref().is_none_or(|s| s == p.status))
        .collect();
    Ok(Json(found))
}
