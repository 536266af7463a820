//! The sandbox clock: real time plus an offset that `POST /_sandbox/clock` moves forward, so tests can
//! make sessions expire without waiting.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, TimeDelta, Utc};

/// How far the sandbox clock may move from real time (and the longest delay or retention it uses):
/// about a century, far from the limits of date arithmetic.
pub(crate) const MAX_OFFSET: TimeDelta = TimeDelta::days(36_500);

#[derive(Debug, Default)]
pub(crate) struct SandboxClock {
    offset_ms: AtomicI64,
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
}
