//! Plan decisions for an existing session: nothing, an in-place extend, or a replacement.

use chrono::{DateTime, Utc};
use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use super::attrs::{OnChange, ATTRS};
use super::{SessionPrivate, SessionState};
use crate::provider::number::Whole;
use crate::provider::validation::warning;
use nac_api::rules::MAX_DURATION;
use nac_api::wire::QosStatus;

/// How a plan changes an existing session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    None,
    /// Extend in place by this many seconds.
    Extend(i64),
    /// A new session; the attributes that force it.
    Replace(Vec<AttributePath>),
}

/// Decides between nothing, an in-place extend and a replacement, with warnings that say why.
pub fn plan_change(
    prior: &SessionState,
    planned: &SessionState,
    private: &SessionPrivate,
    now: DateTime<Utc>,
    diags: &mut Diagnostics,
) -> Change {
    let mut replace = Vec::new();
    if prior.status.as_ref_option().map(String::as_str) == Some(QosStatus::Unavailable.as_str()) {
        let why = prior
            .status_info
            .as_ref_option()
            .map_or("no status_info given", String::as_str);
        warning(diags,
            "QoS session ended: it will be replaced",
            format!(
                "Session {} is UNAVAILABLE (status_info {why}); the network no longer applies it, so Terraform \
                 will create a new session.",
                prior.id.as_ref_option().map_or("?", String::as_str)
            ),
            AttributePath::new("status_info"),
        );
        replace.push(AttributePath::new("status"));
    }
    replace.extend(
        ATTRS
            .iter()
            .filter(|a| a.on_change == OnChange::Replaces && (a.changed)(prior, planned, private))
            .map(|a| AttributePath::new(a.hcl)),
    );

    let mut extend = 0;
    let whole = |v: &Value<Whole>| v.as_ref().map(|w| w.as_i64());
    match (whole(&prior.duration), whole(&planned.duration)) {
        (Value::Value(Some(old)), Value::Value(Some(new))) if new == old => {}
        (Value::Value(Some(old)), Value::Value(Some(new))) if new > old => {
            // Checked: an out-of-range duration is reported by validation, never a panic here.
            let added = new.saturating_sub(old);
            match remaining_seconds(prior, now) {
                Some(remaining) if remaining.saturating_add(added) <= MAX_DURATION => {
                    extend = added
                }
                remaining => {
                    if replace.is_empty() {
                        warning(diags,
                            "Duration increase needs a new session",
                            format!(
                                "Extending the session by {added} s would leave {} s remaining, more than the \
                                 API's cap of {MAX_DURATION} s, so Terraform will create a new session with a \
                                 duration of {new} s instead.",
                                remaining.map_or("unknown".to_string(), |r| r.saturating_add(added).to_string()),
                            ),
                            AttributePath::new("duration"),
                        );
                    }
                    replace.push(AttributePath::new("duration"));
                }
            }
        }
        (Value::Null, Value::Null) => {}
        _ => replace.push(AttributePath::new("duration")),
    }
    if !replace.is_empty() {
        Change::Replace(replace)
    } else if extend > 0 {
        Change::Extend(extend)
    } else {
        Change::None
    }
}

fn remaining_seconds(state: &SessionState, now: DateTime<Utc>) -> Option<i64> {
    let expires = DateTime::parse_from_rfc3339(state.expires_at.as_ref_option()?).ok()?;
    // Round up: a partial second still counts against the cap.
    let millis = (expires.with_timezone(&Utc) - now)
        .num_milliseconds()
        .max(0);
    Some(millis.saturating_add(999) / 1000)
}
