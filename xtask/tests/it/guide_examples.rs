//! The guides' example configurations do what the guides say, run by the real `terraform` against
//! the sandbox: `terraform test` passes on `examples/guides/fleet` (sessions created and destroyed,
//! a mocked run, `expect_failures`), a refresh-only plan reports an expired session with exit code
//! 2, and the secrets example keeps both tokens out of the plan and state files.

use std::path::Path;

use nac_testkit::terraform::Harness;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A working directory holding `examples/guides/<name>`, the provider pointed at the sandbox
/// through `NAC_BASE_URL` as the guides do.
fn guide_example(name: &str) -> Harness {
    let mut tf = Harness::start_with(|config| config.activation_delay = Default::default());
    tf.env.push(("NAC_BASE_URL".into(), tf.base_url()));
    copy_dir(
        &nac_testkit::repo_root().join("examples/guides").join(name),
        tf.workdir(),
    );
    tf
}

#[test]
fn the_fleet_tests_pass_against_the_sandbox_and_leave_nothing_behind() {
    let tf = guide_example("fleet");
    tf.terraform(&["get", "-no-color"]).assert_success();
    let test = tf.terraform(&["test", "-no-color"]).assert_success();
    assert!(
        test.stdout.contains("Success! 4 passed, 0 failed."),
        "{}",
        test.output()
    );
    assert_eq!(tf.stats().sessions_created, 2, "{}", test.output());
    let live: Vec<_> = tf
        .sandbox_sessions()
        .into_iter()
        .filter(|session| session.status_info.is_none())
        .collect();
    assert!(live.is_empty(), "terraform test left sessions: {live:?}");
}

#[test]
fn a_refresh_only_plan_reports_expired_sessions_with_exit_code_2() {
    let tf = guide_example("fleet");
    tf.terraform(&["get", "-no-color"]).assert_success();
    tf.apply();
    let args = ["plan", "-refresh-only", "-detailed-exitcode", "-no-color"];
    let fresh = tf.terraform(&args);
    assert_eq!(fresh.code, 0, "{}", fresh.output());
    tf.advance_clock(1801);
    let expired = tf.terraform(&args);
    assert_eq!(expired.code, 2, "{}", expired.output());
    assert!(
        // Terraform aligns the `=` signs to the longest attribute name: compare without the padding.
        expired
            .stdout
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .contains("+ status_info = \"DURATION_EXPIRED\""),
        "{}",
        expired.stdout
    );
    tf.destroy();
}

#[test]
fn the_secrets_example_keeps_both_tokens_out_of_plan_and_state() {
    const KEY: &str = "key-never-in-files-7f3a";
    const SINK: &str = "sink-never-in-files-91c2";
    let mut tf = guide_example("secrets");
    tf.env.push(("TF_VAR_nac_token".into(), KEY.into()));
    tf.env.push(("TF_VAR_sink_token".into(), SINK.into()));
    tf.terraform(&["plan", "-out=tfplan", "-no-color"])
        .assert_success();
    tf.terraform(&["apply", "-no-color", "tfplan"])
        .assert_success();
    assert_eq!(tf.stats().sessions_created, 1);
    // The plan file is a zip archive: read it through `terraform show`, which prints what it holds.
    let plan = tf
        .terraform(&["show", "-json", "tfplan"])
        .assert_success()
        .stdout;
    let state = std::fs::read_to_string(tf.workdir().join("terraform.tfstate")).unwrap();
    assert!(state.contains("access_token_wo_version"), "{state}");
    for (file, text) in [("the plan", plan), ("the state", state)] {
        assert!(
            !text.contains(KEY) && !text.contains(SINK),
            "a token is in {file}: {text}"
        );
    }
    tf.destroy();
}

/// The renewal example of "Sessions over time": outside its 6-hour window a plan is empty; 18 h 1 min
/// later (5 h 59 min left) the plan is one in-place update, and the apply keeps the same session with
/// a later expiry, as a scheduled `terraform apply` would.
#[test]
fn the_renewal_example_extends_the_same_session_inside_its_window() {
    let tf = guide_example("renew");
    tf.apply();
    let address = "nac_qod_session.demo_device";
    let id = tf.state_string(address, "id");
    let expires = tf.state_string(address, "expires_at");
    assert_eq!(tf.plan_detailed().code, 0, "outside the window");
    tf.advance_clock(18 * 3600 + 60);
    let plan = tf.plan().assert_success();
    assert_eq!(plan.plan_counts(), Some((0, 1, 0)), "{}", plan.stdout);
    tf.apply();
    assert_eq!(tf.state_string(address, "id"), id, "the same session");
    let renewed = tf.state_string(address, "expires_at");
    assert!(renewed > expires, "{renewed} should be after {expires}");
    let session = tf.sandbox_session(&id).expect("the session");
    assert_eq!(session.qos_status.as_str(), "AVAILABLE");
    assert_eq!(tf.plan_detailed().code, 0, "after the renewal");
    tf.destroy();
}
