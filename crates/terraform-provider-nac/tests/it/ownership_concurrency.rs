//! Ownership under pressure (issue 8), through the real `terraform` and one sandbox:
//! - two working directories (two states) apply at once on the same devices while half of the creates
//!   are answered 502/504 after the commit, with NaC's one-session-per-device rule and without it:
//!   no session is in both states, and every live session is in a state or named by a pending resource
//!   (a clear failure, nothing lost). The figures are printed per run;
//! - terraform SIGKILLed mid-apply: no provider process is left a second later, and a re-apply with
//!   `adopt_existing = true` converges with no duplicate.

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use nac_api::wire::QosStatus;
use nac_testkit::terraform::{provider_binary, session_hcl, terraform_binary, Harness, TOKEN};
use serde_json::json;

const DEVICES: usize = 10;
const RUNS: usize = 3;

fn config(base_url: &str, extra: &str) -> String {
    let mut hcl = format!(
        "terraform {{\n  required_providers {{\n    nac = {{ source = \"network-as-code/nac\" }}\n  }}\n}}\n\n\
         provider \"nac\" {{\n  base_url = \"{base_url}\"\n}}\n\n"
    );
    for i in 0..DEVICES {
        hcl.push_str(&session_hcl(
            &format!("s{i}"),
            &format!("dev{i}@testcsp.net"),
            extra,
        ));
    }
    hcl
}

/// Ids in a state, split into real ids and pending ones (`pending:<window>`).
fn state_ids(tf: &Harness) -> (HashSet<String>, Vec<String>) {
    let path = tf.workdir().join("terraform.tfstate");
    let Ok(text) = std::fs::read_to_string(path) else {
        return Default::default();
    };
    let state: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut ids = HashSet::new();
    let mut pending = Vec::new();
    for resource in state["resources"].as_array().into_iter().flatten() {
        for instance in resource["instances"].as_array().into_iter().flatten() {
            let id = instance["attributes"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if id.starts_with("pending:") {
                pending.push(id);
            } else {
                ids.insert(id);
            }
        }
    }
    (ids, pending)
}

fn live(tf: &Harness) -> Vec<nac_api::wire::SessionInfo> {
    tf.sandbox_sessions()
        .into_iter()
        .filter(|s| s.qos_status != QosStatus::Unavailable)
        .collect()
}

fn run_two_states(allow_concurrent: bool) {
    for run in 1..=RUNS {
        let a = Harness::start_with(|c| {
            c.allow_concurrent_sessions = allow_concurrent;
            c.activation_delay = Duration::from_millis(50);
        });
        let b = Harness::start();
        let base = a.base_url();
        a.write_file("main.tf", &config(&base, ""));
        b.write_file("main.tf", &config(&base, ""));
        a.set_faults(json!({"post_commit_error_rate": 0.5}));
        let (out_a, out_b) = std::thread::scope(|scope| {
            let ta = scope.spawn(|| a.try_apply());
            let tb = scope.spawn(|| b.try_apply());
            (ta.join().unwrap(), tb.join().unwrap())
        });
        a.set_faults(json!({"post_commit_error_rate": 0.0}));
        for out in [&out_a, &out_b] {
            assert!(!out.output().contains("panicked"), "{}", out.output());
        }
        let (ids_a, pending_a) = state_ids(&a);
        let (ids_b, pending_b) = state_ids(&b);
        let found = live(&a);
        let found_ids: HashSet<String> = found.iter().map(|s| s.session_id.clone()).collect();
        let shared: HashSet<&String> = ids_a.intersection(&ids_b).collect();
        let owned: HashSet<String> = ids_a.union(&ids_b).cloned().collect();
        let orphans: Vec<&String> = found_ids.difference(&owned).collect();
        // A pending resource names the sessions it may have made in its error; they are not lost.
        let pending = pending_a.len() + pending_b.len();
        let expected = if allow_concurrent {
            2 * DEVICES
        } else {
            DEVICES
        };
        println!(
            "two states, {} (run {run}): expected {expected}, found {}, in state A {} + B {}, pending {pending}, \
             shared {}, orphaned {}; apply A exit {}, B exit {}",
            if allow_concurrent { "--allow-concurrent-sessions" } else { "one session per device" },
            found_ids.len(),
            ids_a.len(),
            ids_b.len(),
            shared.len(),
            orphans.len().saturating_sub(pending),
            out_a.code,
            out_b.code,
        );
        if std::env::var_os("OWNERSHIP_VERBOSE").is_some() {
            println!("A: {}\nB: {}", out_a.stderr, out_b.stderr);
        }
        assert!(shared.is_empty(), "no session in both states: {shared:?}");
        assert!(
            orphans.len() <= pending,
            "every session not in a state is accounted for by a pending resource: orphans {orphans:?}, \
             pending {pending_a:?} {pending_b:?}"
        );
        // And each such session started inside a pending resource's window (± the 5 s allowance), so
        // that resource's next refresh finds it (and names it when it cannot tell it from another).
        let windows: Vec<(DateTime<Utc>, DateTime<Utc>)> = pending_a
            .iter()
            .chain(&pending_b)
            .filter_map(|id| {
                let (from, to) = id.strip_prefix("pending:")?.split_once('/')?;
                let t = |s: &str| {
                    DateTime::parse_from_rfc3339(s)
                        .ok()
                        .map(|t| t.with_timezone(&Utc))
                };
                Some((t(from)?, t(to)?))
            })
            .collect();
        let skew = chrono::Duration::seconds(5);
        for orphan in &orphans {
            let started = found
                .iter()
                .find(|s| &&s.session_id == orphan)
                .and_then(|s| s.started_at)
                .unwrap();
            assert!(
                windows
                    .iter()
                    .any(|(from, to)| *from - skew <= started && started <= *to + skew),
                "session {orphan} (started {started}) is in no state and in no pending window"
            );
        }
        if !out_a.success() || !out_b.success() {
            // A failure is a clear one: it names what happened.
            let text = format!("{}{}", out_a.output(), out_b.output());
            assert!(
                text.contains("409")
                    || text.contains("pending id")
                    || text.contains("none is taken"),
                "{text}"
            );
        }
        if !allow_concurrent {
            // One per device at most, and every session is one state's.
            assert!(found_ids.len() <= DEVICES);
        }
    }
}

#[test]
fn two_states_on_the_same_devices_under_post_commit_faults_one_session_per_device() {
    run_two_states(false);
}

#[test]
fn two_states_on_the_same_devices_under_post_commit_faults_concurrent_sessions_allowed() {
    run_two_states(true);
}

/// Pids of the provider processes whose parent is `parent`.
fn provider_children(parent: u32) -> Vec<u32> {
    let binary = provider_binary().canonicalize().unwrap();
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid …`: comm may hold spaces, so read after the last ')'.
        let after = &stat[stat.rfind(')').unwrap_or(0) + 1..];
        let ppid: u32 = after
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok();
        if ppid == parent && exe.as_deref() == Some(binary.as_path()) {
            pids.push(pid);
        }
    }
    pids
}

/// Whether `pid` still runs (a zombie waiting to be reaped does not).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        let after = &stat[stat.rfind(')').unwrap_or(0) + 1..];
        !matches!(after.split_whitespace().next(), Some("Z" | "X"))
    })
}

#[test]
fn a_sigkilled_terraform_leaves_no_provider_and_a_reapply_with_adopt_existing_converges() {
    const N: usize = 3;
    let tf = Harness::start_with(|c| c.activation_delay = Duration::from_secs(4));
    let mut hcl = format!(
        "terraform {{\n  required_providers {{\n    nac = {{ source = \"network-as-code/nac\" }}\n  }}\n}}\n\n\
         provider \"nac\" {{\n  base_url = \"{}\"\n}}\n\n",
        tf.base_url()
    );
    for i in 0..N {
        hcl.push_str(&session_hcl(
            &format!("k{i}"),
            &format!("killed{i}@testcsp.net"),
            "adopt_existing = true",
        ));
    }
    tf.write_file("main.tf", &hcl);

    let mut terraform = Command::new(terraform_binary())
        .args(["apply", "-auto-approve", "-input=false", "-no-color"])
        .current_dir(tf.workdir())
        .env("TF_CLI_CONFIG_FILE", tf.workdir().join("terraform.rc"))
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .env("NAC_TOKEN", TOKEN)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while tf.sandbox_sessions().len() < N && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(tf.sandbox_sessions().len(), N, "the creates were sent");
    let providers = provider_children(terraform.id());
    assert!(!providers.is_empty(), "a provider serves the apply");
    terraform.kill().unwrap();
    terraform.wait().unwrap();
    let killed = Instant::now();
    while providers.iter().any(|&p| running(p)) && killed.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let gone_after = killed.elapsed();
    println!(
        "SIGKILL: {} provider process(es) gone after {gone_after:?}",
        providers.len()
    );
    assert!(
        gone_after <= Duration::from_secs(1),
        "provider processes outlived terraform: {providers:?} after {gone_after:?}"
    );

    // The sessions exist, the state does not know them: adopt_existing converges on them.
    let made: HashSet<String> = tf
        .sandbox_sessions()
        .into_iter()
        .map(|s| s.session_id)
        .collect();
    tf.apply();
    let in_state: HashSet<String> = (0..N)
        .map(|i| tf.state_string(&format!("nac_qod_session.k{i}"), "id"))
        .collect();
    let all: HashSet<String> = tf
        .sandbox_sessions()
        .into_iter()
        .map(|s| s.session_id)
        .collect();
    println!(
        "after the re-apply: {} sessions made before the kill, {} in state, {} in the sandbox",
        made.len(),
        in_state.len(),
        all.len()
    );
    assert_eq!(
        in_state, made,
        "the killed apply's sessions were taken over"
    );
    assert_eq!(all, made, "no duplicate");
    assert_eq!(tf.plan_detailed().code, 0);
    tf.destroy();
}
