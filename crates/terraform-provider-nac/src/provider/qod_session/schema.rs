//! The schema of `nac_qod_session`.

use tf_provider::schema::{AttributeType, Block, NestedBlock, Schema};

use super::attrs::{Schema as AttrSchema, ATTRS};
use crate::provider::schema_util::{block, optional, required, sensitive, write_only};

/// The `sink_credential` block.
pub(super) fn sink_credential() -> NestedBlock {
    let string = || AttributeType::String;
    let credential = block(
        "Credential the network presents when it posts notifications to `sink` (as `Authorization: Bearer`). \
         Only allowed together with `sink`. The API never returns the token, so it is kept from the \
         configuration (or, with `access_token_wo`, not kept at all); changing it creates a new session.",
        [
            (
                "access_token",
                sensitive(optional(
                    string(),
                    "Bearer access token for `sink`. Sensitive, but stored in state and plan files: with \
                     Terraform 1.11 or later use `access_token_wo` instead. Exactly one of `access_token` and \
                     `access_token_wo` is required.",
                )),
            ),
            (
                "access_token_wo",
                write_only(sensitive(optional(
                    string(),
                    "Bearer access token for `sink`, write-only (Terraform 1.11 or later): sent to the API \
                     when the session is created, never stored in state or plan. Terraform cannot see it \
                     change, so change `access_token_wo_version` with it (that creates a new session with \
                     the new token).",
                ))),
            ),
            (
                "access_token_wo_version",
                optional(
                    AttributeType::Number,
                    "Any number, stored in state: change it to send a new `access_token_wo` (creates a new \
                     session). Only with `access_token_wo`.",
                ),
            ),
            (
                "access_token_expires_at",
                required(string(), "When the access token expires, RFC 3339 (e.g. `2030-01-01T00:00:00Z`)."),
            ),
        ],
        [],
    );
    NestedBlock::Optional(credential)
}

/// The schema, from the attribute table (attrs.rs).
pub(super) fn schema() -> Schema {
    let mut attributes = Vec::new();
    let mut blocks = Vec::new();
    for attr in ATTRS {
        match &attr.schema {
            AttrSchema::Attribute(make) => attributes.push((attr.hcl, make())),
            AttrSchema::Block(make) => blocks.push((attr.hcl, make())),
        }
    }
    let root: Block = block(
        "A Network as Code Quality-on-Demand session: the network gives one device a QoS profile towards an \
         application server for `duration` seconds. Creating it waits until the network reports it \
         `AVAILABLE`. A session the network ended (expired or terminated) is planned for replacement; \
         increasing `duration` extends the session in place while the remaining time stays within 24 hours; \
         any other change creates a new session.",
        attributes,
        blocks,
    );
    Schema {
        version: 0,
        block: root,
    }
}
