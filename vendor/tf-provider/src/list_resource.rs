//! List resources (protocol 6.10, Terraform 1.14+): `list` blocks of `terraform query`, which find
//! existing objects of a managed resource type and can generate configuration to import them.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::diagnostics::Diagnostics;
use crate::identity::Identity;
use crate::raw::RawValue;
use crate::schema::Schema;
use crate::tfplugin6::list_resource::Event;
use crate::tfplugin6::ResourceIdentityData;

/// Where a list resource sends its results: each is streamed to Terraform as soon as it is pushed.
pub struct ListResults {
    tx: mpsc::Sender<Result<Event, tonic::Status>>,
    include_resource_object: bool,
    limit: i64,
    sent: i64,
}

impl ListResults {
    pub(crate) fn new(
        tx: mpsc::Sender<Result<Event, tonic::Status>>,
        include_resource_object: bool,
        limit: i64,
    ) -> Self {
        Self {
            tx,
            include_resource_object,
            limit,
            sent: 0,
        }
    }

    /// Whether Terraform asked for each result's full resource object (`include_resource = true`, or
    /// `-generate-config-out`); when false, objects passed to [`ListResults::push`] are not sent.
    pub fn include_resource_object(&self) -> bool {
        self.include_resource_object
    }

    /// The most results Terraform wants (0 or less: no limit).
    pub fn limit(&self) -> i64 {
        self.limit
    }

    /// Whether no more results are wanted (the limit is reached, or Terraform went away).
    pub fn is_done(&self) -> bool {
        (self.limit > 0 && self.sent >= self.limit) || self.tx.is_closed()
    }

    /// Send one result: its identity, a name a person recognises, and its resource object (a state of
    /// the managed resource type). Returns false once no more results are wanted.
    pub async fn push<S: Serialize + Sync>(
        &mut self,
        diags: &mut Diagnostics,
        identity: &Identity,
        display_name: impl Into<String>,
        resource_object: Option<&S>,
    ) -> bool {
        if self.is_done() {
            return false;
        }
        let Some(identity) = RawValue::serialize(diags, identity) else {
            return !self.is_done();
        };
        let resource_object = match resource_object {
            Some(object) if self.include_resource_object => {
                RawValue::serialize(diags, object).map(Into::into)
            }
            _ => None,
        };
        let event = Event {
            identity: Some(ResourceIdentityData {
                identity_data: Some(identity.into()),
            }),
            display_name: display_name.into(),
            resource_object,
            diagnostic: vec![],
        };
        if self.tx.send(Ok(event)).await.is_ok() {
            self.sent += 1;
        }
        !self.is_done()
    }
}

/// A list resource with automatic (de)serialization of its configuration. Its name must be the name
/// of the managed resource type whose objects it lists, and that resource must have an identity.
#[async_trait]
pub trait ListResource: Send + Sync {
    /// The configuration inside the `list` block's `config { ... }`.
    type Config<'a>: Deserialize<'a> + Send;

    /// Schema of the `config` block.
    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema>;

    /// Validate the configuration.
    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::Config<'a>) -> Option<()> {
        _ = (diags, config);
        Some(())
    }

    /// Find the objects and push them to `results`, stopping early once it says no more are wanted.
    /// Diagnostics are sent after the results pushed.
    async fn list<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::Config<'a>,
        results: &mut ListResults,
    ) -> Option<()>;
}

/// A list resource without automatic (de)serialization. See [`ListResource`].
#[async_trait]
pub trait DynamicListResource: Send + Sync {
    /// Schema of the `config` block.
    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema>;
    /// Validate the configuration.
    async fn validate(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()>;
    /// Find the objects.
    async fn list(
        &self,
        diags: &mut Diagnostics,
        config: RawValue,
        results: &mut ListResults,
    ) -> Option<()>;
}

#[async_trait]
impl<T: ListResource> DynamicListResource for T {
    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema> {
        <T as ListResource>::schema(self, diags)
    }
    async fn validate(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()> {
        let config = config.deserialize(diags)?;
        <T as ListResource>::validate(self, diags, config).await
    }
    async fn list(
        &self,
        diags: &mut Diagnostics,
        config: RawValue,
        results: &mut ListResults,
    ) -> Option<()> {
        let config = config.deserialize(diags)?;
        <T as ListResource>::list(self, diags, config, results).await
    }
}

impl<T: ListResource + 'static> From<T> for Box<dyn DynamicListResource> {
    fn from(value: T) -> Self {
        Box::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(id: &str) -> Identity {
        Identity::from([("id".to_string(), id.into())])
    }

    #[tokio::test]
    async fn results_stop_at_the_limit_and_objects_only_when_asked() {
        let (tx, mut rx) = mpsc::channel(8);
        let mut results = ListResults::new(tx, false, 2);
        let mut diags = Diagnostics::default();
        let object = serde_json::json!({"id": "a"});
        assert!(
            results
                .push(&mut diags, &identity("a"), "first", Some(&object))
                .await
        );
        assert!(
            !results
                .push(&mut diags, &identity("b"), "second", Some(&object))
                .await
        );
        assert!(
            !results
                .push(&mut diags, &identity("c"), "third", Some(&object))
                .await
        );
        drop(results);
        let mut names = Vec::new();
        while let Some(Ok(event)) = rx.recv().await {
            assert!(event.resource_object.is_none(), "object sent unasked");
            assert!(event.identity.is_some());
            names.push(event.display_name);
        }
        assert_eq!(names, ["first", "second"]);
        assert!(diags.errors.is_empty());
    }

    #[tokio::test]
    async fn objects_are_sent_when_asked_and_no_limit_means_all() {
        let (tx, mut rx) = mpsc::channel(8);
        let mut results = ListResults::new(tx, true, 0);
        let mut diags = Diagnostics::default();
        for id in ["a", "b", "c"] {
            let object = serde_json::json!({ "id": id });
            assert!(
                results
                    .push(&mut diags, &identity(id), id, Some(&object))
                    .await
            );
        }
        drop(results);
        let mut count = 0;
        while let Some(Ok(event)) = rx.recv().await {
            assert!(event.resource_object.is_some());
            count += 1;
        }
        assert_eq!(count, 3);
    }
}
