//! The plan-time check of `profile` and `duration` against the QoS profiles the network offers (or
//! NaC's built-in list): for a create, and for an update that changes either.

use super::*;

impl QodSessionResource {
    /// Checks a planned session's profile and duration, when known; `false` when it reported an error.
    pub(super) async fn check_profile(
        &self,
        planned: &SessionState,
        diags: &mut Diagnostics,
    ) -> bool {
        let Value::Value(profile) = &planned.profile else {
            return true;
        };
        let duration = planned.duration.as_ref_option().and_then(Whole::as_i64);
        let mut found = Diagnostics::default();
        self.client
            .check_profile(profile, duration, &mut found)
            .await;
        let ok = found.errors.is_empty();
        merge(diags, found);
        ok
    }

    /// Whether an update plans a new profile or duration, which the network's list must allow.
    pub(super) fn profile_or_duration_changes(
        prior: &SessionState,
        planned: &SessionState,
    ) -> bool {
        let whole = |s: &SessionState| s.duration.as_ref_option().and_then(Whole::as_i64);
        prior.profile != planned.profile || whole(prior) != whole(planned)
    }
}
