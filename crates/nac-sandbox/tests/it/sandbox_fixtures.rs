//! Request and response shapes checked against fixtures written by hand from the published specs
//! (tests/fixtures/qod/README.md), not against this project's serde types: the client and the sandbox
//! cannot agree on a mistake.

use std::path::PathBuf;

use nac_testkit::api::*;
use nac_testkit::sink::Sink;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn fixture(path: &str) -> Value {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../nac-api/tests/fixtures/qod")
        .join(path);
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// A small JSON Schema subset, enough for the schemas in tests/fixtures/qod/schemas: type, enum, format,
/// required, properties, additionalProperties: false, items, min/max, minLength/maxLength, minItems,
/// minProperties, anyOf and local `$ref`s.
fn violations(schema: &Value, value: &Value, root: &Value, at: &str, out: &mut Vec<String>) {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/definitions/");
        return violations(&root["definitions"][name], value, root, at, out);
    }
    macro_rules! fail {
        ($why:expr) => {
            out.push(format!("{at}: {} (value {value})", $why))
        };
    }
    if let Some(t) = schema["type"].as_str() {
        let ok = match t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            _ => panic!("schema type {t}"),
        };
        if !ok {
            return fail!(format!("not {t}"));
        }
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            fail!(format!("not one of {allowed:?}"));
        }
    }
    if let (Some(format), Some(s)) = (schema["format"].as_str(), value.as_str()) {
        let ok = match format {
            "uuid" => uuid::Uuid::parse_str(s).is_ok(),
            "date-time" => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
            "ipv4" => s.parse::<std::net::Ipv4Addr>().is_ok(),
            "ipv6" => s.parse::<std::net::Ipv6Addr>().is_ok(),
            _ => panic!("schema format {format}"),
        };
        if !ok {
            fail!(format!("not a {format}"));
        }
    }
    if let Some(n) = value.as_f64() {
        if schema["minimum"].as_f64().is_some_and(|min| n < min)
            || schema["maximum"].as_f64().is_some_and(|max| n > max)
        {
            fail!("out of range");
        }
    }
    if let Some(s) = value.as_str() {
        let len = s.chars().count() as u64;
        if schema["minLength"].as_u64().is_some_and(|m| len < m)
            || schema["maxLength"].as_u64().is_some_and(|m| len > m)
        {
            fail!("bad length");
        }
    }
    if let Some(items) = value.as_array() {
        if schema["minItems"]
            .as_u64()
            .is_some_and(|m| (items.len() as u64) < m)
        {
            fail!("too few items");
        }
        if schema.get("items").is_some() {
            for (i, item) in items.iter().enumerate() {
                violations(&schema["items"], item, root, &format!("{at}[{i}]"), out);
            }
        }
    }
    if let Some(object) = value.as_object() {
        if schema["minProperties"]
            .as_u64()
            .is_some_and(|m| (object.len() as u64) < m)
        {
            fail!("too few properties");
        }
        for key in schema["required"].as_array().into_iter().flatten() {
            if !object.contains_key(key.as_str().unwrap()) {
                fail!(format!("missing {key}"));
            }
        }
        for (key, v) in object {
            match schema["properties"].get(key) {
                Some(s) => violations(s, v, root, &format!("{at}.{key}"), out),
                None if schema["additionalProperties"] == json!(false) => {
                    fail!(format!("unexpected key {key:?}"))
                }
                None => {}
            }
        }
        if let Some(any) = schema["anyOf"].as_array() {
            let fits = any.iter().any(|alt| {
                let mut sub = Vec::new();
                violations(alt, value, root, at, &mut sub);
                sub.is_empty()
            });
            if !fits {
                fail!("fits none of anyOf");
            }
        }
    }
}

fn assert_fits(schema_file: &str, value: &Value) {
    let schema = fixture(&format!("schemas/{schema_file}"));
    let mut out = Vec::new();
    violations(&schema, value, &schema, "$", &mut out);
    assert!(out.is_empty(), "{schema_file}: {out:#?}");
}

/// Every key of the spec's example is present in `actual` with the same JSON type, recursively.
fn assert_same_shape(example: &Value, actual: &Value, at: &str) {
    let kind = |v: &Value| match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    assert_eq!(
        kind(example),
        kind(actual),
        "{at}: example {example}, actual {actual}"
    );
    match (example, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, v) in e {
                let got = a
                    .get(key)
                    .unwrap_or_else(|| panic!("{at}.{key} missing in {actual}"));
                assert_same_shape(v, got, &format!("{at}.{key}"));
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if let (Some(e), Some(a)) = (e.first(), a.first()) {
                assert_same_shape(e, a, &format!("{at}[0]"));
            }
        }
        _ => {}
    }
}

fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

#[test]
fn the_schemas_accept_the_spec_examples() {
    assert_fits(
        "session_info.json",
        &fixture("responses/session_available_camara.json"),
    );
    assert_fits(
        "session_info.json",
        &fixture("responses/session_unavailable_camara.json"),
    );
    for item in fixture("responses/retrieve_sessions_with_device_camara.json")
        .as_array()
        .unwrap()
    {
        assert_fits("session_info.json", item);
    }
    for error in [
        "error_400_generic",
        "error_400_inactive_session",
        "error_404_session_not_found",
        "error_429_too_many_requests",
        "error_503",
    ] {
        assert_fits(
            "error_info.json",
            &fixture(&format!("responses/{error}.json")),
        );
    }
    assert_fits(
        "cloud_event.json",
        &fixture("events/qos_status_changed_camara.json"),
    );
    for p in fixture("profiles/list_of_qos_profiles_camara.json")
        .as_array()
        .unwrap()
    {
        assert_fits("qos_profile.json", p);
    }
    // And they are not vacuous.
    let mut bad = fixture("responses/session_available_camara.json");
    bad["startedAt"] = json!(1639479600);
    let schema = fixture("schemas/session_info.json");
    let mut out = Vec::new();
    violations(&schema, &bad, &schema, "$", &mut out);
    assert_eq!(out.len(), 1, "{out:?}");
}

#[test]
fn the_wire_model_reads_and_writes_the_spec_shapes() {
    for request in [
        "create_nokia_example",
        "create_nac_full",
        "create_sdk_nulls",
    ] {
        let spec = fixture(&format!("requests/{request}.json"));
        let parsed: nac_api::wire::CreateSession = serde_json::from_value(spec.clone()).unwrap();
        let mut written = serde_json::to_value(&parsed).unwrap();
        // The wire model always writes device and applicationServer, as null when absent.
        written = without_nulls(&written);
        assert_eq!(written, without_nulls(&spec), "{request}");
    }
    for response in ["session_available_camara", "session_unavailable_camara"] {
        let spec = fixture(&format!("responses/{response}.json"));
        let parsed: nac_api::wire::SessionInfo = serde_json::from_value(spec.clone()).unwrap();
        let written = serde_json::to_value(&parsed).unwrap();
        assert_same_shape(&spec, &written, response);
        for t in ["startedAt", "expiresAt"] {
            let a = chrono::DateTime::parse_from_rfc3339(spec[t].as_str().unwrap()).unwrap();
            let b = chrono::DateTime::parse_from_rfc3339(written[t].as_str().unwrap()).unwrap();
            assert_eq!(a, b);
        }
    }
    let event: nac_api::wire::CloudEvent =
        serde_json::from_value(fixture("events/qos_status_changed_camara.json")).unwrap();
    assert_eq!(event.event_type, nac_api::wire::QOS_STATUS_CHANGED);
}

#[tokio::test]
async fn the_sandbox_accepts_the_spec_requests_and_answers_in_the_spec_shapes() {
    // The specs' example requests name the same device; this test is about shapes, not NaC's 409.
    let h = start_with(nac_sandbox::SandboxConfig {
        allow_concurrent_sessions: true,
        ..config()
    })
    .await;
    for request in [
        "create_nokia_example",
        "create_nac_full",
        "create_sdk_nulls",
    ] {
        let spec = fixture(&format!("requests/{request}.json"));
        let created = h.create(&spec).await;
        assert_fits("session_info.json", &created);
        let spec = without_nulls(&spec);
        for echoed in [
            "qosProfile",
            "device",
            "applicationServer",
            "devicePorts",
            "applicationServerPorts",
            "sink",
        ] {
            assert_eq!(created.get(echoed), spec.get(echoed), "{request}: {echoed}");
        }
        if let Some(d) = spec.get("duration") {
            assert_eq!(&created["duration"], d);
        }
    }

    let nokia = fixture("requests/create_nokia_example.json");
    let (status, sessions) = h
        .retrieve(&fixture("requests/retrieve_nokia_example.json"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sessions[0]["device"], nokia["device"]);
    let mut example = fixture("responses/retrieve_sessions_with_device_camara.json");
    // "sink exists only if provided for createSession", and the Nokia example has none.
    example[0].as_object_mut().unwrap().remove("sink");
    assert_same_shape(&example, &sessions, "retrieve-sessions");
    for s in sessions.as_array().unwrap() {
        assert_fits("session_info.json", s);
    }

    let id = sessions[0]["sessionId"].as_str().unwrap().to_owned();
    let (status, extended) = h
        .extend(&id, &fixture("requests/extend_example.json"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_fits("session_info.json", &extended);
    assert_eq!(extended["duration"], 120);
}

#[tokio::test]
async fn sessions_look_like_the_camara_examples() {
    let h = start().await;
    let available = fixture("responses/session_available_camara.json");
    let mut request = json!({"device": {"phoneNumber": "+123456789"}});
    for key in ["applicationServer", "qosProfile", "sink", "duration"] {
        request[key] = available[key].clone();
    }
    let created = h.create(&request).await;
    assert_same_shape(&available, &created, "available");
    assert_same_shape(
        &fixture("responses/session_created_with_device_camara.json"),
        &created,
        "created",
    );
    for key in [
        "applicationServer",
        "qosProfile",
        "sink",
        "duration",
        "qosStatus",
    ] {
        assert_eq!(created[key], available[key], "{key}");
    }
    let id = created["sessionId"].as_str().unwrap();
    let (_, ended) = h
        .admin
        .call(Method::POST, &format!("/sessions/{id}/terminate"), None)
        .await;
    let unavailable = fixture("responses/session_unavailable_camara.json");
    assert_same_shape(&unavailable, &ended, "unavailable");
    assert_eq!(ended["statusInfo"], unavailable["statusInfo"]);
    assert_fits("session_info.json", &ended);
}

#[tokio::test]
async fn errors_look_like_the_spec_examples() {
    let h = start().await;
    let check = |spec_file: &str, status: StatusCode, body: &Value| {
        let spec = fixture(&format!("responses/{spec_file}.json"));
        assert_fits("error_info.json", body);
        assert_eq!(body["status"], spec["status"], "{spec_file}: {body}");
        assert_eq!(body["code"], spec["code"], "{spec_file}: {body}");
        assert_eq!(json!(status.as_u16()), spec["status"]);
    };
    let (status, body) = h.get(&uuid::Uuid::new_v4().to_string()).await;
    check("error_404_session_not_found", status, &body);
    let (status, body) = h
        .call_json(
            Method::POST,
            "/quality-on-demand/v1/sessions",
            Some(&json!({})),
        )
        .await;
    check("error_400_generic", status, &body);

    let mut slow = config();
    slow.activation_delay = std::time::Duration::from_secs(60);
    let slow = start_with(slow).await;
    let id = slow
        .create(&fixture("requests/create_nokia_example.json"))
        .await["sessionId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = slow
        .extend(&id, &fixture("requests/extend_example.json"))
        .await;
    check("error_400_inactive_session", status, &body);
    assert_eq!(
        body,
        fixture("responses/error_400_inactive_session.json"),
        "Nokia's exact answer"
    );

    h.admin
        .set_faults(json!({"error_rate": 1.0, "error_statuses": [429]}))
        .await;
    let (status, body) = h
        .call_json(Method::GET, "/quality-on-demand/v1/sessions", None)
        .await;
    check("error_429_too_many_requests", status, &body);
    h.admin
        .set_faults(json!({"error_rate": 1.0, "error_statuses": [503]}))
        .await;
    let (status, body) = h
        .call_json(Method::GET, "/quality-on-demand/v1/sessions", None)
        .await;
    check("error_503", status, &body);
    h.admin.set_faults(json!({})).await;

    let r = h.http.get(h.qod("/sessions")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        fixture("responses/invalid_api_key_403.json")
    );
    let (status, body) = h
        .retrieve(&fixture("requests/retrieve_nokia_example.json"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, fixture("responses/retrieve_sessions_none_404.json"));
}

#[tokio::test]
async fn events_look_like_the_camara_example() {
    let (sink, url) = Sink::start().await;
    let h = start().await;
    let mut request = fixture("requests/create_nac_full.json");
    request["sink"] = json!(url);
    request["duration"] = json!(10);
    h.create(&request).await;
    h.admin.advance_clock(11.0).await;
    let events = sink.wait_for(2).await;
    let example = fixture("events/qos_status_changed_camara.json");
    for e in &events {
        assert_fits("cloud_event.json", &e.body);
        assert_eq!(e.body["type"], example["type"]);
        assert_eq!(e.body["specversion"], example["specversion"]);
        assert_eq!(
            e.authorization.as_deref(),
            Some("Bearer fixture-access-token-0123456789")
        );
    }
    assert_same_shape(&example, &events[1].body, "event");
    assert_eq!(
        events[1].body["data"]["statusInfo"],
        example["data"]["statusInfo"]
    );
}

#[tokio::test]
async fn profiles_look_like_the_camara_example() {
    let h = start().await;
    let (_, profiles) = h
        .call_json(
            Method::POST,
            "/qos-profiles/v1/retrieve-qos-profiles",
            Some(&json!({})),
        )
        .await;
    let example = &fixture("profiles/list_of_qos_profiles_camara.json")[0];
    for p in profiles.as_array().unwrap() {
        assert_fits("qos_profile.json", p);
        let mut shared = example.clone();
        shared.as_object_mut().unwrap().remove("l4sQueueType");
        assert_same_shape(&shared, p, p["name"].as_str().unwrap());
    }
}
