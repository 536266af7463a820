//! Registry-format documentation (`docs/`) and the README attribute table, rendered from the
//! provider's schemas and the `examples/` files in the layout and markdown that HashiCorp's
//! tfplugindocs produces, so the Terraform Registry shows them like any other provider's.
//!
//! `cargo run --bin nac-docs` writes the files; `tests/docs_fresh.rs` fails when they are stale.
//! Both go through [`generated_files`], so there is one rendering path.

mod classify;
mod freshness;
mod object_fields;
mod pages;
mod plain_markdown;
mod readme;
mod schema_section;
mod schemas;
#[cfg(test)]
mod test_fixtures;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use tf_provider::DynamicProvider;

pub use freshness::{stale_files, write_files};

use schemas::ProviderSchemas;

/// Registry name of the provider and the prefix of its type names (`nac_qod_session`).
const PROVIDER_SHORT_NAME: &str = "nac";
const PROVIDER_NAME: &str = "terraform-provider-nac";
pub const REGENERATE_COMMAND: &str = "cargo run --bin nac-docs";

/// One file the generator owns, its path relative to the repository root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: PathBuf,
    pub content: String,
}

/// Every file the generator owns, rendered in memory: the `docs/` pages, and `README.md` when it
/// carries the attribute-table markers.
pub fn generated_files(
    repo_root: &Path,
    provider: &dyn DynamicProvider,
) -> Result<Vec<GeneratedFile>> {
    let schemas = ProviderSchemas::from_provider(provider)?;
    let mut files = pages::render_docs(&schemas, &repo_root.join("examples"))?;
    let readme_path = repo_root.join("README.md");
    if readme_path.exists() {
        let readme = std::fs::read_to_string(&readme_path)
            .with_context(|| format!("reading {}", readme_path.display()))?;
        let table = readme::attribute_table(&schemas)?;
        if let Some(content) = readme::splice(&readme, &table)? {
            files.push(GeneratedFile {
                path: PathBuf::from("README.md"),
                content,
            });
        }
    }
    Ok(files)
}
