use super::*;

fn spec(dir: &Path, platform: &str, binary: &[u8]) -> Package {
    let bin = dir.join(format!("bin-{platform}"));
    std::fs::write(&bin, binary).unwrap();
    let manifest = dir.join(MANIFEST_FILE);
    std::fs::write(
        &manifest,
        r#"{"version":1,"metadata":{"protocol_versions":["6.0"]}}"#,
    )
    .unwrap();
    Package {
        version: "0.1.0".into(),
        platform: platform.parse().unwrap(),
        binary: bin,
        manifest,
        sandbox: None,
        out_dir: dir.join("dist"),
    }
}

#[test]
fn writes_the_registry_layout_and_sums_that_verify() {
    let dir = tempfile::tempdir().unwrap();
    let out = package(&spec(dir.path(), "linux_amd64", b"provider")).unwrap();
    let dist = dir.path().join("dist");
    assert_eq!(
        out.archive,
        dist.join("terraform-provider-nac_0.1.0_linux_amd64.zip")
    );
    let sums = std::fs::read_to_string(&out.sha256sums).unwrap();
    let lines: Vec<&str> = sums.lines().collect();
    assert_eq!(lines.len(), 2, "{sums}");
    for line in lines {
        let (digest, name) = line.split_once("  ").unwrap();
        assert_eq!(sha256_file(&dist.join(name)).unwrap(), digest, "{name}");
    }
    assert_eq!(
        std::fs::read_to_string(&out.manifest).unwrap(),
        r#"{"version":1,"metadata":{"protocol_versions":["6.0"]}}"#
    );
    let lock = std::fs::read_to_string(&out.lock_file).unwrap();
    assert!(
        lock.contains(&format!("zh:{}", out.archive_sha256)),
        "{lock}"
    );
}

#[test]
fn a_second_platform_joins_the_sums_and_the_mirror() {
    let dir = tempfile::tempdir().unwrap();
    package(&spec(dir.path(), "linux_amd64", b"amd64")).unwrap();
    let out = package(&spec(dir.path(), "linux_arm64", b"arm64")).unwrap();
    let sums = std::fs::read_to_string(&out.sha256sums).unwrap();
    assert!(
        sums.contains("_linux_amd64.zip") && sums.contains("_linux_arm64.zip"),
        "{sums}"
    );
    assert!(out
        .mirror
        .join("registry.opentofu.org/network-as-code/nac/terraform-provider-nac_0.1.0_linux_amd64.zip")
        .is_file());
}

#[test]
fn a_wrong_manifest_or_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut bad = spec(dir.path(), "linux_amd64", b"x");
    std::fs::write(
        &bad.manifest,
        r#"{"version":1,"metadata":{"protocol_versions":["5.0"]}}"#,
    )
    .unwrap();
    let error = format!("{:#}", package(&bad).unwrap_err());
    assert!(error.contains("protocol_versions"), "{error}");
    bad = spec(dir.path(), "linux_amd64", b"x");
    bad.version = "v0.1".into();
    let error = format!("{:#}", package(&bad).unwrap_err());
    assert!(error.contains("MAJOR.MINOR.PATCH"), "{error}");
}

/// `spec` with a sandbox executable for the same platform.
fn spec_with_sandbox(dir: &Path, platform: &str, binary: &[u8], sandbox: &[u8]) -> Package {
    let path = dir.join(format!("sandbox-{platform}"));
    std::fs::write(&path, sandbox).unwrap();
    Package {
        sandbox: Some(path),
        ..spec(dir, platform, binary)
    }
}

/// The single entry of a zip: its name, its Unix mode bits and its bytes.
fn zip_entry(path: &Path) -> (String, u32, Vec<u8>) {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    assert_eq!(archive.len(), 1, "{}", path.display());
    let mut entry = archive.by_index(0).unwrap();
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes).unwrap();
    (
        entry.name().unwrap().into_owned(),
        entry.unix_mode().unwrap_or(0) & 0o777,
        bytes,
    )
}

#[test]
fn the_sandbox_gets_its_own_archive_in_the_sums_but_not_in_the_mirror_or_lock() {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().join("dist");
    package(&spec_with_sandbox(
        dir.path(),
        "linux_amd64",
        b"provider-amd64",
        b"sandbox-amd64",
    ))
    .unwrap();
    let out = package(&spec_with_sandbox(
        dir.path(),
        "windows_amd64",
        b"provider-win",
        b"sandbox-win",
    ))
    .unwrap();
    let sandbox_archive = out.sandbox_archive.clone().expect("a sandbox archive");
    assert_eq!(
        sandbox_archive,
        dist.join("nac-sandbox_0.1.0_windows_amd64.zip")
    );
    assert_eq!(
        zip_entry(&dist.join("nac-sandbox_0.1.0_linux_amd64.zip")),
        ("nac-sandbox".to_owned(), 0o755, b"sandbox-amd64".to_vec())
    );
    assert_eq!(
        zip_entry(&sandbox_archive),
        ("nac-sandbox.exe".to_owned(), 0o755, b"sandbox-win".to_vec())
    );

    // SHA256SUMS covers both platforms of both programs, and every line verifies.
    let sums = std::fs::read_to_string(&out.sha256sums).unwrap();
    let names: Vec<&str> = sums
        .lines()
        .map(|l| l.split_once("  ").unwrap().1)
        .collect();
    assert_eq!(
        names,
        [
            "nac-sandbox_0.1.0_linux_amd64.zip",
            "nac-sandbox_0.1.0_windows_amd64.zip",
            "terraform-provider-nac_0.1.0_linux_amd64.zip",
            "terraform-provider-nac_0.1.0_manifest.json",
            "terraform-provider-nac_0.1.0_windows_amd64.zip",
        ],
        "{sums}"
    );
    for line in sums.lines() {
        let (digest, name) = line.split_once("  ").unwrap();
        assert_eq!(sha256_file(&dist.join(name)).unwrap(), digest, "{name}");
    }

    // The mirror and the lock entries hold providers only.
    let lock = std::fs::read_to_string(&out.lock_file).unwrap();
    for name in [
        "nac-sandbox_0.1.0_linux_amd64.zip",
        "nac-sandbox_0.1.0_windows_amd64.zip",
    ] {
        let digest = sha256_file(&dist.join(name)).unwrap();
        assert!(
            !lock.contains(&digest),
            "{name} in the lock entries: {lock}"
        );
    }
    assert_eq!(
        lock.matches("zh:").count(),
        2 * mirror::HOSTS.len(),
        "{lock}"
    );
    let mirrored: Vec<String> = walk(&out.mirror);
    assert!(
        !mirrored.is_empty() && mirrored.iter().all(|f| !f.contains("nac-sandbox")),
        "{mirrored:?}"
    );
}

fn walk(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path.display().to_string());
        }
    }
    files
}
