//! NaC's rules, on by default: one live session per device and key (409 CONFLICT), sessions private to
//! the key that created them, the gateway's answer to an unknown path, `x-correlator` echoed.

use nac_sandbox::SandboxConfig;
use nac_testkit::api::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const OTHER_KEY: &str = "another-team-key";

fn conflict_body() -> Value {
    json!({"status": 409, "code": "CONFLICT", "message": "Another session is created for the same device"})
}

async fn create_as(h: &Harness, key: &str, body: &Value) -> (StatusCode, Value) {
    let request = api_request(&h.http, Method::POST, &h.qod("/sessions"), key);
    nac_testkit::admin::send_json(request, Some(body)).await
}

async fn call_as(
    h: &Harness,
    key: &str,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let request = api_request(&h.http, method, &h.qod(path), key);
    nac_testkit::admin::send_json(request, body).await
}

#[tokio::test]
async fn a_second_live_session_for_a_device_is_a_conflict() {
    let h = start().await;
    let mut body = create_body("+3611111111");
    body["device"]["networkAccessIdentifier"] = json!("dev@testcsp.net");
    let first = h.create(&body).await;

    // Matched on any identifier, as retrieve-sessions matches.
    for device in [
        json!({"phoneNumber": "3611111111"}),
        json!({"networkAccessIdentifier": "DEV@testcsp.net"}),
        json!({"phoneNumber": "+3699999999", "networkAccessIdentifier": "dev@testcsp.net"}),
    ] {
        let mut again = create_body("+1");
        again["device"] = device.clone();
        let (status, answer) = create_as(&h, KEY, &again).await;
        assert_eq!(
            (status, answer),
            (StatusCode::CONFLICT, conflict_body()),
            "{device}"
        );
    }
    // Another device is fine; another key's sessions never conflict with this key's.
    h.create(&create_body("+3622222222")).await;
    let (status, _) = create_as(&h, OTHER_KEY, &body).await;
    assert_eq!(status, StatusCode::CREATED);

    // Once the session has ended (here: terminated by the network), the device is free again.
    h.admin
        .terminate(first["sessionId"].as_str().unwrap())
        .await;
    h.create(&body).await;
    let (status, _) = create_as(&h, KEY, &body).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let stats = h.admin.stats().await;
    assert_eq!(
        stats.sessions_created, 4,
        "a refused create stores nothing: {stats:?}"
    );
}

#[tokio::test]
async fn a_deleted_or_expired_session_frees_the_device() {
    let h = start().await;
    let mut body = create_body("+3633333333");
    body["duration"] = json!(60);
    let s = h.create(&body).await;
    assert_eq!(
        h.delete(s["sessionId"].as_str().unwrap()).await.status(),
        StatusCode::NO_CONTENT
    );
    h.create(&body).await;
    h.admin.advance_clock(61.0).await;
    h.create(&body).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_for_one_device_give_exactly_one_session() {
    let h = start().await;
    let body = create_body("+3644444444");
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let request = api_request(&h.http, Method::POST, &h.qod("/sessions"), KEY);
            let body = body.clone();
            tokio::spawn(async move { nac_testkit::admin::send_json(request, Some(&body)).await.0 })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let conflicts = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, conflicts), (1, 31), "{statuses:?}");
    assert_eq!(h.admin.sessions().await.len(), 1);
}

#[tokio::test]
async fn the_flag_allows_several_sessions_and_the_admin_api_flips_it() {
    let h = start_with(SandboxConfig {
        allow_concurrent_sessions: true,
        ..config()
    })
    .await;
    let body = create_body("+3655555555");
    h.create(&body).await;
    h.create(&body).await;
    let cfg = h.admin.call_ok(Method::GET, "/config", None).await;
    assert_eq!(cfg, json!({"allow_concurrent_sessions": true}));

    h.admin
        .call_ok(
            Method::PUT,
            "/config",
            Some(&json!({"allow_concurrent_sessions": false})),
        )
        .await;
    let (status, _) = create_as(&h, KEY, &body).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = h
        .admin
        .call(
            Method::PUT,
            "/config",
            Some(&json!({"allow_concurrent": true})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "unknown keys are refused");

    // Reset restores the start-up setting.
    h.admin.call_ok(Method::POST, "/reset", None).await;
    let cfg = h.admin.call_ok(Method::GET, "/config", None).await;
    assert_eq!(cfg, json!({"allow_concurrent_sessions": true}));
}

#[tokio::test]
async fn a_session_belongs_to_the_key_that_created_it() {
    let h = start().await;
    let mine = h.create(&create_body("+3666666666")).await;
    let id = mine["sessionId"].as_str().unwrap();
    let theirs = create_as(&h, OTHER_KEY, &create_body("+3677777777"))
        .await
        .1;

    let path = format!("/sessions/{id}");
    let (status, body) = call_as(&h, OTHER_KEY, Method::GET, &path, None).await;
    assert_camara_error(status, &body, 404, "NOT_FOUND");
    let (status, body) = call_as(
        &h,
        OTHER_KEY,
        Method::POST,
        &format!("{path}/extend"),
        Some(&json!({"requestedAdditionalDuration": 60})),
    )
    .await;
    assert_camara_error(status, &body, 404, "NOT_FOUND");
    let (status, body) = call_as(&h, OTHER_KEY, Method::DELETE, &path, None).await;
    assert_camara_error(status, &body, 404, "NOT_FOUND");
    let (status, body) = call_as(
        &h,
        OTHER_KEY,
        Method::POST,
        "/retrieve-sessions",
        Some(&json!({"device": {"phoneNumber": "+3666666666"}})),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::NOT_FOUND,
            json!({"detail": "QoS subscription not found"})
        )
    );
    let (_, all) = call_as(&h, OTHER_KEY, Method::GET, "/sessions", None).await;
    let ids: Vec<&Value> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["sessionId"])
        .collect();
    assert_eq!(ids, vec![&theirs["sessionId"]]);

    // Still there for its owner, untouched.
    let (status, body) = h.get(id).await;
    assert_eq!(
        (status, body["duration"].clone()),
        (StatusCode::OK, json!(3600))
    );
    let (_, all) = h
        .call_json(Method::GET, "/quality-on-demand/v1/sessions", None)
        .await;
    assert_eq!(all.as_array().unwrap().len(), 1);

    // The admin sees both, each with a label of its key (never the key).
    let listed = h.admin.sessions_json().await;
    assert_eq!(listed.len(), 2);
    let owners: Vec<&str> = listed
        .iter()
        .map(|s| s["owner"].as_str().unwrap())
        .collect();
    assert_ne!(owners[0], owners[1]);
    let text = serde_json::to_string(&listed).unwrap();
    assert!(!text.contains(KEY) && !text.contains(OTHER_KEY), "{text}");
}

#[tokio::test]
async fn unknown_paths_answer_as_the_gateway_and_x_correlator_is_echoed() {
    let h = start().await;
    for path in [
        "/v1/quality-on-demand/v1/sessions",
        "/quality-on-demand/v1/nope",
        "/",
    ] {
        let (status, body) = h.call_json(Method::GET, path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body.as_object().map(|o| o.len()), Some(1), "{path}: {body}");
        assert!(body["message"].as_str().unwrap().contains(path), "{body}");
    }
    let unknown = uuid::Uuid::new_v4();
    let (status, body) = h.get(&unknown.to_string()).await;
    assert_camara_error(status, &body, 404, "NOT_FOUND");

    let correlator = "b4333c46-49c0-4f62-80d7-f0ef930f1c46";
    for (method, path) in [
        (
            Method::GET,
            format!("/quality-on-demand/v1/sessions/{unknown}"),
        ),
        (Method::GET, "/quality-on-demand/v1/sessions".to_owned()),
        (Method::GET, "/nowhere".to_owned()),
    ] {
        let r = h
            .http
            .request(method, h.url(&path))
            .header("X-RapidAPI-Key", KEY)
            .header("x-correlator", correlator)
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["x-correlator"], correlator, "{path}");
    }
    // Also on the gateway's own 403.
    let r = h
        .http
        .get(h.qod("/sessions"))
        .header("x-correlator", correlator)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.headers()["x-correlator"], correlator);
}
