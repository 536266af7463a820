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

/// `renew_before`: with the sandbox's clock moved 14.4 h at a time, each plan inside the window shows
/// an in-place update that extends the session back to a day remaining; five renewals cover three
/// simulated days with the same session, never ended. Outside the window a plan changes nothing and
/// sends no request beyond the refresh.
#[test]
fn a_session_is_renewed_in_place_five_times_across_three_simulated_days() {
    let tf = Harness::start();
    let hcl = session_hcl(
        "a",
        "renewed@testcsp.net",
        "duration     = 86400\n  renew_before = 43200",
    );
    tf.write_config(&hcl);
    tf.apply();
    let id = tf.state_string("nac_qod_session.a", "id");

    // Outside the window: nothing planned, and no more requests than a refresh.
    let before = tf.request_count();
    tf.terraform(&["apply", "-refresh-only", "-auto-approve", "-no-color"])
        .assert_success();
    let refresh = tf.request_count() - before;
    let before = tf.request_count();
    let plan = tf.plan_detailed();
    assert_eq!(plan.code, 0, "outside the window: {}", plan.output());
    assert_eq!(
        tf.request_count() - before,
        refresh,
        "requests of a plan outside the window"
    );

    let step = 51_840; // 14.4 h: 9.6 h left, inside the 12 h window
    for renewal in 1..=5_i64 {
        tf.advance_clock(step as u64);
        let plan = tf.plan().assert_success();
        assert_eq!(
            plan.plan_counts(),
            Some((0, 1, 0)),
            "renewal {renewal}: {}",
            plan.stdout
        );
        tf.apply();
        let session = tf.sandbox_session(&id).expect("the same session");
        assert_eq!(
            session.qos_status.as_str(),
            "AVAILABLE",
            "renewal {renewal}"
        );
        // Back to a day remaining (the API's cap), give or take the real seconds the commands took.
        let clock = tf.block_on(tf.admin.call_ok(Method::GET, "/clock", None));
        let now = chrono::DateTime::parse_from_rfc3339(clock["now"].as_str().unwrap()).unwrap();
        let left = (session.expires_at.unwrap() - now.with_timezone(&chrono::Utc)).num_seconds();
        assert!(
            (86_400 - 30..=86_400).contains(&left),
            "renewal {renewal}: {left} s left, total {} s",
            session.duration
        );
        assert!(
            session.duration >= 86_400 + renewal * step,
            "renewal {renewal}"
        );
        assert_eq!(tf.state_string("nac_qod_session.a", "id"), id);
        let plan = tf.plan_detailed();
        assert_eq!(plan.code, 0, "after renewal {renewal}: {}", plan.output());
    }
    let state = tf.state_values("nac_qod_session.a").unwrap();
    assert_eq!(state["duration"], 86_400, "the configured duration stays");
    assert!(
        state["total_duration"].as_i64().unwrap() > 3 * 86_400 - 3,
        "{state}"
    );
    tf.destroy();
}

#[test]
fn a_negative_renewal_window_is_refused_at_the_attribute() {
    let tf = Harness::start();
    tf.write_config(&session_hcl("a", "neg@testcsp.net", "renew_before = -5"));
    let plan = tf.plan().assert_failure();
    assert!(
        plan.output().contains("Invalid renew_before"),
        "{}",
        plan.output()
    );
}

/// An expired session the API has forgotten (404 after NaC's 360 s retention) stays in state as
/// ended: the plan replaces it and says it expired; destroying it succeeds.
#[test]
fn an_expired_session_the_api_forgot_is_replaced_and_the_plan_says_it_expired() {
    let tf = Harness::start();
    tf.write_config(&session_hcl("a", "forgotten@testcsp.net", "duration = 60"));
    tf.apply();
    let id = tf.state_string("nac_qod_session.a", "id");
    tf.advance_clock(60 + 400);
    assert!(
        tf.sandbox_session(&id).is_none(),
        "the sandbox still knows {id}"
    );

    let plan = tf.plan().assert_success();
    assert_eq!(plan.plan_counts(), Some((1, 0, 1)), "{}", plan.output());
    let output = plan
        .output()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        output.contains("QoS session ended") && output.contains("DURATION_EXPIRED"),
        "{output}"
    );
    tf.terraform(&["apply", "-refresh-only", "-auto-approve", "-no-color"])
        .assert_success();
    let state = tf.state_values("nac_qod_session.a").expect("kept in state");
    assert_eq!(state["id"], id.as_str());
    assert_eq!(state["status"], "UNAVAILABLE");
    tf.destroy();
    assert!(tf.state_values("nac_qod_session.a").is_none());
}
