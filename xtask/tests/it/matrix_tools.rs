//! The matrix: a representative acceptance subset under Terraform 1.15.5 and OpenTofu 1.6.2 (installed
//! under target/tools on first use; the whole suite runs under the Terraform on PATH, 1.11.4): install
//! from the `nac-release` mirror, apply, plan empty, extend in place, destroy. Features a version lacks
//! are refused with a clear message.

use std::time::Instant;

use nac_testkit::terraform::{session_hcl, Harness};
use nac_testkit::tools::Tool;

use super::acceptance_init::{harness_installing_from, lock_file, release};

/// init from the mirror, apply, an empty plan, an in-place extend, destroy; the time it took.
fn lifecycle_from_the_mirror(tool: Tool) {
    let started = Instant::now();
    let dist = release();
    let nai = format!(
        "matrix-{}@testcsp.net",
        tool.name().replace([' ', '.', '(', ')'], "")
    );
    let mut tf = harness_installing_from(&dist, &session_hcl("a", &nai, "duration = 600"));
    tf.tool = Some(tool.binary());
    let init = tf
        .terraform(&["init", "-input=false", "-no-color"])
        .assert_success();
    assert!(
        init.output().contains("network-as-code/nac v0.1.0"),
        "{}: {}",
        tool.name(),
        init.output()
    );
    tf.apply();
    let id = tf.state_string("nac_qod_session.a", "id");
    let plan = tf.plan_detailed();
    assert_eq!(
        plan.code,
        0,
        "{}: plan after apply:\n{}",
        tool.name(),
        plan.output()
    );

    let main = std::fs::read_to_string(tf.workdir().join("main.tf")).unwrap();
    tf.write_file("main.tf", &main.replace("duration = 600", "duration = 900"));
    let apply = tf.apply();
    assert!(
        apply.stdout.contains("0 added, 1 changed, 0 destroyed"),
        "{}: {}",
        tool.name(),
        apply.stdout
    );
    assert_eq!(tf.sandbox_session(&id).expect("same session").duration, 900);
    assert_eq!(tf.plan_detailed().code, 0);
    tf.destroy();
    assert!(
        tf.sandbox_sessions().is_empty(),
        "{:?}",
        tf.sandbox_sessions()
    );
    eprintln!(
        "matrix: {} lifecycle from the mirror in {:.1} s",
        tool.name(),
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn terraform_1_15_installs_from_the_mirror_applies_extends_and_destroys() {
    lifecycle_from_the_mirror(Tool::Terraform115);
}

#[test]
fn opentofu_1_6_installs_from_the_mirror_applies_extends_and_destroys() {
    lifecycle_from_the_mirror(Tool::OpenTofu16);
}

fn harness(tool: Tool, body: &str) -> Harness {
    let mut tf = Harness::start();
    tf.tool = Some(tool.binary());
    tf.write_config(body);
    tf
}

/// Each command's output, whitespace collapsed (the tools wrap their messages).
fn flat(text: String) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn opentofu_1_6_refuses_import_by_identity_and_the_write_only_token() {
    let body = format!(
        "import {{\n  to = nac_qod_session.a\n  identity = {{ id = \"x\" }}\n}}\n{}",
        session_hcl("a", "tofu@testcsp.net", "")
    );
    let tf = harness(Tool::OpenTofu16, &body);
    let refused = flat(tf.plan().assert_failure().output());
    assert!(
        refused.contains("identity") && refused.contains("not expected here"),
        "{refused}"
    );

    let tf = harness(
        Tool::OpenTofu16,
        &session_hcl(
            "a",
            "tofu-wo@testcsp.net",
            "sink = \"https://127.0.0.1:9/notify\"\n  sink_credential {\n    access_token_wo = \"s3cret\"\n    access_token_wo_version = 1\n    access_token_expires_at = \"2030-01-01T00:00:00Z\"\n  }",
        ),
    );
    let refused = flat(tf.plan().assert_failure().output());
    assert!(
        refused.contains("Write-only attribute not supported by this Terraform"),
        "{refused}"
    );
}

#[test]
fn terraform_1_11_refuses_actions_and_query() {
    let body = format!(
        "{}\naction \"nac_qod_session_extend\" \"x\" {{\n  config {{\n    session_id = nac_qod_session.a.id\n    seconds = 60\n  }}\n}}\n",
        session_hcl("a", "old@testcsp.net", "")
    );
    let tf = harness(Tool::TerraformOnPath, &body);
    let refused = flat(tf.plan().assert_failure().output());
    assert!(
        refused.contains("Unsupported block type") && refused.contains("action"),
        "{refused}"
    );
    let query = flat(
        tf.terraform(&["query", "-no-color"])
            .assert_failure()
            .output(),
    );
    assert!(query.contains("query"), "{query}");
}

/// One lock file for both tools (issue 17): with the provider's registry host written out
/// (`registry.terraform.io/network-as-code/nac`), Terraform and OpenTofu name it alike, so the lock file
/// `terraform init` writes is accepted unchanged by `tofu init -lockfile=readonly`, which then applies,
/// plans empty and destroys, and Terraform accepts the file unchanged again afterwards. (With the short
/// `network-as-code/nac`, each tool adds its own registry's entry and drops the other's.)
#[test]
fn terraform_and_opentofu_share_one_lock_file_with_the_host_written_out() {
    let dist = release();
    let mut tf = harness_installing_from(&dist, &session_hcl("a", "shared-lock@testcsp.net", ""));
    let main = std::fs::read_to_string(tf.workdir().join("main.tf")).unwrap();
    let qualified = main.replace(
        "source  = \"network-as-code/nac\"",
        "source  = \"registry.terraform.io/network-as-code/nac\"",
    );
    assert_ne!(
        main, qualified,
        "the source line is where pinned_config puts it"
    );
    tf.write_file("main.tf", &qualified);

    tf.tool = Some(Tool::TerraformOnPath.binary());
    tf.terraform(&["init", "-input=false", "-no-color"])
        .assert_success();
    let committed = lock_file(&tf);
    assert!(
        committed.contains("provider \"registry.terraform.io/network-as-code/nac\"")
            && !committed.contains("registry.opentofu.org"),
        "{committed}"
    );

    tf.tool = Some(Tool::OpenTofu16.binary());
    let init = tf.terraform(&["init", "-input=false", "-no-color", "-lockfile=readonly"]);
    assert_eq!(
        init.code,
        0,
        "tofu init with Terraform's lock file:\n{}",
        init.output()
    );
    assert_eq!(lock_file(&tf), committed, "tofu changed the lock file");
    tf.apply();
    assert_eq!(tf.plan_detailed().code, 0, "tofu: plan after apply");
    tf.destroy();
    assert!(tf.live_session_ids().is_empty());

    tf.tool = Some(Tool::TerraformOnPath.binary());
    let init = tf.terraform(&["init", "-input=false", "-no-color", "-lockfile=readonly"]);
    assert_eq!(
        init.code,
        0,
        "terraform init after tofu:\n{}",
        init.output()
    );
    assert_eq!(lock_file(&tf), committed, "terraform changed the lock file");
}
