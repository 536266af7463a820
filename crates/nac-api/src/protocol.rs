//! Wire constants, written once: header names, the QoD path, NaC's non-CAMARA error bodies, the CAMARA
//! error codes, and which statuses are worth retrying.

/// The RapidAPI gateway's key header (every request).
pub const API_KEY_HEADER: &str = "x-rapidapi-key";
/// The RapidAPI gateway's host header (names the environment).
pub const API_HOST_HEADER: &str = "x-rapidapi-host";
/// CAMARA's request correlator, echoed by the API.
pub const CORRELATOR_HEADER: &str = "x-correlator";

/// Where the QoD API lives under the API root.
pub const QOD_PREFIX: &str = "/quality-on-demand/v1";
/// The session collection, under [`QOD_PREFIX`].
pub const SESSIONS_PATH: &str = "/sessions";
/// The device lookup, under [`QOD_PREFIX`].
pub const RETRIEVE_SESSIONS_PATH: &str = "/retrieve-sessions";

/// NaC's answer to retrieve-sessions for a device without sessions: 404 with this `detail`.
pub const NO_SUBSCRIPTIONS_DETAIL: &str = "QoS subscription not found";
/// The RapidAPI gateway's 403 for a missing or wrong key: `{"message": …}`.
pub const INVALID_API_KEY_MESSAGE: &str = "Invalid API key.";

/// CAMARA error codes (`ErrorInfo.code`).
pub mod code {
    pub const INVALID_ARGUMENT: &str = "INVALID_ARGUMENT";
    pub const OUT_OF_RANGE: &str = "OUT_OF_RANGE";
    pub const DURATION_OUT_OF_RANGE: &str = "QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE";
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const PERMISSION_DENIED: &str = "PERMISSION_DENIED";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const CONFLICT: &str = "CONFLICT";
    pub const TOO_MANY_REQUESTS: &str = "TOO_MANY_REQUESTS";
    pub const INTERNAL: &str = "INTERNAL";
    pub const UNAVAILABLE: &str = "UNAVAILABLE";
    pub const MISSING_IDENTIFIER: &str = "MISSING_IDENTIFIER";
    pub const UNNECESSARY_IDENTIFIER: &str = "UNNECESSARY_IDENTIFIER";
    pub const SESSION_EXTENSION_NOT_ALLOWED: &str =
        "QUALITY_ON_DEMAND.SESSION_EXTENSION_NOT_ALLOWED";
}

/// CAMARA's OAuth2 scopes for QoD 1.1.0 and QoS Profiles: which one each operation needs.
pub mod scope {
    pub const SESSIONS_CREATE: &str = "quality-on-demand:sessions:create";
    pub const SESSIONS_READ: &str = "quality-on-demand:sessions:read";
    pub const SESSIONS_UPDATE: &str = "quality-on-demand:sessions:update";
    pub const SESSIONS_DELETE: &str = "quality-on-demand:sessions:delete";
    pub const SESSIONS_RETRIEVE_BY_DEVICE: &str = "quality-on-demand:sessions:retrieve-by-device";
    pub const QOS_PROFILES_READ: &str = "qos-profiles:read";

    /// Every scope of the two APIs.
    pub const ALL: [&str; 6] = [
        SESSIONS_CREATE,
        SESSIONS_READ,
        SESSIONS_UPDATE,
        SESSIONS_DELETE,
        SESSIONS_RETRIEVE_BY_DEVICE,
        QOS_PROFILES_READ,
    ];
}

/// Whether an HTTP status is worth retrying later: timeouts, rate limits and server failures. 501 (not
/// implemented) and 505 (version not supported) say the same thing on every try, so they are not.
pub fn is_transient_status(status: u16) -> bool {
    matches!(status, 408 | 429) || (status >= 500 && !matches!(status, 501 | 505))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_statuses() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(is_transient_status(s), "{s}");
        }
        for s in [400, 401, 403, 404, 409, 501, 505] {
            assert!(!is_transient_status(s), "{s}");
        }
    }
}
