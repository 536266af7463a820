//! Ctrl-C during a long activation: Terraform sends `StopProvider`, the provider stops waiting for
//! AVAILABLE at once, and the session it created is in state (tainted), the only one in the sandbox, so
//! nothing is orphaned; `terraform destroy` then removes it.

use std::process::Stdio;
use std::time::{Duration, Instant};

use nac_testkit::terraform::{session_hcl, Harness};

#[test]
fn sigint_during_a_long_activation_keeps_the_session_in_state() {
    let tf = Harness::start_with(|c| c.activation_delay = Duration::from_secs(60));
    tf.write_config(&session_hcl("a", "slow@example.com", ""));
    let mut apply = tf
        .command(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start terraform apply");

    // Wait until the session exists (the provider is then polling it), then interrupt.
    let waiting = Instant::now();
    while tf.sandbox_sessions().is_empty() {
        assert!(
            waiting.elapsed() < Duration::from_secs(60),
            "no session was created"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let interrupted = Instant::now();
    // SAFETY: signals our own child process.
    assert_eq!(
        unsafe { libc::kill(apply.id() as libc::pid_t, libc::SIGINT) },
        0
    );
    let status = loop {
        if let Some(status) = apply.try_wait().unwrap() {
            break status;
        }
        assert!(
            interrupted.elapsed() < Duration::from_secs(10),
            "terraform still running 10 s after SIGINT"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = interrupted.elapsed();
    let output = apply.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("terraform exited {status} {took:?} after SIGINT");
    assert!(!status.success(), "an interrupted apply reports failure");
    assert!(took < Duration::from_secs(5), "exit took {took:?}");
    assert!(
        stderr.contains("Interrupted while waiting for the QoS session"),
        "{stderr}"
    );

    let sessions = tf.sandbox_sessions();
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tf.workdir().join("terraform.tfstate")).unwrap(),
    )
    .unwrap();
    let instance = &state["resources"][0]["instances"][0];
    assert_eq!(
        instance["attributes"]["id"],
        sessions[0].session_id.as_str()
    );
    assert_eq!(instance["attributes"]["status"], "REQUESTED");
    assert_eq!(instance["status"], "tainted", "{instance}");

    // The next plan shows what happened: the tainted session is replaced. Destroy removes it.
    let plan = tf.plan_detailed();
    assert_eq!(plan.code, 2, "{}", plan.output());
    assert!(plan.stdout.contains("tainted"), "{}", plan.stdout);
    tf.destroy();
    assert!(tf.sandbox_sessions().is_empty());
}
