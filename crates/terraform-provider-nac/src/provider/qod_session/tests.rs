use chrono::TimeZone;

use super::*;
use crate::provider::device_block::DeviceIpv4Block;
use crate::provider::number::Whole;
use crate::provider::ports_block::RangeObject;
use crate::provider::validation::Known;
use chrono::DateTime;
use nac_api::wire::{format_timestamp, CreateSession, QosStatus, SessionInfo};
use tf_provider::AttributePath;

fn known<T>(v: T) -> Value<T> {
    Value::Value(v)
}

fn n(v: i64) -> Value<Whole> {
    Value::Value(Whole::Int(v))
}

/// The seed example of the NaC docs, as HCL values.
fn seed() -> SessionState {
    SessionState {
        profile: known("DOWNLINK_L_UPLINK_L".into()),
        service_ipv4: known("233.252.0.9".into()),
        service_ipv6: known("2001:db8:1234:5678:9abc:def0:fedc:ba98".into()),
        duration: n(3600),
        device: known(DeviceBlock {
            network_access_identifier: known("device@testcsp.net".into()),
            phone_number: known("+36721601234567".into()),
            ipv6_address: known("2001:db8::2".into()),
            ipv4_address: known(DeviceIpv4Block {
                public_address: known("233.252.0.2".into()),
                private_address: known("192.0.2.25".into()),
                public_port: n(80),
            }),
        }),
        service_ports: known(PortsBlock {
            ports: known(vec![n(8080)]),
            ranges: known(vec![known(RangeObject {
                start: n(80),
                end: n(443),
            })]),
        }),
        device_ports: known(PortsBlock {
            ports: known(vec![n(20000)]),
            ranges: Value::Null,
        }),
        sink: known("https://example.com/notify".into()),
        sink_credential: known(SinkCredentialBlock {
            access_token: known("s3cr3t".into()),
            access_token_expires_at: known("2030-01-01T00:00:00Z".into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[test]
fn the_seed_example_maps_one_to_one_to_the_wire() {
    let mut k = Known::default();
    let request = create_request(&seed(), &mut k);
    assert!(k.all_known());
    // The seed HCL maps one to one onto NAC_API.md's full create example (the spec fixture), with
    // the HCL's own access token.
    let mut expected: serde_json::Value = serde_json::from_str(include_str!(
        "../../../../nac-api/tests/fixtures/qod/requests/create_nac_full.json"
    ))
    .unwrap();
    expected["sinkCredential"]["accessToken"] = "s3cr3t".into();
    assert_eq!(serde_json::to_value(&request).unwrap(), expected);
    assert_eq!(config_problems(&seed()), vec![]);
}

fn session_from(request: &CreateSession) -> SessionInfo {
    SessionInfo {
        session_id: "3fa85f64-5717-4562-b3fc-2c963f66afa6".into(),
        qos_profile: request.qos_profile.clone().unwrap(),
        device: request.device.clone(),
        application_server: request.application_server.clone().unwrap(),
        device_ports: request.device_ports.clone(),
        application_server_ports: request.application_server_ports.clone(),
        sink: request.sink.clone(),
        duration: request.duration.unwrap(),
        started_at: Some(Utc.with_ymd_and_hms(2024, 6, 18, 8, 48, 12).unwrap()),
        expires_at: Some(Utc.with_ymd_and_hms(2024, 6, 18, 9, 48, 12).unwrap()),
        qos_status: QosStatus::Available,
        status_info: None,
    }
}

#[test]
fn a_refresh_of_an_unchanged_session_changes_nothing_but_computed_values() {
    let mut k = Known::default();
    let session = session_from(&create_request(&seed(), &mut k));
    let refreshed = refreshed_state(&seed(), &session);
    let mut expected = seed();
    set_computed(&mut expected, &session);
    assert_eq!(refreshed, expected);
    assert_eq!(refreshed.status, known("AVAILABLE".to_string()));
    assert_eq!(
        refreshed.expires_at,
        known("2024-06-18T09:48:12.000000Z".to_string())
    );
}

#[test]
fn an_import_reads_everything_but_the_secret() {
    let mut k = Known::default();
    let session = session_from(&create_request(&seed(), &mut k));
    let imported = refreshed_state(&SessionState::default(), &session);
    let mut expected = seed();
    expected.sink_credential = Value::Null;
    set_computed(&mut expected, &session);
    assert_eq!(imported, expected);
    assert!(!format!("{imported:?}").contains("s3cr3t"));
}

/// A well-formed profile NaC does not know passes configuration checks: a plan judges it against the
/// network's list (an error there) or warns (the built-in list; profile_catalogue.rs).
#[test]
fn a_well_formed_unknown_profile_is_left_to_the_plan() {
    for name in ["DOWNLINK_L_UPLINK_XL", "QOS_XL", "DOWNLINK_XL_UPLINK_XL"] {
        let mut config = seed();
        config.profile = known(name.into());
        assert_eq!(config_problems(&config), vec![], "{name}");
    }
}

/// Each invalid configuration fails on the HCL attribute that breaks it.
#[test]
fn invalid_configurations_name_the_attribute() {
    type Mutate = fn(&mut SessionState);
    let cases: Vec<(Mutate, &str, &str)> = vec![
        (
            |s| s.profile = known("a b".into()),
            "profile",
            "not a QoS profile name",
        ),
        (
            |s| s.service_ipv4 = known("10.0.0.0/33".into()),
            "service_ipv4",
            "not an IPv4 address or CIDR",
        ),
        (
            |s| s.service_ipv6 = known("2001:db8::zz".into()),
            "service_ipv6",
            "not an IPv6 address",
        ),
        (
            |s| {
                s.service_ipv4 = Value::Null;
                s.service_ipv6 = Value::Null
            },
            "service_ipv4",
            "at least one of service_ipv4 and service_ipv6",
        ),
        (|s| s.duration = n(0), "duration", "1 to 86400"),
        (
            |s| s.duration = known(Whole::NotWhole("60.5".into())),
            "duration",
            "60.5 is not a whole number",
        ),
        (|s| s.duration = n(86401), "duration", "1 to 86400"),
        (
            |s| s.device = known(DeviceBlock::default()),
            "device",
            "at least one device identifier",
        ),
        (
            |s| s.device.as_mut_option().unwrap().phone_number = known("+36 72 160".into()),
            "device.phone_number",
            "not a phone number",
        ),
        (
            |s| {
                s.device.as_mut_option().unwrap().network_access_identifier = known("nobody".into())
            },
            "device.network_access_identifier",
            "user@realm",
        ),
        (
            |s| s.device.as_mut_option().unwrap().ipv6_address = known("2001:db8::/64".into()),
            "device.ipv6_address",
            "not an IPv6 address",
        ),
        (
            |s| {
                let v4 = s
                    .device
                    .as_mut_option()
                    .unwrap()
                    .ipv4_address
                    .as_mut_option()
                    .unwrap();
                v4.private_address = Value::Null;
                v4.public_port = Value::Null;
            },
            "device.ipv4_address[0]",
            "give private_address",
        ),
        (
            |s| {
                s.device
                    .as_mut_option()
                    .unwrap()
                    .ipv4_address
                    .as_mut_option()
                    .unwrap()
                    .public_port = n(70000)
            },
            "device.ipv4_address[0].public_port",
            "0 to 65535",
        ),
        (
            |s| {
                s.device
                    .as_mut_option()
                    .unwrap()
                    .ipv4_address
                    .as_mut_option()
                    .unwrap()
                    .private_address = known("192.0.2".into())
            },
            "device.ipv4_address[0].private_address",
            "not an IPv4 address",
        ),
        (
            |s| s.device_ports.as_mut_option().unwrap().ports = known(vec![n(1), n(-1)]),
            "device_ports[0].ports[1]",
            "0 to 65535",
        ),
        (
            |s| {
                s.service_ports.as_mut_option().unwrap().ranges = known(vec![known(RangeObject {
                    start: n(443),
                    end: n(80),
                })])
            },
            "service_ports[0].ranges[0]",
            "start must not exceed end",
        ),
        (
            |s| s.service_ports = known(PortsBlock::default()),
            "service_ports[0]",
            "at least one port",
        ),
        (
            |s| s.sink = known("http://example.com/notify".into()),
            "sink",
            "https",
        ),
        (
            |s| s.sink = Value::Null,
            "sink_credential[0]",
            "only allowed together with sink",
        ),
        (
            |s| {
                s.sink_credential
                    .as_mut_option()
                    .unwrap()
                    .access_token_expires_at = known("tomorrow".into())
            },
            "sink_credential[0].access_token_expires_at",
            "RFC 3339",
        ),
        (
            |s| {
                s.timeouts = known(TimeoutsBlock {
                    create: known("5 minutes".into()),
                })
            },
            "timeouts[0].create",
            "not a duration",
        ),
    ];
    for (mutate, attribute, message) in cases {
        let mut config = seed();
        mutate(&mut config);
        let found = config_problems(&config);
        assert_eq!(found.len(), 1, "{attribute}: {found:?}");
        assert_eq!(found[0].attribute(), attribute);
        assert!(
            found[0].message.contains(message),
            "{attribute}: {}",
            found[0].message
        );
        assert!(!found[0].message.contains("s3cr3t"));
    }
}

#[test]
fn unknown_values_are_checked_once_known() {
    let mut config = seed();
    config.service_ipv4 = Value::Null;
    config.service_ipv6 = Value::Unknown;
    config
        .device
        .as_mut_option()
        .unwrap()
        .ipv4_address
        .as_mut_option()
        .unwrap()
        .private_address = Value::Unknown;
    config
        .device
        .as_mut_option()
        .unwrap()
        .ipv4_address
        .as_mut_option()
        .unwrap()
        .public_port = Value::Null;
    config.sink = Value::Unknown;
    config.profile = Value::Unknown;
    config.device_ports.as_mut_option().unwrap().ports = known(vec![Value::Unknown, n(70000)]);
    let found = config_problems(&config);
    // Only the known bad port is reported, at its own position.
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].attribute(), "device_ports[0].ports[1]");
}

fn applied(duration: i64, expires_in: i64, now: DateTime<Utc>) -> SessionState {
    let mut s = seed();
    s.id = known("x".into());
    s.duration = n(duration);
    s.status = known("AVAILABLE".into());
    s.expires_at = known(format_timestamp(
        &(now + chrono::Duration::seconds(expires_in)),
    ));
    s
}

#[test]
fn duration_increases_extend_within_the_cap() {
    let now = Utc::now();
    let private = SessionPrivate::default();
    let mut diags = Diagnostics::default();
    let prior = applied(3600, 1800, now);

    let mut planned = prior.clone();
    planned.duration = n(7200);
    assert_eq!(
        plan_change(&prior, &planned, &private, now, &mut diags),
        Change::Extend(3600)
    );

    // 1800 s remaining + 84 600 s added is exactly the cap: still in place.
    planned.duration = n(3600 + 84_600);
    assert_eq!(
        plan_change(&prior, &planned, &private, now, &mut diags),
        Change::Extend(84_600)
    );
    // One second more is beyond it: a new session.
    planned.duration = n(3600 + 84_601);
    assert_eq!(
        plan_change(&prior, &planned, &private, now, &mut diags),
        Change::Replace(vec![AttributePath::new("duration")])
    );
    assert_eq!(diags.warnings.len(), 1);

    planned.duration = n(1800);
    assert_eq!(
        plan_change(&prior, &planned, &private, now, &mut diags),
        Change::Replace(vec![AttributePath::new("duration")])
    );
    assert_eq!(
        plan_change(&prior, &prior.clone(), &private, now, &mut diags),
        Change::None
    );
}

#[test]
fn other_changes_replace_and_an_ended_session_is_replaced_with_a_warning() {
    let now = Utc::now();
    let private = SessionPrivate::default();
    let prior = applied(3600, 1800, now);
    let mut diags = Diagnostics::default();

    let mut planned = prior.clone();
    planned.profile = known("QOS_L".into());
    planned.device.as_mut_option().unwrap().phone_number = known("+3612345678".into());
    assert_eq!(
        plan_change(&prior, &planned, &private, now, &mut diags),
        Change::Replace(vec![
            AttributePath::new("profile"),
            AttributePath::new("device")
        ])
    );

    let mut ended = prior.clone();
    ended.status = known("UNAVAILABLE".into());
    ended.status_info = known("DURATION_EXPIRED".into());
    assert_eq!(
        plan_change(&ended, &prior, &private, now, &mut diags),
        Change::Replace(vec![AttributePath::new("status")])
    );
    assert!(diags.warnings[0].detail.contains("DURATION_EXPIRED"));
    assert_eq!(
        diags.warnings[0].attribute,
        AttributePath::new("status_info")
    );
}

#[test]
fn an_imported_sink_credential_is_recorded_without_replacement() {
    let now = Utc::now();
    let mut prior = applied(3600, 1800, now);
    prior.sink_credential = Value::Null;
    let planned = applied(3600, 1800, now);
    let mut diags = Diagnostics::default();
    let imported = SessionPrivate {
        sink_credential_unverified: true,
        ..Default::default()
    };
    assert_eq!(
        plan_change(&prior, &planned, &imported, now, &mut diags),
        Change::None
    );
    assert_eq!(
        plan_change(
            &prior,
            &planned,
            &SessionPrivate::default(),
            now,
            &mut diags
        ),
        Change::Replace(vec![AttributePath::new("sink_credential")])
    );
}

#[test]
fn state_round_trips_and_debug_hides_the_token() {
    let state = seed();
    let json = serde_json::to_value(&state).unwrap();
    // Optional blocks are lists of at most one element, as Terraform encodes them.
    assert_eq!(
        json["device_ports"],
        serde_json::json!([{"ports": [20000], "ranges": null}])
    );
    assert_eq!(json["timeouts"], serde_json::json!([]));
    let back: SessionState = serde_json::from_value(json).unwrap();
    assert_eq!(back, state);
    assert!(!format!("{:?}", create_request(&state, &mut Known::default())).contains("s3cr3t"));
}

#[test]
fn pending_ids_carry_the_window_of_the_create() {
    let started = Utc.with_ymd_and_hms(2024, 6, 18, 8, 48, 12).unwrap();
    let window = nac_client::Window::new(started, started + chrono::Duration::seconds(2));
    let id = pending_id(window);
    assert!(id.starts_with("pending:"));
    assert_eq!(parse_pending(&id), Some(Pending::Window(window)));
    assert_eq!(parse_pending("3fa85f64-5717-4562-b3fc-2c963f66afa6"), None);
}
