//! The CAMARA QoS Profiles API (`/qos-profiles/v1`) serving NaC's thirteen profiles. NaC publishes no
//! attributes for them; the figures here are plausible, consistent ones (S < M < L throughput; `QOS_E` is
//! the low-latency profile), with the session duration limits the QoD API enforces (1 s to 86,400 s).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::body::{body_bytes, content_type};
use super::camara_rules;
use super::errors::ApiError;
use super::flavour::Flavour;
use super::request;
use super::state::Shared;
use nac_api::rules::{self, PROFILES};
use nac_api::wire::Device;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rate {
    pub value: u32,
    pub unit: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ProfileDuration {
    pub value: u32,
    pub unit: &'static str,
}

/// CAMARA `QosProfile`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QosProfile {
    pub name: &'static str,
    pub description: String,
    pub status: &'static str,
    pub target_min_upstream_rate: Rate,
    pub max_upstream_rate: Rate,
    pub max_upstream_burst_rate: Rate,
    pub target_min_downstream_rate: Rate,
    pub max_downstream_rate: Rate,
    pub max_downstream_burst_rate: Rate,
    pub min_duration: ProfileDuration,
    pub max_duration: ProfileDuration,
    pub priority: u32,
    pub packet_delay_budget: ProfileDuration,
    pub jitter: ProfileDuration,
    pub packet_error_loss_rate: u32,
}

/// CAMARA `QosProfileDeviceRequest`: every filter is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RetrieveQosProfiles {
    pub device: Option<Device>,
    pub name: Option<String>,
    pub status: Option<String>,
}

const STATUSES: [&str; 3] = ["ACTIVE", "INACTIVE", "DEPRECATED"];

fn mbps(value: u32) -> Rate {
    Rate {
        value,
        unit: "Mbps",
    }
}
fn ms(value: u32) -> ProfileDuration {
    ProfileDuration {
        value,
        unit: "Milliseconds",
    }
}
fn secs(value: u32) -> ProfileDuration {
    ProfileDuration {
        value,
        unit: "Seconds",
    }
}

/// Target throughput (Mbps) of the S, M and L sizes, downlink and uplink.
fn downlink(size: char) -> u32 {
    match size {
        'S' => 5,
        'M' => 25,
        _ => 100,
    }
}
fn uplink(size: char) -> u32 {
    match size {
        'S' => 2,
        'M' => 10,
        _ => 50,
    }
}

fn profile(name: &'static str) -> QosProfile {
    let (down, up, priority, delay, jitter, description) = match name {
        "QOS_E" => (
            2,
            2,
            10,
            20,
            5,
            "Low and stable latency for interactive traffic (gaming, voice, remote control)"
                .to_string(),
        ),
        "QOS_S" | "QOS_M" | "QOS_L" => {
            let size = name.chars().last().unwrap_or('S');
            (
                downlink(size),
                uplink(size),
                match size {
                    'S' => 40,
                    'M' => 30,
                    _ => 20,
                },
                100,
                30,
                format!(
                    "Throughput profile {size}: at least {} Mbps down and {} Mbps up",
                    downlink(size),
                    uplink(size)
                ),
            )
        }
        _ => {
            // DOWNLINK_{S,M,L}_UPLINK_{S,M,L}
            let mut sizes = name.split('_').filter_map(|p| match p {
                "S" | "M" | "L" => p.chars().next(),
                _ => None,
            });
            let d = sizes.next().unwrap_or('S');
            let u = sizes.next().unwrap_or('S');
            (
                downlink(d),
                uplink(u),
                match d.max(u) {
                    'S' => 40,
                    'M' => 30,
                    _ => 20,
                },
                100,
                30,
                format!(
                    "Downlink {d} ({} Mbps), uplink {u} ({} Mbps)",
                    downlink(d),
                    uplink(u)
                ),
            )
        }
    };
    QosProfile {
        name,
        description,
        status: "ACTIVE",
        target_min_upstream_rate: mbps(up),
        max_upstream_rate: mbps(up * 2),
        max_upstream_burst_rate: mbps(up * 4),
        target_min_downstream_rate: mbps(down),
        max_downstream_rate: mbps(down * 2),
        max_downstream_burst_rate: mbps(down * 4),
        min_duration: secs(1),
        max_duration: secs(rules::MAX_DURATION as u32),
        priority,
        packet_delay_budget: ms(delay),
        jitter: ms(jitter),
        packet_error_loss_rate: 3,
    }
}

/// A profile's `maxDuration` in seconds (`None` for an unknown profile).
pub(crate) fn max_duration_seconds(name: &str) -> Option<i64> {
    let name = PROFILES.iter().find(|p| **p == name)?;
    let max = profile(name).max_duration;
    Some(match max.unit {
        "Minutes" => i64::from(max.value) * 60,
        "Hours" => i64::from(max.value) * 3600,
        "Days" => i64::from(max.value) * 86_400,
        _ => i64::from(max.value),
    })
}

/// NaC's thirteen profiles with their attributes.
pub fn catalogue() -> Vec<QosProfile> {
    PROFILES.iter().map(|name| profile(name)).collect()
}

fn check_name(name: &str, field: &str) -> Result<(), ApiError> {
    rules::profile_format(name).map_err(|m| ApiError::invalid_argument(format!("{field}: {m}")))
}

/// `GET /qos-profiles/{name}`.
pub(crate) async fn get_profile(Path(name): Path<String>) -> Result<Json<QosProfile>, ApiError> {
    check_name(&name, "name")?;
    PROFILES
        .iter()
        .find(|p| **p == name)
        .map(|p| Json(profile(p)))
        .ok_or_else(|| ApiError::new(404, "NOT_FOUND", format!("QoS profile {name:?} not found")))
}

/// `POST /retrieve-qos-profiles`: the profiles matching every filter given (all profiles are available to
/// every device, so a valid device filters nothing out).
pub(crate) async fn retrieve_profiles(
    State(sandbox): State<Shared>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Vec<QosProfile>>, ApiError> {
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
    let found = catalogue()
        .into_iter()
        .filter(|p| req.name.as_deref().is_none_or(|n| n == p.name))
        .filter(|p| req.status.as_deref().is_none_or(|s| s == p.status))
        .collect();
    Ok(Json(found))
}
