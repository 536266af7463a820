//! The `nac-sandbox` binary: flags, the first stdout line, serving, and a clean stop on SIGTERM.

use std::process::{Child, Command};
use std::time::Duration;

use nac_testkit::admin::spawn_binary;
use serde_json::{json, Value};

struct Running {
    child: Child,
    base_url: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(args: &[&str]) -> Running {
    let (child, line) = spawn_binary(&[&["--listen", "127.0.0.1:0"], args].concat());
    let base_url = nac_testkit::admin::listening_url(&line);
    assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url}");
    Running { child, base_url }
}

fn terminate(mut running: Running) -> std::process::ExitStatus {
    let pid = running.child.id() as libc::pid_t;
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    for _ in 0..100 {
        if let Some(status) = running.child.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nac-sandbox did not stop on SIGTERM");
}

#[tokio::test]
async fn serves_on_the_printed_url_with_the_given_flags() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let running = spawn(&[
        "--api-key",
        "cli-key",
        "--activation-delay-ms",
        "0",
        "--retention-seconds",
        "30",
        "--state-file",
        state.to_str().unwrap(),
        "--post-commit-error-rate",
        "0",
        "--error-statuses",
        "503,429",
    ]);
    let http = reqwest::Client::new();
    let qod = format!("{}/quality-on-demand/v1", running.base_url);
    let body = json!({"qosProfile": "QOS_M", "device": {"phoneNumber": "+3612345678"},
        "applicationServer": {"ipv4Address": "198.51.100.7"}, "duration": 60});

    let r = http
        .post(format!("{qod}/sessions"))
        .header("X-RapidAPI-Key", "wrong")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "--api-key is the only key");
    let r = http
        .post(format!("{qod}/sessions"))
        .header("X-RapidAPI-Key", "cli-key")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["qosStatus"], "AVAILABLE", "--activation-delay-ms 0");

    let faults: Value = http
        .get(format!("{}/_sandbox/faults", running.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(faults["error_statuses"], json!([503, 429]));

    // --retention-seconds 30: an ended session is gone 30 s after it ended.
    let id = created["sessionId"].as_str().unwrap();
    http.post(format!(
        "{}/_sandbox/sessions/{id}/terminate",
        running.base_url
    ))
    .header("content-type", "application/json")
    .send()
    .await
    .unwrap();
    http.post(format!("{}/_sandbox/clock", running.base_url))
        .json(&json!({"advance_seconds": 31}))
        .send()
        .await
        .unwrap();
    let r = http
        .get(format!("{qod}/sessions/{id}"))
        .header("X-RapidAPI-Key", "cli-key")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    let r = http
        .post(format!("{qod}/sessions"))
        .header("X-RapidAPI-Key", "cli-key")
        .json(&body)
        .send()
        .await
        .unwrap();
    let kept: Value = r.json().await.unwrap();
    let status = terminate(running);
    assert!(status.success(), "{status:?}");

    // Restarted on the same file, the session is back.
    let running = spawn(&[
        "--api-key",
        "cli-key",
        "--state-file",
        state.to_str().unwrap(),
    ]);
    let r = http
        .get(format!(
            "{}/quality-on-demand/v1/sessions/{}",
            running.base_url,
            kept["sessionId"].as_str().unwrap()
        ))
        .header("X-RapidAPI-Key", "cli-key")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn fault_flags_apply_from_the_start() {
    let running = spawn(&[
        "--error-rate",
        "1",
        "--error-statuses",
        "429",
        "--latency-ms",
        "50",
    ]);
    let http = reqwest::Client::new();
    let t = std::time::Instant::now();
    let r = http
        .get(format!(
            "{}/quality-on-demand/v1/sessions",
            running.base_url
        ))
        .header("X-RapidAPI-Key", "k")
        .send()
        .await
        .unwrap();
    assert!(t.elapsed() >= Duration::from_millis(50));
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "1");
}

#[test]
fn help_documents_every_flag() {
    let out = Command::new(env!("CARGO_BIN_EXE_nac-sandbox"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--listen",
        "--api-key",
        "--activation-delay-ms",
        "--retention-seconds",
        "--state-file",
        "--latency-ms",
        "--error-rate",
        "--error-statuses",
        "--post-commit-error-rate",
        "--allow-http-sinks-on-loopback",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help:\n{help}");
    }
}

#[test]
fn bad_flags_fail_clearly() {
    let out = Command::new(env!("CARGO_BIN_EXE_nac-sandbox"))
        .args(["--listen", "127.0.0.1:0", "--error-rate", "3"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error_rate"), "{err}");
}
