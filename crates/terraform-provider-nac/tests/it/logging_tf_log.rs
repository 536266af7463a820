//! `TF_LOG_PROVIDER=debug` shows the provider's own lines (NaC requests, creates, reads) and none of
//! the HTTP/TLS/plugin crates below it; those appear only at trace, under their own names.

use nac_testkit::terraform::{session_hcl, Harness};

/// The provider's log lines in a terraform command's stderr, as Terraform prints them.
fn provider_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains("provider.terraform-provider-nac"))
        .collect()
}

fn module_of(line: &str) -> &str {
    line.split("@module=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or("")
}

#[test]
fn debug_logs_are_nac_lines_only_and_trace_adds_the_crates_under_their_names() {
    let mut tf = Harness::start();
    tf.write_config(&session_hcl("a", "logs@testcsp.net", ""));
    tf.env.push(("TF_LOG_PROVIDER".into(), "debug".into()));
    let apply = tf.apply();
    let plan = tf.plan_detailed();
    assert_eq!(plan.code, 0, "{}", plan.output());

    for (what, out) in [("apply", &apply), ("plan", &plan)] {
        let lines = provider_lines(&out.stderr);
        let modules: Vec<&str> = lines.iter().map(|l| module_of(l)).collect();
        eprintln!("{what} at debug: {} provider lines", lines.len());
        assert!(
            modules.iter().all(|m| *m == "nac" || m.starts_with("nac.")),
            "{what}: non-NaC lines at debug:\n{}",
            lines.join("\n")
        );
        assert!(
            lines.iter().any(|l| l.contains("NaC API request: GET")),
            "{what}: no request line:\n{}",
            out.stderr
        );
    }

    tf.env = vec![("TF_LOG_PROVIDER".into(), "trace".into())];
    let plan = tf.plan();
    let lines = provider_lines(&plan.stderr);
    eprintln!("plan at trace: {} provider lines", lines.len());
    let foreign: Vec<&str> = lines
        .iter()
        .map(|l| module_of(l))
        .filter(|m| !m.is_empty() && *m != "nac" && !m.starts_with("nac."))
        .collect();
    assert!(
        !foreign.is_empty(),
        "trace shows no third-party lines:\n{}",
        lines.join("\n")
    );
    assert!(foreign.iter().all(|m| !m.contains("::")), "{foreign:?}");
}
