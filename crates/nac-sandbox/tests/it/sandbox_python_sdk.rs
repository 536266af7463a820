//! Nokia's Python SDKs, unchanged, against the sandbox: `network_as_code` 8.0.0 (tests/sdk/sdk_roundtrip.py)
//! and 10.0.0, the generated client, on NaC's rules (tests/sdk/sdk10_rules.py). Each SDK is installed from
//! PyPI into its own venv under `target/` on first use (pip's cache is not needed). Where that is not
//! possible (no `python3 -m venv`, PyPI unreachable) the test prints one "NOT RUN" line with pip's last
//! words and passes, but fails under `CI=true`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const KEY: &str = "sdk-test-key";

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(nac_testkit::target_dir)
}

fn sdk_installed(python: &Path, version: &str) -> bool {
    let check = format!(
        "import importlib.metadata as m, network_as_code; assert m.version('network_as_code') == '{version}'"
    );
    python.exists()
        && Command::new(python)
            .args(["-c", &check])
            .output()
            .is_ok_and(|o| o.status.success())
}

/// The last non-empty line of a command's output, for a one-line reason.
fn last_line(out: &std::process::Output) -> String {
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no output")
        .trim()
        .to_owned()
}

/// Creates the venv and installs `sdk` into it; `Err` says why that is impossible on this machine.
fn install(venv: &Path, sdk: &str) -> Result<(), String> {
    let out = Command::new("python3")
        .args(["-m", "venv"])
        .arg(venv)
        .output()
        .map_err(|e| format!("python3 does not run ({e})"))?;
    if !out.status.success() {
        return Err(format!("python3 -m venv failed ({})", last_line(&out)));
    }
    let out = Command::new(venv.join("bin/pip"))
        .args(["install", "--disable-pip-version-check", "--quiet", sdk])
        .output()
        .map_err(|e| format!("pip does not run ({e})"))?;
    if !out.status.success() {
        eprintln!(
            "pip install {sdk}:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        return Err(format!(
            "pip install {sdk} failed, is PyPI reachable? ({})",
            last_line(&out)
        ));
    }
    Ok(())
}

/// The python of a venv (`target/<venv>`) with `network_as_code==<version>`, created on first use, or
/// `None` after saying "NOT RUN" (a failure under CI). A lock directory keeps two test runs from
/// installing at once.
fn ensure_sdk(test: &str, version: &str, venv: &str) -> Option<PathBuf> {
    let sdk = format!("network_as_code=={version}");
    let venv = target_dir().join(venv);
    let python = venv.join("bin/python");
    if sdk_installed(&python, version) {
        return Some(python);
    }
    std::fs::create_dir_all(target_dir()).expect("target directory");
    let lock = venv.with_extension("lock");
    let started = Instant::now();
    loop {
        match std::fs::create_dir(&lock) {
            Ok(()) => break,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                assert!(
                    started.elapsed() < Duration::from_secs(600),
                    "{} held for 10 minutes (remove it if no install is running)",
                    lock.display()
                );
                std::thread::sleep(Duration::from_millis(500));
            }
            Err(e) => panic!("cannot create {}: {e}", lock.display()),
        }
    }
    let result = std::panic::catch_unwind(|| -> Result<(), String> {
        if sdk_installed(&python, version) {
            return Ok(());
        }
        install(&venv, &sdk)?;
        assert!(
            sdk_installed(&python, version),
            "{sdk} installed but cannot be imported"
        );
        Ok(())
    });
    let _ = std::fs::remove_dir(&lock);
    match result {
        Ok(Ok(())) => Some(python),
        Ok(Err(why)) => {
            nac_testkit::prerequisite::not_run(
                test,
                &why,
                "it needs python3 with venv (Debian: apt-get install python3-venv) and PyPI",
            );
            None
        }
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nokias_python_sdk_cannot_tell_the_difference() {
    let test = "sandbox_python_sdk::nokias_python_sdk_cannot_tell_the_difference";
    let python = tokio::task::spawn_blocking(move || ensure_sdk(test, "8.0.0", "sdk-venv"));
    let Some(python) = python.await.unwrap() else {
        return;
    };
    let sandbox = nac_sandbox::start(nac_sandbox::SandboxConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        api_key: Some(KEY.into()),
        // The script lists two sessions of one device, as NaC's 8.0.0 SDK docs do.
        allow_concurrent_sessions: true,
        ..Default::default() // the default 200 ms activation delay: the SDK sees REQUESTED first
    })
    .await
    .unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sdk/sdk_roundtrip.py");
    let base_url = sandbox.base_url();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .arg(base_url)
            .arg(KEY)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "SDK script failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("SDK ROUNDTRIP OK"), "{stdout}\n{stderr}");
    eprintln!("{}", stdout.trim());
    let stats = sandbox.stats();
    assert!(stats.sessions_created >= 3, "{stats:?}");
    sandbox.shutdown().await;
}

/// SDK 10 on NaC's rules, with the sandbox's defaults: a second session for a device is a
/// `ConflictError` (after the SDK's own retries), another key's session is a `NotFoundError`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nokias_sdk_10_sees_nacs_rules() {
    let test = "sandbox_python_sdk::nokias_sdk_10_sees_nacs_rules";
    let python = tokio::task::spawn_blocking(move || ensure_sdk(test, "10.0.0", "sdk10-venv"));
    let Some(python) = python.await.unwrap() else {
        return;
    };
    let sandbox = nac_sandbox::start(nac_sandbox::SandboxConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        ..Default::default()
    })
    .await
    .unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sdk/sdk10_rules.py");
    let base_url = sandbox.base_url();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .arg(base_url)
            .arg(KEY)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("SDK10 RULES OK"),
        "SDK 10 script failed:\n{stdout}\n{stderr}"
    );
    eprintln!("{}", stdout.trim());
    sandbox.shutdown().await;
}
