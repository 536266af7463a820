//! Starting and stopping a sandbox: bind, load the state file, run the HTTP server, the lifecycle ticker,
//! the notification workers and the state writer; shut all of it down gracefully.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::TimeDelta;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::app;
use super::clock::{SandboxClock, MAX_OFFSET};
use super::faults::FaultSwitch;
use super::listen::{self, ConnectionLimits};
use super::notify::Notifier;
use super::oauth::Tokens;
use super::persist::{Change, Persister};
use super::sink_policy::SinkPolicy;
use super::state::Sandbox;
use super::stats::{Stats, StatsReport};
use super::store::Store;
use super::SandboxConfig;

/// How often the ticker looks for due transitions (notifications, evictions).
const TICK: Duration = Duration::from_millis(50);
/// How long shutdown waits for requests in flight.
const DRAIN: Duration = Duration::from_secs(5);

/// A sandbox serving in the background of the current tokio runtime.
#[derive(Debug)]
pub struct RunningSandbox {
    addr: SocketAddr,
    sandbox: Arc<Sandbox>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    background: Vec<JoinHandle<()>>,
}

/// Delays and retention beyond a century are a century: date arithmetic must never overflow.
fn to_delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(MAX_OFFSET).min(MAX_OFFSET)
}

/// Starts a sandbox: binds `config.listen`, loads `config.state_file` if it exists, and serves until
/// [`RunningSandbox::shutdown`].
pub async fn start(config: SandboxConfig) -> anyhow::Result<RunningSandbox> {
    config
        .faults
        .check()
        .map_err(|e| anyhow::anyhow!("invalid faults: {e}"))?;
    if !config.listen.ip().is_loopback() && config.admin_token.is_none() {
        anyhow::bail!(
            "listening on {} (not a loopback address) exposes the admin API: give it a token with \
             --admin-token or NAC_SANDBOX_ADMIN_TOKEN",
            config.listen
        );
    }
    if config.flavour == crate::Flavour::Camara && config.oauth_clients.is_empty() {
        anyhow::bail!(
            "the camara flavour authenticates OAuth2 clients: register at least one with \
             --oauth-client CLIENT_ID:CLIENT_SECRET[:SCOPES]"
        );
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let base_url = base_url_of(addr);

    let clock = Arc::new(SandboxClock::default());
    let store = Arc::new(Store::new(to_delta(config.retention), clock.clone()));
    let persister = match &config.state_file {
        Some(path) => {
            let (persister, loaded) = Persister::open(path.clone())?;
            clock.set_offset_ms(loaded.clock_offset_ms);
            for (owner, ms) in &loaded.key_clock_offsets_ms {
                clock.set_key_offset_ms(owner, *ms);
            }
            let dropped = store.load(loaded.sessions, clock.now());
            log::info!(
                "nac-sandbox: loaded {} sessions from {}{}",
                store.len(),
                path.display(),
                if dropped.is_empty() {
                    String::new()
                } else {
                    format!(
                        " ({} ended more than --retention-seconds ago: forgotten)",
                        dropped.len()
                    )
                }
            );
            if !dropped.is_empty() {
                persister.changed(Change {
                    ids: dropped,
                    ..Change::default()
                });
            }
            Some(Arc::new(persister))
        }
        None => None,
    };
    let stats = Stats::default();
    let (notifier, mut background) = Notifier::start(
        base_url.clone(),
        SinkPolicy::new(addr),
        stats.notifications_dropped(),
    );
    let sandbox = Arc::new(Sandbox {
        activation_delay: to_delta(config.activation_delay),
        faults: FaultSwitch::new(config.faults.clone()),
        allow_concurrent_sessions: config.allow_concurrent_sessions.into(),
        config,
        store: store.clone(),
        clock: clock.clone(),
        stats,
        notifier,
        sink_policy: SinkPolicy::new(addr),
        persister: persister.clone(),
        base_url: base_url.clone(),
        tokens: Tokens::default(),
    });
    if let Some(persister) = persister {
        background.push(tokio::spawn(persister.run(store, clock)));
    }
    background.push(tokio::spawn(tick(sandbox.clone())));

    let (stop, stopped) = oneshot::channel::<()>();
    let limits = ConnectionLimits {
        max_connections: sandbox.config.max_connections,
        header_read_timeout: sandbox.config.header_read_timeout,
        body_read_timeout: sandbox.config.body_read_timeout,
    };
    let router = app::router(sandbox.clone());
    let server = tokio::spawn(listen::serve(listener, router, limits, stopped, DRAIN));
    log::info!("nac-sandbox: listening on {base_url}");
    if sandbox.config.admin_token.is_some() {
        log::info!("nac-sandbox: the admin API and {base_url}/_sandbox/ui require the admin token");
    } else {
        log::info!("nac-sandbox: the admin API and {base_url}/_sandbox/ui are open to loopback clients only");
    }
    Ok(RunningSandbox {
        addr,
        sandbox,
        stop: Some(stop),
        server: Some(server),
        background,
    })
}

fn base_url_of(addr: SocketAddr) -> String {
    // A wildcard bind is reachable on loopback; name that, since a client cannot connect to 0.0.0.0.
    let ip = match addr.ip() {
        ip if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

/// Moves sessions through their lifecycle even when nobody reads them, so sinks hear of every change.
async fn tick(sandbox: Arc<Sandbox>) {
    let mut interval = tokio::time::interval(TICK);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        let (events, ids) = sandbox.store.tick(sandbox.clock.now());
        sandbox.notifier.send_all(events);
        if !ids.is_empty() {
            sandbox.changed_in_background(Change {
                ids,
                ..Change::default()
            });
        }
    }
}

impl RunningSandbox {
    /// The API root, e.g. `http://127.0.0.1:41873` (the QoD API is under `/quality-on-demand/v1`).
    pub fn base_url(&self) -> String {
        base_url_of(self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The sandbox's counters (the same as `GET /_sandbox/stats`).
    pub fn stats(&self) -> StatsReport {
        self.sandbox.stats.report()
    }

    /// Stops serving (requests in flight finish), writes the state file one last time and frees the port.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut server) = self.server.take() {
            // The server drains for DRAIN itself; this is the backstop.
            if tokio::time::timeout(DRAIN * 2, &mut server).await.is_err() {
                log::warn!("nac-sandbox: requests still in flight after {DRAIN:?}; closing them");
                server.abort();
                let _ = server.await;
            }
        }
        for task in self.background.drain(..) {
            task.abort();
            let _ = task.await;
        }
        if let Some(persister) = &self.sandbox.persister {
            if let Err(e) = persister.write_now(&self.sandbox.store, &self.sandbox.clock) {
                log::error!("nac-sandbox: final state write failed: {e:#}");
            }
            persister.close();
        }
        log::info!("nac-sandbox: stopped");
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        // Dropped without shutdown (a failing test): stop everything so the port is freed.
        if let Some(server) = self.server.take() {
            server.abort();
        }
        for task in self.background.drain(..) {
            task.abort();
        }
    }
}
