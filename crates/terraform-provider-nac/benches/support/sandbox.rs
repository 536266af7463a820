//! The release `nac-sandbox` run as its own process (as a user would run it), and its admin API.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use serde_json::{json, Value as Json};
use tokio::runtime::Handle;

pub const API_KEY: &str = "bench-api-key";

pub struct SandboxProcess {
    child: Child,
    /// Kept open: the sandbox's stdout stays a live pipe for its whole life.
    _stdout: BufReader<ChildStdout>,
    pub base_url: String,
    http: reqwest::Client,
    runtime: Handle,
}

impl SandboxProcess {
    /// Starts `binary` on a free loopback port, sessions AVAILABLE in the create answer, no faults; its
    /// log goes to `log_file`.
    pub fn start(binary: &Path, log_file: &Path, runtime: Handle) -> anyhow::Result<Self> {
        Self::start_with_activation(binary, log_file, runtime, 0)
    }

    /// The same, sessions REQUESTED for `activation_delay_ms` before they are AVAILABLE.
    pub fn start_with_activation(
        binary: &Path,
        log_file: &Path,
        runtime: Handle,
        activation_delay_ms: u64,
    ) -> anyhow::Result<Self> {
        let log = File::create(log_file)?;
        let delay = activation_delay_ms.to_string();
        let mut child = Command::new(binary)
            .args(["--listen", "127.0.0.1:0", "--activation-delay-ms", &delay])
            .env("NAC_SANDBOX_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line)?;
        let Some(base_url) = line.split_whitespace().find(|w| w.starts_with("http://")) else {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "nac-sandbox did not print its address (got {line:?}); see {}",
                log_file.display()
            );
        };
        let http = {
            let _guard = runtime.enter();
            reqwest::Client::new()
        };
        Ok(Self {
            base_url: base_url.to_string(),
            child,
            _stdout: stdout,
            http,
            runtime,
        })
    }

    /// Runs a future on the benchmark's runtime (e.g. API calls of a row's setup).
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Json>,
    ) -> anyhow::Result<Json> {
        let url = format!("{}/_sandbox{path}", self.base_url);
        self.runtime.block_on(async {
            let mut request = self
                .http
                .request(method, &url)
                .timeout(Duration::from_secs(30));
            if let Some(body) = body {
                request = request.json(&body);
            }
            let response = request.send().await?;
            let status = response.status();
            let text = response.text().await?;
            if !status.is_success() {
                return Err(anyhow!("{url}: {status} {text}"));
            }
            Ok(serde_json::from_str(&text).unwrap_or(Json::Null))
        })
    }

    /// Milliseconds added to every API request from now on.
    pub fn set_latency_ms(&self, latency_ms: u64) -> anyhow::Result<()> {
        self.admin(
            reqwest::Method::PUT,
            "/faults",
            Some(json!({ "latency_ms": latency_ms, "error_rate": 0.0, "post_commit_error_rate": 0.0 })),
        )?;
        Ok(())
    }

    /// API requests received so far (`GET /_sandbox/stats`).
    pub fn requests(&self) -> anyhow::Result<u64> {
        let stats = self.admin(reqwest::Method::GET, "/stats", None)?;
        stats["requests"]
            .as_u64()
            .ok_or_else(|| anyhow!("stats without a request count: {stats}"))
    }

    /// Sessions the sandbox holds that have not ended (not UNAVAILABLE).
    pub fn live_sessions(&self) -> anyhow::Result<usize> {
        let sessions = self.admin(reqwest::Method::GET, "/sessions", None)?;
        Ok(sessions
            .as_array()
            .map(|all| {
                all.iter()
                    .filter(|s| s["qosStatus"] != "UNAVAILABLE")
                    .count()
            })
            .unwrap_or(0))
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
