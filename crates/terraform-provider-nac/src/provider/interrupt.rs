//! Ctrl-C reaches every call: Terraform's stop request (tf_provider's stop signal) ends whatever API
//! call or retry is under way, so that terraform exits within seconds even when the API never answers.

use std::future::Future;

use tf_provider::Diagnostics;

use super::validation::root_error;

/// `work`'s output, or `None` as soon as Terraform asks the provider to stop (the work is dropped:
/// its HTTP request is abandoned, its retries never start).
pub async fn or_stopped<T>(work: impl Future<Output = T>) -> Option<T> {
    let stop = tf_provider::stop_signal();
    tokio::select! {
        biased;
        _ = stop.cancelled() => {
            crate::stop_relay::relay();
            None
        }
        out = work => Some(out),
    }
}

/// The diagnostics of work run with its own, added to Terraform's.
pub fn merge(diags: &mut Diagnostics, inner: Diagnostics) {
    diags.errors.extend(inner.errors);
    diags.warnings.extend(inner.warnings);
}

/// The error for work cut short by a stop request.
pub fn interrupted(diags: &mut Diagnostics, what: &str) {
    root_error(
        diags,
        "Interrupted",
        format!("Terraform was interrupted while {what}."),
    );
}
