//! Terraform working directories for the benchmark: the provider through `dev_overrides` (no `terraform
//! init`), or `terraform_data` resources (the floor: Terraform core without any plugin), and timed runs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

/// `terraform` as found on PATH; `TERRAFORM` overrides.
pub fn terraform_binary() -> String {
    std::env::var("TERRAFORM").unwrap_or_else(|_| "terraform".into())
}

/// One finished `terraform` command.
pub struct Run {
    pub elapsed: Duration,
    /// CPU time of terraform and every plugin process it started (user + system).
    pub cpu: Duration,
    pub stdout: String,
}

/// Where Terraform finds each provider (`dev_overrides`: provider source → directory).
pub struct Plugins {
    pub nac: PathBuf,
    /// `bench/null` (benches/support/null_provider.rs), when it was built.
    pub null: Option<PathBuf>,
}

pub struct Workspace {
    pub dir: PathBuf,
    env: Vec<(String, String)>,
    /// Runs this instead of [`terraform_binary`] (row 10 needs Terraform 1.14+).
    binary: Option<PathBuf>,
}

impl Workspace {
    /// A fresh directory `root/name` whose CLI configuration serves the providers from `plugins`.
    pub fn create(root: &Path, name: &str, plugins: &Plugins) -> anyhow::Result<Self> {
        let dir = root.join(name);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        let mut overrides = format!(
            "    \"network-as-code/nac\" = {:?}\n",
            plugins.nac.display().to_string()
        );
        if let Some(null) = &plugins.null {
            overrides += &format!("    \"bench/null\" = {:?}\n", null.display().to_string());
        }
        std::fs::write(
            dir.join("terraform.rc"),
            format!(
                "provider_installation {{\n  dev_overrides {{\n{overrides}  }}\n  direct {{}}\n}}\n"
            ),
        )?;
        Ok(Self {
            dir,
            env: Vec::new(),
            binary: None,
        })
    }

    pub fn env_remove(&mut self, key: &str) {
        self.env.retain(|(k, _)| k != key);
    }

    /// Sets (or replaces) one variable of the extra environment for every command (Terraform passes its
    /// environment on to the plugin).
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
    }

    pub fn set_binary(&mut self, binary: PathBuf) {
        self.binary = Some(binary);
    }

    pub fn write_main(&self, hcl: &str) -> anyhow::Result<()> {
        std::fs::write(self.dir.join("main.tf"), hcl)?;
        Ok(())
    }

    /// Runs `terraform <args>`; fails unless it exits with `expected_code`.
    pub fn run(&self, args: &[&str], expected_code: i32) -> anyhow::Result<Run> {
        let binary = self
            .binary
            .clone()
            .unwrap_or_else(|| terraform_binary().into());
        let mut command = Command::new(&binary);
        command
            .args(args)
            .current_dir(&self.dir)
            .env("TF_CLI_CONFIG_FILE", self.dir.join("terraform.rc"))
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            .env("NAC_TOKEN", super::sandbox::API_KEY)
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_CORE")
            .env_remove("TF_LOG_PROVIDER")
            .env_remove("TF_LOG_PATH")
            .env_remove("NAC_PLUGIN_NAGLE")
            .env_remove("NAC_BATCH_READS")
            .env_remove("NAC_BASE_URL");
        for (k, v) in &self.env {
            command.env(k, v);
        }
        let cpu_before = children_cpu();
        let started = Instant::now();
        let out = command
            .output()
            .with_context(|| format!("running {}", binary.display()))?;
        let elapsed = started.elapsed();
        let cpu = children_cpu().saturating_sub(cpu_before);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let code = out.status.code().unwrap_or(-1);
        if code != expected_code {
            bail!(
                "terraform {} in {} exited {code} (expected {expected_code}):\n{stdout}\n{stderr}",
                args.join(" "),
                self.dir.display()
            );
        }
        Ok(Run {
            elapsed,
            cpu,
            stdout,
        })
    }

    /// `terraform apply` that must add `count` resources.
    pub fn apply(&self, count: usize) -> anyhow::Result<Run> {
        self.apply_with(count, &[])
    }

    /// The same with extra arguments (e.g. `-parallelism=50`).
    pub fn apply_with(&self, count: usize, extra: &[&str]) -> anyhow::Result<Run> {
        let mut args = vec!["apply", "-auto-approve", "-input=false", "-no-color"];
        args.extend_from_slice(extra);
        let run = self.run(&args, 0)?;
        expect(
            &run,
            &format!("Resources: {count} added, 0 changed, 0 destroyed"),
        )?;
        Ok(run)
    }

    /// A `terraform plan` that must find nothing to do (refresh included, as in CI).
    pub fn plan_no_change(&self) -> anyhow::Result<Run> {
        let run = self.run(
            &["plan", "-input=false", "-no-color", "-detailed-exitcode"],
            0,
        )?;
        expect(&run, "No changes.")?;
        Ok(run)
    }

    /// `terraform destroy` that must destroy `count` resources.
    pub fn destroy(&self, count: usize) -> anyhow::Result<Run> {
        let run = self.run(
            &["destroy", "-auto-approve", "-input=false", "-no-color"],
            0,
        )?;
        expect(&run, &format!("Resources: {count} destroyed"))?;
        Ok(run)
    }
}

/// CPU used so far by this process's finished children and, through them, by their descendants
/// (terraform reaps its plugins, so their time is added to terraform's).
fn children_cpu() -> Duration {
    // SAFETY: getrusage writes into the struct we pass.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

fn expect(run: &Run, needle: &str) -> anyhow::Result<()> {
    if !run.stdout.contains(needle) {
        bail!("expected {needle:?} in terraform's output:\n{}", run.stdout);
    }
    Ok(())
}

/// `count` QoD sessions, each for its own device (`<prefix>-<i>@bench.example`).
pub fn sessions_hcl(base_url: &str, count: usize, prefix: &str) -> String {
    format!(
        r#"terraform {{
  required_providers {{
    nac = {{ source = "network-as-code/nac" }}
  }}
}}

provider "nac" {{
  base_url = "{base_url}"
}}

{}"#,
        session_resources("nac_qod_session", count, prefix)
    )
}

/// The same sessions as [`sessions_hcl`] as `null_qod_session`: nac's schema, no provider logic.
pub fn null_sessions_hcl(count: usize, prefix: &str) -> String {
    format!(
        "{NULL_PROVIDER}\n{}",
        session_resources("null_qod_session", count, prefix)
    )
}

/// `count` `null_resource`s of one string attribute: the plugin protocol's cost alone.
pub fn null_hcl(count: usize) -> String {
    format!(
        r#"{NULL_PROVIDER}
resource "null_resource" "s" {{
  count = {count}
  input = "null-${{count.index}}"
}}
"#
    )
}

const NULL_PROVIDER: &str = r#"terraform {
  required_providers {
    null = { source = "bench/null" }
  }
}
"#;

fn session_resources(resource_type: &str, count: usize, prefix: &str) -> String {
    format!(
        r#"resource "{resource_type}" "s" {{
  count        = {count}
  profile      = "DOWNLINK_L_UPLINK_L"
  service_ipv4 = "233.252.0.9"
  duration     = 3600
  device {{
    network_access_identifier = "{prefix}-${{count.index}}@bench.example"
  }}
}}
"#
    )
}

/// The floor: `count` resources Terraform core handles by itself.
pub fn floor_hcl(count: usize) -> String {
    format!(
        r#"resource "terraform_data" "s" {{
  count = {count}
  input = "floor-${{count.index}}"
}}
"#
    )
}
