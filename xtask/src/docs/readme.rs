//! README.md's attribute table: one markdown table per schema, kept between two markers so the
//! rest of the README stays hand-written.

use std::collections::HashMap;

use anyhow::{anyhow, Result};
use tf_provider::schema::{Attribute, AttributeConstraint, AttributeType, Block, NestedBlock};

use super::classify::{
    attribute_label, nested_fields, object_field_group, sorted_names, type_label, BlockShape,
    Group, NestedFields,
};
use super::object_fields;
use super::schemas::ProviderSchemas;
use super::PROVIDER_SHORT_NAME;

const README_BEGIN: &str = "<!-- BEGIN ATTRIBUTES -->";
const README_END: &str = "<!-- END ATTRIBUTES -->";

/// One markdown table per schema (provider, resources, data sources) listing every attribute and
/// block, nested ones by their dotted path right after their parent.
pub(super) fn attribute_table(schemas: &ProviderSchemas) -> Result<String> {
    let mut out = String::new();
    out.push_str(&format!("### Provider `{PROVIDER_SHORT_NAME}`\n\n"));
    table(&mut out, &schemas.provider.block)?;
    for (type_name, schema) in &schemas.resources {
        out.push_str(&format!("\n### Resource `{type_name}`\n\n"));
        table(&mut out, &schema.block)?;
    }
    for (type_name, schema) in &schemas.data_sources {
        out.push_str(&format!("\n### Data source `{type_name}`\n\n"));
        table(&mut out, &schema.block)?;
    }
    Ok(out)
}

fn table(out: &mut String, block: &Block) -> Result<()> {
    out.push_str("| Attribute | Type | Use | Description |\n|---|---|---|---|\n");
    table_rows(out, "", &block.attributes, &block.blocks)
}

/// Rows for the attributes and blocks of one level, by name, each followed by what nests in it.
fn table_rows(
    out: &mut String,
    prefix: &str,
    attributes: &HashMap<String, Attribute>,
    blocks: &HashMap<String, NestedBlock>,
) -> Result<()> {
    for name in sorted_names(attributes.keys().chain(blocks.keys())) {
        let path = format!("{prefix}{name}");
        if let Some(attribute) = attributes.get(name) {
            let usage = match attribute.constraint {
                AttributeConstraint::Required => "Required",
                AttributeConstraint::Optional => "Optional",
                AttributeConstraint::OptionalComputed => "Optional, Computed",
                AttributeConstraint::Computed => "Computed",
            };
            table_row(
                out,
                &path,
                &attribute_label(attribute),
                usage,
                &attribute.description.content,
            );
            match nested_fields(&attribute.attr_type) {
                Some(NestedFields::Attributes(nested)) => {
                    table_rows(out, &format!("{path}."), nested, &HashMap::new())?
                }
                Some(NestedFields::Object(fields)) => {
                    let group = object_field_group(Group::of_attribute(attribute));
                    let usage = if group == Group::ReadOnly {
                        "Computed"
                    } else {
                        "Required"
                    };
                    object_rows(out, &format!("{path}."), fields, usage)?
                }
                None => {}
            }
        } else {
            let shape = BlockShape::of(&blocks[name]);
            let usage = match shape.group(name)? {
                Group::Required => "Required",
                Group::Optional => "Optional",
                Group::ReadOnly => "Computed",
            };
            table_row(
                out,
                &path,
                &shape.label(None),
                usage,
                &shape.block.description.content,
            );
            let nested = shape.block;
            table_rows(out, &format!("{path}."), &nested.attributes, &nested.blocks)?;
        }
    }
    Ok(())
}

/// Object fields have no constraint of their own (all are required in the value) and take their
/// description from [`object_fields`].
fn object_rows(
    out: &mut String,
    prefix: &str,
    fields: &HashMap<String, AttributeType>,
    usage: &str,
) -> Result<()> {
    for name in sorted_names(fields.keys()) {
        let path = format!("{prefix}{name}");
        let segments: Vec<&str> = path.split('.').collect();
        let description = object_fields::description(&segments)?;
        table_row(out, &path, &type_label(&fields[name]), usage, description);
        if let Some(NestedFields::Object(inner)) = nested_fields(&fields[name]) {
            object_rows(out, &format!("{path}."), inner, usage)?;
        }
    }
    Ok(())
}

/// A table cell holds one line and no unescaped `|`.
fn table_row(out: &mut String, path: &str, type_label: &str, usage: &str, description: &str) {
    let description = description
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|");
    out.push_str(&format!(
        "| `{path}` | {type_label} | {usage} | {description} |\n"
    ));
}

/// `readme` with the text between the attribute-table markers replaced by `table`; `None` when the
/// README has no markers.
pub(super) fn splice(readme: &str, table: &str) -> Result<Option<String>> {
    let Some(begin) = readme.find(README_BEGIN) else {
        return Ok(None);
    };
    let content_start = begin + README_BEGIN.len();
    let end = readme[content_start..]
        .find(README_END)
        .map(|offset| content_start + offset)
        .ok_or_else(|| anyhow!("README.md has {README_BEGIN} but no {README_END} after it"))?;
    Ok(Some(format!(
        "{}\n{}\n{}",
        &readme[..content_start],
        table.trim_end(),
        &readme[end..]
    )))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::docs::test_fixtures::{empty_schema, sample_resource};

    #[test]
    fn readme_table_lists_nested_paths_and_escapes_pipes() {
        let schemas = ProviderSchemas {
            provider: empty_schema(),
            resources: BTreeMap::from([("nac_thing".to_string(), sample_resource())]),
            data_sources: BTreeMap::new(),
            list_resources: BTreeMap::new(),
            actions: BTreeMap::new(),
        };
        let table = attribute_table(&schemas).unwrap();
        assert!(table.contains("### Resource `nac_thing`\n\n| Attribute | Type | Use | Description |\n|---|---|---|---|\n"), "{table}");
        assert!(
            table.contains(
                "| `device.ipv4_address.public_address` | String | Required | Public address. |\n"
            ),
            "{table}"
        );
        assert!(table.contains("| `sink_credential.access_token` | String, Sensitive | Required | Bearer token. |\n"), "{table}");
        assert!(
            table.contains(
                "| `duration` | Number | Optional, Computed | Seconds. Defaults to 86400. |\n"
            ),
            "{table}"
        );
        assert!(
            table.contains("| `device` | Block, Max: 1 | Required | The device. |\n"),
            "{table}"
        );
        let position = |needle: &str| table.find(needle).unwrap();
        assert!(position("`device`") < position("`device.ipv4_address`"));
        assert!(position("`device.phone_number`") < position("`duration`"));
        let mut pipes = String::new();
        table_row(&mut pipes, "a", "String", "Optional", "one | two");
        assert_eq!(pipes, "| `a` | String | Optional | one \\| two |\n");
    }

    #[test]
    fn readme_splice_replaces_only_between_markers() {
        let readme = format!("intro\n{README_BEGIN}\nold\n{README_END}\noutro\n");
        let spliced = splice(&readme, "new table\n").unwrap().unwrap();
        assert_eq!(
            spliced,
            format!("intro\n{README_BEGIN}\nnew table\n{README_END}\noutro\n")
        );
        assert_eq!(splice(&spliced, "new table\n").unwrap().unwrap(), spliced);
        assert_eq!(splice("no markers", "t").unwrap(), None);
        assert!(splice(&format!("{README_BEGIN} only"), "t").is_err());
    }
}
