// This file is part of the tf-provider project
//
// Licensed under the Apache License, Version 2.0 (the "License")
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

//! Write-only attributes (protocol 6.8, Terraform 1.11): their values come in the configuration only.
//! Terraform requires them null in every planned and new state the provider returns, so the server
//! nulls them itself, whatever the resource returned, and refuses them from a Terraform that did not
//! say it supports them (it would store them in state as ordinary attributes).

use std::collections::HashMap;

use rmpv::Value as Mp;

use crate::attribute_path::AttributePath;
use crate::raw::RawValue;
use crate::schema::{Attribute, AttributeType, Block, NestedBlock};

/// Whether `block` has a write-only attribute anywhere.
pub(crate) fn any(block: &Block) -> bool {
    fn in_attrs(attrs: &HashMap<String, Attribute>) -> bool {
        attrs.values().any(|a| {
            a.write_only
                || match &a.attr_type {
                    AttributeType::AttributeSingle(n)
                    | AttributeType::AttributeList(n)
                    | AttributeType::AttributeSet(n)
                    | AttributeType::AttributeMap(n) => in_attrs(n),
                    _ => false,
                }
        })
    }
    in_attrs(&block.attributes) || block.blocks.values().any(|b| any(nested_block(b)))
}

/// `value` with every write-only attribute set to null. Values the crate cannot decode (JSON, only
/// used for state upgrades) are returned as they are.
pub(crate) fn strip(block: &Block, value: RawValue) -> RawValue {
    if !any(block) {
        return value;
    }
    let RawValue::MessagePack(bytes) = &value else {
        return value;
    };
    let Ok(mut decoded) = rmpv::decode::read_value(&mut bytes.as_slice()) else {
        return value;
    };
    visit_block(block, &mut decoded, &AttributePath::root(), &mut |_, v| {
        *v = Mp::Nil
    });
    let mut out = Vec::with_capacity(bytes.len());
    match rmpv::encode::write_value(&mut out, &decoded) {
        Ok(()) => RawValue::MessagePack(out),
        Err(_) => value,
    }
}

/// The paths of write-only attributes that have a value (known or not) in `value`.
pub(crate) fn set_paths(block: &Block, value: &RawValue) -> Vec<AttributePath> {
    let mut paths = Vec::new();
    if !any(block) {
        return paths;
    }
    if let RawValue::MessagePack(bytes) = value {
        if let Ok(mut decoded) = rmpv::decode::read_value(&mut bytes.as_slice()) {
            visit_block(
                block,
                &mut decoded,
                &AttributePath::root(),
                &mut |path, v| {
                    if !v.is_nil() {
                        paths.push(path.clone())
                    }
                },
            );
        }
    }
    paths
}

type Visitor<'a> = dyn FnMut(&AttributePath, &mut Mp) + 'a;

fn nested_block(block: &NestedBlock) -> &Block {
    match block {
        NestedBlock::Single(b)
        | NestedBlock::List(b)
        | NestedBlock::Set(b)
        | NestedBlock::Map(b)
        | NestedBlock::Group(b)
        | NestedBlock::Optional(b) => b,
    }
}

fn entries(value: &mut Mp) -> impl Iterator<Item = (String, &mut Mp)> {
    let entries = match value {
        Mp::Map(entries) => entries.as_mut_slice(),
        _ => &mut [],
    };
    entries
        .iter_mut()
        .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v)))
}

fn elements(value: &mut Mp) -> &mut [Mp] {
    match value {
        Mp::Array(elements) => elements.as_mut_slice(),
        _ => &mut [],
    }
}

fn visit_block(block: &Block, value: &mut Mp, path: &AttributePath, f: &mut Visitor) {
    visit_attributes(&block.attributes, value, path, f);
    for (name, v) in entries(value) {
        let Some(nested) = block.blocks.get(&name) else {
            continue;
        };
        let path = path.clone().attribute(name);
        match nested {
            NestedBlock::Single(b) | NestedBlock::Group(b) => visit_block(b, v, &path, f),
            NestedBlock::List(b) | NestedBlock::Optional(b) => {
                for (i, e) in elements(v).iter_mut().enumerate() {
                    visit_block(b, e, &path.clone().index(i as i64), f);
                }
            }
            // Set elements have no index; the set's path stands for them.
            NestedBlock::Set(b) => {
                for e in elements(v) {
                    visit_block(b, e, &path, f);
                }
            }
            NestedBlock::Map(b) => {
                for (k, e) in entries(v) {
                    visit_block(b, e, &path.clone().key(k), f);
                }
            }
        }
    }
}

fn visit_attributes(
    attrs: &HashMap<String, Attribute>,
    value: &mut Mp,
    path: &AttributePath,
    f: &mut Visitor,
) {
    for (name, v) in entries(value) {
        let Some(attr) = attrs.get(&name) else {
            continue;
        };
        let path = path.clone().attribute(name);
        if attr.write_only {
            f(&path, v);
            continue;
        }
        match &attr.attr_type {
            AttributeType::AttributeSingle(n) => visit_attributes(n, v, &path, f),
            AttributeType::AttributeList(n) => {
                for (i, e) in elements(v).iter_mut().enumerate() {
                    visit_attributes(n, e, &path.clone().index(i as i64), f);
                }
            }
            AttributeType::AttributeSet(n) => {
                for e in elements(v) {
                    visit_attributes(n, e, &path, f);
                }
            }
            AttributeType::AttributeMap(n) => {
                for (k, e) in entries(v) {
                    visit_attributes(n, e, &path.clone().key(k), f);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::AttributeConstraint;
    use crate::Diagnostics;

    fn schema() -> Block {
        let credential = Block {
            attributes: [
                (
                    "token".to_string(),
                    Attribute {
                        attr_type: AttributeType::String,
                        constraint: AttributeConstraint::Optional,
                        write_only: true,
                        ..Default::default()
                    },
                ),
                (
                    "expires".to_string(),
                    Attribute {
                        attr_type: AttributeType::String,
                        constraint: AttributeConstraint::Optional,
                        ..Default::default()
                    },
                ),
            ]
            .into(),
            ..Default::default()
        };
        Block {
            blocks: [("credential".to_string(), NestedBlock::Optional(credential))].into(),
            ..Default::default()
        }
    }

    #[test]
    fn write_only_values_are_nulled_and_found() {
        let mut diags = Diagnostics::default();
        let value = serde_json::json!({"credential": [{"token": "s3cr3t", "expires": "2030"}]});
        let raw = RawValue::serialize(&mut diags, &value).unwrap();
        let paths = set_paths(&schema(), &raw);
        assert_eq!(
            paths,
            vec![AttributePath::new("credential").index(0).attribute("token")]
        );

        let stripped = strip(&schema(), raw);
        let back: serde_json::Value = stripped.deserialize(&mut diags).unwrap();
        assert_eq!(
            back,
            serde_json::json!({"credential": [{"token": null, "expires": "2030"}]})
        );
        assert!(set_paths(&schema(), &stripped).is_empty());
    }
}
