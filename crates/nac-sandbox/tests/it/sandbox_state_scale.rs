//! The state file at scale: with 100,000 sessions held, a write costs what changed, not the whole store.
//! Measures the latency of sequential creates (each waits for its own durable write) on a small store
//! and on a 100,000-session store, and the size of the file.

use std::sync::Arc;
use std::time::{Duration, Instant};

use nac_sandbox::SandboxConfig;
use nac_testkit::api::*;

const HELD: usize = 100_000;
const SAMPLE: usize = 200;

/// Median latency of `SAMPLE` sequential creates.
async fn median_create(h: &Harness, tag: usize) -> Duration {
    let mut took = Vec::with_capacity(SAMPLE);
    for i in 0..SAMPLE {
        let started = Instant::now();
        h.create(&create_body(&format!("+3665{tag}{i:06}"))).await;
        took.push(started.elapsed());
    }
    took.sort();
    took[SAMPLE / 2]
}

// ~1 minute: a named lane rather than every `cargo test`. CI runs it (.ci/run, lane "scale"):
//   cargo test -p nac-sandbox --test it -- --ignored sandbox_state_scale::
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the scale lane: cargo test -p nac-sandbox --test it -- --ignored sandbox_state_scale::"]
async fn a_write_costs_what_changed_at_100_000_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.redb");
    let h = Arc::new(
        start_with(SandboxConfig {
            state_file: Some(state.clone()),
            max_sessions_per_key: None,
            max_stored_sessions: None,
            max_stored_bytes: None,
            ..config()
        })
        .await,
    );
    let small = median_create(&h, 1).await;

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    const CLIENTS: usize = 64;
    for c in 0..CLIENTS {
        let h = h.clone();
        tasks.spawn(async move {
            for i in (c..HELD).step_by(CLIENTS) {
                h.create(&create_body(&format!("+3666{i:07}"))).await;
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let load = started.elapsed();
    let large = median_create(&h, 2).await;
    let bytes = std::fs::metadata(&state).unwrap().len();
    eprintln!(
        "state file: median durable create {small:?} with {SAMPLE} sessions held, {large:?} with {} held; \
         {HELD} concurrent creates in {load:?} ({:.0}/s); file {} MB",
        HELD + SAMPLE,
        HELD as f64 / load.as_secs_f64(),
        bytes / 1_000_000
    );
    // Independent of the store's size (whole-store rewrites would be ~500x slower here).
    assert!(
        large < small * 4 + Duration::from_millis(5),
        "{small:?} vs {large:?}"
    );

    // And it loads back, every record checked.
    let h = Arc::into_inner(h).unwrap();
    h.sandbox.shutdown().await;
    let started = Instant::now();
    let h = start_with(SandboxConfig {
        state_file: Some(state),
        max_sessions_per_key: None,
        ..config()
    })
    .await;
    eprintln!(
        "loaded {} sessions in {:?}",
        HELD + 2 * SAMPLE,
        started.elapsed()
    );
    let (_, all) = h
        .call_json(reqwest::Method::GET, "/quality-on-demand/v1/sessions", None)
        .await;
    assert_eq!(all.as_array().unwrap().len(), HELD + 2 * SAMPLE);
}
