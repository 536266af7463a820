//! Resource `nac_qod_session`: one QoD session, created, refreshed, extended in place, replaced and deleted.

use std::collections::HashSet;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeType, Block, NestedBlock, Schema};
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

use super::device_block::{same_address, DeviceBlock};
use super::number::Whole;
use super::ports_block::PortsBlock;
use super::schema_util::{
    block, computed, optional, optional_block, optional_computed, required, sensitive,
};
use super::timeouts::{parse_duration, TimeoutsBlock, DEFAULT_CREATE_TIMEOUT};
use super::validation::{problems, report_all, root_error, warning, Known, Problem};
use super::SharedClient;
use crate::client::NacClient;
use crate::rules::{self, DEFAULT_DURATION, MAX_DURATION, PROFILES};
use crate::wire::{
    format_timestamp, ApplicationServer, CreateSession, QosStatus, Secret, SessionInfo,
    SinkCredential,
};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SessionState {
    pub id: Value<String>,
    pub profile: Value<String>,
    pub service_ipv4: Value<String>,
    pub service_ipv6: Value<String>,
    pub duration: Value<Whole>,
    pub device: Value<DeviceBlock>,
    #[serde(with = "optional_block")]
    pub service_ports: Value<PortsBlock>,
    #[serde(with = "optional_block")]
    pub device_ports: Value<PortsBlock>,
    pub sink: Value<String>,
    #[serde(with = "optional_block")]
    pub sink_credential: Value<SinkCredentialBlock>,
    pub status: Value<String>,
    pub status_info: Value<String>,
    pub started_at: Value<String>,
    pub expires_at: Value<String>,
    #[serde(with = "optional_block")]
    pub timeouts: Value<TimeoutsBlock>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SinkCredentialBlock {
    pub access_token: Value<String>,
    pub access_token_expires_at: Value<String>,
}

/// What the provider remembers beside the state.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SessionPrivate {
    /// The session was imported and has a sink: its credential is unknown to us (the API never returns
    /// it), so the first credential the configuration gives is recorded without a replacement.
    #[serde(default)]
    pub sink_credential_unverified: bool,
}

pub struct QodSessionResource {
    client: SharedClient,
}

impl QodSessionResource {
    pub fn new(client: SharedClient) -> Self {
        Self { client }
    }
}

fn schema() -> Schema {
    let string = || AttributeType::String;
    let sink_credential = block(
        "Credential the network presents when it posts notifications to `sink` (as `Authorization: Bearer`). \
         Only allowed together with `sink`. The API never returns the token, so it is kept from the \
         configuration; changing it creates a new session.",
        [
            (
                "access_token",
                sensitive(required(string(), "Bearer access token for `sink`. Sensitive.")),
            ),
            (
                "access_token_expires_at",
                required(string(), "When the access token expires, RFC 3339 (e.g. `2030-01-01T00:00:00Z`)."),
            ),
        ],
        [],
    );
    let root: Block = block(
        "A Network as Code Quality-on-Demand session: the network gives one device a QoS profile towards an \
         application server for `duration` seconds. Creating it waits until the network reports it \
         `AVAILABLE`. A session the network ended (expired or terminated) is planned for replacement; \
         increasing `duration` extends the session in place while the remaining time stays within 24 hours; \
         any other change creates a new session.",
        [
            ("id", computed(string(), "Session id assigned by the network.")),
            (
                "profile",
                required(
                    string(),
                    "QoS profile name: one of `DOWNLINK_{S,M,L}_UPLINK_{S,M,L}` (e.g. `DOWNLINK_L_UPLINK_L`), \
                     `QOS_E`, `QOS_S`, `QOS_M`, `QOS_L`. Changing it creates a new session.",
                ),
            ),
            (
                "service_ipv4",
                optional(
                    string(),
                    "IPv4 address or CIDR block of the application server (e.g. `233.252.0.2` or \
                     `198.51.100.0/24`). At least one of `service_ipv4` and `service_ipv6` is required.",
                ),
            ),
            (
                "service_ipv6",
                optional(
                    string(),
                    "IPv6 address or CIDR block of the application server (e.g. `2001:db8::1` or \
                     `2001:db8:85a3::/64`). At least one of `service_ipv4` and `service_ipv6` is required.",
                ),
            ),
            (
                "duration",
                optional_computed(
                    AttributeType::Number,
                    "Session duration in seconds, 1 to 86400 (default 86400). Increasing it extends the \
                     session in place when the remaining time plus the increase stays within 86400 s; \
                     otherwise, and on a decrease, a new session is created.",
                ),
            ),
            (
                "sink",
                optional(
                    string(),
                    "`https://` URL the network posts session status notifications to (CloudEvents).",
                ),
            ),
            (
                "status",
                computed(
                    string(),
                    "Session status: `REQUESTED`, `AVAILABLE` or `UNAVAILABLE`. A session found `UNAVAILABLE` \
                     on refresh is planned for replacement.",
                ),
            ),
            (
                "status_info",
                computed(
                    string(),
                    "Why the session is `UNAVAILABLE`: `DURATION_EXPIRED`, `NETWORK_TERMINATED` or \
                     `DELETE_REQUESTED`; null otherwise.",
                ),
            ),
            ("started_at", computed(string(), "When the session started (RFC 3339, UTC).")),
            ("expires_at", computed(string(), "When the session expires (RFC 3339, UTC).")),
        ],
        [
            (
                "device",
                super::device_block::schema(
                    "The device that gets the QoS profile (exactly one block, with at least one identifier). \
                     Changing it creates a new session.",
                ),
            ),
            (
                "service_ports",
                super::ports_block::schema(
                    "Ports of the application server the profile applies to (optional; at least one port or \
                     range when given). Changing them creates a new session.",
                ),
            ),
            (
                "device_ports",
                super::ports_block::schema(
                    "Ports of the device the profile applies to (optional; at least one port or range when \
                     given). Changing them creates a new session.",
                ),
            ),
            ("sink_credential", NestedBlock::Optional(sink_credential)),
            ("timeouts", super::timeouts::schema()),
        ],
    );
    Schema {
        version: 0,
        block: root,
    }
}

/// The create request for a configuration, from its known values (unknown ones recorded in `known`).
pub fn create_request(state: &SessionState, known: &mut Known) -> CreateSession {
    let device = match &state.device {
        Value::Value(d) => Some(d.to_wire(known, &AttributePath::new("device"))),
        Value::Null => None,
        Value::Unknown => {
            known.unknown.push(AttributePath::new("device"));
            None
        }
    };
    let credential_path = AttributePath::new("sink_credential").index(0);
    let sink_credential = match &state.sink_credential {
        Value::Value(c) => Some(SinkCredential {
            access_token: known
                .get(
                    &c.access_token,
                    &credential_path.clone().attribute("access_token"),
                )
                .map(Secret),
            access_token_expires_utc: known.get(
                &c.access_token_expires_at,
                &credential_path.clone().attribute("access_token_expires_at"),
            ),
            ..SinkCredential::bearer(String::new(), String::new())
        }),
        Value::Null => None,
        Value::Unknown => {
            known.unknown.push(credential_path);
            None
        }
    };
    CreateSession {
        qos_profile: known.get(&state.profile, &AttributePath::new("profile")),
        device,
        application_server: Some(ApplicationServer {
            ipv4_address: known.get(&state.service_ipv4, &AttributePath::new("service_ipv4")),
            ipv6_address: known.get(&state.service_ipv6, &AttributePath::new("service_ipv6")),
        }),
        duration: known.get_whole(
            &state.duration,
            &AttributePath::new("duration"),
            DEFAULT_DURATION,
        ),
        device_ports: PortsBlock::to_wire_opt(
            &state.device_ports,
            known,
            &AttributePath::new("device_ports").index(0),
        ),
        application_server_ports: PortsBlock::to_wire_opt(
            &state.service_ports,
            known,
            &AttributePath::new("service_ports").index(0),
        ),
        sink: known.get(&state.sink, &AttributePath::new("sink")),
        sink_credential,
    }
}

/// Every constraint a configuration breaks with the values known so far.
pub fn config_problems(config: &SessionState) -> Vec<Problem> {
    let mut known = Known::default();
    let request = create_request(config, &mut known);
    let mut out = problems(rules::validate_create(&request, &PROFILES), &known);
    if let Value::Value(t) = &config.timeouts {
        if let Value::Value(create) = &t.create {
            if let Err(message) = parse_duration(create) {
                out.push(Problem {
                    path: AttributePath::new("timeouts").index(0).attribute("create"),
                    message,
                });
            }
        }
    }
    out
}

fn create_timeout(state: &SessionState) -> Duration {
    state
        .timeouts
        .as_ref_option()
        .and_then(|t| t.create.as_ref_option())
        .and_then(|t| parse_duration(t).ok())
        .unwrap_or(DEFAULT_CREATE_TIMEOUT)
}

fn set_computed_unknown(state: &mut SessionState) {
    state.id = Value::Unknown;
    state.status = Value::Unknown;
    state.status_info = Value::Unknown;
    state.started_at = Value::Unknown;
    state.expires_at = Value::Unknown;
}

/// Copies what the API says about a session into the computed attributes.
fn set_computed(state: &mut SessionState, session: &SessionInfo) {
    state.id = Value::Value(session.session_id.clone());
    state.status = Value::Value(session.qos_status.as_str().to_string());
    state.status_info = session.status_info.map(|s| s.as_str().to_string()).into();
    state.started_at = session.started_at.as_ref().map(format_timestamp).into();
    state.expires_at = session.expires_at.as_ref().map(format_timestamp).into();
}

/// The state after a refresh: every attribute the API returns, from the API, keeping the prior
/// spelling of values the API reports as equal. The sink credential and timeouts are not API data.
pub fn refreshed_state(prior: &SessionState, session: &SessionInfo) -> SessionState {
    let address = |prior: &Value<String>, api: &Option<String>| -> Value<String> {
        if same_address(&prior.as_ref_option().cloned(), api) {
            prior.clone()
        } else {
            api.clone().into()
        }
    };
    let mut state = SessionState {
        profile: Value::Value(session.qos_profile.clone()),
        service_ipv4: address(
            &prior.service_ipv4,
            &session.application_server.ipv4_address,
        ),
        service_ipv6: address(
            &prior.service_ipv6,
            &session.application_server.ipv6_address,
        ),
        duration: Value::Value(Whole::Int(session.duration)),
        device: DeviceBlock::refreshed(&prior.device, session.device.as_ref()),
        service_ports: PortsBlock::refreshed(
            &prior.service_ports,
            session.application_server_ports.as_ref(),
        ),
        device_ports: PortsBlock::refreshed(&prior.device_ports, session.device_ports.as_ref()),
        sink: session.sink.clone().into(),
        sink_credential: prior.sink_credential.clone(),
        timeouts: prior.timeouts.clone(),
        ..Default::default()
    };
    set_computed(&mut state, session);
    state
}

/// How a plan changes an existing session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    None,
    /// Extend in place by this many seconds.
    Extend(i64),
    /// A new session; the attributes that force it.
    Replace(Vec<AttributePath>),
}

/// Decides between nothing, an in-place extend and a replacement, with warnings that say why.
pub fn plan_change(
    prior: &SessionState,
    planned: &SessionState,
    private: &SessionPrivate,
    now: DateTime<Utc>,
    diags: &mut Diagnostics,
) -> Change {
    let mut replace = Vec::new();
    if prior.status.as_ref_option().map(String::as_str) == Some(QosStatus::Unavailable.as_str()) {
        let why = prior
            .status_info
            .as_ref_option()
            .map_or("no status_info given", String::as_str);
        warning(diags,
            "QoS session ended: it will be replaced",
            format!(
                "Session {} is UNAVAILABLE (status_info {why}); the network no longer applies it, so Terraform \
                 will create a new session.",
                prior.id.as_ref_option().map_or("?", String::as_str)
            ),
            AttributePath::new("status_info"),
        );
        replace.push(AttributePath::new("status"));
    }
    let mut differs = |name: &'static str, changed: bool| {
        if changed {
            replace.push(AttributePath::new(name));
        }
    };
    differs("profile", prior.profile != planned.profile);
    differs("service_ipv4", prior.service_ipv4 != planned.service_ipv4);
    differs("service_ipv6", prior.service_ipv6 != planned.service_ipv6);
    differs("device", prior.device != planned.device);
    differs(
        "service_ports",
        prior.service_ports != planned.service_ports,
    );
    differs("device_ports", prior.device_ports != planned.device_ports);
    differs("sink", prior.sink != planned.sink);
    differs(
        "sink_credential",
        prior.sink_credential != planned.sink_credential && !private.sink_credential_unverified,
    );

    let mut extend = 0;
    let whole = |v: &Value<Whole>| v.as_ref().map(|w| w.as_i64());
    match (whole(&prior.duration), whole(&planned.duration)) {
        (Value::Value(Some(old)), Value::Value(Some(new))) if new == old => {}
        (Value::Value(Some(old)), Value::Value(Some(new))) if new > old => {
            let added = new - old;
            match remaining_seconds(prior, now) {
                Some(remaining) if remaining + added <= MAX_DURATION => extend = added,
                remaining => {
                    if replace.is_empty() {
                        warning(diags,
                            "Duration increase needs a new session",
                            format!(
                                "Extending the session by {added} s would leave {} s remaining, more than the \
                                 API's cap of {MAX_DURATION} s, so Terraform will create a new session with a \
                                 duration of {new} s instead.",
                                remaining.map_or("unknown".to_string(), |r| (r + added).to_string()),
                            ),
                            AttributePath::new("duration"),
                        );
                    }
                    replace.push(AttributePath::new("duration"));
                }
            }
        }
        (Value::Null, Value::Null) => {}
        _ => replace.push(AttributePath::new("duration")),
    }
    if !replace.is_empty() {
        Change::Replace(replace)
    } else if extend > 0 {
        Change::Extend(extend)
    } else {
        Change::None
    }
}

fn remaining_seconds(state: &SessionState, now: DateTime<Utc>) -> Option<i64> {
    let expires = DateTime::parse_from_rfc3339(state.expires_at.as_ref_option()?).ok()?;
    // Round up: a partial second still counts against the cap.
    let millis = (expires.with_timezone(&Utc) - now)
        .num_milliseconds()
        .max(0);
    Some((millis + 999) / 1000)
}

fn session_id(state: &SessionState, diags: &mut Diagnostics) -> Option<String> {
    match &state.id {
        Value::Value(id) if !id.is_empty() => Some(id.clone()),
        _ => {
            root_error(diags, "The QoS session has no id in state", "");
            None
        }
    }
}

/// Id prefix of a session whose create may or may not have happened (the API went away mid-call).
const PENDING: &str = "pending:";

/// The id recorded for a create whose outcome is unknown: when the attempt started, so that a later
/// refresh or destroy can find the session if the API did make it.
fn pending_id(started: DateTime<Utc>) -> String {
    format!("{PENDING}{}", format_timestamp(&started))
}

fn pending_since(id: &str) -> Option<DateTime<Utc>> {
    let since = id.strip_prefix(PENDING)?;
    DateTime::parse_from_rfc3339(since)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The session a pending create made, if any (it is then claimed by this state).
async fn resolve_pending(
    client: &NacClient,
    state: &SessionState,
    since: DateTime<Utc>,
) -> Result<Option<SessionInfo>, crate::client::ApiError> {
    let mut known = Known::default();
    let request = create_request(state, &mut known);
    client
        .find_created_session(&request, since, &HashSet::new())
        .await
}

/// Polls a new session until it is no longer REQUESTED.
enum Waited {
    Available(SessionInfo),
    Unavailable(SessionInfo),
    Gone,
    TimedOut(SessionInfo),
    Failed(SessionInfo, crate::client::ApiError),
}

async fn wait_until_settled(
    client: &NacClient,
    mut session: SessionInfo,
    timeout: Duration,
) -> Waited {
    let deadline = tokio::time::Instant::now() + timeout;
    // Short first: a sandbox or a fast network settles within tens of milliseconds.
    let mut interval = Duration::from_millis(25);
    loop {
        match session.qos_status {
            QosStatus::Available => return Waited::Available(session),
            QosStatus::Unavailable => return Waited::Unavailable(session),
            QosStatus::Requested => {}
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return Waited::TimedOut(session);
        }
        tokio::time::sleep(interval.min(deadline - now)).await;
        interval = interval.mul_f64(1.5).min(Duration::from_secs(2));
        log::debug!(
            "polling QoS session {} until it is AVAILABLE",
            session.session_id
        );
        session = match client.get_session(&session.session_id).await {
            Ok(Some(s)) => s,
            Ok(None) => return Waited::Gone,
            Err(e) => return Waited::Failed(session, e),
        };
    }
}

#[async_trait]
impl Resource for QodSessionResource {
    type State<'a> = SessionState;
    type PrivateState<'a> = Option<SessionPrivate>;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        report_all(&config_problems(&config), diags);
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let client = self.client.get(diags)?;
        let id = session_id(&state, diags)?;
        if let Some(since) = pending_since(&id) {
            return match resolve_pending(client, &state, since).await {
                Ok(Some(session)) => {
                    log::info!(
                        "the create whose outcome was unknown made session {}",
                        session.session_id
                    );
                    Some((refreshed_state(&state, &session), private_state))
                }
                Ok(None) => {
                    log::info!("the create whose outcome was unknown made no session; removing it from state");
                    None
                }
                Err(e) => {
                    root_error(
                        diags,
                        "Failed to look for the session of an unfinished create",
                        e.to_string(),
                    );
                    Some((state, private_state))
                }
            };
        }
        match client.get_session(&id).await {
            Ok(Some(session)) => {
                log::debug!(
                    "refreshed QoS session {id}: {}",
                    session.qos_status.as_str()
                );
                Some((refreshed_state(&state, &session), private_state))
            }
            Ok(None) => {
                log::info!("QoS session {id} no longer exists; removing it from state");
                None
            }
            Err(e) => {
                root_error(diags, "Failed to read the QoS session", e.to_string());
                Some((state, private_state))
            }
        }
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed_state: Self::State<'a>,
        config_state: Self::State<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        report_all(&config_problems(&config_state), diags);
        let mut planned = proposed_state;
        if config_state.duration.is_null() {
            planned.duration = Value::Value(Whole::Int(DEFAULT_DURATION));
        }
        set_computed_unknown(&mut planned);
        Some((planned, None))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        proposed_state: Self::State<'a>,
        config_state: Self::State<'a>,
        prior_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        report_all(&config_problems(&config_state), diags);
        let mut planned = proposed_state;
        if config_state.duration.is_null() {
            planned.duration = Value::Value(Whole::Int(DEFAULT_DURATION));
        }
        let private = prior_private_state.clone().unwrap_or_default();
        match plan_change(&prior_state, &planned, &private, Utc::now(), diags) {
            Change::None => Some((planned, prior_private_state, vec![])),
            Change::Extend(_) => {
                planned.expires_at = Value::Unknown;
                Some((planned, prior_private_state, vec![]))
            }
            Change::Replace(paths) => {
                set_computed_unknown(&mut planned);
                Some((planned, prior_private_state, paths))
            }
        }
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior_state: Self::State<'a>,
        prior_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(prior_private_state)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned_state: Self::State<'a>,
        _config_state: Self::State<'a>,
        _planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let client = self.client.get(diags)?;
        // Values unknown at plan time are known now: check them before anything is sent.
        let problems = config_problems(&planned_state);
        if !problems.is_empty() {
            report_all(&problems, diags);
            return None;
        }
        let mut known = Known::default();
        let request = create_request(&planned_state, &mut known);
        if !known.all_known() {
            root_error(
                diags,
                "Values still unknown at apply",
                format!("{:?}", known.unknown),
            );
            return None;
        }
        let started = Utc::now();
        let session = match client.create_session(&request).await {
            Ok(s) => s,
            Err(e) if e.is_outcome_unknown() => {
                // The session may exist: keep the resource (tainted) so that the next refresh or destroy
                // finds it, rather than leave a session the state does not know.
                let mut state = planned_state;
                state.id = Value::Value(pending_id(started));
                state.status = Value::Null;
                state.status_info = Value::Null;
                state.started_at = Value::Null;
                state.expires_at = Value::Null;
                root_error(
                    diags,
                    "Failed to create the QoS session",
                    format!(
                        "{e}. The resource is kept in state as tainted with a pending id: the next plan \
                         looks for the session and the next apply replaces it."
                    ),
                );
                return Some((state, None));
            }
            Err(e) => {
                root_error(diags, "Failed to create the QoS session", e.to_string());
                return None;
            }
        };
        let id = session.session_id.clone();
        log::info!("created QoS session {id} ({})", session.qos_status.as_str());

        let mut state = planned_state;
        let timeout = create_timeout(&state);
        match wait_until_settled(client, session, timeout).await {
            Waited::Available(session) => {
                set_computed(&mut state, &session);
                Some((state, None))
            }
            Waited::Unavailable(session) => {
                let why = session
                    .status_info
                    .map_or("no status_info given", |s| s.as_str());
                log::warn!("QoS session {id} became UNAVAILABLE ({why}); deleting it");
                set_computed(&mut state, &session);
                match client.delete_session(&id).await {
                    Ok(()) => {
                        root_error(
                            diags,
                            "The network did not make the QoS session available",
                            format!("Session {id} became UNAVAILABLE ({why}), so it was deleted."),
                        );
                        None
                    }
                    Err(e) => {
                        // Keep it in state (tainted) so that the next apply or destroy removes it.
                        root_error(diags,
                            "The network did not make the QoS session available",
                            format!(
                                "Session {id} became UNAVAILABLE ({why}), and deleting it failed: {e}. It is \
                                 kept in state as tainted so that the next apply or destroy removes it."
                            ),
                        );
                        Some((state, None))
                    }
                }
            }
            Waited::Gone => {
                root_error(diags,
                    "The QoS session disappeared",
                    format!("Session {id} was created but the API no longer knows it (404) while waiting for it to become AVAILABLE."),
                );
                None
            }
            Waited::TimedOut(session) => {
                set_computed(&mut state, &session);
                root_error(diags,
                    "Timed out waiting for the QoS session",
                    format!(
                        "Session {id} was still {} after {timeout:?} (timeouts.create). It is kept in state as \
                         tainted, so the next apply replaces it.",
                        session.qos_status.as_str()
                    ),
                );
                Some((state, None))
            }
            Waited::Failed(session, e) => {
                set_computed(&mut state, &session);
                root_error(diags,
                    "Failed while waiting for the QoS session",
                    format!("Session {id} was created, but reading it failed: {e}. It is kept in state as tainted."),
                );
                Some((state, None))
            }
        }
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        planned_state: Self::State<'a>,
        _config_state: Self::State<'a>,
        planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let client = self.client.get(diags)?;
        let id = session_id(&prior_state, diags)?;
        let mut state = planned_state;
        // After an import the credential was unknown; once the configuration gives one, it is recorded.
        let private = if state.sink_credential.is_value() {
            None
        } else {
            planned_private_state
        };
        let whole = |v: &Value<Whole>| v.as_ref_option().and_then(Whole::as_i64);
        if let (Some(old), Some(new)) = (whole(&prior_state.duration), whole(&state.duration)) {
            if new > old {
                let added = new - old;
                let session = match client.extend_session(&id, added).await {
                    Ok(s) => s,
                    Err(e) => {
                        root_error(diags, "Failed to extend the QoS session", e.to_string());
                        return Some((prior_state, private));
                    }
                };
                log::info!(
                    "extended QoS session {id} by {added} s; it now expires at {:?}",
                    session.expires_at
                );
                set_computed(&mut state, &session);
                if session.duration != new {
                    root_error(diags,
                        "The API extended the QoS session differently",
                        format!(
                            "Session {id} was asked to last {new} s in total but the API reports {} s.",
                            session.duration
                        ),
                    );
                    state.duration = Value::Value(Whole::Int(session.duration));
                }
            }
        }
        Some((state, private))
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        _planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let client = self.client.get(diags)?;
        let mut id = session_id(&prior_state, diags)?;
        if let Some(since) = pending_since(&id) {
            match resolve_pending(client, &prior_state, since).await {
                Ok(Some(session)) => id = session.session_id,
                Ok(None) => return Some(()),
                Err(e) => {
                    root_error(
                        diags,
                        "Failed to look for the session of an unfinished create",
                        e.to_string(),
                    );
                    return None;
                }
            }
        }
        match client.delete_session(&id).await {
            Ok(()) => {
                log::info!("deleted QoS session {id}");
                Some(())
            }
            Err(e) => {
                root_error(diags, "Failed to delete the QoS session", e.to_string());
                None
            }
        }
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let client = self.client.get(diags)?;
        let id = id.trim().to_string();
        match client.get_session(&id).await {
            Ok(Some(session)) => {
                let state = refreshed_state(&SessionState::default(), &session);
                let private = SessionPrivate {
                    sink_credential_unverified: session.sink.is_some(),
                };
                log::info!("imported QoS session {id}");
                Some((state, Some(private)))
            }
            Ok(None) => {
                root_error(
                    diags,
                    "Cannot import the QoS session",
                    format!("The API has no QoS session with id {id:?} (404)."),
                );
                None
            }
            Err(e) => {
                root_error(diags, "Cannot import the QoS session", e.to_string());
                None
            }
        }
    }
}

#[cfg(test)]
mod tests;
