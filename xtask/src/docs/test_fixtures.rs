//! Schemas for the docs' unit tests, built with the provider's own schema helpers.

pub use nac_provider::provider::schema_util::{attribute, block};
use tf_provider::schema::{Attribute, AttributeConstraint, AttributeType, NestedBlock, Schema};

/// A schema with nothing in it, for tests about what surrounds the schemas.
pub fn empty_schema() -> Schema {
    Schema {
        version: 1,
        block: block("", vec![], vec![]),
    }
}

/// A resource with every group, a sensitive attribute, a multi-paragraph description, an
/// undescribed `id`, and blocks nested two deep.
pub fn sample_resource() -> Schema {
    use AttributeConstraint::*;
    let credential = block(
        "Credential for the sink.",
        vec![
            (
                "access_token",
                Attribute {
                    sensitive: true,
                    ..attribute(AttributeType::String, Required, "Bearer token.")
                },
            ),
            (
                "expires_at",
                attribute(AttributeType::String, Optional, "RFC 3339 expiry."),
            ),
        ],
        vec![],
    );
    let ipv4 = block(
        "IPv4 of the device.",
        vec![(
            "public_address",
            attribute(AttributeType::String, Required, "Public address."),
        )],
        vec![],
    );
    let device = block(
        "The device.",
        vec![(
            "phone_number",
            attribute(AttributeType::String, Optional, "E.164 number."),
        )],
        vec![("ipv4_address", NestedBlock::Optional(ipv4))],
    );
    Schema {
        version: 1,
        block: block(
            "A **QoD** session, see [the API](https://example.com/qod).",
            vec![
                (
                    "profile",
                    attribute(AttributeType::String, Required, "QoS profile."),
                ),
                (
                    "duration",
                    attribute(
                        AttributeType::Number,
                        OptionalComputed,
                        "Seconds.\n\nDefaults to 86400.",
                    ),
                ),
                ("id", attribute(AttributeType::String, Computed, "")),
                (
                    "ports",
                    attribute(
                        AttributeType::List(Box::new(AttributeType::Number)),
                        Optional,
                        "Ports.",
                    ),
                ),
                (
                    "status",
                    attribute(AttributeType::String, Computed, "`AVAILABLE` or not."),
                ),
            ],
            vec![
                ("device", NestedBlock::Single(device)),
                ("sink_credential", NestedBlock::Optional(credential)),
            ],
        ),
    }
}
