//! Nested attributes through the real Terraform: a tiny provider (this test binary itself, re-launched
//! by Terraform as `terraform-provider-nested`) with a list and a single nested attribute. Terraform
//! accepts the schema (the fork sends `nested_type` without `type`), applies a configuration using
//! them, and the next plan is empty. (`harness = false`: `main` is the test or, under Terraform, the
//! plugin.)

use std::collections::HashMap;
use std::process::Command;

use async_trait::async_trait;
use tf_provider::schema::{Attribute, AttributeConstraint, AttributeType, Block, Schema};
use tf_provider::value::{ValueAny, ValueEmpty};
use tf_provider::{map, AttributePath, Diagnostics, DynamicResource, Provider, Resource};

struct Inert;

fn attribute(attr_type: AttributeType, constraint: AttributeConstraint) -> Attribute {
    Attribute {
        attr_type,
        constraint,
        ..Default::default()
    }
}

fn schema() -> Schema {
    let range: HashMap<String, Attribute> = map! {
        "start" => attribute(AttributeType::Number, AttributeConstraint::Required),
        "end" => attribute(AttributeType::Number, AttributeConstraint::Optional)
    };
    Schema {
        version: 0,
        block: Block {
            attributes: map! {
                "name" => attribute(AttributeType::String, AttributeConstraint::Required),
                "ranges" => attribute(AttributeType::AttributeList(range.clone()), AttributeConstraint::Optional),
                "first" => attribute(AttributeType::AttributeSingle(range), AttributeConstraint::Optional)
            },
            ..Default::default()
        },
    }
}

#[async_trait]
impl Resource for Inert {
    type State<'a> = ValueAny;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _: &mut Diagnostics) -> Option<Schema> {
        Some(schema())
    }
    async fn validate<'a>(&self, _: &mut Diagnostics, _: Self::State<'a>) -> Option<()> {
        Some(())
    }
    async fn read<'a>(
        &self,
        _: &mut Diagnostics,
        state: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        Some((state, private))
    }
    async fn plan_create<'a>(
        &self,
        _: &mut Diagnostics,
        proposed: Self::State<'a>,
        _: Self::State<'a>,
        _: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        Some((proposed, Default::default()))
    }
    async fn plan_update<'a>(
        &self,
        _: &mut Diagnostics,
        _: Self::State<'a>,
        proposed: Self::State<'a>,
        _: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        Some((proposed, private, Vec::new()))
    }
    async fn plan_destroy<'a>(
        &self,
        _: &mut Diagnostics,
        _: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(private)
    }
    async fn create<'a>(
        &self,
        _: &mut Diagnostics,
        planned: Self::State<'a>,
        _: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        Some((planned, private))
    }
    async fn update<'a>(
        &self,
        _: &mut Diagnostics,
        _: Self::State<'a>,
        planned: Self::State<'a>,
        _: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        Some((planned, private))
    }
    async fn destroy<'a>(
        &self,
        _: &mut Diagnostics,
        _: Self::State<'a>,
        _: Self::PrivateState<'a>,
        _: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        Some(())
    }
}

struct NestedProvider;

#[async_trait]
impl Provider for NestedProvider {
    type Config<'a> = ValueEmpty;
    type MetaState<'a> = ValueEmpty;

    fn schema(&self, _: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 0,
            block: Block::default(),
        })
    }
    async fn validate<'a>(&self, _: &mut Diagnostics, _: Self::Config<'a>) -> Option<()> {
        Some(())
    }
    async fn configure<'a>(
        &self,
        _: &mut Diagnostics,
        _: String,
        _: Self::Config<'a>,
    ) -> Option<()> {
        Some(())
    }
    fn get_resources(
        &self,
        _: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        Some(map! { "thing" => Inert })
    }
}

fn terraform(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let terraform = std::env::var("TERRAFORM").unwrap_or_else(|_| "terraform".into());
    Command::new(terraform)
        .args(args)
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", dir.join("terraform.rc"))
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .expect("run terraform")
}

#[track_caller]
fn ok(out: std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn main() -> anyhow::Result<()> {
    if std::env::var_os("TF_PLUGIN_MAGIC_COOKIE").is_some() {
        return tokio::runtime::Runtime::new()?
            .block_on(tf_provider::serve("nested", NestedProvider));
    }
    // Only the test binary's own test: ignore libtest's arguments (filters, --list).
    if std::env::args().any(|a| a == "--list") {
        println!("terraform_accepts_and_applies_nested_attributes: test");
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let plugins = dir.path().join("plugins");
    std::fs::create_dir(&plugins)?;
    std::os::unix::fs::symlink(
        std::env::current_exe()?,
        plugins.join("terraform-provider-nested"),
    )?;
    std::fs::write(
        dir.path().join("terraform.rc"),
        format!(
            "provider_installation {{\n  dev_overrides {{\n    \"test/nested\" = {:?}\n  }}\n  direct {{}}\n}}\n",
            plugins.display().to_string()
        ),
    )?;
    std::fs::write(
        dir.path().join("main.tf"),
        r#"
terraform {
  required_providers {
    nested = { source = "test/nested" }
  }
}
resource "nested_thing" "a" {
  name   = "a"
  ranges = [{ start = 80, end = 443 }, { start = 8080 }]
  first  = { start = 1 }
}
"#,
    )?;

    let schema: serde_json::Value = serde_json::from_str(&ok(terraform(
        dir.path(),
        &["providers", "schema", "-json"],
    )))?;
    let attributes = &schema["provider_schemas"]["registry.terraform.io/test/nested"]
        ["resource_schemas"]["nested_thing"]["block"]["attributes"];
    for (name, nesting) in [("ranges", "list"), ("first", "single")] {
        let attribute = &attributes[name];
        assert_eq!(
            attribute["nested_type"]["nesting_mode"], nesting,
            "{attribute}"
        );
        assert!(attribute.get("type").is_none(), "{name}: {attribute}");
        assert_eq!(
            attribute["nested_type"]["attributes"]["start"]["type"],
            "number"
        );
    }

    ok(terraform(
        dir.path(),
        &["apply", "-auto-approve", "-input=false", "-no-color"],
    ));
    let state: serde_json::Value =
        serde_json::from_str(&ok(terraform(dir.path(), &["show", "-json"])))?;
    let values = &state["values"]["root_module"]["resources"][0]["values"];
    assert_eq!(values["ranges"][0]["end"], 443, "{values}");
    assert_eq!(
        values["ranges"][1]["end"],
        serde_json::Value::Null,
        "{values}"
    );
    assert_eq!(values["first"]["start"], 1, "{values}");
    let plan = terraform(
        dir.path(),
        &["plan", "-detailed-exitcode", "-input=false", "-no-color"],
    );
    assert_eq!(
        plan.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&plan.stdout)
    );
    println!("test terraform_accepts_and_applies_nested_attributes ... ok");
    Ok(())
}
