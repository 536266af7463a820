//! Terraform 1.15 (installed under target/tools on first use): resource identity (import by identity,
//! identities in state after create, import and refresh) and `terraform query` with generated
//! configuration that plans as imports only.

use nac_testkit::api::api_request;
use nac_testkit::terraform::{session_hcl, Harness, TOKEN};
use nac_testkit::tools::Tool;
use reqwest::Method;
use serde_json::{json, Value as Json};

/// A harness whose commands run `tool`.
pub fn harness_with(tool: Tool) -> Harness {
    let mut tf = Harness::start();
    tf.tool = Some(tool.binary());
    tf
}

/// Creates a session through the public API, as an application would; its id.
pub fn create_via_api(tf: &Harness, nai: &str, duration: i64) -> String {
    let body = json!({
        "qosProfile": "DOWNLINK_L_UPLINK_L",
        "device": {"networkAccessIdentifier": nai},
        "applicationServer": {"ipv4Address": "233.252.0.9"},
        "duration": duration,
    });
    let url = format!("{}/quality-on-demand/v1/sessions", tf.base_url());
    let http = reqwest::Client::new();
    let request = api_request(&http, Method::POST, &url, TOKEN).json(&body);
    let (status, reply) = tf.block_on(async {
        let response = request.send().await.expect("create request");
        let status = response.status().as_u16();
        (status, response.json::<Json>().await.expect("JSON reply"))
    });
    assert_eq!(status, 201, "create through the API: {reply}");
    reply["sessionId"].as_str().expect("sessionId").to_string()
}

/// The identity Terraform stores for `address` (`terraform show -json`).
pub fn identity_in_state(tf: &Harness, address: &str) -> Json {
    let state = tf.show_json();
    state["values"]["root_module"]["resources"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["address"] == address))
        .map(|r| r["identity"].clone())
        .unwrap_or(Json::Null)
}

#[test]
fn import_by_identity_plans_one_import_and_identities_follow_the_session() {
    let tf = harness_with(Tool::Terraform115);
    let id = create_via_api(&tf, "made-by-an-app@testcsp.net", 3600);
    tf.write_config(&format!(
        "import {{\n  to = nac_qod_session.a\n  identity = {{ id = \"{id}\" }}\n}}\n{}",
        session_hcl("a", "made-by-an-app@testcsp.net", "duration = 3600")
    ));
    let plan = tf.plan().assert_success();
    assert!(
        plan.stdout
            .contains("1 to import, 0 to add, 0 to change, 0 to destroy"),
        "{}",
        plan.stdout
    );
    tf.apply();
    assert_eq!(
        identity_in_state(&tf, "nac_qod_session.a")["id"],
        id.as_str()
    );
    let plan = tf.plan_detailed();
    assert_eq!(plan.code, 0, "a plan after the import: {}", plan.output());
    // Refreshed identity stays the session id (a plan with -refresh-only rewrites state from read).
    tf.terraform(&["apply", "-refresh-only", "-auto-approve", "-no-color"])
        .assert_success();
    assert_eq!(
        identity_in_state(&tf, "nac_qod_session.a")["id"],
        id.as_str()
    );

    // A session Terraform creates has its id as identity from the apply on.
    tf.write_config(&session_hcl("b", "created-here@testcsp.net", ""));
    tf.apply();
    let created = tf.state_string("nac_qod_session.b", "id");
    assert_eq!(
        identity_in_state(&tf, "nac_qod_session.b")["id"],
        created.as_str()
    );
    tf.destroy();
}

#[test]
fn import_by_identity_of_an_unknown_session_says_so() {
    let tf = harness_with(Tool::Terraform115);
    tf.write_config(&format!(
        "import {{\n  to = nac_qod_session.a\n  identity = {{ id = \"{}\" }}\n}}\n{}",
        "00000000-0000-4000-8000-000000000000",
        session_hcl("a", "nobody@testcsp.net", "")
    ));
    let plan = tf.plan().assert_failure();
    assert!(
        plan.output().contains("no QoS session with id"),
        "{}",
        plan.output()
    );
}

const QUERY_ALL: &str = r#"
list "nac_qod_session" "all" {
  provider = nac
  config {
    all_sessions = true
  }
}
"#;

#[test]
fn query_with_generated_config_plans_imports_only() {
    let tf = harness_with(Tool::Terraform115);
    let durations = [600, 3600, 86400];
    let ids: Vec<String> = durations
        .iter()
        .enumerate()
        .map(|(i, d)| create_via_api(&tf, &format!("app-{i}@testcsp.net"), *d))
        .collect();
    tf.write_config("");
    tf.write_file("search.tfquery.hcl", QUERY_ALL);
    let query = tf
        .terraform(&["query", "-no-color", "-generate-config-out=generated.tf"])
        .assert_success();
    for (i, id) in ids.iter().enumerate() {
        assert!(query.stdout.contains(id.as_str()), "{id}: {}", query.stdout);
        assert!(
            query.stdout.contains(&format!(
                "DOWNLINK_L_UPLINK_L for app-{i}@testcsp.net until "
            )),
            "display name of {id}: {}",
            query.stdout
        );
    }
    let generated = std::fs::read_to_string(tf.workdir().join("generated.tf")).unwrap();
    for computed in ["expires_at", "started_at", "status"] {
        assert!(
            !generated.contains(&format!("{computed} ")),
            "{computed} in generated config:\n{generated}"
        );
    }
    let plan = tf.plan().assert_success();
    assert!(
        plan.stdout
            .contains("3 to import, 0 to add, 0 to change, 0 to destroy"),
        "{}\n{generated}",
        plan.output()
    );
    tf.apply();
    assert_eq!(tf.plan_detailed().code, 0);
}

#[test]
fn query_lists_one_device_and_refuses_a_config_without_a_scope() {
    let tf = harness_with(Tool::Terraform115);
    let mine = create_via_api(&tf, "mine@testcsp.net", 600);
    let other = create_via_api(&tf, "other@testcsp.net", 600);
    tf.write_config("");
    tf.write_file(
        "search.tfquery.hcl",
        r#"
list "nac_qod_session" "mine" {
  provider = nac
  config {
    device {
      network_access_identifier = "mine@testcsp.net"
    }
  }
}
"#,
    );
    let query = tf.terraform(&["query", "-no-color"]).assert_success();
    assert!(query.stdout.contains(&mine), "{}", query.stdout);
    assert!(!query.stdout.contains(&other), "{}", query.stdout);

    tf.write_file(
        "search.tfquery.hcl",
        "list \"nac_qod_session\" \"none\" {\n  provider = nac\n  config {}\n}\n",
    );
    let query = tf.terraform(&["query", "-no-color"]).assert_failure();
    assert!(
        query.output().contains("Nothing to list"),
        "{}",
        query.output()
    );
}

/// The registry examples of the list resource and the action (not covered by examples_plan, which
/// runs under the Terraform on PATH): the query runs, the action's configuration plans.
#[test]
fn the_list_resource_and_action_examples_run_under_1_15() {
    let examples = nac_testkit::repo_root().join("examples");
    let tf = harness_with(Tool::Terraform115);
    tf.write_config("");
    let list = std::fs::read_to_string(
        examples.join("list-resources/nac_qod_session/list-resource.tfquery.hcl"),
    )
    .unwrap();
    tf.write_file("example.tfquery.hcl", &list);
    tf.terraform(&["query", "-no-color"]).assert_success();
    tf.remove_file("example.tfquery.hcl");

    let action =
        std::fs::read_to_string(examples.join("actions/nac_qod_session_extend/action.tf")).unwrap();
    tf.write_config(&action);
    let plan = tf.plan().assert_success();
    assert_eq!(plan.plan_counts(), Some((1, 0, 0)), "{}", plan.stdout);
}
