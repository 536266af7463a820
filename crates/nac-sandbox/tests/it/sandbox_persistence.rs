//! The state file (a redb database): sessions and the clock survive a restart, answered changes are
//! durable before the answer, a file that is not one or holds a bad record is refused with the record
//! named, a write that fails is undone and answered 500 at once, and a write costs what changed.

use std::path::Path;

use nac_testkit::api::*;
use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const SESSIONS: TableDefinition<u128, &[u8]> = TableDefinition::new("sessions");
const META: TableDefinition<&str, i64> = TableDefinition::new("meta");

/// Every session record in a (closed) state file, as JSON.
fn records(state: &Path) -> Vec<(u128, Value)> {
    let db = redb::Database::builder().open_read_only(state).unwrap();
    let tx = db.begin_read().unwrap();
    let table = tx.open_table(SESSIONS).unwrap();
    table
        .iter()
        .unwrap()
        .map(|e| {
            let (k, v) = e.unwrap();
            (k.value(), serde_json::from_slice(v.value()).unwrap())
        })
        .collect()
}

/// Rewrites a closed state file: `edit` gets the write transaction.
fn tamper(state: &Path, edit: impl FnOnce(&redb::WriteTransaction)) {
    let db = redb::Database::create(state).unwrap();
    let tx = db.begin_write().unwrap();
    edit(&tx);
    tx.commit().unwrap();
}

#[tokio::test]
async fn sessions_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.redb");
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
    let before = h.admin.sessions_json().await;
    let addr = h.sandbox.addr();
    h.sandbox.shutdown().await;
    assert_eq!(records(&state).len(), 19, "one record per session held");

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
    let state = dir.path().join("state.redb");
    std::fs::write(&state, b"{\"version\": 1, \"sessions\": [").unwrap();
    let mut cfg = config();
    cfg.state_file = Some(state.clone());
    let err = nac_sandbox::start(cfg).await.expect_err("refused");
    assert!(format!("{err:#}").contains("state.redb"), "{err:#}");
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
    cfg.retention = std::time::Duration::from_secs(60);
    let h = start_with(cfg.clone()).await;
    let mut body = create_body("+3612345678");
    body["duration"] = json!(1);
    let id = h.create(&body).await["sessionId"]
        .as_str()
        .unwrap()
        .to_owned();
    // Ended on the sandbox clock (the state file keeps its offset), still kept by the 60 s retention.
    h.admin.advance_clock(1.1).await;
    assert_eq!(
        h.get(&id).await.1["statusInfo"],
        "DURATION_EXPIRED",
        "ended, not yet forgotten"
    );
    h.sandbox.shutdown().await;
    // Restarted with a retention it has outlived: forgotten when the state file is loaded.
    cfg.retention = std::time::Duration::from_millis(50);
    let h = start_with(cfg).await;
    assert_eq!(h.get(&id).await.0, StatusCode::NOT_FOUND);
    assert!(h.admin.sessions_json().await.is_empty());
}

/// A state file with three sessions, closed; returns its path (in `dir`) and the config.
async fn saved_state(dir: &Path) -> (std::path::PathBuf, nac_sandbox::SandboxConfig) {
    let state = dir.join("state.redb");
    let mut cfg = config();
    cfg.state_file = Some(state.clone());
    let h = start_with(cfg.clone()).await;
    for i in 0..3 {
        h.create(&create_body(&format!("+3662{i:06}"))).await;
    }
    h.sandbox.shutdown().await;
    (state, cfg)
}

#[tokio::test]
async fn a_bad_record_is_refused_with_the_record_named() {
    type Edit = fn(&mut Value);
    let cases: [(&str, Edit, &str); 5] = [
        (
            "duration -5",
            |s| s["info"]["duration"] = json!(-5),
            "duration -5",
        ),
        (
            "unknown profile",
            |s| s["info"]["qosProfile"] = json!("QOS_XXL"),
            "QOS_XXL",
        ),
        (
            "other sessionId",
            |s| s["info"]["sessionId"] = json!(uuid::Uuid::new_v4().to_string()),
            "sessionId",
        ),
        ("no owner", |s| s["owner"] = json!("not-a-hash"), "owner"),
        ("no device", |s| s["info"]["device"] = json!({}), "device"),
    ];
    for (what, edit, named) in cases {
        let dir = tempfile::tempdir().unwrap();
        let (state, cfg) = saved_state(dir.path()).await;
        let (key, mut record) = records(&state).remove(1);
        edit(&mut record);
        tamper(&state, |tx| {
            let mut t = tx.open_table(SESSIONS).unwrap();
            t.insert(key, serde_json::to_vec(&record).unwrap().as_slice())
                .unwrap();
        });
        let err = nac_sandbox::start(cfg).await.expect_err(what);
        let err = format!("{err:#}");
        let id = uuid::Uuid::from_u128(key).to_string();
        assert!(err.contains(&id) && err.contains(named), "{what}: {err}");
    }
    // A record under another session's key.
    let dir = tempfile::tempdir().unwrap();
    let (state, cfg) = saved_state(dir.path()).await;
    let (_, record) = records(&state).remove(0);
    let stray = uuid::Uuid::new_v4();
    tamper(&state, |tx| {
        let mut t = tx.open_table(SESSIONS).unwrap();
        t.insert(
            stray.as_u128(),
            serde_json::to_vec(&record).unwrap().as_slice(),
        )
        .unwrap();
    });
    let err = format!(
        "{:#}",
        nac_sandbox::start(cfg).await.expect_err("stray key")
    );
    assert!(err.contains(&stray.to_string()), "{err}");
}

#[tokio::test]
async fn a_clock_far_in_the_future_is_refused_not_every_session_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let (state, cfg) = saved_state(dir.path()).await;
    tamper(&state, |tx| {
        let mut t = tx.open_table(META).unwrap();
        t.insert("clock_offset_ms", 1_000_000_000_000_000).unwrap();
    });
    let err = format!("{:#}", nac_sandbox::start(cfg).await.expect_err("refused"));
    assert!(err.contains("clock offset"), "{err}");
    assert_eq!(records(&state).len(), 3, "the file is left as it was");
}

#[tokio::test]
async fn a_missing_state_directory_refuses_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config();
    cfg.state_file = Some(dir.path().join("no-such-dir/state.redb"));
    let started = std::time::Instant::now();
    let err = format!("{:#}", nac_sandbox::start(cfg).await.expect_err("refused"));
    assert!(err.contains("no-such-dir"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

/// The binary with a state file; the first line it prints gives its URL.
fn spawn_with_state(state: &Path) -> (std::process::Child, String) {
    let (child, line) = nac_testkit::admin::spawn_binary(&[
        "--listen",
        "127.0.0.1:0",
        "--activation-delay-ms",
        "0",
        "--state-file",
        state.to_str().unwrap(),
    ]);
    (child, nac_testkit::admin::listening_url(&line))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answered_change_survives_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.redb");
    let (mut child, base) = spawn_with_state(&state);
    let http = reqwest::Client::new();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..64 {
        let (http, base) = (http.clone(), base.clone());
        tasks.spawn(async move {
            let r = http
                .post(format!("{base}/quality-on-demand/v1/sessions"))
                .header("X-RapidAPI-Key", KEY)
                .json(&create_body(&format!("+3663{i:06}")))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::CREATED);
            r.json::<Value>().await.unwrap()["sessionId"]
                .as_str()
                .unwrap()
                .to_owned()
        });
    }
    let mut answered = Vec::new();
    while let Some(id) = tasks.join_next().await {
        answered.push(id.unwrap());
    }
    // SIGKILL: no final write, no flush.
    child.kill().unwrap();
    child.wait().unwrap();
    let (mut child, base) = spawn_with_state(&state);
    for id in &answered {
        let r = http
            .get(format!("{base}/quality-on-demand/v1/sessions/{id}"))
            .header("X-RapidAPI-Key", KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::OK,
            "{id} was answered 201 before the kill"
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_fails_is_undone_and_answered_500_at_once() {
    // The file may not grow past 1 MiB (RLIMIT_FSIZE; SIGXFSZ ignored, so writes fail with EFBIG).
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.redb");
    let script = format!(
        "trap '' XFSZ; ulimit -f 1024; exec '{}' --listen 127.0.0.1:0 --activation-delay-ms 0 --state-file '{}'",
        env!("CARGO_BIN_EXE_nac-sandbox"),
        state.display()
    );
    let mut child = std::process::Command::new("bash")
        .args(["-c", &script])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let base = nac_testkit::admin::read_listening_url(&mut child);
    let http = reqwest::Client::new();
    let create = format!("{base}/quality-on-demand/v1/sessions");
    let mut created = 0;
    let mut failure = None;
    for i in 0..20_000 {
        let started = std::time::Instant::now();
        let r = http
            .post(&create)
            .header("X-RapidAPI-Key", KEY)
            .json(&create_body(&format!("+3664{i:07}")))
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::CREATED {
            created += 1;
            continue;
        }
        failure = Some((
            r.status(),
            started.elapsed(),
            r.json::<Value>().await.unwrap(),
        ));
        break;
    }
    let (status, took, body) = failure.expect("the file filled up");
    assert_camara_error(status, &body, 500, "INTERNAL");
    assert!(
        body["message"].as_str().unwrap().contains("not made"),
        "{body}"
    );
    assert!(
        took < std::time::Duration::from_secs(2),
        "answered at once: {took:?}"
    );
    // Not applied in memory: the sandbox holds exactly the sessions it answered 201 for.
    let all: Vec<Value> = http
        .get(&create)
        .header("X-RapidAPI-Key", KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        all.len(),
        created,
        "{created} created before the disk was full"
    );
    eprintln!("{created} creates fit in 1 MiB; the next was answered {status} in {took:?}");
    child.kill().unwrap();
    child.wait().unwrap();
}
