//! Support shared by the workspace's integration tests (each crate links its tests once, as modules
//! of one `it` binary, and uses a part of this):
//! - [`admin`]: a sandbox started in-process on an ephemeral port, and the one client of its admin API;
//! - [`terraform`]: the acceptance harness (a sandbox, a scratch Terraform working directory, `terraform`);
//! - [`api`]: raw HTTP against the sandbox's public API, for the tests of the sandbox itself;
//! - [`sink`]: a local receiver of the sandbox's notifications;
//! - [`requests`]: the client as the client tests configure it, and the requests it sends;
//! - [`keys`]: an EC key and its JWKS, for `private_key_jwt`;
//! - [`tools`]: Terraform 1.15 and OpenTofu 1.6, installed under `target/tools` on first use;
//! - [`binary`]: the workspace's binaries (provider, sandbox, tooling), built for this test run;
//! - [`prerequisite`]: tests needing a tool the machine lacks, "NOT RUN" outside CI.
#![allow(dead_code)]

pub mod admin;
pub mod api;
mod binaries;
pub mod keys;
pub mod prerequisite;
pub mod requests;
pub mod sink;
pub mod terraform;
pub mod tools;

pub use binaries::{binary, repo_root, target_dir};
