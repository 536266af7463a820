//! The crate's integration tests, linked once as one binary: one module per area.

mod sandbox_api;
mod sandbox_bounds;
mod sandbox_browser;
mod sandbox_camara_authlib;
mod sandbox_camara_checklist;
mod sandbox_camara_oauth;
mod sandbox_camara_rules;
mod sandbox_cli;
mod sandbox_concurrency;
mod sandbox_exposure;
mod sandbox_fair_notify;
mod sandbox_faults;
mod sandbox_fixtures;
mod sandbox_global_bound;
mod sandbox_key_clocks;
mod sandbox_lifecycle;
mod sandbox_minor;
mod sandbox_persistence;
mod sandbox_proptest;
mod sandbox_python_sdk;
mod sandbox_rules;
mod sandbox_slow_bodies;
mod sandbox_state_scale;
mod sandbox_ui;
mod sandbox_validation;
