//! List resource `nac_qod_session` (Terraform 1.14+, `terraform query`): the live QoS sessions of one
//! device (NaC's retrieve-sessions), or every session of the API key where the API serves
//! `GET /sessions`, each with its identity and, when asked, its state, for import with generated
//! configuration.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeType, NestedBlock, Schema};
use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics, ListResource, ListResults};

use super::device_block::{self, DeviceBlock};
use super::qod_session::{refreshed_state, SessionState};
use super::qod_session_identity::identity_of;
use super::schema_util::{block, optional, optional_block};
use super::validation::{error, problems, report_all, root_error, Known};
use super::SharedClient;
use nac_api::rules;
use nac_api::wire::{format_timestamp, Device, QosStatus, SessionInfo};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SessionListConfig {
    #[serde(with = "optional_block")]
    pub device: Value<DeviceBlock>,
    pub all_sessions: Value<bool>,
}

fn schema() -> Schema {
    Schema {
        version: 0,
        block: block(
            "The live QoS sessions (`REQUESTED` or `AVAILABLE`) of one device, or of the whole API key, for \
             `terraform query`. Each result's identity is the session id; with `-generate-config-out`, \
             Terraform writes an `import` block and a `nac_qod_session` resource that plans as an import only.",
            [(
                "all_sessions",
                optional(
                    AttributeType::Bool,
                    "List every session of the API key instead of one device's (`GET /sessions`, which NaC \
                     serves but the CAMARA standard does not define). Exactly one of `device` and \
                     `all_sessions = true`.",
                ),
            )],
            [("device", optional_device_block())],
        ),
    }
}

/// The resource's device block, optional here (`all_sessions` is the other choice).
fn optional_device_block() -> NestedBlock {
    match device_block::schema(
        "The device whose sessions to list (NaC's retrieve-sessions); the same block as in \
         `nac_qod_session`.",
    ) {
        NestedBlock::Single(block) => NestedBlock::Optional(block),
        other => other,
    }
}

/// Where to look: one device, or the whole key.
enum Scope {
    Device(Device),
    All,
}

fn scope_of(config: &SessionListConfig, diags: &mut Diagnostics) -> Option<Scope> {
    let all = matches!(config.all_sessions, Value::Value(true));
    match (&config.device, all) {
        (Value::Value(d), false) => {
            let mut known = Known::default();
            let device = d.to_wire(&mut known, &AttributePath::new("device"));
            let mut violations = Vec::new();
            rules::validate_device(&device, "device", &mut violations);
            let found = problems(violations, &known);
            report_all(&found, diags);
            (found.is_empty() && known.all_known()).then_some(Scope::Device(device))
        }
        (Value::Null, true) => Some(Scope::All),
        (Value::Value(_), true) => {
            error(
                diags,
                "Both device and all_sessions given",
                "List one device's sessions (a `device` block) or all of the key's (`all_sessions = true`), not both.",
                AttributePath::new("all_sessions"),
            );
            None
        }
        _ => {
            root_error(
                diags,
                "Nothing to list",
                "Give a `device` block inside `config`, or `all_sessions = true`.",
            );
            None
        }
    }
}

/// What a person recognises: profile, device and expiry.
pub fn display_name(session: &SessionInfo) -> String {
    let device = session
        .device
        .as_ref()
        .map_or_else(String::new, describe_device);
    let until = session
        .expires_at
        .as_ref()
        .map_or_else(|| "not started".to_string(), format_timestamp);
    format!("{} for {device} until {until}", session.qos_profile)
}

fn describe_device(d: &Device) -> String {
    if let Some(nai) = &d.network_access_identifier {
        nai.clone()
    } else if let Some(phone) = &d.phone_number {
        phone.clone()
    } else if let Some(v4) = &d.ipv4_address {
        v4.public_address.clone().unwrap_or_default()
    } else {
        d.ipv6_address.clone().unwrap_or_default()
    }
}

pub struct QodSessionList {
    client: SharedClient,
}

impl QodSessionList {
    pub fn new(client: SharedClient) -> Self {
        Self { client }
    }
}

#[async_trait]
impl ListResource for QodSessionList {
    type Config<'a> = SessionListConfig;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::Config<'a>) -> Option<()> {
        if !config.device.is_unknown() && !config.all_sessions.is_unknown() {
            scope_of(&config, diags);
        }
        Some(())
    }

    async fn list<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::Config<'a>,
        results: &mut ListResults,
    ) -> Option<()> {
        let client = self.client.get(diags)?;
        let sessions = match scope_of(&config, diags)? {
            Scope::Device(device) => client.device_sessions(&device).await.map_err(|e| {
                format!("Listing the device's sessions (POST /retrieve-sessions) failed: {e}")
            }),
            Scope::All => client.list_sessions().await.map_err(|e| {
                format!(
                    "Listing every session of the API key (GET /sessions) failed: {e}. This API may not \
                     serve it: list per device instead (a `device` block)."
                )
            }),
        };
        let mut sessions = match sessions {
            Ok(s) => s,
            Err(message) => {
                root_error(diags, "Failed to list the QoS sessions", message);
                return None;
            }
        };
        sessions.retain(|s| s.qos_status != QosStatus::Unavailable);
        sessions.sort_by(|a, b| (a.started_at, &a.session_id).cmp(&(b.started_at, &b.session_id)));
        log::debug!("listing {} live QoS sessions", sessions.len());
        for session in &sessions {
            let state: SessionState = refreshed_state(&SessionState::default(), session);
            let Some(identity) = identity_of(&state) else {
                continue;
            };
            let more = results
                .push(diags, &identity, display_name(session), Some(&state))
                .await;
            if !more {
                break;
            }
        }
        Some(())
    }
}
