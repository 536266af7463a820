//! The opt-in renewal window of `nac_qod_session` (issue 18): with `renew_before = N`, a plan that runs
//! when the session has N seconds or less left shows an in-place update that extends it back toward
//! `duration` remaining, as far as the API allows (NaC: at most 86,400 s remaining), so QoS never
//! lapses while a scheduled apply runs. Outside the window nothing is planned and no request is made
//! beyond the refresh. Time is the API's (its `Date` header), so the sandbox's clock drives it in tests.

use chrono::{DateTime, Utc};
use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use super::number::Whole;
use super::qod_session::SessionPrivate;
use super::qod_session::SessionState;
use super::validation::{error, warning};
use super::SharedClient;
use nac_api::rules::MAX_DURATION;
use nac_api::wire::QosStatus;

/// A negative window is an error at the attribute (0 or null: no renewal).
pub fn check(config: &SessionState, diags: &mut Diagnostics) {
    check_at_limit(config, diags);
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

/// What a renewal does when the API cannot extend any further (`on_renewal_limit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtLimit {
    /// Keep the session until it expires (the default); the plan after it ends replaces it.
    RunOut,
    /// Replace it now, while it still runs.
    Replace,
}

const RUN_OUT: &str = "run_out";
const REPLACE: &str = "replace";

fn at_limit_setting(state: &SessionState) -> Option<AtLimit> {
    match state.on_renewal_limit.as_ref_option().map(String::as_str) {
        None | Some(RUN_OUT) => Some(AtLimit::RunOut),
        Some(REPLACE) => Some(AtLimit::Replace),
        Some(_) => None,
    }
}

fn check_at_limit(config: &SessionState, diags: &mut Diagnostics) {
    if config.on_renewal_limit.is_value() && at_limit_setting(config).is_none() {
        error(
            diags,
            "Invalid on_renewal_limit",
            format!("`on_renewal_limit` is {RUN_OUT:?} (the default) or {REPLACE:?}."),
            AttributePath::new("on_renewal_limit"),
        );
    }
}

/// An API answer that refuses the extension itself (not a failure to reach the API): recorded, so
/// later plans follow `on_renewal_limit` instead of asking again.
pub fn is_refusal(e: &nac_client::ApiError) -> bool {
    e.is_extension_not_allowed() || matches!(e.status(), Some(400 | 403 | 409 | 422))
}

/// Inside the renewal window, whether the API can extend the session no further: it refused a
/// renewal before (recorded in `private`), or its total already reached `max_total` (a CAMARA
/// profile's `maxDuration`). If so, a warning that says why and what happens, and what to do.
pub fn at_limit(
    prior: &SessionState,
    planned: &SessionState,
    private: &SessionPrivate,
    max_total: Option<i64>,
    diags: &mut Diagnostics,
) -> Option<AtLimit> {
    let total = prior
        .total_duration
        .as_ref_option()
        .or(prior.duration.as_ref_option())
        .and_then(Whole::as_i64);
    let why = match (&private.renewal_refused, max_total, total) {
        (Some(said), _, _) => format!("the API refused to renew it: {said}"),
        (None, Some(max), Some(total)) if total >= max => format!(
            "it has lasted {total} s, the most its QoS profile allows (maxDuration {max} s)"
        ),
        _ => return None,
    };
    let id = prior.id.as_ref_option().map_or("?", String::as_str);
    let expires = prior.expires_at.as_ref_option().map_or("?", String::as_str);
    let setting = at_limit_setting(planned).unwrap_or(AtLimit::RunOut);
    let (summary, detail) = match setting {
        AtLimit::RunOut => (
            "QoS session cannot be renewed: it will run out",
            format!(
                "Session {id} cannot be extended further: {why}. It keeps running until {expires}; the \
                 plan after that replaces it. Set `on_renewal_limit = \"replace\"` to replace it before \
                 it expires instead."
            ),
        ),
        AtLimit::Replace => (
            "QoS session cannot be renewed: it will be replaced",
            format!(
                "Session {id} cannot be extended further: {why}. As `on_renewal_limit = \"replace\"` \
                 says, it is replaced now, before it expires at {expires} (a new session id; QoS lapses \
                 between the delete and the create)."
            ),
        ),
    };
    warning(diags, summary, detail, AttributePath::new("renew_before"));
    Some(setting)
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

    #[test]
    fn at_the_limit_the_setting_decides_with_a_warning_that_says_why() {
        let mut s = session("2026-01-01T10:00:00Z", 86_400, Some(21_600));
        s.total_duration = Value::Value(Whole::Int(86_400));
        let private = SessionPrivate::default();
        let mut diags = Diagnostics::default();
        assert_eq!(
            at_limit(&s, &s, &private, None, &mut diags),
            None,
            "NaC: no total cap"
        );
        assert_eq!(at_limit(&s, &s, &private, Some(90_000), &mut diags), None);
        assert!(diags.warnings.is_empty());
        assert_eq!(
            at_limit(&s, &s, &private, Some(86_400), &mut diags),
            Some(AtLimit::RunOut)
        );
        assert!(format!("{:?}", diags.warnings).contains("maxDuration 86400 s"));
        let mut replace = s.clone();
        replace.on_renewal_limit = Value::Value("replace".into());
        let refused = SessionPrivate {
            renewal_refused: Some("409 SESSION_EXTENSION_NOT_ALLOWED".into()),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        assert_eq!(
            at_limit(&s, &replace, &refused, None, &mut diags),
            Some(AtLimit::Replace)
        );
        assert!(format!("{:?}", diags.warnings).contains("SESSION_EXTENSION_NOT_ALLOWED"));
        let mut bad = s.clone();
        bad.on_renewal_limit = Value::Value("renew".into());
        let mut diags = Diagnostics::default();
        check(&bad, &mut diags);
        assert_eq!(diags.errors.len(), 1);
    }
}
