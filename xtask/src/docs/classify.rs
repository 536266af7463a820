//! How tfplugindocs classifies schema members, shared by the pages and the README table: which
//! group (Required / Optional / Read-Only) each belongs to, how its type is labelled, and what
//! nests below it.

use std::collections::HashMap;

use anyhow::{bail, Result};
use tf_provider::schema::{Attribute, AttributeConstraint, AttributeType, Block, NestedBlock};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Group {
    Required,
    Optional,
    ReadOnly,
}

impl Group {
    /// In the order the pages list them.
    pub const ALL: [Group; 3] = [Group::Required, Group::Optional, Group::ReadOnly];

    pub fn of_attribute(attribute: &Attribute) -> Group {
        match attribute.constraint {
            AttributeConstraint::Required => Group::Required,
            AttributeConstraint::Optional | AttributeConstraint::OptionalComputed => {
                Group::Optional
            }
            AttributeConstraint::Computed => Group::ReadOnly,
        }
    }
}

/// The fields of an object value are all required by Terraform: Required in a configurable
/// attribute, Read-Only in a computed one.
pub(super) fn object_field_group(parent: Group) -> Group {
    match parent {
        Group::ReadOnly => Group::ReadOnly,
        Group::Required | Group::Optional => Group::Required,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Nesting {
    Single,
    List,
    Set,
    Map,
    Group,
}

/// A nested block as Terraform sees it on the wire (tf-provider's `Optional` is a list of at most
/// one). tf-provider sends `i64::MAX` for "no maximum", which the Go SDKs send as 0: normalised
/// here so the page does not claim a maximum of 9223372036854775807.
pub(super) struct BlockShape<'a> {
    nesting: Nesting,
    pub block: &'a Block,
    min_items: i64,
    max_items: i64,
}

impl<'a> BlockShape<'a> {
    pub fn of(nested: &'a NestedBlock) -> Self {
        let (nesting, block, min_items, max_items) = match nested {
            NestedBlock::Single(block) => (Nesting::Single, block, 1, 1),
            NestedBlock::List(block) => (Nesting::List, block, 0, 0),
            NestedBlock::Set(block) => (Nesting::Set, block, 0, 0),
            NestedBlock::Map(block) => (Nesting::Map, block, 0, 0),
            NestedBlock::Group(block) => (Nesting::Group, block, 0, 0),
            NestedBlock::Optional(block) => (Nesting::List, block, 0, 1),
        };
        Self {
            nesting,
            block,
            min_items,
            max_items,
        }
    }

    fn is_required(&self) -> bool {
        self.min_items > 0
    }

    /// Optional: not required, and empty or with something to configure inside.
    fn is_optional(&self) -> bool {
        !self.is_required()
            && ((self.block.attributes.is_empty() && self.block.blocks.is_empty())
                || self
                    .block
                    .blocks
                    .values()
                    .map(BlockShape::of)
                    .any(|b| b.is_required() || b.is_optional())
                || self
                    .block
                    .attributes
                    .values()
                    .any(|a| Group::of_attribute(a) != Group::ReadOnly))
    }

    /// Read-only: unbounded and every leaf computed.
    fn is_read_only(&self) -> bool {
        self.min_items == 0
            && self.max_items == 0
            && self
                .block
                .blocks
                .values()
                .all(|b| BlockShape::of(b).is_read_only())
            && self
                .block
                .attributes
                .values()
                .all(|a| Group::of_attribute(a) == Group::ReadOnly)
    }

    pub fn group(&self, name: &str) -> Result<Group> {
        if self.is_required() {
            Ok(Group::Required)
        } else if self.is_optional() {
            Ok(Group::Optional)
        } else if self.is_read_only() {
            Ok(Group::ReadOnly)
        } else {
            bail!("block {name:?} is neither required, optional nor read-only: an optional block whose children are all computed")
        }
    }

    /// "Block List, Max: 1", "Block, Required", ...: a single block states its group when one is
    /// given (the schema pages, as tfplugindocs does; the README table has a column for it).
    pub fn label(&self, group: Option<Group>) -> String {
        let mut label = String::from(match self.nesting {
            Nesting::Single | Nesting::Group => "Block",
            Nesting::List => "Block List",
            Nesting::Set => "Block Set",
            Nesting::Map => "Block Map",
        });
        let single = matches!(self.nesting, Nesting::Single | Nesting::Group);
        if let (true, Some(group)) = (single, group) {
            label.push_str(match group {
                Group::Required => ", Required",
                Group::Optional => ", Optional",
                Group::ReadOnly => ", Read-only",
            });
        } else if !single && self.min_items > 0 {
            label.push_str(&format!(", Min: {}", self.min_items));
        }
        if self.max_items > 0 {
            label.push_str(&format!(", Max: {}", self.max_items));
        }
        if self.block.deprecated {
            label.push_str(", Deprecated");
        }
        label
    }
}

/// "String", "List of Number", "Attributes List", ...
pub(super) fn type_label(attr_type: &AttributeType) -> String {
    match attr_type {
        AttributeType::String => "String".into(),
        AttributeType::Number => "Number".into(),
        AttributeType::Bool => "Boolean".into(),
        AttributeType::List(element) => format!("List of {}", type_label(element)),
        AttributeType::Set(element) => format!("Set of {}", type_label(element)),
        AttributeType::Map(element) => format!("Map of {}", type_label(element)),
        AttributeType::Object(_) => "Object".into(),
        AttributeType::Tuple(_) => "Tuple".into(),
        AttributeType::Any => "Dynamic".into(),
        AttributeType::AttributeSingle(_) => "Attributes".into(),
        AttributeType::AttributeList(_) => "Attributes List".into(),
        AttributeType::AttributeSet(_) => "Attributes Set".into(),
        AttributeType::AttributeMap(_) => "Attributes Map".into(),
    }
}

/// "String, Sensitive", "Attributes List, Deprecated", ...
pub(super) fn attribute_label(attribute: &Attribute) -> String {
    let mut label = type_label(&attribute.attr_type);
    if attribute.sensitive {
        label.push_str(", Sensitive");
    }
    if attribute.deprecated {
        label.push_str(", Deprecated");
    }
    label
}

/// What an attribute of this type documents below its own line, if anything.
pub(super) enum NestedFields<'a> {
    Attributes(&'a HashMap<String, Attribute>),
    Object(&'a HashMap<String, AttributeType>),
}

pub(super) fn nested_fields(attr_type: &AttributeType) -> Option<NestedFields<'_>> {
    match attr_type {
        AttributeType::AttributeSingle(attributes)
        | AttributeType::AttributeList(attributes)
        | AttributeType::AttributeSet(attributes)
        | AttributeType::AttributeMap(attributes) => Some(NestedFields::Attributes(attributes)),
        AttributeType::Object(fields) => Some(NestedFields::Object(fields)),
        AttributeType::List(element)
        | AttributeType::Set(element)
        | AttributeType::Map(element) => match &**element {
            AttributeType::Object(fields) => Some(NestedFields::Object(fields)),
            _ => None,
        },
        _ => None,
    }
}

/// Schema members live in `HashMap`s; both outputs list them by name so they are stable.
pub(super) fn sorted_names<'a>(names: impl Iterator<Item = &'a String>) -> Vec<&'a str> {
    let mut names: Vec<&str> = names.map(String::as_str).collect();
    names.sort_unstable();
    names
}
