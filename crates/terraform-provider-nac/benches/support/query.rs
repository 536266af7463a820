//! Row 10: `terraform query` (Terraform 1.15.5, installed under target/tools on first use) over
//! sessions made through the API, against the API calls it needs: one `GET /sessions` for the key's
//! sessions, or one retrieve-sessions per device.

use anyhow::{ensure, Context};
use reqwest::Method;
use serde_json::json;

use super::measure::Samples;
use super::sandbox::{SandboxProcess, API_KEY};
use super::table::verdict;
use super::terraform::{Plugins, Workspace};
use nac_testkit::tools::Tool;

/// Sessions (one per device) the row lists.
pub const SESSIONS: usize = 200;

fn nai(i: usize) -> String {
    format!("query-{i}@testcsp.net")
}

/// Creates `SESSIONS` sessions through the public API, as applications would.
pub fn create_sessions(sandbox: &SandboxProcess) -> anyhow::Result<()> {
    let url = format!("{}/quality-on-demand/v1/sessions", sandbox.base_url);
    sandbox.block_on(async {
        let http = reqwest::Client::new();
        for i in 0..SESSIONS {
            let body = json!({
                "qosProfile": "DOWNLINK_L_UPLINK_L",
                "device": {"networkAccessIdentifier": nai(i)},
                "applicationServer": {"ipv4Address": "233.252.0.9"},
                "duration": 3600,
            });
            let response = nac_testkit::api::api_request(&http, Method::POST, &url, API_KEY)
                .json(&body)
                .send()
                .await?;
            ensure!(
                response.status().as_u16() == 201,
                "create {i}: {}",
                response.status()
            );
        }
        Ok(())
    })
}

/// The `list` blocks: the key's sessions in one, or one per device.
pub fn query_hcl(per_device: bool) -> String {
    if !per_device {
        return "list \"nac_qod_session\" \"all\" {\n  provider = nac\n  limit    = 1000\n  config {\n    all_sessions = true\n  }\n}\n"
            .to_string();
    }
    (0..SESSIONS)
        .map(|i| {
            format!(
                "list \"nac_qod_session\" \"d{i}\" {{\n  provider = nac\n  config {{\n    device {{\n      network_access_identifier = \"{}\"\n    }}\n  }}\n}}\n",
                nai(i)
            )
        })
        .collect()
}

/// One way of querying: its timings and the API requests of each run.
#[derive(Default)]
pub struct QueryRuns {
    pub elapsed: Samples,
    pub requests: Vec<u64>,
}

/// Runs `terraform query <extra>` `runs` times in `workspace`, counting the sandbox's requests.
pub fn measure(
    workspace: &mut Workspace,
    sandbox: &SandboxProcess,
    runs: usize,
    extra: &[&str],
) -> anyhow::Result<QueryRuns> {
    workspace.set_binary(Tool::Terraform115.binary());
    let mut out = QueryRuns::default();
    for _ in 0..runs {
        let _ = std::fs::remove_file(workspace.dir.join("generated.tf"));
        let before = sandbox.requests()?;
        let mut args = vec!["query", "-no-color"];
        args.extend_from_slice(extra);
        let run = workspace.run(&args, 0).context("terraform query")?;
        out.requests.push(sandbox.requests()? - before);
        out.elapsed.push(run.elapsed);
        let listed = run.stdout.matches("DOWNLINK_L_UPLINK_L for query-").count();
        ensure!(
            listed == SESSIONS,
            "listed {listed} of {SESSIONS}:\n{}",
            run.stdout
        );
    }
    Ok(out)
}

impl crate::Bench {
    /// Row 10: `terraform query` over `SESSIONS` sessions: the key's list, the same with generated
    /// configuration, and one list block per device.
    pub(crate) fn query_rows(&mut self) -> anyhow::Result<()> {
        let sandbox = self.start_sandbox("query-sandbox")?;
        create_sessions(&sandbox)?;
        let plugins = Plugins {
            nac: self.plugins.nac.clone(),
            null: None,
        };
        let provider = format!(
            "terraform {{\n  required_providers {{\n    nac = {{ source = \"network-as-code/nac\" }}\n  }}\n}}\nprovider \"nac\" {{\n  base_url = \"{}\"\n}}\n",
            sandbox.base_url
        );
        self.report.section(format!(
            "10. terraform query over {SESSIONS} sessions made through the API (Terraform 1.15.5)"
        ));
        let cases: [(&str, bool, &[&str]); 3] = [
            (
                "one list block, `all_sessions = true` (GET /sessions)",
                false,
                &[],
            ),
            (
                "the same, `-generate-config-out` (resource objects + generated configuration)",
                false,
                &["-generate-config-out=generated.tf"],
            ),
            (
                "one list block per device (retrieve-sessions each)",
                true,
                &[],
            ),
        ];
        for (name, per_device, extra) in cases {
            let mut ws = Workspace::create(&self.root, "query", &plugins)?;
            ws.write_main(&provider)?;
            std::fs::write(ws.dir.join("search.tfquery.hcl"), query_hcl(per_device))?;
            let runs = measure(&mut ws, &sandbox, self.runs, extra)?;
            let needed = if per_device { SESSIONS as u64 } else { 1 };
            let requests = *runs.requests.iter().max().unwrap_or(&0);
            self.report.row(
                name,
                runs.elapsed.seconds(),
                format!("{requests} API requests (needed: {needed})"),
                verdict(requests == needed, "no request beyond the list calls"),
            );
        }
        Ok(())
    }
}
