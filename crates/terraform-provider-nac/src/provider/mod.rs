//! The Terraform provider: `provider "nac"`, resource `nac_qod_session`, data sources `nac_device_sessions`
//! and `nac_qos_profiles`.

mod actions;
mod claims;
mod config;
mod device_block;
mod device_sessions;
mod interrupt;
mod number;
mod oauth_settings;
mod owner;
mod ports_block;
mod prefetch;
mod profile_catalogue;
mod qod_session;
mod qod_session_expiry;
mod qod_session_identity;
mod qod_session_list;
mod qod_session_renewal;
mod qos_profiles;
mod read_cache;
pub mod schema_util;
mod timeouts;
mod validation;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use tf_provider::schema::Schema;
use tf_provider::value::ValueEmpty;
use tf_provider::{
    Diagnostics, DynamicAction, DynamicDataSource, DynamicListResource, DynamicResource, Provider,
};

use nac_client::NacClient;

pub use config::ProviderConfig;
pub use timeouts::parse_duration;

/// The API client and the provider's own settings, filled in by `configure`, and the sessions this
/// process holds. Terraform asks for the resources before it configures the provider, so resources
/// hold this slot rather than a client.
#[derive(Clone, Default)]
pub struct SharedClient {
    client: Arc<OnceLock<NacClient>>,
    settings: Arc<OnceLock<Settings>>,
    claims: Arc<claims::Claims>,
    /// The credentials check before a create is planned: once per process.
    credentials_checked: Arc<tokio::sync::OnceCell<Result<(), String>>>,
    /// The API already answered these credentials in this process (a refresh read): no check needed.
    credentials_proven: Arc<std::sync::atomic::AtomicBool>,
    /// The QoS profiles plans are checked against: read once per process, by the first who asks.
    profiles: Arc<tokio::sync::OnceCell<profile_catalogue::Catalogue>>,
    /// The "profiles could not be read" warning was given (once per process).
    profiles_warned: Arc<std::sync::atomic::AtomicBool>,
}

/// The provider's own settings, beside the client.
#[derive(Debug, Clone)]
struct Settings {
    batch_reads: bool,
    validate_credentials: bool,
    /// Read the network's QoS profiles for plans (`skip_profile_validation` unset).
    validate_profiles: bool,
    /// The fingerprint of the credentials in use (see owner.rs).
    owner: String,
}

impl SharedClient {
    /// The configured client, if any.
    pub fn client(&self) -> Option<&NacClient> {
        self.client.get()
    }

    /// Whether refreshes may read from one `GET /sessions` (see read_cache.rs).
    pub fn batch_reads(&self) -> bool {
        self.settings.get().is_some_and(|s| s.batch_reads)
    }

    /// Records that the API answered these credentials with its own reply (a read that worked).
    pub fn credentials_proven(&self) {
        self.credentials_proven
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// The fingerprint of the credentials in use.
    pub fn owner(&self) -> &str {
        self.settings.get().map_or("", |s| s.owner.as_str())
    }

    /// Before a plan proposes a create: one request (per process) that tells a wrong token or URL, so
    /// that it fails the plan rather than the apply. Skipped with `skip_credentials_validation`.
    pub async fn check_credentials(&self) -> Result<(), String> {
        let (Some(client), Some(settings)) = (self.client.get(), self.settings.get()) else {
            return Ok(());
        };
        if !settings.validate_credentials
            || self
                .credentials_proven
                .load(std::sync::atomic::Ordering::Relaxed)
        {
            return Ok(());
        }
        self.credentials_checked
            .get_or_init(|| async {
                client.check_credentials().await.map_err(|e| {
                    let what = if client.config().oauth.is_some() {
                        "the oauth settings"
                    } else {
                        "the token"
                    };
                    format!(
                        "{e}. The provider checks {what} and base_url before it plans a create; set \
                         `skip_credentials_validation = true` in the provider block to skip this check."
                    )
                })
            })
            .await
            .clone()
    }

    /// The QoS profiles (the network's, else the built-in catalogue), read once per process however
    /// many plans ask at once; `None` before the provider is configured.
    pub async fn qos_profiles(&self) -> Option<&profile_catalogue::Catalogue> {
        let client = self.client.get()?;
        Some(
            self.profiles
                .get_or_init(|| profile_catalogue::Catalogue::load(client))
                .await,
        )
    }

    /// Checks a planned `profile` and `duration` against [`qos_profiles`](Self::qos_profiles) (see
    /// profile_catalogue.rs). Nothing to check before the provider is configured.
    pub async fn check_profile(
        &self,
        profile: &str,
        duration: Option<i64>,
        diags: &mut Diagnostics,
    ) {
        let Some(settings) = self.settings.get() else {
            return;
        };
        if settings.validate_profiles {
            if let Some(catalogue) = self.qos_profiles().await {
                profile_catalogue::check(
                    catalogue,
                    profile,
                    duration,
                    &self.profiles_warned,
                    diags,
                );
            }
        } else {
            let built_in =
                profile_catalogue::Catalogue::built_in(profile_catalogue::Source::Skipped);
            profile_catalogue::check(&built_in, profile, duration, &self.profiles_warned, diags);
        }
    }

    /// The sessions this process holds for resources.
    pub fn claims(&self) -> &claims::Claims {
        &self.claims
    }

    /// The API's current time once the client has heard from it, else ours (see `NacClient::api_now`).
    pub fn api_now(&self) -> chrono::DateTime<chrono::Utc> {
        self.client
            .get()
            .map_or_else(chrono::Utc::now, NacClient::api_now)
    }

    /// The configured client, or an error diagnostic when the provider was not configured.
    pub fn get(&self, diags: &mut Diagnostics) -> Option<&NacClient> {
        let client = self.client.get();
        if client.is_none() {
            validation::root_error(
                diags,
                "Provider not configured",
                "The nac provider was used before it was configured; this is a bug in the provider or Terraform.",
            );
        }
        client
    }
}

/// The `nac` provider.
#[derive(Default)]
pub struct NacProvider {
    client: SharedClient,
}

impl NacProvider {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl Provider for NacProvider {
    type Config<'a> = ProviderConfig;
    type MetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(config::schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::Config<'a>) -> Option<()> {
        validation::report_all(&config::validate(&config), diags);
        Some(())
    }

    async fn configure<'a>(
        &self,
        diags: &mut Diagnostics,
        terraform_version: String,
        config: Self::Config<'a>,
    ) -> Option<()> {
        let resolved = match config::resolve(&config, &config::ProcessEnv) {
            Ok(c) => c,
            Err(problems) => {
                validation::report_all(&problems, diags);
                return Some(());
            }
        };
        log::debug!(
            "configuring the nac provider for Terraform {terraform_version}: {}",
            config::describe(&resolved)
        );
        let settings = Settings {
            batch_reads: resolved.batch_reads,
            validate_credentials: resolved.validate_credentials,
            validate_profiles: resolved.validate_profiles,
            owner: owner::fingerprint(&resolved.client),
        };
        match NacClient::new(resolved.client) {
            Ok(client) => {
                // A base_url with a path that reaches no API operation would make every 404 a mystery.
                if let Err(e) = client.check_root().await {
                    validation::error(
                        diags,
                        "Invalid provider configuration: base_url does not reach the QoD API",
                        e.to_string(),
                        tf_provider::AttributePath::new("base_url"),
                    );
                    return Some(());
                }
                // A second configure in the same process keeps the first client (Terraform configures once).
                let _ = self.client.client.set(client);
                let _ = self.client.settings.set(settings);
            }
            Err(e) => validation::error(
                diags,
                "Invalid provider configuration",
                e.to_string(),
                tf_provider::AttributePath::new("base_url"),
            ),
        }
        Some(())
    }

    fn get_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        Some(HashMap::from([(
            "qod_session".to_string(),
            Box::new(qod_session::QodSessionResource::new(self.client.clone()))
                as Box<dyn DynamicResource>,
        )]))
    }

    fn get_data_sources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicDataSource>>> {
        Some(HashMap::from([
            (
                "device_sessions".to_string(),
                Box::new(device_sessions::DeviceSessionsDataSource::new(
                    self.client.clone(),
                )) as Box<dyn DynamicDataSource>,
            ),
            (
                "qos_profiles".to_string(),
                Box::new(qos_profiles::QosProfilesDataSource::new(
                    self.client.clone(),
                )) as Box<dyn DynamicDataSource>,
            ),
        ]))
    }

    fn get_list_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicListResource>>> {
        Some(HashMap::from([(
            "qod_session".to_string(),
            Box::new(qod_session_list::QodSessionList::new(self.client.clone()))
                as Box<dyn DynamicListResource>,
        )]))
    }

    fn get_actions(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicAction>>> {
        Some(actions::all(&self.client))
    }
}
