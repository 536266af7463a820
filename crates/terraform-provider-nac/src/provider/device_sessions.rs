//! Data source `nac_device_sessions`: the QoD sessions the network holds for one device.

use std::collections::HashMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeType, Schema};
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, DataSource, Diagnostics};

use super::device_block::{self, DeviceBlock};
use super::schema_util::{block, computed};
use super::validation::{problems, report_all, root_error, Known, Problem};
use super::SharedClient;
use nac_api::rules;
use nac_api::wire::{format_timestamp, Device, SessionInfo};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeviceSessionsState {
    pub device: Value<DeviceBlock>,
    pub sessions: Value<Vec<SessionSummary>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SessionSummary {
    pub id: Value<String>,
    pub profile: Value<String>,
    pub status: Value<String>,
    pub status_info: Value<String>,
    pub duration: Value<i64>,
    pub started_at: Value<String>,
    pub expires_at: Value<String>,
    pub service_ipv4: Value<String>,
    pub service_ipv6: Value<String>,
}

impl SessionSummary {
    pub fn from_wire(s: &SessionInfo) -> Self {
        Self {
            id: Value::Value(s.session_id.clone()),
            profile: Value::Value(s.qos_profile.clone()),
            status: Value::Value(s.qos_status.as_str().to_string()),
            status_info: s.status_info.map(|i| i.as_str().to_string()).into(),
            duration: Value::Value(s.duration),
            started_at: s.started_at.as_ref().map(format_timestamp).into(),
            expires_at: s.expires_at.as_ref().map(format_timestamp).into(),
            service_ipv4: s.application_server.ipv4_address.clone().into(),
            service_ipv6: s.application_server.ipv6_address.clone().into(),
        }
    }
}

fn schema() -> Schema {
    let string = || AttributeType::String;
    let session_type = AttributeType::Object(HashMap::from(
        [
            ("id", string()),
            ("profile", string()),
            ("status", string()),
            ("status_info", string()),
            ("duration", AttributeType::Number),
            ("started_at", string()),
            ("expires_at", string()),
            ("service_ipv4", string()),
            ("service_ipv6", string()),
        ]
        .map(|(k, v)| (k.to_string(), v)),
    ));
    Schema {
        version: 0,
        block: block(
            "The Quality-on-Demand sessions the network holds for one device, including ones that ended but \
             are still readable (status `UNAVAILABLE`). An empty list when it has none.",
            [(
                "sessions",
                computed(
                    AttributeType::List(Box::new(session_type)),
                    "The device's sessions, oldest first. Each has `id`, `profile`, `status` (`REQUESTED`, \
                     `AVAILABLE` or `UNAVAILABLE`), `status_info` (why it is `UNAVAILABLE`, else null), \
                     `duration` (seconds), `started_at` and `expires_at` (RFC 3339, UTC), `service_ipv4` and \
                     `service_ipv6` (the application server).",
                ),
            )],
            [(
                "device",
                device_block::schema(
                    "The device whose sessions to list (exactly one block, with at least one identifier); the \
                     same block as in `nac_qod_session`.",
                ),
            )],
        ),
    }
}

fn device_of(config: &DeviceSessionsState) -> (Option<Device>, Vec<Problem>) {
    let mut known = Known::default();
    let device = match &config.device {
        Value::Value(d) => d.to_wire(&mut known, &AttributePath::new("device")),
        Value::Null => Device::default(),
        Value::Unknown => return (None, vec![]),
    };
    let mut violations = Vec::new();
    rules::validate_device(&device, "device", &mut violations);
    let found = problems(violations, &known);
    (known.all_known().then_some(device), found)
}

pub struct DeviceSessionsDataSource {
    client: SharedClient,
}

impl DeviceSessionsDataSource {
    pub fn new(client: SharedClient) -> Self {
        Self { client }
    }
}

#[async_trait]
impl DataSource for DeviceSessionsDataSource {
    type State<'a> = DeviceSessionsState;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        report_all(&device_of(&config).1, diags);
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<Self::State<'a>> {
        let client = self.client.get(diags)?;
        let (device, found) = device_of(&config);
        if !found.is_empty() {
            report_all(&found, diags);
            return None;
        }
        let Some(device) = device else {
            root_error(diags, "The device block is not known yet", "");
            return None;
        };
        let Some(listed) = super::interrupt::or_stopped(client.device_sessions(&device)).await
        else {
            super::interrupt::interrupted(diags, "listing the device's QoS sessions");
            return None;
        };
        let mut sessions = match listed {
            Ok(s) => s,
            Err(e) => {
                root_error(
                    diags,
                    "Failed to list the device's QoS sessions",
                    e.to_string(),
                );
                return None;
            }
        };
        // Oldest first, so that a list index keeps meaning the same session between reads.
        sessions.sort_by(|a, b| (a.started_at, &a.session_id).cmp(&(b.started_at, &b.session_id)));
        log::debug!("the device has {} QoS sessions", sessions.len());
        Some(DeviceSessionsState {
            device: config.device,
            sessions: Value::Value(sessions.iter().map(SessionSummary::from_wire).collect()),
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use nac_api::wire::{ApplicationServer, QosStatus, StatusInfo};

    #[test]
    fn sessions_map_from_the_wire() {
        let session = SessionInfo {
            session_id: "id-1".into(),
            qos_profile: "QOS_L".into(),
            device: None,
            application_server: ApplicationServer {
                ipv4_address: Some("233.252.0.9".into()),
                ipv6_address: None,
            },
            device_ports: None,
            application_server_ports: None,
            sink: None,
            duration: 600,
            started_at: Some(Utc.with_ymd_and_hms(2024, 6, 18, 8, 0, 0).unwrap()),
            expires_at: Some(Utc.with_ymd_and_hms(2024, 6, 18, 8, 10, 0).unwrap()),
            qos_status: QosStatus::Unavailable,
            status_info: Some(StatusInfo::DurationExpired),
        };
        assert_eq!(
            SessionSummary::from_wire(&session),
            SessionSummary {
                id: Value::Value("id-1".into()),
                profile: Value::Value("QOS_L".into()),
                status: Value::Value("UNAVAILABLE".into()),
                status_info: Value::Value("DURATION_EXPIRED".into()),
                duration: Value::Value(600),
                started_at: Value::Value("2024-06-18T08:00:00.000000Z".into()),
                expires_at: Value::Value("2024-06-18T08:10:00.000000Z".into()),
                service_ipv4: Value::Value("233.252.0.9".into()),
                service_ipv6: Value::Null,
            }
        );
    }

    #[test]
    fn the_device_is_validated_like_the_resource_one() {
        let config = |device: DeviceBlock| DeviceSessionsState {
            device: Value::Value(device),
            sessions: Value::Null,
        };
        let (device, found) = device_of(&config(DeviceBlock::default()));
        assert_eq!(found[0].attribute(), "device");
        assert!(device.is_some());
        let (_, found) = device_of(&config(DeviceBlock {
            phone_number: Value::Value("36-72".into()),
            ..Default::default()
        }));
        assert_eq!(found[0].attribute(), "device.phone_number");
        let (device, found) = device_of(&config(DeviceBlock {
            phone_number: Value::Unknown,
            ..Default::default()
        }));
        assert!(found.is_empty() && device.is_none(), "judged once known");
    }
}
