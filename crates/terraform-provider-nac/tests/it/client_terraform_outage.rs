//! The API goes away in the middle of an apply: the sandbox process (with a state file) is killed while
//! creates are in flight. The apply must fail cleanly (an error, no crash), and once the sandbox is back the
//! next apply converges: every resource in state, each with its own session, none left over.

use std::collections::HashSet;
use std::process::Child;
use std::time::Duration;

use nac_testkit::admin::{spawn_binary, Admin};
use nac_testkit::terraform::{session_hcl, Harness};

const SESSIONS: usize = 20;

fn start_sandbox(port: u16, state: &std::path::Path, latency_ms: u64) -> Child {
    let (child, first_line) = spawn_binary(&[
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--state-file",
        state.to_str().unwrap(),
        "--activation-delay-ms",
        "0",
        "--latency-ms",
        &latency_ms.to_string(),
    ]);
    assert!(first_line.contains("listening on"), "{first_line}");
    child
}

/// The ids of every session the sandbox on `port` holds (the test is synchronous, like the harness).
fn sessions(port: u16) -> Vec<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let admin = Admin::new(&format!("http://127.0.0.1:{port}"));
    let sessions = runtime.block_on(admin.sessions());
    sessions.into_iter().map(|s| s.session_id).collect()
}

/// Ignored until the provider records creates whose outcome is unknown: when the sandbox dies after
/// storing a session but before answering, the client reports `ApiError::OutcomeUnknown` (its lookup
/// cannot reach the API either), the provider drops the resource, and the session is orphaned. Seen in
/// about one run in five (e.g. 3 sessions stored at the kill, 22 in the sandbox after the next apply).
#[test]
fn an_apply_cut_short_by_an_outage_converges_on_the_next_apply() {
    let tf = Harness::start();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let state = tf.workdir().join("sandbox-state.json");
    let mut sandbox = start_sandbox(port, &state, 300);

    let mut config = format!(
        "terraform {{\n  required_providers {{\n    nac = {{ source = \"network-as-code/nac\" }}\n  }}\n}}\n\n\
         provider \"nac\" {{\n  base_url = \"http://127.0.0.1:{port}\"\n  max_retries = 2\n}}\n"
    );
    for i in 0..SESSIONS {
        config.push_str(&session_hcl(
            &format!("s{i}"),
            &format!("device{i}@testcsp.net"),
            "",
        ));
    }
    tf.write_file("main.tf", &config);

    // Kill the sandbox (no graceful shutdown) as soon as the first session is stored, while the other
    // creates are in flight.
    let failed = std::thread::scope(|scope| {
        let apply = scope.spawn(|| tf.try_apply());
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while sessions(port).is_empty() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        sandbox.kill().unwrap();
        sandbox.wait().unwrap();
        apply.join().unwrap()
    });
    assert!(
        !failed.success(),
        "the apply must fail while the API is down"
    );
    let output = failed.output();
    assert!(
        output.contains("cannot connect to 127.0.0.1")
            || output.contains("failed before a complete reply"),
        "{output}"
    );
    assert!(!output.contains("panicked"), "{output}");
    let survived = {
        let mut sandbox = start_sandbox(port, &state, 0);
        let ids = sessions(port);
        sandbox.kill().unwrap();
        sandbox.wait().unwrap();
        ids
    };
    println!(
        "outage: the apply failed with {} sessions stored before the kill",
        survived.len()
    );

    // Back up: the next apply converges.
    let mut sandbox = start_sandbox(port, &state, 0);
    let apply = tf.apply();
    let stored: HashSet<String> = sessions(port).into_iter().collect();
    let in_state: HashSet<String> = (0..SESSIONS)
        .map(|i| tf.state_string(&format!("nac_qod_session.s{i}"), "id"))
        .collect();
    println!(
        "after the outage: {} sessions in the sandbox, {} in state ({})",
        stored.len(),
        in_state.len(),
        apply
            .stdout
            .lines()
            .rev()
            .find(|l| l.contains("Apply complete"))
            .unwrap_or("")
    );
    assert_eq!(in_state.len(), SESSIONS, "one session per resource");
    assert_eq!(stored, in_state, "no duplicate and no orphan");

    tf.destroy();
    assert!(sessions(port).is_empty());
    sandbox.kill().unwrap();
    sandbox.wait().unwrap();
}
