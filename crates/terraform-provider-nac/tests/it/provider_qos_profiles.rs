//! QoS profiles from the network (issue 19): the `nac_qos_profiles` data source, and plans of
//! `nac_qod_session` checked against the network's list, read once per provider process; NaC's
//! built-in list, with warnings, where the network does not serve the QoS Profiles API.

use nac_api::profiles::{builtin_profile, ProfileDuration, QosProfile};
use nac_testkit::terraform::{Harness, TfOutput};
use serde_json::Value as Json;

const DATA: &str = r#"
data "nac_qos_profiles" "all" {}

data "nac_qos_profiles" "qos_l" {
  name   = "QOS_L"
  status = "ACTIVE"
}

output "count" {
  value = length(data.nac_qos_profiles.all.profiles)
}
output "source" {
  value = data.nac_qos_profiles.all.source
}
output "qos_l" {
  value = data.nac_qos_profiles.qos_l.profiles[0]
}
"#;

/// Terraform wraps messages at 78 columns: compare with whitespace collapsed.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn outputs(tf: &Harness) -> Json {
    let out = tf.terraform(&["output", "-json"]).assert_success();
    serde_json::from_str(&out.stdout).expect("outputs as JSON")
}

fn session(profile: &str, duration: i64) -> String {
    format!(
        r#"
resource "nac_qod_session" "s" {{
  profile      = "{profile}"
  service_ipv4 = "233.252.0.9"
  duration     = {duration}
  device {{
    network_access_identifier = "profiles@testcsp.net"
  }}
}}
"#
    )
}

#[track_caller]
fn assert_error_at(tf: &Harness, plan: &TfOutput, summary: &str, message: &str, line_of: &str) {
    let output = plan.output();
    assert!(!plan.success(), "{output}");
    assert!(output.contains(&format!("Error: {summary}")), "{output}");
    assert!(
        flat(&output).contains(&flat(message)),
        "{message}:\n{output}"
    );
    let at_line = format!("on main.tf line {}", tf.line_of(line_of));
    assert!(output.contains(&at_line), "{at_line}:\n{output}");
}

#[test]
fn the_data_source_lists_the_networks_profiles() {
    let tf = Harness::start();
    tf.write_config(DATA);
    let apply = tf.apply();
    assert!(
        !apply.output().contains("built-in list"),
        "{}",
        apply.output()
    );
    let out = outputs(&tf);
    assert_eq!(out["count"]["value"], 13);
    assert_eq!(out["source"]["value"], "network");
    let qos_l = &out["qos_l"]["value"];
    assert_eq!(qos_l["name"], "QOS_L");
    assert_eq!(qos_l["status"], "ACTIVE");
    assert_eq!(qos_l["min_duration"], 1);
    assert_eq!(qos_l["max_duration"], 86_400);
    assert_eq!(qos_l["target_min_downstream_rate_bps"], 100_000_000);
    assert_eq!(qos_l["packet_delay_budget_ms"], 100);
    let requests = tf.stats().profile_requests;
    println!("data sources over the network: {requests} profiles request(s) for two data sources");
    assert_eq!(
        requests, 1,
        "two data sources, one list per provider process"
    );
}

#[test]
fn without_the_profiles_api_the_built_in_list_with_a_warning() {
    let tf = Harness::start_with(|c| c.no_profiles_endpoint = true);
    tf.write_config(DATA);
    let apply = tf.apply();
    let output = flat(&apply.output());
    assert!(
        output.contains("Warning: QoS profiles from the built-in list"),
        "{output}"
    );
    assert!(output.contains("answered HTTP 404"), "{output}");
    let out = outputs(&tf);
    assert_eq!(out["count"]["value"], 13);
    assert_eq!(out["source"]["value"], "built-in");
    assert_eq!(out["qos_l"]["value"]["max_duration"], 86_400);
    assert_eq!(tf.stats().profile_requests, 0);

    // A well-formed profile NaC does not know: a warning, not an error, and the plan goes on.
    tf.write_config(&session("QOS_XL", 600));
    let plan = tf.plan_detailed();
    assert_eq!(plan.code, 2, "{}", plan.output());
    let output = flat(&plan.output());
    assert!(
        output.contains("Warning: QoS profile unknown to NaC"),
        "{output}"
    );
    assert!(
        output.contains("\"QOS_XL\" is not one of NaC's profiles"),
        "{output}"
    );
    // A malformed one is still an error.
    tf.write_config(&session("QOS XL", 600));
    assert_error_at(
        &tf,
        &tf.plan(),
        "Invalid profile",
        "3 to 256 characters",
        "QOS XL",
    );
}

/// An operator's own list: `QOS_L` up to an hour, `QOS_M` deprecated, and a `QOS_XL` NaC lacks.
fn operator_profiles() -> Vec<QosProfile> {
    let qos_l = QosProfile {
        max_duration: Some(ProfileDuration {
            value: 1,
            unit: "Hours".into(),
        }),
        min_duration: Some(ProfileDuration {
            value: 60,
            unit: "Seconds".into(),
        }),
        ..builtin_profile("QOS_L").unwrap()
    };
    let qos_m = QosProfile {
        status: "DEPRECATED".into(),
        ..builtin_profile("QOS_M").unwrap()
    };
    let qos_xl = QosProfile {
        name: "QOS_XL".into(),
        description: Some("An operator's own profile".into()),
        ..builtin_profile("QOS_L").unwrap()
    };
    vec![qos_l, qos_m, qos_xl]
}

#[test]
fn plans_are_checked_against_the_networks_profiles() {
    let tf = Harness::start_with(|c| c.qos_profiles = Some(operator_profiles()));

    tf.write_config(&session("QOS_L", 7_200));
    assert_error_at(
        &tf,
        &tf.plan(),
        "Invalid duration",
        "QoS profile \"QOS_L\" allows sessions of 60 to 3600 seconds",
        "duration     = 7200",
    );
    tf.write_config(&session("QOS_L", 30));
    assert_error_at(
        &tf,
        &tf.plan(),
        "Invalid duration",
        "60 to 3600 seconds",
        "duration     = 30",
    );
    tf.write_config(&session("QOS_M", 600));
    assert_error_at(
        &tf,
        &tf.plan(),
        "Invalid profile",
        "\"QOS_M\" is DEPRECATED on the network",
        "\"QOS_M\"",
    );
    tf.write_config(&session("QOS_S", 600));
    assert_error_at(
        &tf,
        &tf.plan(),
        "Invalid profile",
        "The network offers no QoS profile \"QOS_S\". Did you mean \"QOS_L\"? Its ACTIVE profiles: QOS_L, QOS_XL.",
        "\"QOS_S\"",
    );
    assert_eq!(tf.sandbox_sessions().len(), 0, "nothing was created");

    // Within the range: planned, and an update past maxDuration fails at plan too.
    tf.write_config(&session("QOS_L", 3_600));
    tf.apply();
    tf.write_config(&session("QOS_L", 3_700));
    assert_error_at(
        &tf,
        &tf.plan(),
        "Invalid duration",
        "60 to 3600 seconds",
        "duration     = 3700",
    );
    // As for any invalid configuration, a destroy plans with a valid one.
    tf.write_config(&session("QOS_L", 3_600));
    tf.destroy();
}

#[test]
fn an_unknown_profile_the_network_does_not_offer_is_an_error_with_a_suggestion() {
    // Was a configuration error (acceptance_validation); now the network's list decides, at plan.
    let tf = Harness::start();
    tf.write_config(&session("DOWNLINK_L_UPLINK_XL", 600));
    assert_error_at(
        &tf,
        &tf.plan(),
        "Invalid profile",
        r#"Did you mean "DOWNLINK_L_UPLINK_L"?"#,
        "DOWNLINK_L_UPLINK_XL",
    );
}

#[test]
fn twenty_sessions_planned_fetch_the_profiles_once() {
    let tf = Harness::start();
    let body: String = (0..20)
        .map(|i| {
            format!(
                r#"
resource "nac_qod_session" "s{i}" {{
  profile      = "QOS_L"
  service_ipv4 = "233.252.0.9"
  duration     = 600
  device {{
    network_access_identifier = "twenty{i}@testcsp.net"
  }}
}}
"#
            )
        })
        .collect();
    tf.write_config(&body);
    let before = tf.stats();
    let plan = tf.plan_detailed();
    assert_eq!(plan.code, 2, "{}", plan.output());
    assert_eq!(plan.plan_counts(), Some((20, 0, 0)), "{}", plan.output());
    let after = tf.stats();
    println!(
        "plan of 20 sessions: {} profiles request(s), {} API requests in all",
        after.profile_requests - before.profile_requests,
        after.requests - before.requests
    );
    assert_eq!(after.profile_requests - before.profile_requests, 1);

    // `skip_profile_validation`: no profiles request; the built-in list still judges the names.
    let provider = tf.provider_hcl().replacen(
        "provider \"nac\" {\n",
        "provider \"nac\" {\n  skip_profile_validation = true\n",
        1,
    );
    tf.write_file(
        "main.tf",
        &(provider + &body.replacen("QOS_L", "QOS_XL", 1)),
    );
    let plan = tf.plan_detailed();
    assert_eq!(plan.code, 2, "{}", plan.output());
    assert!(
        flat(&plan.output()).contains("Warning: QoS profile unknown to NaC"),
        "{}",
        plan.output()
    );
    assert_eq!(tf.stats().profile_requests, after.profile_requests);
}
