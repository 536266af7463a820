//! Nokia's Python SDKs, unchanged, against the sandbox: `network_as_code` 8.0.0 (tests/sdk/sdk_roundtrip.py)
//! and 10.0.0, the generated client, on NaC's rules (tests/sdk/sdk10_rules.py). Each SDK is installed from
//! PyPI into its own venv under `target/` on first use; the test fails (with pip's output) if that is not
//! possible.

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

/// The python of a venv (`target/<venv>`) with `network_as_code==<version>`, created on first use. A lock
/// directory keeps two test runs from installing at once.
fn ensure_sdk(version: &str, venv: &str) -> PathBuf {
    let sdk = format!("network_as_code=={version}");
    let venv = target_dir().join(venv);
    let python = venv.join("bin/python");
    if sdk_installed(&python, version) {
        return python;
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
    let result = std::panic::catch_unwind(|| {
        if !sdk_installed(&python, version) {
            let out = Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv)
                .output()
                .expect("python3 runs");
            assert!(
                out.status.success(),
                "python3 -m venv failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let out = Command::new(venv.join("bin/pip"))
                .args(["install", "--disable-pip-version-check", "--quiet", &sdk])
                .output()
                .expect("pip runs");
            assert!(
                out.status.success(),
                "pip install {sdk} failed (is PyPI reachable?):\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                sdk_installed(&python, version),
                "{sdk} installed but cannot be imported"
            );
        }
    });
    let _ = std::fs::remove_dir(&lock);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    python
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nokias_python_sdk_cannot_tell_the_difference() {
    let python = tokio::task::spawn_blocking(|| ensure_sdk("8.0.0", "sdk-venv"))
        .await
        .unwrap();
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
    let python = tokio::task::spawn_blocking(|| ensure_sdk("10.0.0", "sdk10-venv"))
        .await
        .unwrap();
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
