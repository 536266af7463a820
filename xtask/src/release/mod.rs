//! Release packaging in the Terraform Registry's layout (what `nac-release` writes):
//! `terraform-provider-nac_<version>_<os>_<arch>.zip` holding `terraform-provider-nac_v<version>`,
//! `terraform-provider-nac_<version>_manifest.json` (the checked-in `terraform-registry-manifest.json`),
//! `terraform-provider-nac_<version>_SHA256SUMS` over both, a filesystem mirror serving the archives
//! to Terraform and OpenTofu, and lock-file entries pinning their `zh:` checksums.
//! With a sandbox executable, also `nac-sandbox_<version>_<os>_<arch>.zip` holding `nac-sandbox`: covered
//! by SHA256SUMS (and so by its signature), but not a provider, so neither mirrored nor locked.
//!
//! Packaging into an existing directory adds to it: archives of other platforms of the same version
//! stay, and SHA256SUMS, mirror and lock entries cover all of them.

mod archive;
mod checksums;
pub mod mirror;
mod platform;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

pub use checksums::sha256_file;
pub use platform::Platform;

pub const MANIFEST_FILE: &str = "terraform-registry-manifest.json";
const NAME: &str = "terraform-provider-nac";
const SANDBOX: &str = "nac-sandbox";

/// What to package, and where.
#[derive(Debug, Clone)]
pub struct Package {
    pub version: String,
    pub platform: Platform,
    /// The provider executable built for `platform`.
    pub binary: PathBuf,
    /// The registry manifest to publish (`terraform-registry-manifest.json`).
    pub manifest: PathBuf,
    /// The `nac-sandbox` executable built for `platform`, packaged into an archive of its own.
    pub sandbox: Option<PathBuf>,
    pub out_dir: PathBuf,
}

/// The files a packaging run wrote.
#[derive(Debug, Clone)]
pub struct Packaged {
    pub archive: PathBuf,
    /// Hex SHA-256 of `archive` (the lock file's `zh:` hash).
    pub archive_sha256: String,
    /// The sandbox's archive, when a sandbox executable was given.
    pub sandbox_archive: Option<PathBuf>,
    pub sha256sums: PathBuf,
    pub manifest: PathBuf,
    /// The filesystem mirror's root, to give `filesystem_mirror { path = ... }`.
    pub mirror: PathBuf,
    /// Lock-file entries (`.terraform.lock.hcl` syntax) with every archive's `zh:` hash.
    pub lock_file: PathBuf,
    /// The CLI configuration file installing from `mirror`.
    pub cli_config: PathBuf,
}

pub fn archive_name(version: &str, platform: &Platform) -> String {
    format!("{NAME}_{version}_{platform}.zip")
}

pub fn sandbox_archive_name(version: &str, platform: &Platform) -> String {
    format!("{SANDBOX}_{version}_{platform}.zip")
}

pub fn package(spec: &Package) -> Result<Packaged> {
    check_version(&spec.version)?;
    let manifest_bytes = read_manifest(&spec.manifest)?;
    let out = &spec.out_dir;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let version = &spec.version;

    let archive = out.join(archive_name(version, &spec.platform));
    archive::write_zip(
        &spec.binary,
        &spec.platform.executable_name(version),
        &archive,
    )?;
    let sandbox_archive = match &spec.sandbox {
        Some(sandbox) => {
            let path = out.join(sandbox_archive_name(version, &spec.platform));
            archive::write_zip(sandbox, &spec.platform.sandbox_executable_name(), &path)?;
            Some(path)
        }
        None => None,
    };
    let manifest = out.join(format!("{NAME}_{version}_manifest.json"));
    std::fs::write(&manifest, manifest_bytes)
        .with_context(|| format!("writing {}", manifest.display()))?;

    let archives = archives_of_version(out, NAME, version)?;
    let sandbox_archives = archives_of_version(out, SANDBOX, version)?;
    let mut sums = Vec::new();
    for path in sandbox_archives.iter().chain(&archives).chain([&manifest]) {
        sums.push((file_name(path), sha256_file(path)?));
    }
    let sha256sums = out.join(format!("{NAME}_{version}_SHA256SUMS"));
    std::fs::write(&sha256sums, checksums::sha256sums(&sums))
        .with_context(|| format!("writing {}", sha256sums.display()))?;

    let mirror = out.join("mirror");
    mirror::populate(&mirror, &archives)?;
    // The provider's archives only: the sandbox is no provider.
    let provider_prefix = format!("{NAME}_");
    let zip_digests: Vec<String> = sums
        .iter()
        .filter(|(name, _)| name.starts_with(&provider_prefix) && name.ends_with(".zip"))
        .map(|(_, digest)| digest.clone())
        .collect();
    let lock_file = out.join("dependency-lock.hcl");
    std::fs::write(
        &lock_file,
        checksums::lock_file(&mirror::HOSTS, version, &zip_digests),
    )
    .with_context(|| format!("writing {}", lock_file.display()))?;
    let mirror = std::path::absolute(&mirror).unwrap_or(mirror);
    let cli_config = out.join("terraformrc");
    std::fs::write(&cli_config, mirror::cli_config(&mirror))
        .with_context(|| format!("writing {}", cli_config.display()))?;

    Ok(Packaged {
        archive_sha256: sha256_file(&archive)?,
        archive,
        sandbox_archive,
        sha256sums,
        manifest,
        mirror,
        lock_file,
        cli_config,
    })
}

/// A registry version: `MAJOR.MINOR.PATCH`, optionally `-prerelease`.
fn check_version(version: &str) -> Result<()> {
    let core = version.split_once('-').map_or(version, |(core, _)| core);
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() != 3
        || !parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        bail!(
            "version {version:?} is not MAJOR.MINOR.PATCH (e.g. 0.1.0), as the registry requires"
        );
    }
    Ok(())
}

/// The manifest must declare plugin protocol 6.0, the only one this provider speaks.
fn read_manifest(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let json: serde_json::Value = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not JSON", path.display()))?;
    let protocols = &json["metadata"]["protocol_versions"];
    if json["version"] != 1
        || !protocols
            .as_array()
            .is_some_and(|p| p.iter().any(|v| v == "6.0"))
    {
        bail!(
            "{} must be {{\"version\":1,\"metadata\":{{\"protocol_versions\":[\"6.0\"]}}}}; found {json}",
            path.display()
        );
    }
    Ok(bytes)
}

/// The `<name>_<version>_*.zip` archives in `out` (every platform packaged there so far).
fn archives_of_version(out: &Path, name: &str, version: &str) -> Result<Vec<PathBuf>> {
    let prefix = format!("{name}_{version}_");
    let mut archives = Vec::new();
    for entry in std::fs::read_dir(out).with_context(|| format!("listing {}", out.display()))? {
        let path = entry?.path();
        let name = file_name(&path);
        if name.starts_with(&prefix) && name.ends_with(".zip") && path.is_file() {
            archives.push(path);
        }
    }
    archives.sort();
    Ok(archives)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
