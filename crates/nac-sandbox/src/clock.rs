//! The sandbox clock: real time plus an offset that `POST /_sandbox/clock` moves forward, so tests can
//! make sessions expire without waiting; and per API key, a further offset, so that pipelines sharing
//! one sandbox can each move their own sessions' time without touching the others'.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::RwLock;

use chrono::{DateTime, TimeDelta, Utc};

use super::owner::Owner;

/// How far the sandbox clock may move from real time (and the longest delay or retention it uses):
/// about a century, far from the limits of date arithmetic.
pub(crate) const MAX_OFFSET: TimeDelta = TimeDelta::days(36_500);

#[derive(Debug, Default)]
pub(crate) struct SandboxClock {
    offset_ms: AtomicI64,
    /// Each key's own offset, on top of the global one (absent: zero).
    key_offsets_ms: RwLock<HashMap<Owner, i64>>,
}

impl SandboxClock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + TimeDelta::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves the clock forward; refused beyond [`MAX_OFFSET`] (date arithmetic must never overflow).
    pub fn advance(&self, by: TimeDelta) -> Result<(), String> {
        self.offset_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |offset| {
                offset
                    .checked_add(by.num_milliseconds())
                    .filter(|o| o.abs() <= MAX_OFFSET.num_milliseconds())
            })
            .map(drop)
            .map_err(|_| {
                format!(
                    "the clock cannot move more than {} days away from real time",
                    MAX_OFFSET.num_days()
                )
            })
    }

    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }

    pub fn set_offset_ms(&self, offset_ms: i64) {
        let limit = MAX_OFFSET.num_milliseconds();
        self.offset_ms
            .store(offset_ms.clamp(-limit, limit), Ordering::Relaxed);
    }

    /// How far `owner`'s clock is ahead of the global one.
    pub fn key_offset(&self, owner: &Owner) -> TimeDelta {
        let offsets = self
            .key_offsets_ms
            .read()
            .unwrap_or_else(|e| e.into_inner());
        TimeDelta::milliseconds(offsets.get(owner).copied().unwrap_or(0))
    }

    /// Moves `owner`'s clock forward (the global clock and other keys' stay); refused when the key's
    /// clock would be more than [`MAX_OFFSET`] from real time.
    pub fn advance_key(&self, owner: &Owner, by: TimeDelta) -> Result<(), String> {
        let mut offsets = self
            .key_offsets_ms
            .write()
            .unwrap_or_else(|e| e.into_inner());
        let current = offsets.get(owner).copied().unwrap_or(0);
        let limit = MAX_OFFSET.num_milliseconds();
        let next = current
            .checked_add(by.num_milliseconds())
            .filter(|o| o.saturating_add(self.offset_ms()).abs() <= limit)
            .ok_or_else(|| {
                format!(
                    "the key's clock cannot move more than {} days away from real time",
                    MAX_OFFSET.num_days()
                )
            })?;
        offsets.insert(owner.clone(), next);
        Ok(())
    }

    /// Every key's own offset, in milliseconds, ordered by key.
    pub fn key_offsets_ms(&self) -> Vec<(Owner, i64)> {
        let offsets = self
            .key_offsets_ms
            .read()
            .unwrap_or_else(|e| e.into_inner());
        let mut all: Vec<_> = offsets.iter().map(|(o, ms)| (o.clone(), *ms)).collect();
        all.sort();
        all
    }

    /// Sets one key's offset (undo, or loading the state file); zero forgets the key.
    pub fn set_key_offset_ms(&self, owner: &Owner, offset_ms: i64) {
        let limit = MAX_OFFSET.num_milliseconds();
        let mut offsets = self
            .key_offsets_ms
            .write()
            .unwrap_or_else(|e| e.into_inner());
        match offset_ms.clamp(-limit, limit) {
            0 => offsets.remove(owner),
            ms => offsets.insert(owner.clone(), ms),
        };
    }

    /// Every key back on the global clock.
    pub fn clear_key_offsets(&self) {
        self.key_offsets_ms
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}
