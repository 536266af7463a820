//! terraform-provider-nac: the plugin binary Terraform launches.

fn main() -> anyhow::Result<()> {
    // With RUST_BACKTRACE=1 in the user's shell, anyhow would attach backtraces to every error that
    // tf-provider turns into a diagnostic. Set before any thread exists, as `set_var` requires.
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
    nac::logging::init();
    nac::handshake::install();
    nac::parent_watch::install();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(tf_provider::serve("nac", nac::provider::NacProvider::new()))
}
