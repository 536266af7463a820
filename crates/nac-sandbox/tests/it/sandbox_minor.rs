//! The minor items of issue 16 (item 14): dot segments never reach a session or the collection, an
//! empty state file is refused rather than taken as a new store, and a state file another sandbox
//! holds is reported as such.

use std::process::Command;

use nac_testkit::api::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends `method path` as written (HTTP clients would resolve the dots first); the status and body.
async fn raw(addr: std::net::SocketAddr, method: &str, path: &str) -> (u16, String) {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-RapidAPI-Key: {KEY}\r\n\
         Content-Type: application/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).await.unwrap();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    (status, body)
}

#[tokio::test]
async fn dot_segments_are_not_found() {
    let h = start().await;
    h.create(&create_body("+3689000001")).await;
    for id in [".", "..", "%2e", "%2E%2e", "./extend", "../sessions"] {
        for method in ["GET", "DELETE", "POST"] {
            let path = format!("/quality-on-demand/v1/sessions/{id}");
            let (status, body) = raw(h.sandbox.addr(), method, &path).await;
            assert_eq!(status, 404, "{method} {path}: {body}");
            assert!(body.contains("does not exist"), "{method} {path}: {body}");
            assert!(!body.contains("sessionId"), "not a session: {body}");
        }
    }
    let (status, _) = raw(h.sandbox.addr(), "POST", "/_sandbox/sessions/../reset").await;
    assert_eq!(status, 404);
    assert_eq!(
        h.admin.sessions().await.len(),
        1,
        "nothing deleted or reset"
    );
}

fn start_binary_on(state: &std::path::Path) -> std::process::Output {
    Command::new(nac_testkit::binary("nac-sandbox"))
        .args(["--listen", "127.0.0.1:0", "--state-file"])
        .arg(state)
        .output()
        .unwrap()
}

#[tokio::test]
async fn an_empty_state_file_is_an_error_not_a_new_store() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.redb");
    std::fs::write(&state, b"").unwrap();
    let refused = nac_sandbox::start(nac_sandbox::SandboxConfig {
        state_file: Some(state.clone()),
        ..config()
    })
    .await
    .expect_err("refused");
    let message = format!("{refused:#}");
    assert!(message.contains("is empty (0 bytes)"), "{message}");
    assert_eq!(
        std::fs::metadata(&state).unwrap().len(),
        0,
        "left untouched"
    );
    // The binary says the same and exits non-zero.
    let out = start_binary_on(&state);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is empty (0 bytes)"), "{stderr}");
}

#[tokio::test]
async fn a_state_file_in_use_by_another_sandbox_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.redb");
    let first = start_with(nac_sandbox::SandboxConfig {
        state_file: Some(state.clone()),
        ..config()
    })
    .await;
    first.create(&create_body("+3689000002")).await;
    let out = start_binary_on(&state);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("in use by another nac-sandbox") && !stderr.contains("not a nac-sandbox"),
        "{stderr}"
    );
    // The first one is unharmed.
    assert_eq!(first.admin.sessions().await.len(), 1);
}
