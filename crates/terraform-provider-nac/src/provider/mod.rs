//! The Terraform provider: `provider "nac"`, resource `nac_qod_session`, data source `nac_device_sessions`.

mod actions;
mod config;
mod device_block;
mod device_sessions;
mod number;
mod ports_block;
mod qod_session;
mod qod_session_expiry;
mod qod_session_identity;
mod qod_session_list;
mod qod_session_renewal;
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

/// The API client, filled in by `configure`. Terraform asks for the resources before it configures
/// the provider, so resources hold this slot rather than a client.
#[derive(Clone, Default)]
pub struct SharedClient(Arc<OnceLock<NacClient>>);

impl SharedClient {
    /// The API's current time once the client has heard from it, else ours (see `NacClient::api_now`).
    pub fn api_now(&self) -> chrono::DateTime<chrono::Utc> {
        self.0
            .get()
            .map_or_else(chrono::Utc::now, NacClient::api_now)
    }

    /// The configured client, or an error diagnostic when the provider was not configured.
    pub fn get(&self, diags: &mut Diagnostics) -> Option<&NacClient> {
        let client = self.0.get();
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
        let client_config = match config::resolve(&config, &config::ProcessEnv) {
            Ok(c) => c,
            Err(problems) => {
                validation::report_all(&problems, diags);
                return Some(());
            }
        };
        log::debug!(
            "configuring the nac provider for Terraform {terraform_version}: {}",
            config::describe(&client_config)
        );
        match NacClient::new(client_config) {
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
                let _ = self.client.0.set(client);
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
        Some(HashMap::from([(
            "device_sessions".to_string(),
            Box::new(device_sessions::DeviceSessionsDataSource::new(
                self.client.clone(),
            )) as Box<dyn DynamicDataSource>,
        )]))
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
