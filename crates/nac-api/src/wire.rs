//! The NaC Quality-on-Demand wire model (`/quality-on-demand/v1`), shared by the API client and the sandbox.
//!
//! Requests are lenient on purpose: ports are `i64` and addresses are strings, so that a server can say
//! *which* field is wrong and *why* (see [`crate::rules`]) instead of failing with a serde message, and so
//! that explicit `null`s (Nokia's Python SDK sends them) read as absent.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// A secret string: serialized as is on the wire, never shown by `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Secret(pub String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"<redacted>\"")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_access_identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv4_address: Option<DeviceIpv4Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_address: Option<String>,
}

impl Device {
    pub fn is_empty(&self) -> bool {
        self.phone_number.is_none()
            && self.network_access_identifier.is_none()
            && self.ipv4_address.is_none()
            && self.ipv6_address.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct DeviceIpv4Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_port: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationServer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv4_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_address: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortRange {
    pub from: i64,
    pub to: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PortsSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ranges: Option<Vec<PortRange>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ports: Option<Vec<i64>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SinkCredential {
    /// Always `ACCESSTOKEN` today.
    pub credential_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token_expires_utc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token_type: Option<String>,
}

impl SinkCredential {
    pub fn bearer(access_token: String, expires_utc: String) -> Self {
        Self {
            credential_type: "ACCESSTOKEN".into(),
            access_token: Some(Secret(access_token)),
            access_token_expires_utc: Some(expires_utc),
            access_token_type: Some("bearer".into()),
        }
    }
}

/// `POST /sessions` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CreateSession {
    #[serde(default)]
    pub qos_profile: Option<String>,
    #[serde(default)]
    pub device: Option<Device>,
    #[serde(default)]
    pub application_server: Option<ApplicationServer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_ports: Option<PortsSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_server_ports: Option<PortsSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sink: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sink_credential: Option<SinkCredential>,
}

/// The fields of a create request in which a session can differ from it (see the client's
/// `differences`), with their wire names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CreateField {
    QosProfile,
    Device,
    ApplicationServerIpv4,
    ApplicationServerIpv6,
    ApplicationServerPorts,
    DevicePorts,
    Sink,
    Duration,
}

impl CreateField {
    pub fn wire_name(self) -> &'static str {
        match self {
            Self::QosProfile => "qosProfile",
            Self::Device => "device",
            Self::ApplicationServerIpv4 => "applicationServer.ipv4Address",
            Self::ApplicationServerIpv6 => "applicationServer.ipv6Address",
            Self::ApplicationServerPorts => "applicationServerPorts",
            Self::DevicePorts => "devicePorts",
            Self::Sink => "sink",
            Self::Duration => "duration",
        }
    }
}

/// `POST /sessions/{id}/extend` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtendSession {
    pub requested_additional_duration: i64,
}

/// `POST /retrieve-sessions` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetrieveSessions {
    pub device: Device,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum QosStatus {
    Requested,
    Available,
    Unavailable,
}

impl QosStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "REQUESTED",
            Self::Available => "AVAILABLE",
            Self::Unavailable => "UNAVAILABLE",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StatusInfo {
    DurationExpired,
    NetworkTerminated,
    DeleteRequested,
}

impl StatusInfo {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DurationExpired => "DURATION_EXPIRED",
            Self::NetworkTerminated => "NETWORK_TERMINATED",
            Self::DeleteRequested => "DELETE_REQUESTED",
        }
    }
}

/// A session as the API returns it. The access token of `sinkCredential` is never part of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    pub session_id: String,
    pub qos_profile: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Device>,
    pub application_server: ApplicationServer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_ports: Option<PortsSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_server_ports: Option<PortsSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sink: Option<String>,
    pub duration: i64,
    #[serde(default, with = "timestamp", skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, with = "timestamp", skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    pub qos_status: QosStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_info: Option<StatusInfo>,
}

/// CAMARA error body: `{"status": 400, "code": "INVALID_ARGUMENT", "message": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorInfo {
    pub status: u16,
    pub code: String,
    pub message: String,
}

/// The CloudEvent POSTed to a session's `sink` on every status change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloudEvent {
    pub id: String,
    pub source: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub specversion: String,
    /// Optional in the CloudEvents and CAMARA schemas (CAMARA's own example omits it).
    #[serde(default = "json_content_type")]
    pub datacontenttype: String,
    #[serde(with = "timestamp_required")]
    pub time: DateTime<Utc>,
    pub data: StatusChanged,
}

fn json_content_type() -> String {
    "application/json".into()
}

pub const QOS_STATUS_CHANGED: &str = "org.camaraproject.quality-on-demand.v1.qos-status-changed";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusChanged {
    pub session_id: String,
    pub qos_status: QosStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_info: Option<StatusInfo>,
}

/// RFC 3339 in UTC with a `Z`, microseconds like NaC; also reads integer epoch seconds or milliseconds,
/// which older deployments (and the published spec) use.
pub fn format_timestamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn timestamp_from_value<E: serde::de::Error>(value: serde_json::Value) -> Result<DateTime<Utc>, E> {
    match value {
        serde_json::Value::String(s) => DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| E::custom(format!("invalid RFC 3339 timestamp {s:?}: {e}"))),
        serde_json::Value::Number(n) => {
            let n = n
                .as_i64()
                .ok_or_else(|| E::custom(format!("invalid epoch timestamp {n}")))?;
            // Ten or fewer digits are seconds; more are milliseconds.
            let t = if n.abs() < 100_000_000_000 {
                DateTime::from_timestamp(n, 0)
            } else {
                DateTime::from_timestamp_millis(n)
            };
            t.ok_or_else(|| E::custom(format!("epoch timestamp {n} out of range")))
        }
        other => Err(E::custom(format!("expected a timestamp, got {other}"))),
    }
}

mod timestamp {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&format_timestamp(t)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<serde_json::Value>::deserialize(d)? {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(v) => timestamp_from_value(v).map(Some),
        }
    }
}

mod timestamp_required {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_timestamp(t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        timestamp_from_value(serde_json::Value::deserialize(d)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_read_as_absent() {
        let body = r#"{"qosProfile":"QOS_L","device":{"phoneNumber":"+3612345678","ipv4Address":null,
            "ipv6Address":null,"networkAccessIdentifier":null},"applicationServer":{"ipv4Address":"1.2.3.4",
            "ipv6Address":null},"duration":null,"devicePorts":null,"applicationServerPorts":null,"sink":null,
            "sinkCredential":null}"#;
        let req: CreateSession = serde_json::from_str(body).unwrap();
        assert_eq!(req.duration, None);
        assert_eq!(req.device.unwrap().ipv4_address, None);
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let cred = SinkCredential::bearer("s3cr3t".into(), "2030-01-01T00:00:00Z".into());
        assert!(!format!("{cred:?}").contains("s3cr3t"));
        assert!(serde_json::to_string(&cred).unwrap().contains("s3cr3t"));
    }

    #[test]
    fn timestamps_accept_rfc3339_and_epochs() {
        let base = r#"{"sessionId":"x","qosProfile":"QOS_L","applicationServer":{},"duration":1,"qosStatus":"AVAILABLE","#;
        for (ts, secs) in [
            (r#""2024-06-18T08:48:12.300312Z""#, 1718700492),
            ("1718700492", 1718700492),
            ("1718700492300", 1718700492),
        ] {
            let s: SessionInfo =
                serde_json::from_str(&format!(r#"{base}"startedAt":{ts}}}"#)).unwrap();
            assert_eq!(s.started_at.unwrap().timestamp(), secs);
        }
        let t = DateTime::parse_from_rfc3339("2024-06-18T08:48:12.300312Z").unwrap();
        assert_eq!(
            format_timestamp(&t.with_timezone(&Utc)),
            "2024-06-18T08:48:12.300312Z"
        );
    }
}
