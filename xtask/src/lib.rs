//! The project's tooling: the registry docs generator (`nac-docs`) and the release packager
//! (`nac-release`). Neither ships to users' Terraform runs.

pub mod docs;
pub mod release;
