//! The registry examples (`examples/provider`, `examples/resources`, `examples/data-sources`, shown on
//! the docs pages) are real configurations: each is planned by the real `terraform` against the
//! sandbox, next to the provider example, so they cannot rot. New example files are picked up by
//! listing the directories.

use std::path::{Path, PathBuf};

use nac_testkit::terraform::Harness;

const SINK_TOKEN: &str = "example-sink-token";

fn examples_dir() -> PathBuf {
    nac_testkit::repo_root().join("examples")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A working directory holding `examples/provider/provider.tf`, with the provider pointed at the
/// sandbox the way a user would (`NAC_BASE_URL`), and the examples' variables set.
fn harness() -> Harness {
    let mut tf = Harness::start();
    tf.env.push(("NAC_BASE_URL".into(), tf.base_url()));
    tf.env.push(("TF_VAR_sink_token".into(), SINK_TOKEN.into()));
    tf.write_file(
        "provider.tf",
        &read(&examples_dir().join("provider/provider.tf")),
    );
    tf
}

/// Every `.tf` example of the resources and data sources, except import blocks (planned with state,
/// below).
fn type_examples() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for kind in ["resources", "data-sources"] {
        let kind_dir = examples_dir().join(kind);
        for type_dir in std::fs::read_dir(&kind_dir).unwrap() {
            for file in std::fs::read_dir(type_dir.unwrap().path()).unwrap() {
                let path = file.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                if name.ends_with(".tf") && !name.starts_with("import") {
                    files.push(path);
                }
            }
        }
    }
    files.sort();
    files
}

#[test]
fn the_provider_example_validates_and_plans_alone() {
    let tf = harness();
    tf.terraform(&["validate", "-no-color"]).assert_success();
    let plan = tf.plan_detailed();
    assert_eq!(plan.code, 0, "{}", plan.output());
}

#[test]
fn every_resource_and_data_source_example_plans_against_the_sandbox() {
    let examples = type_examples();
    assert!(examples.len() >= 2, "{examples:?}");
    for example in examples {
        let tf = harness();
        tf.write_file("example.tf", &read(&example));
        let plan = tf.plan();
        assert!(
            plan.success(),
            "{} does not plan:\n{}",
            example.display(),
            plan.output()
        );
        if example.ends_with("resource.tf") {
            let (add, change, destroy) = plan.plan_counts().expect("a plan summary");
            assert!(add >= 1 && change == 0 && destroy == 0, "{}", plan.stdout);
        }
        assert_eq!(tf.stats().sessions_created, 0, "a plan created a session");
    }
}

/// `import-by-string-id.tf` takes over a session that exists: applied once, forgotten by the state,
/// then planned with the import block holding its id.
#[test]
fn the_import_example_imports_an_existing_session() {
    let dir = examples_dir().join("resources/nac_qod_session");
    let tf = harness();
    tf.write_file("resource.tf", &read(&dir.join("resource.tf")));
    tf.apply();
    let id = tf.state_string("nac_qod_session.example", "id");
    tf.terraform(&["state", "rm", "-no-color", "nac_qod_session.example"])
        .assert_success();

    let import = read(&dir.join("import-by-string-id.tf"));
    let placeholder = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
    assert!(import.contains(placeholder), "{import}");
    tf.write_file("import.tf", &import.replace(placeholder, &id));
    let plan = tf.plan();
    assert!(plan.success(), "{}", plan.output());
    assert!(
        plan.stdout.contains("1 to import") && plan.stdout.contains(", 0 to destroy"),
        "{}",
        plan.stdout
    );
    tf.apply();
    assert_eq!(tf.state_string("nac_qod_session.example", "id"), id);
    assert_eq!(tf.plan_detailed().code, 0);
    tf.destroy();
}

/// The resource example with its sink on plain http: accepted to a loopback receiver, refused (naming
/// `sink` and the rule) anywhere else.
#[test]
fn a_plain_http_sink_is_accepted_on_loopback_only() {
    let example = read(&examples_dir().join("resources/nac_qod_session/resource.tf"));
    let https = "\"https://example.com/notify\"";
    assert!(example.contains(https));
    for (sink, accepted) in [
        ("http://127.0.0.1:9/notify", true),
        ("http://[::1]:9/notify", true),
        ("http://localhost:9/notify", true),
        ("http://example.com/notify", false),
        ("http://192.0.2.10/notify", false),
    ] {
        let tf = harness();
        tf.write_file("example.tf", &example.replace(https, &format!("{sink:?}")));
        let plan = tf.plan();
        if accepted {
            assert!(plan.success(), "{sink}: {}", plan.output());
        } else {
            let output = plan.output();
            assert!(
                !plan.success() && output.contains("Invalid sink") && output.contains("loopback"),
                "{sink}: {output}"
            );
        }
    }
}
