//! Injected faults: error rates with CAMARA bodies, 429 with Retry-After, post-commit 502/504 with the
//! session stored, latency; never on /_sandbox; counted in /_sandbox/stats.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use nac_testkit::api::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn error_rate_answers_the_configured_statuses_instead_of_processing() {
    let h = start().await;
    h.admin
        .set_faults(json!({"error_rate": 0.5, "error_statuses": [500, 503, 429]}))
        .await;
    let mut by_status: HashMap<u16, usize> = HashMap::new();
    let mut created = 0;
    const N: usize = 400;
    for i in 0..N {
        let r = h
            .call(
                Method::POST,
                "/quality-on-demand/v1/sessions",
                Some(&create_body(&format!("+3630{i:06}"))),
            )
            .await;
        let status = r.status().as_u16();
        *by_status.entry(status).or_default() += 1;
        match status {
            201 => created += 1,
            429 => {
                assert_eq!(r.headers()["retry-after"], "1");
                let body: Value = r.json().await.unwrap();
                assert_camara_error(
                    StatusCode::TOO_MANY_REQUESTS,
                    &body,
                    429,
                    "TOO_MANY_REQUESTS",
                );
            }
            500 => assert_camara_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                &r.json().await.unwrap(),
                500,
                "INTERNAL",
            ),
            503 => assert_camara_error(
                StatusCode::SERVICE_UNAVAILABLE,
                &r.json().await.unwrap(),
                503,
                "UNAVAILABLE",
            ),
            other => panic!("unexpected status {other}"),
        }
    }
    let failed = N - created;
    // 50 % of 400: the chance of falling outside 140..=260 is far below one in a million.
    assert!((140..=260).contains(&failed), "{by_status:?}");
    for s in [500, 503, 429] {
        assert!(
            by_status.get(&s).copied().unwrap_or(0) > 20,
            "{by_status:?}"
        );
    }
    assert_eq!(
        h.admin.sessions_json().await.len(),
        created,
        "failed requests were not processed"
    );
    let stats = h.admin.stats_json().await;
    assert_eq!(stats["requests"], json!(N));
    assert_eq!(stats["faults_injected"], json!(failed));
    assert_eq!(stats["sessions_created"], json!(created));
}

#[tokio::test]
async fn all_requests_fail_at_rate_one_and_none_at_zero() {
    let h = start().await;
    h.admin
        .set_faults(json!({"error_rate": 1.0, "error_statuses": [503]}))
        .await;
    for _ in 0..20 {
        let (status, body) = h
            .call_json(Method::GET, "/quality-on-demand/v1/sessions", None)
            .await;
        assert_camara_error(status, &body, 503, "UNAVAILABLE");
    }
    // The admin API is never faulted.
    let (status, _) = h.admin.call(Method::GET, "/sessions", None).await;
    assert_eq!(status, StatusCode::OK);
    h.admin.set_faults(json!({"error_rate": 0.0})).await;
    for _ in 0..20 {
        let (status, _) = h
            .call_json(Method::GET, "/quality-on-demand/v1/sessions", None)
            .await;
        assert_eq!(status, StatusCode::OK);
    }
}

#[tokio::test]
async fn post_commit_faults_store_the_session_and_answer_502_or_504() {
    let h = start().await;
    h.admin
        .set_faults(json!({"post_commit_error_rate": 1.0}))
        .await;
    let mut statuses = Vec::new();
    for i in 0..30 {
        let body = create_body(&format!("+3640{i:06}"));
        let (status, answer) = h
            .call_json(Method::POST, "/quality-on-demand/v1/sessions", Some(&body))
            .await;
        match status.as_u16() {
            502 => assert_camara_error(status, &answer, 502, "BAD_GATEWAY"),
            504 => assert_camara_error(status, &answer, 504, "GATEWAY_TIMEOUT"),
            other => panic!("unexpected {other}: {answer}"),
        }
        statuses.push(status.as_u16());
        // The session exists, findable by its device (how a client recovers from the lost reply).
        let (status, found) = h.retrieve(&json!({"device": body["device"]})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(found.as_array().unwrap().len(), 1);
    }
    assert!(
        statuses.contains(&502) && statuses.contains(&504),
        "{statuses:?}"
    );
    // Only creates are affected.
    let (status, _) = h
        .retrieve(&json!({"device": {"phoneNumber": "+3640000000"}}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h.admin.sessions_json().await.len(), 30);
    let stats = h.admin.stats_json().await;
    assert_eq!(stats["post_commit_faults"], 30);
    assert_eq!(stats["sessions_created"], 30);
    assert_eq!(stats["faults_injected"], 0);
}

#[tokio::test]
async fn post_commit_rate_is_a_share() {
    let h = start().await;
    h.admin
        .set_faults(json!({"post_commit_error_rate": 0.1}))
        .await;
    let mut gateway_errors = 0;
    for i in 0..300 {
        let r = h
            .call(
                Method::POST,
                "/quality-on-demand/v1/sessions",
                Some(&create_body(&format!("+3650{i:06}"))),
            )
            .await;
        if matches!(r.status().as_u16(), 502 | 504) {
            gateway_errors += 1;
        } else {
            assert_eq!(r.status(), StatusCode::CREATED);
        }
    }
    assert!(
        (10..=55).contains(&gateway_errors),
        "{gateway_errors} of 300"
    );
    assert_eq!(
        h.admin.sessions_json().await.len(),
        300,
        "every create stored its session"
    );
}

#[tokio::test]
async fn latency_is_added_to_api_requests_only() {
    let h = start().await;
    h.admin.set_faults(json!({"latency_ms": 400})).await;
    let t = Instant::now();
    h.call_json(Method::GET, "/quality-on-demand/v1/sessions", None)
        .await;
    assert!(
        t.elapsed() >= Duration::from_millis(400),
        "{:?}",
        t.elapsed()
    );
    let t = Instant::now();
    h.admin.call(Method::GET, "/faults", None).await;
    assert!(
        t.elapsed() < Duration::from_millis(400),
        "{:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn faults_from_the_config_apply_from_the_start() {
    let mut faulty = config();
    faulty.faults = nac_sandbox::Faults {
        error_rate: 1.0,
        error_statuses: vec![429],
        ..Default::default()
    };
    let h = start_with(faulty).await;
    let r = h
        .call(Method::GET, "/quality-on-demand/v1/sessions", None)
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "1");
    assert_eq!(h.sandbox.stats().faults_injected, 1);

    let mut bad = config();
    bad.faults.error_rate = 2.0;
    assert!(
        nac_sandbox::start(bad).await.is_err(),
        "invalid faults refuse to start"
    );
}
