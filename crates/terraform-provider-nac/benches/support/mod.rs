//! Helpers of `benches/terraform.rs`, one job per module.

pub mod load;
pub mod measure;
pub mod phases;
pub mod plugin;
pub mod query;
pub mod sandbox;
pub mod sdk;
pub mod speed;
pub mod table;
pub mod terraform;
