//! Action `nac_qod_session_extend`: extend a QoS session by N seconds now (e.g. an event runs late),
//! with progress. The resource keeps its configured `duration` and shows the new total in
//! `total_duration`, so the next plan is empty.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeType, Schema};
use tf_provider::value::Value;
use tf_provider::{Action, ActionProgress, AttributePath, Diagnostics};

use crate::provider::number::Whole;
use crate::provider::schema_util::{block, required};
use crate::provider::validation::{error, root_error};
use crate::provider::SharedClient;
use nac_api::rules::MAX_DURATION;
use nac_api::wire::format_timestamp;

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ExtendConfig {
    pub session_id: Value<String>,
    pub seconds: Value<Whole>,
}

fn schema() -> Schema {
    Schema {
        version: 0,
        block: block(
            "Extends a QoS session now by a number of seconds, keeping the same session (no gap in QoS). \
             Run it with `terraform apply -invoke=action.nac_qod_session_extend.<name>`. A \
             `nac_qod_session` resource extended this way plans no change: its `duration` stays as \
             configured and `total_duration` shows the new total. Terraform 1.14 or later.",
            [
                (
                    "session_id",
                    required(
                        AttributeType::String,
                        "The session to extend, e.g. `nac_qod_session.demo.id`.",
                    ),
                ),
                (
                    "seconds",
                    required(
                        AttributeType::Number,
                        "Seconds to add, 1 or more. NaC refuses an extension that leaves more than 86400 s \
                         (a day) remaining.",
                    ),
                ),
            ],
            [],
        ),
    }
}

/// The known seconds, or an error at the attribute when they are not a whole number of 1 or more.
fn seconds_of(config: &ExtendConfig, diags: &mut Diagnostics) -> Option<i64> {
    let seconds = config.seconds.as_ref_option()?;
    match seconds.as_i64() {
        Some(s) if (1..=MAX_DURATION).contains(&s) => Some(s),
        _ => {
            error(
                diags,
                "Invalid seconds",
                format!("`seconds` must be a whole number from 1 to {MAX_DURATION}."),
                AttributePath::new("seconds"),
            );
            None
        }
    }
}

pub struct ExtendAction {
    client: SharedClient,
}

impl ExtendAction {
    pub fn new(client: SharedClient) -> Self {
        Self { client }
    }
}

#[async_trait]
impl Action for ExtendAction {
    type Config<'a> = ExtendConfig;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::Config<'a>) -> Option<()> {
        seconds_of(&config, diags);
        Some(())
    }

    async fn invoke<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::Config<'a>,
        progress: &ActionProgress,
    ) -> Option<()> {
        let client = self.client.get(diags)?;
        let seconds = seconds_of(&config, diags)?;
        let Some(id) = config
            .session_id
            .as_ref_option()
            .filter(|id| !id.is_empty())
        else {
            error(
                diags,
                "No session to extend",
                "`session_id` is empty.",
                AttributePath::new("session_id"),
            );
            return None;
        };
        progress
            .report(format!("Extending QoS session {id} by {seconds} s"))
            .await;
        let stop = tf_provider::stop_signal();
        let extended = tokio::select! {
            extended = client.extend_session(id, seconds) => extended,
            _ = stop.cancelled() => {
                root_error(diags, "Interrupted while extending the QoS session", format!(
                    "Terraform was interrupted; session {id} may or may not have been extended. Its \
                     `total_duration` after the next refresh says which."));
                return Some(());
            }
        };
        match extended {
            Ok(session) => {
                let until = session
                    .expires_at
                    .as_ref()
                    .map_or_else(|| "unknown".to_string(), format_timestamp);
                log::info!("extended QoS session {id} by {seconds} s, to {until}");
                progress
                    .report(format!(
                        "QoS session {id} now lasts {} s in total and expires at {until}",
                        session.duration
                    ))
                    .await;
            }
            Err(e) => root_error(
                diags,
                "Failed to extend the QoS session",
                format!("{e}. Change `seconds` of this action, or create a new session."),
            ),
        }
        Some(())
    }
}
