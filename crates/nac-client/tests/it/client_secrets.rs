//! The API token and the sink access token never show up in any log line (at trace level, from the
//! client and the libraries under it), error message or Debug output, through faults and failures.

use std::sync::Mutex;

use nac_client::{ClientConfig, Environment, NacClient};
use nac_testkit::admin::{start_sandbox, start_sandbox_with};
use nac_testkit::requests::*;
use serde_json::json;

/// Every log record of this test binary, at every level and from every crate.
struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
        let line = format!("{} {}: {}", record.level(), record.target(), record.args());
        self.0.lock().unwrap().push(line);
    }
    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_stay_out_of_logs_errors_and_debug_output() {
    log::set_logger(&CAPTURE).unwrap();
    log::set_max_level(log::LevelFilter::Trace);

    let sandbox = start_sandbox().await;
    let client = client(&sandbox.base_url);
    let mut outputs = vec![format!("{client:?}"), format!("{:?}", client.config())];

    // Successes, retries and adoptions under faults: the first create certainly adopts (every create
    // stored, then answered 5xx), the others meet random faults.
    sandbox
        .admin
        .set_faults(json!({"post_commit_error_rate": 1.0}))
        .await;
    for n in 0..12 {
        if n == 1 {
            sandbox
                .admin.set_faults(json!({"error_rate": 0.3, "error_statuses": [500, 502, 503], "post_commit_error_rate": 0.3}))
                .await;
        }
        let req = request_with_sink(n);
        outputs.push(format!("{req:?}"));
        let session = client.create_session(&req).await.unwrap();
        outputs.push(format!("{session:?}"));
        client.get_session(&session.session_id).await.unwrap();
        client
            .extend_session(&session.session_id, 60)
            .await
            .unwrap();
        client.delete_session(&session.session_id).await.unwrap();
    }
    assert!(client.stats().adopted > 0, "{:?}", client.stats());

    // …errors from the API…
    sandbox
        .admin
        .set_faults(json!({"error_rate": 1.0, "error_statuses": [500]}))
        .await;
    let impatient = NacClient::new(ClientConfig {
        max_retries: 2,
        ..config(&sandbox.base_url)
    })
    .unwrap();
    let err = impatient
        .create_session(&request_with_sink(99))
        .await
        .unwrap_err();
    outputs.push(format!("{err} {err:?}"));
    sandbox.admin.clear_faults().await;
    let mut invalid = request_with_sink(98);
    invalid.duration = Some(0);
    let err = client.create_session(&invalid).await.unwrap_err();
    outputs.push(format!("{err} {err:?}"));

    // …a rejected key, and a server that is gone.
    let stranger = start_sandbox_with(nac_sandbox::SandboxConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        api_key: Some("another-key".into()),
        ..Default::default()
    })
    .await;
    let err = nac_client::NacClient::new(config(&stranger.base_url))
        .unwrap()
        .create_session(&request_with_sink(1))
        .await
        .unwrap_err();
    outputs.push(format!("{err} {err:?}"));
    let base_url = sandbox.base_url.clone();
    sandbox.running.shutdown().await;
    stranger.running.shutdown().await;
    let gone = NacClient::new(ClientConfig {
        max_retries: 1,
        ..config(&base_url)
    })
    .unwrap();
    let err = gone
        .create_session(&request_with_sink(1))
        .await
        .unwrap_err();
    outputs.push(format!("{err} {err:?}"));

    // Configuration errors never quote the token either.
    let err = NacClient::new(
        ClientConfig::new(Environment::Prod, TOKEN).with_base_url("http://example.com"),
    )
    .unwrap_err();
    outputs.push(format!("{err} {err:?}"));

    let logs = CAPTURE.0.lock().unwrap().clone();
    assert!(
        logs.iter().any(|l| l.contains("NaC API request: POST")),
        "the client logs its requests"
    );
    assert!(logs.iter().any(|l| l.contains("create session request: {")));
    for text in logs.iter().chain(&outputs) {
        assert!(!text.contains(TOKEN), "token leaked: {text}");
        assert!(!text.contains(SINK_TOKEN), "sink token leaked: {text}");
    }
    println!(
        "checked {} log lines and {} error/debug outputs: no secret",
        logs.len(),
        outputs.len()
    );
}
