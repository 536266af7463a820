//! The generated documentation (`docs/`, README.md's attribute table) matches what the provider's
//! schema and `examples/` render to now: a schema or example change without regenerating fails here.

use std::path::{Path, PathBuf};

use nac_provider::provider::NacProvider;
use nac_xtask::docs;

fn generated() -> Vec<docs::GeneratedFile> {
    docs::generated_files(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")),
        &NacProvider::new(),
    )
    .unwrap_or_else(|error| panic!("rendering the docs failed: {error:#}"))
}

#[test]
fn generated_docs_are_up_to_date() {
    let repo_root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let stale =
        docs::stale_files(repo_root, &generated()).expect("comparing with the files on disk");
    let listing: Vec<String> = stale
        .iter()
        .map(|path| format!("  {}", path.display()))
        .collect();
    assert!(
        stale.is_empty(),
        "these generated files are out of date with the provider schema or examples/:\n{}\n\
         run `{}` and commit the result",
        listing.join("\n"),
        docs::REGENERATE_COMMAND
    );
}

#[test]
fn the_registry_layout_has_a_page_per_schema() {
    let paths: Vec<PathBuf> = generated().into_iter().map(|file| file.path).collect();
    for expected in [
        "docs/index.md",
        "docs/resources/qod_session.md",
        "docs/data-sources/device_sessions.md",
    ] {
        assert!(
            paths.contains(&PathBuf::from(expected)),
            "{expected} is not generated: {paths:?}"
        );
    }
}
