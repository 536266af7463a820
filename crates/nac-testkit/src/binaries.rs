//! The workspace's binaries for tests in any crate. `CARGO_BIN_EXE_*` only names the binaries of the
//! test's own package, so the others are built here once per test process with the same profile.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// The repository (workspace) root.
pub fn repo_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The target directory of this test run: the test executable lives in `<target>/<profile>/deps`.
pub fn target_dir() -> PathBuf {
    profile_dir()
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| repo_root().join("target"))
}

fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    let deps = exe.parent().expect("the executable's directory");
    deps.parent().unwrap_or(deps).to_path_buf()
}

/// The workspace binary `name` (`terraform-provider-nac`, `nac-sandbox`, `nac-release`, `nac-docs`),
/// built for this test run's profile. Cargo's build of the test already built the test package's own
/// binaries; a `cargo build` here brings the others up to date (a no-op when they are).
pub fn binary(name: &str) -> PathBuf {
    static BUILT: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    let profile_dir = profile_dir();
    let path = profile_dir.join(name);
    if !built.iter().any(|b| b == name) {
        build(name, &profile_dir);
        built.push(name.to_owned());
    }
    path
}

fn build(name: &str, profile_dir: &Path) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let mut command = Command::new(cargo);
    command
        .args(["build", "--quiet", "--bin", name, "--manifest-path"])
        .arg(repo_root().join("Cargo.toml"))
        .arg("--target-dir")
        .arg(profile_dir.parent().unwrap_or(profile_dir));
    match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => {}
        Some("release") => {
            command.arg("--release");
        }
        Some(other) => {
            command.args(["--profile", other]);
        }
    }
    // Cargo sets the test package's variables for this process; build scripts that watch them would
    // rebuild their crates in the nested build.
    for (var, _) in std::env::vars_os() {
        let var = var.to_string_lossy();
        if var.starts_with("CARGO_PKG_")
            || matches!(
                &*var,
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_BIN_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
                    | "CARGO_TARGET_TMPDIR"
            )
        {
            command.env_remove(&*var);
        }
    }
    let status = command.status().expect("cargo runs");
    assert!(
        status.success(),
        "cargo build --bin {name} failed ({status})"
    );
}
