//! The state every handler shares: the store, the clock, faults, counters, the notifier and the state
//! writer, and the one step that makes a change final (notify, then wait until it is on disk).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::TimeDelta;

use super::clock::SandboxClock;
use super::errors::ApiError;
use super::faults::FaultSwitch;
use super::notify::Notifier;
use super::persist::Persister;
use super::session::StatusEvent;
use super::sink_policy::SinkPolicy;
use super::stats::Stats;
use super::store::{InsertRules, Store};
use super::SandboxConfig;

#[derive(Debug)]
pub(crate) struct Sandbox {
    pub config: SandboxConfig,
    pub activation_delay: TimeDelta,
    pub store: Arc<Store>,
    pub clock: Arc<SandboxClock>,
    pub faults: FaultSwitch,
    pub stats: Stats,
    pub notifier: Notifier,
    /// Which sinks a create may name (the notifier checks again at delivery).
    pub sink_policy: SinkPolicy,
    pub persister: Option<Arc<Persister>>,
    /// Several live sessions per device (NaC answers 409): starts as configured, the admin API flips it.
    pub allow_concurrent_sessions: AtomicBool,
}

pub(crate) type Shared = Arc<Sandbox>;

impl Sandbox {
    /// After a change to the store: queue its notifications, and with a state file wait until the change
    /// is on disk, so that what was answered survives a crash.
    pub async fn commit(
        &self,
        events: impl IntoIterator<Item = StatusEvent>,
    ) -> Result<(), ApiError> {
        self.notifier.send_all(events);
        if let Some(persister) = &self.persister {
            let change = persister.changed();
            persister.flushed(change).await.map_err(|e| {
                log::error!("nac-sandbox: {e:#}");
                ApiError::internal("Internal server error: the change could not be saved")
            })?;
        }
        Ok(())
    }

    /// After a change that need not be waited for (ticker, evictions).
    pub fn changed_in_background(&self) {
        if let Some(persister) = &self.persister {
            persister.changed();
        }
    }
}

impl Sandbox {
    pub fn insert_rules(&self) -> InsertRules {
        InsertRules {
            allow_concurrent: self.concurrent_sessions_allowed(),
            max_live_per_owner: self.config.max_sessions_per_key,
        }
    }

    pub fn concurrent_sessions_allowed(&self) -> bool {
        self.allow_concurrent_sessions.load(Ordering::Relaxed)
    }

    pub fn set_concurrent_sessions_allowed(&self, allowed: bool) {
        self.allow_concurrent_sessions
            .store(allowed, Ordering::Relaxed);
    }
}
