//! Actions (protocol 6.10, Terraform 1.14+): `action` blocks, run by `terraform apply -invoke=...` or
//! by a resource's `action_trigger`, which do something now and stream progress while they do.

use async_trait::async_trait;
use serde::Deserialize;
use tokio::sync::mpsc;

use crate::diagnostics::Diagnostics;
use crate::raw::RawValue;
use crate::schema::Schema;
use crate::tfplugin6::invoke_action::event::{Progress, Type};
use crate::tfplugin6::invoke_action::Event;

/// Progress messages of a running action, shown by Terraform as they arrive.
pub struct ActionProgress {
    tx: mpsc::Sender<Result<Event, tonic::Status>>,
}

impl ActionProgress {
    pub(crate) fn new(tx: mpsc::Sender<Result<Event, tonic::Status>>) -> Self {
        Self { tx }
    }

    /// Report progress (ignored once Terraform stopped listening).
    pub async fn report(&self, message: impl Into<String>) {
        let event = Event {
            r#type: Some(Type::Progress(Progress {
                message: message.into(),
            })),
        };
        let _ = self.tx.send(Ok(event)).await;
    }
}

/// An action with automatic (de)serialization of its configuration.
#[async_trait]
pub trait Action: Send + Sync {
    /// The action block's `config { ... }`.
    type Config<'a>: Deserialize<'a> + Send;

    /// Schema of the `config` block.
    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema>;

    /// Validate the configuration (values may be unknown).
    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::Config<'a>) -> Option<()> {
        _ = (diags, config);
        Some(())
    }

    /// Check at plan time that the action can run (values may be unknown).
    async fn plan<'a>(&self, diags: &mut Diagnostics, config: Self::Config<'a>) -> Option<()> {
        _ = (diags, config);
        Some(())
    }

    /// Do it, reporting progress.
    async fn invoke<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::Config<'a>,
        progress: &ActionProgress,
    ) -> Option<()>;
}

/// An action without automatic (de)serialization. See [`Action`].
#[async_trait]
pub trait DynamicAction: Send + Sync {
    /// Schema of the `config` block.
    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema>;
    /// Validate the configuration.
    async fn validate(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()>;
    /// Plan the action.
    async fn plan(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()>;
    /// Do it.
    async fn invoke(
        &self,
        diags: &mut Diagnostics,
        config: RawValue,
        progress: &ActionProgress,
    ) -> Option<()>;
}

#[async_trait]
impl<T: Action> DynamicAction for T {
    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema> {
        <T as Action>::schema(self, diags)
    }
    async fn validate(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()> {
        let config = config.deserialize(diags)?;
        <T as Action>::validate(self, diags, config).await
    }
    async fn plan(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()> {
        let config = config.deserialize(diags)?;
        <T as Action>::plan(self, diags, config).await
    }
    async fn invoke(
        &self,
        diags: &mut Diagnostics,
        config: RawValue,
        progress: &ActionProgress,
    ) -> Option<()> {
        let config = config.deserialize(diags)?;
        <T as Action>::invoke(self, diags, config, progress).await
    }
}

impl<T: Action + 'static> From<T> for Box<dyn DynamicAction> {
    fn from(value: T) -> Self {
        Box::new(value)
    }
}
