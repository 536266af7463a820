//! Resource identity (protocol 6.9, Terraform 1.12+): the few attributes that name a remote object, so
//! that `import { identity = {...} }`, `terraform query` and `terraform state identities` can name it
//! without a free-form id string.

use std::collections::BTreeMap;

use crate::schema::{AttributeType, Description};
use crate::tfplugin6;

/// An identity value: attribute name to value (strings, numbers or booleans, per the identity schema).
pub type Identity = BTreeMap<String, serde_json::Value>;

/// The identity schema of a resource type.
#[derive(Clone, Debug, Default)]
pub struct IdentitySchema {
    /// Version of the identity schema (bumped when its attributes change).
    pub version: i64,
    /// The identity's attributes, all primitives.
    pub attributes: Vec<IdentityAttribute>,
}

/// One attribute of an identity.
#[derive(Clone, Debug)]
pub struct IdentityAttribute {
    /// Attribute name
    pub name: String,
    /// Attribute type (a primitive: string, number or bool)
    pub attr_type: AttributeType,
    /// Must be given in an `import { identity = {...} }` block
    pub required_for_import: bool,
    /// May be given in an `import { identity = {...} }` block
    pub optional_for_import: bool,
    /// Documentation
    pub description: Description,
}

impl From<&IdentitySchema> for tfplugin6::ResourceIdentitySchema {
    fn from(value: &IdentitySchema) -> Self {
        Self {
            version: value.version,
            identity_attributes: value
                .attributes
                .iter()
                .map(|a| tfplugin6::resource_identity_schema::IdentityAttribute {
                    name: a.name.clone(),
                    r#type: a.attr_type.to_string().into(),
                    required_for_import: a.required_for_import,
                    optional_for_import: a.optional_for_import,
                    description: a.description.content.clone(),
                })
                .collect(),
        }
    }
}
