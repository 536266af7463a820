//! terraform-provider-nac: the plugin binary Terraform launches.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    nac::logging::init();
    nac::handshake::install();
    tf_provider::serve("nac", nac::provider::NacProvider::new()).await
}
