//! `cargo bench --bench terraform`: how fast Terraform runs with this provider, beside what Terraform
//! itself costs (`terraform_data`), the ideal under API latency, Nokia's Python SDK, and the sandbox alone.
//!
//! Cargo builds the provider and `nac-sandbox` in release mode for this target. Every row is measured in
//! this run; timings are the median of `NAC_BENCH_RUNS` runs (default 5, at least 3). The table is printed
//! and written to `target/bench-results.md`; scratch directories and logs are under `target/bench/`.
//! Needs terraform (`TERRAFORM`, default /usr/local/bin/terraform), python3 (the SDK row installs
//! `network_as_code` into target/sdk-venv if missing), GNU time (/usr/bin/time) and openssl.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use tokio::runtime::Runtime;

use support::load::LoadGenerator;
use support::measure::{median, ratio, secs, Samples};
use support::plugin::{self, Launch};
use support::sandbox::SandboxProcess;
use support::sdk::Sdk;
use support::table::{verdict, Report};
use support::terraform::{floor_hcl, sessions_hcl, terraform_binary, Workspace};

/// Resources in the main rows.
const N: usize = 50;
/// Terraform's default `-parallelism`.
const PARALLELISM: usize = 10;
const LATENCY_MS: u64 = 100;
const SCALE: [usize; 3] = [10, 50, 200];
const LOAD_CLIENTS: usize = 64;

fn main() -> anyhow::Result<()> {
    // `cargo bench` passes `--bench`; a filter argument is not supported (the table is one piece).
    let runs: usize = std::env::var("NAC_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
        .max(3);
    let provider = PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-nac"));
    let sandbox_binary = PathBuf::from(env!("CARGO_BIN_EXE_nac-sandbox"));
    let target_dir = provider
        .parent()
        .and_then(Path::parent)
        .context("the provider binary is not in a target directory")?
        .to_path_buf();
    let root = target_dir.join("bench");
    std::fs::create_dir_all(&root)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;

    let mut bench = Bench {
        runs,
        provider,
        sandbox_binary,
        root,
        runtime,
        report: Report::default(),
    };
    let started = std::time::Instant::now();
    bench.describe_setup();
    let terraform = bench.terraform_rows()?;
    bench.sdk_rows(&terraform)?;
    bench.scale_rows()?;
    bench.process_rows()?;
    bench.sandbox_rows()?;
    bench.report.note(format!(
        "Whole benchmark: {:.0} s.",
        started.elapsed().as_secs_f64()
    ));

    let table = bench.report.render();
    println!("\n{table}");
    let results = target_dir.join("bench-results.md");
    std::fs::write(&results, &table)?;
    eprintln!("bench: table written to {}", results.display());
    Ok(())
}

struct Bench {
    runs: usize,
    provider: PathBuf,
    sandbox_binary: PathBuf,
    root: PathBuf,
    runtime: Runtime,
    report: Report,
}

/// apply / no-change plan / destroy timings of one configuration, and API requests per resource.
#[derive(Default)]
struct Cycle {
    apply: Samples,
    plan: Samples,
    destroy: Samples,
    requests: [Vec<f64>; 3],
}

impl Cycle {
    /// apply, plan, destroy of `n` resources in `workspace`, counting `sandbox` requests per resource.
    fn run(
        &mut self,
        workspace: &Workspace,
        n: usize,
        sandbox: Option<&SandboxProcess>,
    ) -> anyhow::Result<()> {
        let count = || sandbox.map(|s| s.requests()).transpose();
        let before = count()?;
        self.apply.push(workspace.apply(n)?.elapsed);
        let applied = count()?;
        self.plan.push(workspace.plan_no_change()?.elapsed);
        let planned = count()?;
        self.destroy.push(workspace.destroy(n)?.elapsed);
        let destroyed = count()?;
        if let (Some(a), Some(b), Some(c), Some(d)) = (before, applied, planned, destroyed) {
            for (i, (from, to)) in [(a, b), (b, c), (c, d)].into_iter().enumerate() {
                self.requests[i].push((to - from) as f64 / n as f64);
            }
        }
        if let Some(sandbox) = sandbox {
            let left = sandbox.live_sessions()?;
            anyhow::ensure!(left == 0, "{left} sessions left in the sandbox after destroy");
        }
        Ok(())
    }

    fn requests_per_resource(&self, command: usize) -> f64 {
        median(&self.requests[command])
    }
}

/// Medians of the provider's `apply` + `destroy` of N at 0 ms and at 100 ms, beside which the SDK is shown.
struct ProviderTotals {
    zero_latency: f64,
    slow: f64,
}

impl Bench {
    fn describe_setup(&mut self) {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split(':').nth(1))
                    .map(|m| m.trim().to_string())
            })
            .unwrap_or_else(|| "unknown CPU".into());
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        let terraform_version = std::process::Command::new(terraform_binary())
            .arg("version")
            .output()
            .ok()
            .and_then(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .next()
                    .map(str::to_string)
            })
            .unwrap_or_default();
        self.report.header("# terraform-provider-nac benchmark");
        self.report.header(format!(
            "Machine: {cores} cores ({cpu}); {terraform_version}; parallelism {PARALLELISM} (Terraform's default)."
        ));
        self.report.header(format!(
            "Each timing: median of {} runs, (min–max) beside it. Binaries: {} and {} (release).",
            self.runs,
            self.provider.display(),
            self.sandbox_binary.display()
        ));
    }

    fn start_sandbox(&self, name: &str) -> anyhow::Result<SandboxProcess> {
        SandboxProcess::start(
            &self.sandbox_binary,
            &self.root.join(format!("{name}.log")),
            self.runtime.handle().clone(),
        )
    }

    fn plugin_dir(&self) -> PathBuf {
        self.provider.parent().unwrap().to_path_buf()
    }

    /// Rows 1 and 2: zero latency (with and without TCP_NODELAY) against the floor, then 100 ms latency
    /// against the ideal.
    fn terraform_rows(&mut self) -> anyhow::Result<ProviderTotals> {
        let sandbox = self.start_sandbox("sandbox")?;
        let plugins = self.plugin_dir();
        let floor_ws = Workspace::create(&self.root, "floor", &plugins)?;
        floor_ws.write_main(&floor_hcl(N))?;
        let nac_ws = Workspace::create(&self.root, "nac", &plugins)?;
        nac_ws.write_main(&sessions_hcl(&sandbox.base_url, N, "nac"))?;
        let nagle_ws =
            Workspace::create(&self.root, "nac-nagle", &plugins)?.with_env("NAC_PLUGIN_NAGLE", "1");
        nagle_ws.write_main(&sessions_hcl(&sandbox.base_url, N, "nagle"))?;

        let (mut floor, mut nac, mut nagle) = (Cycle::default(), Cycle::default(), Cycle::default());
        for run in 0..self.runs {
            eprintln!("bench: zero latency, run {}/{}", run + 1, self.runs);
            // Rotate the order so that no variant always runs first (page cache, CPU frequency).
            for step in 0..3 {
                match (run + step) % 3 {
                    0 => floor.run(&floor_ws, N, None)?,
                    1 => nac.run(&nac_ws, N, Some(&sandbox))?,
                    _ => nagle.run(&nagle_ws, N, Some(&sandbox))?,
                }
            }
        }

        let target = "≤ 2× floor";
        self.report
            .section(format!("1. Zero latency, {N} resources (activation delay 0)"));
        for (i, (name, f, p, g)) in [
            ("apply", &floor.apply, &nac.apply, &nagle.apply),
            ("plan (no change)", &floor.plan, &nac.plan, &nagle.plan),
            ("destroy", &floor.destroy, &nac.destroy, &nagle.destroy),
        ]
        .into_iter()
        .enumerate()
        {
            let provider_ratio = p.median() / f.median();
            self.report.row(
                format!("{name}: terraform_data (floor)"),
                f.seconds(),
                "",
                "",
            );
            self.report.row(
                format!(
                    "{name}: nac_qod_session ({:.1} API requests/resource)",
                    nac.requests_per_resource(i)
                ),
                p.seconds(),
                format!("{} floor", ratio(provider_ratio)),
                verdict(provider_ratio <= 2.0, target),
            );
            self.report.row(
                format!("{name}: nac_qod_session, Nagle on (NAC_PLUGIN_NAGLE=1)"),
                g.seconds(),
                format!(
                    "{} floor; TCP_NODELAY saves {} ({:.0}%)",
                    ratio(g.median() / f.median()),
                    secs(g.median() - p.median()),
                    (1.0 - p.median() / g.median()) * 100.0
                ),
                "",
            );
        }

        // Row 2: the same provider at 100 ms a request.
        sandbox.set_latency_ms(LATENCY_MS)?;
        let mut slow = Cycle::default();
        for run in 0..self.runs {
            eprintln!("bench: {LATENCY_MS} ms latency, run {}/{}", run + 1, self.runs);
            slow.run(&nac_ws, N, Some(&sandbox))?;
        }
        sandbox.set_latency_ms(0)?;
        let waves = N.div_ceil(PARALLELISM) as f64;
        let latency = LATENCY_MS as f64 / 1000.0;
        self.report.section(format!(
            "2. {LATENCY_MS} ms per API request, {N} resources; ideal = round trips/resource × {LATENCY_MS} ms × ceil({N}/{PARALLELISM})"
        ));
        for (i, (name, samples, floor_median)) in [
            ("apply", &slow.apply, floor.apply.median()),
            ("plan (no change)", &slow.plan, floor.plan.median()),
            ("destroy", &slow.destroy, floor.destroy.median()),
        ]
        .into_iter()
        .enumerate()
        {
            let round_trips = slow.requests_per_resource(i);
            let ideal = round_trips * latency * waves;
            let vs_ideal = samples.median() / ideal;
            let vs_floor_ideal = samples.median() / (floor_median + ideal);
            self.report.row(
                format!("{name}: nac_qod_session ({round_trips:.2} round trips/resource, counted)"),
                samples.seconds(),
                format!(
                    "ideal {}: {}; floor + ideal {}: {}",
                    secs(ideal),
                    ratio(vs_ideal),
                    secs(floor_median + ideal),
                    ratio(vs_floor_ideal)
                ),
                if i == 0 {
                    verdict(vs_ideal <= 1.2, "≤ 1.2× ideal")
                } else {
                    String::new()
                },
            );
        }
        Ok(ProviderTotals {
            zero_latency: nac.apply.median() + nac.destroy.median(),
            slow: slow.apply.median() + slow.destroy.median(),
        })
    }

    /// Row 3: Nokia's Python SDK creating and deleting the same sessions.
    fn sdk_rows(&mut self, terraform: &ProviderTotals) -> anyhow::Result<()> {
        let venv = self.root.parent().unwrap().join("sdk-venv");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/support/sdk_sessions.py");
        self.report.section(format!(
            "3. Nokia's Python SDK (network_as_code 8.0.0), create then delete {N} sessions"
        ));
        let sdk = match Sdk::prepare(&venv, &script) {
            Ok(sdk) => sdk,
            Err(e) => {
                self.report
                    .row("Python SDK", format!("not measured: {e:#}"), "", "");
                return Ok(());
            }
        };
        let sandbox = self.start_sandbox("sandbox-sdk")?;
        for latency_ms in [0, LATENCY_MS] {
            sandbox.set_latency_ms(latency_ms)?;
            for threads in [1, PARALLELISM] {
                let (mut create, mut delete, mut process) =
                    (Samples::default(), Samples::default(), Samples::default());
                for run in 0..self.runs {
                    eprintln!(
                        "bench: SDK, {latency_ms} ms, {threads} thread(s), run {}/{}",
                        run + 1,
                        self.runs
                    );
                    let result = sdk.run(&sandbox.base_url, N, threads, &format!("sdk{run}"))?;
                    create.push_secs(result.create_seconds);
                    delete.push_secs(result.delete_seconds);
                    process.push(result.process);
                }
                let terraform_total = if latency_ms == 0 {
                    terraform.zero_latency
                } else {
                    terraform.slow
                };
                let compared = format!(
                    "terraform apply + destroy with nac at {latency_ms} ms: {}",
                    secs(terraform_total)
                );
                self.report.row(
                    format!(
                        "SDK, {latency_ms} ms latency, {threads} thread(s): create {N} / delete {N}",
                        threads = threads
                    ),
                    format!("{} / {}", create.seconds(), delete.seconds()),
                    "",
                    "",
                );
                self.report.row(
                    format!("SDK, {latency_ms} ms latency, {threads} thread(s): whole script (Python start, import, create, delete)"),
                    process.seconds(),
                    compared,
                    "",
                );
            }
        }
        sandbox.set_latency_ms(0)?;
        Ok(())
    }

    /// Row 4: no-change plan time against N.
    fn scale_rows(&mut self) -> anyhow::Result<()> {
        let sandbox = self.start_sandbox("sandbox-scale")?;
        let plugins = self.plugin_dir();
        let floor_ws = Workspace::create(&self.root, "scale-floor", &plugins)?;
        let nac_ws = Workspace::create(&self.root, "scale-nac", &plugins)?;
        let mut plans: Vec<(usize, Samples, Samples)> = Vec::new();
        for n in SCALE {
            eprintln!("bench: scale, N = {n}");
            floor_ws.write_main(&floor_hcl(n))?;
            nac_ws.write_main(&sessions_hcl(&sandbox.base_url, n, &format!("scale{n}")))?;
            floor_ws.apply(n)?;
            nac_ws.apply(n)?;
            let (mut floor, mut nac) = (Samples::default(), Samples::default());
            for _ in 0..self.runs {
                floor.push(floor_ws.plan_no_change()?.elapsed);
                nac.push(nac_ws.plan_no_change()?.elapsed);
            }
            floor_ws.destroy(n)?;
            nac_ws.destroy(n)?;
            plans.push((n, floor, nac));
        }
        self.report.section("4. Scale: no-change plan against N");
        for (n, floor, nac) in &plans {
            self.report.row(
                format!("plan, N = {n}: nac_qod_session"),
                nac.seconds(),
                format!(
                    "floor {}: {}",
                    floor.seconds(),
                    ratio(nac.median() / floor.median())
                ),
                "",
            );
        }
        // Marginal cost per resource over each step of N; linear when the steps cost alike.
        let slope = |a: &(usize, Samples, Samples), b: &(usize, Samples, Samples), nac: bool| {
            let pick = |x: &(usize, Samples, Samples)| if nac { x.2.median() } else { x.1.median() };
            (pick(b) - pick(a)) / (b.0 - a.0) as f64
        };
        let (low, high) = (slope(&plans[0], &plans[1], true), slope(&plans[1], &plans[2], true));
        let (floor_low, floor_high) =
            (slope(&plans[0], &plans[1], false), slope(&plans[1], &plans[2], false));
        let growth = high / low;
        self.report.row(
            "plan cost per extra resource (nac_qod_session)",
            format!(
                "{:.1} ms ({}→{}), {:.1} ms ({}→{})",
                low * 1e3,
                SCALE[0],
                SCALE[1],
                high * 1e3,
                SCALE[1],
                SCALE[2]
            ),
            format!(
                "floor: {:.1} ms, {:.1} ms; provider's own share: {:.1} ms, {:.1} ms",
                floor_low * 1e3,
                floor_high * 1e3,
                (low - floor_low) * 1e3,
                (high - floor_high) * 1e3
            ),
            verdict(
                growth <= 1.5,
                &format!("linear in N (later step ≤ 1.5× the earlier per resource; measured {growth:.2}×)"),
            ),
        );
        Ok(())
    }

    /// Row 5: one provider process: peak RSS, launches per command, start-up time, binary size.
    fn process_rows(&mut self) -> anyhow::Result<()> {
        self.report.section("5. The provider process");
        let sandbox = self.start_sandbox("sandbox-rss")?;
        let rss_report = self.root.join("rss.txt");
        let wrapper_dir =
            plugin::rss_plugin_dir(&self.root.join("rss-plugin"), &self.provider, &rss_report)?;
        let ws = Workspace::create(&self.root, "rss", &wrapper_dir)?;
        ws.write_main(&sessions_hcl(&sandbox.base_url, N, "rss"))?;
        let mut peak_kib = 0;
        let mut launches = Vec::new();
        for (name, command) in [("apply", 0), ("plan", 1), ("destroy", 2)] {
            let _ = std::fs::remove_file(&rss_report);
            match command {
                0 => ws.apply(N)?,
                1 => ws.plan_no_change()?,
                _ => ws.destroy(N)?,
            };
            let per_process = plugin::read_rss_report(&rss_report)?;
            peak_kib = peak_kib.max(per_process.iter().copied().max().unwrap_or(0));
            launches.push(format!(
                "{name}: {} launches, max {:.1} MiB",
                per_process.len(),
                per_process.iter().copied().max().unwrap_or(0) as f64 / 1024.0
            ));
        }
        let peak_mib = peak_kib as f64 / 1024.0;
        self.report.row(
            format!("peak RSS of one provider process (apply/plan/destroy of {N})"),
            format!("{peak_mib:.1} MiB"),
            launches.join("; "),
            verdict(peak_mib < 20.0, "< 20 MB"),
        );
        let size = std::fs::metadata(&self.provider)?.len() as f64 / (1024.0 * 1024.0);
        self.report.row(
            "provider binary size (release, stripped)",
            format!("{size:.1} MiB"),
            "",
            "",
        );

        let launches = 20;
        let plain = plugin::time_to_handshake(
            &self.provider,
            &Launch {
                client_cert: None,
                nagle: false,
            },
            launches,
        )?;
        let no_relay = plugin::time_to_handshake(
            &self.provider,
            &Launch {
                client_cert: None,
                nagle: true,
            },
            launches,
        )?;
        self.report.row(
            format!("start-up: launch to handshake line ({launches} launches)"),
            plain.millis(),
            format!("without the TCP_NODELAY relay: {}", no_relay.millis()),
            "",
        );
        match plugin::client_certificate(&self.root) {
            Some(cert) => {
                let tls = plugin::time_to_handshake(
                    &self.provider,
                    &Launch {
                        client_cert: Some(&cert),
                        nagle: false,
                    },
                    launches,
                )?;
                self.report.row(
                    "start-up with PLUGIN_CLIENT_CERT (Terraform's AutoMTLS: makes a P-384 certificate)",
                    tls.millis(),
                    "",
                    "",
                );
            }
            None => self
                .report
                .note("openssl unavailable: start-up with AutoMTLS not measured."),
        }
        Ok(())
    }

    /// Row 6: the sandbox alone under 64 concurrent clients.
    fn sandbox_rows(&mut self) -> anyhow::Result<()> {
        let sandbox = self.start_sandbox("sandbox-load")?;
        let generator = LoadGenerator {
            runtime: &self.runtime,
            base_url: sandbox.base_url.clone(),
            sandbox_pid: sandbox.pid(),
            clients: LOAD_CLIENTS,
            warmup: Duration::from_millis(500),
            duration: Duration::from_secs(3),
        };
        eprintln!("bench: sandbox load, creates");
        let (creates, ids) = generator.creates();
        anyhow::ensure!(!ids.is_empty(), "no session was created under load");
        eprintln!("bench: sandbox load, GETs");
        let gets = generator.gets(ids);
        self.report.section(format!(
            "6. nac-sandbox alone, {LOAD_CLIENTS} concurrent clients, {} s each (client and server share the cores)",
            generator.duration.as_secs()
        ));
        for (name, result, target) in [
            ("creates/s (POST /sessions)", &creates, 5_000.0),
            ("GETs/s (GET /sessions/{id})", &gets, 20_000.0),
        ] {
            let per_second = result.per_second();
            let seconds = result.measured.as_secs_f64();
            self.report.row(
                name,
                format!("{per_second:.0}/s ({} errors)", result.errors),
                format!(
                    "CPU: sandbox {:.2} cores, load generator {:.2} cores; sandbox CPU per request {:.0} µs",
                    result.server_cpu / seconds,
                    result.client_cpu / seconds,
                    result.server_cpu / result.ok.max(1) as f64 * 1e6
                ),
                verdict(
                    per_second >= target,
                    &format!("≥ {}/s", target as u64),
                ),
            );
        }
        Ok(())
    }
}
