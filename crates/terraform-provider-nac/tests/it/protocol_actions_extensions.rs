//! Sessions over time (issue 18): the `nac_qod_session_extend` action under Terraform 1.15, and
//! extensions made elsewhere kept by the resource (its `duration` stays as configured,
//! `total_duration` and `expires_at` show the API's), under the Terraform on PATH.

use nac_testkit::api::api_request;
use nac_testkit::terraform::{session_hcl, Harness, TOKEN};
use nac_testkit::tools::Tool;
use reqwest::Method;
use serde_json::{json, Value as Json};

use super::protocol_identity_query::harness_with;

/// Extends a session through the public API, as an application would.
fn extend_via_api(tf: &Harness, id: &str, seconds: i64) -> Json {
    let url = format!(
        "{}/quality-on-demand/v1/sessions/{id}/extend",
        tf.base_url()
    );
    let http = reqwest::Client::new();
    let request = api_request(&http, Method::POST, &url, TOKEN)
        .json(&json!({"requestedAdditionalDuration": seconds}));
    let (status, reply) = tf.block_on(async {
        let response = request.send().await.expect("extend request");
        let status = response.status().as_u16();
        (status, response.json::<Json>().await.expect("JSON reply"))
    });
    assert_eq!(status, 200, "extend through the API: {reply}");
    reply
}

const ACTION: &str = r#"
action "nac_qod_session_extend" "more" {
  config {
    session_id = nac_qod_session.a.id
    seconds    = 300
  }
}
"#;

#[test]
fn the_extend_action_extends_now_with_progress_and_the_next_plan_is_empty() {
    let tf = harness_with(Tool::Terraform115);
    tf.write_config(&format!(
        "{}{ACTION}",
        session_hcl("a", "action@testcsp.net", "duration = 600")
    ));
    tf.apply();
    let id = tf.state_string("nac_qod_session.a", "id");
    let invoke = tf
        .terraform(&[
            "apply",
            "-auto-approve",
            "-no-color",
            "-invoke=action.nac_qod_session_extend.more",
        ])
        .assert_success();
    assert!(
        invoke
            .output()
            .contains(&format!("Extending QoS session {id} by 300 s")),
        "progress: {}",
        invoke.output()
    );
    assert!(
        invoke.output().contains("now lasts 900 s in total"),
        "{}",
        invoke.output()
    );
    assert_eq!(tf.sandbox_session(&id).expect("session").duration, 900);
    let plan = tf.plan_detailed();
    assert_eq!(plan.code, 0, "plan after the action: {}", plan.output());
    tf.terraform(&["apply", "-refresh-only", "-auto-approve", "-no-color"])
        .assert_success();
    let state = tf.state_values("nac_qod_session.a").unwrap();
    assert_eq!(state["duration"], 600);
    assert_eq!(state["total_duration"], 900);
    assert_eq!(tf.state_string("nac_qod_session.a", "id"), id);
}

#[test]
fn the_extend_action_refuses_bad_seconds_at_the_attribute() {
    let tf = harness_with(Tool::Terraform115);
    tf.write_config(&format!(
        "{}{}",
        session_hcl("a", "action-bad@testcsp.net", "duration = 600"),
        ACTION.replace("300", "0")
    ));
    let plan = tf.plan().assert_failure();
    assert!(
        plan.output().contains("Invalid seconds") && plan.output().contains("seconds"),
        "{}",
        plan.output()
    );
}

#[test]
fn an_extension_made_elsewhere_is_kept_and_a_decrease_still_replaces() {
    let tf = Harness::start();
    tf.write_config(&session_hcl(
        "a",
        "app-extends@testcsp.net",
        "duration = 600",
    ));
    tf.apply();
    let id = tf.state_string("nac_qod_session.a", "id");
    let extended = extend_via_api(&tf, &id, 300);

    let plan = tf.plan_detailed();
    assert_eq!(
        plan.code,
        0,
        "an extension made elsewhere: {}",
        plan.output()
    );
    tf.terraform(&["apply", "-refresh-only", "-auto-approve", "-no-color"])
        .assert_success();
    let state = tf.state_values("nac_qod_session.a").unwrap();
    assert_eq!(state["duration"], 600, "the configured duration stays");
    assert_eq!(state["total_duration"], 900);
    let api_expiry = tf.sandbox_session(&id).unwrap().expires_at.unwrap();
    assert_eq!(
        state["expires_at"],
        nac_api::wire::format_timestamp(&api_expiry),
        "expires_at is the real expiry ({extended})"
    );

    // More than the actual total: extended in place by the difference from the total.
    tf.write_config(&session_hcl(
        "a",
        "app-extends@testcsp.net",
        "duration = 1200",
    ));
    let apply = tf.apply();
    assert!(
        apply.stdout.contains("0 added, 1 changed, 0 destroyed"),
        "{}",
        apply.stdout
    );
    assert_eq!(tf.sandbox_session(&id).unwrap().duration, 1200);
    assert_eq!(tf.plan_detailed().code, 0);

    // Less than configured: a new session, as before.
    tf.write_config(&session_hcl(
        "a",
        "app-extends@testcsp.net",
        "duration = 500",
    ));
    let plan = tf.plan().assert_success();
    assert_eq!(plan.plan_counts(), Some((1, 0, 1)), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("forces replacement"),
        "{}",
        plan.stdout
    );
}
