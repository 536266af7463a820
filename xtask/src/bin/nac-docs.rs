//! `nac-docs`: renders the registry docs (`docs/`: provider, resource and data-source pages, and the
//! guides from `templates/guides/`) from the provider's schema, `examples/` and the templates. Those
//! files are never edited by hand; `--check` (and the xtask test `docs_fresh`) tells when they are
//! out of date, and when README.md breaks its rules (at most 150 lines, no attribute table).

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use nac_provider::provider::NacProvider;
use nac_xtask::docs;

/// Regenerate docs/ (pages and guides) from the provider schema, examples/ and templates/guides/.
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
        let readme = std::fs::read_to_string(repo_root.join("README.md"))?;
        let problems = docs::readme_problems(&readme);
        for problem in &problems {
            eprintln!("nac-docs: {problem}");
        }
        if stale.is_empty() && problems.is_empty() {
            println!("nac-docs: {} generated files are up to date", files.len());
            return Ok(ExitCode::SUCCESS);
        }
        if stale.is_empty() {
            return Ok(ExitCode::FAILURE);
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
