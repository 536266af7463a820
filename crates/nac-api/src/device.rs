//! Device identity, written once: how each identifier is normalised and when two identifiers name the
//! same device, with the three policies built on them as small named functions:
//! - [`any_identifier_matches`]: the API's lookup (`retrieve-sessions`, one session per device);
//! - [`never_contradict`]: a session the API returned may be what a request asked for (the API may
//!   return fewer identifiers than were sent);
//! - [`equal`]: the same identifiers on both sides, each denoting the same thing.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::wire::{Device, DeviceIpv4Address};

/// A phone number for comparison: the leading `+` is optional on the wire.
pub fn normal_phone(phone: &str) -> &str {
    let phone = phone.trim();
    phone.strip_prefix('+').unwrap_or(phone)
}

/// A network access identifier for comparison: NAIs are case-insensitive.
pub fn normal_nai(nai: &str) -> String {
    nai.trim().to_ascii_lowercase()
}

/// The canonical form of an address or CIDR block of either family: an address is its own /32 or
/// /128 block, so `10.0.0.1`, `10.0.0.1/32` and `2001:DB8:0::1` vs `2001:db8::1` compare equal.
/// `None` for text that is neither.
pub fn canonical_ip(text: &str) -> Option<IpNet> {
    let text = text.trim();
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(IpNet::from(ip));
    }
    text.parse::<IpNet>().ok()
}

pub fn same_phone(a: &str, b: &str) -> bool {
    normal_phone(a) == normal_phone(b)
}

pub fn same_nai(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// Two addresses or blocks denote the same thing (text that is not an address compares as text).
pub fn same_ip(a: &str, b: &str) -> bool {
    match (canonical_ip(a), canonical_ip(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a.trim() == b.trim(),
    }
}

fn present(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// Both given and equal by `same`: an identifier matches.
fn both_and(a: Option<&str>, b: Option<&str>, same: fn(&str, &str) -> bool) -> bool {
    matches!((present(a), present(b)), (Some(a), Some(b)) if same(a, b))
}

/// Not both given, or equal by `same`: no contradiction.
fn agree(a: Option<&str>, b: Option<&str>, same: fn(&str, &str) -> bool) -> bool {
    match (present(a), present(b)) {
        (Some(a), Some(b)) => same(a, b),
        _ => true,
    }
}

/// Neither given, or both given and equal by `same`.
fn equal_opt(a: Option<&str>, b: Option<&str>, same: fn(&str, &str) -> bool) -> bool {
    match (present(a), present(b)) {
        (Some(a), Some(b)) => same(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// The private address and public port agree where both sides give them.
fn ipv4_details_agree(a: &DeviceIpv4Address, b: &DeviceIpv4Address) -> bool {
    agree(
        a.private_address.as_deref(),
        b.private_address.as_deref(),
        same_ip,
    ) && match (a.public_port, b.public_port) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

/// An IPv4 identifier names the device when the public addresses are equal and the details agree.
fn ipv4_identifies(a: &DeviceIpv4Address, b: &DeviceIpv4Address) -> bool {
    both_and(
        a.public_address.as_deref(),
        b.public_address.as_deref(),
        same_ip,
    ) && ipv4_details_agree(a, b)
}

/// Any identifier given on both sides names the same device (the API's device lookup).
pub fn any_identifier_matches(query: &Device, stored: &Device) -> bool {
    let ipv4 = match (&query.ipv4_address, &stored.ipv4_address) {
        (Some(q), Some(s)) => ipv4_identifies(q, s),
        _ => false,
    };
    both_and(
        query.phone_number.as_deref(),
        stored.phone_number.as_deref(),
        same_phone,
    ) || both_and(
        query.network_access_identifier.as_deref(),
        stored.network_access_identifier.as_deref(),
        same_nai,
    ) || both_and(
        query.ipv6_address.as_deref(),
        stored.ipv6_address.as_deref(),
        same_ip,
    ) || ipv4
}

/// No identifier given on both sides differs (a session the API returned with fewer identifiers than
/// the request sent can still be that request's).
pub fn never_contradict(a: &Device, b: &Device) -> bool {
    let ipv4 = match (&a.ipv4_address, &b.ipv4_address) {
        (Some(x), Some(y)) => {
            agree(
                x.public_address.as_deref(),
                y.public_address.as_deref(),
                same_ip,
            ) && ipv4_details_agree(x, y)
        }
        _ => true,
    };
    ipv4 && agree(
        a.phone_number.as_deref(),
        b.phone_number.as_deref(),
        same_phone,
    ) && agree(
        a.network_access_identifier.as_deref(),
        b.network_access_identifier.as_deref(),
        same_nai,
    ) && agree(
        a.ipv6_address.as_deref(),
        b.ipv6_address.as_deref(),
        same_ip,
    )
}

/// The same identifiers on both sides, each denoting the same thing (a refresh that finds this keeps
/// the configuration's spelling).
pub fn equal(a: &Device, b: &Device) -> bool {
    let v4 = |d: &Device| d.ipv4_address.clone().unwrap_or_default();
    let (a4, b4) = (v4(a), v4(b));
    equal_opt(
        a.phone_number.as_deref(),
        b.phone_number.as_deref(),
        same_phone,
    ) && equal_opt(
        a.network_access_identifier.as_deref(),
        b.network_access_identifier.as_deref(),
        same_nai,
    ) && equal_opt(
        a.ipv6_address.as_deref(),
        b.ipv6_address.as_deref(),
        same_ip,
    ) && a.ipv4_address.is_some() == b.ipv4_address.is_some()
        && equal_opt(
            a4.public_address.as_deref(),
            b4.public_address.as_deref(),
            same_ip,
        )
        && equal_opt(
            a4.private_address.as_deref(),
            b4.private_address.as_deref(),
            same_ip,
        )
        && a4.public_port == b4.public_port
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(json: serde_json::Value) -> Device {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn identifiers_normalise_one_way() {
        assert!(same_phone("+3612345678", "3612345678"));
        assert!(same_nai("A@B.net", "a@b.NET"));
        assert!(same_ip("10.0.0.1", "10.0.0.1/32"));
        assert!(same_ip("2001:DB8:0::2", "2001:db8::2"));
        assert!(!same_ip("10.0.0.1", "10.0.0.2"));
        assert_eq!(canonical_ip("x"), None);
    }

    #[test]
    fn the_three_policies() {
        let full = device(
            serde_json::json!({"phoneNumber": "+3612345678", "networkAccessIdentifier": "a@b.net"}),
        );
        let phone_only = device(serde_json::json!({"phoneNumber": "3612345678"}));
        let other_nai = device(
            serde_json::json!({"phoneNumber": "3612345678", "networkAccessIdentifier": "c@b.net"}),
        );
        assert!(any_identifier_matches(&phone_only, &full));
        assert!(any_identifier_matches(&other_nai, &full));
        assert!(never_contradict(&phone_only, &full));
        assert!(!never_contradict(&other_nai, &full));
        assert!(!equal(&phone_only, &full));
        let same_spelled_otherwise = device(
            serde_json::json!({"phoneNumber": "3612345678", "networkAccessIdentifier": "A@B.NET"}),
        );
        assert!(equal(&same_spelled_otherwise, &full));
    }
}
