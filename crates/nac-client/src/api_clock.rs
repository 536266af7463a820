//! Where the API's clock stands against ours, measured from each reply's `Date` header: a session's
//! `startedAt` is on the API's clock, a create attempt's window on ours. With the offset known, the
//! window of an unclear create is moved onto the API's clock and widened only by what the measurement
//! cannot tell (the `Date` header's one-second resolution and the exchange's round trip), instead of a
//! fixed slack that lets another client's identical create in.

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// The offset `API clock - our clock` lies within `[low, high]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offset {
    pub low: Duration,
    pub high: Duration,
}

impl Offset {
    /// From one exchange: sent at `sent`, answered at `received` (our clock), with `Date: date` (the
    /// API's clock, whole seconds: the API's time was in `[date, date + 1 s)` when it answered).
    pub fn measure(sent: DateTime<Utc>, received: DateTime<Utc>, date: DateTime<Utc>) -> Self {
        Self {
            low: date - received,
            high: date + Duration::seconds(1) - sent,
        }
    }
}

/// The latest measurement (an API whose clock was moved is measured again by its next reply).
#[derive(Debug, Default)]
pub(crate) struct ApiClock(Mutex<Option<Offset>>);

impl ApiClock {
    pub fn observe(&self, sent: DateTime<Utc>, received: DateTime<Utc>, date_header: &str) {
        let Ok(date) = DateTime::parse_from_rfc2822(date_header.trim()) else {
            return;
        };
        let offset = Offset::measure(sent, received, date.with_timezone(&Utc));
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(offset);
    }

    pub fn offset(&self) -> Option<Offset> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_30_s_ahead_is_measured_within_the_round_trip_and_a_second() {
        let sent = Utc::now();
        let received = sent + Duration::milliseconds(40);
        let api_now = received + Duration::seconds(30) - Duration::milliseconds(10);
        let header = api_now.to_rfc2822();
        let clock = ApiClock::default();
        clock.observe(sent, received, &header);
        let offset = clock.offset().unwrap();
        assert!(offset.low <= Duration::seconds(30) && Duration::seconds(30) <= offset.high);
        assert!(offset.high - offset.low <= Duration::milliseconds(1040));
    }
}
