//! `nac-docs`: renders the registry docs (`docs/`) and README.md's attribute table from the
//! provider's schema and `examples/`. Those files are never edited by hand; `--check` (and
//! `tests/docs_fresh.rs`) tells when they are out of date.

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use nac_provider::provider::NacProvider;
use nac_xtask::docs;

/// Regenerate docs/ and README.md's attribute table from the provider schema and examples/.
#[derive(Parser)]
#[command(name = "nac-docs")]
struct Args {
    /// Write nothing: list the files that are out of date and exit non-zero if there are any.
    #[arg(long)]
    check: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    // The generated files live in this repository, wherever the command is run from.
    let repo_root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    match run(repo_root, args.check) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("nac-docs: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn run(repo_root: &Path, check: bool) -> anyhow::Result<ExitCode> {
    let files = docs::generated_files(repo_root, &NacProvider::new())?;
    if check {
        let stale = docs::stale_files(repo_root, &files)?;
        if stale.is_empty() {
            println!("nac-docs: {} generated files are up to date", files.len());
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!("nac-docs: out of date:");
        for path in &stale {
            eprintln!("  {}", path.display());
        }
        eprintln!("run `{}` to regenerate them", docs::REGENERATE_COMMAND);
        return Ok(ExitCode::FAILURE);
    }
    let touched = docs::write_files(repo_root, &files)?;
    for path in &touched {
        println!("updated {}", path.display());
    }
    println!(
        "nac-docs: {} generated files, {} updated",
        files.len(),
        touched.len()
    );
    Ok(ExitCode::SUCCESS)
}
