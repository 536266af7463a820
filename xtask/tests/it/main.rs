//! The crate's integration tests, linked once as one binary: one module per area.

mod acceptance_init;
mod docs_fresh;
mod guide_examples;
mod matrix_tools;
