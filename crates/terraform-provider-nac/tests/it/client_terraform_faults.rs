//! The client's reliability seen through the real `terraform` binary: with 20 % of requests failing
//! (500/503/429) and 10 % of creates answered 502/504 after the session was stored, an apply of 30
//! sessions succeeds with exactly 30 sessions in the sandbox, all in state, and destroy empties it.

use std::collections::HashSet;

use nac_testkit::terraform::{session_hcl, Harness};
use serde_json::json;

const SESSIONS: usize = 30;

#[test]
fn apply_and_destroy_of_30_sessions_under_faults_leave_no_duplicate_and_no_orphan() {
    let tf = Harness::start();
    let body: String = (0..SESSIONS)
        .map(|i| session_hcl(&format!("s{i}"), &format!("device{i}@testcsp.net"), ""))
        .collect();
    tf.write_config(&body);
    tf.set_faults(
        json!({"latency_ms": 0, "error_rate": 0.2, "error_statuses": [500, 503, 429],
                         "post_commit_error_rate": 0.1}),
    );

    let apply = tf.apply();
    assert!(
        apply
            .stdout
            .contains(&format!("{SESSIONS} added, 0 changed, 0 destroyed")),
        "{}",
        apply.output()
    );
    let after_apply = tf.stats();
    let stored: HashSet<String> = tf
        .sandbox_sessions()
        .into_iter()
        .map(|s| s.session_id)
        .collect();
    let in_state: HashSet<String> = (0..SESSIONS)
        .map(|i| tf.state_string(&format!("nac_qod_session.s{i}"), "id"))
        .collect();
    println!(
        "apply of {SESSIONS} under faults: {} API requests, {} faults injected, {} post-commit 502/504; \
         {} sessions in the sandbox, {} distinct ids in state",
        after_apply.requests,
        after_apply.faults_injected,
        after_apply.post_commit_faults,
        stored.len(),
        in_state.len()
    );
    assert_eq!(stored.len(), SESSIONS, "sessions in the sandbox");
    assert_eq!(in_state, stored, "state and sandbox hold the same sessions");
    assert!(after_apply.faults_injected > 0);

    let destroy = tf.destroy();
    assert!(
        destroy.stdout.contains(&format!("{SESSIONS} destroyed")),
        "{}",
        destroy.output()
    );
    let after_destroy = tf.stats();
    println!(
        "destroy under faults: {} API requests, {} faults injected",
        after_destroy.requests - after_apply.requests,
        after_destroy.faults_injected - after_apply.faults_injected
    );
    assert!(
        tf.sandbox_sessions().is_empty(),
        "destroy left sessions behind"
    );
}
