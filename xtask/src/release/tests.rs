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
