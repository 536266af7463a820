//! The API's input constraints, written once: the sandbox enforces them on requests, the provider checks
//! them at plan time. Each check names the wire field it judged and says what is allowed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};

use crate::wire::{CreateSession, Device, DeviceIpv4Address, PortsSpec};

/// NaC's QoS profiles.
pub const PROFILES: [&str; 13] = [
    "DOWNLINK_S_UPLINK_S",
    "DOWNLINK_S_UPLINK_M",
    "DOWNLINK_S_UPLINK_L",
    "DOWNLINK_M_UPLINK_S",
    "DOWNLINK_M_UPLINK_M",
    "DOWNLINK_M_UPLINK_L",
    "DOWNLINK_L_UPLINK_S",
    "DOWNLINK_L_UPLINK_M",
    "DOWNLINK_L_UPLINK_L",
    "QOS_E",
    "QOS_S",
    "QOS_M",
    "QOS_L",
];

pub const MAX_DURATION: i64 = 86_400;
pub const MAX_ADDITIONAL_DURATION: i64 = 86_399;
pub const DEFAULT_DURATION: i64 = 86_400;

/// Which CAMARA error code a violation maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViolationKind {
    /// 400 `INVALID_ARGUMENT`
    InvalidArgument,
    /// 400 `OUT_OF_RANGE`
    OutOfRange,
    /// 400 `QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE`
    DurationOutOfRange,
}

impl ViolationKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::InvalidArgument => "INVALID_ARGUMENT",
            Self::OutOfRange => "OUT_OF_RANGE",
            Self::DurationOutOfRange => "QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE",
        }
    }
}

/// One broken constraint: the wire path of the field (`device.ipv4Address.publicPort`), the error kind
/// and a message that says what is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub field: String,
    pub kind: ViolationKind,
    pub message: String,
}

impl Violation {
    pub fn new(field: impl Into<String>, kind: ViolationKind, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            kind,
            message: message.into(),
        }
    }
    fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(field, ViolationKind::InvalidArgument, message)
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

// ---- single values: Ok or a message saying what is allowed ----

pub fn profile_format(name: &str) -> Result<(), String> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if (3..=256).contains(&name.len()) && ok_chars {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not a QoS profile name: 3 to 256 characters of letters, digits, '_', '.' and '-'"
        ))
    }
}

/// The closest known profile, for "did you mean".
pub fn suggest_profile<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    let upper = name.to_ascii_uppercase();
    known
        .iter()
        .map(|p| (strsim::levenshtein(&upper, p), *p))
        .filter(|(d, _)| *d <= 4)
        .min()
        .map(|(_, p)| p)
}

pub fn known_profile(name: &str, known: &[&str]) -> Result<(), String> {
    profile_format(name)?;
    if known.contains(&name) {
        return Ok(());
    }
    let hint = suggest_profile(name, known)
        .map(|p| format!(" Did you mean {p:?}?"))
        .unwrap_or_default();
    Err(format!(
        "unknown QoS profile {name:?}.{hint} Known profiles: {}",
        known.join(", ")
    ))
}

pub fn phone_number(value: &str) -> Result<(), String> {
    let digits = value.strip_prefix('+').unwrap_or(value);
    if (5..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "{value:?} is not a phone number: 5 to 15 digits with an optional leading '+', no spaces or punctuation (E.164, e.g. \"+36721601234567\")"
        ))
    }
}

pub fn network_access_identifier(value: &str) -> Result<(), String> {
    match value.split_once('@') {
        Some((user, domain)) if !user.is_empty() && !domain.is_empty() && !value.contains(char::is_whitespace) => Ok(()),
        _ => Err(format!(
            "{value:?} is not a network access identifier: expected user@realm, e.g. \"device@testcsp.net\""
        )),
    }
}

pub fn ipv4_address(value: &str) -> Result<Ipv4Addr, String> {
    value
        .parse::<Ipv4Addr>()
        .map_err(|_| format!("{value:?} is not an IPv4 address (dotted quad, e.g. \"192.0.2.25\")"))
}

pub fn ipv6_address(value: &str) -> Result<Ipv6Addr, String> {
    value
        .parse::<Ipv6Addr>()
        .map_err(|_| format!("{value:?} is not an IPv6 address (e.g. \"2001:db8::2\")"))
}

pub fn ipv4_address_or_cidr(value: &str) -> Result<(), String> {
    if value.parse::<Ipv4Addr>().is_ok() || value.parse::<Ipv4Net>().is_ok() {
        Ok(())
    } else {
        Err(format!(
            "{value:?} is not an IPv4 address or CIDR block (e.g. \"233.252.0.2\" or \"198.51.100.0/24\")"
        ))
    }
}

pub fn ipv6_address_or_cidr(value: &str) -> Result<(), String> {
    if value.parse::<Ipv6Addr>().is_ok() || value.parse::<Ipv6Net>().is_ok() {
        Ok(())
    } else {
        Err(format!(
            "{value:?} is not an IPv6 address or CIDR block (e.g. \"2001:db8::1\" or \"2001:db8:85a3::/64\")"
        ))
    }
}

pub fn port(value: i64) -> Result<(), String> {
    if (0..=65535).contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "port {value} is out of range: ports are 0 to 65535"
        ))
    }
}

pub fn port_range(from: i64, to: i64) -> Result<(), String> {
    port(from)?;
    port(to)?;
    if from <= to {
        Ok(())
    } else {
        Err(format!(
            "port range {from}-{to} is empty: start must not exceed end"
        ))
    }
}

pub fn duration(value: i64) -> Result<(), String> {
    if (1..=MAX_DURATION).contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "duration {value} is out of range: 1 to {MAX_DURATION} seconds"
        ))
    }
}

pub fn additional_duration(value: i64) -> Result<(), String> {
    if (1..=MAX_ADDITIONAL_DURATION).contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "requestedAdditionalDuration {value} is out of range: 1 to {MAX_ADDITIONAL_DURATION} seconds"
        ))
    }
}

pub fn sink_url(value: &str) -> Result<(), String> {
    match value.strip_prefix("https://") {
        Some(rest)
            if !rest.is_empty()
                && !rest.starts_with('/')
                && !value.contains(char::is_whitespace) =>
        {
            Ok(())
        }
        _ => Err(format!(
            "{value:?} is not an https URL: notifications are only sent to https:// endpoints"
        )),
    }
}

/// Whether `url` is `http://` to a loopback host (`127.0.0.0/8`, `[::1]`, `localhost`): a receiver on
/// the same machine, where plain http exposes nothing (the sandbox and the provider accept these).
pub fn is_http_loopback_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') || url.contains(char::is_whitespace) {
        return false;
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The provider's sink rule: the API's (`https://`), plus plain `http://` to a loopback host so that
/// notifications can be tried locally (e.g. against `nac-sandbox`).
pub fn sink_url_or_loopback_http(value: &str) -> Result<(), String> {
    if is_http_loopback_url(value) {
        return Ok(());
    }
    sink_url(value).map_err(|message| {
        format!("{message} (plain http:// is accepted only to a loopback host: 127.0.0.0/8, [::1] or localhost)")
    })
}

pub fn rfc3339(value: &str) -> Result<(), String> {
    chrono::DateTime::parse_from_rfc3339(value)
        .map(|_| ())
        .map_err(|_| {
            format!("{value:?} is not an RFC 3339 timestamp (e.g. \"2030-01-01T00:00:00Z\")")
        })
}

// ---- whole requests ----

fn check(
    out: &mut Vec<Violation>,
    field: &str,
    kind: ViolationKind,
    r: Result<impl Sized, String>,
) {
    if let Err(message) = r {
        out.push(Violation::new(field, kind, message));
    }
}

pub fn validate_device(device: &Device, prefix: &str, out: &mut Vec<Violation>) {
    use ViolationKind::*;
    if device.is_empty() {
        out.push(Violation::invalid(
            prefix,
            "at least one device identifier is required: networkAccessIdentifier, phoneNumber, ipv4Address or ipv6Address",
        ));
        return;
    }
    if let Some(p) = &device.phone_number {
        check(
            out,
            &format!("{prefix}.phoneNumber"),
            InvalidArgument,
            phone_number(p),
        );
    }
    if let Some(n) = &device.network_access_identifier {
        check(
            out,
            &format!("{prefix}.networkAccessIdentifier"),
            InvalidArgument,
            network_access_identifier(n),
        );
    }
    if let Some(v6) = &device.ipv6_address {
        check(
            out,
            &format!("{prefix}.ipv6Address"),
            InvalidArgument,
            ipv6_address(v6),
        );
    }
    if let Some(v4) = &device.ipv4_address {
        validate_device_ipv4(v4, &format!("{prefix}.ipv4Address"), out);
    }
}

fn validate_device_ipv4(v4: &DeviceIpv4Address, prefix: &str, out: &mut Vec<Violation>) {
    use ViolationKind::*;
    match &v4.public_address {
        Some(a) => check(
            out,
            &format!("{prefix}.publicAddress"),
            InvalidArgument,
            ipv4_address(a),
        ),
        None => out.push(Violation::invalid(
            format!("{prefix}.publicAddress"),
            "publicAddress is required in a device ipv4Address",
        )),
    }
    if let Some(a) = &v4.private_address {
        check(
            out,
            &format!("{prefix}.privateAddress"),
            InvalidArgument,
            ipv4_address(a),
        );
    }
    if let Some(p) = v4.public_port {
        check(out, &format!("{prefix}.publicPort"), OutOfRange, port(p));
    }
    if v4.private_address.is_none() && v4.public_port.is_none() {
        out.push(Violation::invalid(
            prefix,
            "a public IPv4 address alone cannot identify a device behind NAT: give privateAddress (the same as publicAddress when there is no NAT) or publicPort",
        ));
    }
}

pub fn validate_ports(ports: &PortsSpec, prefix: &str, out: &mut Vec<Violation>) {
    use ViolationKind::*;
    let ranges = ports.ranges.as_deref().unwrap_or_default();
    let singles = ports.ports.as_deref().unwrap_or_default();
    if ranges.is_empty() && singles.is_empty() {
        out.push(Violation::invalid(
            prefix,
            "give at least one port or port range",
        ));
    }
    for (i, p) in singles.iter().enumerate() {
        check(out, &format!("{prefix}.ports[{i}]"), OutOfRange, port(*p));
    }
    for (i, r) in ranges.iter().enumerate() {
        check(
            out,
            &format!("{prefix}.ranges[{i}]"),
            OutOfRange,
            port_range(r.from, r.to),
        );
    }
}

/// Every constraint of `POST /sessions`, in a stable order (first = the one a server reports).
pub fn validate_create(req: &CreateSession, known_profiles: &[&str]) -> Vec<Violation> {
    validate_create_with(req, known_profiles, false)
}

/// [`validate_create`], with the one exception the provider and the sandbox (by a flag) make: a plain
/// `http://` sink to a loopback host ([`sink_url_or_loopback_http`]).
pub fn validate_create_with(
    req: &CreateSession,
    known_profiles: &[&str],
    loopback_http_sinks: bool,
) -> Vec<Violation> {
    use ViolationKind::*;
    let mut out = Vec::new();
    match &req.qos_profile {
        None => out.push(Violation::invalid("qosProfile", "qosProfile is required")),
        Some(p) => check(
            &mut out,
            "qosProfile",
            InvalidArgument,
            known_profile(p, known_profiles),
        ),
    }
    match &req.device {
        None => out.push(Violation::invalid("device", "device is required")),
        Some(d) => validate_device(d, "device", &mut out),
    }
    match &req.application_server {
        Some(s) if s.ipv4_address.is_some() || s.ipv6_address.is_some() => {
            if let Some(a) = &s.ipv4_address {
                check(
                    &mut out,
                    "applicationServer.ipv4Address",
                    InvalidArgument,
                    ipv4_address_or_cidr(a),
                );
            }
            if let Some(a) = &s.ipv6_address {
                check(
                    &mut out,
                    "applicationServer.ipv6Address",
                    InvalidArgument,
                    ipv6_address_or_cidr(a),
                );
            }
        }
        _ => out.push(Violation::invalid(
            "applicationServer",
            "applicationServer needs at least one of ipv4Address and ipv6Address",
        )),
    }
    if let Some(d) = req.duration {
        check(&mut out, "duration", DurationOutOfRange, duration(d));
    }
    if let Some(p) = &req.device_ports {
        validate_ports(p, "devicePorts", &mut out);
    }
    if let Some(p) = &req.application_server_ports {
        validate_ports(p, "applicationServerPorts", &mut out);
    }
    if let Some(s) = &req.sink {
        let rule = if loopback_http_sinks {
            sink_url_or_loopback_http(s)
        } else {
            sink_url(s)
        };
        check(&mut out, "sink", InvalidArgument, rule);
    }
    if let Some(c) = &req.sink_credential {
        if req.sink.is_none() {
            out.push(Violation::invalid(
                "sinkCredential",
                "sinkCredential is only allowed together with sink",
            ));
        }
        if c.credential_type != "ACCESSTOKEN" {
            out.push(Violation::invalid(
                "sinkCredential.credentialType",
                "only credentialType ACCESSTOKEN is supported",
            ));
        }
        if c.access_token.is_none() {
            out.push(Violation::invalid(
                "sinkCredential.accessToken",
                "accessToken is required",
            ));
        }
        match &c.access_token_expires_utc {
            Some(t) => check(
                &mut out,
                "sinkCredential.accessTokenExpiresUtc",
                InvalidArgument,
                rfc3339(t),
            ),
            None => out.push(Violation::invalid(
                "sinkCredential.accessTokenExpiresUtc",
                "accessTokenExpiresUtc is required",
            )),
        }
        if c.access_token_type
            .as_deref()
            .is_some_and(|t| !t.eq_ignore_ascii_case("bearer"))
        {
            out.push(Violation::invalid(
                "sinkCredential.accessTokenType",
                "only bearer tokens are supported",
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::*;

    #[test]
    fn sinks_over_plain_http_only_to_loopback() {
        for url in [
            "http://127.0.0.1:9000/notify",
            "http://localhost/x",
            "http://[::1]:80/",
            "http://127.1.2.3",
            "https://example.com/notify",
        ] {
            assert_eq!(sink_url_or_loopback_http(url), Ok(()), "{url}");
        }
        for url in [
            "http://example.com/",
            "http://10.0.0.1/",
            "http://127.0.0.1@evil.com/",
            "http://[::2]/",
            "http://localhost.evil.com/",
        ] {
            let message = sink_url_or_loopback_http(url).unwrap_err();
            assert!(message.contains("loopback"), "{url}: {message}");
        }
    }

    fn seed() -> CreateSession {
        // NAC_API.md's full create example, as the spec fixtures hold it.
        serde_json::from_str(include_str!(
            "../tests/fixtures/qod/requests/create_nac_full.json"
        ))
        .unwrap()
    }

    #[test]
    fn the_seed_example_is_valid() {
        assert_eq!(validate_create(&seed(), &PROFILES), vec![]);
    }

    #[test]
    fn each_rule_names_its_field() {
        type Mutate = fn(&mut CreateSession);
        let cases: Vec<(Mutate, &str, ViolationKind)> = vec![
            (
                |r| r.qos_profile = Some("DOWNLINK_L_UPLINK_XL".into()),
                "qosProfile",
                ViolationKind::InvalidArgument,
            ),
            (
                |r| r.qos_profile = Some("a b".into()),
                "qosProfile",
                ViolationKind::InvalidArgument,
            ),
            (
                |r| r.device = Some(Device::default()),
                "device",
                ViolationKind::InvalidArgument,
            ),
            (
                |r| r.device.as_mut().unwrap().phone_number = Some("+36 72 160".into()),
                "device.phoneNumber",
                ViolationKind::InvalidArgument,
            ),
            (
                |r| r.device.as_mut().unwrap().ipv6_address = Some("2001:db8::zz".into()),
                "device.ipv6Address",
                ViolationKind::InvalidArgument,
            ),
            (
                |r| {
                    let v4 = r.device.as_mut().unwrap().ipv4_address.as_mut().unwrap();
                    v4.private_address = None;
                    v4.public_port = None;
                },
                "device.ipv4Address",
                ViolationKind::InvalidArgument,
            ),
            (
                |r| {
                    r.device
                        .as_mut()
                        .unwrap()
                        .ipv4_address
                        .as_mut()
                        .unwrap()
                        .public_port = Some(70000)
                },
                "device.ipv4Address.publicPort",
                ViolationKind::OutOfRange,
            ),
            (
                |r| r.application_server = Some(ApplicationServer::default()),
                "applicationServer",
                ViolationKind::InvalidArgument,
            ),
            (
                |r| {
                    r.application_server.as_mut().unwrap().ipv4_address = Some("10.0.0.0/33".into())
                },
                "applicationServer.ipv4Address",
                ViolationKind::InvalidArgument,
            ),
            (
                |r| r.duration = Some(0),
                "duration",
                ViolationKind::DurationOutOfRange,
            ),
            (
                |r| r.duration = Some(86401),
                "duration",
                ViolationKind::DurationOutOfRange,
            ),
            (
                |r| {
                    r.device_ports = Some(PortsSpec {
                        ports: Some(vec![-1]),
                        ranges: None,
                    })
                },
                "devicePorts.ports[0]",
                ViolationKind::OutOfRange,
            ),
            (
                |r| {
                    r.application_server_ports = Some(PortsSpec {
                        ports: None,
                        ranges: Some(vec![PortRange { from: 443, to: 80 }]),
                    })
                },
                "applicationServerPorts.ranges[0]",
                ViolationKind::OutOfRange,
            ),
            (
                |r| r.sink = Some("http://example.com".into()),
                "sink",
                ViolationKind::InvalidArgument,
            ),
            (
                |r| r.sink = None,
                "sinkCredential",
                ViolationKind::InvalidArgument,
            ),
        ];
        for (mutate, field, kind) in cases {
            let mut req = seed();
            mutate(&mut req);
            let v = validate_create(&req, &PROFILES);
            assert_eq!(v.len(), 1, "{field}: {v:?}");
            assert_eq!(v[0].field, field);
            assert_eq!(v[0].kind, kind);
        }
    }

    #[test]
    fn did_you_mean() {
        let err = known_profile("DOWNLINK_L_UPLINK_XL", &PROFILES).unwrap_err();
        assert!(
            err.contains("Did you mean \"DOWNLINK_L_UPLINK_L\""),
            "{err}"
        );
        assert_eq!(suggest_profile("qos_l", &PROFILES), Some("QOS_L"));
    }
}
