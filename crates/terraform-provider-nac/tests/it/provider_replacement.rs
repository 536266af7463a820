//! Replacements and unsettled creates (issue 16, items 8 and 9): with `create_before_destroy` the
//! replacement's create meets NaC's 409 for the session it replaces, and the error explains
//! create_before_destroy instead of advising to import that session; a pending id with two candidate
//! sessions never blocks `terraform destroy` of the other resources.

use chrono::{Duration, Utc};
use nac_api::wire::{format_timestamp, QosStatus};
use nac_testkit::terraform::{session_hcl, Harness, TOKEN};
use serde_json::json;

fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn create_before_destroy_is_explained_not_an_import_of_the_replaced_session() {
    let tf = Harness::start();
    let lifecycle = "lifecycle {\n    create_before_destroy = true\n  }";
    tf.write_config(&session_hcl("a", "cbd@testcsp.net", lifecycle));
    tf.apply();
    let old = tf.state_string("nac_qod_session.a", "id");
    tf.write_config(
        &session_hcl("a", "cbd@testcsp.net", lifecycle)
            .replace("DOWNLINK_L_UPLINK_L", "DOWNLINK_M_UPLINK_M"),
    );
    let apply = tf.try_apply();
    let out = flat(&apply.output());
    assert!(!apply.success(), "{out}");
    assert!(out.contains("create_before_destroy"), "{out}");
    assert!(out.contains(&old), "names the session: {out}");
    assert!(
        !out.contains("terraform import"),
        "no import advice for the replaced session: {out}"
    );
    assert_eq!(
        tf.state_string("nac_qod_session.a", "id"),
        old,
        "the old session is kept"
    );
    tf.destroy();
}

#[test]
fn a_pending_id_with_two_candidates_does_not_block_the_rest_of_a_destroy() {
    const OTHERS: usize = 20;
    let tf = Harness::start_with(|c| c.allow_concurrent_sessions = true);
    let mut body: String = (0..OTHERS)
        .map(|i| session_hcl(&format!("s{i}"), &format!("rest{i}@testcsp.net"), ""))
        .collect();
    body.push_str(&session_hcl("p", "twice@testcsp.net", ""));
    tf.write_config(&body);
    tf.apply();
    let p_id = tf.state_string("nac_qod_session.p", "id");

    // Another identical session for p's device, made by someone else: with p's own, two candidates.
    let from = Utc::now() - Duration::seconds(1);
    let mut candidates = vec![p_id.clone()];
    {
        let url = format!("{}/quality-on-demand/v1/sessions", tf.base_url());
        let created: serde_json::Value = tf.block_on(async {
            reqwest::Client::new()
                .post(url)
                .header("X-RapidAPI-Key", TOKEN)
                .json(&json!({
                    "qosProfile": "DOWNLINK_L_UPLINK_L",
                    "device": {"networkAccessIdentifier": "twice@testcsp.net"},
                    "applicationServer": {"ipv4Address": "233.252.0.9"},
                    "duration": 86400
                }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        });
        candidates.push(created["sessionId"].as_str().unwrap().to_string());
    }
    // p's create became unsettled: its id is a pending window covering both sessions.
    let from = from - Duration::seconds(600);
    let pending = format!(
        "pending:{}/{}",
        format_timestamp(&from),
        format_timestamp(&(Utc::now() + Duration::seconds(1)))
    );
    let path = tf.workdir().join("terraform.tfstate");
    let state = std::fs::read_to_string(&path)
        .unwrap()
        .replace(&p_id, &pending);
    std::fs::write(&path, state).unwrap();

    let destroy = tf.terraform(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    let out = flat(&destroy.output());
    assert!(!destroy.success(), "p cannot be settled: {out}");
    for id in &candidates {
        assert!(out.contains(id), "names candidate {id}: {out}");
    }
    let live: Vec<String> = tf
        .sandbox_sessions()
        .into_iter()
        .filter(|s| s.qos_status != QosStatus::Unavailable)
        .map(|s| s.session_id)
        .collect();
    println!(
        "destroy with an ambiguous pending id: {OTHERS} others deleted: {}, live left: {} (the 2 candidates)",
        live.iter().all(|id| candidates.contains(id)),
        live.len()
    );
    let mut left = live.clone();
    left.sort();
    let mut expected = candidates.clone();
    expected.sort();
    assert_eq!(
        left, expected,
        "every other session deleted, the candidates untouched"
    );
    assert!(tf.state_values("nac_qod_session.s0").is_none());
    assert!(
        tf.state_values("nac_qod_session.p").is_some(),
        "p stays in state"
    );
}
