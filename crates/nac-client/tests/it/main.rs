//! The crate's integration tests, linked once as one binary: one module per area.

mod client_camara;
mod client_malformed;
mod client_not_found;
mod client_profiles;
mod client_sandbox;
mod client_secrets;
mod client_tls;
mod client_unclear;
