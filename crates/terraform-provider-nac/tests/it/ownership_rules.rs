//! Ownership on the real API's rules (issue 8), through the real `terraform` and the sandbox with NaC's
//! defaults (one live session per device, sessions private to their key, gateway 404 for unknown paths):
//! only the API's own 404 means gone, a wrong `base_url` stops the plan, a 409 says what to import and
//! `adopt_existing` takes an exact match over, waits outlast a 429 burst, a huge timeout is refused at
//! plan time, `plan -refresh-only` is empty when nothing changed, and a pending create never takes
//! another state's session.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use nac_api::wire::format_timestamp;
use nac_testkit::terraform::{session_hcl, Harness, TOKEN};
use serde_json::json;

/// `terraform {}` and `provider "nac" {}` with this `base_url` and extra provider settings.
fn provider_hcl(base_url: &str, extra: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    nac = {{ source = \"network-as-code/nac\" }}\n  }}\n}}\n\n\
         provider \"nac\" {{\n  base_url = \"{base_url}\"\n  {extra}\n}}\n\n"
    )
}

/// The create body `session_hcl` sends for `nai` (profile, service address, device).
fn create_body(nai: &str, profile: &str) -> serde_json::Value {
    json!({
        "qosProfile": profile,
        "device": {"networkAccessIdentifier": nai},
        "applicationServer": {"ipv4Address": "233.252.0.9"},
        "duration": 86400
    })
}

/// Creates a session through the API as another client with the same key would; its id and start.
fn create_outside(
    tf: &Harness,
    base_url: &str,
    body: &serde_json::Value,
) -> (String, DateTime<Utc>) {
    let url = format!("{base_url}/quality-on-demand/v1/sessions");
    let session: serde_json::Value = tf.runtime.block_on(async {
        let response = reqwest::Client::new()
            .post(url)
            .header("X-RapidAPI-Key", TOKEN)
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
        response.json().await.unwrap()
    });
    let started = DateTime::parse_from_rfc3339(session["startedAt"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc);
    (session["sessionId"].as_str().unwrap().to_string(), started)
}

/// Terraform wraps diagnostics at about 80 columns: words joined by single spaces.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn refresh_only(tf: &Harness) -> nac_testkit::terraform::TfOutput {
    tf.terraform(&[
        "plan",
        "-refresh-only",
        "-detailed-exitcode",
        "-input=false",
        "-no-color",
    ])
}

#[test]
fn a_wrong_base_url_fails_plan_and_destroy_and_loses_nothing() {
    let tf = Harness::start();
    let good = tf.base_url();
    let body = format!(
        "{}{}",
        session_hcl("a", "a@testcsp.net", ""),
        session_hcl("b", "b@testcsp.net", "")
    );
    tf.write_file("main.tf", &format!("{}{body}", provider_hcl(&good, "")));
    tf.apply();
    let ids: HashSet<String> = ["a", "b"]
        .iter()
        .map(|r| tf.state_string(&format!("nac_qod_session.{r}"), "id"))
        .collect();
    let state_before = std::fs::read_to_string(tf.workdir().join("terraform.tfstate")).unwrap();

    for wrong in [format!("{good}/v1"), format!("{good}/quality-on-demand/v1")] {
        tf.write_file("main.tf", &format!("{}{body}", provider_hcl(&wrong, "")));
        let plan = tf.plan_detailed();
        assert_eq!(plan.code, 1, "{}", plan.output());
        let out = flat(&plan.output());
        assert!(out.contains("base_url"), "{out}");
        assert!(out.contains("API root"), "the hint names the fix: {out}");
        let destroy = tf.terraform(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
        assert!(
            !destroy.success(),
            "destroy must not report success: {}",
            destroy.output()
        );
        assert_eq!(tf.live_session_ids(), ids, "nothing deleted with {wrong}");
        let state = std::fs::read_to_string(tf.workdir().join("terraform.tfstate")).unwrap();
        assert_eq!(state, state_before, "state untouched with {wrong}");
    }

    // The data source errors instead of reporting no sessions.
    let data = r#"
data "nac_device_sessions" "a" {
  device {
    network_access_identifier = "a@testcsp.net"
  }
}
"#;
    tf.write_file(
        "main.tf",
        &format!("{}{body}{data}", provider_hcl(&format!("{good}/v1"), "")),
    );
    let plan = tf.plan_detailed();
    assert_eq!(plan.code, 1, "{}", plan.output());
    tf.write_file(
        "main.tf",
        &format!("{}{body}{data}", provider_hcl(&good, "")),
    );
    tf.apply();
    let sessions = tf.state_values("data.nac_device_sessions.a").unwrap()["sessions"].clone();
    assert_eq!(sessions.as_array().unwrap().len(), 1, "{sessions}");
    tf.destroy();
    assert!(tf.live_session_ids().is_empty());
}

#[test]
fn a_second_session_for_a_device_gets_the_409_with_the_import_hint_and_adopt_existing_takes_an_exact_match(
) {
    let tf = Harness::start();
    let base = tf.base_url();
    let (existing, _) = create_outside(&tf, &base, &create_body("taken@testcsp.net", "QOS_L"));

    // Plain 409: the existing session, its status and expiry, and the import command.
    tf.write_file(
        "main.tf",
        &format!(
            "{}{}",
            provider_hcl(&base, ""),
            session_hcl("a", "taken@testcsp.net", "")
        ),
    );
    let apply = tf.try_apply();
    let out = flat(&apply.output());
    assert!(!apply.success(), "{out}");
    assert!(out.contains("409"), "{out}");
    assert!(out.contains(&existing), "names the session: {out}");
    assert!(out.contains("expires"), "{out}");
    assert!(
        out.contains(&format!(
            "terraform import nac_qod_session.<NAME> {existing}"
        )),
        "{out}"
    );
    assert!(out.contains("import {"), "{out}");
    assert!(out.contains("differs") && out.contains("profile"), "{out}");

    // adopt_existing with a configuration that differs: refused, saying what differs.
    tf.write_file(
        "main.tf",
        &format!(
            "{}{}",
            provider_hcl(&base, ""),
            session_hcl("a", "taken@testcsp.net", "adopt_existing = true")
        ),
    );
    let apply = tf.try_apply();
    let out = flat(&apply.output());
    assert!(!apply.success(), "{out}");
    assert!(out.contains("profile (the session has \"QOS_L\")"), "{out}");
    assert_eq!(tf.live_session_ids(), HashSet::from([existing.clone()]));

    // An exact match with adopt_existing: taken over, no duplicate.
    let exact = r#"
resource "nac_qod_session" "a" {
  profile        = "QOS_L"
  service_ipv4   = "233.252.0.9"
  adopt_existing = true
  device {
    network_access_identifier = "taken@testcsp.net"
  }
}
"#;
    tf.write_file("main.tf", &format!("{}{exact}", provider_hcl(&base, "")));
    tf.apply();
    assert_eq!(tf.state_string("nac_qod_session.a", "id"), existing);
    assert_eq!(tf.live_session_ids(), HashSet::from([existing.clone()]));
    assert_eq!(tf.plan_detailed().code, 0);
    assert_eq!(refresh_only(&tf).code, 0);
    tf.destroy();
    assert!(tf.live_session_ids().is_empty());
}

#[test]
fn a_huge_create_timeout_is_refused_at_plan_time() {
    let tf = Harness::start();
    tf.write_config(&session_hcl(
        "a",
        "a@testcsp.net",
        "timeouts {\n    create = \"10000000000000000000s\"\n  }",
    ));
    let plan = tf.plan_detailed();
    let out = flat(&plan.output());
    assert_eq!(plan.code, 1, "{out}");
    assert!(out.contains("timeouts.create is at most"), "{out}");
    assert!(
        out.contains("create = \"10000000000000000000s\""),
        "points at the attribute: {out}"
    );
    assert!(!out.contains("panicked"), "{out}");
    let apply = tf.try_apply();
    assert!(!apply.success());
    assert!(tf.sandbox_sessions().is_empty(), "nothing was sent");
}

#[test]
fn a_429_burst_while_waiting_is_waited_out_and_nothing_is_tainted() {
    let tf = Harness::start_with(|c| c.activation_delay = Duration::from_millis(1000));
    // Few client retries: the wait itself must outlast the burst, not the retry budget.
    tf.write_file(
        "main.tf",
        &format!(
            "{}{}",
            provider_hcl(&tf.base_url(), "max_retries = 1"),
            session_hcl("a", "burst@testcsp.net", "")
        ),
    );
    let apply = std::thread::scope(|scope| {
        let apply = scope.spawn(|| tf.try_apply());
        let deadline = Instant::now() + Duration::from_secs(30);
        while tf.sandbox_sessions().is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        tf.set_faults(json!({"error_rate": 1.0, "error_statuses": [429]}));
        std::thread::sleep(Duration::from_millis(2500));
        tf.set_faults(json!({"error_rate": 0.0}));
        apply.join().unwrap()
    });
    let out = flat(&apply.output());
    assert!(apply.success(), "{out}");
    assert!(tf.stats().requests > 3, "the burst was met");
    assert_eq!(tf.state_string("nac_qod_session.a", "status"), "AVAILABLE");
    let plan = tf.plan_detailed();
    assert_eq!(plan.code, 0, "nothing tainted: {}", plan.output());
    tf.destroy();
}

#[test]
fn refresh_only_is_empty_after_apply_import_and_extend() {
    let tf = Harness::start();
    let base = tf.base_url();
    let (imported, _) = create_outside(&tf, &base, &create_body("imported@testcsp.net", "QOS_L"));
    let imported_hcl = r#"
resource "nac_qod_session" "imported" {
  profile      = "QOS_L"
  service_ipv4 = "233.252.0.9"
  device {
    network_access_identifier = "imported@testcsp.net"
  }
}
"#;
    let config = |duration: &str| {
        format!(
            "{}{}{imported_hcl}",
            provider_hcl(&base, ""),
            session_hcl("a", "a@testcsp.net", duration)
        )
    };
    tf.write_file("main.tf", &config("duration = 600"));
    tf.terraform(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        "-target=nac_qod_session.a",
    ])
    .assert_success();
    let after_apply = refresh_only(&tf);
    assert_eq!(after_apply.code, 0, "after apply: {}", after_apply.output());

    tf.terraform(&[
        "import",
        "-input=false",
        "-no-color",
        "nac_qod_session.imported",
        &imported,
    ])
    .assert_success();
    let after_import = refresh_only(&tf);
    assert_eq!(
        after_import.code,
        0,
        "after import: {}",
        after_import.output()
    );

    tf.write_file("main.tf", &config("duration = 1200"));
    let apply = tf.apply();
    assert!(
        apply.stdout.contains("0 added, 1 changed, 0 destroyed"),
        "{}",
        apply.stdout
    );
    let after_extend = refresh_only(&tf);
    assert_eq!(
        after_extend.code,
        0,
        "after extend: {}",
        after_extend.output()
    );
    assert_eq!(tf.plan_detailed().code, 0);
    tf.destroy();
}

/// Rewrites the id of `address` in the local state (a create that ended with an unknown outcome).
fn set_state_id(tf: &Harness, address: &str, id: &str) {
    let path = tf.workdir().join("terraform.tfstate");
    let mut state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let (kind, name) = address.split_once('.').unwrap();
    for resource in state["resources"].as_array_mut().unwrap() {
        if resource["type"] == kind && resource["name"] == name {
            let attrs = &mut resource["instances"][0]["attributes"];
            attrs["id"] = id.into();
            for computed in ["status", "status_info", "started_at", "expires_at"] {
                attrs[computed] = serde_json::Value::Null;
            }
            resource["instances"][0]["status"] = "tainted".into();
        }
    }
    state["serial"] = (state["serial"].as_u64().unwrap() + 1).into();
    std::fs::write(&path, serde_json::to_string_pretty(&state).unwrap()).unwrap();
}

#[test]
fn a_pending_create_never_takes_another_states_session() {
    // State A's create ran unclear in [t0, t0 + 1 s] and made nothing; 7 s later state B (same key,
    // another working directory) creates an identical session for the device. The window is dated 7 s
    // back rather than waited out: moving the sandbox clock instead would put B's session in the future
    // of the provider's own clock, outside the open-ended window below.
    let a = Harness::start();
    let base = a.base_url();
    let body = session_hcl("s", "shared@testcsp.net", "");
    a.write_file("main.tf", &format!("{}{body}", provider_hcl(&base, "")));
    a.apply();
    let own = a.state_string("nac_qod_session.s", "id");
    a.delete_session(&own);
    let t0 = Utc::now() - chrono::Duration::seconds(7);
    let window = format!(
        "pending:{}/{}",
        format_timestamp(&t0),
        format_timestamp(&(t0 + chrono::Duration::seconds(1)))
    );
    set_state_id(&a, "nac_qod_session.s", &window);
    let b = Harness::start();
    b.write_file("main.tf", &format!("{}{body}", provider_hcl(&base, "")));
    b.apply();
    let theirs = b.state_string("nac_qod_session.s", "id");

    // An id of an earlier version (only a start time): B's session is a candidate, so nothing is taken.
    set_state_id(
        &a,
        "nac_qod_session.s",
        &format!("pending:{}", format_timestamp(&t0)),
    );
    let plan = a.plan_detailed();
    let out = flat(&plan.output());
    // A warning, not an error (an error would block every other resource's destroy): the plan goes on.
    assert_eq!(plan.code, 2, "{out}");
    assert!(
        out.contains(&theirs) && out.contains("terraform import"),
        "{out}"
    );
    let destroy = a.terraform(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert!(!destroy.success(), "{}", destroy.output());
    assert!(
        flat(&destroy.output()).contains("None is taken"),
        "{}",
        destroy.output()
    );
    // Without the refresh, destroy itself meets the pending id: it deletes nothing either.
    let destroy = a.terraform(&[
        "destroy",
        "-auto-approve",
        "-refresh=false",
        "-input=false",
        "-no-color",
    ]);
    assert!(!destroy.success(), "{}", destroy.output());
    assert!(
        flat(&destroy.output()).contains("nothing was deleted"),
        "{}",
        destroy.output()
    );
    assert_eq!(a.live_session_ids(), HashSet::from([theirs.clone()]));

    // With its window, A's refresh finds nothing of its own: the resource goes; B's session is untouched.
    set_state_id(&a, "nac_qod_session.s", &window);
    let plan = a.plan_detailed();
    assert_eq!(plan.code, 2, "{}", plan.output());
    assert!(
        plan.output().contains("will be created"),
        "{}",
        plan.output()
    );
    assert_eq!(a.live_session_ids(), HashSet::from([theirs.clone()]));
    // Destroy of the pending resource deletes nothing either.
    a.destroy();
    assert_eq!(a.live_session_ids(), HashSet::from([theirs.clone()]));
    assert_eq!(b.state_string("nac_qod_session.s", "id"), theirs);
    b.destroy();
}

#[test]
fn a_pending_create_takes_its_one_session_and_refuses_to_choose_between_two() {
    let tf = Harness::start_with(|c| c.allow_concurrent_sessions = true);
    let base = tf.base_url();
    tf.write_file(
        "main.tf",
        &format!(
            "{}{}",
            provider_hcl(&base, ""),
            session_hcl("s", "p@testcsp.net", "")
        ),
    );
    tf.apply();
    let first = tf.state_string("nac_qod_session.s", "id");
    tf.delete_session(&first);

    // The create "made" one session inside its window: the refresh takes it (tainted: replaced next).
    let t0 = Utc::now();
    let (made, started) = create_outside(
        &tf,
        &base,
        &create_body("p@testcsp.net", "DOWNLINK_L_UPLINK_L"),
    );
    let window = |from: DateTime<Utc>| {
        format!(
            "pending:{}/{}",
            format_timestamp(&from),
            format_timestamp(&(started + chrono::Duration::milliseconds(200)))
        )
    };
    set_state_id(&tf, "nac_qod_session.s", &window(t0));
    tf.terraform(&[
        "apply",
        "-refresh-only",
        "-auto-approve",
        "-input=false",
        "-no-color",
    ])
    .assert_success();
    assert_eq!(tf.state_string("nac_qod_session.s", "id"), made);

    // Two identical sessions inside the window: neither is taken, both are named, none is deleted.
    let (other, other_started) = create_outside(
        &tf,
        &base,
        &create_body("p@testcsp.net", "DOWNLINK_L_UPLINK_L"),
    );
    // The window reaches past the second one's start (windows are on the API's clock, no slack).
    let both = format!(
        "pending:{}/{}",
        format_timestamp(&t0),
        format_timestamp(&(other_started + chrono::Duration::milliseconds(200)))
    );
    set_state_id(&tf, "nac_qod_session.s", &both);
    let plan = tf.plan_detailed();
    let out = flat(&plan.output());
    // A warning, not an error (an error would block every other resource's destroy): the plan goes on.
    assert_eq!(plan.code, 2, "{out}");
    assert!(out.contains(&made) && out.contains(&other), "{out}");
    assert!(out.contains("terraform state rm"), "{out}");
    let destroy = tf.terraform(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert!(!destroy.success());
    assert_eq!(tf.live_session_ids(), HashSet::from([made, other]));
}

#[test]
fn injected_404s_never_drop_a_live_session() {
    let tf = Harness::start();
    tf.write_config(&format!(
        "{}{}",
        session_hcl("a", "a404@testcsp.net", ""),
        session_hcl("b", "b404@testcsp.net", "")
    ));
    tf.apply();
    let ids = tf.live_session_ids();
    // Every request answered 404 NOT_FOUND: a read alone cannot drop a resource, the device's sessions
    // must agree, and that lookup fails too.
    tf.set_faults(json!({"error_rate": 1.0, "error_statuses": [404]}));
    let plan = tf.plan_detailed();
    assert_eq!(plan.code, 1, "{}", plan.output());
    assert!(
        !plan.output().contains("will be created"),
        "{}",
        plan.output()
    );
    // A share of stray 404s: plans may fail, but never plan a new session for a live one.
    tf.set_faults(json!({"error_rate": 0.3, "error_statuses": [404]}));
    for _ in 0..5 {
        let plan = tf.plan_detailed();
        assert_ne!(plan.code, 2, "{}", plan.output());
    }
    tf.set_faults(json!({"error_rate": 0.0}));
    assert_eq!(tf.plan_detailed().code, 0);
    assert_eq!(tf.live_session_ids(), ids);
    tf.destroy();
}

#[test]
fn a_second_identical_resource_never_adopts_the_firsts_session() {
    // Where the API allows two identical sessions for a device, a later create whose reply is lost
    // takes only the session made inside its own window, not the older identical one.
    let tf = Harness::start_with(|c| c.allow_concurrent_sessions = true);
    tf.write_config(&session_hcl("a", "twin@testcsp.net", ""));
    tf.apply();
    let first = tf.state_string("nac_qod_session.a", "id");
    // Outside the window's 5 s allowance.
    std::thread::sleep(Duration::from_secs(6));
    tf.write_config(&format!(
        "{}{}",
        session_hcl("a", "twin@testcsp.net", ""),
        session_hcl("b", "twin@testcsp.net", "")
    ));
    tf.set_faults(json!({"post_commit_error_rate": 1.0}));
    tf.apply();
    tf.set_faults(json!({"post_commit_error_rate": 0.0}));
    let second = tf.state_string("nac_qod_session.b", "id");
    assert_ne!(first, second);
    assert_eq!(tf.state_string("nac_qod_session.a", "id"), first);
    assert_eq!(tf.live_session_ids(), HashSet::from([first, second]));
    tf.destroy();
}
