//! `nac-sandbox`: an offline emulator of the Network as Code Quality-on-Demand API, faithful enough that
//! Nokia's own SDK cannot tell the difference. It shares only the API model (`nac-api`) with the
//! client and knows nothing of Terraform. See this crate's `README.md` for the behaviour, the flags
//! and the admin API.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let sandbox = nac_sandbox::start(nac_sandbox::SandboxConfig {
//!     listen: "127.0.0.1:0".parse()?,
//!     ..Default::default()
//! })
//! .await?;
//! println!("{}/quality-on-demand/v1", sandbox.base_url());
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```

mod admin;
mod admin_auth;
mod api;
mod app;
mod body;
mod body_deadline;
mod browser_guard;
mod camara_gateway;
mod camara_rules;
mod client_assertion;
mod clock;
mod config;
mod delivery;
mod errors;
mod faults;
mod flavour;
mod gateway;
mod listen;
mod notify;
mod oauth;
mod owner;
mod persist;
pub mod profiles;
mod record;
pub mod request;
mod server;
mod session;
mod sink_policy;
mod state;
mod stats;
mod store;
mod ui;

pub use config::SandboxConfig;
pub use faults::Faults;
pub use flavour::{Flavour, OAuthClient};
pub use server::{start, RunningSandbox};
pub use stats::StatsReport;
pub use store::device_matches;
