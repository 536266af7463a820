//! The provider binary on its own: start-up time (launch to the go-plugin handshake line), peak RSS per
//! process under Terraform (through a `/usr/bin/time` wrapper), size on disk.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context};

use super::measure::Samples;

/// Terraform's go-plugin magic cookie (what Terraform sets when it launches a provider).
const MAGIC_COOKIE: (&str, &str) = (
    "TF_PLUGIN_MAGIC_COOKIE",
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
);

/// How the plugin is launched for a start-up measurement.
pub struct Launch<'a> {
    /// `PLUGIN_CLIENT_CERT`, as Terraform's AutoMTLS sets it (the plugin then makes its own certificate).
    pub client_cert: Option<&'a str>,
}

/// Time from spawning `binary` to reading its handshake line, `runs` times.
pub fn time_to_handshake(binary: &Path, launch: &Launch, runs: usize) -> anyhow::Result<Samples> {
    let mut samples = Samples::default();
    for _ in 0..runs {
        let mut command = Command::new(binary);
        command
            .env(MAGIC_COOKIE.0, MAGIC_COOKIE.1)
            .env("PLUGIN_PROTOCOL_VERSIONS", "6")
            .env_remove("PLUGIN_CLIENT_CERT")
            // Without a client certificate the plugin only starts when told to serve without mTLS.
            .env(tf_provider::INSECURE_NO_MTLS, "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(cert) = launch.client_cert {
            command.env("PLUGIN_CLIENT_CERT", cert);
        }
        let started = Instant::now();
        let mut child = command.spawn()?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout")).read_line(&mut line)?;
        let elapsed = started.elapsed();
        let _ = child.kill();
        let _ = child.wait();
        if !line.starts_with("1|6|tcp|") {
            bail!("unexpected handshake line {line:?}");
        }
        samples.push(elapsed);
    }
    Ok(samples)
}

/// A self-signed client certificate (PEM) like the one Terraform hands its plugins, made with openssl.
pub fn client_certificate(dir: &Path) -> Option<String> {
    let key = dir.join("client.key");
    let cert = dir.join("client.pem");
    let ok = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-521",
        ])
        .args(["-nodes", "-days", "1", "-subj", "/O=HashiCorp/CN=localhost"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    ok.then(|| std::fs::read_to_string(cert).ok()).flatten()
}

/// Builds `bench-null-provider` (benches/support/null_provider.rs) with this run's profile (`bench`, or
/// `dev` under `cargo bench --profile dev`, whose binaries are in `target/debug`) and returns a plugin
/// directory holding it as `terraform-provider-null`.
pub fn null_provider_dir(
    target_dir: &Path,
    profile_dir: &str,
    plugin_dir: &Path,
) -> anyhow::Result<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let profile = if profile_dir == "debug" {
        "dev"
    } else {
        "bench"
    };
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "--profile",
            profile,
            "--example",
            "bench-null-provider",
        ])
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(target_dir)
        .stdout(Stdio::null())
        .status()
        .context("running cargo")?;
    if !status.success() {
        bail!("cargo build --example bench-null-provider failed");
    }
    let binary = target_dir
        .join(profile_dir)
        .join("examples/bench-null-provider");
    std::fs::create_dir_all(plugin_dir)?;
    let link = plugin_dir.join("terraform-provider-null");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&binary, &link)?;
    Ok(plugin_dir.to_path_buf())
}

/// One provider process as `/usr/bin/time` saw it.
pub struct ProcessUsage {
    pub peak_rss_kib: u64,
    pub cpu_seconds: f64,
}

/// A plugin directory whose `terraform-provider-nac` runs the real binary under `/usr/bin/time`, which
/// appends each process's peak RSS (KiB) and CPU seconds to `report`.
pub fn rss_plugin_dir(dir: &Path, real_binary: &Path, report: &Path) -> anyhow::Result<PathBuf> {
    if !Path::new("/usr/bin/time").exists() {
        bail!("/usr/bin/time (GNU time) is not installed");
    }
    std::fs::create_dir_all(dir)?;
    let wrapper = dir.join("terraform-provider-nac");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nexec /usr/bin/time -f '%M %U %S' -a -o '{}' '{}' \"$@\"\n",
            report.display(),
            real_binary.display()
        ),
    )?;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755))?;
    Ok(dir.to_path_buf())
}

/// Each process `/usr/bin/time` reported (it also writes lines such as "Command terminated by signal
/// 9", which are skipped).
pub fn read_usage_report(report: &Path) -> anyhow::Result<Vec<ProcessUsage>> {
    let text =
        std::fs::read_to_string(report).with_context(|| format!("reading {}", report.display()))?;
    Ok(text
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            match fields[..] {
                [rss, user, system] => Some(ProcessUsage {
                    peak_rss_kib: rss.parse().ok()?,
                    cpu_seconds: user.parse::<f64>().ok()? + system.parse::<f64>().ok()?,
                }),
                _ => None,
            }
        })
        .collect())
}
