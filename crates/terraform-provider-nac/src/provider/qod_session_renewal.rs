//! The opt-in renewal window of `nac_qod_session` (issue 18): with `renew_before = N`, a plan that runs
//! when the session has N seconds or less left shows an in-place update that extends it back toward
//! `duration` remaining, as far as the API allows (NaC: at most 86,400 s remaining), so QoS never
//! lapses while a scheduled apply runs. Outside the window nothing is planned and no request is made
//! beyond the refresh. Time is the API's (its `Date` header), so the sandbox's clock drives it in tests.

use chrono::{DateTime, Utc};
use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use super::number::Whole;
use super::qod_session::SessionState;
use super::validation::error;
use super::SharedClient;
use nac_api::rules::MAX_DURATION;
use nac_api::wire::QosStatus;

/// A negative window is an error at the attribute (0 or null: no renewal).
pub fn check(config: &SessionState, diags: &mut Diagnostics) {
    if let Some(window) = window_of(config) {
        if window < 0 {
            error(
                diags,
                "Invalid renew_before",
                "`renew_before` is a number of seconds, 0 or more (0 or unset: no renewal).",
                AttributePath::new("renew_before"),
            );
        }
    }
}

fn window_of(state: &SessionState) -> Option<i64> {
    state.renew_before.as_ref_option().and_then(Whole::as_i64)
}

/// The API's time for a plan. A plan after a refresh knows it from the refresh's replies; the plan
/// Terraform repeats at apply time runs in a process that has not called the API yet, so with a
/// renewal window it reads the session once (else the renewal planned could vanish at apply).
pub async fn api_now(
    client: &SharedClient,
    prior: &SessionState,
    planned: &SessionState,
) -> DateTime<Utc> {
    if window_of(planned).is_some_and(|w| w > 0) {
        let mut diags = Diagnostics::default();
        if let (Some(api), Some(id)) = (client.get(&mut diags), prior.id.as_ref_option()) {
            if !api.api_clock_known() {
                if let Err(e) = api.get_session(id).await {
                    log::debug!("reading the API's clock failed: {e}");
                }
            }
        }
    }
    client.api_now()
}

/// Seconds left before `state` expires at `now` (rounded up), if its expiry is known.
fn remaining(state: &SessionState, now: DateTime<Utc>) -> Option<i64> {
    let expires = DateTime::parse_from_rfc3339(state.expires_at.as_ref_option()?).ok()?;
    let millis = (expires.with_timezone(&Utc) - now)
        .num_milliseconds()
        .max(0);
    Some(millis.saturating_add(999) / 1000)
}

/// The seconds to extend `prior` by when a plan at `now` falls in `planned`'s renewal window: back to
/// `duration` remaining, capped by the API's remaining-time limit. None outside the window, for an
/// ended or expired session (the refresh shows it ended; it is replaced), or when nothing is gained.
pub fn extension_due(
    prior: &SessionState,
    planned: &SessionState,
    now: DateTime<Utc>,
) -> Option<i64> {
    let window = window_of(planned).filter(|w| *w > 0)?;
    if prior.status.as_ref_option().map(String::as_str) == Some(QosStatus::Unavailable.as_str()) {
        return None;
    }
    let left = remaining(prior, now).filter(|left| *left > 0)?;
    if left > window {
        return None;
    }
    let configured = planned.duration.as_ref_option().and_then(Whole::as_i64)?;
    let extension = configured.min(MAX_DURATION) - left;
    (extension > 0).then_some(extension)
}

/// Marks `planned` as renewed in place: the API computes the new expiry and total.
pub fn plan_renewal(planned: &mut SessionState) {
    planned.expires_at = Value::Unknown;
    planned.total_duration = Value::Unknown;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(expires_at: &str, duration: i64, window: Option<i64>) -> SessionState {
        SessionState {
            status: Value::Value("AVAILABLE".into()),
            expires_at: Value::Value(expires_at.into()),
            duration: Value::Value(Whole::Int(duration)),
            renew_before: window.map(Whole::Int).into(),
            ..Default::default()
        }
    }

    fn at(t: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn inside_the_window_extends_back_to_the_duration_capped_by_the_api() {
        let s = session("2026-01-01T10:00:00Z", 43_200, Some(21_600));
        assert_eq!(
            extension_due(&s, &s, at("2026-01-01T08:00:00Z")),
            Some(43_200 - 7_200)
        );
        let long = session("2026-01-01T10:00:00Z", 200_000, Some(21_600));
        assert_eq!(
            extension_due(&long, &long, at("2026-01-01T08:00:00Z")),
            Some(86_400 - 7_200)
        );
    }

    #[test]
    fn outside_the_window_unset_ended_or_expired_plans_nothing() {
        let s = session("2026-01-01T10:00:00Z", 43_200, Some(3_600));
        assert_eq!(extension_due(&s, &s, at("2026-01-01T08:00:00Z")), None);
        let off = session("2026-01-01T10:00:00Z", 43_200, None);
        assert_eq!(extension_due(&off, &off, at("2026-01-01T09:59:00Z")), None);
        assert_eq!(extension_due(&s, &s, at("2026-01-01T10:00:01Z")), None);
        let mut ended = session("2026-01-01T10:00:00Z", 43_200, Some(21_600));
        ended.status = Value::Value("UNAVAILABLE".into());
        assert_eq!(
            extension_due(&ended, &ended, at("2026-01-01T09:00:00Z")),
            None
        );
    }
}
