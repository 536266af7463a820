//! The attributes of `nac_qod_session`, in one typed table: each row says its HCL name, the create
//! request's wire field it maps to (if any), what a change of it does, and its schema. The schema,
//! the replacement decisions, HCL names in errors and the names of differences are all read from here.

use tf_provider::schema::{Attribute, AttributeType, NestedBlock};

use super::{SessionPrivate, SessionState};
use crate::provider::schema_util::{computed, optional, optional_computed, required};
use nac_api::wire::CreateField;

/// What a planned change of an attribute does to the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnChange {
    /// A new session (the API cannot change it in place).
    Replaces,
    /// Decided by its own rule (`duration`: extend in place or replace; see plan.rs).
    OwnRule,
    /// Nothing on the API: computed by it, or a setting of the provider only.
    Nothing,
}

/// One attribute or block of the resource.
pub struct Attr {
    pub hcl: &'static str,
    /// The create request's field it maps to.
    pub wire: Option<CreateField>,
    pub on_change: OnChange,
    /// Whether a plan changes it between `prior` and `planned` (only for [`OnChange::Replaces`]).
    pub changed: fn(&SessionState, &SessionState, &SessionPrivate) -> bool,
    pub schema: Schema,
}

pub enum Schema {
    Attribute(fn() -> Attribute),
    Block(fn() -> NestedBlock),
}

fn never(_: &SessionState, _: &SessionState, _: &SessionPrivate) -> bool {
    false
}

/// Every attribute and block, in the order plans report them.
pub const ATTRS: &[Attr] = &[
    Attr {
        hcl: "id",
        wire: None,
        on_change: OnChange::Nothing,
        changed: never,
        schema: Schema::Attribute(|| {
            computed(AttributeType::String, "Session id assigned by the network.")
        }),
    },
    Attr {
        hcl: "profile",
        wire: Some(CreateField::QosProfile),
        on_change: OnChange::Replaces,
        changed: |a, b, _| a.profile != b.profile,
        schema: Schema::Attribute(|| {
            required(
                AttributeType::String,
                "QoS profile name. Where the network serves CAMARA's QoS Profiles API, a plan requires \
                 one of its `ACTIVE` profiles (see data source `nac_qos_profiles`); otherwise NaC's: \
                 `DOWNLINK_{S,M,L}_UPLINK_{S,M,L}` (e.g. `DOWNLINK_L_UPLINK_L`), `QOS_E`, `QOS_S`, \
                 `QOS_M`, `QOS_L`, and another well-formed name only warns. Changing it creates a new \
                 session.",
            )
        }),
    },
    Attr {
        hcl: "service_ipv4",
        wire: Some(CreateField::ApplicationServerIpv4),
        on_change: OnChange::Replaces,
        changed: |a, b, _| a.service_ipv4 != b.service_ipv4,
        schema: Schema::Attribute(|| {
            optional(
                AttributeType::String,
                "IPv4 address or CIDR block of the application server (e.g. `233.252.0.2` or \
                 `198.51.100.0/24`). At least one of `service_ipv4` and `service_ipv6` is required.",
            )
        }),
    },
    Attr {
        hcl: "service_ipv6",
        wire: Some(CreateField::ApplicationServerIpv6),
        on_change: OnChange::Replaces,
        changed: |a, b, _| a.service_ipv6 != b.service_ipv6,
        schema: Schema::Attribute(|| {
            optional(
                AttributeType::String,
                "IPv6 address or CIDR block of the application server (e.g. `2001:db8::1` or \
                 `2001:db8:85a3::/64`). At least one of `service_ipv4` and `service_ipv6` is required.",
            )
        }),
    },
    Attr {
        hcl: "device",
        wire: Some(CreateField::Device),
        on_change: OnChange::Replaces,
        changed: |a, b, _| a.device != b.device,
        schema: Schema::Block(|| {
            crate::provider::device_block::schema(
                "The device that gets the QoS profile (exactly one block, with at least one identifier). \
                 Changing it creates a new session.",
            )
        }),
    },
    Attr {
        hcl: "service_ports",
        wire: Some(CreateField::ApplicationServerPorts),
        on_change: OnChange::Replaces,
        changed: |a, b, _| a.service_ports != b.service_ports,
        schema: Schema::Block(|| {
            crate::provider::ports_block::schema(
                "Ports of the application server the profile applies to (optional; at least one port or \
                 range when given). Changing them creates a new session.",
            )
        }),
    },
    Attr {
        hcl: "device_ports",
        wire: Some(CreateField::DevicePorts),
        on_change: OnChange::Replaces,
        changed: |a, b, _| a.device_ports != b.device_ports,
        schema: Schema::Block(|| {
            crate::provider::ports_block::schema(
                "Ports of the device the profile applies to (optional; at least one port or range when \
                 given). Changing them creates a new session.",
            )
        }),
    },
    Attr {
        hcl: "sink",
        wire: Some(CreateField::Sink),
        on_change: OnChange::Replaces,
        changed: |a, b, _| a.sink != b.sink,
        schema: Schema::Attribute(|| {
            optional(
                AttributeType::String,
                "`https://` URL the network posts session status notifications to (CloudEvents). \
                 Plain `http://` is accepted only to a loopback host (`127.0.0.0/8`, `[::1]`, \
                 `localhost`), e.g. a local receiver with `nac-sandbox`.",
            )
        }),
    },
    Attr {
        hcl: "sink_credential",
        wire: None,
        on_change: OnChange::Replaces,
        // An imported session's credential is unknown: the first one configured is recorded as is.
        changed: |a, b, private| {
            a.sink_credential != b.sink_credential && !private.sink_credential_unverified
        },
        schema: Schema::Block(super::schema::sink_credential),
    },
    Attr {
        hcl: "duration",
        wire: Some(CreateField::Duration),
        on_change: OnChange::OwnRule,
        changed: never,
        schema: Schema::Attribute(|| {
            optional_computed(
                AttributeType::Number,
                "Session duration in seconds, 1 to 86400 (default 86400), and within the profile's \
                 `min_duration` and `max_duration` where the network lists them. Increasing it extends the \
                 session in place when the remaining time plus the increase stays within 86400 s; \
                 otherwise, and on a decrease, a new session is created.",
            )
        }),
    },
    Attr {
        hcl: "status",
        wire: None,
        on_change: OnChange::Nothing,
        changed: never,
        schema: Schema::Attribute(|| {
            computed(
                AttributeType::String,
                "Session status: `REQUESTED`, `AVAILABLE` or `UNAVAILABLE`. A session found `UNAVAILABLE` \
                 on refresh is planned for replacement.",
            )
        }),
    },
    Attr {
        hcl: "status_info",
        wire: None,
        on_change: OnChange::Nothing,
        changed: never,
        schema: Schema::Attribute(|| {
            computed(
                AttributeType::String,
                "Why the session is `UNAVAILABLE`: `DURATION_EXPIRED`, `NETWORK_TERMINATED` or \
                 `DELETE_REQUESTED`; null otherwise.",
            )
        }),
    },
    Attr {
        hcl: "adopt_existing",
        wire: None,
        on_change: OnChange::Nothing,
        changed: never,
        schema: Schema::Attribute(|| {
            optional(
                AttributeType::Bool,
                "When the API refuses the create because the device already has a session (409), take \
                 that session over if it matches this configuration exactly (profile, device, service \
                 addresses and ports, device ports, sink, and a total `duration` equal to this one); \
                 otherwise the error says what differs. For re-running an apply that was killed after \
                 its create. Default `false`: the 409 is an error naming the session and the \
                 `terraform import` command.",
            )
        }),
    },
    Attr {
        hcl: "started_at",
        wire: None,
        on_change: OnChange::Nothing,
        changed: never,
        schema: Schema::Attribute(|| {
            computed(
                AttributeType::String,
                "When the session started (RFC 3339, UTC).",
            )
        }),
    },
    Attr {
        hcl: "expires_at",
        wire: None,
        on_change: OnChange::Nothing,
        changed: never,
        schema: Schema::Attribute(|| {
            computed(
                AttributeType::String,
                "When the session expires (RFC 3339, UTC).",
            )
        }),
    },
    Attr {
        hcl: "renew_before",
        wire: None,
        on_change: OnChange::Nothing,
        changed: never,
        schema: Schema::Attribute(|| {
            optional(
                AttributeType::Number,
                "Opt-in renewal window, in seconds. When a plan runs with this much time or less left \
                 before `expires_at`, it shows an in-place update that extends the session (same id, no \
                 gap in QoS) back toward `duration` seconds remaining, as far as the API allows (NaC: at \
                 most 86,400 s remaining). Outside the window a plan changes nothing and sends no \
                 request beyond the refresh. Run `terraform apply` on a schedule shorter than the window \
                 to keep QoS over days. If the API refuses the extension, the apply says so and the \
                 session runs out; the plan after it ends replaces it. Unset or 0: no renewal.",
            )
        }),
    },
    Attr {
        hcl: "on_renewal_limit",
        wire: None,
        on_change: OnChange::Nothing,
        changed: never,
        schema: Schema::Attribute(|| {
            optional(
                AttributeType::String,
                "What `renew_before` does when the API cannot extend the session any further (a CAMARA \
                 profile's `maxDuration` reached, or the API refused a renewal): `run_out` (the default) \
                 keeps the session until it expires, with a warning on each plan, and the plan after it \
                 ends replaces it; `replace` plans a replacement now, while the old session still runs \
                 (a new session id, and a gap of the seconds between the delete and the create).",
            )
        }),
    },
    Attr {
        hcl: "total_duration",
        wire: None,
        on_change: OnChange::Nothing,
        changed: never,
        schema: Schema::Attribute(|| {
            computed(
                AttributeType::Number,
                "The session's actual total duration in seconds: `duration` plus any extension made \
                 elsewhere (by an application, or the `nac_qod_session_extend` action). Such extensions \
                 are kept: a plan does not shorten or replace the session for them.",
            )
        }),
    },
    Attr {
        hcl: "timeouts",
        wire: None,
        on_change: OnChange::Nothing,
        changed: never,
        schema: Schema::Block(crate::provider::timeouts::schema),
    },
];

/// The attribute a create request's field maps to.
pub fn by_wire(field: CreateField) -> &'static Attr {
    ATTRS
        .iter()
        .find(|a| a.wire == Some(field))
        .expect("every create field has an attribute (checked by a test)")
}

/// The attribute of a top-level wire field (`qosProfile`, `applicationServerPorts`, …).
pub fn by_wire_name(wire: &str) -> Option<&'static Attr> {
    ATTRS
        .iter()
        .find(|a| a.wire.is_some_and(|w| w.wire_name() == wire))
}

impl Attr {
    /// A block of at most one element: a list in the state, so paths into it take index 0.
    pub fn is_list_block(&self) -> bool {
        matches!(&self.schema, Schema::Block(make) if matches!(make(), NestedBlock::Optional(_)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_create_field_has_one_attribute() {
        use CreateField::*;
        for field in [
            QosProfile,
            Device,
            ApplicationServerIpv4,
            ApplicationServerIpv6,
            ApplicationServerPorts,
            DevicePorts,
            Sink,
            Duration,
        ] {
            assert_eq!(
                ATTRS.iter().filter(|a| a.wire == Some(field)).count(),
                1,
                "{field:?}"
            );
        }
        let mut names: Vec<&str> = ATTRS.iter().map(|a| a.hcl).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ATTRS.len());
    }
}
