//! Adoption windows on the API's clock (issue 16, items 4 and 5): with the API's clock 30 s ahead of
//! ours and half the create replies lost after the session was stored, every resource ends with its own
//! session and none is orphaned, under NaC's rules and with concurrent sessions allowed. The sandbox
//! sends `Date` from its own (moved) clock; the provider measures the offset from it.

use std::collections::HashSet;

use nac_api::wire::QosStatus;
use nac_testkit::terraform::{session_hcl, Harness};
use serde_json::json;

const RESOURCES: usize = 30;

fn run(concurrent: bool) {
    let tf = Harness::start_with(|c| c.allow_concurrent_sessions = concurrent);
    tf.advance_clock(30);
    tf.set_faults(json!({"post_commit_error_rate": 0.5}));
    let body: String = (0..RESOURCES)
        .map(|i| session_hcl(&format!("s{i}"), &format!("skew{i}@testcsp.net"), ""))
        .collect();
    tf.write_config(&body);
    let mut runs = 0;
    loop {
        runs += 1;
        if tf.try_apply().success() {
            break;
        }
        assert!(runs < 6, "apply never succeeded");
        if runs == 3 {
            tf.set_faults(json!({"post_commit_error_rate": 0.0}));
        }
    }
    let state: HashSet<String> = (0..RESOURCES)
        .map(|i| tf.state_string(&format!("nac_qod_session.s{i}"), "id"))
        .collect();
    let live: HashSet<String> = tf
        .sandbox_sessions()
        .into_iter()
        .filter(|s| s.qos_status != QosStatus::Unavailable)
        .map(|s| s.session_id)
        .collect();
    let orphaned = live.difference(&state).count();
    println!(
        "API clock +30 s, half the create replies lost (concurrent sessions {concurrent}): {runs} apply run(s); \
         sessions expected {RESOURCES} / found {} / shared {} / orphaned {orphaned}",
        live.len(),
        RESOURCES - state.len()
    );
    assert_eq!(state.len(), RESOURCES, "no two resources share a session");
    assert_eq!(orphaned, 0, "no live session outside the state");
    assert_eq!(live, state);
    tf.set_faults(json!({"post_commit_error_rate": 0.0}));
    tf.destroy();
}

#[test]
fn an_api_clock_30_s_ahead_orphans_nothing_under_nac_rules() {
    run(false);
}

#[test]
fn an_api_clock_30_s_ahead_orphans_nothing_with_concurrent_sessions() {
    run(true);
}
