//! The state file: sessions and the clock survive a restart, writes are atomic, and a corrupt file is
//! refused rather than silently dropped.

mod common;

use common::api::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn sessions_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let mut cfg = config();
    cfg.state_file = Some(state.clone());

    let h = start_with(cfg.clone()).await;
    let mut ids = Vec::new();
    for i in 0..20 {
        let mut body = create_body(&format!("+3660{i:06}"));
        if i == 0 {
            body["sink"] = json!("https://example.com/notify");
            body["sinkCredential"] = json!({"credentialType": "ACCESSTOKEN", "accessToken": "persisted-t0ken",
                "accessTokenExpiresUtc": "2030-01-01T00:00:00Z", "accessTokenType": "bearer"});
        }
        ids.push(
            h.create(&body).await["sessionId"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // Changes of every kind: delete, extend, terminate, and a clock moved forward.
    h.delete(&ids[1]).await;
    h.extend(&ids[2], &json!({"requestedAdditionalDuration": 100}))
        .await;
    h.admin
        .call(
            Method::POST,
            &format!("/sessions/{}/terminate", ids[3]),
            None,
        )
        .await;
    h.admin.advance_clock(60.0).await;
    // Answered changes are on disk before the answer (no shutdown needed to see them).
    let on_disk: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(on_disk["sessions"].as_array().unwrap().len(), 19);
    let before = h.admin.sessions_json().await;
    let addr = h.sandbox.addr();
    h.sandbox.shutdown().await;

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&state).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o077,
            0,
            "the state file holds sink tokens: owner only"
        );
    }

    cfg.listen = addr;
    let h = start_with(cfg.clone()).await;
    let after = h.admin.sessions_json().await;
    assert_eq!(after.len(), 19);
    assert_eq!(after, before, "same sessions, same times, same statuses");
    assert_eq!(h.get(&ids[1]).await.0, StatusCode::NOT_FOUND);
    assert_eq!(h.get(&ids[2]).await.1["duration"], 3700);
    assert_eq!(h.get(&ids[3]).await.1["statusInfo"], "NETWORK_TERMINATED");
    let (_, clock) = h.admin.call(Method::GET, "/clock", None).await;
    assert!(
        clock["offset_seconds"].as_f64().unwrap() >= 60.0,
        "the clock offset survives too"
    );
    // The restarted sandbox keeps working and persisting.
    let extra = h.create(&create_body("+3661000000")).await;
    h.sandbox.shutdown().await;
    let h = start_with(cfg).await;
    assert_eq!(
        h.get(extra["sessionId"].as_str().unwrap()).await.0,
        StatusCode::OK
    );
    assert_eq!(h.admin.sessions_json().await.len(), 20);
    assert!(
        !dir.path().join("state.json.tmp").exists(),
        "no temporary file left behind"
    );
}

#[tokio::test]
async fn reset_is_persisted_and_a_missing_file_starts_empty() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config();
    cfg.state_file = Some(dir.path().join("nested-does-not-matter.json"));
    let h = start_with(cfg.clone()).await;
    assert!(h.admin.sessions_json().await.is_empty());
    h.create(&create_body("+3612345678")).await;
    h.admin.call(Method::POST, "/reset", None).await;
    h.sandbox.shutdown().await;
    let h = start_with(cfg).await;
    assert!(h.admin.sessions_json().await.is_empty());
}

#[tokio::test]
async fn a_corrupt_state_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    std::fs::write(&state, b"{\"version\": 1, \"sessions\": [").unwrap();
    let mut cfg = config();
    cfg.state_file = Some(state.clone());
    let err = nac::sandbox::start(cfg).await.expect_err("refused");
    assert!(format!("{err:#}").contains("state.json"), "{err:#}");
    assert_eq!(
        std::fs::read(&state).unwrap(),
        b"{\"version\": 1, \"sessions\": [",
        "left untouched"
    );
}

#[tokio::test]
async fn expired_sessions_are_not_brought_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config();
    cfg.state_file = Some(dir.path().join("state.json"));
    cfg.retention = std::time::Duration::from_secs(1);
    let h = start_with(cfg.clone()).await;
    let mut body = create_body("+3612345678");
    body["duration"] = json!(1);
    let id = h.create(&body).await["sessionId"]
        .as_str()
        .unwrap()
        .to_owned();
    h.sandbox.shutdown().await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let h = start_with(cfg).await;
    assert_eq!(h.get(&id).await.0, StatusCode::NOT_FOUND);
    assert!(h.admin.sessions_json().await.is_empty());
}
