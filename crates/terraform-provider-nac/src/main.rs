//! terraform-provider-nac: the plugin binary Terraform launches.

const HELP: &str = "\
terraform-provider-nac: the Terraform/OpenTofu provider for Nokia Network as Code Quality-on-Demand sessions.

Terraform (or OpenTofu) starts this binary itself, over go-plugin's mutual TLS; it is not meant to be run
by hand. See the README for installing it.

Usage: terraform-provider-nac [--version | --help]
";

fn main() -> anyhow::Result<()> {
    // Terraform passes no arguments; anything else is a person asking what this is.
    match std::env::args().nth(1).as_deref() {
        None => {}
        Some("--version" | "-V" | "version") => {
            println!("terraform-provider-nac {}", env!("CARGO_PKG_VERSION"));
            return Ok(());
        }
        Some("--help" | "-h" | "help") => {
            print!("{HELP}");
            return Ok(());
        }
        Some(other) => {
            eprint!("unknown argument {other:?}\n\n{HELP}");
            std::process::exit(2);
        }
    }
    // With RUST_BACKTRACE=1 in the user's shell, anyhow would attach backtraces to every error that
    // tf-provider turns into a diagnostic. Set before any thread exists, as `set_var` requires.
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
    nac_provider::logging::init();
    nac_provider::parent_watch::install();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async {
            nac_provider::stop_relay::install();
            tf_provider::serve("nac", nac_provider::provider::NacProvider::new()).await
        })
}
