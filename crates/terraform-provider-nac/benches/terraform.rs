//! `cargo bench --bench terraform`: how fast Terraform runs with this provider, beside what Terraform
//! itself costs (`terraform_data`), the ideal under API latency, Nokia's Python SDK, and the sandbox alone.
//!
//! Cargo builds the provider and `nac-sandbox` in release mode for this target. Every row is measured in
//! this run; timings are the median of `NAC_BENCH_RUNS` runs (default 5, at least 3). The table is printed
//! and written to `target/bench-results.md`; scratch directories and logs are under `target/bench/`.
//! Needs terraform (on PATH; `TERRAFORM` overrides), python3 (the SDK row installs
//! `network_as_code` into target/sdk-venv if missing), GNU time (/usr/bin/time) and openssl.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use tokio::runtime::Runtime;

use support::load::LoadGenerator;
use support::measure::{median, ratio, secs, BackgroundLoad, Samples};
use support::plugin::{self, Launch};
use support::sandbox::SandboxProcess;
use support::sdk::Sdk;
use support::table::{verdict, Report};
use support::terraform::{
    floor_hcl, null_hcl, null_sessions_hcl, sessions_hcl, terraform_binary, Plugins, Workspace,
};

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
    let sandbox_binary = nac_testkit::binary("nac-sandbox");
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

    eprintln!("bench: building the do-nothing comparison provider (bench-null-provider)");
    let profile_dir = provider
        .parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .unwrap_or("release")
        .to_string();
    let null = match plugin::null_provider_dir(&target_dir, &profile_dir, &root.join("null-plugin"))
    {
        Ok(dir) => Some(dir),
        Err(e) => {
            eprintln!("bench: without the null-provider rows: {e:#}");
            None
        }
    };
    let plugins = Plugins {
        nac: provider.parent().unwrap().to_path_buf(),
        null,
    };
    let mut bench = Bench {
        runs,
        provider,
        sandbox_binary,
        root,
        runtime,
        plugins,
        report: Report::default(),
    };
    let started = std::time::Instant::now();
    bench.describe_setup();
    let mut background = Vec::new();
    let mut section = |name: &str, load: BackgroundLoad| {
        background.push(format!("{name} {:.2}", load.cores()));
    };
    // NAC_BENCH_ONLY=7,9 runs only those sections (for development; a full table needs all of them).
    let only: Option<Vec<u32>> = std::env::var("NAC_BENCH_ONLY")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect());
    let wanted = |row: u32| only.as_ref().is_none_or(|rows| rows.contains(&row));
    if wanted(1) {
        let load = BackgroundLoad::start();
        let terraform = bench.terraform_rows()?;
        section("rows 1–2", load);
        let load = BackgroundLoad::start();
        bench.sdk_rows(&terraform)?;
        section("row 3", load);
    }
    type Rows = fn(&mut Bench) -> anyhow::Result<()>;
    let rows: [(u32, Rows); 7] = [
        (4, Bench::scale_rows),
        (5, Bench::process_rows),
        (6, Bench::sandbox_rows),
        (7, Bench::refresh_rows),
        (8, Bench::activation_rows),
        (9, Bench::phase_rows),
        (10, Bench::query_rows),
    ];
    for (row, run) in rows {
        if wanted(row) {
            let load = BackgroundLoad::start();
            run(&mut bench)?;
            section(&format!("row {row}"), load);
        }
    }
    bench.report.note(format!(
        "Other processes' CPU use during the run, in cores (of {}): {}. Above ~0.2 the timings are \
         inflated by the competition; compare runs made on a quiet machine.",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        background.join(", ")
    ));
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
    plugins: Plugins,
    report: Report,
}

/// apply / no-change plan / destroy timings of one configuration, and API requests per resource.
#[derive(Default)]
struct Cycle {
    apply: Samples,
    plan: Samples,
    destroy: Samples,
    /// CPU seconds (terraform and its plugins) of apply, plan, destroy.
    cpu: [Samples; 3],
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
        let apply = workspace.apply(n)?;
        let applied = count()?;
        let plan = workspace.plan_no_change()?;
        let planned = count()?;
        let destroy = workspace.destroy(n)?;
        let destroyed = count()?;
        self.apply.push(apply.elapsed);
        self.plan.push(plan.elapsed);
        self.destroy.push(destroy.elapsed);
        for (i, run) in [apply, plan, destroy].iter().enumerate() {
            self.cpu[i].push(run.cpu);
        }
        if let (Some(a), Some(b), Some(c), Some(d)) = (before, applied, planned, destroyed) {
            for (i, (from, to)) in [(a, b), (b, c), (c, d)].into_iter().enumerate() {
                self.requests[i].push((to - from) as f64 / n as f64);
            }
        }
        if let Some(sandbox) = sandbox {
            let left = sandbox.live_sessions()?;
            anyhow::ensure!(
                left == 0,
                "{left} sessions left in the sandbox after destroy"
            );
        }
        Ok(())
    }

    fn requests_per_resource(&self, command: usize) -> f64 {
        median(&self.requests[command])
    }

    fn timings(&self) -> [&Samples; 3] {
        [&self.apply, &self.plan, &self.destroy]
    }
}

/// One configuration of row 1.
struct Variant {
    label: &'static str,
    workspace: Workspace,
    sandbox: bool,
    cycle: Cycle,
}

const COMMANDS: [&str; 3] = ["apply", "plan (no change)", "destroy"];

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

    /// Rows 1 and 2: zero latency (with and without TCP_NODELAY) against the floor, then 100 ms latency
    /// against the ideal.
    fn terraform_rows(&mut self) -> anyhow::Result<ProviderTotals> {
        let sandbox = self.start_sandbox("sandbox")?;
        let workspace = |name: &str, hcl: String| -> anyhow::Result<Workspace> {
            let ws = Workspace::create(&self.root, name, &self.plugins)?;
            ws.write_main(&hcl)?;
            Ok(ws)
        };
        let variant = |label, workspace, sandbox| Variant {
            label,
            workspace,
            sandbox,
            cycle: Cycle::default(),
        };
        let mut variants = vec![variant(
            "terraform_data (floor: no plugin)",
            workspace("floor", floor_hcl(N))?,
            false,
        )];
        if self.plugins.null.is_some() {
            variants.push(variant(
                "null_resource (do-nothing tf-provider plugin, 1 attribute)",
                workspace("null", null_hcl(N))?,
                false,
            ));
            variants.push(variant(
                "null_qod_session (nac_qod_session's schema, no logic, no API)",
                workspace("null-qod", null_sessions_hcl(N, "shape"))?,
                false,
            ));
        }
        let nac = variants.len();
        variants.push(variant(
            "**nac_qod_session**",
            workspace("nac", sessions_hcl(&sandbox.base_url, N, "nac"))?,
            true,
        ));

        for run in 0..self.runs {
            eprintln!("bench: zero latency, run {}/{}", run + 1, self.runs);
            // Rotate the order so that no variant always runs first (page cache, CPU frequency).
            let count = variants.len();
            for step in 0..count {
                let v = &mut variants[(run + step) % count];
                v.cycle
                    .run(&v.workspace, N, v.sandbox.then_some(&sandbox))?;
            }
        }

        self.report.section(format!(
            "1. Zero latency, {N} resources (activation delay 0); wall time, then CPU of terraform + plugins"
        ));
        for (i, command) in COMMANDS.into_iter().enumerate() {
            let floor = variants[0].cycle.timings()[i].median();
            for (k, v) in variants.iter().enumerate() {
                let t = v.cycle.timings()[i];
                let mut label = format!("{command}: {}", v.label);
                if v.sandbox {
                    label += &format!(
                        " ({:.1} API requests/resource)",
                        v.cycle.requests_per_resource(i)
                    );
                }
                let mut compared = if k == 0 {
                    String::new()
                } else {
                    format!("{} floor", ratio(t.median() / floor))
                };
                if k == nac && nac > 1 {
                    let schema_floor = variants[nac - 1].cycle.timings()[i].median();
                    compared += &format!(
                        "; {} over null_qod_session",
                        secs(t.median() - schema_floor)
                    );
                }
                self.report.row(
                    label,
                    format!("{}; CPU {}", t.seconds(), secs(v.cycle.cpu[i].median())),
                    compared,
                    if k == nac && nac > 1 {
                        let schema_floor = variants[nac - 1].cycle.timings()[i].median();
                        format!(
                            "{}; {}",
                            verdict(t.median() / floor <= 2.0, "≤ 2× floor"),
                            verdict(
                                t.median() / schema_floor <= 1.1,
                                &format!(
                                    "≤ 1.1× null_qod_session (measured {})",
                                    ratio(t.median() / schema_floor)
                                )
                            )
                        )
                    } else if k == nac {
                        verdict(t.median() / floor <= 2.0, "≤ 2× floor")
                    } else {
                        String::new()
                    },
                );
            }
        }
        let floor = &variants[0].cycle;
        let schema_floor = (nac > 1).then(|| &variants[nac - 1].cycle);
        let zero_latency = &variants[nac].cycle;
        if nac > 1 {
            // Where the time over the floor goes, command by command (medians of wall time).
            let step = |from: &Cycle, to: &Cycle| {
                COMMANDS
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let (a, b) = (from.timings()[i].median(), to.timings()[i].median());
                        format!("{} {:+.2} s", c.split(' ').next().unwrap_or(c), b - a)
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            self.report.note(format!(
                "Row 1, time over the floor, step by step: any plugin (null_resource − terraform_data): {}; \
                 nac_qod_session's schema (null_qod_session − null_resource): {}; the nac provider's own \
                 work, API calls included (nac_qod_session − null_qod_session): {}.",
                step(floor, &variants[1].cycle),
                step(&variants[1].cycle, &variants[2].cycle),
                step(&variants[2].cycle, zero_latency),
            ));
        }

        // Row 2: the same provider at 100 ms a request.
        sandbox.set_latency_ms(LATENCY_MS)?;
        let mut slow = Cycle::default();
        for run in 0..self.runs {
            eprintln!(
                "bench: {LATENCY_MS} ms latency, run {}/{}",
                run + 1,
                self.runs
            );
            slow.run(&variants[nac].workspace, N, Some(&sandbox))?;
        }
        sandbox.set_latency_ms(0)?;
        let waves = N.div_ceil(PARALLELISM) as f64;
        let latency = LATENCY_MS as f64 / 1000.0;
        self.report.section(format!(
            "2. {LATENCY_MS} ms per API request, {N} resources; ideal = round trips/resource × {LATENCY_MS} ms × ceil({N}/{PARALLELISM})"
        ));
        for (i, command) in COMMANDS.into_iter().enumerate() {
            let samples = slow.timings()[i];
            let round_trips = slow.requests_per_resource(i);
            let ideal = round_trips * latency * waves;
            let vs_ideal = samples.median() / ideal;
            let mut compared = format!("ideal {}: {}", secs(ideal), ratio(vs_ideal));
            let with_floor = |name: &str, base: f64| {
                format!(
                    "; {name} + ideal {}: {}",
                    secs(base + ideal),
                    ratio(samples.median() / (base + ideal))
                )
            };
            compared += &with_floor("floor", floor.timings()[i].median());
            if let Some(schema_floor) = schema_floor {
                compared += &with_floor("null_qod_session", schema_floor.timings()[i].median());
            }
            compared += &format!(
                "; zero-latency time + ideal {}",
                secs(zero_latency.timings()[i].median() + ideal)
            );
            self.report.row(
                format!(
                    "{command}: nac_qod_session ({round_trips:.2} round trips/resource, counted)"
                ),
                format!("{}; CPU {}", samples.seconds(), secs(slow.cpu[i].median())),
                compared,
                if i == 0 {
                    verdict(vs_ideal <= 1.2, "≤ 1.2× ideal")
                } else {
                    String::new()
                },
            );
        }
        Ok(ProviderTotals {
            zero_latency: zero_latency.apply.median() + zero_latency.destroy.median(),
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
        let floor_ws = Workspace::create(&self.root, "scale-floor", &self.plugins)?;
        let nac_ws = Workspace::create(&self.root, "scale-nac", &self.plugins)?;
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
            let pick =
                |x: &(usize, Samples, Samples)| if nac { x.2.median() } else { x.1.median() };
            (pick(b) - pick(a)) / (b.0 - a.0) as f64
        };
        let (low, high) = (
            slope(&plans[0], &plans[1], true),
            slope(&plans[1], &plans[2], true),
        );
        let (floor_low, floor_high) = (
            slope(&plans[0], &plans[1], false),
            slope(&plans[1], &plans[2], false),
        );
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
                "floor: {:.1} ms, {:.1} ms; nac over the floor: {:.1} ms, {:.1} ms",
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
        let ws = Workspace::create(
            &self.root,
            "rss",
            &Plugins {
                nac: wrapper_dir,
                null: None,
            },
        )?;
        ws.write_main(&sessions_hcl(&sandbox.base_url, N, "rss"))?;
        let mut peak_kib = 0;
        for (command, name) in COMMANDS.into_iter().enumerate() {
            let _ = std::fs::remove_file(&rss_report);
            let run = match command {
                0 => ws.apply(N)?,
                1 => ws.plan_no_change()?,
                _ => ws.destroy(N)?,
            };
            let processes = plugin::read_usage_report(&rss_report)?;
            let command_peak = processes.iter().map(|p| p.peak_rss_kib).max().unwrap_or(0);
            peak_kib = peak_kib.max(command_peak);
            let provider_cpu: f64 = processes.iter().map(|p| p.cpu_seconds).sum();
            let total_cpu = run.cpu.as_secs_f64();
            self.report.row(
                format!("{name} of {N}: provider processes"),
                format!(
                    "{} launches, peak RSS {:.1} MiB",
                    processes.len(),
                    command_peak as f64 / 1024.0
                ),
                format!(
                    "CPU: provider {} of {} in all ({:.0}%), the rest is terraform's (one run, wall {})",
                    secs(provider_cpu),
                    secs(total_cpu),
                    provider_cpu / total_cpu * 100.0,
                    secs(run.elapsed.as_secs_f64())
                ),
                "",
            );
        }
        let peak_mib = peak_kib as f64 / 1024.0;
        self.report.row(
            "peak RSS of one provider process (max of the above)",
            format!("{peak_mib:.1} MiB"),
            "",
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
        let plain =
            plugin::time_to_handshake(&self.provider, &Launch { client_cert: None }, launches)?;
        self.report.row(
            format!("start-up: launch to handshake line ({launches} launches)"),
            plain.millis(),
            "",
            "",
        );
        match plugin::client_certificate(&self.root) {
            Some(cert) => {
                let tls = plugin::time_to_handshake(
                    &self.provider,
                    &Launch {
                        client_cert: Some(&cert),
                    },
                    launches,
                )?;
                self.report.row(
                    "start-up with PLUGIN_CLIENT_CERT (Terraform's AutoMTLS: makes a P-256 certificate)",
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
