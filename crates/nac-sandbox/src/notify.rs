//! Routes status changes to their sinks, isolated per sink: each sink (scheme, host and port) has its own
//! queue and one worker delivering its events in order, so a slow or dead sink delays only its own
//! events. Delivery never blocks the API; a full queue drops the event with a log line. A worker with
//! nothing to do for a while stops, and the next event for its sink starts a new one.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;
use tokio::task::{JoinHandle, JoinSet};

use super::delivery::{Delivery, SinkClient};
use super::session::StatusEvent;
use super::sink_policy::{redacted, SinkPolicy};

/// Events waiting for the dispatcher (all sinks).
const DISPATCH_QUEUE: usize = 65_536;
/// Events waiting for one sink.
const QUEUE_PER_SINK: usize = 1024;
/// Sinks with a worker at once; events for more are dropped (logged) until some go idle.
const MAX_SINKS: usize = 1024;
/// A worker that had nothing to deliver this long stops.
const WORKER_IDLE: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub(crate) struct Notifier {
    queue: mpsc::Sender<StatusEvent>,
}

impl Notifier {
    /// Starts the dispatcher. `source_root` is the API root events name as their source.
    pub fn start(source_root: String, policy: SinkPolicy) -> (Self, Vec<JoinHandle<()>>) {
        let (queue, rx) = mpsc::channel(DISPATCH_QUEUE);
        let delivery = Arc::new(Delivery::new(source_root, policy));
        let dispatcher = tokio::spawn(dispatch(rx, delivery));
        (Self { queue }, vec![dispatcher])
    }

    pub fn send(&self, event: StatusEvent) {
        if let Err(e) = self.queue.try_send(event) {
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

/// Owns the workers: aborting it (shutdown) stops them all and drops what is queued.
async fn dispatch(mut events: mpsc::Receiver<StatusEvent>, delivery: Arc<Delivery>) {
    let mut sinks: HashMap<String, mpsc::Sender<StatusEvent>> = HashMap::new();
    let mut workers = JoinSet::new();
    while let Some(mut event) = events.recv().await {
        while workers.try_join_next().is_some() {}
        let key = sink_key(&event.sink);
        if let Some(queue) = sinks.get(&key) {
            match queue.try_send(event) {
                Ok(()) => continue,
                Err(TrySendError::Full(dropped)) => {
                    log::warn!(
                        "nac-sandbox: {QUEUE_PER_SINK} notifications already wait for {}; dropping {} for session {}",
                        redacted(&dropped.sink),
                        dropped.status.as_str(),
                        dropped.session_id
                    );
                    continue;
                }
                // Its worker went idle and stopped: start another below.
                Err(TrySendError::Closed(returned)) => {
                    sinks.remove(&key);
                    event = returned;
                }
            }
        }
        if sinks.len() >= MAX_SINKS {
            sinks.retain(|_, queue| !queue.is_closed());
        }
        if sinks.len() >= MAX_SINKS {
            log::warn!(
                "nac-sandbox: {MAX_SINKS} sinks are being notified already; dropping {} for session {} to {}",
                event.status.as_str(),
                event.session_id,
                redacted(&event.sink)
            );
            continue;
        }
        let (queue, rx) = mpsc::channel(QUEUE_PER_SINK);
        // A fresh queue has room.
        let _ = queue.try_send(event);
        workers.spawn(sink_worker(rx, delivery.clone()));
        sinks.insert(key, queue);
    }
}

/// Delivers one sink's events in order; stops after [`WORKER_IDLE`] without any.
async fn sink_worker(mut events: mpsc::Receiver<StatusEvent>, delivery: Arc<Delivery>) {
    let mut client = SinkClient::default();
    loop {
        match tokio::time::timeout(WORKER_IDLE, events.recv()).await {
            Ok(Some(event)) => delivery.deliver(&mut client, &event).await,
            Ok(None) => return,
            Err(_idle) => {
                // Refuse new events first, then deliver any that slipped in.
                events.close();
                while let Ok(event) = events.try_recv() {
                    delivery.deliver(&mut client, &event).await;
                }
                return;
            }
        }
    }
}
