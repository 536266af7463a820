//! Descriptions of the fields of object-typed attributes (`device_ports.ranges`, the data source's
//! `sessions`): Terraform's object types carry no per-field description, so the pages take them from
//! here. A field without an entry is an error, so a new field cannot reach the docs undocumented.

use anyhow::{bail, Result};

/// `(dotted path, description)`; a path holds no list indices.
const FIELDS: &[(&str, &str)] = &[
    ("device_ports.ranges.start", "First port of the range, 0 to 65535, at most `end`."),
    ("device_ports.ranges.end", "Last port of the range (inclusive), 0 to 65535, at least `start`."),
    ("service_ports.ranges.start", "First port of the range, 0 to 65535, at most `end`."),
    ("service_ports.ranges.end", "Last port of the range (inclusive), 0 to 65535, at least `start`."),
    ("sessions.id", "Session id assigned by the network."),
    ("sessions.profile", "QoS profile of the session, e.g. `DOWNLINK_L_UPLINK_L`."),
    ("sessions.status", "Session status: `REQUESTED`, `AVAILABLE` or `UNAVAILABLE`."),
    (
        "sessions.status_info",
        "Why the session is `UNAVAILABLE`: `DURATION_EXPIRED`, `NETWORK_TERMINATED` or `DELETE_REQUESTED`; null otherwise.",
    ),
    ("sessions.duration", "Session duration in seconds."),
    ("sessions.started_at", "When the session started (RFC 3339, UTC)."),
    ("sessions.expires_at", "When the session expires (RFC 3339, UTC)."),
    ("sessions.service_ipv4", "IPv4 address or CIDR block of the application server; null if none."),
    ("sessions.service_ipv6", "IPv6 address or CIDR block of the application server; null if none."),
    ("profiles.name", "QoS profile name, the value of `profile` in `nac_qod_session`."),
    ("profiles.description", "What the profile is for; null if the network gives none."),
    (
        "profiles.status",
        "`ACTIVE` (usable for new sessions), `INACTIVE` or `DEPRECATED` (only sessions that already have it).",
    ),
    ("profiles.min_duration", "Shortest session the profile allows, in seconds; null if not given."),
    ("profiles.max_duration", "Longest session the profile allows, in seconds; null if not given."),
    ("profiles.target_min_upstream_rate_bps", "Target minimum upload rate, in bits per second; null if not given."),
    ("profiles.max_upstream_rate_bps", "Maximum upload rate, in bits per second; null if not given."),
    ("profiles.max_upstream_burst_rate_bps", "Maximum upload burst rate, in bits per second; null if not given."),
    ("profiles.target_min_downstream_rate_bps", "Target minimum download rate, in bits per second; null if not given."),
    ("profiles.max_downstream_rate_bps", "Maximum download rate, in bits per second; null if not given."),
    ("profiles.max_downstream_burst_rate_bps", "Maximum download burst rate, in bits per second; null if not given."),
    ("profiles.priority", "Priority among profiles (lower is more important); null if not given."),
    ("profiles.packet_delay_budget_ms", "Packet delay budget, in milliseconds; null if not given."),
    ("profiles.jitter_ms", "Jitter, in milliseconds; null if not given."),
    (
        "profiles.packet_error_loss_rate",
        "Packet error loss rate as the exponent of 10 (3 means 10^-3); null if not given.",
    ),
];

/// The description of the object field at `path` (e.g. `["device_ports", "ranges", "start"]`).
pub(super) fn description(path: &[&str]) -> Result<&'static str> {
    let dotted = path.join(".");
    match FIELDS.iter().find(|(p, _)| *p == dotted) {
        Some((_, description)) => Ok(description),
        None => bail!(
            "the object field `{dotted}` has no description: add one to src/docs/object_fields.rs"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_undocumented_field_is_an_error_naming_it() {
        assert!(description(&["sessions", "id"]).is_ok());
        let error = description(&["sessions", "colour"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("sessions.colour"), "{error}");
    }
}
