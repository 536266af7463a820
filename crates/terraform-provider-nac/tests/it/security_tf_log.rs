//! Secrets stay secret at every log level: a `TF_LOG=trace` run of plan, apply and destroy, and the
//! output of a failing apply, contain neither the API token nor the sink access token.

use nac_testkit::terraform::{Harness, TOKEN};
use serde_json::json;

const SINK_TOKEN: &str = "sink-access-token-5f2c9e";

fn session_with_sink(name: &str, nai: &str) -> String {
    format!(
        r#"
resource "nac_qod_session" "{name}" {{
  profile      = "QOS_L"
  service_ipv4 = "233.252.0.9"
  duration     = 600
  device {{ network_access_identifier = "{nai}" }}
  sink = "https://example.com/notify"
  sink_credential {{
    access_token            = "{SINK_TOKEN}"
    access_token_expires_at = "2030-01-01T00:00:00Z"
  }}
}}
"#
    )
}

#[track_caller]
fn assert_no_secret(what: &str, text: &str) {
    assert!(!text.is_empty(), "{what}: no output captured");
    for secret in [TOKEN, SINK_TOKEN] {
        if let Some(at) = text.find(secret) {
            let start = text[..at]
                .char_indices()
                .rev()
                .nth(200)
                .map_or(0, |(i, _)| i);
            panic!("{what} leaks a secret near: …{}…", &text[start..at]);
        }
    }
}

#[test]
fn trace_logs_of_plan_apply_and_destroy_hold_no_secret() {
    let mut tf = Harness::start();
    tf.env.push(("TF_LOG".into(), "trace".into()));
    tf.write_config(&session_with_sink("a", "secret-test@testcsp.net"));

    let plan = tf.plan();
    assert_no_secret("plan", &plan.output());
    // A trace run really is a trace run: the provider's own lines are in it.
    assert!(
        plan.stderr.contains("[TRACE]"),
        "TF_LOG=trace produced no trace lines"
    );

    let apply = tf.apply();
    assert_no_secret("apply", &apply.output());
    assert!(
        apply.stderr.contains("nac.") || apply.stderr.contains("provider.terraform-provider-nac"),
        "the provider's own log lines are missing from the trace"
    );
    let destroy = tf.destroy();
    assert_no_secret("destroy", &destroy.output());
    assert!(tf.sandbox_sessions().is_empty());
}

#[test]
fn a_failing_apply_shows_no_secret() {
    let mut tf = Harness::start();
    tf.env.push(("TF_LOG".into(), "debug".into()));
    tf.write_config(&format!(
        "{}{}",
        session_with_sink("ok", "fail-a@testcsp.net"),
        session_with_sink("also", "fail-b@testcsp.net")
    ));
    // Every request fails: the apply errors out after its retries.
    tf.set_faults(json!({"latency_ms": 0, "error_rate": 1.0, "error_statuses": [500], "post_commit_error_rate": 0.0}));
    let apply = tf.try_apply().assert_failure();
    assert!(apply.output().contains("HTTP 500"), "{}", apply.output());
    assert_no_secret("failing apply", &apply.output());
}
