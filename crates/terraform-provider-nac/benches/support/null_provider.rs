//! `bench-null-provider`: the same plugin stack as terraform-provider-nac (tf-provider, tokio, the
//! vendored tf-provider, the release profile) with resources that do nothing: no API, no checks, state in
//! = state out. The benchmark uses it to split Terraform's cost of a plugin resource from what the nac
//! provider itself adds:
//! - `null_resource`: one string attribute, `input` (the plugin protocol's own cost);
//! - `null_qod_session`: exactly `nac_qod_session`'s schema (what Terraform spends on that schema).
//!
//! Terraform runs it through `dev_overrides` as provider `bench/null`.

use std::collections::HashMap;

use async_trait::async_trait;
use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, Schema,
};
use tf_provider::value::{ValueAny, ValueEmpty};
use tf_provider::{map, AttributePath, Diagnostics, DynamicResource, Provider, Resource};

/// A resource that stores whatever Terraform plans.
struct Inert {
    schema: Schema,
}

#[async_trait]
impl Resource for Inert {
    type State<'a> = ValueAny;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(self.schema.clone())
    }

    async fn validate<'a>(&self, _diags: &mut Diagnostics, _config: Self::State<'a>) -> Option<()> {
        Some(())
    }

    async fn read<'a>(
        &self,
        _diags: &mut Diagnostics,
        state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        Some((state, private_state))
    }

    async fn plan_create<'a>(
        &self,
        _diags: &mut Diagnostics,
        proposed_state: Self::State<'a>,
        _config_state: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        Some((proposed_state, Default::default()))
    }

    async fn plan_update<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior_state: Self::State<'a>,
        proposed_state: Self::State<'a>,
        _config_state: Self::State<'a>,
        prior_private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        Some((proposed_state, prior_private_state, Vec::new()))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior_state: Self::State<'a>,
        prior_private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(prior_private_state)
    }

    async fn create<'a>(
        &self,
        _diags: &mut Diagnostics,
        planned_state: Self::State<'a>,
        _config_state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        Some((planned_state, private_state))
    }

    async fn update<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior_state: Self::State<'a>,
        planned_state: Self::State<'a>,
        _config_state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        Some((planned_state, private_state))
    }

    async fn destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _state: Self::State<'a>,
        _private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        Some(())
    }
}

fn one_string_schema() -> Schema {
    Schema {
        version: 1,
        block: Block {
            version: 1,
            attributes: map! {
                "input" => Attribute {
                    attr_type: AttributeType::String,
                    description: Description::plain("Stored as given."),
                    constraint: AttributeConstraint::Required,
                    ..Default::default()
                }
            },
            ..Default::default()
        },
    }
}

/// `nac_qod_session`'s schema, taken from the nac provider itself.
fn qod_session_schema() -> Schema {
    let mut diags = Diagnostics::default();
    let resources = nac_provider::provider::NacProvider::new()
        .get_resources(&mut diags)
        .expect("the nac provider lists its resources");
    let mut schema = resources["qod_session"]
        .schema(&mut diags)
        .expect("nac_qod_session has a schema");
    // For finding which part of the schema Terraform spends its time on: top-level attributes and
    // blocks to leave out, e.g. NAC_BENCH_NULL_QOD_DROP=timeouts,sink_credential.
    if let Ok(drop) = std::env::var("NAC_BENCH_NULL_QOD_DROP") {
        for name in drop.split(',').map(str::trim) {
            schema.block.attributes.remove(name);
            schema.block.blocks.remove(name);
        }
    }
    schema
}

struct NullProvider;

#[async_trait]
impl Provider for NullProvider {
    type Config<'a> = ValueEmpty;
    type MetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: Block::default(),
        })
    }

    async fn validate<'a>(
        &self,
        _diags: &mut Diagnostics,
        _config: Self::Config<'a>,
    ) -> Option<()> {
        Some(())
    }

    async fn configure<'a>(
        &self,
        _diags: &mut Diagnostics,
        _terraform_version: String,
        _config: Self::Config<'a>,
    ) -> Option<()> {
        Some(())
    }

    fn get_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        Some(map! {
            "resource" => Inert { schema: one_string_schema() },
            "qod_session" => Inert { schema: qod_session_schema() }
        })
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tf_provider::serve("null", NullProvider).await
}
