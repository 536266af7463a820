//! Resource `nac_qod_session`: one QoD session, created, refreshed, extended in place, replaced and deleted.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

use super::device_block::DeviceBlock;
use super::interrupt::{interrupted, merge, or_stopped};
use super::number::Whole;
use super::ports_block::PortsBlock;
use super::prefetch::{Prefetch, MAX_REMEMBERED};
use super::read_cache::ReadCache;
use super::schema_util::optional_block;
use super::timeouts::TimeoutsBlock;
use super::validation::{report_all, root_error, warning};
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
    /// What a renewal does when the API cannot extend any further: `run_out` or `replace`.
    #[serde(default)]
    pub on_renewal_limit: Value<String>,
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
    /// The fingerprint of the credentials that created or imported the session (see owner.rs); none
    /// in states written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The sessions this configuration held when this one was created or imported: refreshes fetch
    /// them concurrently (see prefetch.rs). Never changed by a read, so that a refresh-only plan stays
    /// empty when nothing changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub siblings: Vec<String>,
    /// The plan renews the session in place (its renewal window was open).
    #[serde(default)]
    pub renew: bool,
    /// The API refused a renewal of this session (what it said): later plans do not ask again but
    /// follow `on_renewal_limit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewal_refused: Option<String>,
}

pub struct QodSessionResource {
    client: SharedClient,
    /// Refreshes of one walk share one `GET /sessions` (see read_cache.rs).
    read_cache: ReadCache,
    /// Refreshes fetch the sessions the private state remembers concurrently (see prefetch.rs).
    prefetch: Prefetch,
}

impl QodSessionResource {
    pub fn new(client: SharedClient) -> Self {
        Self {
            client,
            read_cache: ReadCache::default(),
            prefetch: Prefetch::default(),
        }
    }

    /// `private` with the current credentials recorded as the session's owner.
    fn owned(&self, private: Option<SessionPrivate>) -> Option<SessionPrivate> {
        Some(SessionPrivate {
            owner: Some(self.client.owner().to_string()),
            ..private.unwrap_or_default()
        })
    }

    /// `private` remembering the sessions this configuration holds now and those it remembered that
    /// this walk did not find gone (for later refreshes).
    fn with_siblings(&self, private: Option<SessionPrivate>) -> Option<SessionPrivate> {
        let mut held = self.client.claims().snapshot();
        if let Some(p) = &private {
            held.extend(
                p.siblings
                    .iter()
                    .filter(|id| !self.prefetch.found_missing(id))
                    .cloned(),
            );
        }
        let mut siblings: Vec<String> = held.into_iter().collect();
        siblings.sort_unstable();
        siblings.truncate(MAX_REMEMBERED);
        private.map(|p| SessionPrivate { siblings, ..p })
    }

    /// `private`, with the current credentials recorded as the owner when none was (a session found
    /// under them, in a state written before owners were recorded).
    fn owned_if_unrecorded(&self, private: Option<SessionPrivate>) -> Option<SessionPrivate> {
        match &private {
            Some(SessionPrivate { owner: Some(_), .. }) => private,
            _ => self.owned(private),
        }
    }

    /// The error when the API says `id` does not exist but other credentials made it: not-found then
    /// says nothing about the session (sessions are private to their key).
    fn not_ours(&self, id: &str, private: &Option<SessionPrivate>) -> Option<String> {
        let recorded = private.as_ref()?.owner.as_deref()?;
        let current = self.client.owner();
        (recorded != current)
            .then(|| super::owner::not_found_under_other_credentials(id, recorded, current))
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
        let (kept, kept_private) = (state.clone(), private_state.clone());
        let mut inner = Diagnostics::default();
        let out = or_stopped(self.read_now(&mut inner, state, private_state)).await;
        merge(diags, inner);
        match out {
            Some(out) => out,
            None => {
                interrupted(
                    diags,
                    "refreshing the QoS session; it is kept in state as it was",
                );
                Some((kept, kept_private))
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
        let mut inner = Diagnostics::default();
        let out = or_stopped(self.plan_create_now(&mut inner, proposed_state, config_state)).await;
        merge(diags, inner);
        out.unwrap_or_else(|| {
            interrupted(diags, "planning the QoS session");
            None
        })
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
        let change = plan_change(&prior_state, &planned, &private, now, diags);
        if !self
            .change_allowed_by_profile(&change, &planned, diags)
            .await
        {
            return None;
        }
        match change {
            Change::None => {
                if super::qod_session_renewal::extension_due(&prior_state, &planned, now).is_some()
                {
                    let max_total = self.renewal_max_total(&planned).await;
                    if let Some(limit) = super::qod_session_renewal::at_limit(
                        &prior_state,
                        &planned,
                        &private,
                        max_total,
                        diags,
                    ) {
                        return Some(match limit {
                            super::qod_session_renewal::AtLimit::RunOut => {
                                (planned, prior_private_state, vec![])
                            }
                            super::qod_session_renewal::AtLimit::Replace => {
                                set_computed_unknown(&mut planned);
                                (
                                    planned,
                                    prior_private_state,
                                    vec![AttributePath::new("expires_at")],
                                )
                            }
                        });
                    }
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
        let created = create::create(client, self.client.claims(), planned_state, diags).await;
        created.map(|(state, private)| (state, self.with_siblings(self.owned(private))))
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
        let mut private = planned_private_state;
        if state.sink_credential.is_value() {
            if let Some(p) = private.as_mut() {
                p.sink_credential_unverified = false;
            }
        }
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
                    Err(e) if e.is_extension_not_allowed() => {
                        root_error(diags, "The API does not allow this QoS session to be extended", format!(
                            "{e}. Session {id} keeps its {old} s. To make it last longer, replace it \
                             (`terraform apply -replace=<ADDRESS>`), or set duration back to {old}."));
                        return Some((prior_state, private));
                    }
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
                    Err(e) if super::qod_session_renewal::is_refusal(&e) => {
                        root_error(
                            diags,
                            "The API does not allow this QoS session to be renewed",
                            format!("{e}. Session {id} keeps running until it expires. Later plans do not ask again: with `on_renewal_limit = \"run_out\"` (the default) they let it run out and the plan after it ends replaces it; with `on_renewal_limit = \"replace\"` the next plan replaces it before it expires."),
                        );
                        let refused = SessionPrivate {
                            renewal_refused: Some(e.to_string()),
                            ..private.unwrap_or_default()
                        };
                        return Some((prior_state, Some(refused)));
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
        // plan_destroy passes the prior private state on.
        prior_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let mut inner = Diagnostics::default();
        let out = or_stopped(self.destroy_now(&mut inner, prior_state, prior_private_state)).await;
        merge(diags, inner);
        out.unwrap_or_else(|| {
            interrupted(
                diags,
                "deleting the QoS session; it is kept in state (the next destroy tries again)",
            );
            None
        })
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
        let mut inner = Diagnostics::default();
        let out = or_stopped(self.import_now(&mut inner, id)).await;
        merge(diags, inner);
        out.unwrap_or_else(|| {
            interrupted(diags, "importing the QoS session; nothing was imported");
            None
        })
    }
}

mod adopt;
mod attrs;
mod create;
mod delete;
mod mapping;
mod operations;
mod pending;
mod plan;
mod poll;
mod profile_plan;
mod schema;
#[cfg(test)]
mod tests;

pub use attrs::by_wire_name as attr_of_wire_name;
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
