//! The gRPC code in `src/generated/` is generated from `proto/` and checked in, so that building this
//! crate needs no `protoc`. This test regenerates it with `protox` (a protobuf compiler in Rust) and
//! fails when the checked-in code is stale.
//!
//! Regenerate after changing a `.proto` (or `tonic-build`):
//! `TF_PROVIDER_REGENERATE=1 cargo test -p tf-provider --test generated`

use std::path::Path;

/// The generated files, one per protobuf package.
const OUTPUTS: &[&str] = &["plugin.rs", "tfplugin6.rs"];

fn generate(out_dir: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let compile = |proto: &str, default_stubs: bool| {
        let fds = protox::compile([root.join("proto").join(proto)], [root.join("proto")])
            .expect("compile the protos");
        let mut config = prost_build::Config::new();
        // Their comments hold an indented banner that rustdoc would compile as a doctest.
        config.disable_comments([
            ".tfplugin6.PlanResourceChange.Response.legacy_type_system",
            ".tfplugin6.ApplyResourceChange.Response.legacy_type_system",
        ]);
        tonic_build::configure()
            .build_client(false)
            .generate_default_stubs(default_stubs)
            .out_dir(out_dir)
            .compile_fds_with_config(config, fds)
            .expect("generate the Rust code");
    };
    // go-plugin's services: every RPC implemented (its streams keep their named associated types).
    compile("plugin.proto", false);
    // Terraform's: RPCs the crate does not implement answer `Unimplemented`, which Terraform handles
    // (e.g. ephemeral resources, resource identity).
    compile("tfplugin6.proto", true);
}

#[test]
fn checked_in_grpc_code_matches_the_protos() {
    let checked_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/generated");
    if std::env::var_os("TF_PROVIDER_REGENERATE").is_some() {
        generate(&checked_in);
        return;
    }
    let fresh = tempfile::tempdir().unwrap();
    generate(fresh.path());
    for name in OUTPUTS {
        let want = std::fs::read_to_string(fresh.path().join(name)).unwrap();
        let have = std::fs::read_to_string(checked_in.join(name)).unwrap_or_default();
        assert!(
            want == have,
            "src/generated/{name} is stale: regenerate it with \
             `TF_PROVIDER_REGENERATE=1 cargo test -p tf-provider --test generated`"
        );
    }
}
