//! `nac-release`: packages terraform-provider-nac the way the Terraform Registry publishes providers,
//! plus a filesystem mirror to install it from, and nac-sandbox into an archive of its own (see
//! `nac_xtask::release`).
//!
//! ```sh
//! cargo run --release --bin nac-release -- --out dist      # builds both release binaries first
//! cargo run --bin nac-release -- --binary target/debug/terraform-provider-nac --out /tmp/dist
//! cargo run --bin nac-release -- --platform darwin_arm64 --binary <provider> --sandbox-binary <sandbox>
//! ```

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context, Result};
use clap::Parser;
use nac_xtask::release::{self, Package, Platform};

/// Package terraform-provider-nac (and nac-sandbox) into release archives, SHA256SUMS and a
/// filesystem mirror.
#[derive(Parser)]
#[command(name = "nac-release")]
struct Args {
    /// Where to write the archives, SHA256SUMS, manifest and the mirror (`<out>/mirror`).
    #[arg(long, default_value = "dist")]
    out: PathBuf,
    /// Package this provider executable instead of running `cargo build --release` (e.g. a debug
    /// build, or one cross-compiled for `--platform`).
    #[arg(long)]
    binary: Option<PathBuf>,
    /// Also package this nac-sandbox executable (built for `--platform`) into
    /// `nac-sandbox_<version>_<os>_<arch>.zip`. Without `--binary`, the release build includes it.
    #[arg(long)]
    sandbox_binary: Option<PathBuf>,
    /// Terraform platform of the executable, `<os>_<arch>`; default: this machine's.
    #[arg(long)]
    platform: Option<Platform>,
    /// Release version; default: the crate's.
    #[arg(long = "release-version", default_value = env!("CARGO_PKG_VERSION"))]
    release_version: String,
    /// The registry manifest to publish.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../terraform-registry-manifest.json"))]
    manifest: PathBuf,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("nac-release: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<()> {
    let host = Platform::host()?;
    let platform = args.platform.clone().unwrap_or_else(|| host.clone());
    let (binary, sandbox) = match args.binary {
        Some(binary) => (binary, args.sandbox_binary),
        None if platform != host => bail!(
            "only {host} can be built here; build for {platform} elsewhere (e.g. `cargo build --release --target <triple>`) and pass --binary"
        ),
        None => {
            let built = build_release()?;
            let sandbox = args
                .sandbox_binary
                .unwrap_or_else(|| built.join("nac-sandbox"));
            (built.join("terraform-provider-nac"), Some(sandbox))
        }
    };
    for (flag, path) in [
        ("--binary", Some(&binary)),
        ("--sandbox-binary", sandbox.as_ref()),
    ] {
        if let Some(path) = path.filter(|p| !p.is_file()) {
            bail!("{flag} {}: no such file", path.display());
        }
    }
    let packaged = release::package(&Package {
        version: args.release_version.clone(),
        platform,
        binary,
        manifest: args.manifest,
        sandbox,
        out_dir: args.out,
    })?;
    println!("archive     {}", packaged.archive.display());
    println!("sha256      {}", packaged.archive_sha256);
    if let Some(sandbox) = &packaged.sandbox_archive {
        println!("sandbox     {}", sandbox.display());
    }
    println!("checksums   {}", packaged.sha256sums.display());
    println!("manifest    {}", packaged.manifest.display());
    println!("mirror      {}", packaged.mirror.display());
    println!("lock hashes {}", packaged.lock_file.display());
    println!("cli config  {}", packaged.cli_config.display());
    println!(
        "\nInstall: TF_CLI_CONFIG_FILE={} terraform init\nSign (maintainer): gpg --detach-sign {}",
        packaged.cli_config.display(),
        packaged.sha256sums.display()
    );
    Ok(())
}

/// `cargo build --release` of the provider and the sandbox, with cargo's own progress on the
/// terminal; returns the directory holding both.
fn build_release() -> Result<PathBuf> {
    let repo = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("nac-release: cargo build --release --bin terraform-provider-nac --bin nac-sandbox (a cold build takes minutes)");
    let mut command = Command::new(&cargo);
    command
        .args([
            "build",
            "--release",
            "--locked",
            "--bin",
            "terraform-provider-nac",
            "--bin",
            "nac-sandbox",
            "--manifest-path",
        ])
        .arg(repo.join("Cargo.toml"));
    // Under `cargo run`, cargo sets the package's variables for this process; build scripts that watch
    // them (ring's watches CARGO_MANIFEST_DIR) would then rebuild every dependency (8 min here).
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CARGO_PKG_")
            || matches!(
                &*name,
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_BIN_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
            )
        {
            command.env_remove(&*name);
        }
    }
    let status = command
        .status()
        .with_context(|| format!("running {}", Path::new(&cargo).display()))?;
    if !status.success() {
        bail!("cargo build --release failed ({status})");
    }
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("target"));
    Ok(target_dir.join("release"))
}
