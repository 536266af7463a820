//! Acceptance tests: the real `terraform` binary drives the provider built by cargo against a sandbox
//! started per test. Apply, no-change plans, drift (deleted, expired, terminated sessions), in-place
//! extend, replacement, import, destroy, the data source, and create failures.

use nac_testkit::terraform::{session_hcl, Harness, TOKEN};

/// The seed example of the NaC docs, one to one: a device with NAI, NAT'ed IPv4 and phone number,
/// DOWNLINK_L_UPLINK_L, both service addresses, 3600 s, ports as a list and as a range. The sink is a
/// closed loopback port so the sandbox's notifications fail fast.
const SEED: &str = r#"
resource "nac_qod_session" "seed" {
  profile      = "DOWNLINK_L_UPLINK_L"
  service_ipv4 = "233.252.0.9"
  service_ipv6 = "2001:db8:1234:5678:9abc:def0:fedc:ba98"
  duration     = 3600

  device {
    network_access_identifier = "device@testcsp.net"
    phone_number              = "+36721601234567"
    ipv6_address              = "2001:db8::2"
    ipv4_address {
      public_address  = "233.252.0.2"
      private_address = "192.0.2.25"
      public_port     = 80
    }
  }

  service_ports {
    ports  = [8080]
    ranges = [{ start = 80, end = 443 }]
  }
  device_ports { ports = [20000] }

  sink = "https://127.0.0.1:9/notify"
  sink_credential {
    access_token            = "sink-secret-token"
    access_token_expires_at = "2030-01-01T00:00:00Z"
  }
}
"#;

#[track_caller]
fn assert_no_changes(tf: &Harness) {
    let plan = tf.plan_detailed();
    assert_eq!(plan.code, 0, "expected an empty plan:\n{}", plan.output());
}

#[test]
fn apply_creates_an_available_session_and_a_second_plan_is_empty() {
    let tf = Harness::start();
    tf.write_config(SEED);
    let apply = tf.apply();
    assert!(
        apply.stdout.contains("1 added, 0 changed, 0 destroyed"),
        "{}",
        apply.stdout
    );

    let state = tf.state_values("nac_qod_session.seed").expect("in state");
    assert_eq!(state["status"], "AVAILABLE");
    assert_eq!(state["status_info"], serde_json::Value::Null);
    assert_eq!(state["duration"], 3600);
    let id = state["id"].as_str().unwrap();
    let sessions = tf.sandbox_sessions();
    assert_eq!(sessions.len(), 1);
    let session = &sessions[0];
    assert_eq!(session.session_id, id);
    assert_eq!(session.qos_profile, "DOWNLINK_L_UPLINK_L");
    assert_eq!(session.duration, 3600);
    let device = session.device.as_ref().unwrap();
    assert_eq!(device.phone_number.as_deref(), Some("+36721601234567"));
    assert_eq!(device.ipv4_address.as_ref().unwrap().public_port, Some(80));
    let ports = session.application_server_ports.as_ref().unwrap();
    assert_eq!(ports.ports, Some(vec![8080]));
    assert_eq!(ports.ranges.as_ref().unwrap()[0].to, 443);
    // The timestamps in state are the API's.
    assert_eq!(
        state["expires_at"].as_str().unwrap(),
        nac_api::wire::format_timestamp(&session.expires_at.unwrap())
    );

    assert_no_changes(&tf);
    // The sink token is in state (sensitive) but never in Terraform's output.
    assert!(!apply.output().contains("sink-secret-token"));
    assert!(!apply.output().contains(TOKEN));
}

#[test]
fn data_source_lists_the_sessions_of_a_device() {
    // Two live sessions for one device: only where the API allows it (NaC answers 409).
    let tf = Harness::start_with(|c| c.allow_concurrent_sessions = true);
    let config = format!(
        "{}{}{}{}",
        session_hcl("a", "alice@testcsp.net", r#"duration = 600"#),
        session_hcl("b", "alice@testcsp.net", r#"duration = 900"#),
        session_hcl("other", "bob@testcsp.net", ""),
        r#"
data "nac_device_sessions" "alice" {
  device { network_access_identifier = "alice@testcsp.net" }
  depends_on = [nac_qod_session.a, nac_qod_session.b, nac_qod_session.other]
}

data "nac_device_sessions" "nobody" {
  device { phone_number = "+3610000000" }
}

output "alice_ids" { value = data.nac_device_sessions.alice.sessions[*].id }
output "nobody" { value = length(data.nac_device_sessions.nobody.sessions) }
"#
    );
    tf.write_config(&config);
    tf.apply();

    let listed = tf.state_values("data.nac_device_sessions.alice").unwrap();
    let sessions = listed["sessions"].as_array().unwrap();
    let mut listed_ids: Vec<&str> = sessions.iter().map(|s| s["id"].as_str().unwrap()).collect();
    listed_ids.sort();
    let mut expected = vec![
        tf.state_string("nac_qod_session.a", "id"),
        tf.state_string("nac_qod_session.b", "id"),
    ];
    expected.sort();
    assert_eq!(listed_ids, expected);
    for s in sessions {
        assert_eq!(s["status"], "AVAILABLE");
        assert_eq!(s["profile"], "DOWNLINK_L_UPLINK_L");
        assert_eq!(s["service_ipv4"], "233.252.0.9");
        assert!(s["expires_at"].as_str().unwrap().ends_with('Z'));
        assert!(s["duration"] == 600 || s["duration"] == 900);
    }
    // A device without sessions (NaC answers 404) is an empty list.
    let nobody = tf.state_values("data.nac_device_sessions.nobody").unwrap();
    assert_eq!(nobody["sessions"], serde_json::json!([]));
}

#[test]
fn a_session_deleted_outside_terraform_is_created_again() {
    let tf = Harness::start();
    tf.write_config(&session_hcl("a", "drift@testcsp.net", ""));
    tf.apply();
    let old_id = tf.state_string("nac_qod_session.a", "id");
    tf.delete_session(&old_id);

    let plan = tf.plan_detailed();
    assert_eq!(plan.code, 2, "{}", plan.output());
    assert_eq!(plan.plan_counts(), Some((1, 0, 0)), "{}", plan.stdout);
    tf.apply();
    let new_id = tf.state_string("nac_qod_session.a", "id");
    assert_ne!(new_id, old_id);
    assert_eq!(tf.sandbox_sessions().len(), 1);
    assert_no_changes(&tf);
}

#[test]
fn an_expired_session_is_replaced_and_the_plan_says_why() {
    let tf = Harness::start();
    tf.write_config(&session_hcl("a", "expiry@testcsp.net", "duration = 60"));
    tf.apply();
    let old_id = tf.state_string("nac_qod_session.a", "id");
    tf.advance_clock(120);
    assert_eq!(
        tf.sandbox_session(&old_id).unwrap().qos_status,
        nac_api::wire::QosStatus::Unavailable
    );

    let plan = tf.plan_detailed();
    assert_eq!(plan.code, 2, "{}", plan.output());
    assert_eq!(plan.plan_counts(), Some((1, 0, 1)), "{}", plan.stdout);
    let output = plan.output();
    assert!(output.contains("DURATION_EXPIRED"), "{output}");
    assert!(output.contains("must be replaced"), "{output}");

    tf.apply();
    let new_id = tf.state_string("nac_qod_session.a", "id");
    assert_ne!(new_id, old_id);
    assert_eq!(tf.state_string("nac_qod_session.a", "status"), "AVAILABLE");
    assert_no_changes(&tf);
}

#[test]
fn a_session_terminated_by_the_network_is_replaced() {
    let tf = Harness::start();
    tf.write_config(&session_hcl("a", "terminated@testcsp.net", ""));
    tf.apply();
    let old_id = tf.state_string("nac_qod_session.a", "id");
    tf.terminate(&old_id);

    let plan = tf.plan_detailed();
    assert_eq!(plan.code, 2, "{}", plan.output());
    assert_eq!(plan.plan_counts(), Some((1, 0, 1)), "{}", plan.stdout);
    assert!(
        plan.output().contains("NETWORK_TERMINATED"),
        "{}",
        plan.output()
    );

    tf.apply();
    assert_ne!(tf.state_string("nac_qod_session.a", "id"), old_id);
    // The ended session was deleted by the replacement; only the new one is left.
    assert_eq!(tf.sandbox_sessions().len(), 1);
}

#[test]
fn increasing_duration_extends_the_session_in_place() {
    let tf = Harness::start();
    tf.write_config(&session_hcl("a", "extend@testcsp.net", "duration = 600"));
    tf.apply();
    let id = tf.state_string("nac_qod_session.a", "id");
    let expires_before = tf.state_string("nac_qod_session.a", "expires_at");

    tf.write_config(&session_hcl("a", "extend@testcsp.net", "duration = 1200"));
    let plan = tf.plan_detailed();
    assert_eq!(plan.code, 2);
    assert_eq!(plan.plan_counts(), Some((0, 1, 0)), "{}", plan.stdout);
    assert!(plan.stdout.contains("updated in-place"), "{}", plan.stdout);

    tf.apply();
    assert_eq!(tf.state_string("nac_qod_session.a", "id"), id);
    let expires_after = tf.state_string("nac_qod_session.a", "expires_at");
    let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap();
    assert_eq!(
        (parse(&expires_after) - parse(&expires_before)).num_seconds(),
        600
    );
    let session = tf.sandbox_session(&id).unwrap();
    assert_eq!(session.duration, 1200);
    assert_eq!(tf.sandbox_sessions().len(), 1);
    assert_no_changes(&tf);
}

#[test]
fn changes_other_than_a_duration_increase_force_a_new_session() {
    let tf = Harness::start();
    tf.write_config(&session_hcl("a", "replace@testcsp.net", "duration = 1200"));
    tf.apply();
    let first = tf.state_string("nac_qod_session.a", "id");

    // Another profile.
    tf.write_config(
        &session_hcl("a", "replace@testcsp.net", "duration = 1200")
            .replace("DOWNLINK_L_UPLINK_L", "QOS_M"),
    );
    let plan = tf.plan_detailed();
    assert_eq!(plan.plan_counts(), Some((1, 0, 1)), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("forces replacement"),
        "{}",
        plan.stdout
    );
    tf.apply();
    let second = tf.state_string("nac_qod_session.a", "id");
    assert_ne!(second, first);
    assert_eq!(tf.sandbox_session(&second).unwrap().qos_profile, "QOS_M");
    assert!(
        tf.sandbox_session(&first).is_none(),
        "the old session is deleted"
    );

    // A shorter duration cannot be done in place either.
    tf.write_config(
        &session_hcl("a", "replace@testcsp.net", "duration = 600")
            .replace("DOWNLINK_L_UPLINK_L", "QOS_M"),
    );
    let plan = tf.plan_detailed();
    assert_eq!(plan.plan_counts(), Some((1, 0, 1)), "{}", plan.stdout);
    tf.apply();
    assert_ne!(tf.state_string("nac_qod_session.a", "id"), second);
    assert_eq!(tf.sandbox_sessions().len(), 1);
    assert_no_changes(&tf);
}

/// Creates the seed session through the API, as another client would, and returns its id.
fn create_outside_terraform(tf: &Harness, with_sink: bool) -> String {
    let mut body: serde_json::Value = serde_json::from_str(include_str!(
        "../../../nac-api/tests/fixtures/qod/requests/create_nac_full.json"
    ))
    .unwrap();
    let fields = body.as_object_mut().unwrap();
    fields.remove("sink");
    fields.remove("sinkCredential");
    if with_sink {
        body["sink"] = "https://127.0.0.1:9/notify".into();
        body["sinkCredential"] = serde_json::json!({"credentialType": "ACCESSTOKEN", "accessToken": "sink-secret-token",
            "accessTokenExpiresUtc": "2030-01-01T00:00:00Z", "accessTokenType": "bearer"});
    }
    let url = format!("{}/quality-on-demand/v1/sessions", tf.base_url());
    let session: serde_json::Value = tf.runtime.block_on(async {
        let response = reqwest::Client::new()
            .post(url)
            .header("X-RapidAPI-Key", TOKEN)
            .header("X-RapidAPI-Host", "network-as-code.nokia.rapidapi.com")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
        response.json().await.unwrap()
    });
    session["sessionId"].as_str().unwrap().to_string()
}

fn seed_without_sink() -> String {
    let start = SEED.find("  sink =").unwrap();
    let end = SEED.rfind("  }\n}").unwrap() + 4;
    format!("{}{}", &SEED[..start], &SEED[end..])
}

#[test]
fn import_by_cli_then_the_plan_is_empty() {
    let tf = Harness::start();
    let id = create_outside_terraform(&tf, false);
    tf.write_config(&seed_without_sink());
    tf.terraform(&[
        "import",
        "-input=false",
        "-no-color",
        "nac_qod_session.seed",
        &id,
    ])
    .assert_success();
    assert_eq!(tf.state_string("nac_qod_session.seed", "id"), id);
    assert_no_changes(&tf);

    // An unknown id is a clear error.
    tf.terraform(&["state", "rm", "nac_qod_session.seed"])
        .assert_success();
    let bad = tf
        .terraform(&[
            "import",
            "-input=false",
            "-no-color",
            "nac_qod_session.seed",
            "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        ])
        .assert_failure();
    assert!(
        bad.output().contains("no QoS session with id"),
        "{}",
        bad.output()
    );
}

#[test]
fn import_block_plans_nothing_but_the_import_then_the_plan_is_empty() {
    let tf = Harness::start();
    let id = create_outside_terraform(&tf, false);
    tf.write_config(&format!(
        "import {{\n  to = nac_qod_session.seed\n  id = \"{id}\"\n}}\n{}",
        seed_without_sink()
    ));
    let plan = tf.plan();
    assert!(plan.success(), "{}", plan.output());
    assert!(
        plan.stdout
            .contains("1 to import, 0 to add, 0 to change, 0 to destroy"),
        "{}",
        plan.stdout
    );
    tf.apply();
    assert_eq!(tf.state_string("nac_qod_session.seed", "id"), id);
    assert_eq!(
        tf.stats().sessions_created,
        1,
        "only the session created outside"
    );
    assert_no_changes(&tf);
}

#[test]
fn import_block_then_the_plan_is_empty_and_the_secret_does_not_force_replacement() {
    let tf = Harness::start();
    let id = create_outside_terraform(&tf, true);
    tf.write_config(&format!(
        "import {{\n  to = nac_qod_session.seed\n  id = \"{id}\"\n}}\n{SEED}"
    ));
    let plan = tf.plan();
    assert!(plan.success(), "{}", plan.output());
    // The access token the API never returns is recorded in place, not by a new session.
    assert!(
        plan.stdout
            .contains("1 to import, 0 to add, 1 to change, 0 to destroy"),
        "{}",
        plan.stdout
    );
    let requests_before = tf.stats().sessions_created;
    tf.apply();
    assert_eq!(
        tf.stats().sessions_created,
        requests_before,
        "no new session"
    );
    assert_eq!(tf.state_string("nac_qod_session.seed", "id"), id);
    assert_no_changes(&tf);

    // Once recorded, changing the token does need a new session.
    tf.write_config(&SEED.replace("sink-secret-token", "rotated-token"));
    let plan = tf.plan_detailed();
    assert_eq!(plan.plan_counts(), Some((1, 0, 1)), "{}", plan.stdout);
}

#[test]
fn destroy_leaves_the_sandbox_empty_even_when_a_session_is_already_gone() {
    let tf = Harness::start();
    let config: String = ["a", "b", "c"]
        .iter()
        .map(|n| session_hcl(n, &format!("{n}@testcsp.net"), ""))
        .collect();
    tf.write_config(&config);
    tf.apply();
    assert_eq!(tf.sandbox_sessions().len(), 3);
    // One already gone: it counts as deleted (no refresh, so the provider's delete meets a 404).
    tf.delete_session(&tf.state_string("nac_qod_session.b", "id"));
    tf.terraform(&[
        "destroy",
        "-auto-approve",
        "-refresh=false",
        "-input=false",
        "-no-color",
    ])
    .assert_success();
    assert!(tf.sandbox_sessions().is_empty());
    assert!(tf.state_values("nac_qod_session.a").is_none());
}

#[test]
fn a_create_that_times_out_keeps_the_session_in_state_as_tainted() {
    let tf = Harness::start_with(|c| c.activation_delay = std::time::Duration::from_secs(30));
    tf.write_config(&session_hcl(
        "slow",
        "slow@testcsp.net",
        r#"timeouts { create = "1s" }"#,
    ));
    let apply = tf.try_apply();
    assert!(!apply.success());
    assert!(
        apply
            .output()
            .contains("Timed out waiting for the QoS session"),
        "{}",
        apply.output()
    );
    let state = tf.show_json();
    let resource = &state["values"]["root_module"]["resources"][0];
    assert_eq!(resource["address"], "nac_qod_session.slow");
    assert_eq!(resource["tainted"], true, "{resource}");
    assert_eq!(resource["values"]["status"], "REQUESTED");
    assert_eq!(tf.sandbox_sessions().len(), 1);
    // The state knows the session, so destroy removes it.
    tf.destroy();
    assert!(tf.sandbox_sessions().is_empty());
}

#[test]
fn api_errors_name_the_operation_status_and_code() {
    let tf = Harness::start_with(|c| c.api_key = Some("another-key".into()));
    // The create's own error (a plan would stop at the credentials check otherwise).
    let config = format!(
        "{}{}",
        tf.provider_hcl(),
        session_hcl("a", "denied@testcsp.net", "")
    );
    tf.write_file(
        "main.tf",
        &config.replacen(
            "provider \"nac\" {\n",
            "provider \"nac\" {\n  skip_credentials_validation = true\n",
            1,
        ),
    );
    let apply = tf.try_apply();
    assert!(!apply.success());
    let output = apply.output();
    assert!(
        output.contains("Failed to create the QoS session"),
        "{output}"
    );
    assert!(output.contains("create session"), "{output}");
    assert!(output.contains("HTTP 403"), "{output}");
    assert!(!output.contains(TOKEN), "the token never shows: {output}");
    assert!(tf.sandbox_sessions().is_empty());
}

#[test]
fn a_session_the_network_refuses_while_activating_is_deleted_and_the_apply_fails_with_the_reason() {
    let tf = Harness::start_with(|c| c.activation_delay = std::time::Duration::from_secs(20));
    tf.write_config(&session_hcl("refused", "refused@testcsp.net", ""));
    let apply = std::thread::scope(|scope| {
        let apply = scope.spawn(|| tf.try_apply());
        // The network ends the session while the provider waits for it to become AVAILABLE.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            if let Some(session) = tf.sandbox_sessions().first() {
                tf.terminate(&session.session_id);
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no session was created"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        apply.join().unwrap()
    });
    assert!(!apply.success());
    let output = apply.output();
    assert!(
        output.contains("did not make the QoS session available"),
        "{output}"
    );
    assert!(output.contains("NETWORK_TERMINATED"), "{output}");
    // Deleted, and not in state: nothing is left behind.
    assert!(tf.sandbox_sessions().is_empty());
    assert!(tf.state_values("nac_qod_session.refused").is_none());
}
