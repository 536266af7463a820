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
/// How long a prefetched answer serves reads once it came: one refresh walk, which on a loaded
/// machine (or with hundreds of sessions) takes well over the few seconds it usually does. A GET
/// still in flight is always joined, however long it takes.
const MAX_AGE: Duration = Duration::from_secs(30);
/// At most this many ids are remembered per resource (a bound on the private state's size).
pub const MAX_REMEMBERED: usize = 1000;

/// A GET of one session: its answer, and when it came.
type Answer = Arc<OnceCell<(Instant, Option<SessionInfo>)>>;

/// Whether `answer` may serve a read now: still in flight, or answered within [`MAX_AGE`].
fn usable(answer: &Answer) -> bool {
    answer.get().is_none_or(|(at, _)| at.elapsed() <= MAX_AGE)
}

/// A GET of `id` for an [`Answer`].
async fn fetch(client: &NacClient, id: &str) -> (Instant, Option<SessionInfo>) {
    let found = client.get_session(id).await.ok().flatten();
    (Instant::now(), found)
}

#[derive(Default)]
pub struct Prefetch {
    answers: Mutex<HashMap<String, Answer>>,
    permits: Arc<OnceCell<Arc<Semaphore>>>,
}

impl Prefetch {
    /// Starts a GET for each of `ids` not fetched in this walk yet.
    pub fn start(&self, client: &NacClient, ids: &[String]) {
        let permits = self.permits();
        let mut answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        for id in ids {
            if answers.get(id).is_some_and(usable) {
                continue;
            }
            let cell: Answer = Arc::default();
            answers.insert(id.clone(), cell.clone());
            let (client, id, permits) = (client.clone(), id.clone(), permits.clone());
            tokio::spawn(async move {
                cell.get_or_init(|| async {
                    let _permit = permits.acquire_owned().await;
                    fetch(&client, &id).await
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
            match answers.get(id) {
                Some(cell) if usable(cell) => cell.clone(),
                _ => {
                    let cell: Answer = Arc::default();
                    answers.insert(id.to_owned(), cell.clone());
                    cell
                }
            }
        };
        // A read that comes before its prefetch started does the GET itself; either way one GET.
        cell.get_or_init(|| fetch(client, id)).await.1.clone()
    }

    /// Whether this walk's prefetch answered that `id` is not there (so it is not remembered again).
    pub fn found_missing(&self, id: &str) -> bool {
        let answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        answers
            .get(id)
            .is_some_and(|cell| matches!(cell.get(), Some((_, None))))
    }

    fn permits(&self) -> Arc<Semaphore> {
        self.permits.get().cloned().unwrap_or_else(|| {
            let semaphore = Arc::new(Semaphore::new(CONCURRENCY));
            let _ = self.permits.set(semaphore.clone());
            self.permits.get().cloned().unwrap_or(semaphore)
        })
    }
}
