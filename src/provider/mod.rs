//! The Terraform provider (filled in by the provider work).
