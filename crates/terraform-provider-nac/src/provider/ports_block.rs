//! The `service_ports` / `device_ports` blocks and their mapping to [`wire::PortsSpec`].

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeType, NestedBlock};
use tf_provider::value::Value;
use tf_provider::AttributePath;

use super::number::Whole;
use super::schema_util::{block, optional};
use super::validation::Known;
use nac_api::wire::{PortRange, PortsSpec};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PortsBlock {
    pub ports: Value<Vec<Value<Whole>>>,
    pub ranges: Value<Vec<Value<RangeObject>>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RangeObject {
    pub start: Value<Whole>,
    pub end: Value<Whole>,
}

pub fn schema(description: &str) -> NestedBlock {
    let range_type = AttributeType::Object(HashMap::from([
        ("start".to_string(), AttributeType::Number),
        ("end".to_string(), AttributeType::Number),
    ]));
    NestedBlock::Optional(block(
        description,
        [
            ("ports", optional(AttributeType::List(Box::new(AttributeType::Number)), "Single ports, each 0 to 65535.")),
            (
                "ranges",
                optional(
                    AttributeType::List(Box::new(range_type)),
                    "Port ranges, each `{ start = 80, end = 443 }` with `start` <= `end`, both 0 to 65535 (inclusive).",
                ),
            ),
        ],
        [],
    ))
}

impl PortsBlock {
    /// The wire ports, from the known values. Unknown elements keep their position (as a valid
    /// placeholder) so that errors name the right element; null elements are dropped.
    pub fn to_wire(&self, known: &mut Known, path: &AttributePath) -> PortsSpec {
        let ports_path = path.clone().attribute("ports");
        let ports = known.get(&self.ports, &ports_path).map(|ports| {
            ports
                .iter()
                .enumerate()
                .filter_map(|(i, p)| known.get_whole(p, &ports_path.clone().index(i as i64), 0))
                .collect()
        });
        let ranges_path = path.clone().attribute("ranges");
        let ranges = known.get(&self.ranges, &ranges_path).map(|ranges| {
            ranges
                .iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    let element = ranges_path.clone().index(i as i64);
                    let r = known.get(r, &element)?;
                    Some(PortRange {
                        from: known.get_whole(&r.start, &element.clone().attribute("start"), 0)?,
                        to: known.get_whole(&r.end, &element.clone().attribute("end"), 0)?,
                    })
                })
                .collect()
        });
        PortsSpec { ports, ranges }
    }

    pub fn from_wire(spec: &PortsSpec) -> Self {
        Self {
            ports: spec
                .ports
                .as_ref()
                .map(|p| p.iter().map(|&p| Value::Value(Whole::Int(p))).collect())
                .into(),
            ranges: spec
                .ranges
                .as_ref()
                .map(|r| {
                    r.iter()
                        .map(|r| {
                            Value::Value(RangeObject {
                                start: Value::Value(Whole::Int(r.from)),
                                end: Value::Value(Whole::Int(r.to)),
                            })
                        })
                        .collect()
                })
                .into(),
        }
    }

    /// The wire form of an optional block, `None` when absent.
    pub fn to_wire_opt(
        block: &Value<Self>,
        known: &mut Known,
        path: &AttributePath,
    ) -> Option<PortsSpec> {
        match block {
            Value::Value(b) => Some(b.to_wire(known, path)),
            Value::Null => None,
            Value::Unknown => {
                known.unknown.push(path.clone());
                None
            }
        }
    }

    /// The block to keep in state after a refresh: the prior one when the API reports the same ports
    /// or none (a session's ports cannot change, so silence is not drift), else the API's.
    pub fn refreshed(prior: &Value<Self>, api: Option<&PortsSpec>) -> Value<Self> {
        if api.is_none() && !prior.is_unknown() {
            return prior.clone();
        }
        let mut known = Known::default();
        let prior_wire = Self::to_wire_opt(prior, &mut known, &AttributePath::new("ports"));
        if known.all_known() && normalized(prior_wire.as_ref()) == normalized(api) {
            return prior.clone();
        }
        match normalized(api) {
            Some(spec) => Value::Value(Self::from_wire(&spec)),
            None => Value::Null,
        }
    }
}

/// Empty lists and an empty block mean the same as absent ones.
fn normalized(spec: Option<&PortsSpec>) -> Option<PortsSpec> {
    let spec = spec?;
    let ports = spec.ports.clone().filter(|p| !p.is_empty());
    let ranges = spec.ranges.clone().filter(|r| !r.is_empty());
    (ports.is_some() || ranges.is_some()).then_some(PortsSpec { ports, ranges })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(ports: &[i64], ranges: &[(i64, i64)]) -> PortsBlock {
        PortsBlock {
            ports: Value::Value(ports.iter().map(|&p| Value::Value(Whole::Int(p))).collect()),
            ranges: Value::Value(
                ranges
                    .iter()
                    .map(|&(s, e)| {
                        Value::Value(RangeObject {
                            start: Value::Value(Whole::Int(s)),
                            end: Value::Value(Whole::Int(e)),
                        })
                    })
                    .collect(),
            ),
        }
    }

    #[test]
    fn ranges_are_start_end_in_hcl_and_from_to_on_the_wire() {
        let mut known = Known::default();
        let wire = block(&[8080], &[(80, 443)])
            .to_wire(&mut known, &AttributePath::new("service_ports").index(0));
        assert_eq!(
            serde_json::to_value(&wire).unwrap(),
            serde_json::json!({"ports": [8080], "ranges": [{"from": 80, "to": 443}]})
        );
        assert_eq!(PortsBlock::from_wire(&wire), block(&[8080], &[(80, 443)]));
    }

    #[test]
    fn unknown_elements_keep_positions() {
        let mut b = block(&[1, 2], &[]);
        b.ports = Value::Value(vec![
            Value::Unknown,
            Value::Value(Whole::Int(70000)),
            Value::Value(Whole::NotWhole("80.5".into())),
        ]);
        let mut known = Known::default();
        let wire = b.to_wire(&mut known, &AttributePath::new("device_ports").index(0));
        assert_eq!(wire.ports, Some(vec![0, 70000, 0]));
        assert_eq!(known.unknown[0].to_string(), "device_ports[0].ports[0]");
        // A fraction is reported on its element.
        assert_eq!(known.problems[0].attribute(), "device_ports[0].ports[2]");
        assert!(known.problems[0]
            .message
            .contains("80.5 is not a whole number"));
    }

    #[test]
    fn refresh_treats_empty_lists_as_absent() {
        let prior = Value::Value(block(&[8080], &[]));
        let api = PortsSpec {
            ports: Some(vec![8080]),
            ranges: None,
        };
        assert_eq!(PortsBlock::refreshed(&prior, Some(&api)), prior);
        let api = PortsSpec {
            ports: Some(vec![9090]),
            ranges: None,
        };
        assert_eq!(
            PortsBlock::refreshed(&prior, Some(&api)),
            Value::Value(PortsBlock {
                ports: Value::Value(vec![Value::Value(Whole::Int(9090))]),
                ranges: Value::Null,
            })
        );
        assert_eq!(PortsBlock::refreshed(&Value::Null, None), Value::Null);
    }
}
