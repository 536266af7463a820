//! CAMARA's QoS Profiles API (`/qos-profiles/v1`, qos-profiles 1.1.0): the wire model, shared by the
//! client and the sandbox, and NaC's built-in catalogue of thirteen profiles. NaC publishes no
//! attributes for its profiles; the figures here are plausible, consistent ones (S < M < L throughput;
//! `QOS_E` is the low-latency profile), with the session duration limits the QoD API enforces
//! (1 s to 86,400 s).

use serde::{Deserialize, Serialize};

use crate::rules::{MAX_DURATION, PROFILES};
use crate::wire::Device;

/// CAMARA `Rate`: a bit rate, `value` in `unit` (`bps`, `kbps`, `Mbps`, `Gbps`, `Tbps`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rate {
    pub value: i64,
    pub unit: String,
}

/// CAMARA `Duration`: `value` in `unit` (`Days` … `Nanoseconds`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileDuration {
    pub value: i64,
    pub unit: String,
}

impl ProfileDuration {
    /// Whole seconds (rounded down; `None` for an unknown unit or an overflow).
    pub fn seconds(&self) -> Option<i64> {
        let v = self.value;
        match self.unit.as_str() {
            "Days" => v.checked_mul(86_400),
            "Hours" => v.checked_mul(3_600),
            "Minutes" => v.checked_mul(60),
            "Seconds" => Some(v),
            "Milliseconds" => Some(v / 1_000),
            "Microseconds" => Some(v / 1_000_000),
            "Nanoseconds" => Some(v / 1_000_000_000),
            _ => None,
        }
    }
}

/// CAMARA `QosProfile`. Only `name` and `status` are required by this model: operators differ in what
/// they publish, and a profile without limits is still a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QosProfile {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_min_upstream_rate: Option<Rate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_upstream_rate: Option<Rate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_upstream_burst_rate: Option<Rate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_min_downstream_rate: Option<Rate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_downstream_rate: Option<Rate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_downstream_burst_rate: Option<Rate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_duration: Option<ProfileDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_duration: Option<ProfileDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packet_delay_budget: Option<ProfileDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jitter: Option<ProfileDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packet_error_loss_rate: Option<i64>,
}

impl QosProfile {
    /// The session duration range this profile allows, in seconds (the QoD API's own when not given).
    pub fn duration_range(&self) -> (i64, i64) {
        let min = self
            .min_duration
            .as_ref()
            .and_then(ProfileDuration::seconds)
            .unwrap_or(1);
        let max = self
            .max_duration
            .as_ref()
            .and_then(ProfileDuration::seconds)
            .unwrap_or(MAX_DURATION);
        (min, max)
    }

    pub fn is_active(&self) -> bool {
        self.status == ACTIVE
    }
}

pub const ACTIVE: &str = "ACTIVE";
/// CAMARA `QosProfileStatusEnum`.
pub const STATUSES: [&str; 3] = [ACTIVE, "INACTIVE", "DEPRECATED"];

/// CAMARA `QosProfileDeviceRequest`: the body of `retrieve-qos-profiles`; every filter is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RetrieveQosProfiles {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<Device>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

fn mbps(value: i64) -> Option<Rate> {
    Some(Rate {
        value,
        unit: "Mbps".into(),
    })
}
fn ms(value: i64) -> Option<ProfileDuration> {
    Some(ProfileDuration {
        value,
        unit: "Milliseconds".into(),
    })
}
fn secs(value: i64) -> Option<ProfileDuration> {
    Some(ProfileDuration {
        value,
        unit: "Seconds".into(),
    })
}

/// Target throughput (Mbps) of the S, M and L sizes, downlink and uplink.
fn downlink(size: char) -> i64 {
    match size {
        'S' => 5,
        'M' => 25,
        _ => 100,
    }
}
fn uplink(size: char) -> i64 {
    match size {
        'S' => 2,
        'M' => 10,
        _ => 50,
    }
}
fn priority_of(size: char) -> i64 {
    match size {
        'S' => 40,
        'M' => 30,
        _ => 20,
    }
}

/// One of NaC's profiles with its attributes.
fn builtin(name: &str) -> QosProfile {
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
                priority_of(size),
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
                priority_of(d.max(u)),
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
        name: name.to_string(),
        description: Some(description),
        status: ACTIVE.into(),
        target_min_upstream_rate: mbps(up),
        max_upstream_rate: mbps(up * 2),
        max_upstream_burst_rate: mbps(up * 4),
        target_min_downstream_rate: mbps(down),
        max_downstream_rate: mbps(down * 2),
        max_downstream_burst_rate: mbps(down * 4),
        min_duration: secs(1),
        max_duration: secs(MAX_DURATION),
        priority: Some(priority),
        packet_delay_budget: ms(delay),
        jitter: ms(jitter),
        packet_error_loss_rate: Some(3),
    }
}

/// NaC's thirteen profiles with their attributes, in [`PROFILES`] order.
pub fn catalogue() -> Vec<QosProfile> {
    PROFILES.iter().map(|name| builtin(name)).collect()
}

/// One profile of the built-in catalogue.
pub fn builtin_profile(name: &str) -> Option<QosProfile> {
    PROFILES.contains(&name).then(|| builtin(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_has_nacs_thirteen_active_profiles() {
        let all = catalogue();
        assert_eq!(all.len(), 13);
        assert!(all.iter().all(QosProfile::is_active));
        assert_eq!(all[0].duration_range(), (1, MAX_DURATION));
        assert_eq!(builtin_profile("QOS_XL"), None);
    }

    #[test]
    fn durations_convert_to_seconds() {
        let d = |value, unit: &str| ProfileDuration {
            value,
            unit: unit.into(),
        };
        assert_eq!(d(2, "Hours").seconds(), Some(7_200));
        assert_eq!(d(1_500, "Milliseconds").seconds(), Some(1));
        assert_eq!(d(1, "Fortnights").seconds(), None);
    }

    #[test]
    fn the_wire_form_is_camel_case_and_round_trips() {
        let p = builtin("QOS_L");
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["maxDuration"]["unit"], "Seconds");
        assert_eq!(json["targetMinDownstreamRate"]["value"], 100);
        let back: QosProfile = serde_json::from_value(json).unwrap();
        assert_eq!(back, p);
        let minimal: QosProfile =
            serde_json::from_str(r#"{"name":"X_1","status":"INACTIVE"}"#).unwrap();
        assert_eq!(minimal.duration_range(), (1, MAX_DURATION));
    }
}
