//! The RPCs of protocol 6.9 and 6.10 beyond upstream's crate (patch 9): resource identity, list
//! resources, configuration generation and actions. `tf6provider.rs` delegates to these.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::codegen::BoxStream;

use crate::action::ActionProgress;
use crate::diagnostics::Diagnostics;
use crate::list_resource::ListResults;
use crate::raw::RawValue;
use crate::server::Server;
use crate::tfplugin6 as tf;

/// Results buffered between a list resource or action and Terraform: enough to keep both busy.
const STREAM_BUFFER: usize = 16;

impl Server {
    pub(crate) fn server_capabilities(&self) -> tf::ServerCapabilities {
        tf::ServerCapabilities {
            plan_destroy: true,
            get_provider_schema_optional: true,
            move_resource_state: false,
            // Only list resources lead Terraform to ask; resources without it answer an error.
            generate_resource_config: !self.list_resources.is_empty(),
        }
    }

    /// The identity of the object `state` describes, for resources that have an identity schema.
    pub(crate) fn identity_of(
        &self,
        diags: &mut Diagnostics,
        type_name: &str,
        state: Option<&RawValue>,
    ) -> Option<tf::ResourceIdentityData> {
        if !self.identity_schemas.contains_key(type_name) {
            return None;
        }
        let (resource, _) = self.resources.get(type_name)?;
        let identity = resource.identity(diags, state?)?;
        Some(tf::ResourceIdentityData {
            identity_data: Some(identity.into()),
        })
    }

    pub(crate) fn identity_schemas_response(&self) -> tf::get_resource_identity_schemas::Response {
        tf::get_resource_identity_schemas::Response {
            identity_schemas: self
                .identity_schemas
                .iter()
                .map(|(name, schema)| (name.clone(), schema.into()))
                .collect(),
            diagnostics: self.init_diags.clone().into(),
        }
    }

    /// Identities are stored as JSON at their schema's version; only the current version is known.
    pub(crate) fn upgrade_identity(
        &self,
        request: tf::upgrade_resource_identity::Request,
    ) -> tf::upgrade_resource_identity::Response {
        let mut diags = Diagnostics::default();
        let current = self.identity_schemas.get(&request.type_name);
        let upgraded_identity = match (current, request.raw_identity) {
            (Some(schema), Some(raw)) if schema.version == request.version => {
                Some(tf::ResourceIdentityData {
                    identity_data: Some(RawValue::Json(raw.json).into()),
                })
            }
            _ => {
                diags.root_error_short(format!(
                    "Cannot upgrade the identity of `{}` from version {}",
                    request.type_name, request.version
                ));
                None
            }
        };
        tf::upgrade_resource_identity::Response {
            upgraded_identity,
            diagnostics: diags.into(),
        }
    }

    pub(crate) async fn generate_config(
        &self,
        request: tf::generate_resource_config::Request,
    ) -> tf::generate_resource_config::Response {
        let mut diags = Diagnostics::default();
        let config = match (
            self.get_resource(&mut diags, &request.type_name),
            request.state,
        ) {
            (Some(resource), Some(state)) => {
                let config = resource.generate_config(&mut diags, state.into()).await;
                config.map(|c| self.without_write_only(&request.type_name, c).into())
            }
            _ => None,
        };
        tf::generate_resource_config::Response {
            config,
            diagnostics: diags.into(),
        }
    }

    pub(crate) async fn validate_list_config(
        &self,
        request: tf::validate_list_resource_config::Request,
    ) -> tf::validate_list_resource_config::Response {
        let mut diags = Diagnostics::default();
        match (self.list_resources.get(&request.type_name), request.config) {
            (Some((list, _)), Some(config)) => {
                _ = list.validate(&mut diags, config.into()).await;
            }
            (None, _) => unknown(&mut diags, "list resource", &request.type_name),
            _ => {}
        }
        tf::validate_list_resource_config::Response {
            diagnostics: diags.into(),
        }
    }

    /// Streams the results as the list resource finds them; its diagnostics come last, in an event
    /// of their own.
    pub(crate) fn list(
        self: Arc<Self>,
        request: tf::list_resource::Request,
    ) -> BoxStream<tf::list_resource::Event> {
        let (tx, rx) = mpsc::channel(STREAM_BUFFER);
        tokio::spawn(async move {
            let mut diags = Diagnostics::default();
            let mut results =
                ListResults::new(tx.clone(), request.include_resource_object, request.limit);
            match (self.list_resources.get(&request.type_name), request.config) {
                (Some((list, _)), Some(config)) => {
                    if list
                        .list(&mut diags, config.into(), &mut results)
                        .await
                        .is_none()
                        && diags.errors.is_empty()
                    {
                        diags.internal_error();
                    }
                }
                (None, _) => unknown(&mut diags, "list resource", &request.type_name),
                (Some(_), None) => diags.root_error_short("ListResource without a configuration"),
            }
            if !diags.errors.is_empty() || !diags.warnings.is_empty() {
                let event = tf::list_resource::Event {
                    diagnostic: diags.into(),
                    ..Default::default()
                };
                let _ = tx.send(Ok(event)).await;
            }
        });
        Box::pin(ReceiverStream::new(rx))
    }

    pub(crate) async fn validate_action(
        &self,
        request: tf::validate_action_config::Request,
    ) -> tf::validate_action_config::Response {
        let mut diags = Diagnostics::default();
        match (self.actions.get(&request.type_name), request.config) {
            (Some((action, _)), Some(config)) => {
                _ = action.validate(&mut diags, config.into()).await;
            }
            (None, _) => unknown(&mut diags, "action", &request.type_name),
            _ => {}
        }
        tf::validate_action_config::Response {
            diagnostics: diags.into(),
        }
    }

    pub(crate) async fn plan_action_rpc(
        &self,
        request: tf::plan_action::Request,
    ) -> tf::plan_action::Response {
        let mut diags = Diagnostics::default();
        match (self.actions.get(&request.action_type), request.config) {
            (Some((action, _)), Some(config)) => {
                _ = action.plan(&mut diags, config.into()).await;
            }
            (None, _) => unknown(&mut diags, "action", &request.action_type),
            _ => {}
        }
        tf::plan_action::Response {
            diagnostics: diags.into(),
            deferred: None,
        }
    }

    /// Streams the action's progress, then one `Completed` event with its diagnostics.
    pub(crate) fn invoke(
        self: Arc<Self>,
        request: tf::invoke_action::Request,
    ) -> BoxStream<tf::invoke_action::Event> {
        let (tx, rx) = mpsc::channel(STREAM_BUFFER);
        tokio::spawn(async move {
            let mut diags = Diagnostics::default();
            let progress = ActionProgress::new(tx.clone());
            match (self.actions.get(&request.action_type), request.config) {
                (Some((action, _)), Some(config)) => {
                    if action
                        .invoke(&mut diags, config.into(), &progress)
                        .await
                        .is_none()
                        && diags.errors.is_empty()
                    {
                        diags.internal_error();
                    }
                }
                (None, _) => unknown(&mut diags, "action", &request.action_type),
                (Some(_), None) => diags.root_error_short("InvokeAction without a configuration"),
            }
            let completed = tf::invoke_action::event::Completed {
                diagnostics: diags.into(),
            };
            let event = tf::invoke_action::Event {
                r#type: Some(tf::invoke_action::event::Type::Completed(completed)),
            };
            let _ = tx.send(Ok(event)).await;
        });
        Box::pin(ReceiverStream::new(rx))
    }
}

fn unknown(diags: &mut Diagnostics, what: &str, name: &str) {
    diags.root_error_short(format!("Could not find {what} `{name}` in provider"));
}
