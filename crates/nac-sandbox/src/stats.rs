//! Counters the sandbox keeps about itself (`GET /_sandbox/stats`), so fault tests can report figures.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::Serialize;

#[derive(Debug, Default)]
pub(crate) struct Stats {
    requests: AtomicU64,
    faults_injected: AtomicU64,
    post_commit_faults: AtomicU64,
    sessions_created: AtomicU64,
    oauth_tokens_issued: AtomicU64,
    profile_requests: AtomicU64,
    /// Shared with the notifier, which counts there.
    notifications_dropped: Arc<AtomicU64>,
}

/// `GET /_sandbox/stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct StatsReport {
    /// API requests received (everything but `/_sandbox`).
    pub requests: u64,
    /// Requests answered with an injected error status instead of being processed.
    pub faults_injected: u64,
    /// Creates that stored a session but were answered 502/504.
    pub post_commit_faults: u64,
    /// Sessions stored by `POST /sessions` (including post-commit faults).
    pub sessions_created: u64,
    /// Requests the QoS Profiles API answered (retrieve and get).
    #[serde(default)]
    pub profile_requests: u64,
    /// Notifications given up without an attempt because their queues were full.
    #[serde(default)]
    pub notifications_dropped: u64,
    /// Access tokens issued by the CAMARA flavour's token endpoint.
    #[serde(default)]
    pub oauth_tokens_issued: u64,
}

impl Stats {
    pub fn request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }
    pub fn fault_injected(&self) {
        self.faults_injected.fetch_add(1, Ordering::Relaxed);
    }
    pub fn post_commit_fault(&self) {
        self.post_commit_faults.fetch_add(1, Ordering::Relaxed);
    }
    pub fn profile_request(&self) {
        self.profile_requests.fetch_add(1, Ordering::Relaxed);
    }
    pub fn session_created(&self) {
        self.sessions_created.fetch_add(1, Ordering::Relaxed);
    }
    pub fn oauth_token_issued(&self) {
        self.oauth_tokens_issued.fetch_add(1, Ordering::Relaxed);
    }

    /// The counter the notifier adds dropped notifications to.
    pub fn notifications_dropped(&self) -> Arc<AtomicU64> {
        self.notifications_dropped.clone()
    }

    pub fn report(&self) -> StatsReport {
        StatsReport {
            requests: self.requests.load(Ordering::Relaxed),
            faults_injected: self.faults_injected.load(Ordering::Relaxed),
            post_commit_faults: self.post_commit_faults.load(Ordering::Relaxed),
            sessions_created: self.sessions_created.load(Ordering::Relaxed),
            profile_requests: self.profile_requests.load(Ordering::Relaxed),
            notifications_dropped: self.notifications_dropped.load(Ordering::Relaxed),
            oauth_tokens_issued: self.oauth_tokens_issued.load(Ordering::Relaxed),
        }
    }

    pub fn reset(&self) {
        for counter in [
            &self.requests,
            &self.faults_injected,
            &self.post_commit_faults,
            &self.sessions_created,
            &self.oauth_tokens_issued,
            &self.profile_requests,
            &self.notifications_dropped,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
    }
}
