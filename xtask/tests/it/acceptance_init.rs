//! Installing the provider as users do: `nac-release` packages the provider built by cargo into
//! registry archives and a filesystem mirror, and the real `terraform init` installs it from there (no
//! `dev_overrides`), records its checksums in the lock file, then applies, plans and destroys against
//! the sandbox.

use std::path::{Path, PathBuf};
use std::process::Command;

use nac_testkit::terraform::{find_terraform, provider_binary, session_hcl, Harness};
use nac_xtask::release::sha256_file;

/// What `nac-release` wrote.
pub(crate) struct Dist {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Dist {
    fn file(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    fn archive(&self) -> PathBuf {
        self.file(&format!(
            "terraform-provider-nac_{}_linux_amd64.zip",
            env!("CARGO_PKG_VERSION")
        ))
    }
}

/// Runs the real release command on the debug build (a release build takes minutes).
pub(crate) fn release() -> Dist {
    let dir = tempfile::Builder::new()
        .prefix("nac-dist-")
        .tempdir()
        .unwrap();
    let root = dir.path().join("dist");
    let out = Command::new(env!("CARGO_BIN_EXE_nac-release"))
        .arg("--binary")
        .arg(provider_binary())
        .arg("--out")
        .arg(&root)
        .output()
        .expect("run nac-release");
    assert!(
        out.status.success(),
        "nac-release failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Dist { _dir: dir, root }
}

/// The provider blocks, pinned to the released version, pointing at this sandbox.
fn pinned_config(tf: &Harness, body: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    nac = {{\n      source  = \"network-as-code/nac\"\n      version = \"{}\"\n    }}\n  }}\n}}\n\nprovider \"nac\" {{\n  base_url = \"{}\"\n}}\n{body}",
        env!("CARGO_PKG_VERSION"),
        tf.base_url()
    )
}

/// A harness whose CLI configuration is the one `nac-release` wrote (filesystem mirror).
pub(crate) fn harness_installing_from(dist: &Dist, body: &str) -> Harness {
    let tf = Harness::start();
    let cli_config = std::fs::read_to_string(dist.file("terraformrc")).unwrap();
    assert!(!cli_config.contains("dev_overrides"), "{cli_config}");
    tf.write_file("terraform.rc", &cli_config);
    tf.write_file("main.tf", &pinned_config(&tf, body));
    tf
}

pub(crate) fn lock_file(tf: &Harness) -> String {
    std::fs::read_to_string(tf.workdir().join(".terraform.lock.hcl")).expect("lock file written")
}

fn h1_hashes(lock: &str) -> Vec<String> {
    lock.lines()
        .filter_map(|l| l.trim().strip_prefix("\"h1:"))
        .map(|h| h.trim_end_matches("\",").to_string())
        .collect()
}

#[test]
fn release_sums_verify_and_both_registry_hosts_are_mirrored() {
    let dist = release();
    let version = env!("CARGO_PKG_VERSION");
    let sums =
        std::fs::read_to_string(dist.file(&format!("terraform-provider-nac_{version}_SHA256SUMS")))
            .unwrap();
    let mut names = Vec::new();
    for line in sums.lines() {
        let (digest, name) = line.split_once("  ").expect("sha256sum format");
        assert_eq!(sha256_file(&dist.file(name)).unwrap(), digest, "{name}");
        names.push(name.to_string());
    }
    assert_eq!(
        names,
        [
            format!("terraform-provider-nac_{version}_linux_amd64.zip"),
            format!("terraform-provider-nac_{version}_manifest.json"),
        ]
    );
    let manifest = std::fs::read_to_string(
        dist.file(&format!("terraform-provider-nac_{version}_manifest.json")),
    )
    .unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(
        manifest,
        serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}})
    );

    // The zip holds exactly the provider executable under the registry's name.
    let archive = zip::ZipArchive::new(std::fs::File::open(dist.archive()).unwrap()).unwrap();
    let entries: Vec<String> = archive
        .file_names()
        .map(|name| name.unwrap().into_owned())
        .collect();
    assert_eq!(entries, [format!("terraform-provider-nac_v{version}")]);

    let archive_bytes = std::fs::read(dist.archive()).unwrap();
    for host in ["registry.terraform.io", "registry.opentofu.org"] {
        let mirrored = dist.file(&format!(
            "mirror/{host}/network-as-code/nac/terraform-provider-nac_{version}_linux_amd64.zip"
        ));
        assert_eq!(
            std::fs::read(&mirrored).unwrap_or_default(),
            archive_bytes,
            "{}",
            mirrored.display()
        );
    }

    // Packaging the same binary again gives the same bytes (fixed timestamps in the zip).
    let again = release();
    assert_eq!(std::fs::read(again.archive()).unwrap(), archive_bytes);
}

#[test]
fn init_from_the_mirror_then_apply_plan_destroy() {
    let dist = release();
    let tf = harness_installing_from(&dist, &session_hcl("a", "init@testcsp.net", ""));
    let init = tf
        .terraform(&["init", "-input=false", "-no-color"])
        .assert_success();
    let output = init.output();
    assert!(
        output.contains("Installing network-as-code/nac v0.1.0"),
        "{output}"
    );
    // No dev_overrides warning. Without published hashes in the lock file, Terraform's one warning is
    // that it computed the h1: hash of this platform itself (the next test commits the zh: hashes).
    assert!(!output.contains("override"), "{output}");
    let warnings: Vec<&str> = output
        .lines()
        .filter(|l| l.starts_with("Warning:"))
        .collect();
    assert_eq!(
        warnings,
        ["Warning: Incomplete lock file information for providers"],
        "{output}"
    );
    let lock = lock_file(&tf);
    assert!(
        lock.contains("provider \"registry.terraform.io/network-as-code/nac\"")
            && lock.contains("version     = \"0.1.0\""),
        "{lock}"
    );
    assert_eq!(h1_hashes(&lock).len(), 1, "{lock}");

    tf.apply();
    let id = tf.state_string("nac_qod_session.a", "id");
    assert!(tf.sandbox_session(&id).is_some(), "{id} not in the sandbox");
    let plan = tf.plan_detailed();
    assert_eq!(plan.code, 0, "plan after apply:\n{}", plan.output());
    tf.destroy();
    assert!(
        tf.sandbox_sessions().is_empty(),
        "{:?}",
        tf.sandbox_sessions()
    );
}

/// A team commits the published checksums (`nac-release`'s `dependency-lock.hcl`, from SHA256SUMS):
/// `terraform init` checks the mirrored archive against its `zh:` hash, adds the `h1:` one, and refuses
/// an archive that does not match.
#[test]
fn init_checks_the_archive_against_the_published_zh_hash() {
    let dist = release();
    let zh = format!("zh:{}", sha256_file(&dist.archive()).unwrap());
    let seed = std::fs::read_to_string(dist.file("dependency-lock.hcl")).unwrap();
    assert!(seed.contains(&zh), "{seed}");

    let tf = harness_installing_from(&dist, "");
    tf.write_file(".terraform.lock.hcl", &seed);
    let init = tf
        .terraform(&["init", "-input=false", "-no-color"])
        .assert_success();
    assert!(!init.output().contains("Warning"), "{}", init.output());
    let lock = lock_file(&tf);
    assert!(lock.contains(&format!("\"{zh}\"")), "{lock}");
    assert_eq!(h1_hashes(&lock).len(), 1, "{lock}");
    tf.apply();
    assert_eq!(tf.plan_detailed().code, 0);

    // The same lock with another archive's hash: init must refuse the mirrored archive.
    let other = harness_installing_from(&dist, "");
    let tampered = seed.replace(&zh, &format!("zh:{}", "0".repeat(64)));
    other.write_file(".terraform.lock.hcl", &tampered);
    let refused = other
        .terraform(&["init", "-input=false", "-no-color"])
        .assert_failure();
    let message = refused
        .output()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        message.contains("doesn't match any of the checksums previously recorded"),
        "{message}"
    );
}

#[test]
fn a_missing_terraform_names_path_and_the_variable() {
    let empty = tempfile::tempdir().unwrap();
    let message = find_terraform(None, Some(empty.path().into())).unwrap_err();
    assert!(
        message.contains("PATH") && message.contains("TERRAFORM="),
        "{message}"
    );
    let message = find_terraform(Some("/nonexistent/terraform".into()), None).unwrap_err();
    assert!(
        message.contains("TERRAFORM=/nonexistent/terraform"),
        "{message}"
    );
    assert!(find_terraform(None, std::env::var_os("PATH")).is_ok_and(|p| Path::new(&p).is_file()));
}

/// The sandbox's release archive, as a team's CI would use it: unzipped, the executable starts and
/// serves the API (the debug build stands in for the release one).
#[test]
fn the_sandbox_archive_unzips_to_a_sandbox_that_serves() {
    use std::io::{Read, Write};

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("dist");
    let out = Command::new(env!("CARGO_BIN_EXE_nac-release"))
        .arg("--binary")
        .arg(provider_binary())
        .arg("--sandbox-binary")
        .arg(nac_testkit::binary("nac-sandbox"))
        .arg("--out")
        .arg(&root)
        .output()
        .expect("run nac-release");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "nac-release failed:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let version = env!("CARGO_PKG_VERSION");
    let name = format!("nac-sandbox_{version}_linux_amd64.zip");
    assert!(stdout.contains(&name), "{stdout}");
    let sums =
        std::fs::read_to_string(root.join(format!("terraform-provider-nac_{version}_SHA256SUMS")))
            .unwrap();
    let archive = root.join(&name);
    assert!(
        sums.contains(&format!("{}  {name}\n", sha256_file(&archive).unwrap())),
        "{sums}"
    );

    // Unzipped as `unzip` would: the entry's name and Unix mode.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&archive).unwrap()).unwrap();
    let unpacked = dir.path().join("unpacked");
    zip.extract(&unpacked).unwrap();
    let sandbox = unpacked.join("nac-sandbox");
    let mut child = Command::new(&sandbox)
        .args(["--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{} does not start: {e}", sandbox.display()));
    let url = nac_testkit::admin::read_listening_url(&mut child);
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET /_sandbox/sessions HTTP/1.0\r\nHost: {host}\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200"),
        "{answer}"
    );
    assert!(answer.ends_with("[]"), "no sessions yet: {answer}");
}
