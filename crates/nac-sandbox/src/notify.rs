//! Routes status changes to their sinks, fairly: each sink (scheme, host and port) has its own queue,
//! delivered in order, one attempt in flight at a time; sinks take turns (round robin) for a bounded
//! number of delivery slots. A sink whose last attempt failed waits in a lane of its own with fewer
//! slots, and its retries wait their backoff without holding a slot, so any number of dead sinks
//! cannot keep a healthy sink's events waiting. Memory is bounded (events per sink, events in all);
//! what is given up is logged and counted (`notifications_dropped` in the stats). Delivery never
//! blocks the API.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};

use super::delivery::{Delivery, SinkClient, Step};
use super::session::StatusEvent;
use super::sink_policy::{redacted, SinkPolicy};

/// Events waiting for the dispatcher (all sinks).
const DISPATCH_QUEUE: usize = 65_536;
/// Events waiting for one sink.
const QUEUE_PER_SINK: usize = 1024;
/// Events waiting for all sinks together.
const QUEUED_IN_ALL: usize = 262_144;
/// Attempts in flight at once for sinks not known to fail, and for sinks whose last attempt failed.
const HEALTHY_SLOTS: usize = 512;
const FAILING_SLOTS: usize = 64;
/// Sinks remembered (with their failure count) while idle; beyond this the idle ones are forgotten.
const REMEMBERED_SINKS: usize = 16_384;

#[derive(Debug, Clone)]
pub(crate) struct Notifier {
    queue: mpsc::Sender<StatusEvent>,
    dropped: Arc<AtomicU64>,
}

impl Notifier {
    /// Starts the dispatcher. `source_root` is the API root events name as their source; `dropped`
    /// counts the events given up without an attempt (queues full).
    pub fn start(
        source_root: String,
        policy: SinkPolicy,
        dropped: Arc<AtomicU64>,
    ) -> (Self, Vec<JoinHandle<()>>) {
        let (queue, rx) = mpsc::channel(DISPATCH_QUEUE);
        let delivery = Arc::new(Delivery::new(source_root, policy));
        let dispatcher = tokio::spawn(Dispatcher::new(delivery, dropped.clone()).run(rx));
        (Self { queue, dropped }, vec![dispatcher])
    }

    pub fn send(&self, event: StatusEvent) {
        if let Err(e) = self.queue.try_send(event) {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            log::warn!("nac-sandbox: notification queue full or closed, dropping an event: {e}");
        }
    }

    pub fn send_all(&self, events: impl IntoIterator<Item = StatusEvent>) {
        for event in events {
            self.send(event);
        }
    }
}

/// Which queue an event joins: its sink's origin (events to one receiver share its fate).
fn sink_key(sink: &str) -> String {
    match reqwest::Url::parse(sink) {
        Ok(url) => format!(
            "{}://{}:{}",
            url.scheme(),
            url.host_str().unwrap_or_default().to_ascii_lowercase(),
            url.port_or_known_default().unwrap_or(0)
        ),
        Err(_) => sink.to_owned(),
    }
}

/// One sink's events and connection.
#[derive(Default)]
struct SinkQueue {
    events: VecDeque<StatusEvent>,
    /// `None` while an attempt is in flight.
    client: Option<SinkClient>,
    /// Attempts made for the event at the front.
    attempts: u32,
    /// In a lane, in flight or waiting for a retry: not to be put in a lane again.
    scheduled: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lane {
    Healthy,
    Failing,
}

struct Attempted {
    key: String,
    client: SinkClient,
    step: Step,
    lane: Lane,
}

struct Dispatcher {
    delivery: Arc<Delivery>,
    dropped: Arc<AtomicU64>,
    sinks: HashMap<String, SinkQueue>,
    healthy: VecDeque<String>,
    failing: VecDeque<String>,
    in_flight: [usize; 2],
    queued: usize,
    attempts: JoinSet<Attempted>,
    /// Sinks waiting out a retry's backoff.
    backoffs: JoinSet<String>,
}

impl Dispatcher {
    fn new(delivery: Arc<Delivery>, dropped: Arc<AtomicU64>) -> Self {
        Self {
            delivery,
            dropped,
            sinks: HashMap::new(),
            healthy: VecDeque::new(),
            failing: VecDeque::new(),
            in_flight: [0, 0],
            queued: 0,
            attempts: JoinSet::new(),
            backoffs: JoinSet::new(),
        }
    }

    /// Owns the attempts in flight: aborting it (shutdown) stops them and drops what is queued.
    async fn run(mut self, mut events: mpsc::Receiver<StatusEvent>) {
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Some(event) => self.enqueue(event),
                    None => return,
                },
                Some(Ok(done)) = self.attempts.join_next(), if !self.attempts.is_empty() => {
                    self.attempted(done);
                }
                Some(Ok(key)) = self.backoffs.join_next(), if !self.backoffs.is_empty() => {
                    self.make_ready(key);
                }
            }
            self.launch();
        }
    }

    fn enqueue(&mut self, event: StatusEvent) {
        let key = sink_key(&event.sink);
        if self.sinks.len() >= REMEMBERED_SINKS && !self.sinks.contains_key(&key) {
            self.sinks
                .retain(|_, s| s.scheduled || !s.events.is_empty());
        }
        let sink = self.sinks.entry(key.clone()).or_insert_with(|| SinkQueue {
            client: Some(SinkClient::default()),
            ..SinkQueue::default()
        });
        if sink.events.len() >= QUEUE_PER_SINK || self.queued >= QUEUED_IN_ALL {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            log::warn!(
                "nac-sandbox: {} notifications already wait for {} ({} for all sinks); dropping {} for session {}",
                sink.events.len(),
                redacted(&event.sink),
                self.queued,
                event.status.as_str(),
                event.session_id
            );
            return;
        }
        sink.events.push_back(event);
        self.queued += 1;
        if !sink.scheduled {
            self.make_ready(key);
        }
    }

    /// Puts a sink with events (and its client at hand) in its lane.
    fn make_ready(&mut self, key: String) {
        let Some(sink) = self.sinks.get_mut(&key) else {
            return;
        };
        let failing = sink.client.as_ref().is_some_and(SinkClient::failing);
        sink.scheduled = true;
        if failing {
            self.failing.push_back(key);
        } else {
            self.healthy.push_back(key);
        }
    }

    fn launch(&mut self) {
        for (lane, slots) in [
            (Lane::Healthy, HEALTHY_SLOTS),
            (Lane::Failing, FAILING_SLOTS),
        ] {
            while self.in_flight[lane as usize] < slots {
                let ready = match lane {
                    Lane::Healthy => &mut self.healthy,
                    Lane::Failing => &mut self.failing,
                };
                let Some(key) = ready.pop_front() else {
                    break;
                };
                let Some(sink) = self.sinks.get_mut(&key) else {
                    continue;
                };
                let (Some(event), Some(mut client)) =
                    (sink.events.front().cloned(), sink.client.take())
                else {
                    sink.scheduled = false;
                    continue;
                };
                let attempt = sink.attempts + 1;
                let delivery = self.delivery.clone();
                self.in_flight[lane as usize] += 1;
                self.attempts.spawn(async move {
                    let step = delivery.try_once(&mut client, &event, attempt).await;
                    Attempted {
                        key,
                        client,
                        step,
                        lane,
                    }
                });
            }
        }
    }

    fn attempted(&mut self, done: Attempted) {
        self.in_flight[done.lane as usize] -= 1;
        let Some(sink) = self.sinks.get_mut(&done.key) else {
            return;
        };
        sink.client = Some(done.client);
        match done.step {
            Step::Finished => {
                sink.events.pop_front();
                sink.attempts = 0;
                self.queued -= 1;
            }
            Step::RetryAfter(backoff) => {
                sink.attempts += 1;
                let key = done.key;
                self.backoffs.spawn(async move {
                    tokio::time::sleep(backoff).await;
                    key
                });
                return;
            }
        }
        if sink.events.is_empty() {
            sink.scheduled = false;
        } else {
            self.make_ready(done.key);
        }
    }
}
