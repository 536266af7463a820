//! The schema of `nac_qod_session`.

use tf_provider::schema::{AttributeType, Block, NestedBlock, Schema};

use crate::provider::schema_util::{
    block, computed, optional, optional_computed, required, sensitive, write_only,
};

pub(super) fn schema() -> Schema {
    let string = || AttributeType::String;
    let sink_credential = block(
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
    let root: Block = block(
        "A Network as Code Quality-on-Demand session: the network gives one device a QoS profile towards an \
         application server for `duration` seconds. Creating it waits until the network reports it \
         `AVAILABLE`. A session the network ended (expired or terminated) is planned for replacement; \
         increasing `duration` extends the session in place while the remaining time stays within 24 hours; \
         any other change creates a new session.",
        [
            ("id", computed(string(), "Session id assigned by the network.")),
            (
                "profile",
                required(
                    string(),
                    "QoS profile name: one of `DOWNLINK_{S,M,L}_UPLINK_{S,M,L}` (e.g. `DOWNLINK_L_UPLINK_L`), \
                     `QOS_E`, `QOS_S`, `QOS_M`, `QOS_L`. Changing it creates a new session.",
                ),
            ),
            (
                "service_ipv4",
                optional(
                    string(),
                    "IPv4 address or CIDR block of the application server (e.g. `233.252.0.2` or \
                     `198.51.100.0/24`). At least one of `service_ipv4` and `service_ipv6` is required.",
                ),
            ),
            (
                "service_ipv6",
                optional(
                    string(),
                    "IPv6 address or CIDR block of the application server (e.g. `2001:db8::1` or \
                     `2001:db8:85a3::/64`). At least one of `service_ipv4` and `service_ipv6` is required.",
                ),
            ),
            (
                "duration",
                optional_computed(
                    AttributeType::Number,
                    "Session duration in seconds, 1 to 86400 (default 86400). Increasing it extends the \
                     session in place when the remaining time plus the increase stays within 86400 s; \
                     otherwise, and on a decrease, a new session is created.",
                ),
            ),
            (
                "sink",
                optional(
                    string(),
                    "`https://` URL the network posts session status notifications to (CloudEvents). \
                     Plain `http://` is accepted only to a loopback host (`127.0.0.0/8`, `[::1]`, \
                     `localhost`), e.g. a local receiver with `nac-sandbox`.",
                ),
            ),
            (
                "status",
                computed(
                    string(),
                    "Session status: `REQUESTED`, `AVAILABLE` or `UNAVAILABLE`. A session found `UNAVAILABLE` \
                     on refresh is planned for replacement.",
                ),
            ),
            (
                "status_info",
                computed(
                    string(),
                    "Why the session is `UNAVAILABLE`: `DURATION_EXPIRED`, `NETWORK_TERMINATED` or \
                     `DELETE_REQUESTED`; null otherwise.",
                ),
            ),
            (
                "adopt_existing",
                optional(
                    AttributeType::Bool,
                    "When the API refuses the create because the device already has a session (409), take \
                     that session over if it matches this configuration exactly (profile, device, service \
                     addresses and ports, device ports, sink, and a total `duration` equal to this one); \
                     otherwise the error says what differs. For re-running an apply that was killed after \
                     its create. Default `false`: the 409 is an error naming the session and the \
                     `terraform import` command.",
                ),
            ),
            ("started_at", computed(string(), "When the session started (RFC 3339, UTC).")),
            ("expires_at", computed(string(), "When the session expires (RFC 3339, UTC).")),
            (
                "renew_before",
                optional(
                    AttributeType::Number,
                    "Opt-in renewal window, in seconds. When a plan runs with this much time or less left \
                     before `expires_at`, it shows an in-place update that extends the session (same id, no \
                     gap in QoS) back toward `duration` seconds remaining, as far as the API allows (NaC: at \
                     most 86,400 s remaining). Outside the window a plan changes nothing and sends no \
                     request beyond the refresh. Run `terraform apply` on a schedule shorter than the window \
                     to keep QoS over days. If the API refuses the extension, the apply says so and the \
                     session runs out; the plan after it ends replaces it. Unset or 0: no renewal.",
                ),
            ),
            (
                "total_duration",
                computed(
                    AttributeType::Number,
                    "The session's actual total duration in seconds: `duration` plus any extension made \
                     elsewhere (by an application, or the `nac_qod_session_extend` action). Such extensions \
                     are kept: a plan does not shorten or replace the session for them.",
                ),
            ),
        ],
        [
            (
                "device",
                crate::provider::device_block::schema(
                    "The device that gets the QoS profile (exactly one block, with at least one identifier). \
                     Changing it creates a new session.",
                ),
            ),
            (
                "service_ports",
                crate::provider::ports_block::schema(
                    "Ports of the application server the profile applies to (optional; at least one port or \
                     range when given). Changing them creates a new session.",
                ),
            ),
            (
                "device_ports",
                crate::provider::ports_block::schema(
                    "Ports of the device the profile applies to (optional; at least one port or range when \
                     given). Changing them creates a new session.",
                ),
            ),
            ("sink_credential", NestedBlock::Optional(sink_credential)),
            ("timeouts", crate::provider::timeouts::schema()),
        ],
    );
    Schema {
        version: 0,
        block: root,
    }
}
