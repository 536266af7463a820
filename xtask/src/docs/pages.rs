//! The registry pages in tfplugindocs' layout: `docs/index.md` for the provider,
//! `docs/resources/<name>.md`, `docs/data-sources/<name>.md`, `docs/list-resources/<name>.md` and
//! `docs/actions/<name>.md`, each with its example from `examples/`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use tf_provider::schema::Schema;

use super::plain_markdown::plain_markdown;
use super::schema_section::schema_section;
use super::schemas::ProviderSchemas;
use super::{generated_comment, GeneratedFile, PROVIDER_NAME, PROVIDER_SHORT_NAME};

/// Renders every page, taking the example configurations from `examples_dir` in the registry
/// layout. Every page needs its example, and every resource its `import.sh`: a missing one is an
/// error, not a silently thinner page.
pub(super) fn render_docs(
    schemas: &ProviderSchemas,
    examples_dir: &Path,
) -> Result<Vec<GeneratedFile>> {
    let mut files = vec![GeneratedFile {
        path: PathBuf::from("docs/index.md"),
        content: render_provider_page(
            &schemas.provider,
            &read_example(&examples_dir.join("provider/provider.tf"))?,
        )?,
    }];
    for (type_name, schema) in &schemas.resources {
        let example_dir = examples_dir.join("resources").join(type_name);
        let example = read_example(&example_dir.join("resource.tf"))?;
        let by_identity = example_dir.join("import-by-identity.tf");
        let import = Import {
            block: read_example(&example_dir.join("import-by-string-id.tf"))?,
            identity_block: match by_identity.exists() {
                true => Some(read_example(&by_identity)?),
                false => None,
            },
            command: read_example(&example_dir.join("import.sh"))?,
        };
        files.push(GeneratedFile {
            path: PathBuf::from(format!("docs/resources/{}.md", short_name(type_name))),
            content: render_type_page(type_name, "Resource", schema, &example, Some(&import))?,
        });
    }
    for (type_name, schema) in &schemas.data_sources {
        let example = read_example(
            &examples_dir
                .join("data-sources")
                .join(type_name)
                .join("data-source.tf"),
        )?;
        files.push(GeneratedFile {
            path: PathBuf::from(format!("docs/data-sources/{}.md", short_name(type_name))),
            content: render_type_page(type_name, "Data Source", schema, &example, None)?,
        });
    }
    // tfplugindocs' layout for the Terraform 1.14 kinds.
    for (dir, example_file, kind, schemas) in [
        (
            "list-resources",
            "list-resource.tfquery.hcl",
            "List Resource",
            &schemas.list_resources,
        ),
        ("actions", "action.tf", "Action", &schemas.actions),
    ] {
        for (type_name, schema) in schemas {
            let example = read_example(&examples_dir.join(dir).join(type_name).join(example_file))?;
            files.push(GeneratedFile {
                path: PathBuf::from(format!("docs/{dir}/{}.md", short_name(type_name))),
                content: render_type_page(type_name, kind, schema, &example, None)?,
            });
        }
    }
    Ok(files)
}

/// A resource's import examples: the `import {}` block (`import-by-string-id.tf`) and the
/// `terraform import` command (`import.sh`).
struct Import {
    block: String,
    /// `import-by-identity.tf`, for resources with an identity (Terraform 1.12+).
    identity_block: Option<String>,
    command: String,
}

/// The provider page's guide to keys, environments and `NAC_*` variables, after the example.
const AUTHENTICATION: &str = include_str!("authentication.md");

/// The registry names a type's page without the provider prefix.
fn short_name(type_name: &str) -> &str {
    type_name
        .strip_prefix(&format!("{PROVIDER_SHORT_NAME}_"))
        .unwrap_or(type_name)
}

fn read_example(path: &Path) -> Result<String> {
    let content = std::fs::read_to_string(path).with_context(|| {
        format!(
            "the docs need the example {}, which cannot be read",
            path.display()
        )
    })?;
    let content = content.trim();
    if content.is_empty() {
        bail!("the example {} is empty", path.display());
    }
    Ok(content.to_string())
}

fn render_provider_page(schema: &Schema, example: &str) -> Result<String> {
    let title = format!("{PROVIDER_SHORT_NAME} Provider");
    render_page(
        &format!("page_title: \"{title}\"\n"),
        &title,
        schema,
        example,
        &format!("{}\n\n", AUTHENTICATION.trim()),
    )
}

/// A resource (`kind` "Resource", with `import`) or data source ("Data Source") page.
fn render_type_page(
    type_name: &str,
    kind: &str,
    schema: &Schema,
    example: &str,
    import: Option<&Import>,
) -> Result<String> {
    let mut page = render_page(
        &format!("page_title: \"{type_name} {kind} - {PROVIDER_NAME}\"\nsubcategory: \"\"\n"),
        &format!("{type_name} ({kind})"),
        schema,
        example,
        "",
    )?;
    if let Some(import) = import {
        let identity = import.identity_block.as_ref().map_or(String::new(), |block| {
            format!(
                "In Terraform v1.12.0 and later, the [`import` block](https://developer.hashicorp.com/terraform/language/import) \
                 can be used with the `identity` attribute, for example:\n\n{}\n\n",
                code_block("terraform", block)
            )
        });
        page.push_str(&format!(
            "\n## Import\n\nImport is supported using the following syntax:\n\n\
             In Terraform v1.5.0 and later, the [`import` block](https://developer.hashicorp.com/terraform/language/import) \
             can be used with the `id` attribute, for example:\n\n{}\n\n{identity}\
             The [`terraform import` command](https://developer.hashicorp.com/terraform/cli/commands/import) \
             can be used, for example:\n\n{}\n",
            code_block("terraform", &import.block),
            code_block("shell", &import.command)
        ));
    }
    Ok(page)
}

/// What every page has: front matter (`front_matter` holds the lines before the description),
/// heading, description, example, `guide` (markdown sections, or nothing) and schema.
fn render_page(
    front_matter: &str,
    heading: &str,
    schema: &Schema,
    example: &str,
    guide: &str,
) -> Result<String> {
    let description = schema.block.description.content.trim();
    Ok(format!(
        "---\n{}\n{front_matter}description: |-\n{}\n---\n\n# {heading}\n\n{description}\n\n\
         ## Example Usage\n\n{}\n\n{guide}{}\n",
        generated_comment(),
        front_matter_description(description),
        code_block("terraform", example),
        schema_section(schema)?,
    ))
}

fn code_block(language: &str, content: &str) -> String {
    format!("```{language}\n{}\n```", content.trim())
}

/// The YAML block scalar of the front matter: the description as plain text, indented.
fn front_matter_description(description: &str) -> String {
    plain_markdown(description)
        .split('\n')
        .map(|line| format!("  {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use tf_provider::schema::{Attribute, AttributeConstraint, AttributeType, Schema};

    use super::*;
    use crate::docs::test_fixtures::{attribute, block, empty_schema, sample_resource};

    #[test]
    fn resource_page_matches_the_tfplugindocs_layout() {
        let page = render_type_page(
            "nac_thing",
            "Resource",
            &sample_resource(),
            "resource \"nac_thing\" \"x\" {}\n",
            Some(&Import {
                block: "import {\n  to = nac_thing.x\n  id = \"123\"\n}".into(),
                identity_block: None,
                command: "terraform import nac_thing.x 123".into(),
            }),
        )
        .unwrap();
        let expected = format!(
            "---\n{}\npage_title: \"nac_thing Resource - terraform-provider-nac\"\nsubcategory: \"\"\n\
description: |-
  A QoD session, see the API https://example.com/qod.
---

# nac_thing (Resource)

A **QoD** session, see [the API](https://example.com/qod).

## Example Usage

```terraform
resource \"nac_thing\" \"x\" {{}}
```

<!-- schema generated by nac-docs -->
## Schema

### Required

- `device` (Block, Required, Max: 1) The device. (see [below for nested schema](#nestedblock--device))
- `profile` (String) QoS profile.

### Optional

- `duration` (Number) Seconds.  
Defaults to 86400.
- `ports` (List of Number) Ports.
- `sink_credential` (Block List, Max: 1) Credential for the sink. (see [below for nested schema](#nestedblock--sink_credential))

### Read-Only

- `id` (String) The ID of this resource.
- `status` (String) `AVAILABLE` or not.

<a id=\"nestedblock--device\"></a>
### Nested Schema for `device`

Optional:

- `ipv4_address` (Block List, Max: 1) IPv4 of the device. (see [below for nested schema](#nestedblock--device--ipv4_address))
- `phone_number` (String) E.164 number.

<a id=\"nestedblock--device--ipv4_address\"></a>
### Nested Schema for `device.ipv4_address`

Required:

- `public_address` (String) Public address.



<a id=\"nestedblock--sink_credential\"></a>
### Nested Schema for `sink_credential`

Required:

- `access_token` (String, Sensitive) Bearer token.

Optional:

- `expires_at` (String) RFC 3339 expiry.

## Import

Import is supported using the following syntax:

In Terraform v1.5.0 and later, the [`import` block](https://developer.hashicorp.com/terraform/language/import) can be used with the `id` attribute, for example:

```terraform
import {{
  to = nac_thing.x
  id = \"123\"
}}
```

The [`terraform import` command](https://developer.hashicorp.com/terraform/cli/commands/import) can be used, for example:

```shell
terraform import nac_thing.x 123
```
",
            generated_comment()
        );
        assert_eq!(page, expected, "got:\n{page}");
    }

    #[test]
    fn provider_page_has_no_subcategory_and_indents_a_multiline_description() {
        let schema = Schema {
            version: 1,
            block: block(
                "Line one.\nLine `two`.",
                vec![(
                    "token",
                    Attribute {
                        sensitive: true,
                        ..attribute(
                            AttributeType::String,
                            AttributeConstraint::Optional,
                            "API token.",
                        )
                    },
                )],
                vec![],
            ),
        };
        let page = render_provider_page(&schema, "provider \"nac\" {}").unwrap();
        assert!(page.starts_with(&format!(
            "---\n{}\npage_title: \"nac Provider\"\ndescription: |-\n  Line one.\n  Line two.\n---\n\n# nac Provider\n\nLine one.\nLine `two`.\n\n## Example Usage\n\n```terraform\nprovider \"nac\" {{}}\n```\n\n",
            generated_comment()
        )), "{page}");
        assert!(
            page.ends_with("### Optional\n\n- `token` (String, Sensitive) API token.\n"),
            "{page}"
        );
        let guide = page
            .find("## Authentication")
            .expect("an authentication section");
        assert!(guide < page.find("## Schema").unwrap(), "{page}");
        for needle in [
            "NAC_TOKEN",
            "NAC_ENVIRONMENT",
            "NAC_BASE_URL",
            "`staging`",
            "`dev`",
        ] {
            assert!(page.contains(needle), "{needle} missing:\n{page}");
        }
    }

    #[test]
    fn empty_description_still_yields_valid_front_matter() {
        assert_eq!(front_matter_description(""), "  ");
    }

    #[test]
    fn missing_example_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let schemas = ProviderSchemas {
            provider: empty_schema(),
            resources: BTreeMap::new(),
            data_sources: BTreeMap::new(),
            list_resources: BTreeMap::new(),
            actions: BTreeMap::new(),
        };
        let error = format!("{:#}", render_docs(&schemas, dir.path()).unwrap_err());
        assert!(error.contains("provider/provider.tf"), "{error}");
    }
}
