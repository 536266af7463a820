//! The admin API under `/_sandbox` (see `admin_auth` for who may call it; no API key, never subject to
//! faults): see every session, move the clock, end a session as the network would, set faults and rules,
//! reset, read counters.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::Json;
use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use super::body::body_bytes;
use super::errors::ApiError;
use super::faults::Faults;
use super::owner::Owner;
use super::persist::Change;
use super::request;
use super::state::Shared;
use super::stats::StatsReport;
use nac_api::wire::{format_timestamp, SessionInfo};

/// A session as the admin sees it: as the API shows it, plus a label of the key that owns it.
#[derive(Debug, Serialize)]
pub(crate) struct OwnedSession {
    #[serde(flatten)]
    info: SessionInfo,
    owner: String,
}

pub(crate) async fn sessions(State(sandbox): State<Shared>) -> Json<Vec<OwnedSession>> {
    let all = sandbox.store.all(None, sandbox.clock.now());
    Json(
        all.into_iter()
            .map(|(owner, info)| OwnedSession {
                info,
                owner: owner.label(),
            })
            .collect(),
    )
}

pub(crate) async fn terminate(
    State(sandbox): State<Shared>,
    Path(session_id): Path<String>,
) -> Result<Json<SessionInfo>, ApiError> {
    let id = request::parse_session_id(&session_id)?;
    let now = sandbox.clock.now();
    let (info, events, before) = sandbox
        .store
        .terminate(&id, now)
        .ok_or_else(|| ApiError::session_not_found(id))?;
    sandbox
        .commit(Change::session(id), events, || {
            sandbox.store.restore(before, now)
        })
        .await?;
    Ok(Json(info))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AdvanceClock {
    advance_seconds: f64,
    /// Moves only this key's clock (its sessions' time); without it, the global clock.
    #[serde(default)]
    api_key: Option<String>,
}

/// `GET`/`POST /_sandbox/clock` answer.
#[derive(Debug, Serialize)]
pub(crate) struct ClockReport {
    now: String,
    offset_seconds: f64,
    /// The keys whose clocks were moved on their own (labelled as in the sessions list).
    keys: Vec<KeyClock>,
}

#[derive(Debug, Serialize)]
pub(crate) struct KeyClock {
    owner: String,
    now: String,
    /// Ahead of the global clock by this much.
    offset_seconds: f64,
}

fn clock_report(sandbox: &Shared) -> Json<ClockReport> {
    let now = sandbox.clock.now();
    let keys = sandbox
        .clock
        .key_offsets_ms()
        .into_iter()
        .map(|(owner, ms)| KeyClock {
            owner: owner.label(),
            now: format_timestamp(&(now + TimeDelta::milliseconds(ms))),
            offset_seconds: ms as f64 / 1000.0,
        })
        .collect();
    Json(ClockReport {
        now: format_timestamp(&now),
        offset_seconds: sandbox.clock.offset_ms() as f64 / 1000.0,
        keys,
    })
}

pub(crate) async fn clock(State(sandbox): State<Shared>) -> Json<ClockReport> {
    clock_report(&sandbox)
}

pub(crate) async fn advance_clock(
    State(sandbox): State<Shared>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ClockReport>, ApiError> {
    let body = body_bytes(body)?;
    let req: AdvanceClock = request::parse_json(Some("application/json"), &body)?;
    if !req.advance_seconds.is_finite() || req.advance_seconds < 0.0 {
        return Err(ApiError::invalid_argument(
            "advance_seconds: the clock only moves forward",
        ));
    }
    // Saturating float-to-int conversion; the clock refuses anything beyond a century.
    let by = TimeDelta::milliseconds((req.advance_seconds * 1000.0) as i64);
    if let Some(key) = req.api_key.as_deref() {
        return advance_key_clock(&sandbox, key, by).await;
    }
    let before = sandbox.clock.offset_ms();
    sandbox
        .clock
        .advance(by)
        .map_err(|e| ApiError::invalid_argument(format!("advance_seconds: {e}")))?;
    // Expiries and notifications follow at once rather than at the next tick. Undone, the clock goes
    // back; what the ticker did stays (the ticker would have done it anyway once time caught up).
    let (events, ids) = sandbox.store.tick(sandbox.clock.now());
    let change = Change {
        ids,
        clock: true,
        cleared: false,
    };
    sandbox
        .commit(change, events, || sandbox.clock.set_offset_ms(before))
        .await?;
    Ok(clock_report(&sandbox))
}

/// Moves one key's clock: its sessions expire and notify as if that much time had passed for them.
async fn advance_key_clock(
    sandbox: &Shared,
    key: &str,
    by: TimeDelta,
) -> Result<Json<ClockReport>, ApiError> {
    if key.is_empty() {
        return Err(ApiError::invalid_argument(
            "api_key: empty; give the X-RapidAPI-Key whose clock to move",
        ));
    }
    let owner = Owner::of_key(key);
    let before = sandbox.clock.key_offset(&owner).num_milliseconds();
    sandbox
        .clock
        .advance_key(&owner, by)
        .map_err(|e| ApiError::invalid_argument(format!("advance_seconds: {e}")))?;
    let now = sandbox.clock.now();
    sandbox.store.reschedule(&owner, now);
    let (events, ids) = sandbox.store.tick(now);
    let change = Change {
        ids,
        clock: true,
        cleared: false,
    };
    sandbox
        .commit(change, events, || {
            sandbox.clock.set_key_offset_ms(&owner, before)
        })
        .await?;
    Ok(clock_report(sandbox))
}

/// `GET`/`PUT /_sandbox/config`: the rules that can change while running.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuntimeConfig {
    allow_concurrent_sessions: bool,
}

pub(crate) async fn config(State(sandbox): State<Shared>) -> Json<RuntimeConfig> {
    Json(RuntimeConfig {
        allow_concurrent_sessions: sandbox.concurrent_sessions_allowed(),
    })
}

pub(crate) async fn set_config(
    State(sandbox): State<Shared>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<RuntimeConfig>, ApiError> {
    let body = body_bytes(body)?;
    let wanted: RuntimeConfig = request::parse_json(Some("application/json"), &body)?;
    log::info!("nac-sandbox: config set to {wanted:?}");
    sandbox.set_concurrent_sessions_allowed(wanted.allow_concurrent_sessions);
    Ok(Json(wanted))
}

pub(crate) async fn faults(State(sandbox): State<Shared>) -> Json<Faults> {
    Json(sandbox.faults.get())
}

pub(crate) async fn set_faults(
    State(sandbox): State<Shared>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Faults>, ApiError> {
    let body = body_bytes(body)?;
    let faults: Faults = request::parse_json(Some("application/json"), &body)?;
    faults.check().map_err(ApiError::invalid_argument)?;
    log::info!("nac-sandbox: faults set to {faults:?}");
    sandbox.faults.set(faults.clone());
    Ok(Json(faults))
}

/// Empty store, clock back to real time, no faults, counters at zero, the start-up rules.
pub(crate) async fn reset(
    State(sandbox): State<Shared>,
) -> Result<Json<serde_json::Value>, ApiError> {
    sandbox.store.clear();
    sandbox.clock.set_offset_ms(0);
    sandbox.clock.clear_key_offsets();
    sandbox.faults.set(Faults::default());
    sandbox.stats.reset();
    sandbox.set_concurrent_sessions_allowed(sandbox.config.allow_concurrent_sessions);
    let change = Change {
        ids: Vec::new(),
        clock: true,
        cleared: true,
    };
    // A reset that could not be saved is not undone in memory (what was cleared is gone); it answers
    // 500 and the state file catches up with the next write that succeeds.
    sandbox.commit(change, None, || {}).await?;
    Ok(Json(serde_json::json!({"reset": true})))
}

pub(crate) async fn stats(State(sandbox): State<Shared>) -> Json<StatsReport> {
    Json(sandbox.stats.report())
}
