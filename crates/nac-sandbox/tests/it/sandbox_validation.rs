//! Every validation rule of the sandbox, table-driven: exact status, exact CAMARA code, and a message that
//! names the field.

use nac_testkit::api::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// NAC_API.md's full create example: valid, and the seed every case mutates.
fn full_request() -> Value {
    serde_json::from_str(include_str!(
        "../../../nac-api/tests/fixtures/qod/requests/create_nac_full.json"
    ))
    .unwrap()
}

fn remove(v: &mut Value, path: &[&str]) {
    let (last, parents) = path.split_last().unwrap();
    let mut target = v;
    for p in parents {
        target = &mut target[*p];
    }
    target.as_object_mut().unwrap().remove(*last);
}

type Mutate = fn(&mut Value);

/// (what, mutation, status, code, the message starts with)
fn create_cases() -> Vec<(&'static str, Mutate, u16, &'static str, &'static str)> {
    const IA: &str = "INVALID_ARGUMENT";
    const OOR: &str = "OUT_OF_RANGE";
    const DOOR: &str = "QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE";
    vec![
        ("empty object", |v| *v = json!({}), 400, IA, "qosProfile"),
        (
            "no qosProfile",
            |v| remove(v, &["qosProfile"]),
            400,
            IA,
            "qosProfile",
        ),
        (
            "unknown profile",
            |v| v["qosProfile"] = json!("DOWNLINK_L_UPLINK_XL"),
            400,
            IA,
            "qosProfile",
        ),
        (
            "profile with a space",
            |v| v["qosProfile"] = json!("QOS L"),
            400,
            IA,
            "qosProfile",
        ),
        (
            "profile too short",
            |v| v["qosProfile"] = json!("QL"),
            400,
            IA,
            "qosProfile",
        ),
        (
            "profile in lower case",
            |v| v["qosProfile"] = json!("qos_l"),
            400,
            IA,
            "qosProfile",
        ),
        ("no device", |v| remove(v, &["device"]), 400, IA, "device"),
        (
            "empty device",
            |v| v["device"] = json!({}),
            400,
            IA,
            "device",
        ),
        (
            "device of nulls",
            |v| v["device"] = json!({"phoneNumber": null, "ipv4Address": null}),
            400,
            IA,
            "device",
        ),
        (
            "phone with spaces",
            |v| v["device"]["phoneNumber"] = json!("+36 72 160"),
            400,
            IA,
            "device.phoneNumber",
        ),
        (
            "phone too short",
            |v| v["device"]["phoneNumber"] = json!("+1234"),
            400,
            IA,
            "device.phoneNumber",
        ),
        (
            "phone too long",
            |v| v["device"]["phoneNumber"] = json!("+1234567890123456"),
            400,
            IA,
            "device.phoneNumber",
        ),
        (
            "NAI without realm",
            |v| v["device"]["networkAccessIdentifier"] = json!("device"),
            400,
            IA,
            "device.networkAccessIdentifier",
        ),
        (
            "bad device IPv6",
            |v| v["device"]["ipv6Address"] = json!("2001:db8::zz"),
            400,
            IA,
            "device.ipv6Address",
        ),
        (
            "device IPv6 as CIDR",
            |v| v["device"]["ipv6Address"] = json!("2001:db8::/64"),
            400,
            IA,
            "device.ipv6Address",
        ),
        (
            "public IPv4 alone",
            |v| v["device"]["ipv4Address"] = json!({"publicAddress": "233.252.0.2"}),
            400,
            IA,
            "device.ipv4Address",
        ),
        (
            "IPv4 without public address",
            |v| v["device"]["ipv4Address"] = json!({"privateAddress": "192.0.2.25"}),
            400,
            IA,
            "device.ipv4Address.publicAddress",
        ),
        (
            "bad public IPv4",
            |v| v["device"]["ipv4Address"]["publicAddress"] = json!("300.1.1.1"),
            400,
            IA,
            "device.ipv4Address.publicAddress",
        ),
        (
            "public IPv4 as CIDR",
            |v| v["device"]["ipv4Address"]["publicAddress"] = json!("233.252.0.0/24"),
            400,
            IA,
            "device.ipv4Address.publicAddress",
        ),
        (
            "bad private IPv4",
            |v| v["device"]["ipv4Address"]["privateAddress"] = json!("192.0.2"),
            400,
            IA,
            "device.ipv4Address.privateAddress",
        ),
        (
            "public port above 65535",
            |v| v["device"]["ipv4Address"]["publicPort"] = json!(65536),
            400,
            OOR,
            "device.ipv4Address.publicPort",
        ),
        (
            "negative public port",
            |v| v["device"]["ipv4Address"]["publicPort"] = json!(-1),
            400,
            OOR,
            "device.ipv4Address.publicPort",
        ),
        (
            "no application server",
            |v| remove(v, &["applicationServer"]),
            400,
            IA,
            "applicationServer",
        ),
        (
            "empty application server",
            |v| v["applicationServer"] = json!({}),
            400,
            IA,
            "applicationServer",
        ),
        (
            "bad server IPv4 CIDR",
            |v| v["applicationServer"]["ipv4Address"] = json!("10.0.0.0/33"),
            400,
            IA,
            "applicationServer.ipv4Address",
        ),
        (
            "server IPv4 is IPv6",
            |v| v["applicationServer"]["ipv4Address"] = json!("2001:db8::1"),
            400,
            IA,
            "applicationServer.ipv4Address",
        ),
        (
            "bad server IPv6 CIDR",
            |v| v["applicationServer"]["ipv6Address"] = json!("2001:db8::/129"),
            400,
            IA,
            "applicationServer.ipv6Address",
        ),
        (
            "duration 0",
            |v| v["duration"] = json!(0),
            400,
            DOOR,
            "duration",
        ),
        (
            "negative duration",
            |v| v["duration"] = json!(-60),
            400,
            DOOR,
            "duration",
        ),
        (
            "duration above a day",
            |v| v["duration"] = json!(86401),
            400,
            DOOR,
            "duration",
        ),
        (
            "empty devicePorts",
            |v| v["devicePorts"] = json!({}),
            400,
            IA,
            "devicePorts",
        ),
        (
            "devicePorts with empty lists",
            |v| v["devicePorts"] = json!({"ports": [], "ranges": []}),
            400,
            IA,
            "devicePorts",
        ),
        (
            "device port above 65535",
            |v| v["devicePorts"] = json!({"ports": [20000, 65536]}),
            400,
            OOR,
            "devicePorts.ports[1]",
        ),
        (
            "device range backwards",
            |v| v["devicePorts"] = json!({"ranges": [{"from": 5020, "to": 5010}]}),
            400,
            OOR,
            "devicePorts.ranges[0]",
        ),
        (
            "device range to above 65535",
            |v| v["devicePorts"] = json!({"ranges": [{"from": 1, "to": 70000}]}),
            400,
            OOR,
            "devicePorts.ranges[0]",
        ),
        (
            "empty applicationServerPorts",
            |v| v["applicationServerPorts"] = json!({}),
            400,
            IA,
            "applicationServerPorts",
        ),
        (
            "negative server port",
            |v| v["applicationServerPorts"]["ports"] = json!([-1]),
            400,
            OOR,
            "applicationServerPorts.ports[0]",
        ),
        (
            "server range from negative",
            |v| v["applicationServerPorts"]["ranges"] = json!([{"from": -1, "to": 80}]),
            400,
            OOR,
            "applicationServerPorts.ranges[0]",
        ),
        (
            "server range backwards",
            |v| v["applicationServerPorts"]["ranges"] = json!([{"from": 443, "to": 80}]),
            400,
            OOR,
            "applicationServerPorts.ranges[0]",
        ),
        (
            "range without to",
            |v| v["applicationServerPorts"]["ranges"] = json!([{"from": 443}]),
            400,
            IA,
            "applicationServerPorts.ranges[0].to: missing field",
        ),
        (
            "http sink",
            |v| v["sink"] = json!("http://example.com/notify"),
            400,
            IA,
            "sink",
        ),
        (
            "sink not a URL",
            |v| v["sink"] = json!("example.com/notify"),
            400,
            IA,
            "sink",
        ),
        (
            "sinkCredential without sink",
            |v| remove(v, &["sink"]),
            400,
            IA,
            "sinkCredential",
        ),
        (
            "empty sinkCredential",
            |v| v["sinkCredential"] = json!({}),
            400,
            IA,
            "sinkCredential.credentialType: missing field",
        ),
        (
            "PLAIN credential",
            |v| v["sinkCredential"]["credentialType"] = json!("PLAIN"),
            400,
            IA,
            "sinkCredential.credentialType",
        ),
        (
            "REFRESHTOKEN credential",
            |v| v["sinkCredential"]["credentialType"] = json!("REFRESHTOKEN"),
            400,
            IA,
            "sinkCredential.credentialType",
        ),
        (
            "no access token",
            |v| remove(v, &["sinkCredential", "accessToken"]),
            400,
            IA,
            "sinkCredential.accessToken",
        ),
        (
            "no token expiry",
            |v| remove(v, &["sinkCredential", "accessTokenExpiresUtc"]),
            400,
            IA,
            "sinkCredential.accessTokenExpiresUtc",
        ),
        (
            "bad token expiry",
            |v| v["sinkCredential"]["accessTokenExpiresUtc"] = json!("tomorrow"),
            400,
            IA,
            "sinkCredential.accessTokenExpiresUtc",
        ),
        (
            "non-bearer token",
            |v| v["sinkCredential"]["accessTokenType"] = json!("mac"),
            400,
            IA,
            "sinkCredential.accessTokenType",
        ),
        (
            "duration as a string",
            |v| v["duration"] = json!("3600"),
            400,
            IA,
            "duration: invalid type",
        ),
        (
            "duration as a fraction",
            |v| v["duration"] = json!(60.5),
            400,
            IA,
            "duration: invalid type",
        ),
        (
            "port as a string",
            |v| v["device"]["ipv4Address"]["publicPort"] = json!("80"),
            400,
            IA,
            "device.ipv4Address.publicPort: invalid type",
        ),
        (
            "device as a string",
            |v| v["device"] = json!("+3612345678"),
            400,
            IA,
            "device: invalid type",
        ),
        (
            "body is an array",
            |v| *v = json!([1, 2]),
            400,
            IA,
            "the request body must be a JSON object",
        ),
        (
            "body is a string",
            |v| *v = json!("QOS_L"),
            400,
            IA,
            "the request body must be a JSON object",
        ),
    ]
}

#[tokio::test]
async fn every_create_rule() {
    let h = start().await;
    // The seed itself is valid (so each case fails for its own reason only).
    h.create(&full_request()).await;
    let cases = create_cases();
    for (what, mutate, status, code, message_start) in &cases {
        let mut body = full_request();
        mutate(&mut body);
        let (got_status, got) = h
            .call_json(Method::POST, "/quality-on-demand/v1/sessions", Some(&body))
            .await;
        assert_eq!(got_status.as_u16(), *status, "{what}: {got}");
        assert_camara_error(got_status, &got, *status, code);
        let message = got["message"].as_str().unwrap();
        assert!(
            message.starts_with(message_start),
            "{what}: {message:?} should start with {message_start:?}"
        );
    }
    assert_eq!(
        h.admin.sessions_json().await.len(),
        1,
        "no rejected request created a session"
    );
    eprintln!("{} create rules checked", cases.len());
}

#[tokio::test]
async fn unknown_profile_suggests_the_closest() {
    let h = start().await;
    let mut body = full_request();
    body["qosProfile"] = json!("DOWNLINK_L_UPLINK_XL");
    let (_, got) = h
        .call_json(Method::POST, "/quality-on-demand/v1/sessions", Some(&body))
        .await;
    assert!(
        got["message"]
            .as_str()
            .unwrap()
            .contains("Did you mean \"DOWNLINK_L_UPLINK_L\""),
        "{got}"
    );
}

#[tokio::test]
async fn body_syntax_and_content_type() {
    let h = start().await;
    let valid = full_request().to_string();
    let cases: Vec<(&str, Option<&str>, String, &str)> = vec![
        (
            "malformed JSON",
            Some("application/json"),
            "{\"qosProfile\": ".into(),
            "the request body is not valid JSON",
        ),
        (
            "trailing garbage",
            Some("application/json"),
            format!("{valid} x"),
            "the request body is not valid JSON",
        ),
        (
            "no body",
            Some("application/json"),
            String::new(),
            "the request body is missing",
        ),
        (
            "text/plain",
            Some("text/plain"),
            valid.clone(),
            "Content-Type",
        ),
        (
            "form",
            Some("application/x-www-form-urlencoded"),
            valid.clone(),
            "Content-Type",
        ),
        (
            "no content type",
            None,
            valid.clone(),
            "Content-Type is missing",
        ),
    ];
    for (what, content_type, body, message_start) in cases {
        let mut req = h
            .http
            .post(h.qod("/sessions"))
            .header("X-RapidAPI-Key", KEY)
            .body(body);
        if let Some(ct) = content_type {
            req = req.header("Content-Type", ct);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let got: Value = r.json().await.unwrap();
        assert_camara_error(status, &got, 400, "INVALID_ARGUMENT");
        assert!(
            got["message"].as_str().unwrap().starts_with(message_start),
            "{what}: {got}"
        );
    }
    let r = h
        .http
        .post(h.qod("/sessions"))
        .header("X-RapidAPI-Key", KEY)
        .header("Content-Type", "application/json; charset=utf-8")
        .body(valid)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "parameters of application/json are fine"
    );
}

#[tokio::test]
async fn nulls_read_as_absent() {
    let h = start().await;
    // What Nokia's Python SDK sends for a device given by phone number only.
    let body = json!({"qosProfile": "QOS_E", "device": {"phoneNumber": "+3612345678", "networkAccessIdentifier": null,
        "ipv4Address": null, "ipv6Address": null}, "applicationServer": {"ipv4Address": "233.252.0.9", "ipv6Address": null},
        "duration": null, "devicePorts": null, "applicationServerPorts": null, "sink": null, "sinkCredential": null});
    let created = h.create(&body).await;
    assert_eq!(created["duration"], 86400, "default duration");
    assert_eq!(created["device"], json!({"phoneNumber": "+3612345678"}));
    assert_eq!(
        created["applicationServer"],
        json!({"ipv4Address": "233.252.0.9"})
    );
    for absent in [
        "devicePorts",
        "applicationServerPorts",
        "sink",
        "sinkCredential",
        "statusInfo",
    ] {
        assert!(created.get(absent).is_none(), "{absent}: {created}");
    }
}

#[tokio::test]
async fn http_sinks_only_on_loopback_and_only_when_allowed() {
    let h = start().await;
    for (i, (sink, ok)) in [
        ("http://127.0.0.1:9/notify", true),
        ("http://localhost:9/notify", true),
        ("http://[::1]:9/notify", true),
        ("http://192.0.2.1/notify", false),
    ]
    .into_iter()
    .enumerate()
    {
        // A device each: NaC allows one live session per device.
        let mut body = create_body(&format!("+361234567{i}"));
        body["sink"] = json!(sink);
        let (status, got) = h
            .call_json(Method::POST, "/quality-on-demand/v1/sessions", Some(&body))
            .await;
        if ok {
            assert_eq!(status, StatusCode::CREATED, "{sink}: {got}");
        } else {
            assert_camara_error(status, &got, 400, "INVALID_ARGUMENT");
        }
    }
    let mut config = config();
    config.allow_http_sinks_on_loopback = false;
    let strict = start_with(config).await;
    let mut body = create_body("+3612345678");
    body["sink"] = json!("http://127.0.0.1:9/notify");
    let (status, got) = strict
        .call_json(Method::POST, "/quality-on-demand/v1/sessions", Some(&body))
        .await;
    assert_camara_error(status, &got, 400, "INVALID_ARGUMENT");
    assert!(got["message"].as_str().unwrap().starts_with("sink: "));
}

#[tokio::test]
async fn every_extend_rule() {
    let mut config = config();
    config.activation_delay = std::time::Duration::from_secs(3600);
    let h = start_with(config).await;
    let requested = h.create(&create_body("+3612345678")).await["sessionId"]
        .as_str()
        .unwrap()
        .to_owned();
    let h2 = start().await;
    let available = h2.create(&create_body("+3612345678")).await["sessionId"]
        .as_str()
        .unwrap()
        .to_owned();
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({}),
            "INVALID_ARGUMENT",
            "requestedAdditionalDuration: missing field",
        ),
        (
            json!({"requestedAdditionalDuration": "60"}),
            "INVALID_ARGUMENT",
            "requestedAdditionalDuration: invalid type",
        ),
        (
            json!({"requestedAdditionalDuration": 0}),
            "QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE",
            "requestedAdditionalDuration",
        ),
        (
            json!({"requestedAdditionalDuration": -1}),
            "QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE",
            "requestedAdditionalDuration",
        ),
        (
            json!({"requestedAdditionalDuration": 86400}),
            "QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE",
            "requestedAdditionalDuration",
        ),
    ];
    for (body, code, message_start) in cases {
        let (status, got) = h2.extend(&available, &body).await;
        assert_camara_error(status, &got, 400, code);
        assert!(
            got["message"].as_str().unwrap().starts_with(message_start),
            "{body}: {got}"
        );
    }
    // Not AVAILABLE: REQUESTED, and UNAVAILABLE after the network ended it.
    let (status, got) = h
        .extend(&requested, &json!({"requestedAdditionalDuration": 60}))
        .await;
    assert_camara_error(status, &got, 400, "INVALID_ARGUMENT");
    assert_eq!(got["message"], "The target session is inactive");
    h2.admin
        .call(
            Method::POST,
            &format!("/sessions/{available}/terminate"),
            None,
        )
        .await;
    let (status, got) = h2
        .extend(&available, &json!({"requestedAdditionalDuration": 60}))
        .await;
    assert_camara_error(status, &got, 400, "INVALID_ARGUMENT");
    assert_eq!(got["message"], "The target session is inactive");
    // The largest allowed value is accepted.
    let fresh = h2.create(&create_body("+3612345678")).await["sessionId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, got) = h2
        .extend(&fresh, &json!({"requestedAdditionalDuration": 86399}))
        .await;
    assert_eq!(status, StatusCode::OK, "{got}");
}

#[tokio::test]
async fn every_retrieve_sessions_rule() {
    let h = start().await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({}), "device: missing field"),
        (json!({"device": null}), "device: invalid type"),
        (json!({"device": {}}), "device"),
        (
            json!({"device": {"phoneNumber": "12"}}),
            "device.phoneNumber",
        ),
        (
            json!({"device": {"networkAccessIdentifier": "x"}}),
            "device.networkAccessIdentifier",
        ),
        (
            json!({"device": {"ipv6Address": "::zz"}}),
            "device.ipv6Address",
        ),
        (
            json!({"device": {"ipv4Address": {"publicAddress": "233.252.0.2"}}}),
            "device.ipv4Address",
        ),
    ];
    for (body, message_start) in cases {
        let (status, got) = h.retrieve(&body).await;
        assert_camara_error(status, &got, 400, "INVALID_ARGUMENT");
        assert!(
            got["message"].as_str().unwrap().starts_with(message_start),
            "{body}: {got}"
        );
    }
    let r = h
        .http
        .post(h.qod("/retrieve-sessions"))
        .header("X-RapidAPI-Key", KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "missing body");
}
