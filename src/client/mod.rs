//! A thin client of the NaC QoD API. It knows nothing of Terraform.
//!
//! CONTRACT (used by src/provider): the signatures below are stable; bodies are being built.

use std::time::Duration;

use crate::wire::{CreateSession, Device, Secret, SessionInfo};

mod error;
pub use error::ApiError;

/// The NaC environments and their RapidAPI hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Prod,
    Staging,
    Dev,
}

#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// API root, e.g. `https://network-as-code.p-eu.rapidapi.com` or `http://127.0.0.1:8080`
    /// (the client appends `/quality-on-demand/v1`).
    pub base_url: String,
    pub environment: Environment,
    pub token: Secret,
    pub max_retries: u32,
    pub request_timeout: Duration,
    /// Allow `http://` to a non-loopback host.
    pub allow_insecure_http: bool,
}

#[derive(Debug, Clone)]
pub struct NacClient {
    config: ClientConfig,
}

impl NacClient {
    pub fn new(config: ClientConfig) -> Result<Self, ApiError> {
        Ok(Self { config })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// `POST /sessions`. Never creates two sessions for one call (ambiguous failures adopt a match).
    pub async fn create_session(&self, _req: &CreateSession) -> Result<SessionInfo, ApiError> {
        todo!()
    }

    /// `GET /sessions/{id}`; `Ok(None)` when the API answers 404.
    pub async fn get_session(&self, _id: &str) -> Result<Option<SessionInfo>, ApiError> {
        todo!()
    }

    /// `DELETE /sessions/{id}`; a session already gone (404) counts as deleted.
    pub async fn delete_session(&self, _id: &str) -> Result<(), ApiError> {
        todo!()
    }

    /// `POST /sessions/{id}/extend`.
    pub async fn extend_session(
        &self,
        _id: &str,
        _additional_seconds: i64,
    ) -> Result<SessionInfo, ApiError> {
        todo!()
    }

    /// `POST /retrieve-sessions`; NaC's 404 "QoS subscription not found" reads as an empty list.
    pub async fn device_sessions(&self, _device: &Device) -> Result<Vec<SessionInfo>, ApiError> {
        todo!()
    }
}
