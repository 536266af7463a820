//! Bounded: request bodies (413), slow or idle connections (closed), connections at once (the rest
//! wait), live sessions per key (429), memory per session; and notifications isolated per sink (a dead
//! sink delays only its own events).

use std::process::Child;
use std::time::{Duration, Instant};

use nac_sandbox::SandboxConfig;
use nac_testkit::api::*;
use nac_testkit::sink::Sink;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn bodies_over_the_limit_are_refused_with_413() {
    let h = start().await;
    let mut body = create_body("+3680000001");
    body["padding"] = json!("x".repeat(70 * 1024));
    let (status, answer) = h
        .call_json(Method::POST, "/quality-on-demand/v1/sessions", Some(&body))
        .await;
    assert_camara_error(status, &answer, 413, "PAYLOAD_TOO_LARGE");
    // Chunked (no Content-Length) is cut off the same way, before the client has sent it all.
    let mut tcp = TcpStream::connect(h.sandbox.addr()).await.unwrap();
    let head = format!(
        "POST /quality-on-demand/v1/sessions HTTP/1.1\r\nHost: x\r\nX-RapidAPI-Key: {KEY}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("400\r\n{}\r\n", " ".repeat(1024));
    for _ in 0..100 {
        if tcp.write_all(chunk.as_bytes()).await.is_err() {
            break; // closed by the server: fine
        }
    }
    let mut answer = vec![0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut answer))
        .await
        .unwrap()
        .unwrap_or(0);
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    // Just under the limit is read (and judged on its content).
    let mut body = create_body("+3680000002");
    body["sink"] = json!(format!("https://example.com/{}", "a".repeat(60 * 1024)));
    let (status, _) = h
        .call_json(Method::POST, "/quality-on-demand/v1/sessions", Some(&body))
        .await;
    assert_eq!(status, StatusCode::CREATED);
}

/// Reads until the server closes the connection; `Err` if it is still open after `within`.
async fn closed_within(tcp: &mut TcpStream, within: Duration) -> Result<Duration, String> {
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout_at((started + within).into(), tcp.read(&mut buf)).await {
            Err(_) => return Err(format!("still open after {within:?}")),
            Ok(Ok(0)) | Ok(Err(_)) => return Ok(started.elapsed()),
            Ok(Ok(_)) => continue, // an error answer before closing is fine
        }
    }
}

#[tokio::test]
async fn slow_headers_and_idle_connections_are_closed() {
    let h = start_with(SandboxConfig {
        header_read_timeout: Duration::from_millis(800),
        ..config()
    })
    .await;
    // Headers sent a few bytes at a time, never finished.
    let mut slow = TcpStream::connect(h.sandbox.addr()).await.unwrap();
    slow.write_all(b"GET /quality-on-demand/v1/sessions HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let took = closed_within(&mut slow, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(took >= Duration::from_millis(700), "{took:?}");
    // A connection that never sends anything.
    let mut silent = TcpStream::connect(h.sandbox.addr()).await.unwrap();
    closed_within(&mut silent, Duration::from_secs(5))
        .await
        .unwrap();
    // A keep-alive connection idle after a request.
    let mut idle = TcpStream::connect(h.sandbox.addr()).await.unwrap();
    let request = format!(
        "GET /quality-on-demand/v1/sessions HTTP/1.1\r\nHost: x\r\nX-RapidAPI-Key: {KEY}\r\n\r\n"
    );
    idle.write_all(request.as_bytes()).await.unwrap();
    closed_within(&mut idle, Duration::from_secs(5))
        .await
        .unwrap();
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_for_a_free_one() {
    let h = start_with(SandboxConfig {
        max_connections: 4,
        header_read_timeout: Duration::from_secs(30),
        ..config()
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(TcpStream::connect(h.sandbox.addr()).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let fresh = || {
        reqwest::Client::builder()
            .timeout(Duration::from_millis(700))
            .build()
            .unwrap()
    };
    let r = fresh()
        .get(h.qod("/sessions"))
        .header("X-RapidAPI-Key", KEY)
        .send()
        .await;
    assert!(
        r.is_err(),
        "a fifth connection is not served while four are held: {r:?}"
    );
    held.pop();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let r = fresh()
        .get(h.qod("/sessions"))
        .header("X-RapidAPI-Key", KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn live_sessions_per_key_are_capped() {
    let h = start_with(SandboxConfig {
        max_sessions_per_key: Some(3),
        ..config()
    })
    .await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(h.create(&create_body(&format!("+368100000{i}"))).await["sessionId"].clone());
    }
    let (status, body) = h
        .call_json(
            Method::POST,
            "/quality-on-demand/v1/sessions",
            Some(&create_body("+3681000009")),
        )
        .await;
    assert_camara_error(status, &body, 429, "TOO_MANY_REQUESTS");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("3 live sessions"),
        "{body}"
    );
    // Another key has its own allowance.
    let other = api_request(&h.http, Method::POST, &h.qod("/sessions"), "other-key");
    let (status, _) = nac_testkit::admin::send_json(other, Some(&create_body("+3681000009"))).await;
    assert_eq!(status, StatusCode::CREATED);
    // Deleting one, or one ending, frees a place.
    h.delete(ids[0].as_str().unwrap()).await;
    h.create(&create_body("+3681000009")).await;
    h.admin.terminate(ids[1].as_str().unwrap()).await;
    h.create(&create_body("+3681000008")).await;
}

/// A sink that accepts connections and never answers.
async fn dead_sink() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/dead", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((tcp, _)) = listener.accept().await {
            held.push(tcp);
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_sink_does_not_delay_another_sinks_events() {
    let h = start_with(SandboxConfig {
        allow_concurrent_sessions: true,
        ..config()
    })
    .await;
    let dead = dead_sink().await;
    for i in 0..64 {
        let mut body = create_body(&format!("+3682{i:06}"));
        body["sink"] = json!(dead);
        h.create(&body).await;
    }
    let (healthy, url) = Sink::start().await;
    let mut body = create_body("+3683000000");
    body["sink"] = json!(url);
    let started = Instant::now();
    h.create(&body).await;
    healthy.wait_for(1).await;
    let took = started.elapsed();
    eprintln!(
        "healthy sink notified {took:?} after its create, with 64 events stuck on a dead sink"
    );
    assert!(took < Duration::from_secs(1), "{took:?}");
}

/// Resident memory of a process, in KiB (Linux).
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

struct Binary(Child, String);

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_binary(args: &[&str]) -> Binary {
    let (child, line) = nac_testkit::admin::spawn_binary(
        &[
            &["--listen", "127.0.0.1:0", "--activation-delay-ms", "0"],
            args,
        ]
        .concat(),
    );
    Binary(child, nac_testkit::admin::listening_url(&line))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_stays_proportional_to_what_is_held() {
    let sandbox = spawn_binary(&[]);
    let pid = sandbox.0.id();
    let http = reqwest::Client::new();
    let create = format!("{}/quality-on-demand/v1/sessions", sandbox.1);
    let start_kib = rss_kib(pid);

    // 200 oversized bodies (1 MiB each) are refused without growth (on their own connections: the
    // sandbox closes each after its 413).
    let big = format!("{{\"padding\": \"{}\"}}", "x".repeat(1024 * 1024));
    let oversized = reqwest::Client::new();
    for _ in 0..200 {
        let r = oversized
            .post(&create)
            .header("X-RapidAPI-Key", KEY)
            .header("content-type", "application/json")
            .body(big.clone())
            .send()
            .await;
        if let Ok(r) = r {
            assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
        }
    }
    let after_big_kib = rss_kib(pid);

    // 10,000 sessions held.
    const N: usize = 10_000;
    let mut tasks = tokio::task::JoinSet::new();
    for chunk in 0..16 {
        let (http, create) = (http.clone(), create.clone());
        tasks.spawn(async move {
            for i in (chunk..N).step_by(16) {
                let r = http
                    .post(&create)
                    .header("X-RapidAPI-Key", KEY)
                    .json(&create_body(&format!("+3684{i:07}")))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::CREATED);
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let held_kib = rss_kib(pid);
    let per_session = (held_kib.saturating_sub(after_big_kib) * 1024) as f64 / N as f64;
    eprintln!(
        "RSS: {start_kib} KiB at start, {after_big_kib} KiB after 200 refused 1 MiB bodies, \
         {held_kib} KiB with {N} sessions ({per_session:.0} bytes per session)"
    );
    assert!(
        after_big_kib < start_kib + 16 * 1024,
        "refused bodies must not grow memory"
    );
    assert!(
        per_session < 8.0 * 1024.0,
        "{per_session} bytes per session"
    );
}
