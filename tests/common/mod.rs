//! Support shared by the test binaries (each uses a part of it):
//! - [`admin`]: a sandbox started in-process on an ephemeral port, and the one client of its admin API;
//! - [`terraform`]: the acceptance harness (a sandbox, a scratch Terraform working directory, `terraform`);
//! - [`api`]: raw HTTP against the sandbox's public API, for the tests of the sandbox itself;
//! - [`sink`]: a local receiver of the sandbox's notifications;
//! - [`requests`]: the client as the client tests configure it, and the requests it sends.
#![allow(dead_code)]

pub mod admin;
pub mod api;
pub mod requests;
pub mod sink;
pub mod terraform;
