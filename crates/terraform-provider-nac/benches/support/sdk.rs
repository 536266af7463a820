//! The peer a user would otherwise script: Nokia's Python SDK (`network_as_code` 8.0.0) creating and
//! deleting the same sessions. It runs from the virtualenv `target/sdk-venv` (the SDK test's), made here
//! if missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde::Deserialize;

const SDK_REQUIREMENT: &str = "network_as_code==8.0.0";

pub struct Sdk {
    python: PathBuf,
    script: PathBuf,
}

#[derive(Debug, Deserialize)]
pub struct SdkRun {
    pub create_seconds: f64,
    pub delete_seconds: f64,
    pub created: usize,
    pub deleted: usize,
    #[serde(skip)]
    pub process: Duration,
}

impl Sdk {
    /// The SDK's interpreter, installing the SDK into `venv` first if it is not there (holding the same
    /// lock directory as tests/sandbox_python_sdk.rs, `<venv>.lock`, so that the two never install at once).
    pub fn prepare(venv: &Path, script: &Path) -> anyhow::Result<Self> {
        let python = venv.join("bin/python");
        let installed = |python: &Path| {
            python.exists()
                && Command::new(python)
                    .args([
                        "-c",
                        "import importlib.metadata as m, network_as_code; assert m.version('network_as_code') == '8.0.0'",
                    ])
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success())
        };
        if !installed(&python) {
            let lock = venv.with_extension("lock");
            let started = Instant::now();
            while std::fs::create_dir(&lock).is_err() {
                if started.elapsed() > Duration::from_secs(600) {
                    bail!(
                        "{} held for 10 minutes (remove it if no install is running)",
                        lock.display()
                    );
                }
                std::thread::sleep(Duration::from_millis(500));
            }
            let install = || -> anyhow::Result<()> {
                if installed(&python) {
                    return Ok(());
                }
                eprintln!(
                    "bench: installing {SDK_REQUIREMENT} into {}",
                    venv.display()
                );
                let made = Command::new("python3")
                    .arg("-m")
                    .arg("venv")
                    .arg(venv)
                    .status()?;
                let pip = made.success()
                    && Command::new(venv.join("bin/pip"))
                        .args([
                            "install",
                            "--disable-pip-version-check",
                            "--quiet",
                            SDK_REQUIREMENT,
                        ])
                        .status()?
                        .success();
                if !pip || !installed(&python) {
                    bail!(
                        "could not install {SDK_REQUIREMENT} into {}",
                        venv.display()
                    );
                }
                Ok(())
            };
            let result = install();
            let _ = std::fs::remove_dir(&lock);
            result?;
        }
        Ok(Self {
            python,
            script: script.to_path_buf(),
        })
    }

    /// Creates then deletes `count` sessions against `base_url` with `threads` threads.
    pub fn run(
        &self,
        base_url: &str,
        count: usize,
        threads: usize,
        prefix: &str,
    ) -> anyhow::Result<SdkRun> {
        let started = Instant::now();
        let out = Command::new(&self.python)
            .arg(&self.script)
            .args(["--base-url", base_url, "--prefix", prefix])
            .args([
                "--count",
                &count.to_string(),
                "--threads",
                &threads.to_string(),
            ])
            .args(["--token", super::sandbox::API_KEY])
            .output()
            .context("running the SDK script")?;
        let process = started.elapsed();
        if !out.status.success() {
            bail!(
                "the SDK script failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        let mut run: SdkRun = serde_json::from_str(stdout.trim())
            .with_context(|| format!("the SDK script printed {stdout:?}"))?;
        if run.created != count || run.deleted != count {
            bail!(
                "the SDK script created {} and deleted {} sessions, not {count}",
                run.created,
                run.deleted
            );
        }
        run.process = process;
        Ok(run)
    }
}
