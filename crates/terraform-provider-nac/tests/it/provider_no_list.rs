//! Refresh without the list endpoint (issue 16, item 3): NaC dropped `GET /sessions`; the sandbox
//! drops it with `no_list_endpoint`. A no-change plan of 200 sessions at 100 ms per request costs at
//! most about 1.5 times the zero-latency plan, because the sessions the private state remembers are
//! read concurrently; and a session deleted behind Terraform's back is still found gone (its own 404
//! and the device's sessions agreeing), never dropped on the list's word.

use std::time::Instant;

use nac_testkit::terraform::{session_hcl, Harness};
use serde_json::json;

const SESSIONS: usize = 200;

/// Seconds a no-change plan takes (asserted to find nothing to do).
fn no_change_plan_seconds(tf: &Harness) -> f64 {
    let started = Instant::now();
    let plan = tf.plan_detailed();
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(plan.code, 0, "expected no changes:\n{}", plan.output());
    seconds
}

#[test]
fn a_no_change_plan_without_the_list_costs_little_more_at_100_ms() {
    let tf = Harness::start_with(|c| c.no_list_endpoint = true);
    let body: String = (0..SESSIONS)
        .map(|i| session_hcl(&format!("s{i}"), &format!("nolist{i}@testcsp.net"), ""))
        .collect();
    tf.write_config(&body);
    tf.apply();
    // Refreshes that save state let every resource remember the others.
    for _ in 0..2 {
        let refresh = tf.terraform(&[
            "apply",
            "-refresh-only",
            "-auto-approve",
            "-input=false",
            "-no-color",
        ]);
        assert!(refresh.success(), "{}", refresh.output());
    }

    let zero = (0..2)
        .map(|_| no_change_plan_seconds(&tf))
        .fold(f64::MAX, f64::min);
    tf.set_faults(json!({"latency_ms": 100}));
    let slow = (0..2)
        .map(|_| no_change_plan_seconds(&tf))
        .fold(f64::MAX, f64::min);
    tf.set_faults(json!({"latency_ms": 0}));
    println!(
        "no-change plan of {SESSIONS} without the list endpoint: {zero:.2} s at 0 ms, {slow:.2} s at 100 ms ({:.2}x)",
        slow / zero
    );
    assert!(
        slow <= zero * 1.5 + 0.5,
        "{slow:.2} s at 100 ms against {zero:.2} s at 0 ms"
    );

    // Deleted behind Terraform's back: found gone by its own GET and the device's sessions.
    let gone = tf.state_string("nac_qod_session.s7", "id");
    tf.delete_session(&gone);
    let plan = tf.plan_detailed();
    assert_eq!(plan.code, 2, "{}", plan.output());
    assert_eq!(plan.plan_counts(), Some((1, 0, 0)), "{}", plan.output());
    tf.destroy();
}
