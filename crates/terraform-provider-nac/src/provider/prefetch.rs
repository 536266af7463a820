//! Refresh without the list endpoint as fast as with it. Terraform reads at most 10 resources at a
//! time, one GET each, so N sessions at latency L cost about N/10 × L. Each resource's private state
//! remembers the ids of the sessions this configuration held when it was last read or created; the
//! first reads of a walk start concurrent GETs of all of them, and every read takes its session from
//! there. Like the list, a prefetched answer only ever confirms that a session exists: a session not
//! found is read again with its own GET, whose not-found needs a second witness as always.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OnceCell, Semaphore};

use nac_api::wire::SessionInfo;
use nac_client::NacClient;

/// GETs in flight at once: enough to hide latency, few enough to stay polite to the API.
const CONCURRENCY: usize = 32;
/// How long a prefetched answer serves reads: one refresh walk.
const MAX_AGE: Duration = Duration::from_secs(5);
/// At most this many ids are remembered per resource (a bound on the private state's size).
pub const MAX_REMEMBERED: usize = 1000;

type Answer = Arc<OnceCell<Option<SessionInfo>>>;

#[derive(Default)]
pub struct Prefetch {
    answers: Mutex<HashMap<String, (Instant, Answer)>>,
    permits: Arc<OnceCell<Arc<Semaphore>>>,
}

impl Prefetch {
    /// Starts a GET for each of `ids` not fetched in this walk yet.
    pub fn start(&self, client: &NacClient, ids: &[String]) {
        let permits = self.permits();
        let now = Instant::now();
        let mut answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        for id in ids {
            let fresh = answers
                .get(id)
                .is_some_and(|(since, _)| now.saturating_duration_since(*since) <= MAX_AGE);
            if fresh {
                continue;
            }
            let cell: Answer = Arc::default();
            answers.insert(id.clone(), (now, cell.clone()));
            let (client, id, permits) = (client.clone(), id.clone(), permits.clone());
            tokio::spawn(async move {
                cell.get_or_init(|| async {
                    let _permit = permits.acquire_owned().await;
                    client.get_session(&id).await.ok().flatten()
                })
                .await;
            });
        }
    }

    /// The session `id` as this walk's GET of it found it (started here when no prefetch has, so a
    /// later `start` does not fetch it again); `None` means "read it with its own GET".
    pub async fn lookup(&self, client: &NacClient, id: &str) -> Option<SessionInfo> {
        let cell = {
            let mut answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            match answers.get(id) {
                Some((since, cell)) if now.saturating_duration_since(*since) <= MAX_AGE => {
                    cell.clone()
                }
                _ => {
                    let cell: Answer = Arc::default();
                    answers.insert(id.to_owned(), (now, cell.clone()));
                    cell
                }
            }
        };
        // A read that comes before its prefetch started does the GET itself; either way one GET.
        cell.get_or_init(|| async { client.get_session(id).await.ok().flatten() })
            .await
            .clone()
    }

    /// Whether this walk's prefetch answered that `id` is not there (so it is not remembered again).
    pub fn found_missing(&self, id: &str) -> bool {
        let answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        answers
            .get(id)
            .is_some_and(|(_, cell)| matches!(cell.get(), Some(None)))
    }

    fn permits(&self) -> Arc<Semaphore> {
        self.permits.get().cloned().unwrap_or_else(|| {
            let semaphore = Arc::new(Semaphore::new(CONCURRENCY));
            let _ = self.permits.set(semaphore.clone());
            self.permits.get().cloned().unwrap_or(semaphore)
        })
    }
}
