//! Notifications are fair (issue 16, item 11): sessions whose sinks are dead, on more distinct ports
//! than the notifier has delivery slots, never keep a healthy sink's AVAILABLE event from arriving.

use std::time::{Duration, Instant};

use nac_sandbox::SandboxConfig;
use nac_testkit::api::*;
use nac_testkit::sink::Sink;
use serde_json::json;

const DEAD_SINKS: usize = 1030;

/// Ports nobody listens on (connections refused).
fn refused_sinks(n: usize) -> Vec<String> {
    let listeners: Vec<_> = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    listeners
        .iter()
        .map(|l| format!("http://{}/gone", l.local_addr().unwrap()))
        .collect()
}

/// Ports that accept connections and never answer (each attempt runs into its timeout).
async fn black_hole_sinks(n: usize) -> Vec<String> {
    let mut urls = Vec::with_capacity(n);
    for _ in 0..n {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        urls.push(format!("http://{}/silent", listener.local_addr().unwrap()));
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((tcp, _)) = listener.accept().await {
                held.push(tcp);
            }
        });
    }
    urls
}

/// Creates one session per dead sink and one for a healthy sink, all still REQUESTED, then moves the
/// clock past their activation so that every AVAILABLE event is queued at once: how long the healthy
/// sink's took, and the sandbox's counters.
async fn healthy_delay_behind(silent: bool) -> (Duration, nac_sandbox::StatsReport) {
    let h = start_with(SandboxConfig {
        // Activation when the clock is moved, so every AVAILABLE goes through the notifier at once.
        activation_delay: Duration::from_secs(600),
        ..config()
    })
    .await;
    // After the sandbox has its port, which a freed port must not be.
    let dead = if silent {
        black_hole_sinks(DEAD_SINKS).await
    } else {
        refused_sinks(DEAD_SINKS)
    };
    let h = std::sync::Arc::new(h);
    let mut tasks = tokio::task::JoinSet::new();
    for (chunk, sinks) in dead.chunks(dead.len().div_ceil(16)).enumerate() {
        let (h, sinks) = (h.clone(), sinks.to_vec());
        tasks.spawn(async move {
            for (i, sink) in sinks.iter().enumerate() {
                let mut body = create_body(&format!("+3685{chunk:02}{i:05}"));
                body["sink"] = json!(sink);
                h.create(&body).await;
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let (healthy, url) = Sink::start().await;
    let mut body = create_body("+3686000000");
    body["sink"] = json!(url);
    h.create(&body).await;
    let started = Instant::now();
    h.admin.advance_clock(601.0).await;
    let deadline = started + Duration::from_secs(60);
    loop {
        let events = healthy.events();
        if events
            .iter()
            .any(|e| e.body["data"]["qosStatus"] == "AVAILABLE")
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the healthy sink's AVAILABLE never arrived: {events:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    (started.elapsed(), h.sandbox.stats())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_healthy_sink_is_notified_behind_1030_refusing_sinks() {
    let (took, stats) = healthy_delay_behind(false).await;
    eprintln!(
        "healthy sink's AVAILABLE {took:?} after activation, behind {DEAD_SINKS} refusing sinks"
    );
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert_eq!(stats.notifications_dropped, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_healthy_sink_is_notified_behind_1030_silent_sinks() {
    let (took, stats) = healthy_delay_behind(true).await;
    eprintln!(
        "healthy sink's AVAILABLE {took:?} after activation, behind {DEAD_SINKS} silent sinks"
    );
    // Each silent sink's first attempt holds a healthy-lane slot for its whole timeout (3 s), once
    // (512 slots: two rounds for 1,030 sinks);
    // after that they wait in the failing lane.
    assert!(took < Duration::from_secs(20), "{took:?}");
    assert_eq!(stats.notifications_dropped, 0);
}
