//! terraform-provider-nac: the Terraform/OpenTofu provider for Nokia Network as Code Quality-on-Demand
//! sessions. The binary (`main.rs`) serves [`provider::NacProvider`] over the plugin protocol.

pub mod logging;
pub mod parent_watch;
pub mod provider;
pub mod stop_relay;
pub mod terraform_process;
