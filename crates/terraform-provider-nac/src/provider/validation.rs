//! Plan-time validation: the provider builds the wire request from whatever is known, runs the shared
//! rules of [`nac_api::rules`] on it, and reports each violation on the HCL attribute that caused it.
//! A violation that depends on a value unknown until apply is skipped; it is checked again once known.

use std::borrow::Cow;

use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use super::number::Whole;
use nac_api::rules::Violation;

/// Collects the paths of unknown values while converting HCL values to wire values.
#[derive(Debug, Default)]
pub struct Known {
    pub unknown: Vec<AttributePath>,
    /// Values that cannot even be put on the wire (a fraction where a whole number belongs).
    pub problems: Vec<Problem>,
}

impl Known {
    /// The value if known; `None` for null, and for unknown (whose path is then remembered).
    pub fn get<T: Clone>(&mut self, value: &Value<T>, path: &AttributePath) -> Option<T> {
        match value {
            Value::Value(v) => Some(v.clone()),
            Value::Null => None,
            Value::Unknown => {
                self.unknown.push(path.clone());
                None
            }
        }
    }

    /// Like [`Known::get`], but an unknown value becomes `placeholder` (a valid value), so that list
    /// positions, and the rules that only need *some* value there, stay right.
    pub fn get_or<T: Clone>(
        &mut self,
        value: &Value<T>,
        path: &AttributePath,
        placeholder: T,
    ) -> Option<T> {
        if value.is_unknown() {
            self.unknown.push(path.clone());
            return Some(placeholder);
        }
        self.get(value, path)
    }

    /// A whole number: unknown as in [`Known::get_or`]; a fraction is a problem on its attribute and
    /// becomes `placeholder`, so that other rules are not misled by a missing value.
    pub fn get_whole(
        &mut self,
        value: &Value<Whole>,
        path: &AttributePath,
        placeholder: i64,
    ) -> Option<i64> {
        match self.get_or(value, path, Whole::Int(placeholder))? {
            Whole::Int(i) => Some(i),
            Whole::NotWhole(text) => {
                self.problems.push(Problem {
                    path: path.clone(),
                    message: format!("{text} is not a whole number"),
                });
                Some(placeholder)
            }
        }
    }

    pub fn all_known(&self) -> bool {
        self.unknown.is_empty()
    }

    fn depends_on_unknown(&self, path: &AttributePath, also: &[AttributePath]) -> bool {
        self.unknown.iter().any(|u| {
            u.steps.starts_with(&path.steps)
                || path.steps.starts_with(&u.steps)
                || also.iter().any(|a| u.steps.starts_with(&a.steps))
        })
    }
}

/// One broken constraint, on an HCL attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: AttributePath,
    pub message: String,
}

impl Problem {
    /// The HCL name of the attribute, e.g. `device.ipv4_address[0].public_port`.
    pub fn attribute(&self) -> String {
        self.path.to_string()
    }

    pub fn report(&self, diags: &mut Diagnostics) {
        let summary = if self.path.steps.is_empty() {
            "Invalid configuration".to_string()
        } else {
            format!("Invalid {}", self.attribute())
        };
        error(
            diags,
            &summary,
            self.message.clone(),
            source_locator(&self.path),
        );
    }
}

/// The path to put on a diagnostic so that Terraform shows the right line. Terraform locates a path
/// by walking into nested blocks and then looking for a final *attribute*; a path that ends at a block
/// falls back to the whole resource. So a problem of a whole block names an attribute of that block
/// that the rule implies is absent, and Terraform then points at the block's own line.
pub fn source_locator(path: &AttributePath) -> AttributePath {
    use tf_provider::AttributePathStep::{Attribute, Index};
    let anchor = match path.steps.as_slice() {
        [Attribute(b)] if b == "device" => "network_access_identifier",
        [.., Attribute(b), Index(_)] if b == "ipv4_address" => "private_address",
        [.., Attribute(b), Index(_)] if b == "service_ports" || b == "device_ports" => "ports",
        [.., Attribute(b), Index(_)] if b == "sink_credential" => "access_token",
        _ => return path.clone(),
    };
    path.clone().attribute(anchor)
}

/// Diagnostics built directly: `Diagnostic::new` would append a backtrace when `RUST_BACKTRACE` is set.
pub fn error(
    diags: &mut Diagnostics,
    summary: &str,
    detail: impl Into<String>,
    attribute: AttributePath,
) {
    diags.add_error(tf_provider::Diagnostic {
        summary: summary.to_string().into(),
        detail: detail.into().into(),
        attribute,
    });
}

pub fn root_error(diags: &mut Diagnostics, summary: &str, detail: impl Into<String>) {
    error(diags, summary, detail, AttributePath::root());
}

pub fn warning(
    diags: &mut Diagnostics,
    summary: &str,
    detail: impl Into<String>,
    attribute: AttributePath,
) {
    diags.add_warning(tf_provider::Diagnostic {
        summary: summary.to_string().into(),
        detail: detail.into().into(),
        attribute,
    });
}

pub fn report_all(problems: &[Problem], diags: &mut Diagnostics) {
    for p in problems {
        p.report(diags);
    }
}

/// The values that are not whole numbers, then the violations that do not depend on unknown values,
/// on their HCL attributes.
pub fn problems(violations: Vec<Violation>, known: &Known) -> Vec<Problem> {
    let mut out = known.problems.clone();
    let rules = violations.into_iter().filter_map(|v| {
        let (path, also) = hcl_path(&v.field);
        if known.depends_on_unknown(&path, &also) {
            return None;
        }
        let message = hcl_words(&v.message, v.field.starts_with("applicationServer"));
        Some(Problem { path, message })
    });
    out.extend(rules);
    out
}

/// HCL name of a wire field, and whether it is a block (a list of at most one in the state): the
/// resource's own fields from its attribute table, the fields inside its blocks here.
fn hcl_name(wire: &str) -> Option<(&'static str, bool)> {
    if let Some(attr) = crate::provider::qod_session::attr_of_wire_name(wire) {
        return Some((attr.hcl, attr.is_list_block()));
    }
    Some(match wire {
        "phoneNumber" => ("phone_number", false),
        "networkAccessIdentifier" => ("network_access_identifier", false),
        "ipv4Address" => ("ipv4_address", true),
        "ipv6Address" => ("ipv6_address", false),
        "publicAddress" => ("public_address", false),
        "privateAddress" => ("private_address", false),
        "publicPort" => ("public_port", false),
        "ports" => ("ports", false),
        "ranges" => ("ranges", false),
        "sinkCredential" => ("sink_credential", true),
        "accessToken" => ("access_token", false),
        "accessTokenExpiresUtc" => ("access_token_expires_at", false),
        _ => return None,
    })
}

/// Maps a wire path (`device.ipv4Address.publicPort`, `devicePorts.ranges[0]`) to the HCL attribute
/// path, plus other attributes the rule also depends on.
pub fn hcl_path(field: &str) -> (AttributePath, Vec<AttributePath>) {
    match field {
        // The application server is two top-level attributes in HCL.
        "applicationServer" => {
            return (
                AttributePath::new("service_ipv4"),
                vec![AttributePath::new("service_ipv6")],
            );
        }
        "applicationServer.ipv4Address" => return (AttributePath::new("service_ipv4"), vec![]),
        "applicationServer.ipv6Address" => return (AttributePath::new("service_ipv6"), vec![]),
        "sinkCredential" => {
            return (
                AttributePath::new("sink_credential").index(0),
                vec![AttributePath::new("sink")],
            );
        }
        _ => {}
    }
    let mut path = AttributePath::root();
    for segment in field.split('.') {
        let (name, index) = match segment.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<i64>().ok()),
            None => (segment, None),
        };
        match hcl_name(name) {
            Some((hcl, is_block)) => {
                path.add_attribute(hcl);
                if is_block {
                    path.add_index(0);
                }
            }
            // Fields with no HCL counterpart (credentialType, accessTokenType) belong to their block.
            None => break,
        }
        if let Some(i) = index {
            path.add_index(i);
        }
    }
    (path, vec![])
}

/// Rewrites the wire field names a rule message mentions into their HCL names.
fn hcl_words(message: &str, application_server: bool) -> String {
    let translate = |word: &str| -> Cow<'static, str> {
        match (word, application_server) {
            ("applicationServer", _) => "the application server".into(),
            ("ipv4Address", true) => "service_ipv4".into(),
            ("ipv6Address", true) => "service_ipv6".into(),
            _ => match hcl_name(word) {
                Some((hcl, _)) => hcl.into(),
                None => word.to_string().into(),
            },
        }
    };
    let mut out = String::with_capacity(message.len());
    let mut word = String::new();
    for c in message.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            out.push_str(&translate(&word));
            word.clear();
            out.push(c);
        }
    }
    out.push_str(&translate(&word));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_paths_map_to_hcl_paths() {
        let cases = [
            ("qosProfile", "profile"),
            ("device", "device"),
            ("device.phoneNumber", "device.phone_number"),
            ("device.ipv4Address", "device.ipv4_address[0]"),
            (
                "device.ipv4Address.publicPort",
                "device.ipv4_address[0].public_port",
            ),
            ("applicationServer", "service_ipv4"),
            ("applicationServer.ipv6Address", "service_ipv6"),
            ("devicePorts.ports[2]", "device_ports[0].ports[2]"),
            (
                "applicationServerPorts.ranges[1]",
                "service_ports[0].ranges[1]",
            ),
            ("applicationServerPorts", "service_ports[0]"),
            ("sinkCredential", "sink_credential[0]"),
            (
                "sinkCredential.accessTokenExpiresUtc",
                "sink_credential[0].access_token_expires_at",
            ),
            ("sinkCredential.credentialType", "sink_credential[0]"),
        ];
        for (wire, hcl) in cases {
            assert_eq!(hcl_path(wire).0.to_string(), hcl, "{wire}");
        }
    }

    #[test]
    fn messages_speak_hcl() {
        assert_eq!(
            hcl_words("give privateAddress (the same as publicAddress when there is no NAT) or publicPort", false),
            "give private_address (the same as public_address when there is no NAT) or public_port"
        );
        assert_eq!(
            hcl_words(
                "applicationServer needs at least one of ipv4Address and ipv6Address",
                true
            ),
            "the application server needs at least one of service_ipv4 and service_ipv6"
        );
        assert_eq!(
            hcl_words("\"+36 72\" is not a phone number", false),
            "\"+36 72\" is not a phone number"
        );
    }

    #[test]
    fn unknown_values_suppress_the_rules_that_need_them() {
        let mut known = Known::default();
        let _ = known.get(
            &Value::<String>::Unknown,
            &AttributePath::new("device").attribute("phone_number"),
        );
        let v = vec![
            Violation::new(
                "device",
                nac_api::rules::ViolationKind::InvalidArgument,
                "at least one",
            ),
            Violation::new(
                "duration",
                nac_api::rules::ViolationKind::DurationOutOfRange,
                "bad",
            ),
        ];
        let p = problems(v, &known);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].attribute(), "duration");
    }
}
