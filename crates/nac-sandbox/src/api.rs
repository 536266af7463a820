//! The NaC Quality-on-Demand API (`/quality-on-demand/v1`): create, get, delete, extend, a device's
//! sessions, and NaC's list of all sessions.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};

use super::body::{body_bytes, content_type};
use super::camara_rules;
use super::errors::ApiError;
use super::flavour::Flavour;
use super::owner::Owner;
use super::persist::Change;
use super::profiles;
use super::request;
use super::session::{ExtendRefused, StoredSession};
use super::state::Shared;
use super::store::{GlobalBound, InsertRefused};
use nac_api::wire::{ErrorInfo, SessionInfo};

impl From<ErrorInfo> for ApiError {
    fn from(e: ErrorInfo) -> Self {
        ApiError::Camara(e)
    }
}

pub(crate) async fn create_session(
    State(sandbox): State<Shared>,
    Extension(owner): Extension<Owner>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body_bytes(body)?;
    let camara = sandbox.config.flavour == Flavour::Camara;
    if camara {
        camara_rules::check_device(&body, &["qosProfile", "applicationServer", "duration"])?;
    }
    let req = request::parse_create(
        content_type(&headers),
        &body,
        sandbox.config.allow_http_sinks_on_loopback,
    )
    .map_err(|e| match camara {
        true => camara_rules::create_error(e.into()),
        false => e.into(),
    })?;
    // Parsing checked both are there.
    if let (true, Some(profile), Some(duration)) = (camara, &req.qos_profile, req.duration) {
        profiles::check_offered(&sandbox, profile, duration)?;
    }
    if let Some(sink) = &req.sink {
        sandbox
            .sink_policy
            .check_url(sink)
            .map_err(|why| ApiError::invalid_argument(format!("sink: {why}")))?;
    }
    let now = sandbox.clock.now();
    // The session's times are on its key's clock (the store takes the global one).
    let local = now + sandbox.clock.key_offset(&owner);
    let session = StoredSession::create(req, owner, local, sandbox.activation_delay);
    let (info, events) = sandbox
        .store
        .insert(session, now, sandbox.insert_rules())
        .map_err(refused_create)?;
    let id = session_id_of(&info);
    sandbox
        .commit(Change::session(id), events, || sandbox.store.forget(&id))
        .await?;
    sandbox.stats.session_created();
    if let Some(status) = sandbox.faults.roll_post_commit() {
        sandbox.stats.post_commit_fault();
        log::debug!(
            "nac-sandbox: session {} stored, answering {status} (post-commit fault)",
            info.session_id
        );
        return Err(ApiError::for_status(status));
    }
    Ok((StatusCode::CREATED, Json(info)).into_response())
}

/// The id of a session the store just made (always a UUID).
fn session_id_of(info: &SessionInfo) -> uuid::Uuid {
    info.session_id.parse().unwrap_or_default()
}

fn refused_create(refused: InsertRefused) -> ApiError {
    match refused {
        InsertRefused::DeviceBusy(existing) => {
            log::debug!("nac-sandbox: create refused, session {existing} is live for the device");
            ApiError::device_busy()
        }
        InsertRefused::TooManySessions(cap) => ApiError::new(
            429,
            "TOO_MANY_REQUESTS",
            format!(
                "This API key already has {cap} live sessions, the most this sandbox allows \
                 (--max-sessions-per-key): delete some first"
            ),
        ),
        InsertRefused::Full(bound) => {
            let (what, flag) = match bound {
                GlobalBound::Sessions(n) => (format!("{n} sessions"), "--max-stored-sessions"),
                GlobalBound::Bytes(n) => (
                    format!("{} MiB of sessions", n as f64 / (1024.0 * 1024.0)),
                    "--max-stored-bytes",
                ),
            };
            log::warn!("nac-sandbox: create refused, the sandbox holds {what} ({flag})");
            ApiError::new(
                503,
                "UNAVAILABLE",
                format!(
                    "The sandbox holds {what} for all API keys together, the most it may ({flag}): \
                     delete sessions, or wait until ended ones are forgotten"
                ),
            )
        }
    }
}

pub(crate) async fn get_session(
    State(sandbox): State<Shared>,
    Extension(owner): Extension<Owner>,
    Path(session_id): Path<String>,
) -> Result<Json<SessionInfo>, ApiError> {
    let id = request::parse_session_id(&session_id)?;
    sandbox
        .store
        .view(&id, Some(&owner), sandbox.clock.now())
        .map(Json)
        .ok_or_else(|| not_found(&sandbox, id))
}

/// NaC: 404 for a session of another key (it cannot be seen); CAMARA: 403 when it exists.
fn not_found(sandbox: &Shared, id: uuid::Uuid) -> ApiError {
    let exists = || sandbox.store.view(&id, None, sandbox.clock.now()).is_some();
    if sandbox.config.flavour == Flavour::Camara && exists() {
        return camara_rules::not_your_session();
    }
    ApiError::session_not_found(id)
}

pub(crate) async fn delete_session(
    State(sandbox): State<Shared>,
    Extension(owner): Extension<Owner>,
    Path(session_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = request::parse_session_id(&session_id)?;
    let now = sandbox.clock.now();
    let (event, removed) = sandbox
        .store
        .delete(&id, Some(&owner), now)
        .ok_or_else(|| not_found(&sandbox, id))?;
    sandbox
        .commit(Change::session(id), event, || {
            sandbox.store.restore(removed, now)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn extend_session(
    State(sandbox): State<Shared>,
    Extension(owner): Extension<Owner>,
    Path(session_id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<SessionInfo>, ApiError> {
    let id = request::parse_session_id(&session_id)?;
    let body = body_bytes(body)?;
    let mut additional = request::parse_extend(content_type(&headers), &body)?;
    let now = sandbox.clock.now();
    let camara = sandbox.config.flavour == Flavour::Camara;
    let current = sandbox.store.view(&id, Some(&owner), now);
    if let (true, Some(current)) = (camara, &current) {
        additional = camara_rules::capped_additional(
            profiles::max_duration_seconds(&sandbox, &current.qos_profile),
            current.duration,
            additional,
        );
    }
    let (info, before) = sandbox
        .store
        .extend(&id, Some(&owner), additional, now)
        .map_err(|refused| match refused {
            ExtendRefused::NotFound => not_found(&sandbox, id),
            ExtendRefused::Inactive if camara => camara_rules::extension_not_allowed(
                current
                    .as_ref()
                    .map_or("UNAVAILABLE", |c| c.qos_status.as_str()),
            ),
            ExtendRefused::Inactive => ApiError::invalid_argument("The target session is inactive"),
        })?;
    sandbox
        .commit(Change::session(id), None, || {
            sandbox.store.restore(before, now)
        })
        .await?;
    Ok(Json(info))
}

pub(crate) async fn retrieve_sessions(
    State(sandbox): State<Shared>,
    Extension(owner): Extension<Owner>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Vec<SessionInfo>>, ApiError> {
    let body = body_bytes(body)?;
    let camara = sandbox.config.flavour == Flavour::Camara;
    if camara {
        camara_rules::check_device(&body, &[])?;
    }
    let req = request::parse_retrieve_sessions(content_type(&headers), &body)?;
    let sessions = sandbox
        .store
        .for_device(&req.device, &owner, sandbox.clock.now());
    if sessions.is_empty() && !camara {
        // NaC's quirk (CAMARA answers 200 []).
        return Err(ApiError::NoSessionsForDevice);
    }
    Ok(Json(sessions))
}

/// NaC's `GET /sessions`: every session of the caller, as an array (empty when none).
pub(crate) async fn all_sessions(
    State(sandbox): State<Shared>,
    Extension(owner): Extension<Owner>,
) -> Json<Vec<SessionInfo>> {
    let all = sandbox.store.all(Some(&owner), sandbox.clock.now());
    Json(all.into_iter().map(|(_, info)| info).collect())
}
