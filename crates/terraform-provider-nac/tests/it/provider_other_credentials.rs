//! Ownership recorded, not inferred (issue 16, item 1): sessions are private to the API key that made
//! them, so under another valid key every read answers not-found. A refresh, an apply and a destroy
//! under the other key fail with the cause and the way out, never drop a resource, never create again
//! and never report success; back under the right key nothing was lost. And wrong credentials fail a
//! plan that proposes creates, even with an empty state (one request), unless the check is skipped.

use nac_testkit::terraform::{session_hcl, Harness, TOKEN};

const SESSIONS: usize = 5;

fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn another_valid_key_never_drops_destroys_or_duplicates() {
    let mut tf = Harness::start();
    let body: String = (0..SESSIONS)
        .map(|i| session_hcl(&format!("s{i}"), &format!("owner{i}@testcsp.net"), ""))
        .collect();
    tf.write_config(&body);
    tf.apply();
    let made = tf.state_session_ids("s", SESSIONS);
    assert_eq!(made.len(), SESSIONS);

    tf.env
        .push(("NAC_TOKEN".into(), "another-valid-key".into()));
    for args in [
        &[
            "apply",
            "-refresh-only",
            "-auto-approve",
            "-input=false",
            "-no-color",
        ][..],
        &["apply", "-auto-approve", "-input=false", "-no-color"][..],
        &["destroy", "-auto-approve", "-input=false", "-no-color"][..],
        &[
            "destroy",
            "-auto-approve",
            "-refresh=false",
            "-input=false",
            "-no-color",
        ][..],
    ] {
        let run = tf.terraform(args);
        let out = flat(&run.output());
        assert!(
            !run.success(),
            "{args:?} must fail under another key:\n{out}"
        );
        assert!(out.contains("other credentials"), "{args:?}: {out}");
        assert!(
            out.contains("terraform state rm"),
            "{args:?} names the way out: {out}"
        );
        assert!(
            !out.contains(TOKEN) && !out.contains("another-valid-key"),
            "no key in output"
        );
        let (live, kept) = (tf.live_session_ids(), tf.state_session_ids("s", SESSIONS));
        println!(
            "{args:?} under another key: sessions expected {SESSIONS} / found {} / in state {} / orphaned {}",
            live.len(),
            kept.len(),
            live.difference(&kept).count()
        );
        assert_eq!(kept, made, "{args:?}: state keeps every resource");
        assert_eq!(live, made, "{args:?}: nothing deleted, nothing created");
    }

    tf.env.clear();
    let plan = tf.plan_detailed();
    assert_eq!(
        plan.code,
        0,
        "back under the key that made them: {}",
        plan.output()
    );
    tf.destroy();
    assert!(tf.live_session_ids().is_empty());
}

#[test]
fn wrong_credentials_fail_the_plan_with_an_empty_state() {
    let mut tf = Harness::start_with(|c| c.api_key = Some(TOKEN.into()));
    tf.write_config(&session_hcl("a", "creds@testcsp.net", ""));

    // Good credentials: one request, whatever the number of creates planned.
    let before = tf.qod_request_count();
    let plan = tf.plan_detailed();
    assert_eq!(plan.code, 2, "{}", plan.output());
    assert_eq!(
        tf.qod_request_count() - before,
        1,
        "one credentials check per command"
    );

    tf.env.push(("NAC_TOKEN".into(), "wrong-key".into()));
    let plan = tf.plan_detailed();
    let out = flat(&plan.output());
    assert_eq!(plan.code, 1, "{out}");
    assert!(
        out.contains("does not accept the provider's credentials"),
        "{out}"
    );
    assert!(out.contains("skip_credentials_validation"), "{out}");
    assert!(!out.contains("wrong-key"), "no key in output: {out}");

    // The check can be skipped: the plan then proposes the create (the apply would fail).
    let hcl = std::fs::read_to_string(tf.workdir().join("main.tf")).unwrap();
    tf.write_file(
        "main.tf",
        &hcl.replacen(
            "provider \"nac\" {\n",
            "provider \"nac\" {\n  skip_credentials_validation = true\n",
            1,
        ),
    );
    assert_eq!(tf.plan_detailed().code, 2);
    tf.env.clear();

    // A URL where nothing listens fails the plan too.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    tf.write_file("main.tf", &hcl.replace(&tf.base_url(), &dead));
    let plan = tf.plan_detailed();
    assert_eq!(plan.code, 1, "{}", plan.output());
    assert!(
        flat(&plan.output()).contains("does not accept the provider's credentials"),
        "{}",
        plan.output()
    );
    assert!(tf.sandbox_sessions().is_empty());
}
