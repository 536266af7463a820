//! Ctrl-C reaches provider processes Terraform starts after it. Terraform sends its stop request only
//! to the provider processes running when the interrupt arrives; a walk it starts afterwards (the plan
//! of `terraform destroy` after its refresh) gets a fresh provider that never hears of it and would wait
//! out a dead API. So a provider whose work was cut short by a stop request leaves a marker named after
//! its Terraform process (pid and start time, so a reused pid is another process), and a provider
//! started under a Terraform that was stopped a moment ago starts stopped. (The stop signal alone does
//! not tell: tf-provider also raises it on a normal shutdown, when no work is under way.)

use std::path::PathBuf;

use crate::terraform_process;
use std::time::{Duration, SystemTime};

/// A marker older than this is stale (a Terraform run that was interrupted long ago).
const MARKER_LIFETIME: Duration = Duration::from_secs(600);

/// Starts stopped if this Terraform was interrupted a moment ago, and stops on SIGINT: Ctrl-C in a
/// terminal (and a CI job's cancel) reaches Terraform's whole process group, this plugin included,
/// while Terraform itself tells providers nothing during the plan phase of `apply` and `destroy`.
/// Call from inside the runtime.
pub fn install() {
    if let Some((path, parent)) = terraform_process::file("stopped") {
        if is_fresh_marker_for(&path, &parent) {
            log::warn!("Terraform was interrupted before this provider started: it starts stopped");
            tf_provider::stop_signal().cancel();
        }
    }
    #[cfg(unix)]
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()) {
        Ok(mut interrupts) => {
            tokio::spawn(async move {
                if interrupts.recv().await.is_some() {
                    log::warn!("interrupted (SIGINT): stopping the calls under way");
                    tf_provider::stop_signal().cancel();
                }
            });
        }
        Err(e) => log::debug!("cannot watch for SIGINT: {e}"),
    }
}

/// Records that a stop request cut work short, for the providers this Terraform starts later.
pub fn relay() {
    let Some((path, parent)) = terraform_process::file("stopped") else {
        return;
    };
    if let Err(e) = std::fs::write(&path, &parent) {
        log::debug!("cannot leave the stop marker {}: {e}", path.display());
    }
}

fn is_fresh_marker_for(path: &PathBuf, parent: &str) -> bool {
    let fresh = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age < MARKER_LIFETIME);
    fresh && std::fs::read_to_string(path).is_ok_and(|text| text == parent)
}
