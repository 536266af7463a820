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

/// What the measurements so far agree on: each reply narrows the offset to the intersection with the
/// earlier ones (the `Date` header's one-second steps fall at different points of different
/// exchanges); a reply that disagrees with them (the API's clock was moved) starts over from itself.
#[derive(Debug, Default)]
pub(crate) struct ApiClock(Mutex<Option<Offset>>);

impl ApiClock {
    pub fn observe(&self, sent: DateTime<Utc>, received: DateTime<Utc>, date_header: &str) {
        let Ok(date) = DateTime::parse_from_rfc2822(date_header.trim()) else {
            return;
        };
        let new = Offset::measure(sent, received, date.with_timezone(&Utc));
        let mut current = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *current = Some(match *current {
            Some(old) if old.low <= new.high && new.low <= old.high => Offset {
                low: old.low.max(new.low),
                high: old.high.min(new.high),
            },
            _ => new,
        });
    }

    pub fn offset(&self) -> Option<Offset> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a reply has told the API's time yet.
    pub fn known(&self) -> bool {
        self.offset().is_some()
    }

    /// The API's current time (the middle of what the measurements allow), or ours until a reply
    /// said otherwise: expiries are on the API's clock, so "how long is left" is asked of it.
    pub fn now(&self) -> DateTime<Utc> {
        let now = Utc::now();
        self.offset()
            .map_or(now, |o| now + o.low + (o.high - o.low) / 2)
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

    #[test]
    fn measurements_narrow_the_offset_and_a_moved_clock_starts_over() {
        let clock = ApiClock::default();
        let t = DateTime::parse_from_rfc3339("2030-01-01T00:00:00.300Z")
            .unwrap()
            .with_timezone(&Utc);
        // API in step: its Date steps at whole seconds; replies at .3 and .9 of a second.
        clock.observe(
            t,
            t + Duration::milliseconds(10),
            "Tue, 01 Jan 2030 00:00:00 GMT",
        );
        let later = t + Duration::milliseconds(600);
        clock.observe(
            later,
            later + Duration::milliseconds(10),
            "Tue, 01 Jan 2030 00:00:00 GMT",
        );
        let offset = clock.offset().unwrap();
        assert!(
            offset.high - offset.low <= Duration::milliseconds(500),
            "{offset:?}"
        );
        // Moved 30 s ahead: no overlap with the old bounds, so the new measurement alone.
        clock.observe(
            later,
            later + Duration::milliseconds(10),
            "Tue, 01 Jan 2030 00:00:31 GMT",
        );
        assert!(clock.offset().unwrap().low >= Duration::seconds(29));
    }
}
