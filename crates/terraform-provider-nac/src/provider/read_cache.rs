//! Refresh from one list call: the first read of a walk lists every session of the API key with
//! `GET /sessions`, concurrent reads wait for that one call, and each read takes its session from it.
//!
//! The list only ever confirms that a session exists (and how it looks): a session absent from it is
//! read with its own GET, because a list can be partial, stale or filtered; it is never a witness of
//! absence (gone takes the session's own 404 and the device's sessions agreeing). A list that is not served (404, 405, any error) is remembered as such
//! for the same window, so every read of that walk falls back to its GET without asking again.
//! Used by refreshes only, never for create or adoption decisions.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

use super::SharedClient;
use nac_api::wire::SessionInfo;

/// How long one list serves reads: a refresh walk, not a session's lifetime.
pub const MAX_AGE: Duration = Duration::from_secs(5);

/// The sessions of one list call by id; `None` when the call failed.
type Listing = Option<HashMap<String, SessionInfo>>;

/// One provider process's list, refetched once it is older than [`MAX_AGE`].
#[derive(Default)]
pub struct ReadCache {
    current: Mutex<Option<(Instant, Arc<OnceCell<Listing>>)>>,
}

impl ReadCache {
    /// The session `id` as the walk's list shows it; `None` means "read it with its own GET" (batch reads
    /// off, the list failed, or the session is not in it), never "gone".
    pub async fn lookup(&self, client: &SharedClient, id: &str) -> Option<SessionInfo> {
        let (Some(client), true) = (client.client(), client.batch_reads()) else {
            return None;
        };
        let cell = self.cell(Instant::now());
        let listing = cell
            .get_or_init(|| async {
                match client.list_sessions().await {
                    Ok(sessions) => {
                        log::debug!("listed {} QoS sessions for this refresh", sessions.len());
                        Some(
                            sessions
                                .into_iter()
                                .map(|s| (s.session_id.clone(), s))
                                .collect(),
                        )
                    }
                    Err(why) => {
                        log::debug!(
                            "GET /sessions is not usable ({why}); reading each session with its own GET"
                        );
                        None
                    }
                }
            })
            .await;
        let found = listing.as_ref()?.get(id).cloned();
        if found.is_none() {
            log::debug!("QoS session {id} is not in the list; confirming with its own GET");
        }
        found
    }

    /// Whether this walk's list was fetched and served (a read that finds its session missing from it
    /// still needs its own GET).
    pub fn list_served(&self) -> bool {
        self.cell(Instant::now())
            .get()
            .is_some_and(|listing| listing.is_some())
    }

    /// The list cell for a read at `now`: the current one, or a fresh one when it is too old.
    fn cell(&self, now: Instant) -> Arc<OnceCell<Listing>> {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        match &*current {
            Some((since, cell)) if now.saturating_duration_since(*since) <= MAX_AGE => cell.clone(),
            _ => {
                let cell = Arc::new(OnceCell::new());
                *current = Some((now, cell.clone()));
                cell
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_list_serves_a_walk_and_an_old_one_is_replaced() {
        let cache = ReadCache::default();
        let start = Instant::now();
        let first = cache.cell(start);
        assert!(Arc::ptr_eq(
            &first,
            &cache.cell(start + Duration::from_secs(1))
        ));
        assert!(Arc::ptr_eq(&first, &cache.cell(start + MAX_AGE)));
        let later = cache.cell(start + MAX_AGE + Duration::from_millis(1));
        assert!(!Arc::ptr_eq(&first, &later));
    }
}
