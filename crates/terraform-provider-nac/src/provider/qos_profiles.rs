//! Data source `nac_qos_profiles`: the QoS profiles the network offers (CAMARA's QoS Profiles API), or
//! NaC's built-in catalogue, with a warning, where the network does not serve that API (NaC does not).
//! It reads the same per-process list that plans check `profile` and `duration` against, and filters
//! it here: the list a configuration sees is the list its sessions are judged by.

use std::collections::HashMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeType, Schema};
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, DataSource, Diagnostics};

use super::interrupt::{interrupted, or_stopped};
use super::schema_util::{block, computed, optional};
use super::validation::{report_all, warning, Problem};
use super::SharedClient;
use nac_api::profiles::{ProfileDuration, QosProfile, Rate, STATUSES};
use nac_api::rules;

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct QosProfilesState {
    pub name: Value<String>,
    pub status: Value<String>,
    pub source: Value<String>,
    pub profiles: Value<Vec<ProfileSummary>>,
}

/// One profile as HCL sees it: durations in seconds, rates in bits per second, delays in milliseconds;
/// null where the network gives no figure.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProfileSummary {
    pub name: Value<String>,
    pub description: Value<String>,
    pub status: Value<String>,
    pub min_duration: Value<i64>,
    pub max_duration: Value<i64>,
    pub target_min_upstream_rate_bps: Value<i64>,
    pub max_upstream_rate_bps: Value<i64>,
    pub max_upstream_burst_rate_bps: Value<i64>,
    pub target_min_downstream_rate_bps: Value<i64>,
    pub max_downstream_rate_bps: Value<i64>,
    pub max_downstream_burst_rate_bps: Value<i64>,
    pub priority: Value<i64>,
    pub packet_delay_budget_ms: Value<i64>,
    pub jitter_ms: Value<i64>,
    pub packet_error_loss_rate: Value<i64>,
}

fn bps(rate: &Option<Rate>) -> Value<i64> {
    rate.as_ref()
        .and_then(|r| {
            let unit: i64 = match r.unit.as_str() {
                "bps" => 1,
                "kbps" => 1_000,
                "Mbps" => 1_000_000,
                "Gbps" => 1_000_000_000,
                "Tbps" => 1_000_000_000_000,
                _ => return None,
            };
            r.value.checked_mul(unit)
        })
        .into()
}

fn seconds(d: &Option<ProfileDuration>) -> Value<i64> {
    d.as_ref().and_then(ProfileDuration::seconds).into()
}

fn millis(d: &Option<ProfileDuration>) -> Value<i64> {
    d.as_ref()
        .and_then(|d| match d.unit.as_str() {
            "Milliseconds" => Some(d.value),
            "Microseconds" => Some(d.value / 1_000),
            "Nanoseconds" => Some(d.value / 1_000_000),
            _ => d.seconds().and_then(|s| s.checked_mul(1_000)),
        })
        .into()
}

impl ProfileSummary {
    pub fn from_wire(p: &QosProfile) -> Self {
        Self {
            name: Value::Value(p.name.clone()),
            description: p.description.clone().into(),
            status: Value::Value(p.status.clone()),
            min_duration: seconds(&p.min_duration),
            max_duration: seconds(&p.max_duration),
            target_min_upstream_rate_bps: bps(&p.target_min_upstream_rate),
            max_upstream_rate_bps: bps(&p.max_upstream_rate),
            max_upstream_burst_rate_bps: bps(&p.max_upstream_burst_rate),
            target_min_downstream_rate_bps: bps(&p.target_min_downstream_rate),
            max_downstream_rate_bps: bps(&p.max_downstream_rate),
            max_downstream_burst_rate_bps: bps(&p.max_downstream_burst_rate),
            priority: p.priority.into(),
            packet_delay_budget_ms: millis(&p.packet_delay_budget),
            jitter_ms: millis(&p.jitter),
            packet_error_loss_rate: p.packet_error_loss_rate.into(),
        }
    }
}

const NUMBERS: [&str; 12] = [
    "min_duration",
    "max_duration",
    "target_min_upstream_rate_bps",
    "max_upstream_rate_bps",
    "max_upstream_burst_rate_bps",
    "target_min_downstream_rate_bps",
    "max_downstream_rate_bps",
    "max_downstream_burst_rate_bps",
    "priority",
    "packet_delay_budget_ms",
    "jitter_ms",
    "packet_error_loss_rate",
];

fn schema() -> Schema {
    let profile_type = AttributeType::Object(
        ["name", "description", "status"]
            .into_iter()
            .map(|k| (k.to_string(), AttributeType::String))
            .chain(
                NUMBERS
                    .into_iter()
                    .map(|k| (k.to_string(), AttributeType::Number)),
            )
            .collect::<HashMap<_, _>>(),
    );
    Schema {
        version: 0,
        block: block(
            "The QoS profiles the network offers, from CAMARA's QoS Profiles API \
             (`POST /qos-profiles/v1/retrieve-qos-profiles`). Where the network does not serve that API (NaC \
             does not), NaC's thirteen built-in profiles, with a warning. `nac_qod_session` plans check \
             `profile` and `duration` against the same list, read once per provider run.",
            [
                (
                    "name",
                    optional(
                        AttributeType::String,
                        "Only the profile of this name (an empty list when there is none).",
                    ),
                ),
                (
                    "status",
                    optional(
                        AttributeType::String,
                        "Only profiles of this status: `ACTIVE` (usable for new sessions), `INACTIVE` or \
                         `DEPRECATED`.",
                    ),
                ),
                (
                    "source",
                    computed(
                        AttributeType::String,
                        "Where the list came from: `network` (the QoS Profiles API) or `built-in` (NaC's \
                         catalogue, when the network does not serve the API or it could not be read).",
                    ),
                ),
                (
                    "profiles",
                    computed(
                        AttributeType::List(Box::new(profile_type)),
                        "The profiles, in the network's order. Each has `name`, `description`, `status`; \
                         `min_duration` and `max_duration` (the session durations it allows, in seconds, \
                         as `duration` of `nac_qod_session`); the rates `target_min_upstream_rate_bps`, \
                         `max_upstream_rate_bps`, `max_upstream_burst_rate_bps`, \
                         `target_min_downstream_rate_bps`, `max_downstream_rate_bps` and \
                         `max_downstream_burst_rate_bps` as numbers in bits per second (100 Mbps is \
                         `100000000`); `priority` (lower is more important); `packet_delay_budget_ms` and \
                         `jitter_ms` in milliseconds; `packet_error_loss_rate` (the exponent: 3 means \
                         10^-3). A figure the network does not give is null.",
                    ),
                ),
            ],
            [],
        ),
    }
}

fn filter_problems(config: &QosProfilesState) -> Vec<Problem> {
    let mut out = Vec::new();
    if let Value::Value(name) = &config.name {
        if let Err(message) = rules::profile_format(name) {
            out.push(Problem {
                path: AttributePath::new("name"),
                message,
            });
        }
    }
    if let Value::Value(status) = &config.status {
        if !STATUSES.contains(&status.as_str()) {
            out.push(Problem {
                path: AttributePath::new("status"),
                message: format!(
                    "{status:?} is not a QoS profile status: one of {}",
                    STATUSES.join(", ")
                ),
            });
        }
    }
    out
}

/// The profiles that pass the configured filters.
fn filtered(profiles: &[QosProfile], config: &QosProfilesState) -> Vec<ProfileSummary> {
    let name = config.name.as_ref_option();
    let status = config.status.as_ref_option();
    profiles
        .iter()
        .filter(|p| name.is_none_or(|n| *n == p.name))
        .filter(|p| status.is_none_or(|s| *s == p.status))
        .map(ProfileSummary::from_wire)
        .collect()
}

pub struct QosProfilesDataSource {
    client: SharedClient,
}

impl QosProfilesDataSource {
    pub fn new(client: SharedClient) -> Self {
        Self { client }
    }
}

#[async_trait]
impl DataSource for QosProfilesDataSource {
    type State<'a> = QosProfilesState;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        report_all(&filter_problems(&config), diags);
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<Self::State<'a>> {
        self.client.get(diags)?;
        let found = filter_problems(&config);
        if !found.is_empty() {
            report_all(&found, diags);
            return None;
        }
        let Some(catalogue) = or_stopped(self.client.qos_profiles()).await.flatten() else {
            interrupted(diags, "reading the QoS profiles");
            return None;
        };
        if let Some(reason) = catalogue.source.fallback_reason() {
            warning(
                diags,
                "QoS profiles from the built-in list",
                format!(
                    "{reason}. `profiles` lists NaC's built-in catalogue instead (`source` = \"built-in\"); \
                     its figures are indicative, not the network's."
                ),
                AttributePath::new("source"),
            );
        }
        Some(QosProfilesState {
            profiles: Value::Value(filtered(&catalogue.profiles, &config)),
            source: Value::Value(catalogue.source.name().to_string()),
            ..config
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nac_api::profiles::{builtin_profile, catalogue};

    #[test]
    fn figures_are_in_seconds_bits_per_second_and_milliseconds() {
        let s = ProfileSummary::from_wire(&builtin_profile("QOS_L").unwrap());
        assert_eq!(s.max_duration, Value::Value(86_400));
        assert_eq!(s.min_duration, Value::Value(1));
        assert_eq!(s.target_min_downstream_rate_bps, Value::Value(100_000_000));
        assert_eq!(s.packet_delay_budget_ms, Value::Value(100));
        let bare: QosProfile = serde_json::from_str(
            r#"{"name":"X_1","status":"ACTIVE","maxDuration":{"value":2,"unit":"Hours"}}"#,
        )
        .unwrap();
        let s = ProfileSummary::from_wire(&bare);
        assert_eq!(s.max_duration, Value::Value(7_200));
        assert_eq!(s.max_upstream_rate_bps, Value::Null);
        assert_eq!(s.description, Value::Null);
    }

    #[test]
    fn filters_are_checked_and_applied() {
        let config = QosProfilesState {
            status: Value::Value("ACTIVE".into()),
            name: Value::Value("QOS_E".into()),
            ..Default::default()
        };
        assert!(filter_problems(&config).is_empty());
        let found = filtered(&catalogue(), &config);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name, Value::Value("QOS_E".into()));
        assert_eq!(
            filtered(&catalogue(), &QosProfilesState::default()).len(),
            13
        );

        let bad = QosProfilesState {
            status: Value::Value("active".into()),
            name: Value::Value("a b".into()),
            ..Default::default()
        };
        let problems = filter_problems(&bad);
        assert_eq!(problems.len(), 2);
        assert!(problems[1].message.contains("ACTIVE, INACTIVE, DEPRECATED"));
    }
}
