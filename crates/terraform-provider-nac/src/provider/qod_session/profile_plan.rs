//! The plan-time check of `profile` and `duration` against the QoS profiles the network offers (or
//! NaC's built-in list): for a create, an extension and a replacement.

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

    /// An extension or a new session (a new profile, duration or anything else that replaces) must
    /// suit the profile as the network lists it now; `false` when it does not, or on Ctrl-C.
    pub(super) async fn change_allowed_by_profile(
        &self,
        change: &Change,
        planned: &SessionState,
        diags: &mut Diagnostics,
    ) -> bool {
        if *change == Change::None {
            return true;
        }
        match or_stopped(self.check_profile(planned, diags)).await {
            Some(ok) => ok,
            None => {
                interrupted(diags, "checking the QoS profile");
                false
            }
        }
    }

    /// The most a CAMARA operator lets this session last in total (its profile's `maxDuration` on
    /// the network's list), for renewal. None for NaC, whose cap is on the time remaining, not the
    /// total, and when the network's list was not read.
    pub(super) async fn renewal_max_total(&self, planned: &SessionState) -> Option<i64> {
        let camara = self.client.client()?.config().oauth.is_some();
        let profile = planned.profile.as_ref_option()?;
        if !camara {
            return None;
        }
        let catalogue = or_stopped(self.client.qos_profiles()).await.flatten()?;
        if catalogue.source != crate::provider::profile_catalogue::Source::Network {
            return None;
        }
        catalogue
            .find(profile)
            .map(|found| found.duration_range().1)
    }
}
