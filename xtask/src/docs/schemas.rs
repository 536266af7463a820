//! Collecting the schemas to document from the provider, under the type names Terraform sees.

use std::collections::{BTreeMap, HashMap};

use anyhow::{anyhow, bail, Result};
use tf_provider::schema::Schema;
use tf_provider::{Diagnostics, DynamicProvider};

use super::PROVIDER_SHORT_NAME;

/// The schemas of the provider, its resources and its data sources, keyed by full type name
/// (sorted, so the pages and the README table come out in a stable order).
#[derive(Debug, Clone)]
pub(super) struct ProviderSchemas {
    pub provider: Schema,
    pub resources: BTreeMap<String, Schema>,
    pub data_sources: BTreeMap<String, Schema>,
    /// `list` blocks of `terraform query` (Terraform 1.14+).
    pub list_resources: BTreeMap<String, Schema>,
    /// `action` blocks (Terraform 1.14+).
    pub actions: BTreeMap<String, Schema>,
}

impl ProviderSchemas {
    /// Asks the provider for every schema, as Terraform's GetProviderSchema does.
    pub fn from_provider(provider: &dyn DynamicProvider) -> Result<Self> {
        let mut diags = Diagnostics::default();
        let provider_schema = provider.schema(&mut diags);
        let provider_schema = checked(provider_schema, diags, "the provider schema")?;

        let mut diags = Diagnostics::default();
        let resources = provider.get_resources(&mut diags);
        let resources = checked(resources, diags, "the resources")?;
        let resources = by_type_name(resources, |resource, diags| resource.schema(diags))?;

        let mut diags = Diagnostics::default();
        let data_sources = provider.get_data_sources(&mut diags);
        let data_sources = checked(data_sources, diags, "the data sources")?;
        let data_sources = by_type_name(data_sources, |source, diags| source.schema(diags))?;

        let mut diags = Diagnostics::default();
        let list_resources = provider.get_list_resources(&mut diags);
        let list_resources = checked(list_resources, diags, "the list resources")?;
        let list_resources = by_type_name(list_resources, |list, diags| list.schema(diags))?;

        let mut diags = Diagnostics::default();
        let actions = provider.get_actions(&mut diags);
        let actions = checked(actions, diags, "the actions")?;
        let actions = by_type_name(actions, |action, diags| action.schema(diags))?;

        Ok(Self {
            provider: provider_schema,
            resources,
            data_sources,
            list_resources,
            actions,
        })
    }
}

/// The schema of each resource (or data source), keyed by the type name Terraform sees.
fn by_type_name<T>(
    registered: HashMap<String, T>,
    schema_of: impl Fn(&T, &mut Diagnostics) -> Option<Schema>,
) -> Result<BTreeMap<String, Schema>> {
    let mut schemas = BTreeMap::new();
    for (key, item) in registered {
        let mut diags = Diagnostics::default();
        let schema = schema_of(&item, &mut diags);
        let type_name = served_type_name(&key)?;
        let schema = checked(schema, diags, &format!("the schema of {type_name}"))?;
        schemas.insert(type_name, schema);
    }
    Ok(schemas)
}

/// The type name Terraform sees: tf-provider's server serves the key `k` as `nac_k`, so the docs
/// derive it the same way, and refuse a key that already carries the prefix (it would be served
/// as `nac_nac_...`, a name no configuration uses).
fn served_type_name(key: &str) -> Result<String> {
    let prefix = format!("{PROVIDER_SHORT_NAME}_");
    if key.starts_with(&prefix) {
        bail!(
            "the provider registers {key:?}, which tf-provider serves as \"{prefix}{key}\"; \
             register it as {:?} so that Terraform sees {key:?}",
            &key[prefix.len()..]
        );
    }
    Ok(format!("{prefix}{key}"))
}

/// The provider's answer, or an error carrying its diagnostics: the docs must not silently
/// leave out a schema the provider failed to produce.
fn checked<T>(value: Option<T>, diags: Diagnostics, what: &str) -> Result<T> {
    if !diags.errors.is_empty() {
        let messages: Vec<String> = diags
            .errors
            .iter()
            .map(|d| format!("{}: {}", d.summary, d.detail))
            .collect();
        bail!(
            "the provider failed to return {what}: {}",
            messages.join("; ")
        );
    }
    value.ok_or_else(|| anyhow!("the provider returned no value for {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_follow_the_tf_provider_server_and_reject_a_doubled_prefix() {
        assert_eq!(served_type_name("qod_session").unwrap(), "nac_qod_session");
        let error = served_type_name("nac_qod_session").unwrap_err().to_string();
        assert!(
            error.contains("\"nac_nac_qod_session\"") && error.contains("\"qod_session\""),
            "{error}"
        );
    }
}
