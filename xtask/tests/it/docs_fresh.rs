//! The generated documentation (`docs/`: pages and guides) matches what the provider's schema,
//! `examples/` and `templates/guides/` render to now: a schema, example or template change without
//! regenerating fails here, and so does a README that grows past its limit or copies an attribute
//! table out of `docs/`.

use std::path::{Path, PathBuf};

use nac_provider::provider::NacProvider;
use nac_xtask::docs;

fn repo_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn generated() -> Vec<docs::GeneratedFile> {
    docs::generated_files(repo_root(), &NacProvider::new())
        .unwrap_or_else(|error| panic!("rendering the docs failed: {error:#}"))
}

#[test]
fn generated_docs_are_up_to_date() {
    let stale =
        docs::stale_files(repo_root(), &generated()).expect("comparing with the files on disk");
    let listing: Vec<String> = stale
        .iter()
        .map(|path| format!("  {}", path.display()))
        .collect();
    assert!(
        stale.is_empty(),
        "these generated files are out of date with the provider schema, examples/ or templates/:\n{}\n\
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

/// Every guide the README and the issue promise a newcomer is rendered from a template.
#[test]
fn the_guides_are_generated() {
    let paths: Vec<PathBuf> = generated().into_iter().map(|file| file.path).collect();
    for guide in [
        "install",
        "lock-files",
        "sandbox-in-ci",
        "testing",
        "sessions-over-time",
        "secrets",
        "modules",
        "failures-and-retries",
    ] {
        let path = PathBuf::from(format!("docs/guides/{guide}.md"));
        assert!(
            paths.contains(&path),
            "{} is not generated: {paths:?}",
            path.display()
        );
    }
}

#[test]
fn the_readme_is_short_and_has_no_attribute_table() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let problems = docs::readme_problems(&readme);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
