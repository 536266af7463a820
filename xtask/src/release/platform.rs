//! Terraform's platform names (`linux_amd64`, `darwin_arm64`, ...): the `<os>_<arch>` part of every
//! archive name, and the one of the machine running the command.

use std::fmt;
use std::str::FromStr;

use anyhow::{bail, Result};

const OSES: [&str; 6] = [
    "linux", "darwin", "windows", "freebsd", "openbsd", "solaris",
];
const ARCHES: [&str; 4] = ["amd64", "arm64", "386", "arm"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub arch: String,
}

impl Platform {
    /// The platform this program was compiled for, in Go's names (Terraform's).
    pub fn host() -> Result<Self> {
        let os = match std::env::consts::OS {
            "macos" => "darwin",
            other => other,
        };
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            other => other,
        };
        format!("{os}_{arch}").parse()
    }

    /// The file name of the provider executable inside the archive.
    pub fn executable_name(&self, version: &str) -> String {
        format!("terraform-provider-nac_v{version}{}", self.exe_suffix())
    }

    /// The file name of the sandbox executable inside its archive: the command users type.
    pub fn sandbox_executable_name(&self) -> String {
        format!("nac-sandbox{}", self.exe_suffix())
    }

    fn exe_suffix(&self) -> &'static str {
        if self.os == "windows" {
            ".exe"
        } else {
            ""
        }
    }
}

impl FromStr for Platform {
    type Err = anyhow::Error;

    fn from_str(value: &str) -> Result<Self> {
        match value.split_once('_') {
            Some((os, arch)) if OSES.contains(&os) && ARCHES.contains(&arch) => Ok(Self {
                os: os.into(),
                arch: arch.into(),
            }),
            _ => bail!(
                "platform {value:?} is not <os>_<arch> with os one of {OSES:?} and arch one of {ARCHES:?} (e.g. linux_amd64)"
            ),
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}", self.os, self.arch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_bad_ones_are_explained() {
        let p: Platform = "darwin_arm64".parse().unwrap();
        assert_eq!(p.to_string(), "darwin_arm64");
        assert_eq!(p.executable_name("0.1.0"), "terraform-provider-nac_v0.1.0");
        let w: Platform = "windows_amd64".parse().unwrap();
        assert_eq!(
            w.executable_name("1.2.3"),
            "terraform-provider-nac_v1.2.3.exe"
        );
        let error = "linux-x86_64".parse::<Platform>().unwrap_err().to_string();
        assert!(error.contains("linux_amd64"), "{error}");
    }

    #[test]
    fn the_host_has_a_terraform_name() {
        let host = Platform::host().unwrap();
        assert!(!host.to_string().contains("x86_64"), "{host}");
    }
}
