//! Ctrl-C reaches every in-flight call and retry (issue 16, item 7): against a loopback listener that
//! accepts connections and never answers, terraform exits within seconds of SIGINT for `plan` and for
//! `destroy`; a create in flight is recorded as pending (and settled by the next apply); an API that
//! never answers fails with an error naming `request_timeout` and `max_retries`.

use std::net::TcpListener;
use std::process::Child;
use std::time::{Duration, Instant};

use nac_api::wire::QosStatus;
use nac_testkit::terraform::{session_hcl, Harness};

/// A loopback address that accepts connections and never replies (held open for the test's life).
fn black_hole() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    url
}

/// Runs terraform in a process group of its own, as a terminal's foreground job is.
fn spawn(tf: &Harness, args: &[&str]) -> Child {
    use std::os::unix::process::CommandExt;
    tf.command(args)
        .process_group(0)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// Sends SIGINT to `child`'s process group after `after` (as Ctrl-C in a terminal does: terraform and
/// its plugins), and returns the seconds from the signal to its exit.
fn interrupt(mut child: Child, after: Duration) -> f64 {
    std::thread::sleep(after);
    let pid = child.id() as libc::pid_t;
    let sent = Instant::now();
    // SAFETY: a signal to our own child's process group, which has not been waited for yet.
    unsafe { libc::kill(-pid, libc::SIGINT) };
    let deadline = sent + Duration::from_secs(60);
    loop {
        if child.try_wait().unwrap().is_some() {
            return sent.elapsed().as_secs_f64();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return sent.elapsed().as_secs_f64();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn live_count(tf: &Harness) -> usize {
    tf.sandbox_sessions()
        .iter()
        .filter(|s| s.qos_status != QosStatus::Unavailable)
        .count()
}

fn with_provider_settings(tf: &Harness, base_url: &str, settings: &str, body: &str) -> String {
    tf.provider_hcl()
        .replace(&tf.base_url(), base_url)
        .replacen(
            "provider \"nac\" {\n",
            &format!("provider \"nac\" {{\n{settings}\n"),
            1,
        )
        + body
}

#[test]
fn sigint_ends_plan_and_destroy_within_seconds_when_the_api_never_answers() {
    let tf = Harness::start();
    let body: String = (0..3)
        .map(|i| session_hcl(&format!("s{i}"), &format!("hole{i}@testcsp.net"), ""))
        .collect();
    tf.write_config(&body);
    tf.apply();
    let state_before = std::fs::read_to_string(tf.workdir().join("terraform.tfstate")).unwrap();

    let hole = black_hole();
    tf.write_file("main.tf", &with_provider_settings(&tf, &hole, "", &body));
    for args in [
        &["plan", "-input=false", "-no-color"][..],
        &["destroy", "-auto-approve", "-input=false", "-no-color"][..],
    ] {
        let child = spawn(&tf, args);
        let seconds = interrupt(child, Duration::from_secs(3));
        println!("{args:?} against a black hole: exited {seconds:.1} s after SIGINT");
        assert!(seconds < 10.0, "{args:?} took {seconds:.1} s after SIGINT");
        assert_eq!(live_count(&tf), 3, "nothing deleted");
        let state = std::fs::read_to_string(tf.workdir().join("terraform.tfstate")).unwrap();
        let ids = |s: &str| {
            let v: serde_json::Value = serde_json::from_str(s).unwrap();
            let mut ids: Vec<String> = v["resources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    r["instances"][0]["attributes"]["id"]
                        .as_str()
                        .unwrap()
                        .to_string()
                })
                .collect();
            ids.sort();
            ids
        };
        assert_eq!(
            ids(&state),
            ids(&state_before),
            "{args:?}: state keeps every session"
        );
    }
    tf.write_config(&body);
    tf.destroy();
}

#[test]
fn a_create_cut_short_by_sigint_is_recorded_as_pending() {
    let tf = Harness::start();
    let body = session_hcl("a", "pending-hole@testcsp.net", "");
    let hole = black_hole();
    tf.write_file(
        "main.tf",
        // No plan-time request, so that the create is what the signal cuts short.
        &with_provider_settings(
            &tf,
            &hole,
            "  skip_credentials_validation = true\n  skip_profile_validation = true",
            &body,
        ),
    );
    let child = spawn(
        &tf,
        &["apply", "-auto-approve", "-input=false", "-no-color"],
    );
    let seconds = interrupt(child, Duration::from_secs(3));
    println!("apply (create in flight) against a black hole: exited {seconds:.1} s after SIGINT");
    assert!(seconds < 10.0, "took {seconds:.1} s after SIGINT");
    let id = tf.state_string("nac_qod_session.a", "id");
    assert!(
        id.starts_with("pending:"),
        "the create in flight is recorded: {id}"
    );

    // Back on the API: the pending create made nothing there, so the next apply creates one session.
    tf.write_config(&body);
    tf.apply();
    assert_eq!(live_count(&tf), 1);
    assert!(!tf
        .state_string("nac_qod_session.a", "id")
        .starts_with("pending:"));
    tf.destroy();
}

#[test]
fn an_api_that_never_answers_fails_naming_the_settings() {
    let tf = Harness::start();
    let hole = black_hole();
    tf.write_file(
        "main.tf",
        &with_provider_settings(
            &tf,
            &hole,
            "  request_timeout = \"1s\"\n  max_retries = 1",
            &session_hcl("a", "silent@testcsp.net", ""),
        ),
    );
    let started = Instant::now();
    let plan = tf.plan_detailed();
    let out = plan
        .output()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    println!(
        "plan against a black hole (1 s, 1 retry): failed after {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(plan.code, 1, "{out}");
    assert!(
        out.contains("request_timeout") && out.contains("max_retries"),
        "{out}"
    );
}
