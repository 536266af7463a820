//! Tests that need a tool the machine may lack (Chromium, Python's venv, PyPI). On a developer's bare
//! machine such a test says so in one line and counts as not run; under `CI=true` it fails, so CI,
//! which installs the tools (.ci/run), always runs it.

use std::io::Write;

/// Whether this run is CI's (`CI=true`, as GitHub Actions and .ci/run set it).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// `test` cannot run here because of `why`; `install` says how to make it run. Prints one line
/// `NOT RUN: <test>: <why>; <install>` (to stderr directly, so the test harness does not swallow it)
/// and returns, the caller then returning early; panics with the same line when [`in_ci`].
pub fn not_run(test: &str, why: &str, install: &str) {
    let line = format!("NOT RUN: {test}: {why}; {install}");
    assert!(!in_ci(), "{line} (CI=true: CI must run this test)");
    let _ = writeln!(std::io::stderr(), "{line}");
}
