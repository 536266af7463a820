//! The filesystem mirror Terraform and OpenTofu install from (`provider_installation {
//! filesystem_mirror { path = ... } }`), in the packed layout:
//! `<mirror>/<host>/network-as-code/nac/terraform-provider-nac_<version>_<os>_<arch>.zip`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// `source = "network-as-code/nac"` resolves to `registry.terraform.io` in Terraform and to
/// `registry.opentofu.org` in OpenTofu: the mirror serves both.
pub const HOSTS: [&str; 2] = ["registry.terraform.io", "registry.opentofu.org"];
pub const NAMESPACE: &str = "network-as-code";
pub const TYPE: &str = "nac";

/// Copies each archive into the mirror for every host; returns the files written.
pub fn populate(mirror: &Path, archives: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for host in HOSTS {
        let dir = mirror.join(host).join(NAMESPACE).join(TYPE);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        for archive in archives {
            let name = archive
                .file_name()
                .context("an archive path has no file name")?;
            let target = dir.join(name);
            link_or_copy(archive, &target)?;
            written.push(target);
        }
    }
    Ok(written)
}

/// A hard link where the file system allows it (the archives are never modified, and a debug build's
/// archive is tens of MB), else a copy.
fn link_or_copy(from: &Path, to: &Path) -> Result<()> {
    match std::fs::remove_file(to) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("replacing {}", to.display())),
    }
    if std::fs::hard_link(from, to).is_err() {
        std::fs::copy(from, to)
            .with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
    }
    Ok(())
}

/// The CLI configuration (`~/.terraformrc`, `TF_CLI_CONFIG_FILE`) that installs this provider from
/// `mirror` and every other provider as usual.
pub fn cli_config(mirror: &Path) -> String {
    let path = mirror.display().to_string();
    format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = {path:?}\n    include = [\"registry.terraform.io/{NAMESPACE}/{TYPE}\", \"registry.opentofu.org/{NAMESPACE}/{TYPE}\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/{NAMESPACE}/{TYPE}\", \"registry.opentofu.org/{NAMESPACE}/{TYPE}\"]\n  }}\n}}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_host_gets_the_packed_layout() {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir
            .path()
            .join("terraform-provider-nac_0.1.0_linux_amd64.zip");
        std::fs::write(&archive, "zip").unwrap();
        let written = populate(&dir.path().join("mirror"), std::slice::from_ref(&archive)).unwrap();
        for host in HOSTS {
            let expected = dir.path().join(format!(
                "mirror/{host}/network-as-code/nac/terraform-provider-nac_0.1.0_linux_amd64.zip"
            ));
            assert!(written.contains(&expected), "{written:?}");
            assert_eq!(std::fs::read(&expected).unwrap(), b"zip");
        }
    }

    #[test]
    fn the_cli_config_sends_only_this_provider_to_the_mirror() {
        let config = cli_config(Path::new("/opt/mirror"));
        assert!(config.contains("path    = \"/opt/mirror\""), "{config}");
        assert!(config.contains("direct {\n    exclude"), "{config}");
    }
}
