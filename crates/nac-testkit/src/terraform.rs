//! Acceptance-test harness: a sandbox started in-process per test, a scratch Terraform working directory
//! wired to the provider binary built by cargo (a `dev_overrides` CLI config, so no `terraform init`),
//! and helpers to run `terraform` and to drive the sandbox's admin API.
//!
//! ```ignore
//! let tf = Harness::start();
//! tf.write_config(r#"resource "nac_qod_session" "a" { ... }"#);
//! tf.apply();
//! assert_eq!(tf.plan_detailed().code, 0);
//! ```

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use nac_api::wire::SessionInfo;
use nac_sandbox::{RunningSandbox, SandboxConfig, StatsReport};
use reqwest::Method;
use serde_json::Value as Json;

use super::admin::{self, Admin};
use super::api::api_request;

/// The Terraform binary the tests drive: `TERRAFORM` if set, else `terraform` on `PATH`. Missing, it
/// fails the test with a message naming both.
pub fn terraform_binary() -> PathBuf {
    find_terraform(
        std::env::var_os("TERRAFORM").filter(|v| !v.is_empty()),
        std::env::var_os("PATH"),
    )
    .unwrap_or_else(|message| panic!("{message}"))
}

/// [`terraform_binary`]'s search, with its inputs given.
pub fn find_terraform(
    explicit: Option<std::ffi::OsString>,
    path: Option<std::ffi::OsString>,
) -> Result<PathBuf, String> {
    if let Some(explicit) = explicit {
        return which::which(&explicit).map_err(|_| {
            format!(
                "TERRAFORM={} is not an executable; point TERRAFORM at terraform (>= 1.6) or unset it to use terraform on PATH",
                Path::new(&explicit).display()
            )
        });
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    which::which_in("terraform", path.as_ref(), cwd).map_err(|_| {
        format!(
            "terraform was not found on PATH ({}); install terraform (>= 1.6) on PATH or set TERRAFORM=/path/to/terraform",
            path.as_deref().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default()
        )
    })
}

/// The provider binary cargo built for this test run (`NAC_PROVIDER_BINARY` overrides, e.g. to test a
/// release build; Terraform needs it named `terraform-provider-nac`).
pub fn provider_binary() -> PathBuf {
    std::env::var_os("NAC_PROVIDER_BINARY")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::binary("terraform-provider-nac"))
}

pub const TOKEN: &str = "acceptance-test-key";

/// What one `terraform` command did.
#[derive(Debug)]
pub struct TfOutput {
    pub args: Vec<String>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl TfOutput {
    pub fn success(&self) -> bool {
        self.code == 0
    }

    /// stdout and stderr together (Terraform prints diagnostics on stderr).
    pub fn output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    #[track_caller]
    pub fn assert_success(self) -> Self {
        assert!(
            self.success(),
            "terraform {} failed ({}):\n{}",
            self.args.join(" "),
            self.code,
            self.output()
        );
        self
    }

    #[track_caller]
    pub fn assert_failure(self) -> Self {
        assert!(
            !self.success(),
            "terraform {} succeeded but should have failed:\n{}",
            self.args.join(" "),
            self.output()
        );
        self
    }

    /// The `Plan: N to add, M to change, K to destroy.` counts of a plan or apply.
    pub fn plan_counts(&self) -> Option<(u32, u32, u32)> {
        let line = self.stdout.lines().find(|l| l.contains(" to add, "))?;
        let numbers: Vec<u32> = line
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse().ok())
            .collect();
        match numbers[..] {
            [add, change, destroy, ..] => Some((add, change, destroy)),
            _ => None,
        }
    }
}

pub struct Harness {
    /// Runs the sandbox in the background; also usable by tests for their own async calls.
    pub runtime: tokio::runtime::Runtime,
    sandbox: Option<RunningSandbox>,
    sandbox_config: SandboxConfig,
    dir: tempfile::TempDir,
    http: reqwest::Client,
    pub admin: Admin,
    /// Extra environment for every terraform command (e.g. `TF_LOG`).
    pub env: Vec<(String, String)>,
    /// The tool to run instead of [`terraform_binary`] (see [`crate::tools::Tool`]).
    pub tool: Option<PathBuf>,
}

impl Harness {
    /// A sandbox that activates sessions after 50 ms, and an empty working directory.
    pub fn start() -> Self {
        Self::start_with(|_| {})
    }

    /// Same, with the sandbox configuration adjusted by `configure`.
    pub fn start_with(configure: impl FnOnce(&mut SandboxConfig)) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let mut config = SandboxConfig {
            activation_delay: Duration::from_millis(50),
            ..admin::ephemeral_config()
        };
        configure(&mut config);
        let sandbox = runtime.block_on(admin::start_sandbox_with(config.clone()));
        // Keep the port, so that a restarted sandbox is where the configuration points.
        config.listen = sandbox.running.addr();
        let http = {
            let _guard = runtime.enter();
            reqwest::Client::new()
        };
        let dir = tempfile::Builder::new()
            .prefix("nac-acceptance-")
            .tempdir()
            .expect("temp dir");
        let plugin_dir = provider_binary().parent().unwrap().to_path_buf();
        std::fs::write(
            dir.path().join("terraform.rc"),
            format!(
                "provider_installation {{\n  dev_overrides {{\n    \"network-as-code/nac\" = {:?}\n  }}\n  direct {{}}\n}}\n",
                plugin_dir.display().to_string()
            ),
        )
        .unwrap();
        Self {
            runtime,
            sandbox: Some(sandbox.running),
            sandbox_config: config,
            dir,
            http,
            admin: sandbox.admin,
            env: Vec::new(),
            tool: None,
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.sandbox_config.listen)
    }

    pub fn workdir(&self) -> &Path {
        self.dir.path()
    }

    /// The `terraform {}` and `provider "nac" {}` blocks pointing at this sandbox.
    pub fn provider_hcl(&self) -> String {
        format!(
            "terraform {{\n  required_providers {{\n    nac = {{ source = \"network-as-code/nac\" }}\n  }}\n}}\n\n\
             provider \"nac\" {{\n  base_url = \"{}\"\n}}\n\n",
            self.base_url()
        )
    }

    /// Writes `main.tf`: the provider blocks followed by `body`. Line numbers in Terraform's messages
    /// are those of `main.tf` (see [`Harness::line_of`]).
    pub fn write_config(&self, body: &str) {
        self.write_file("main.tf", &format!("{}{}", self.provider_hcl(), body));
    }

    pub fn write_file(&self, name: &str, contents: &str) {
        std::fs::write(self.workdir().join(name), contents).unwrap();
    }

    pub fn remove_file(&self, name: &str) {
        let _ = std::fs::remove_file(self.workdir().join(name));
    }

    /// The 1-based line of `main.tf` that is `needle` (ignoring indentation), else the first holding it.
    pub fn line_of(&self, needle: &str) -> usize {
        let text = std::fs::read_to_string(self.workdir().join("main.tf")).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        lines
            .iter()
            .position(|l| l.trim() == needle.trim())
            .or_else(|| lines.iter().position(|l| l.contains(needle)))
            .unwrap_or_else(|| panic!("{needle:?} not in main.tf"))
            + 1
    }

    /// Runs `terraform <args>` in the working directory (no input, no colour, automation mode).
    pub fn terraform(&self, args: &[&str]) -> TfOutput {
        let started = Instant::now();
        let out = self.command(args).output().expect("run terraform");
        TfOutput {
            args: args.iter().map(|s| s.to_string()).collect(),
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            elapsed: started.elapsed(),
        }
    }

    /// The `terraform <args>` command of [`Harness::terraform`], not started (e.g. to interrupt it).
    pub fn command(&self, args: &[&str]) -> Command {
        let binary = self.tool.clone().unwrap_or_else(terraform_binary);
        let mut command = Command::new(binary);
        command
            .args(args)
            .current_dir(self.workdir())
            .env("TF_CLI_CONFIG_FILE", self.workdir().join("terraform.rc"))
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            .env("NAC_TOKEN", TOKEN)
            .env("RUST_LIB_BACKTRACE", "0")
            .env_remove("NAC_BASE_URL")
            .env_remove("NAC_BATCH_READS")
            .env_remove("NAC_ENVIRONMENT");
        for (k, v) in &self.env {
            command.env(k, v);
        }
        command
    }

    /// `terraform apply -auto-approve`, asserted to succeed.
    #[track_caller]
    pub fn apply(&self) -> TfOutput {
        self.terraform(&["apply", "-auto-approve", "-input=false", "-no-color"])
            .assert_success()
    }

    /// `terraform apply -auto-approve`, whatever its outcome.
    pub fn try_apply(&self) -> TfOutput {
        self.terraform(&["apply", "-auto-approve", "-input=false", "-no-color"])
    }

    /// `terraform plan`, whatever its outcome.
    pub fn plan(&self) -> TfOutput {
        self.terraform(&["plan", "-input=false", "-no-color"])
    }

    /// `terraform plan -detailed-exitcode`: 0 no changes, 1 error, 2 changes.
    pub fn plan_detailed(&self) -> TfOutput {
        self.terraform(&["plan", "-detailed-exitcode", "-input=false", "-no-color"])
    }

    #[track_caller]
    pub fn destroy(&self) -> TfOutput {
        self.terraform(&["destroy", "-auto-approve", "-input=false", "-no-color"])
            .assert_success()
    }

    /// `terraform show -json` of the state.
    #[track_caller]
    pub fn show_json(&self) -> Json {
        let out = self
            .terraform(&["show", "-json", "-no-color"])
            .assert_success();
        serde_json::from_str(&out.stdout).expect("show -json is JSON")
    }

    /// The attribute values of a resource or data source in state (`nac_qod_session.a`,
    /// `data.nac_device_sessions.mine`), or `None` if it is not in state.
    pub fn state_values(&self, address: &str) -> Option<Json> {
        let state = self.show_json();
        let resources = state["values"]["root_module"]["resources"]
            .as_array()?
            .clone();
        resources
            .into_iter()
            .find(|r| r["address"] == address)
            .map(|r| r["values"].clone())
    }

    /// One string attribute of a resource in state.
    #[track_caller]
    pub fn state_string(&self, address: &str, attribute: &str) -> String {
        let values = self
            .state_values(address)
            .unwrap_or_else(|| panic!("{address} not in state"));
        values[attribute]
            .as_str()
            .unwrap_or_else(|| {
                panic!(
                    "{address}.{attribute} is not a string: {}",
                    values[attribute]
                )
            })
            .to_string()
    }

    // ---- the sandbox ----

    pub fn stats(&self) -> StatsReport {
        self.sandbox.as_ref().unwrap().stats()
    }

    /// API requests the sandbox has received (the admin API not counted).
    pub fn request_count(&self) -> u64 {
        self.stats().requests
    }

    /// Requests to the QoD API itself: [`request_count`](Self::request_count) without the QoS Profiles
    /// API's (which a plan of a create reads once per provider process).
    pub fn qod_request_count(&self) -> u64 {
        let stats = self.stats();
        stats.requests - stats.profile_requests
    }

    /// Runs one of the async helpers (e.g. of [`Harness::admin`]) to completion.
    pub fn block_on<T>(&self, future: impl Future<Output = T>) -> T {
        self.runtime.block_on(future)
    }

    /// Ids of the sessions the sandbox holds that have not ended (REQUESTED or AVAILABLE).
    pub fn live_session_ids(&self) -> std::collections::HashSet<String> {
        self.sandbox_sessions()
            .into_iter()
            .filter(|s| s.qos_status != nac_api::wire::QosStatus::Unavailable)
            .map(|s| s.session_id)
            .collect()
    }

    /// Ids in state of `nac_qod_session.<prefix>0` .. `<prefix>{count - 1}` (those in state).
    pub fn state_session_ids(
        &self,
        prefix: &str,
        count: usize,
    ) -> std::collections::HashSet<String> {
        (0..count)
            .filter_map(|i| {
                self.state_values(&format!("nac_qod_session.{prefix}{i}"))
                    .and_then(|v| v["id"].as_str().map(str::to_string))
            })
            .collect()
    }

    /// Every session the sandbox holds, as the API shows it.
    pub fn sandbox_sessions(&self) -> Vec<SessionInfo> {
        self.block_on(self.admin.sessions())
    }

    pub fn sandbox_session(&self, id: &str) -> Option<SessionInfo> {
        self.sandbox_sessions()
            .into_iter()
            .find(|s| s.session_id == id)
    }

    /// Moves the sandbox clock forward (sessions expire accordingly).
    pub fn advance_clock(&self, seconds: u64) {
        self.block_on(self.admin.advance_clock(seconds as f64));
    }

    /// The network ends a session (UNAVAILABLE, NETWORK_TERMINATED).
    pub fn terminate(&self, id: &str) {
        self.block_on(self.admin.terminate(id));
    }

    /// Sets the sandbox's faults (`{"latency_ms": 0, "error_rate": 0.2, ...}`).
    pub fn set_faults(&self, faults: Json) {
        self.block_on(self.admin.set_faults(faults));
    }

    /// Deletes a session through the public API, as another client would.
    pub fn delete_session(&self, id: &str) {
        let url = format!("{}/quality-on-demand/v1/sessions/{id}", self.base_url());
        let request = api_request(&self.http, Method::DELETE, &url, TOKEN);
        let response = self.block_on(request.send()).expect("delete request");
        assert_eq!(response.status().as_u16(), 204, "sandbox delete of {id}");
    }

    /// Stops the sandbox (e.g. to test an unreachable API). Sandbox calls need a
    /// [`Harness::restart_sandbox`] afterwards.
    pub fn stop_sandbox(&mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            self.runtime.block_on(sandbox.shutdown());
        }
    }

    /// Starts the sandbox again on the same address with the same configuration (sessions survive
    /// only if it has a `state_file`).
    pub fn restart_sandbox(&mut self) {
        self.stop_sandbox();
        let sandbox = self.block_on(admin::start_sandbox_with(self.sandbox_config.clone()));
        self.sandbox = Some(sandbox.running);
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.stop_sandbox();
    }
}

/// A `nac_qod_session` resource block with a device identified by `nai`, for tests that need several
/// distinct sessions. `extra` goes inside the block.
pub fn session_hcl(name: &str, nai: &str, extra: &str) -> String {
    format!(
        r#"
resource "nac_qod_session" "{name}" {{
  profile      = "DOWNLINK_L_UPLINK_L"
  service_ipv4 = "233.252.0.9"
  {extra}
  device {{
    network_access_identifier = "{nai}"
  }}
}}
"#
    )
}
