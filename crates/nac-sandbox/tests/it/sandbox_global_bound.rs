//! A global bound (issue 16, item 13): sessions and their bytes for all API keys together, so that
//! many keys cannot grow the sandbox without limit. Against the binary, with its memory measured.

use std::process::Child;

use nac_testkit::admin::{listening_url, send_json, spawn_binary};
use nac_testkit::api::{api_request, create_body};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

struct Binary(Child, String);

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(args: &[&str]) -> Binary {
    let (child, line) = spawn_binary(
        &[
            &["--listen", "127.0.0.1:0", "--activation-delay-ms", "0"],
            args,
        ]
        .concat(),
    );
    Binary(child, listening_url(&line))
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

async fn create(
    http: &reqwest::Client,
    base: &str,
    key: &str,
    body: &Value,
) -> (StatusCode, Value) {
    let url = format!("{base}/quality-on-demand/v1/sessions");
    send_json(api_request(http, Method::POST, &url, key), Some(body)).await
}

#[tokio::test]
async fn sessions_of_all_keys_together_are_bounded() {
    let sandbox = start(&["--max-stored-sessions", "30"]);
    let http = reqwest::Client::new();
    let mut first_of_key0 = None;
    for key in 0..5 {
        for i in 0..6 {
            let (status, body) = create(
                &http,
                &sandbox.1,
                &format!("key-{key}"),
                &create_body(&format!("+36870{key}{i:04}")),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            if key == 0 && i == 0 {
                first_of_key0 = body["sessionId"].as_str().map(str::to_owned);
            }
        }
    }
    // A sixth key, with nothing of its own, is refused all the same: the sandbox is full.
    let (status, body) = create(&http, &sandbox.1, "key-5", &create_body("+3687159999")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["code"], "UNAVAILABLE");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("30 sessions") && message.contains("--max-stored-sessions"),
        "{message}"
    );
    // A delete makes room.
    let id = first_of_key0.unwrap();
    let url = format!("{}/quality-on-demand/v1/sessions/{id}", sandbox.1);
    let r = api_request(&http, Method::DELETE, &url, "key-0")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (status, body) = create(&http, &sandbox.1, "key-5", &create_body("+3687159999")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_of_all_keys_together_are_bounded_and_memory_with_them() {
    // The default bound (64 MiB), filled by 60 KB sessions over 20 keys.
    let sandbox = start(&[]);
    let pid = sandbox.0.id();
    let http = reqwest::Client::new();
    let start_kib = rss_kib(pid);
    let body_of = |i: usize| {
        let mut body = create_body(&format!("+3688{i:07}"));
        body["sink"] = json!(format!("https://example.com/{}", "a".repeat(60 * 1024)));
        body
    };
    let mut stored = 0;
    let refused = loop {
        let (status, body) = create(
            &http,
            &sandbox.1,
            &format!("key-{}", stored % 20),
            &body_of(stored),
        )
        .await;
        match status {
            StatusCode::CREATED => stored += 1,
            _ => break (status, body),
        }
        assert!(stored < 5_000, "no bound reached");
    };
    let at_bound_kib = rss_kib(pid);
    assert_eq!(refused.0, StatusCode::SERVICE_UNAVAILABLE, "{}", refused.1);
    assert!(
        refused.1["message"]
            .as_str()
            .unwrap()
            .contains("--max-stored-bytes"),
        "{}",
        refused.1
    );
    // More attempts, from every key, change nothing.
    for i in 0..200 {
        let (status, _) = create(
            &http,
            &sandbox.1,
            &format!("key-{}", i % 20),
            &body_of(10_000 + i),
        )
        .await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    }
    let after_kib = rss_kib(pid);
    eprintln!(
        "global bound: {stored} sessions of 60 KB stored over 20 keys before 503; RSS {start_kib} KiB \
         at start, {at_bound_kib} KiB at the bound, {after_kib} KiB after 200 more refused creates"
    );
    assert!((1_000..1_100).contains(&stored), "{stored}");
    assert!(at_bound_kib < start_kib + 200 * 1024, "{at_bound_kib} KiB");
    assert!(after_kib < at_bound_kib + 8 * 1024, "{after_kib} KiB");
}
