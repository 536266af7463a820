//! When to poll a new session again while it is REQUESTED.
//!
//! The finish overshoots the activation by up to one interval, so the interval is kept small against
//! the time already waited: never more than a quarter of it (short activations end close to their
//! delay), and never more than 250 ms in the first 10 s, then 2.5 % of the wait, up to 2 s (a long
//! activation costs about 30 requests a minute instead of 240). Overshoot: at most
//! max(25 ms, min(wait / 4, max(250 ms, wait / 40)), capped at 2 s) plus one round trip.

use std::time::Duration;

/// The first wait: a sandbox or a fast network settles within tens of milliseconds.
pub(super) const FIRST: Duration = Duration::from_millis(25);
const GROWTH: f64 = 1.5;
/// Ceiling while the wait is short (the first 10 s).
const EARLY_CEILING: Duration = Duration::from_millis(250);
/// Ceiling of any interval (the old fixed schedule's).
const LAST_CEILING: Duration = Duration::from_secs(2);

/// The wait before the next poll, `waited` after the create was answered, `previous` being the last wait.
pub(super) fn next_interval(previous: Duration, waited: Duration) -> Duration {
    let grown = previous.mul_f64(GROWTH);
    let fraction = (waited / 4).max(FIRST);
    let ceiling = (waited / 40).clamp(EARLY_CEILING, LAST_CEILING);
    grown.min(fraction).min(ceiling).max(FIRST)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The poll times (since the create answered) of a session that never settles, over `horizon`,
    /// with `rtt` spent in each GET.
    fn schedule(horizon: Duration, rtt: Duration) -> Vec<Duration> {
        let (mut at, mut interval, mut polls) = (Duration::ZERO, FIRST, Vec::new());
        while at < horizon {
            at += interval;
            polls.push(at);
            at += rtt;
            interval = next_interval(interval, at);
        }
        polls
    }

    /// When a session that becomes AVAILABLE at `delay` is seen so.
    fn seen_at(delay: Duration, rtt: Duration) -> Duration {
        *schedule(delay * 2 + Duration::from_secs(5), rtt)
            .iter()
            .find(|&&t| t >= delay)
            .unwrap()
    }

    #[test]
    fn overshoot_is_bounded_against_the_delay() {
        for rtt in [Duration::ZERO, Duration::from_millis(100)] {
            for ms in [
                10, 50, 200, 500, 1_000, 2_000, 5_000, 9_000, 30_000, 120_000,
            ] {
                let delay = Duration::from_millis(ms);
                let overshoot = seen_at(delay, rtt) - delay;
                let bound = (delay / 4)
                    .min((delay / 40).max(EARLY_CEILING))
                    .clamp(FIRST, LAST_CEILING)
                    + rtt;
                assert!(
                    overshoot <= bound,
                    "delay {delay:?}, rtt {rtt:?}: overshoot {overshoot:?} > {bound:?}"
                );
            }
        }
        // The case the issue measured: 2 s of activation is seen within 250 ms (the old schedule: 833 ms).
        let overshoot = seen_at(Duration::from_secs(2), Duration::ZERO) - Duration::from_secs(2);
        assert!(overshoot <= Duration::from_millis(250), "{overshoot:?}");
    }

    #[test]
    fn request_count_stays_reasonable() {
        let count = |secs| schedule(Duration::from_secs(secs), Duration::ZERO).len();
        assert!(count(2) <= 20, "{} polls in 2 s", count(2));
        assert!(count(10) <= 55, "{} polls in 10 s", count(10));
        assert!(count(60) <= 140, "{} polls in 60 s", count(60));
        // Past 80 s a poll every 2 s.
        assert!((149..=151).contains(&(count(600) - count(300))));
    }

    #[test]
    fn intervals_grow_from_the_first_and_never_pass_the_ceiling() {
        assert_eq!(next_interval(FIRST, Duration::ZERO), FIRST);
        let mut interval = FIRST;
        let mut waited = Duration::ZERO;
        for _ in 0..1_000 {
            waited += interval;
            let next = next_interval(interval, waited);
            assert!(next >= FIRST && next <= LAST_CEILING);
            assert!(next.as_secs_f64() <= interval.as_secs_f64() * GROWTH + 1e-9);
            interval = next;
        }
        assert_eq!(interval, LAST_CEILING);
    }
}
