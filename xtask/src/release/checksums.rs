//! SHA-256 checksums as the registry publishes them (`<hex>  <file>` lines, `sha256sum`'s format) and
//! as Terraform's dependency lock file records a zip archive (`zh:<hex>`).

use std::path::Path;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

pub fn sha256_file(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}

/// The SHA256SUMS file for `(file name, hex digest)` pairs, sorted by name so it is reproducible.
pub fn sha256sums(entries: &[(String, String)]) -> String {
    let mut entries = entries.to_vec();
    entries.sort();
    entries
        .iter()
        .map(|(name, digest)| format!("{digest}  {name}\n"))
        .collect()
}

/// A `.terraform.lock.hcl` block per registry host pinning `version` to the archives' `zh:` hashes
/// (Terraform records only `h1:` of the one platform it installs from a filesystem mirror; with these
/// lines committed, every platform's archive is checked against the published checksums).
pub fn lock_file(hosts: &[&str], version: &str, zip_digests: &[String]) -> String {
    let mut hashes: Vec<String> = zip_digests.iter().map(|d| format!("zh:{d}")).collect();
    hashes.sort();
    let hashes: String = hashes.iter().map(|h| format!("    \"{h}\",\n")).collect();
    let mut out = String::from(
        "# Dependency lock entries for terraform-provider-nac, from its SHA256SUMS (nac-release).\n",
    );
    for host in hosts {
        out.push_str(&format!(
            "\nprovider \"{host}/network-as-code/nac\" {{\n  version = \"{version}\"\n  hashes = [\n{hashes}  ]\n}}\n"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_are_sha256sum_lines_sorted_by_name() {
        let sums = sha256sums(&[
            ("b.zip".into(), "22".into()),
            ("a.json".into(), "11".into()),
        ]);
        assert_eq!(sums, "11  a.json\n22  b.zip\n");
    }

    #[test]
    fn digest_of_a_known_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("abc");
        std::fs::write(&path, "abc").unwrap();
        assert_eq!(
            sha256_file(&path).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn lock_entries_name_every_host() {
        let lock = lock_file(
            &["registry.terraform.io", "registry.opentofu.org"],
            "0.1.0",
            &["ff".into(), "aa".into()],
        );
        assert!(lock.contains("provider \"registry.terraform.io/network-as-code/nac\" {\n  version = \"0.1.0\"\n  hashes = [\n    \"zh:aa\",\n    \"zh:ff\",\n  ]\n}"), "{lock}");
        assert!(
            lock.contains("registry.opentofu.org/network-as-code/nac"),
            "{lock}"
        );
    }
}
