//! Nokia's Python SDK `network_as_code` 8.0.0, unchanged, against the sandbox (tests/sdk/sdk_roundtrip.py).
//! The SDK is installed from PyPI into `target/sdk-venv` on first use; the test fails (with pip's output)
//! if that is not possible.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const SDK: &str = "network_as_code==8.0.0";
const KEY: &str = "sdk-test-key";

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
}

fn sdk_installed(python: &Path) -> bool {
    python.exists()
        && Command::new(python)
            .args(["-c", "import importlib.metadata as m, network_as_code; assert m.version('network_as_code') == '8.0.0'"])
            .output()
            .is_ok_and(|o| o.status.success())
}

/// The venv's python with the SDK, creating the venv on first use. A lock directory keeps two test runs
/// from installing at once.
fn ensure_sdk() -> PathBuf {
    let venv = target_dir().join("sdk-venv");
    let python = venv.join("bin/python");
    if sdk_installed(&python) {
        return python;
    }
    std::fs::create_dir_all(target_dir()).expect("target directory");
    let lock = target_dir().join("sdk-venv.lock");
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
        if !sdk_installed(&python) {
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
                .args(["install", "--disable-pip-version-check", "--quiet", SDK])
                .output()
                .expect("pip runs");
            assert!(
                out.status.success(),
                "pip install {SDK} failed (is PyPI reachable?):\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                sdk_installed(&python),
                "{SDK} installed but cannot be imported"
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
    let python = tokio::task::spawn_blocking(ensure_sdk).await.unwrap();
    let sandbox = nac::sandbox::start(nac::sandbox::SandboxConfig {
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
