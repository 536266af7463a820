//! Delivers status changes to sinks as CloudEvents with the session's Bearer token. Delivery never blocks
//! the API: events are queued to a fixed set of workers (one queue per shard of session ids, so one
//! session's events arrive in order), retried a few times with backoff, and dropped with a log line when
//! a sink keeps failing or a queue is full.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::session::StatusEvent;
use crate::wire::{CloudEvent, StatusChanged, QOS_STATUS_CHANGED};

const WORKERS: usize = 16;
const QUEUE_PER_WORKER: usize = 4096;
const ATTEMPTS: u32 = 4;
const FIRST_BACKOFF: Duration = Duration::from_millis(200);

#[derive(Debug, Clone)]
pub(crate) struct Notifier {
    queues: Vec<mpsc::Sender<StatusEvent>>,
}

impl Notifier {
    /// Starts the delivery workers. `source_root` is the API root events name as their source.
    pub fn start(source_root: String) -> (Self, Vec<JoinHandle<()>>) {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        let mut queues = Vec::with_capacity(WORKERS);
        let mut workers = Vec::with_capacity(WORKERS);
        for _ in 0..WORKERS {
            let (tx, rx) = mpsc::channel(QUEUE_PER_WORKER);
            queues.push(tx);
            workers.push(tokio::spawn(deliver_all(
                rx,
                http.clone(),
                source_root.clone(),
            )));
        }
        (Self { queues }, workers)
    }

    pub fn send(&self, event: StatusEvent) {
        let shard = (event.session_id.as_u128() % self.queues.len() as u128) as usize;
        if let Err(e) = self.queues[shard].try_send(event) {
            log::warn!("nac-sandbox: notification queue full or closed, dropping an event: {e}");
        }
    }

    pub fn send_all(&self, events: impl IntoIterator<Item = StatusEvent>) {
        for event in events {
            self.send(event);
        }
    }
}

pub(crate) fn cloud_event(event: &StatusEvent, source_root: &str) -> CloudEvent {
    CloudEvent {
        id: Uuid::new_v4().to_string(),
        source: format!(
            "{source_root}/quality-on-demand/v1/sessions/{}",
            event.session_id
        ),
        event_type: QOS_STATUS_CHANGED.into(),
        specversion: "1.0".into(),
        datacontenttype: "application/json".into(),
        time: event.time,
        data: StatusChanged {
            session_id: event.session_id.to_string(),
            qos_status: event.status,
            status_info: event.status_info,
        },
    }
}

async fn deliver_all(
    mut queue: mpsc::Receiver<StatusEvent>,
    http: reqwest::Client,
    source_root: String,
) {
    while let Some(event) = queue.recv().await {
        deliver(&http, &event, &source_root).await;
    }
}

async fn deliver(http: &reqwest::Client, event: &StatusEvent, source_root: &str) {
    let body = match serde_json::to_vec(&cloud_event(event, source_root)) {
        Ok(body) => body,
        Err(e) => {
            log::error!("nac-sandbox: cannot encode an event: {e}");
            return;
        }
    };
    let token = event
        .credential
        .as_ref()
        .and_then(|c| c.access_token.as_ref());
    let mut backoff = FIRST_BACKOFF;
    for attempt in 1..=ATTEMPTS {
        let mut request = http
            .post(&event.sink)
            .header(CONTENT_TYPE, "application/cloudevents+json")
            .body(body.clone());
        if let Some(token) = token {
            request = request.header(AUTHORIZATION, format!("Bearer {}", token.expose()));
        }
        // Errors are logged without the request (its headers carry the token).
        let outcome = match request.send().await {
            Ok(r) if r.status().is_success() => return,
            Ok(r) => format!("status {}", r.status()),
            Err(e) => format!("{}", e.without_url()),
        };
        log::warn!(
            "nac-sandbox: notification {} for session {} to {} failed (attempt {attempt} of {ATTEMPTS}): {outcome}",
            event.status.as_str(),
            event.session_id,
            event.sink
        );
        if attempt < ATTEMPTS {
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
    }
}
