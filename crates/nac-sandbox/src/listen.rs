//! The HTTP server loop: accepts connections up to a limit, serves each with hyper (HTTP/1.1) under a
//! header-read timeout (which also closes idle keep-alive connections) and a body deadline (see
//! `body_deadline`), and stops gracefully. Written out rather than
//! `axum::serve` because that exposes neither the timeouts nor a connection limit.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, Semaphore};
use tower::ServiceExt;

use super::body_deadline::{DeadlineBody, Pressure};

/// How the server protects itself from slow or numerous clients.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConnectionLimits {
    /// Connections served at once; more wait in the kernel's backlog until one closes.
    pub max_connections: usize,
    /// Time a client has to send a request's headers, counted from when the connection is ready for a
    /// request: a connection idle (or dribbling headers) that long is closed.
    pub header_read_timeout: Duration,
    /// Time a client has to send a request's body, from when its headers were read.
    pub body_read_timeout: Duration,
}

/// Serves `router` on `listener` until `stop` fires, then waits up to `drain` for requests in flight.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    mut stop: oneshot::Receiver<()>,
    drain: Duration,
) {
    // HTTP/1.1 only (every NaC client speaks it): the header-read timer then runs from the first byte
    // a connection could send, which HTTP version detection would not bound.
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    let builder = Arc::new(builder);
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    // Owns the connections: dropping it (an aborted server) closes them all.
    let mut connections = tokio::task::JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let permit = tokio::select! {
            _ = &mut stop => break,
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let (tcp, peer) = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    log::warn!("nac-sandbox: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // Small answers must not wait for a delayed ACK.
        let _ = tcp.set_nodelay(true);
        let router = router.clone();
        let pressure = Pressure(permits.clone());
        let body_limit = limits.body_read_timeout;
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let mut request =
                request.map(|body| DeadlineBody::new(body, body_limit, pressure.clone()));
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request)
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(tcp), service));
        connections.spawn(async move {
            if let Err(e) = connection.await {
                log::debug!("nac-sandbox: connection from {peer} ended: {e}");
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(drain, graceful.shutdown())
        .await
        .is_err()
    {
        log::warn!("nac-sandbox: requests still in flight after {drain:?}; closing them");
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
}

/// The peer of a request served by [`serve`].
pub(crate) fn peer(request: &axum::extract::Request) -> Option<SocketAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| *addr)
}
