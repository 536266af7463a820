//! The session lifecycle under the sandbox clock, and its notifications to a local receiver.

use std::time::Duration;

use chrono::{DateTime, Utc};
use nac_testkit::api::*;
use nac_testkit::sink::Sink;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("not a timestamp: {v}")))
        .unwrap()
        .with_timezone(&Utc)
}

fn id_of(v: &Value) -> String {
    v["sessionId"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn expires_at_expires_at_and_is_gone_after_retention() {
    let h = start().await;
    let mut body = create_body("+3612345678");
    body["duration"] = json!(60);
    let created = h.create(&body).await;
    let id = id_of(&created);
    assert_eq!(
        (time(&created["expiresAt"]) - time(&created["startedAt"])).num_seconds(),
        60
    );

    h.admin.advance_clock(59.0).await;
    assert_eq!(h.get(&id).await.1["qosStatus"], "AVAILABLE");
    h.admin.advance_clock(2.0).await;
    let (status, ended) = h.get(&id).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ended["qosStatus"], "UNAVAILABLE");
    assert_eq!(ended["statusInfo"], "DURATION_EXPIRED");
    assert_eq!(ended["expiresAt"], created["expiresAt"]);
    let (status, listed) = h.retrieve(&json!({"device": body["device"]})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        listed[0]["qosStatus"], "UNAVAILABLE",
        "ended sessions stay listed while retained"
    );

    h.admin.advance_clock(358.0).await;
    assert_eq!(
        h.get(&id).await.0,
        StatusCode::OK,
        "readable for 360 s after it ended"
    );
    h.admin.advance_clock(1.5).await;
    let (status, body404) = h.get(&id).await;
    assert_camara_error(status, &body404, 404, "NOT_FOUND");
    assert!(h.admin.sessions_json().await.is_empty());
    let (status, _) = h.retrieve(&json!({"device": body["device"]})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn retention_is_configurable_and_ended_sessions_can_be_deleted() {
    let mut config = config();
    config.retention = Duration::from_secs(10);
    let h = start_with(config).await;
    let a = id_of(&h.create(&create_body("+3611111111")).await);
    let b = id_of(&h.create(&create_body("+3622222222")).await);
    h.admin
        .call(Method::POST, &format!("/sessions/{a}/terminate"), None)
        .await;
    h.admin
        .call(Method::POST, &format!("/sessions/{b}/terminate"), None)
        .await;
    let r = h.delete(&b).await;
    assert_eq!(
        r.status(),
        StatusCode::NO_CONTENT,
        "an ended session can still be deleted"
    );
    h.admin.advance_clock(9.0).await;
    assert_eq!(h.get(&a).await.0, StatusCode::OK);
    h.admin.advance_clock(1.5).await;
    assert_eq!(h.get(&a).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn network_termination() {
    let h = start().await;
    let created = h.create(&create_body("+3612345678")).await;
    let id = id_of(&created);
    h.admin.advance_clock(100.0).await;
    let (_, ended) = h
        .admin
        .call(Method::POST, &format!("/sessions/{id}/terminate"), None)
        .await;
    let (_, got) = h.get(&id).await;
    assert_eq!(got, ended);
    assert_eq!(got["qosStatus"], "UNAVAILABLE");
    assert_eq!(got["statusInfo"], "NETWORK_TERMINATED");
    // CAMARA: once UNAVAILABLE, expiresAt is when the session ended.
    let lived = (time(&got["expiresAt"]) - time(&got["startedAt"])).num_seconds();
    assert!((100..=102).contains(&lived), "{lived}");
    assert_eq!(got["duration"], 3600, "duration keeps what was asked for");
    // Terminating again changes nothing.
    let (status, again) = h
        .admin
        .call(Method::POST, &format!("/sessions/{id}/terminate"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, ended);
}

#[tokio::test]
async fn extend_caps_the_remaining_time_at_a_day() {
    let h = start().await;
    let mut body = create_body("+3612345678");
    body["duration"] = json!(80_000);
    let id = id_of(&h.create(&body).await);
    h.admin.advance_clock(10_000.0).await;
    let (status, extended) = h
        .extend(&id, &json!({"requestedAdditionalDuration": 20_000}))
        .await;
    assert_eq!(status, StatusCode::OK, "{extended}");
    // Nokia's worked example: 70,000 s left + 20,000 s is capped to 86,400 s; overall 96,400 s.
    assert_eq!(extended["duration"], 96_400);
    let (_, clock) = h.admin.call(Method::GET, "/clock", None).await;
    let remaining = (time(&extended["expiresAt"]) - time(&clock["now"])).num_seconds();
    assert!((86_399..=86_400).contains(&remaining), "{remaining}");
    // And the session really lives that long.
    h.admin.advance_clock(86_390.0).await;
    assert_eq!(h.get(&id).await.1["qosStatus"], "AVAILABLE");
    h.admin.advance_clock(11.0).await;
    assert_eq!(h.get(&id).await.1["statusInfo"], "DURATION_EXPIRED");
}

fn sink_body(phone: &str, sink: &str, token: Option<&str>) -> Value {
    let mut body = create_body(phone);
    body["duration"] = json!(60);
    body["sink"] = json!(sink);
    if let Some(token) = token {
        body["sinkCredential"] = json!({"credentialType": "ACCESSTOKEN", "accessToken": token,
            "accessTokenExpiresUtc": "2030-01-01T00:00:00Z", "accessTokenType": "bearer"});
    }
    body
}

#[tokio::test]
async fn notifications_follow_every_status_change_without_reads() {
    let (sink, url) = Sink::start().await;
    let mut config = config();
    config.activation_delay = Duration::from_millis(150);
    let h = start_with(config).await;
    let created = h
        .create(&sink_body("+3612345678", &url, Some("sink-t0ken")))
        .await;
    let id = id_of(&created);
    assert_eq!(created["qosStatus"], "REQUESTED");

    // Nobody reads the session: the ticker alone must notice it became AVAILABLE.
    let events = sink.wait_for(1).await;
    let available = &events[0];
    assert_eq!(
        available.authorization.as_deref(),
        Some("Bearer sink-t0ken")
    );
    assert_eq!(
        available.content_type.as_deref(),
        Some("application/cloudevents+json")
    );
    let e = &available.body;
    assert_eq!(
        e["type"],
        "org.camaraproject.quality-on-demand.v1.qos-status-changed"
    );
    assert_eq!(e["specversion"], "1.0");
    assert_eq!(e["datacontenttype"], "application/json");
    assert!(e["source"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/quality-on-demand/v1/sessions/{id}")));
    uuid::Uuid::parse_str(e["id"].as_str().unwrap()).unwrap();
    time(&e["time"]);
    assert_eq!(
        e["data"],
        json!({"sessionId": id, "qosStatus": "AVAILABLE"})
    );

    h.admin.advance_clock(61.0).await;
    let events = sink.wait_for(2).await;
    assert_eq!(
        events[1].body["data"],
        json!({"sessionId": id, "qosStatus": "UNAVAILABLE", "statusInfo": "DURATION_EXPIRED"})
    );
    assert_ne!(
        events[0].body["id"], events[1].body["id"],
        "event ids are unique"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.events().len(), 2, "each change is told once");
}

#[tokio::test]
async fn delete_and_termination_notify_only_from_available() {
    let (sink, url) = Sink::start().await;
    let h = start().await;
    let a = id_of(&h.create(&sink_body("+3611111111", &url, Some("t"))).await);
    let b = id_of(&h.create(&sink_body("+3622222222", &url, Some("t"))).await);
    sink.wait_for(2).await; // both AVAILABLE at once (activation delay 0)

    h.delete(&a).await;
    let events = sink.wait_for(3).await;
    assert_eq!(
        events[2].body["data"],
        json!({"sessionId": a, "qosStatus": "UNAVAILABLE", "statusInfo": "DELETE_REQUESTED"})
    );

    h.admin
        .call(Method::POST, &format!("/sessions/{b}/terminate"), None)
        .await;
    let events = sink.wait_for(4).await;
    assert_eq!(
        events[3].body["data"],
        json!({"sessionId": b, "qosStatus": "UNAVAILABLE", "statusInfo": "NETWORK_TERMINATED"})
    );

    // Deleting the ended session tells nobody (it was not AVAILABLE).
    h.delete(&b).await;
    // Nor does deleting a session still REQUESTED.
    let mut config = config();
    config.activation_delay = Duration::from_secs(3600);
    let slow = start_with(config).await;
    let c = id_of(
        &slow
            .create(&sink_body("+3633333333", &url, Some("t")))
            .await,
    );
    slow.delete(&c).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(sink.events().len(), 4, "{:?}", sink.events());
}

#[tokio::test]
async fn failed_deliveries_are_retried_and_never_block_the_api() {
    let (sink, url) = Sink::start().await;
    *sink.fail_first.lock().unwrap() = 2;
    let h = start().await;
    let id = id_of(&h.create(&sink_body("+3612345678", &url, None)).await);
    let events = sink.wait_for(1).await;
    assert_eq!(events[0].body["data"]["sessionId"], json!(id));
    assert_eq!(
        events[0].authorization, None,
        "no credential, no Authorization header"
    );

    // A sink that never answers: the API does not wait for it.
    let dead = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead_url = format!("http://{}/notify", dead.local_addr().unwrap());
    let started = std::time::Instant::now();
    for i in 0..20 {
        let id = id_of(
            &h.create(&sink_body(
                &format!("+36200000{i:02}"),
                &dead_url,
                Some("t"),
            ))
            .await,
        );
        h.delete(&id).await;
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    drop(dead);
}
