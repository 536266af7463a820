//! The state every handler shares, and the router that puts the API, the profiles API and the admin API
//! together.

use std::sync::Arc;

use axum::routing::{get, post, put};
use axum::Router;
use chrono::TimeDelta;

use super::clock::SandboxClock;
use super::errors::ApiError;
use super::faults::FaultSwitch;
use super::notify::Notifier;
use super::persist::Persister;
use super::session::StatusEvent;
use super::stats::Stats;
use super::store::Store;
use super::{admin, api, gateway, profiles, SandboxConfig};

#[derive(Debug)]
pub(crate) struct Sandbox {
    pub config: SandboxConfig,
    pub activation_delay: TimeDelta,
    pub store: Arc<Store>,
    pub clock: Arc<SandboxClock>,
    pub faults: FaultSwitch,
    pub stats: Stats,
    pub notifier: Notifier,
    pub persister: Option<Arc<Persister>>,
}

pub(crate) type Shared = Arc<Sandbox>;

impl Sandbox {
    /// After a change to the store: queue its notifications, and with a state file wait until the change
    /// is on disk, so that what was answered survives a crash.
    pub async fn commit(
        &self,
        events: impl IntoIterator<Item = StatusEvent>,
    ) -> Result<(), ApiError> {
        self.notifier.send_all(events);
        if let Some(persister) = &self.persister {
            let change = persister.changed();
            persister.flushed(change).await.map_err(|e| {
                log::error!("nac-sandbox: {e:#}");
                ApiError::internal("Internal server error: the change could not be saved")
            })?;
        }
        Ok(())
    }

    /// After a change that need not be waited for (ticker, evictions).
    pub fn changed_in_background(&self) {
        if let Some(persister) = &self.persister {
            persister.changed();
        }
    }
}

async fn not_found() -> ApiError {
    ApiError::new(404, "NOT_FOUND", "The specified resource is not found.")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        405,
        "METHOD_NOT_ALLOWED",
        "The method is not allowed for this resource.",
    )
}

pub(crate) fn router(sandbox: Shared) -> Router {
    let qod = Router::new()
        .route(
            "/sessions",
            post(api::create_session).get(api::all_sessions),
        )
        .route(
            "/sessions/{session_id}",
            get(api::get_session).delete(api::delete_session),
        )
        .route("/sessions/{session_id}/extend", post(api::extend_session))
        .route("/retrieve-sessions", post(api::retrieve_sessions));
    let qos_profiles = Router::new()
        .route("/retrieve-qos-profiles", post(profiles::retrieve_profiles))
        .route("/qos-profiles/{name}", get(profiles::get_profile));
    let service = Router::new()
        .nest("/quality-on-demand/v1", qod)
        .nest("/qos-profiles/v1", qos_profiles)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            sandbox.clone(),
            gateway::gateway,
        ));
    let admin = Router::new()
        .route("/sessions", get(admin::sessions))
        .route("/sessions/{session_id}/terminate", post(admin::terminate))
        .route("/clock", post(admin::advance_clock).get(admin::clock))
        .route("/faults", put(admin::set_faults).get(admin::faults))
        .route("/reset", post(admin::reset))
        .route("/stats", get(admin::stats))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(admin::loopback_only));
    Router::new()
        .nest("/_sandbox", admin)
        .merge(service)
        .fallback(not_found)
        .with_state(sandbox)
}
