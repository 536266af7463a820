//! Delivering one event to its sink: a CloudEvent with the session's Bearer token, to addresses the
//! [`SinkPolicy`] allows (resolved here, and the connection pinned to them), never following redirects,
//! with short timeouts and a few retries. Logs name the sink without userinfo or query, never the token.

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use reqwest::redirect;
use reqwest::Url;
use uuid::Uuid;

use super::browser_guard::NOTIFIER_MARKER;
use super::session::StatusEvent;
use super::sink_policy::{redacted, SinkPolicy};
use nac_api::wire::{CloudEvent, StatusChanged, QOS_STATUS_CHANGED};

const ATTEMPTS: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(2);
/// After this many events in a row that could not be delivered, a sink gets one attempt per event
/// (until one succeeds), so a dead sink's queue drains quickly.
const DOWN_AFTER: u32 = 2;

#[derive(Debug)]
pub(crate) struct Delivery {
    source_root: String,
    policy: SinkPolicy,
    /// For sinks named by an IP address: nothing to resolve, so nothing to pin. Building a client
    /// loads the system's root certificates (tens of ms), too slow to do for every sink.
    by_address: reqwest::Client,
}

/// A sink worker's connection state: an HTTP client pinned to the addresses last checked, and how many
/// events in a row failed.
#[derive(Debug, Default)]
pub(crate) struct SinkClient {
    pinned: Option<(Vec<SocketAddr>, reqwest::Client)>,
    failed_in_a_row: u32,
    last_attempt_failed: bool,
}

impl SinkClient {
    /// Its last attempt failed: its next ones wait in the lane of failing sinks.
    pub fn failing(&self) -> bool {
        self.last_attempt_failed
    }
}

/// What follows one attempt.
#[derive(Debug)]
pub(crate) enum Step {
    /// Delivered, or given up on: the sink's next event.
    Finished,
    /// The same event again after this long.
    RetryAfter(Duration),
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

enum Outcome {
    Delivered,
    /// Worth another attempt (connection error, timeout, 5xx, 429).
    Retry(String),
    /// Not worth another (refused target, redirect, other 4xx).
    GiveUp(String),
}

impl Delivery {
    pub fn new(source_root: String, policy: SinkPolicy) -> Self {
        Self {
            source_root,
            policy,
            by_address: Self::client(&Url::parse("http://127.0.0.1/").expect("a URL"), &[]),
        }
    }

    /// The addresses `url` may be reached at, all checked; an error when any is refused (a name that
    /// resolves to a forbidden address is refused altogether).
    async fn targets(&self, url: &Url) -> Result<Vec<SocketAddr>, String> {
        let port = url.port_or_known_default().ok_or("the sink has no port")?;
        let addrs: Vec<SocketAddr> = match url.host() {
            Some(url::Host::Ipv4(ip)) => vec![SocketAddr::new(ip.into(), port)],
            Some(url::Host::Ipv6(ip)) => vec![SocketAddr::new(ip.into(), port)],
            Some(url::Host::Domain(name)) => {
                tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((name, port)))
                    .await
                    .map_err(|_| format!("resolving {name} timed out"))?
                    .map_err(|e| format!("cannot resolve {name}: {e}"))?
                    .collect()
            }
            None => return Err("the sink has no host".into()),
        };
        if addrs.is_empty() {
            return Err("the sink's host resolves to no address".into());
        }
        for addr in &addrs {
            self.policy.check_addr(*addr)?;
        }
        Ok(addrs)
    }

    fn client(url: &Url, addrs: &[SocketAddr]) -> reqwest::Client {
        let mut builder = reqwest::Client::builder()
            .redirect(redirect::Policy::none())
            .no_proxy()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(ATTEMPT_TIMEOUT);
        if let Some(url::Host::Domain(name)) = url.host() {
            builder = builder.resolve_to_addrs(name, addrs);
        }
        builder.build().unwrap_or_default()
    }

    async fn attempt(
        &self,
        client: &mut SinkClient,
        url: &Url,
        event: &StatusEvent,
        body: &[u8],
    ) -> Outcome {
        let addrs = match self.targets(url).await {
            Ok(addrs) => addrs,
            Err(why) => return Outcome::GiveUp(format!("refused: {why}")),
        };
        let named = matches!(url.host(), Some(url::Host::Domain(_)));
        let http = match &client.pinned {
            _ if !named => self.by_address.clone(),
            Some((pinned, http)) if *pinned == addrs => http.clone(),
            _ => {
                let http = Self::client(url, &addrs);
                client.pinned = Some((addrs, http.clone()));
                http
            }
        };
        let mut request = http
            .post(url.clone())
            .header(CONTENT_TYPE, "application/cloudevents+json")
            .header(NOTIFIER_MARKER, "1")
            .body(body.to_vec());
        if let Some(token) = event
            .credential
            .as_ref()
            .and_then(|c| c.access_token.as_ref())
        {
            request = request.header(AUTHORIZATION, format!("Bearer {}", token.expose()));
        }
        // Errors are described without the request (its headers carry the token) and without the URL.
        match request.send().await {
            Ok(r) if r.status().is_success() => Outcome::Delivered,
            Ok(r) if r.status().is_redirection() => Outcome::GiveUp(format!(
                "status {} (redirects are not followed)",
                r.status()
            )),
            Ok(r) if r.status().is_server_error() || r.status().as_u16() == 429 => {
                Outcome::Retry(format!("status {}", r.status()))
            }
            Ok(r) => Outcome::GiveUp(format!("status {}", r.status())),
            Err(e) => Outcome::Retry(format!("{}", e.without_url())),
        }
    }

    /// One attempt at delivering `event` (the `attempt`th, from 1): whether to try again, and when.
    /// Backoff is left to the caller, so a sink waiting to retry holds no delivery slot.
    pub async fn try_once(
        &self,
        client: &mut SinkClient,
        event: &StatusEvent,
        attempt: u32,
    ) -> Step {
        let shown = redacted(&event.sink);
        let Ok(url) = Url::parse(&event.sink) else {
            log::warn!(
                "nac-sandbox: session {} has a sink that is not a URL",
                event.session_id
            );
            return Step::Finished;
        };
        let body = match serde_json::to_vec(&cloud_event(event, &self.source_root)) {
            Ok(body) => body,
            Err(e) => {
                log::error!("nac-sandbox: cannot encode an event: {e}");
                return Step::Finished;
            }
        };
        let attempts = if client.failed_in_a_row >= DOWN_AFTER {
            1
        } else {
            ATTEMPTS
        };
        let (why, again) = match self.attempt(client, &url, event, &body).await {
            Outcome::Delivered => {
                client.failed_in_a_row = 0;
                client.last_attempt_failed = false;
                return Step::Finished;
            }
            Outcome::Retry(why) => (why, attempt < attempts),
            Outcome::GiveUp(why) => (why, false),
        };
        client.last_attempt_failed = true;
        log::warn!(
            "nac-sandbox: notification {} for session {} to {shown} failed (attempt {attempt} of {attempts}): {why}",
            event.status.as_str(),
            event.session_id,
        );
        if again {
            return Step::RetryAfter(FIRST_BACKOFF * 2u32.saturating_pow(attempt - 1));
        }
        client.failed_in_a_row = client.failed_in_a_row.saturating_add(1);
        Step::Finished
    }
}
