//! The client against a real sandbox started in-process: every call, 404 semantics, retries through
//! injected faults, exactly-once creates under post-commit faults, and errors a person can act on.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nac_api::wire::{QosStatus, SessionInfo};
use nac_client::{ApiError, ClientConfig, NacClient, Operation};
use nac_sandbox::SandboxConfig;
use nac_testkit::admin::{start_sandbox, start_sandbox_with};
use nac_testkit::requests::*;
use serde_json::json;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// A sandbox that allows several live sessions per device (`--allow-concurrent-sessions`).
fn concurrent() -> SandboxConfig {
    SandboxConfig {
        allow_concurrent_sessions: true,
        ..nac_testkit::admin::ephemeral_config()
    }
}

#[tokio::test]
async fn every_call_works_and_404s_mean_gone() {
    let sandbox = start_sandbox().await;
    let client = client(&sandbox.base_url);

    let req = request_with_sink(1);
    let created = client.create_session(&req).await.unwrap();
    assert_eq!(created.qos_profile, "DOWNLINK_L_UPLINK_L");
    assert_eq!(created.duration, 3600);
    assert!(nac_client::matches_request(&req, &created));

    let got = client
        .get_session(&created.session_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.session_id, created.session_id);
    assert_eq!(got.qos_status, QosStatus::Available);

    let listed = client.device_sessions(&device(1)).await.unwrap();
    assert_eq!(
        listed.iter().map(|s| &s.session_id).collect::<Vec<_>>(),
        [&created.session_id]
    );

    let extended = client
        .extend_session(&created.session_id, 600)
        .await
        .unwrap();
    assert_eq!(extended.session_id, created.session_id);
    assert!(extended.expires_at > got.expires_at, "{extended:?}");

    client.delete_session(&created.session_id).await.unwrap();
    assert_eq!(client.get_session(&created.session_id).await.unwrap(), None);
    // Deleting what is gone is fine; a device without sessions has an empty list.
    client.delete_session(&created.session_id).await.unwrap();
    assert!(client.device_sessions(&device(1)).await.unwrap().is_empty());
    assert!(client
        .get_session("00000000-0000-4000-8000-000000000000")
        .await
        .unwrap()
        .is_none());

    // An extend of a session that does not exist is a 404 error, not a silent success.
    let err = client
        .extend_session("00000000-0000-4000-8000-000000000000", 60)
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(sandbox.admin.sessions().await.is_empty());
    sandbox.running.shutdown().await;
}

#[tokio::test]
async fn api_errors_carry_operation_status_code_and_message() {
    let sandbox = start_sandbox().await;
    let client = client(&sandbox.base_url);
    let mut req = request(2);
    req.duration = Some(100_000);
    let err = client.create_session(&req).await.unwrap_err();
    let text = err.to_string();
    assert_eq!(err.status(), Some(400), "{text}");
    assert!(err.is_client_error(), "{text}");
    assert_eq!(err.operation(), Some(Operation::Create));
    assert!(text.starts_with("create session: HTTP 400 "), "{text}");
    assert!(text.contains("duration"), "{text}");
    assert!(text.contains("(after 1 attempt"), "{text}");
    sandbox.running.shutdown().await;
}

#[tokio::test]
async fn a_wrong_key_is_reported_without_the_key() {
    let sandbox = start_sandbox_with(SandboxConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        api_key: Some("the-right-key".into()),
        ..Default::default()
    })
    .await;
    let client = client(&sandbox.base_url);
    let err = client.get_session("abc").await.unwrap_err();
    let text = err.to_string();
    assert_eq!(err.status(), Some(403), "{text}");
    assert!(text.contains("Invalid API key."), "{text}");
    assert!(!text.contains(TOKEN) && !format!("{err:?}").contains(TOKEN));
    assert!(!format!("{client:?}").contains(TOKEN));
    sandbox.running.shutdown().await;
}

/// Creates `requests` with up to `parallel` in flight on clones of one client.
async fn create_all(
    client: &NacClient,
    requests: Vec<nac_api::wire::CreateSession>,
    parallel: usize,
) -> Vec<Result<SessionInfo, ApiError>> {
    let gate = Arc::new(Semaphore::new(parallel));
    let mut tasks = JoinSet::new();
    for (i, req) in requests.into_iter().enumerate() {
        let client = client.clone();
        let gate = gate.clone();
        tasks.spawn(async move {
            let _permit = gate.acquire().await.unwrap();
            (i, client.create_session(&req).await)
        });
    }
    let mut results: Vec<_> = tasks.join_all().await;
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_under_faults_make_exactly_one_session_each() {
    // Twins (two identical sessions for one device) need the flag: NaC answers 409.
    let sandbox = start_sandbox_with(concurrent()).await;
    let client = client(&sandbox.base_url);
    sandbox
        .admin
        .set_faults(
            json!({"latency_ms": 0, "error_rate": 0.2, "error_statuses": [500, 503, 429],
                           "post_commit_error_rate": 0.1}),
        )
        .await;

    // 200 distinct devices, plus 10 devices asked for twice with identical requests: those must end up
    // with two sessions each, not one adopted twice.
    const DISTINCT: usize = 200;
    const TWINS: usize = 10;
    let mut requests: Vec<_> = (0..DISTINCT).map(request).collect();
    for n in 0..TWINS {
        requests.push(request(1000 + n));
        requests.push(request(1000 + n));
    }
    let expected = requests.len();
    let started = Instant::now();
    let results = create_all(&client, requests, 16).await;
    let elapsed = started.elapsed();

    let mut returned = HashSet::new();
    for result in &results {
        let session = result
            .as_ref()
            .unwrap_or_else(|e| panic!("create failed: {e}"));
        assert!(
            returned.insert(session.session_id.clone()),
            "session {} returned twice",
            session.session_id
        );
    }
    sandbox.admin.clear_faults().await;
    let stored = sandbox.admin.sessions().await;
    let stored_ids: HashSet<_> = stored.iter().map(|s| s.session_id.clone()).collect();
    let mut per_device: HashMap<String, usize> = HashMap::new();
    for session in &stored {
        let phone = session.device.as_ref().and_then(|d| d.phone_number.clone());
        *per_device.entry(phone.unwrap_or_default()).or_default() += 1;
    }
    let stats = client.stats();
    let sandbox_stats = sandbox.admin.stats().await;
    println!(
        "creates under faults: {expected} requested, {} sessions stored, {} returned; sandbox: {} requests, \
         {} faults injected, {} post-commit 502/504; client: {} requests, {} retries, {} unclear outcomes \
         checked, {} adopted; {:.1} s",
        stored.len(),
        returned.len(),
        sandbox_stats.requests,
        sandbox_stats.faults_injected,
        sandbox_stats.post_commit_faults,
        stats.requests,
        stats.retries,
        stats.ambiguous,
        stats.adopted,
        elapsed.as_secs_f64()
    );
    assert_eq!(stored.len(), expected, "sessions in the sandbox");
    assert_eq!(
        stored_ids, returned,
        "the sandbox holds exactly the sessions returned"
    );
    assert_eq!(per_device.len(), DISTINCT + TWINS);
    assert!(per_device.values().all(|&n| n == 1 || n == 2));
    assert_eq!(per_device.values().filter(|&&n| n == 2).count(), TWINS);
    assert_eq!(sandbox_stats.sessions_created as usize, expected);
    // The faults really happened and were really handled.
    assert!(sandbox_stats.faults_injected > 0 && stats.retries > 0);
    assert!(sandbox_stats.post_commit_faults > 0 && stats.adopted > 0);
    assert!(stats.adopted <= sandbox_stats.post_commit_faults);
    sandbox.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gets_extends_and_deletes_go_through_faults() {
    let sandbox = start_sandbox().await;
    let client = client(&sandbox.base_url);
    let sessions: Vec<SessionInfo> = create_all(&client, (0..40).map(request).collect(), 8)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    sandbox
        .admin
        .set_faults(json!({"error_rate": 0.3, "error_statuses": [500, 502, 503, 504, 429]}))
        .await;
    let before = client.stats();
    // Each session on its own task: get, list its device, extend (half of them), delete.
    let mut tasks = JoinSet::new();
    for (i, session) in sessions.into_iter().enumerate() {
        let client = client.clone();
        tasks.spawn(async move {
            let id = &session.session_id;
            let got = client.get_session(id).await.unwrap();
            assert_eq!(got.unwrap().session_id, *id);
            let listed = client
                .device_sessions(session.device.as_ref().unwrap())
                .await
                .unwrap();
            assert_eq!(listed.len(), 1);
            if i % 2 == 0 {
                // Applied exactly once even when a reply is lost: each adds 60 s, never 120.
                let extended = client.extend_session(id, 60).await.unwrap();
                let added = extended.expires_at.unwrap() - session.expires_at.unwrap();
                assert_eq!(added.num_seconds(), 60, "{id}");
            }
            client.delete_session(id).await.unwrap();
        });
    }
    tasks.join_all().await;
    let after = client.stats();
    let faults = sandbox.admin.stats().await.faults_injected;
    println!(
        "gets/extends/deletes under 30 % faults: {} requests, {} retries, {faults} faults injected",
        after.requests - before.requests,
        after.retries - before.retries
    );
    assert!(after.retries > before.retries);
    sandbox.admin.clear_faults().await;
    assert!(sandbox.admin.sessions().await.is_empty());
    sandbox.running.shutdown().await;
}

#[tokio::test]
async fn giving_up_says_how_often_and_what_came_back_last() {
    let sandbox = start_sandbox().await;
    let config = ClientConfig {
        max_retries: 3,
        ..config(&sandbox.base_url)
    };
    let client = NacClient::new(config).unwrap();
    sandbox
        .admin
        .set_faults(json!({"error_rate": 1.0, "error_statuses": [503]}))
        .await;
    let err = client.get_session("abc").await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("get session abc: HTTP 503 UNAVAILABLE "),
        "{text}"
    );
    assert!(text.contains("(after 4 attempts over "), "{text}");
    assert_eq!(err.tries().unwrap().attempts, 4);

    // A create answered 503 UNAVAILABLE was not processed: retried as is, never looked up.
    let lookups_before = client.stats().ambiguous;
    let err = client.create_session(&request(7)).await.unwrap_err();
    assert!(err.to_string().contains("after 4 attempts"), "{err}");
    assert_eq!(client.stats().ambiguous, lookups_before);

    // A create answered 500 may have been processed; when the check fails too, the error says so.
    sandbox
        .admin
        .set_faults(json!({"error_rate": 1.0, "error_statuses": [500]}))
        .await;
    let err = client.create_session(&request(7)).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, ApiError::OutcomeUnknown { .. }), "{text}");
    assert!(text.contains("outcome is unknown"), "{text}");
    assert!(
        text.contains("retrieve device sessions: HTTP 500 INTERNAL"),
        "{text}"
    );
    sandbox.admin.clear_faults().await;
    assert!(sandbox.admin.sessions().await.is_empty());
    sandbox.running.shutdown().await;
}

#[tokio::test]
async fn a_stopped_sandbox_gives_a_clear_connection_error() {
    let sandbox = start_sandbox().await;
    let base_url = sandbox.base_url.clone();
    let port = sandbox.running.addr().port();
    sandbox.running.shutdown().await;

    let config = ClientConfig {
        max_retries: 2,
        ..config(&base_url)
    };
    let client = NacClient::new(config).unwrap();
    let started = Instant::now();
    let err = client.get_session("abc").await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, ApiError::Connection { .. }), "{text}");
    assert!(
        text.starts_with(&format!(
            "get session abc: cannot connect to 127.0.0.1:{port}: "
        )),
        "{text}"
    );
    assert!(text.contains("(after 3 attempts"), "{text}");
    assert!(started.elapsed() < Duration::from_secs(5));

    // Nothing was sent, so a create is simply retried and fails the same way (no lookup needed).
    let err = client.create_session(&request(1)).await.unwrap_err();
    assert!(matches!(err, ApiError::Connection { .. }), "{err}");
    assert_eq!(client.stats().ambiguous, 0);
}

#[tokio::test]
async fn known_sessions_are_never_adopted() {
    let sandbox = start_sandbox_with(concurrent()).await;
    let client = client(&sandbox.base_url);
    let req = request(3);
    let first = client.create_session(&req).await.unwrap();

    // A second client (another provider process) that already knows `first` and whose create's reply is
    // always lost after the session is stored.
    let other = NacClient::new(config(&sandbox.base_url)).unwrap();
    sandbox
        .admin
        .set_faults(json!({"post_commit_error_rate": 1.0}))
        .await;
    let known: HashSet<String> = [first.session_id.clone()].into();
    let second = other.create_session_excluding(&req, &known).await.unwrap();
    assert_ne!(second.session_id, first.session_id);
    sandbox.admin.clear_faults().await;
    let stored = sandbox.admin.sessions().await;
    assert_eq!(stored.len(), 2, "{stored:?}");
    assert_eq!(other.stats().adopted, 1);
    sandbox.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_of_different_sessions_run_in_parallel() {
    let sandbox = start_sandbox().await;
    let client = client(&sandbox.base_url);
    sandbox.admin.set_faults(json!({"latency_ms": 200})).await;
    const N: usize = 20;
    let started = Instant::now();
    let results = create_all(&client, (0..N).map(request).collect(), N).await;
    let elapsed = started.elapsed();
    assert!(results.iter().all(Result::is_ok));
    println!(
        "{N} creates with 200 ms latency, all in flight at once: {:.2} s (one after another: {:.1} s)",
        elapsed.as_secs_f64(),
        N as f64 * 0.2
    );
    // Serialised they would take N × 200 ms = 4 s; in parallel about one round trip.
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
    sandbox.running.shutdown().await;
}
