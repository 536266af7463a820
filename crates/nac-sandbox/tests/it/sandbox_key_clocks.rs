//! Per-key clocks (issue 18): the admin API moves one API key's clock, so that pipelines sharing one
//! sandbox test expiry independently; the global clock and other keys stay where they were.

use nac_testkit::api::*;
use nac_testkit::sink::Sink;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const OTHER: &str = "other-pipeline-key";

/// Creates a 600 s session under `key` with a sink; its id and the sink.
async fn session_of(h: &Harness, key: &str, phone: &str) -> (String, Sink) {
    let (sink, url) = Sink::start().await;
    let mut body = create_body(phone);
    body["duration"] = json!(600);
    body["sink"] = json!(url);
    let request = api_request(&h.http, Method::POST, &h.qod("/sessions"), key);
    let (status, created) = nac_testkit::admin::send_json(request, Some(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    (created["sessionId"].as_str().unwrap().to_owned(), sink)
}

async fn read(h: &Harness, key: &str, id: &str) -> (StatusCode, Value) {
    let request = api_request(
        &h.http,
        Method::GET,
        &h.qod(&format!("/sessions/{id}")),
        key,
    );
    nac_testkit::admin::send_json(request, None).await
}

async fn advance(h: &Harness, key: &str, seconds: f64) -> Value {
    h.admin
        .call_ok(
            Method::POST,
            "/clock",
            Some(&json!({"advance_seconds": seconds, "api_key": key})),
        )
        .await
}

fn statuses(sink: &Sink) -> Vec<String> {
    sink.events()
        .iter()
        .map(|e| {
            e.body["data"]["qosStatus"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn two_keys_advance_their_clocks_independently() {
    let h = start().await;
    let (mine, my_sink) = session_of(&h, KEY, "+3690000001").await;
    let (theirs, their_sink) = session_of(&h, OTHER, "+3690000002").await;

    // My key's clock past my session's end: mine expires, theirs does not; the global clock stays.
    let clock = advance(&h, KEY, 601.0).await;
    assert_eq!(clock["offset_seconds"], 0.0, "{clock}");
    let keys = clock["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "{clock}");
    assert_eq!(keys[0]["offset_seconds"], 601.0);
    let (_, s) = read(&h, KEY, &mine).await;
    assert_eq!(s["qosStatus"], "UNAVAILABLE", "{s}");
    assert_eq!(s["statusInfo"], "DURATION_EXPIRED", "{s}");
    let (_, s) = read(&h, OTHER, &theirs).await;
    assert_eq!(s["qosStatus"], "AVAILABLE", "{s}");
    my_sink.wait_for(2).await;
    assert_eq!(statuses(&my_sink), ["AVAILABLE", "UNAVAILABLE"]);
    their_sink.wait_for(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(statuses(&their_sink), ["AVAILABLE"], "theirs did not end");

    // Their clock moves on its own: not far enough, then far enough.
    advance(&h, OTHER, 300.0).await;
    let (_, s) = read(&h, OTHER, &theirs).await;
    assert_eq!(s["qosStatus"], "AVAILABLE", "{s}");
    advance(&h, OTHER, 301.0).await;
    let (_, s) = read(&h, OTHER, &theirs).await;
    assert_eq!(s["qosStatus"], "UNAVAILABLE", "{s}");

    // Mine past the retention: forgotten, while theirs (ended later on its own clock) stays readable.
    advance(&h, KEY, 361.0).await;
    let (status, _) = read(&h, KEY, &mine).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = read(&h, OTHER, &theirs).await;
    assert_eq!(status, StatusCode::OK);

    // A new session of my key starts on my key's clock.
    let (newer, _) = session_of(&h, KEY, "+3690000003").await;
    let (_, s) = read(&h, KEY, &newer).await;
    let started = chrono::DateTime::parse_from_rfc3339(s["startedAt"].as_str().unwrap()).unwrap();
    let ahead = started
        .signed_duration_since(chrono::Utc::now())
        .num_seconds();
    assert!((960..=965).contains(&ahead), "{ahead} s ahead");

    // The live page shows both keys' clocks.
    let page = h.http.get(h.url("/_sandbox/ui")).send().await.unwrap();
    let page = page.text().await.unwrap();
    assert!(
        page.contains("+962 s") && page.contains("+601 s"),
        "key clocks on the page"
    );

    // A reset puts every key back on the global clock.
    h.admin.call_ok(Method::POST, "/reset", None).await;
    let (_, clock) = h.admin.call(Method::GET, "/clock", None).await;
    assert_eq!(clock["keys"], json!([]));
}

#[tokio::test]
async fn a_key_clock_is_refused_backwards_or_without_a_key() {
    let h = start().await;
    for body in [
        json!({"advance_seconds": -1, "api_key": KEY}),
        json!({"advance_seconds": 1, "api_key": ""}),
        json!({"advance_seconds": 1e12, "api_key": KEY}),
    ] {
        let (status, answer) = h.admin.call(Method::POST, "/clock", Some(&body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
    }
    let (_, clock) = h.admin.call(Method::GET, "/clock", None).await;
    assert_eq!(clock["keys"], json!([]));
}

#[tokio::test]
async fn key_clocks_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = || nac_sandbox::SandboxConfig {
        state_file: Some(dir.path().join("state.redb")),
        ..config()
    };
    let h = start_with(config()).await;
    let (mine, _) = session_of(&h, KEY, "+3690000004").await;
    advance(&h, KEY, 120.0).await;
    h.sandbox.shutdown().await;
    let h = start_with(config()).await;
    let (_, clock) = h.admin.call(Method::GET, "/clock", None).await;
    assert_eq!(clock["keys"][0]["offset_seconds"], 120.0, "{clock}");
    advance(&h, KEY, 481.0).await;
    let (_, s) = read(&h, KEY, &mine).await;
    assert_eq!(s["qosStatus"], "UNAVAILABLE", "{s}");
}
