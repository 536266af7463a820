//! The `device` block (shared by `nac_qod_session` and `nac_device_sessions`) and its mapping to
//! [`wire::Device`].

use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeType, NestedBlock};
use tf_provider::value::Value;
use tf_provider::AttributePath;

use super::number::Whole;
use super::schema_util::{block, optional, optional_block, required};
use super::validation::Known;
use nac_api::device;
use nac_api::wire::{Device, DeviceIpv4Address};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeviceBlock {
    pub network_access_identifier: Value<String>,
    pub phone_number: Value<String>,
    pub ipv6_address: Value<String>,
    #[serde(with = "optional_block")]
    pub ipv4_address: Value<DeviceIpv4Block>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeviceIpv4Block {
    pub public_address: Value<String>,
    pub private_address: Value<String>,
    pub public_port: Value<Whole>,
}

pub fn schema(description: &str) -> NestedBlock {
    let ipv4 = block(
        "The device's IPv4 address as the network sees it. A public address alone cannot identify a \
         device behind NAT: give `private_address` (the same as `public_address` when there is no NAT) \
         and/or `public_port`.",
        [
            ("public_address", required(AttributeType::String, "Public (NAT'ed) IPv4 address of the device, e.g. `233.252.0.2`.")),
            ("private_address", optional(AttributeType::String, "Private IPv4 address of the device behind NAT, e.g. `192.0.2.25`.")),
            ("public_port", optional(AttributeType::Number, "Public port used by the device behind NAT, 0 to 65535.")),
        ],
        [],
    );
    NestedBlock::Single(block(
        description,
        [
            (
                "network_access_identifier",
                optional(AttributeType::String, "Network access identifier of the device, `user@realm` (e.g. `device@testcsp.net`)."),
            ),
            (
                "phone_number",
                optional(AttributeType::String, "Phone number of the device in E.164 format: 5 to 15 digits with an optional leading `+`, no spaces (e.g. `+36721601234567`)."),
            ),
            ("ipv6_address", optional(AttributeType::String, "IPv6 address of the device, e.g. `2001:db8::2`.")),
        ],
        [("ipv4_address", NestedBlock::Optional(ipv4))],
    ))
}

impl DeviceBlock {
    /// The wire device, from the known values (unknown ones are recorded in `known`).
    pub fn to_wire(&self, known: &mut Known, path: &AttributePath) -> Device {
        let ipv4_path = path.clone().attribute("ipv4_address").index(0);
        let ipv4_address = match &self.ipv4_address {
            Value::Value(v4) => Some(DeviceIpv4Address {
                public_address: known.get(
                    &v4.public_address,
                    &ipv4_path.clone().attribute("public_address"),
                ),
                private_address: known.get(
                    &v4.private_address,
                    &ipv4_path.clone().attribute("private_address"),
                ),
                public_port: known.get_whole(
                    &v4.public_port,
                    &ipv4_path.clone().attribute("public_port"),
                    0,
                ),
            }),
            Value::Null => None,
            Value::Unknown => {
                known.unknown.push(ipv4_path);
                None
            }
        };
        Device {
            network_access_identifier: known.get(
                &self.network_access_identifier,
                &path.clone().attribute("network_access_identifier"),
            ),
            phone_number: known.get(&self.phone_number, &path.clone().attribute("phone_number")),
            ipv6_address: known.get(&self.ipv6_address, &path.clone().attribute("ipv6_address")),
            ipv4_address,
        }
    }

    pub fn from_wire(device: &Device) -> Self {
        Self {
            network_access_identifier: device.network_access_identifier.clone().into(),
            phone_number: device.phone_number.clone().into(),
            ipv6_address: device.ipv6_address.clone().into(),
            ipv4_address: device
                .ipv4_address
                .as_ref()
                .map(|v4| DeviceIpv4Block {
                    public_address: v4.public_address.clone().into(),
                    private_address: v4.private_address.clone().into(),
                    public_port: v4.public_port.map(Whole::Int).into(),
                })
                .into(),
        }
    }

    /// The block to keep in state after a refresh: the prior one when the API reports the same device
    /// (so a differently written but equal address causes no diff) or none at all (a session's device
    /// cannot change, so silence is not drift), else the API's.
    pub fn refreshed(prior: &Value<Self>, api: Option<&Device>) -> Value<Self> {
        let Some(api) = api else {
            return match prior {
                Value::Null => Value::Value(Self::default()),
                _ => prior.clone(),
            };
        };
        if let Value::Value(prior_block) = prior {
            let mut known = Known::default();
            let prior_wire = prior_block.to_wire(&mut known, &AttributePath::new("device"));
            if known.all_known() && device::equal(&prior_wire, api) {
                return prior.clone();
            }
        }
        Value::Value(Self::from_wire(api))
    }
}

/// Two optional addresses or CIDR blocks denote the same thing (the API model's canonical form).
pub fn same_address(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => device::same_ip(a, b),
        (None, None) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_block() -> DeviceBlock {
        DeviceBlock {
            network_access_identifier: Value::Value("device@testcsp.net".into()),
            phone_number: Value::Value("+36721601234567".into()),
            ipv6_address: Value::Value("2001:db8::2".into()),
            ipv4_address: Value::Value(DeviceIpv4Block {
                public_address: Value::Value("233.252.0.2".into()),
                private_address: Value::Value("192.0.2.25".into()),
                public_port: Value::Value(Whole::Int(80)),
            }),
        }
    }

    #[test]
    fn maps_both_ways() {
        let mut known = Known::default();
        let wire = seed_block().to_wire(&mut known, &AttributePath::new("device"));
        assert!(known.all_known());
        assert_eq!(
            serde_json::to_value(&wire).unwrap(),
            serde_json::json!({"networkAccessIdentifier": "device@testcsp.net", "phoneNumber": "+36721601234567",
                "ipv4Address": {"publicAddress": "233.252.0.2", "privateAddress": "192.0.2.25", "publicPort": 80},
                "ipv6Address": "2001:db8::2"})
        );
        assert_eq!(DeviceBlock::from_wire(&wire), seed_block());
    }

    #[test]
    fn unknown_values_are_recorded() {
        let mut block = seed_block();
        block.phone_number = Value::Unknown;
        let mut known = Known::default();
        let wire = block.to_wire(&mut known, &AttributePath::new("device"));
        assert_eq!(wire.phone_number, None);
        assert_eq!(known.unknown[0].to_string(), "device.phone_number");
    }

    #[test]
    fn refresh_keeps_the_prior_spelling_of_an_equal_address() {
        let mut prior = seed_block();
        prior.ipv6_address = Value::Value("2001:DB8:0::2".into());
        let mut known = Known::default();
        let mut api = seed_block().to_wire(&mut known, &AttributePath::new("device"));
        assert_eq!(
            DeviceBlock::refreshed(&Value::Value(prior.clone()), Some(&api)),
            Value::Value(prior.clone())
        );
        api.phone_number = Some("+3600000000".into());
        let refreshed = DeviceBlock::refreshed(&Value::Value(prior), Some(&api));
        assert_eq!(
            refreshed.unwrap().phone_number,
            Value::Value("+3600000000".into())
        );
    }
}
