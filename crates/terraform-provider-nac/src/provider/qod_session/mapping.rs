//! Between the resource's state and the API's wire model: the create request, and the state a session gives.

use std::time::Duration;

use tf_provider::value::Value;
use tf_provider::AttributePath;

use super::{SessionState, SinkCredentialBlock};
use crate::provider::device_block::{same_address, DeviceBlock};
use crate::provider::number::Whole;
use crate::provider::ports_block::PortsBlock;
use crate::provider::timeouts::{parse_create_timeout, DEFAULT_CREATE_TIMEOUT};
use crate::provider::validation::{problems, Known, Problem};
use nac_api::rules::{self, DEFAULT_DURATION, PROFILES};
use nac_api::wire::{
    format_timestamp, ApplicationServer, CreateSession, Secret, SessionInfo, SinkCredential,
};

/// The create request for a configuration, from its known values (unknown ones recorded in `known`).
pub fn create_request(state: &SessionState, known: &mut Known) -> CreateSession {
    let device = match &state.device {
        Value::Value(d) => Some(d.to_wire(known, &AttributePath::new("device"))),
        Value::Null => None,
        Value::Unknown => {
            known.unknown.push(AttributePath::new("device"));
            None
        }
    };
    let credential_path = AttributePath::new("sink_credential").index(0);
    let sink_credential = match &state.sink_credential {
        Value::Value(c) => Some(SinkCredential {
            access_token: {
                let (token, name) = token_of(c);
                if token.is_unknown() {
                    // The API's `accessToken` maps back to `access_token`: an unknown write-only
                    // token (e.g. a variable at validate) must not read as a missing one.
                    known
                        .unknown
                        .push(credential_path.clone().attribute("access_token"));
                }
                known
                    .get(token, &credential_path.clone().attribute(name))
                    .map(Secret)
            },
            access_token_expires_utc: known.get(
                &c.access_token_expires_at,
                &credential_path.clone().attribute("access_token_expires_at"),
            ),
            ..SinkCredential::bearer(String::new(), String::new())
        }),
        Value::Null => None,
        Value::Unknown => {
            known.unknown.push(credential_path);
            None
        }
    };
    CreateSession {
        qos_profile: known.get(&state.profile, &AttributePath::new("profile")),
        device,
        application_server: Some(ApplicationServer {
            ipv4_address: known.get(&state.service_ipv4, &AttributePath::new("service_ipv4")),
            ipv6_address: known.get(&state.service_ipv6, &AttributePath::new("service_ipv6")),
        }),
        duration: known.get_whole(
            &state.duration,
            &AttributePath::new("duration"),
            DEFAULT_DURATION,
        ),
        device_ports: PortsBlock::to_wire_opt(
            &state.device_ports,
            known,
            &AttributePath::new("device_ports").index(0),
        ),
        application_server_ports: PortsBlock::to_wire_opt(
            &state.service_ports,
            known,
            &AttributePath::new("service_ports").index(0),
        ),
        sink: known.get(&state.sink, &AttributePath::new("sink")),
        sink_credential,
    }
}

/// The token the credential gives and its attribute: `access_token_wo` when set, else `access_token`.
fn token_of(c: &SinkCredentialBlock) -> (&Value<String>, &'static str) {
    if c.access_token_wo.is_null() {
        (&c.access_token, "access_token")
    } else {
        (&c.access_token_wo, "access_token_wo")
    }
}

/// The credential's own rules: one token, given one way.
fn credential_problems(config: &SessionState) -> Vec<Problem> {
    let Value::Value(c) = &config.sink_credential else {
        return vec![];
    };
    let path = |name: &'static str| {
        AttributePath::new("sink_credential")
            .index(0)
            .attribute(name)
    };
    let mut out = vec![];
    match (c.access_token.is_null(), c.access_token_wo.is_null()) {
        (false, false) => out.push(Problem {
            path: path("access_token_wo"),
            message: "Give the token once: `access_token_wo` (write-only, Terraform 1.11+) or `access_token`, \
                      not both."
                .into(),
        }),
        (true, true) => out.push(Problem {
            path: path("access_token_wo"),
            message: "One of `access_token_wo` (write-only, Terraform 1.11+) and `access_token` is required."
                .into(),
        }),
        _ => {}
    }
    if !c.access_token_wo_version.is_null()
        && c.access_token_wo.is_null()
        && !c.access_token.is_null()
    {
        out.push(Problem {
            path: path("access_token_wo_version"),
            message: "`access_token_wo_version` only goes with `access_token_wo`.".into(),
        });
    }
    out
}

/// `planned` with the configuration's write-only token, which Terraform never puts in a plan.
pub(super) fn with_write_only(mut planned: SessionState, config: &SessionState) -> SessionState {
    if let (Value::Value(p), Value::Value(c)) =
        (&mut planned.sink_credential, &config.sink_credential)
    {
        p.access_token_wo = c.access_token_wo.clone();
    }
    planned
}

/// `state` without the write-only token: what a plan compares and stores.
pub(super) fn without_write_only(mut state: SessionState) -> SessionState {
    if let Value::Value(c) = &mut state.sink_credential {
        c.access_token_wo = Value::Null;
    }
    state
}

/// Every constraint a configuration breaks with the values known so far.
pub fn config_problems(config: &SessionState) -> Vec<Problem> {
    let mut known = Known::default();
    let request = create_request(config, &mut known);
    // The provider also accepts http:// sinks on loopback (as the sandbox does); the API's rule is https.
    let mut violations = rules::validate_create_with(&request, &PROFILES, true);
    // A well-formed name NaC does not know may be another operator's (or a newer NaC's): a plan judges
    // it against the network's list (see profile_catalogue.rs); here only its form is checked.
    if request
        .qos_profile
        .as_deref()
        .is_some_and(|p| rules::profile_format(p).is_ok())
    {
        violations.retain(|v| v.field != "qosProfile");
    }
    let mut out = credential_problems(config);
    let mut api = problems(violations, &known);
    if !out.is_empty() {
        // The API's own "accessToken is required" would only repeat it, less clearly.
        let token = AttributePath::new("sink_credential")
            .index(0)
            .attribute("access_token");
        api.retain(|p| p.path != token);
    }
    out.extend(api);
    if let Value::Value(t) = &config.timeouts {
        if let Value::Value(create) = &t.create {
            if let Err(message) = parse_create_timeout(create) {
                out.push(Problem {
                    path: AttributePath::new("timeouts").index(0).attribute("create"),
                    message,
                });
            }
        }
    }
    out
}

pub(super) fn create_timeout(state: &SessionState) -> Duration {
    state
        .timeouts
        .as_ref_option()
        .and_then(|t| t.create.as_ref_option())
        .and_then(|t| parse_create_timeout(t).ok())
        .unwrap_or(DEFAULT_CREATE_TIMEOUT)
}

pub(super) fn set_computed_unknown(state: &mut SessionState) {
    state.id = Value::Unknown;
    state.status = Value::Unknown;
    state.status_info = Value::Unknown;
    state.started_at = Value::Unknown;
    state.expires_at = Value::Unknown;
    state.total_duration = Value::Unknown;
}

/// Copies what the API says about a session into the computed attributes.
pub(super) fn set_computed(state: &mut SessionState, session: &SessionInfo) {
    state.id = Value::Value(session.session_id.clone());
    state.status = Value::Value(session.qos_status.as_str().to_string());
    state.status_info = session.status_info.map(|s| s.as_str().to_string()).into();
    state.started_at = session.started_at.as_ref().map(format_timestamp).into();
    state.expires_at = session.expires_at.as_ref().map(format_timestamp).into();
    state.total_duration = Value::Value(Whole::Int(session.duration));
}

/// The configured duration, unless the API's total is shorter (or none was known): a longer total
/// is an extension made elsewhere, which `total_duration` shows and a plan must not undo.
fn kept_duration(prior: &Value<Whole>, api_total: i64) -> Value<Whole> {
    match prior.as_ref_option().and_then(Whole::as_i64) {
        Some(configured) if configured <= api_total => prior.clone(),
        _ => Value::Value(Whole::Int(api_total)),
    }
}

/// The state after a refresh: every attribute the API returns, from the API, keeping the prior
/// spelling of values the API reports as equal. The sink credential and timeouts are not API data.
pub fn refreshed_state(prior: &SessionState, session: &SessionInfo) -> SessionState {
    let address = |prior: &Value<String>, api: &Option<String>| -> Value<String> {
        if same_address(&prior.as_ref_option().cloned(), api) {
            prior.clone()
        } else {
            api.clone().into()
        }
    };
    let mut state = SessionState {
        profile: Value::Value(session.qos_profile.clone()),
        service_ipv4: address(
            &prior.service_ipv4,
            &session.application_server.ipv4_address,
        ),
        service_ipv6: address(
            &prior.service_ipv6,
            &session.application_server.ipv6_address,
        ),
        duration: kept_duration(&prior.duration, session.duration),
        device: DeviceBlock::refreshed(&prior.device, session.device.as_ref()),
        service_ports: PortsBlock::refreshed(
            &prior.service_ports,
            session.application_server_ports.as_ref(),
        ),
        device_ports: PortsBlock::refreshed(&prior.device_ports, session.device_ports.as_ref()),
        sink: session.sink.clone().into(),
        sink_credential: prior.sink_credential.clone(),
        timeouts: prior.timeouts.clone(),
        adopt_existing: prior.adopt_existing,
        renew_before: prior.renew_before.clone(),
        on_renewal_limit: prior.on_renewal_limit.clone(),
        ..Default::default()
    };
    set_computed(&mut state, session);
    state
}

#[cfg(test)]
mod credential_tests {
    use super::*;

    fn with_credential(c: SinkCredentialBlock) -> SessionState {
        SessionState {
            profile: Value::Value("DOWNLINK_L_UPLINK_L".into()),
            service_ipv4: Value::Value("233.252.0.9".into()),
            sink: Value::Value("https://example.com/notify".into()),
            sink_credential: Value::Value(SinkCredentialBlock {
                access_token_expires_at: Value::Value("2030-01-01T00:00:00Z".into()),
                ..c
            }),
            device: Value::Value(Default::default()),
            ..Default::default()
        }
    }

    fn credential_paths(c: SinkCredentialBlock) -> Vec<String> {
        config_problems(&with_credential(c))
            .into_iter()
            .map(|p| format!("{}", p.path))
            .filter(|p| p.starts_with("sink_credential"))
            .collect()
    }

    #[test]
    fn exactly_one_token_is_accepted() {
        let token = || Value::Value("t".to_string());
        assert_eq!(
            credential_paths(Default::default()),
            ["sink_credential[0].access_token_wo"]
        );
        let both = SinkCredentialBlock {
            access_token: token(),
            access_token_wo: token(),
            ..Default::default()
        };
        assert_eq!(
            credential_paths(both),
            ["sink_credential[0].access_token_wo"]
        );
        for one in [
            SinkCredentialBlock {
                access_token: token(),
                ..Default::default()
            },
            SinkCredentialBlock {
                access_token_wo: token(),
                access_token_wo_version: Value::Value(Whole::Int(1)),
                ..Default::default()
            },
            // A variable at validate: unknown, not missing.
            SinkCredentialBlock {
                access_token_wo: Value::Unknown,
                ..Default::default()
            },
        ] {
            assert!(credential_paths(one.clone()).is_empty(), "{one:?}");
        }
        let version_alone = SinkCredentialBlock {
            access_token: token(),
            access_token_wo_version: Value::Value(Whole::Int(1)),
            ..Default::default()
        };
        assert_eq!(
            credential_paths(version_alone),
            ["sink_credential[0].access_token_wo_version"]
        );
    }

    #[test]
    fn the_write_only_token_is_sent_and_never_kept() {
        let config = with_credential(SinkCredentialBlock {
            access_token_wo: Value::Value("wo".into()),
            ..Default::default()
        });
        let planned = without_write_only(config.clone());
        assert!(planned
            .sink_credential
            .as_ref_option()
            .unwrap()
            .access_token_wo
            .is_null());
        let applied = with_write_only(planned, &config);
        let request = create_request(&applied, &mut Known::default());
        let sent = request.sink_credential.unwrap().access_token.unwrap();
        assert_eq!(sent.0, "wo");
    }
}
