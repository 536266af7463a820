//! Terraform working directories for the benchmark: the provider through `dev_overrides` (no `terraform
//! init`), or `terraform_data` resources (the floor: Terraform core without any plugin), and timed runs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

pub fn terraform_binary() -> String {
    std::env::var("TERRAFORM").unwrap_or_else(|_| "/usr/local/bin/terraform".into())
}

/// One finished `terraform` command.
pub struct Run {
    pub elapsed: Duration,
    pub stdout: String,
}

pub struct Workspace {
    pub dir: PathBuf,
    env: Vec<(String, String)>,
}

impl Workspace {
    /// A fresh directory `root/name` whose CLI configuration serves the provider from `plugin_dir`.
    pub fn create(root: &Path, name: &str, plugin_dir: &Path) -> anyhow::Result<Self> {
        let dir = root.join(name);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        std::fs::write(
            dir.join("terraform.rc"),
            format!(
                "provider_installation {{\n  dev_overrides {{\n    \"network-as-code/nac\" = {:?}\n  }}\n  direct {{}}\n}}\n",
                plugin_dir.display().to_string()
            ),
        )?;
        Ok(Self {
            dir,
            env: Vec::new(),
        })
    }

    /// Extra environment for every command (Terraform passes its environment on to the plugin).
    pub fn with_env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn write_main(&self, hcl: &str) -> anyhow::Result<()> {
        std::fs::write(self.dir.join("main.tf"), hcl)?;
        Ok(())
    }

    /// Runs `terraform <args>`; fails unless it exits with `expected_code`.
    pub fn run(&self, args: &[&str], expected_code: i32) -> anyhow::Result<Run> {
        let mut command = Command::new(terraform_binary());
        command
            .args(args)
            .current_dir(&self.dir)
            .env("TF_CLI_CONFIG_FILE", self.dir.join("terraform.rc"))
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            .env("NAC_TOKEN", super::sandbox::API_KEY)
            .env_remove("TF_LOG")
            .env_remove("NAC_PLUGIN_NAGLE")
            .env_remove("NAC_BASE_URL");
        for (k, v) in &self.env {
            command.env(k, v);
        }
        let started = Instant::now();
        let out = command
            .output()
            .with_context(|| format!("running {}", terraform_binary()))?;
        let elapsed = started.elapsed();
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
        Ok(Run { elapsed, stdout })
    }

    /// `terraform apply` that must add `count` resources.
    pub fn apply(&self, count: usize) -> anyhow::Result<Run> {
        let run = self.run(&["apply", "-auto-approve", "-input=false", "-no-color"], 0)?;
        expect(&run, &format!("Resources: {count} added, 0 changed, 0 destroyed"))?;
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
        let run = self.run(&["destroy", "-auto-approve", "-input=false", "-no-color"], 0)?;
        expect(&run, &format!("Resources: {count} destroyed"))?;
        Ok(run)
    }
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

resource "nac_qod_session" "s" {{
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
