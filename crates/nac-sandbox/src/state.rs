//! The state every handler shares: the store, the clock, faults, counters, the notifier and the state
//! writer, and the one step that makes a change final (notify, then wait until it is on disk).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::TimeDelta;

use super::clock::SandboxClock;
use super::errors::ApiError;
use super::faults::FaultSwitch;
use super::notify::Notifier;
use super::oauth::Tokens;
use super::persist::{Change, Persister};
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
    /// The API root (`http://HOST:PORT`), the CAMARA flavour's OAuth2 issuer.
    pub base_url: String,
    /// The CAMARA flavour's access tokens.
    pub tokens: Tokens,
}

pub(crate) type Shared = Arc<Sandbox>;

impl Sandbox {
    /// After a change to the store: with a state file, wait until the change is durable, so that what
    /// is answered survives a crash; if it could not be saved, `undo` it and answer 500 at once. Then
    /// queue its notifications (a sink never hears of a change that was undone).
    pub async fn commit(
        &self,
        change: Change,
        events: impl IntoIterator<Item = StatusEvent>,
        undo: impl FnOnce(),
    ) -> Result<(), ApiError> {
        if let Some(persister) = &self.persister {
            let n = persister.changed(change.clone());
            if let Err(e) = persister.flushed(n).await {
                log::error!("nac-sandbox: {e:#}; the change was undone");
                undo();
                persister.changed(change);
                return Err(ApiError::internal(
                    "Internal server error: the change could not be saved to the sandbox's state file, \
                     so it was not made",
                ));
            }
        }
        self.notifier.send_all(events);
        Ok(())
    }

    /// After a change that need not be waited for (ticker, evictions).
    pub fn changed_in_background(&self, change: Change) {
        if let Some(persister) = &self.persister {
            persister.changed(change);
        }
    }
}

impl Sandbox {
    pub fn insert_rules(&self) -> InsertRules {
        InsertRules {
            allow_concurrent: self.concurrent_sessions_allowed(),
            max_live_per_owner: self.config.max_sessions_per_key,
            max_stored_sessions: self.config.max_stored_sessions,
            max_stored_bytes: self.config.max_stored_bytes,
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
