//! An independent OAuth2 client library, Python's Authlib, against the CAMARA flavour of the sandbox
//! binary (tests/sdk/oauth_client_credentials.py), with a client secret both ways and with
//! `private_key_jwt` (Authlib's RFC 7523 signer, an EC key the test makes and registers by its JWKS). Authlib and requests are installed from PyPI into
//! `target/oauth-venv` on first use; the test fails (with pip's output) if that is not possible.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use nac_testkit::admin::{listening_url, spawn_binary};
use serde_json::Value;

fn installed(python: &Path) -> bool {
    python.exists()
        && Command::new(python)
            .args(["-c", "import authlib, requests"])
            .output()
            .is_ok_and(|o| o.status.success())
}

/// The python of `target/oauth-venv`, created on first use (a lock directory keeps two runs apart).
fn ensure_venv() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(nac_testkit::target_dir);
    let venv = target.join("oauth-venv");
    let python = venv.join("bin/python");
    if installed(&python) {
        return python;
    }
    std::fs::create_dir_all(&target).expect("target directory");
    let lock = venv.with_extension("lock");
    let started = Instant::now();
    while let Err(e) = std::fs::create_dir(&lock) {
        assert!(
            e.kind() == std::io::ErrorKind::AlreadyExists
                && started.elapsed() < Duration::from_secs(600),
            "cannot take {} ({e}); remove it if no install is running",
            lock.display()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let result = std::panic::catch_unwind(|| {
        if installed(&python) {
            return;
        }
        let out = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = Command::new(venv.join("bin/pip"))
            .args([
                "install",
                "--disable-pip-version-check",
                "--quiet",
                "authlib>=1.3,<2",
                "requests>=2.31,<3",
            ])
            .output()
            .expect("pip runs");
        assert!(
            out.status.success(),
            "pip install authlib requests failed (is PyPI reachable?):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    });
    let _ = std::fs::remove_dir(&lock);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    python
}

#[test]
fn authlib_gets_tokens_both_ways_and_the_scopes_hold() {
    let python = ensure_venv();
    let (pem, jwks) = nac_testkit::keys::ec_key();
    let key_dir = tempfile::tempdir().unwrap();
    let pem_file = key_dir.path().join("client.pem");
    std::fs::write(&pem_file, pem).unwrap();
    let jwt_client = format!("authlib-jwt:{jwks}");
    let (mut child, line) = spawn_binary(&[
        "--listen",
        "127.0.0.1:0",
        "--activation-delay-ms",
        "0",
        "--flavour",
        "camara",
        "--oauth-client",
        "authlib-app:authlib-s3cret",
        "--oauth-jwt-client",
        &jwt_client,
    ]);
    let root = listening_url(&line);
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sdk/oauth_client_credentials.py");
    let out = Command::new(python)
        .arg(script)
        .args([&root, "authlib-app", "authlib-s3cret", "authlib-jwt"])
        .arg(&pem_file)
        .output()
        .expect("python runs");
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        out.status.success(),
        "the Authlib script failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let found: Value = serde_json::from_slice(&out.stdout).expect("JSON findings");
    eprintln!("Authlib against the camara flavour: {found}");
    assert_eq!(
        found["methods"],
        serde_json::json!([
            "client_secret_basic",
            "client_secret_post",
            "private_key_jwt"
        ])
    );
    for method in ["client_secret_basic", "client_secret_post"] {
        let f = &found[method];
        assert_eq!(f["token_type"], "Bearer", "{method}: {f}");
        assert_eq!(
            f["scope"], "quality-on-demand:sessions:create quality-on-demand:sessions:read",
            "{method}: {f}"
        );
        assert_eq!(f["expires_in"], 3600, "{method}: {f}");
        assert_eq!(f["create_status"], 201, "{method}: {f}");
        // The token was not given the delete scope.
        assert_eq!(f["delete_status"], 403, "{method}: {f}");
        assert_eq!(f["delete_code"], "PERMISSION_DENIED", "{method}: {f}");
    }
    let jwt = &found["private_key_jwt"];
    assert_eq!(jwt["token_type"], "Bearer", "{jwt}");
    assert_eq!(
        jwt["scope"], "quality-on-demand:sessions:create quality-on-demand:sessions:read",
        "{jwt}"
    );
    assert_eq!(jwt["create_status"], 201, "{jwt}");
    assert_eq!(found["stranger_key"], "invalid_client");
    // Authlib's default assertion lives 3600 s; CAMARA allows at most 300.
    assert_eq!(found["default_lifetime"], "invalid_client");
    assert_eq!(found["wrong_secret"], "invalid_client");
    assert_eq!(found["unknown_scope"], "invalid_scope");
}
