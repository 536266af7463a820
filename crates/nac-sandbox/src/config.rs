//! How a sandbox is set up: the library's start-up options (the CLI maps its flags onto these).

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use super::faults::Faults;
use super::flavour::{Flavour, OAuthClient};

#[derive(Clone)]
pub struct SandboxConfig {
    /// Where to listen; port 0 picks a free port (see [`super::RunningSandbox::addr`]).
    pub listen: SocketAddr,
    /// The only `X-RapidAPI-Key` accepted; `None` accepts any non-empty key.
    pub api_key: Option<String>,
    /// Time from REQUESTED to AVAILABLE; zero answers AVAILABLE in the create response itself.
    pub activation_delay: Duration,
    /// How long an ended (UNAVAILABLE) session stays readable before it is gone (404).
    pub retention: Duration,
    /// Sessions and the clock offset survive a restart when set.
    pub state_file: Option<PathBuf>,
    /// Faults in force from the start (the admin API can change them later).
    pub faults: Faults,
    /// Accept `http://` sinks whose host is a loopback address (`127.0.0.0/8`, `::1`, `localhost`),
    /// so tests can receive notifications without TLS. Any other sink must be `https://`.
    pub allow_http_sinks_on_loopback: bool,
    /// Several live (REQUESTED or AVAILABLE) sessions per device and key; NaC answers 409 CONFLICT, and so
    /// does the sandbox unless this is set.
    pub allow_concurrent_sessions: bool,
    /// Required (as `Authorization: Bearer <token>`) by the admin API and the UI when set; must be set to
    /// listen on a non-loopback address. Without it the admin API answers loopback clients only.
    pub admin_token: Option<String>,
    /// Largest request body accepted (larger: 413).
    pub max_body_bytes: usize,
    /// Connections served at once (more wait until one closes).
    pub max_connections: usize,
    /// Time a client has to send a request's headers; also how long an idle connection is kept.
    pub header_read_timeout: Duration,
    /// Live (REQUESTED or AVAILABLE) sessions one API key may hold; `None`: no limit.
    pub max_sessions_per_key: Option<usize>,
    /// Drop `GET /sessions` (list every session of the key), as NaC did: answered like any path the
    /// gateway does not route.
    pub no_list_endpoint: bool,
    /// Serve no QoS Profiles API (`/qos-profiles/v1`), as NaC: answered like any path the gateway does
    /// not route.
    pub no_profiles_endpoint: bool,
    /// The profiles the QoS Profiles API offers instead of NaC's catalogue (another operator's list).
    /// Only that API serves them: sessions keep the flavour's own profile rules.
    pub qos_profiles: Option<Vec<nac_api::profiles::QosProfile>>,
    /// Host names (besides IP addresses and `localhost`) the admin API answers for, for a sandbox
    /// reached through a name; any other `Host` is refused (DNS rebinding).
    pub allowed_hosts: Vec<String>,
    /// Time a client has to send a request's body once its headers are read (longer: 408, closed).
    pub body_read_timeout: Duration,
    /// Sessions stored for all keys together (any status); `None`: no limit. More creates answer 503.
    pub max_stored_sessions: Option<usize>,
    /// Bytes of stored sessions for all keys together (as serialized, plus indexes); `None`: no limit.
    pub max_stored_bytes: Option<usize>,
    /// NaC's API (the default) or a CAMARA operator's (OAuth2 client credentials, scopes).
    pub flavour: Flavour,
    /// The CAMARA flavour's OAuth2 clients.
    pub oauth_clients: Vec<OAuthClient>,
    /// How long the CAMARA flavour's access tokens live.
    pub token_lifetime: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 8080)),
            api_key: None,
            activation_delay: Duration::from_millis(200),
            retention: Duration::from_secs(360),
            state_file: None,
            faults: Faults::default(),
            allow_http_sinks_on_loopback: true,
            allow_concurrent_sessions: false,
            admin_token: None,
            max_body_bytes: 64 * 1024,
            max_connections: 1024,
            header_read_timeout: Duration::from_secs(10),
            max_sessions_per_key: Some(10_000),
            no_list_endpoint: false,
            no_profiles_endpoint: false,
            qos_profiles: None,
            allowed_hosts: Vec::new(),
            body_read_timeout: Duration::from_secs(10),
            max_stored_sessions: Some(50_000),
            max_stored_bytes: Some(64 * 1024 * 1024),
            flavour: Flavour::Nac,
            oauth_clients: Vec::new(),
            token_lifetime: Duration::from_secs(3600),
        }
    }
}

/// The API key is the client's token: never shown.
impl std::fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("listen", &self.listen)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("activation_delay", &self.activation_delay)
            .field("retention", &self.retention)
            .field("state_file", &self.state_file)
            .field("faults", &self.faults)
            .field(
                "allow_http_sinks_on_loopback",
                &self.allow_http_sinks_on_loopback,
            )
            .field("allow_concurrent_sessions", &self.allow_concurrent_sessions)
            .field(
                "admin_token",
                &self.admin_token.as_ref().map(|_| "<redacted>"),
            )
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_connections", &self.max_connections)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("max_sessions_per_key", &self.max_sessions_per_key)
            .field("no_list_endpoint", &self.no_list_endpoint)
            .field("no_profiles_endpoint", &self.no_profiles_endpoint)
            .field("qos_profiles", &self.qos_profiles.as_ref().map(Vec::len))
            .field("allowed_hosts", &self.allowed_hosts)
            .field("body_read_timeout", &self.body_read_timeout)
            .field("max_stored_sessions", &self.max_stored_sessions)
            .field("max_stored_bytes", &self.max_stored_bytes)
            .field("flavour", &self.flavour)
            .field("oauth_clients", &self.oauth_clients)
            .field("token_lifetime", &self.token_lifetime)
            .finish()
    }
}
