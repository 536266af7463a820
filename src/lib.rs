//! terraform-provider-nac: a Terraform provider for Nokia Network as Code Quality-on-Demand sessions,
//! and `nac-sandbox`, an offline emulator of the same API.

pub mod client;
pub mod docs;
pub mod logging;
pub mod parent_watch;
pub mod provider;
pub mod release;
pub mod rules;
pub mod sandbox;
pub mod wire;
