//! The QoS profiles a plan is checked against: the network's (CAMARA's QoS Profiles API), read once
//! per provider process, else NaC's built-in catalogue. NaC itself does not serve the API (its gateway
//! answers 404), so "not served" is the ordinary NaC case and not worth a warning by itself; an
//! unreachable or failing API is.

use std::sync::atomic::{AtomicBool, Ordering};

use tf_provider::{AttributePath, Diagnostics};

use super::validation::{error, warning};
use nac_api::profiles::{catalogue, QosProfile, RetrieveQosProfiles};
use nac_api::rules::{suggest_profile, PROFILES};
use nac_client::{NacClient, Served};

/// Where the profiles came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The network's QoS Profiles API.
    Network,
    /// NaC's built-in catalogue: the API is not served (a gateway's 404, 405 or 501).
    NotServed(u16),
    /// NaC's built-in catalogue: the API failed (no connection, an error status…); the reason.
    Unreachable(String),
    /// NaC's built-in catalogue, unasked: `skip_profile_validation`.
    Skipped,
}

impl Source {
    /// The data source's `source` attribute.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Network => "network",
            _ => "built-in",
        }
    }

    /// Why the built-in catalogue is used (`None` for the network's list).
    pub fn fallback_reason(&self) -> Option<String> {
        match self {
            Self::Network => None,
            Self::NotServed(status) => Some(format!(
                "The network does not serve CAMARA's QoS Profiles API (`POST /qos-profiles/v1/retrieve-qos-profiles` \
                 answered HTTP {status}), as NaC does not"
            )),
            Self::Unreachable(why) => Some(format!("The network's QoS Profiles API could not be read: {why}")),
            Self::Skipped => Some("`skip_profile_validation` is set".into()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Catalogue {
    pub profiles: Vec<QosProfile>,
    pub source: Source,
}

impl Catalogue {
    /// Every profile, from one `retrieve-qos-profiles` request (with the client's retries).
    pub async fn load(client: &NacClient) -> Self {
        let answer = client
            .retrieve_qos_profiles(&RetrieveQosProfiles::default())
            .await;
        let source = match answer {
            Ok(Served::Yes(profiles)) => {
                log::debug!("the network offers {} QoS profiles", profiles.len());
                return Self {
                    profiles,
                    source: Source::Network,
                };
            }
            Ok(Served::NotServed(status)) => Source::NotServed(status),
            Err(e) => Source::Unreachable(e.to_string()),
        };
        log::debug!("QoS profiles from the built-in catalogue: {source:?}");
        Self::built_in(source)
    }

    pub fn built_in(source: Source) -> Self {
        Self {
            profiles: catalogue(),
            source,
        }
    }

    pub fn find(&self, name: &str) -> Option<&QosProfile> {
        self.profiles.iter().find(|p| p.name == name)
    }

    fn active_names(&self) -> Vec<&str> {
        self.profiles
            .iter()
            .filter(|p| p.is_active())
            .map(|p| p.name.as_str())
            .collect()
    }
}

/// The plan-time check of `profile` and `duration` (seconds, when known). Against the network's list:
/// an error unless the profile is offered, ACTIVE, and allows the duration. Against the built-in list:
/// a warning for a well-formed name NaC does not know (another operator, or a newer NaC, may offer it),
/// and once per process a warning that the network's list could not be read.
pub fn check(
    catalogue: &Catalogue,
    profile: &str,
    duration: Option<i64>,
    warned_unreachable: &AtomicBool,
    diags: &mut Diagnostics,
) {
    let profile_path = AttributePath::new("profile");
    if catalogue.source != Source::Network {
        if let Source::Unreachable(_) = &catalogue.source {
            if !warned_unreachable.swap(true, Ordering::Relaxed) {
                warning(
                    diags,
                    "QoS profiles checked against the built-in list",
                    format!(
                        "{}. The profile and duration were checked against NaC's built-in profiles instead.",
                        catalogue.source.fallback_reason().unwrap_or_default()
                    ),
                    profile_path.clone(),
                );
            }
        }
        if !PROFILES.contains(&profile) {
            let hint = suggest_profile(profile, &PROFILES)
                .map(|p| format!(" Did you mean {p:?}?"))
                .unwrap_or_default();
            warning(
                diags,
                "QoS profile unknown to NaC",
                format!(
                    "{profile:?} is not one of NaC's profiles.{hint} It is allowed because the network may offer \
                     it (its list of QoS profiles was not read), but NaC refuses it. NaC's profiles: {}.",
                    PROFILES.join(", ")
                ),
                profile_path,
            );
        }
        return;
    }
    let active = catalogue.active_names();
    let Some(found) = catalogue.find(profile) else {
        let hint = suggest_profile(profile, &active)
            .map(|p| format!(" Did you mean {p:?}?"))
            .unwrap_or_default();
        error(
            diags,
            "Invalid profile",
            format!(
                "The network offers no QoS profile {profile:?}.{hint} Its ACTIVE profiles: {}.",
                active.join(", ")
            ),
            profile_path,
        );
        return;
    };
    if !found.is_active() {
        error(
            diags,
            "Invalid profile",
            format!(
                "QoS profile {profile:?} is {} on the network: only ACTIVE profiles can be used for new \
                 sessions. Its ACTIVE profiles: {}.",
                found.status,
                active.join(", ")
            ),
            profile_path,
        );
        return;
    }
    let (min, max) = found.duration_range();
    if let Some(seconds) = duration.filter(|d| !(min..=max).contains(d)) {
        error(
            diags,
            "Invalid duration",
            format!(
                "QoS profile {profile:?} allows sessions of {min} to {max} seconds (its minDuration and \
                 maxDuration on the network); {seconds} is outside that range."
            ),
            AttributePath::new("duration"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nac_api::profiles::{builtin_profile, ProfileDuration};

    fn network(profiles: Vec<QosProfile>) -> Catalogue {
        Catalogue {
            profiles,
            source: Source::Network,
        }
    }

    fn run(catalogue: &Catalogue, profile: &str, duration: i64) -> Diagnostics {
        let mut diags = Diagnostics::default();
        check(
            catalogue,
            profile,
            Some(duration),
            &AtomicBool::new(false),
            &mut diags,
        );
        diags
    }

    fn short_qos_l() -> QosProfile {
        QosProfile {
            max_duration: Some(ProfileDuration {
                value: 1,
                unit: "Hours".into(),
            }),
            ..builtin_profile("QOS_L").unwrap()
        }
    }

    #[test]
    fn the_networks_list_decides() {
        let mut inactive = builtin_profile("QOS_M").unwrap();
        inactive.status = "DEPRECATED".into();
        let operators_own = QosProfile {
            name: "QOS_XL".into(),
            ..builtin_profile("QOS_S").unwrap()
        };
        let net = network(vec![short_qos_l(), inactive, operators_own]);
        assert!(run(&net, "QOS_L", 3_600).errors.is_empty());
        assert!(run(&net, "QOS_XL", 60).errors.is_empty());

        let too_long = run(&net, "QOS_L", 3_601);
        assert_eq!(too_long.errors.len(), 1);
        assert_eq!(too_long.errors[0].attribute, AttributePath::new("duration"));
        assert!(too_long.errors[0].detail.contains("1 to 3600 seconds"));

        let deprecated = run(&net, "QOS_M", 60);
        assert!(deprecated.errors[0].detail.contains("DEPRECATED"));
        let unknown = run(&net, "QOS_LL", 60);
        assert_eq!(unknown.errors[0].attribute, AttributePath::new("profile"));
        assert!(unknown.errors[0].detail.contains("Did you mean \"QOS_L\"?"));
    }

    #[test]
    fn the_built_in_list_warns_instead() {
        let served_not = Catalogue {
            profiles: catalogue(),
            source: Source::NotServed(404),
        };
        let known = run(&served_not, "QOS_L", 86_400);
        assert!(known.errors.is_empty() && known.warnings.is_empty());
        let xl = run(&served_not, "DOWNLINK_XL_UPLINK_XL", 60);
        assert!(xl.errors.is_empty());
        assert_eq!(xl.warnings.len(), 1);
        assert!(xl.warnings[0].detail.contains("not one of NaC's profiles"));

        let unreachable = Catalogue {
            profiles: catalogue(),
            source: Source::Unreachable("connection refused".into()),
        };
        let warned = AtomicBool::new(false);
        let mut first = Diagnostics::default();
        check(&unreachable, "QOS_L", Some(60), &warned, &mut first);
        let mut second = Diagnostics::default();
        check(&unreachable, "QOS_L", Some(60), &warned, &mut second);
        assert_eq!((first.warnings.len(), second.warnings.len()), (1, 0));
        assert!(first.warnings[0].detail.contains("connection refused"));
    }
}
