//! Resource `nac_qod_session`: one QoD session, created, refreshed, extended in place, replaced and deleted.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

use super::device_block::DeviceBlock;
use super::number::Whole;
use super::ports_block::PortsBlock;
use super::read_cache::ReadCache;
use super::schema_util::optional_block;
use super::timeouts::TimeoutsBlock;
use super::validation::{report_all, root_error};
use super::SharedClient;
use nac_api::rules::DEFAULT_DURATION;

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
    /// Opt-in renewal window in seconds (qod_session_renewal.rs).
    #[serde(default)]
    pub renew_before: Value<Whole>,
    /// The session's actual total (issue 18): `duration` plus extensions made outside this
    /// configuration. Absent from states written before it existed.
    #[serde(default)]
    pub total_duration: Value<Whole>,
    #[serde(with = "optional_block")]
    pub timeouts: Value<TimeoutsBlock>,
    /// On a 409 (the device already has a session), take that session over when it matches exactly.
    pub adopt_existing: Value<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SinkCredentialBlock {
    pub access_token: Value<String>,
    /// Write-only: only ever in the configuration (tf-provider nulls it in what we return).
    #[serde(default)]
    pub access_token_wo: Value<String>,
    #[serde(default)]
    pub access_token_wo_version: Value<Whole>,
    pub access_token_expires_at: Value<String>,
}

/// What the provider remembers beside the state.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SessionPrivate {
    /// The session was imported and has a sink: its credential is unknown to us (the API never returns
    /// it), so the first credential the configuration gives is recorded without a replacement.
    #[serde(default)]
    pub sink_credential_unverified: bool,
    /// The plan renews the session in place (its renewal window was open).
    #[serde(default)]
    pub renew: bool,
}

pub struct QodSessionResource {
    client: SharedClient,
    /// Refreshes of one walk share one `GET /sessions` (see read_cache.rs).
    read_cache: ReadCache,
}

impl QodSessionResource {
    pub fn new(client: SharedClient) -> Self {
        Self {
            client,
            read_cache: ReadCache::default(),
        }
    }
}

/// Whether the device's sessions still list `id` as live, after a read answered 404: a 404 alone is
/// not trusted to drop a resource (a stray 404 would orphan a live session), the two calls must agree.
async fn still_listed(
    client: &nac_client::NacClient,
    state: &SessionState,
    id: &str,
) -> Result<bool, nac_client::ApiError> {
    let mut known = super::validation::Known::default();
    let device = create_request(state, &mut known).device.unwrap_or_default();
    let sessions = client.device_sessions(&device).await?;
    Ok(sessions
        .iter()
        .any(|s| s.session_id == id && s.qos_status != nac_api::wire::QosStatus::Unavailable))
}

/// The window of a pending id, or an error when the id is damaged (it is never sent to the API as an id).
fn pending_of(id: &str, diags: &mut Diagnostics) -> Option<Pending> {
    let pending = parse_pending(id);
    if pending.is_none() {
        root_error(
            diags,
            "The QoS session's pending id cannot be read",
            format!(
                "The id {id:?} marks an unfinished create but its time window cannot be read. Look at the \
                 device's sessions (data source nac_device_sessions), then `terraform state rm` this resource \
                 and import the session it made, if any."
            ),
        );
    }
    pending
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
        super::qod_session_renewal::check(&config, diags);
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
        if id.starts_with(PENDING) {
            let pending = pending_of(&id, diags)?;
            return match resolve_pending(client, &state, pending).await {
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
                Err(message) => {
                    root_error(
                        diags,
                        "Cannot tell which session an unfinished create made",
                        message,
                    );
                    Some((state, private_state))
                }
            };
        }
        if let Some(session) = self.read_cache.lookup(client, &id).await {
            client.claim(&id);
            log::debug!(
                "refreshed QoS session {id} from the list: {}",
                session.qos_status.as_str()
            );
            return Some((refreshed_state(&state, &session), private_state));
        }
        match client.get_session(&id).await {
            Ok(Some(session)) => {
                // Another resource of this process must never adopt it.
                client.claim(&id);
                log::debug!(
                    "refreshed QoS session {id}: {}",
                    session.qos_status.as_str()
                );
                Some((refreshed_state(&state, &session), private_state))
            }
            // Gone only when a second answer agrees: the walk's list, else the device's sessions.
            Ok(None) if self.read_cache.listed_without(client, &id) => {
                super::qod_session_expiry::forgotten(&state, client.api_now())
                    .map(|ended| (ended, private_state))
            }
            Ok(None) => match still_listed(client, &state, &id).await {
                Ok(false) => super::qod_session_expiry::forgotten(&state, client.api_now())
                    .map(|ended| (ended, private_state)),
                Ok(true) => {
                    root_error(
                        diags,
                        "The API contradicts itself about the QoS session",
                        format!(
                            "Reading session {id} answered 404 NOT_FOUND, but the device's sessions still list it \
                             as live. It is kept in state; run the plan again."
                        ),
                    );
                    Some((state, private_state))
                }
                Err(e) => {
                    root_error(
                        diags,
                        "Failed to confirm that the QoS session is gone",
                        format!(
                            "Reading session {id} answered 404 NOT_FOUND, and listing the device's sessions to \
                             confirm it failed: {e}. It is kept in state."
                        ),
                    );
                    Some((state, private_state))
                }
            },
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
        let mut planned = without_write_only(proposed_state);
        if config_state.duration.is_null() {
            planned.duration = Value::Value(Whole::Int(DEFAULT_DURATION));
        }
        let private = prior_private_state.clone().unwrap_or_default();
        let now = super::qod_session_renewal::api_now(&self.client, &prior_state, &planned).await;
        match plan_change(&prior_state, &planned, &private, now, diags) {
            Change::None => {
                if super::qod_session_renewal::extension_due(&prior_state, &planned, now).is_some()
                {
                    super::qod_session_renewal::plan_renewal(&mut planned);
                    let renew = SessionPrivate {
                        renew: true,
                        ..private
                    };
                    return Some((planned, Some(renew), vec![]));
                }
                Some((planned, prior_private_state, vec![]))
            }
            Change::Extend(_) => {
                planned.expires_at = Value::Unknown;
                planned.total_duration = Value::Unknown;
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
        config_state: Self::State<'a>,
        _planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let client = self.client.get(diags)?;
        let planned_state = with_write_only(planned_state, &config_state);
        create::create(client, planned_state, diags).await
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
        let renew = planned_private_state.as_ref().is_some_and(|p| p.renew);
        let planned_private_state =
            planned_private_state.map(|p| SessionPrivate { renew: false, ..p });
        let mut state = planned_state;
        // After an import the credential was unknown; once the configuration gives one, it is recorded.
        let private = if state.sink_credential.is_value() {
            None
        } else {
            planned_private_state
        };
        let whole = |v: &Value<Whole>| v.as_ref_option().and_then(Whole::as_i64);
        // From the actual total: an extension made elsewhere already counts towards `duration`.
        let old = whole(&prior_state.total_duration).or(whole(&prior_state.duration));
        if let (Some(old), Some(new)) = (old, whole(&state.duration)) {
            if new <= old {
                state.expires_at = prior_state.expires_at.clone();
                state.total_duration = prior_state.total_duration.clone();
            } else {
                let added = new.saturating_sub(old);
                let stop = tf_provider::stop_signal();
                let extended = tokio::select! {
                    extended = client.extend_session(&id, added) => extended,
                    _ = stop.cancelled() => {
                        root_error(diags, "Interrupted while extending the QoS session", format!(
                            "Terraform was interrupted; session {id} may or may not have been extended. The next \
                             plan reads its duration from the API and shows what is left to do."));
                        return Some((prior_state, private));
                    }
                };
                let session = match extended {
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
        if renew {
            let due =
                super::qod_session_renewal::extension_due(&prior_state, &state, client.api_now());
            if let Some(extension) = due {
                match client.extend_session(&id, extension).await {
                    Ok(session) => {
                        log::info!("renewed QoS session {id} by {extension} s");
                        set_computed(&mut state, &session);
                    }
                    Err(e) => {
                        root_error(
                            diags,
                            "Failed to renew the QoS session",
                            format!("{e}. It keeps running until it expires; the plan after that replaces it. Set a smaller `renew_before`, or remove it to let sessions run out."),
                        );
                        return Some((prior_state, private));
                    }
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
        if id.starts_with(PENDING) {
            let pending = pending_of(&id, diags)?;
            match resolve_pending(client, &prior_state, pending).await {
                Ok(Some(session)) => id = session.session_id,
                Ok(None) => return Some(()),
                Err(message) => {
                    // Deleting a guess could delete another configuration's session: stop instead.
                    root_error(
                        diags,
                        "Cannot tell which session an unfinished create made; nothing was deleted",
                        message,
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

    // Identity and generated configuration (Terraform 1.12+/1.14+): see qod_session_identity.rs.
    fn identity_schema(&self) -> Option<tf_provider::IdentitySchema> {
        Some(super::qod_session_identity::identity_schema())
    }

    fn identity<'a>(&self, state: &Self::State<'a>) -> Option<tf_provider::Identity> {
        super::qod_session_identity::identity_of(state)
    }

    async fn import_by_identity<'a>(
        &self,
        diags: &mut Diagnostics,
        identity: tf_provider::Identity,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let id = super::qod_session_identity::id_of_identity(&identity, diags)?;
        self.import(diags, id).await
    }

    async fn generate_config<'a>(
        &self,
        _diags: &mut Diagnostics,
        state: Self::State<'a>,
    ) -> Option<Self::State<'a>> {
        Some(super::qod_session_identity::generated_config(state))
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let client = self.client.get(diags)?;
        let id = id.trim().to_string();
        if client.is_claimed(&id) {
            root_error(
                diags,
                "Cannot import the QoS session",
                format!(
                    "Session {id} is already managed by another resource of this configuration."
                ),
            );
            return None;
        }
        match client.get_session(&id).await {
            Ok(Some(session)) => {
                client.claim(&id);
                let state = refreshed_state(&SessionState::default(), &session);
                let private = SessionPrivate {
                    sink_credential_unverified: session.sink.is_some(),
                    ..Default::default()
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

mod adopt;
mod create;
mod mapping;
mod pending;
mod plan;
mod poll;
mod schema;
#[cfg(test)]
mod tests;

#[cfg(test)]
use chrono::Utc;
use mapping::create_request;
pub use mapping::{config_problems, refreshed_state};
use mapping::{set_computed, set_computed_unknown, with_write_only, without_write_only};
#[cfg(test)]
use pending::pending_id;
use pending::{parse_pending, resolve_pending, Pending, PENDING};
pub use plan::{plan_change, Change};
use schema::schema;
