//! Injected faults: added latency, a share of requests answered with an error status instead of being
//! processed, and a share of creates that are processed but answered 502/504 (a gateway that lost the
//! backend's reply), and a share of deletes answered NOT_FOUND without deleting. Faults never apply to
//! `/_sandbox`.

use std::sync::RwLock;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The fault setting (`PUT`/`GET /_sandbox/faults`, and the CLI's fault flags).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Added to every API request before it is processed.
    pub latency_ms: u64,
    /// Share (0.0..=1.0) of API requests answered with one of `error_statuses` instead of being processed.
    pub error_rate: f64,
    /// Statuses an injected error picks from (400..=599); 429 carries `Retry-After: 1`.
    pub error_statuses: Vec<u16>,
    /// Share (0.0..=1.0) of creates that store the session and then answer 502 or 504.
    pub post_commit_error_rate: f64,
    /// Share (0.0..=1.0) of `DELETE /sessions/{id}` answered with the API's own 404 `NOT_FOUND`
    /// without deleting anything (a lagging replica, a gateway hiccup). Shown only when set.
    #[serde(skip_serializing_if = "is_zero")]
    pub delete_not_found_rate: f64,
}

fn is_zero(rate: &f64) -> bool {
    *rate == 0.0
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            latency_ms: 0,
            error_rate: 0.0,
            error_statuses: vec![500, 503, 429],
            post_commit_error_rate: 0.0,
            delete_not_found_rate: 0.0,
        }
    }
}

impl Faults {
    /// Why this setting cannot be used, if it cannot.
    pub fn check(&self) -> Result<(), String> {
        for (name, rate) in [
            ("error_rate", self.error_rate),
            ("post_commit_error_rate", self.post_commit_error_rate),
            ("delete_not_found_rate", self.delete_not_found_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} {rate} is out of range: 0.0 to 1.0"));
            }
        }
        if let Some(s) = self
            .error_statuses
            .iter()
            .find(|s| !(400..=599).contains(*s))
        {
            return Err(format!(
                "error_statuses: {s} is not an error status (400 to 599)"
            ));
        }
        if self.error_rate > 0.0 && self.error_statuses.is_empty() {
            return Err("error_statuses must not be empty when error_rate is above 0".into());
        }
        Ok(())
    }
}

/// The faults in force, changed at run time by the admin API.
#[derive(Debug)]
pub(crate) struct FaultSwitch {
    current: RwLock<Faults>,
}

impl FaultSwitch {
    pub fn new(faults: Faults) -> Self {
        Self {
            current: RwLock::new(faults),
        }
    }

    pub fn get(&self) -> Faults {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set(&self, faults: Faults) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = faults;
    }

    /// What to do to one API request: how long to wait first, and which error (if any) to answer instead.
    pub fn roll_request(&self) -> (Duration, Option<u16>) {
        let faults = self.current.read().unwrap_or_else(|e| e.into_inner());
        let latency = Duration::from_millis(faults.latency_ms);
        let error = (faults.error_rate > 0.0
            && !faults.error_statuses.is_empty()
            && fastrand::f64() < faults.error_rate)
            .then(|| faults.error_statuses[fastrand::usize(..faults.error_statuses.len())]);
        (latency, error)
    }

    /// Whether to answer this DELETE with NOT_FOUND without deleting.
    pub fn roll_delete_not_found(&self) -> bool {
        let rate = self
            .current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .delete_not_found_rate;
        rate > 0.0 && fastrand::f64() < rate
    }

    /// For a create that was stored: the gateway status (502 or 504) to answer instead, if any.
    pub fn roll_post_commit(&self) -> Option<u16> {
        let rate = self
            .current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .post_commit_error_rate;
        (rate > 0.0 && fastrand::f64() < rate).then(|| if fastrand::bool() { 502 } else { 504 })
    }
}
