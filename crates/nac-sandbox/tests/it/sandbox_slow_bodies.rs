//! Deadlines cover request bodies (issue 16, item 12): a client that sends its headers and then
//! trickles its body is answered 408 and closed, and 1,030 of them do not keep the API from answering.

use std::time::{Duration, Instant};

use nac_sandbox::SandboxConfig;
use nac_testkit::api::*;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends a create's headers (announcing a 1,000-byte body), then one byte every 500 ms until the
/// server answers or closes: what it answered (its first line) and when.
async fn trickle(addr: std::net::SocketAddr) -> (String, Duration) {
    let started = Instant::now();
    let Ok(mut tcp) = TcpStream::connect(addr).await else {
        return ("connect failed".into(), started.elapsed());
    };
    let head = format!(
        "POST /quality-on-demand/v1/sessions HTTP/1.1\r\nHost: x\r\nX-RapidAPI-Key: {KEY}\r\n\
         Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{"
    );
    if tcp.write_all(head.as_bytes()).await.is_err() {
        return ("closed".into(), started.elapsed());
    }
    let mut answer = [0u8; 256];
    loop {
        tokio::select! {
            read = tcp.read(&mut answer) => {
                let n = read.unwrap_or(0);
                let first = String::from_utf8_lossy(&answer[..n]);
                let first = first.lines().next().unwrap_or("closed").to_owned();
                return (first, started.elapsed());
            }
            _ = tokio::time::sleep(Duration::from_millis(500)) => {
                if tcp.write_all(b" ").await.is_err() {
                    return ("closed".into(), started.elapsed());
                }
            }
        }
        if started.elapsed() > Duration::from_secs(60) {
            return ("still open after 60 s".into(), started.elapsed());
        }
    }
}

#[tokio::test]
async fn a_trickled_body_is_answered_408_at_the_deadline() {
    let h = start_with(SandboxConfig {
        body_read_timeout: Duration::from_secs(2),
        ..config()
    })
    .await;
    let (answer, after) = trickle(h.sandbox.addr()).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        after >= Duration::from_secs(2) && after < Duration::from_secs(4),
        "{after:?}"
    );
    assert!(h.admin.sessions().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_answers_while_1030_clients_trickle_bodies() {
    const SLOW: usize = 1030;
    let h = start().await; // the defaults: 1,024 connections, a 10 s body deadline
    let addr = h.sandbox.addr();
    let mut slow = tokio::task::JoinSet::new();
    for _ in 0..SLOW {
        slow.spawn(trickle(addr));
    }
    // Let them all connect and start trickling.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut latencies = Vec::new();
    for _ in 0..10 {
        let fresh = reqwest::Client::new(); // a new connection each time
        let started = Instant::now();
        let r = api_request(&fresh, reqwest::Method::GET, &h.qod("/sessions"), KEY)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .expect("answered");
        assert_eq!(r.status(), StatusCode::OK);
        latencies.push(started.elapsed());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut answers = std::collections::BTreeMap::<String, usize>::new();
    let mut closed_after = Vec::new();
    while let Some(done) = slow.join_next().await {
        let (answer, after) = done.unwrap();
        *answers.entry(answer).or_default() += 1;
        closed_after.push(after);
    }
    closed_after.sort();
    let (fastest, median, slowest) = (
        closed_after[0],
        closed_after[SLOW / 2],
        closed_after[SLOW - 1],
    );
    let worst = latencies.iter().max().unwrap();
    eprintln!(
        "API latency under {SLOW} trickling clients: {latencies:?} (worst {worst:?}); \
         their answers: {answers:?}; closed after {fastest:?} / {median:?} / {slowest:?} \
         (first / median / last)"
    );
    assert!(*worst < Duration::from_secs(3), "{worst:?}");
    assert!(slowest < Duration::from_secs(15), "{slowest:?}");
    assert!(
        !answers.keys().any(|a| a.contains("still open")),
        "{answers:?}"
    );
}
