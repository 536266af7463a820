//! Where the client talks to and how patiently: environments, base URL resolution, retry knobs.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

use reqwest::Url;

use super::oauth::OAuthConfig;
use super::ApiError;
use nac_api::wire::Secret;

/// The path every QoD call lives under, appended to the API root.
pub use nac_api::protocol::QOD_PREFIX;

/// The NaC environments and their RapidAPI hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Environment {
    #[default]
    Prod,
    Staging,
    Dev,
}

impl Environment {
    pub const NAMES: [&'static str; 3] = ["prod", "staging", "dev"];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Prod => "prod",
            Self::Staging => "staging",
            Self::Dev => "dev",
        }
    }

    /// The public API root of this environment.
    pub fn default_base_url(self) -> &'static str {
        match self {
            Self::Prod | Self::Staging => "https://network-as-code.p-eu.rapidapi.com",
            Self::Dev => "https://network-as-code1.p-eu.rapidapi.com",
        }
    }

    /// The `X-RapidAPI-Host` header value of this environment.
    pub fn rapidapi_host(self) -> &'static str {
        match self {
            Self::Prod => "network-as-code.nokia.rapidapi.com",
            Self::Staging => "network-as-code.nokia-stage.rapidapi.com",
            Self::Dev => "network-as-code1.nokia-dev.rapidapi.com",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Environment {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "prod" | "production" => Ok(Self::Prod),
            "staging" | "stage" => Ok(Self::Staging),
            "dev" | "development" => Ok(Self::Dev),
            _ => Err(format!(
                "unknown environment {value:?}; expected one of: {}",
                Self::NAMES.join(", ")
            )),
        }
    }
}

/// Everything the client needs. Build it with [`ClientConfig::new`] (or `..Default::default()`) so that
/// new knobs do not break callers.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// API root, e.g. `https://network-as-code.p-eu.rapidapi.com` or `http://127.0.0.1:8080`
    /// (the client appends `/quality-on-demand/v1`). Empty: the environment's root.
    pub base_url: String,
    pub environment: Environment,
    pub token: Secret,
    /// Retries after the first attempt of a call (0 = no retry).
    pub max_retries: u32,
    /// Time allowed for one HTTP request, from connecting to the last byte of the reply.
    pub request_timeout: Duration,
    /// Allow `http://` to a non-loopback host.
    pub allow_insecure_http: bool,
    /// Time allowed for one call including all its retries and back-off sleeps.
    pub total_timeout: Duration,
    /// First back-off delay; it doubles (with jitter) on each retry, up to `retry_max_delay`.
    pub retry_base_delay: Duration,
    pub retry_max_delay: Duration,
    /// OAuth2 client credentials for a CAMARA operator: when set, every call carries a bearer token
    /// from them instead of NaC's RapidAPI headers, and `token` is not used.
    pub oauth: Option<OAuthConfig>,
}

pub const DEFAULT_MAX_RETRIES: u32 = 6;
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(120);
pub const DEFAULT_RETRY_BASE_DELAY: Duration = Duration::from_millis(100);
pub const DEFAULT_RETRY_MAX_DELAY: Duration = Duration::from_secs(5);
/// The longest `request_timeout` accepted (longer ones are cut to this): a deadline is never near overflow.
pub const MAX_REQUEST_TIMEOUT: Duration = Duration::from_secs(3600);
/// A server's `Retry-After` is honoured up to this long, so a bad header cannot stall an apply.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(30);

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            base_url: String::new(),
            environment: Environment::Prod,
            token: Secret::default(),
            max_retries: DEFAULT_MAX_RETRIES,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            allow_insecure_http: false,
            total_timeout: DEFAULT_TOTAL_TIMEOUT,
            retry_base_delay: DEFAULT_RETRY_BASE_DELAY,
            retry_max_delay: DEFAULT_RETRY_MAX_DELAY,
            oauth: None,
        }
    }
}

impl ClientConfig {
    /// A configuration for `environment` with the default retry settings.
    pub fn new(environment: Environment, token: impl Into<String>) -> Self {
        Self {
            environment,
            token: Secret(token.into()),
            ..Self::default()
        }
    }

    /// Same, pointed at another API root (e.g. a sandbox).
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// The API root actually used: `base_url`, else the environment's.
    pub fn effective_base_url(&self) -> &str {
        let url = self.base_url.trim();
        if url.is_empty() {
            self.environment.default_base_url()
        } else {
            url
        }
    }

    /// The QoD API root (`…/quality-on-demand/v1`), checked: http(s) only, no plain http to a remote host
    /// unless allowed, no credentials, query or fragment in it.
    pub fn qod_root(&self) -> Result<Url, ApiError> {
        let raw = self.effective_base_url();
        let url = Url::parse(raw)
            .map_err(|e| ApiError::Config(format!("base_url {raw:?} is not a valid URL: {e}")))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) || self.allow_insecure_http => {}
            "http" => {
                return Err(ApiError::Config(format!(
                    "base_url {raw:?} uses plain http:// to a non-loopback host, which would send the API key \
                     unencrypted; use https://, or allow insecure http explicitly (allow_insecure_http)"
                )))
            }
            other => {
                return Err(ApiError::Config(format!(
                    "base_url {raw:?} has scheme {other:?}; expected https:// (or http:// to a loopback address)"
                )))
            }
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(ApiError::Config(format!("base_url {raw:?} has no host")));
        }
        if !url.username().is_empty() || url.password().is_some() {
            // Never echo the URL here: it holds a credential.
            return Err(ApiError::Config(
                "base_url must not contain a user name or password; the API key goes in `token`"
                    .into(),
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(ApiError::Config(format!(
                "base_url {raw:?} must not have a query or fragment"
            )));
        }
        let path = url.path().trim_end_matches('/').to_ascii_lowercase();
        if path.ends_with(QOD_PREFIX.trim_end_matches('/')) || path.contains("/quality-on-demand") {
            let root = format!(
                "{}{}",
                url.origin().ascii_serialization(),
                &url.path()[..path.find("/quality-on-demand").unwrap_or(0)]
            );
            return Err(ApiError::Config(format!(
                "base_url {raw:?} already holds the QoD API path: give the API root ({root:?}); the \
                 provider appends {QOD_PREFIX} itself, so every call would go to a URL that does not exist"
            )));
        }
        let root = format!("{}{}", url.as_str().trim_end_matches('/'), QOD_PREFIX);
        Url::parse(&root).map_err(|e| ApiError::Config(format!("base_url {raw:?}: {e}")))
    }

    /// Whether the API root is on this machine (no proxy, plain http allowed).
    pub fn is_loopback(&self) -> bool {
        Url::parse(self.effective_base_url())
            .map(|url| is_loopback(&url))
            .unwrap_or(false)
    }

    pub(crate) fn check_token(&self) -> Result<(), ApiError> {
        let token = self.token.expose();
        if token.trim().is_empty() {
            return Err(ApiError::Config(
                "the API token is empty; set the provider's `token` or NAC_TOKEN".into(),
            ));
        }
        if reqwest::header::HeaderValue::from_str(token).is_err() {
            return Err(ApiError::Config(
                "the API token contains characters that cannot be sent in an HTTP header".into(),
            ));
        }
        Ok(())
    }
}

pub(crate) fn url_is_loopback(url: &Url) -> bool {
    is_loopback(url)
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(base_url: &str) -> ClientConfig {
        ClientConfig::new(Environment::Prod, "key").with_base_url(base_url)
    }

    #[test]
    fn environments_resolve_to_their_roots_and_hosts() {
        for (env, root, host) in [
            (
                Environment::Prod,
                "https://network-as-code.p-eu.rapidapi.com/quality-on-demand/v1",
                "network-as-code.nokia.rapidapi.com",
            ),
            (
                Environment::Staging,
                "https://network-as-code.p-eu.rapidapi.com/quality-on-demand/v1",
                "network-as-code.nokia-stage.rapidapi.com",
            ),
            (
                Environment::Dev,
                "https://network-as-code1.p-eu.rapidapi.com/quality-on-demand/v1",
                "network-as-code1.nokia-dev.rapidapi.com",
            ),
        ] {
            let cfg = ClientConfig::new(env, "key");
            assert_eq!(cfg.qod_root().unwrap().as_str(), root);
            assert_eq!(env.rapidapi_host(), host);
            assert_eq!(env.as_str().parse::<Environment>().unwrap(), env);
        }
        assert!("qa"
            .parse::<Environment>()
            .unwrap_err()
            .contains("prod, staging, dev"));
    }

    #[test]
    fn base_url_overrides_and_trailing_slash_is_ignored() {
        assert_eq!(
            config("http://127.0.0.1:8080/")
                .qod_root()
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8080/quality-on-demand/v1"
        );
        assert_eq!(
            config("http://localhost:1/api")
                .qod_root()
                .unwrap()
                .as_str(),
            "http://localhost:1/api/quality-on-demand/v1"
        );
        assert!(config("http://[::1]:9").qod_root().is_ok());
    }

    #[test]
    fn a_base_url_with_the_api_path_is_refused() {
        for bad in [
            "http://127.0.0.1:8080/quality-on-demand/v1",
            "http://127.0.0.1:8080/quality-on-demand/v1/",
            "https://example.com/prefix/Quality-On-Demand/v1",
        ] {
            let err = config(bad).qod_root().unwrap_err().to_string();
            assert!(
                err.contains("base_url") && err.contains("API root"),
                "{err}"
            );
        }
        let err = config("http://127.0.0.1:8080/quality-on-demand/v1")
            .qod_root()
            .unwrap_err()
            .to_string();
        assert!(err.contains(r#"("http://127.0.0.1:8080")"#), "{err}");
    }

    #[test]
    fn plain_http_to_a_remote_host_is_refused_unless_allowed() {
        let err = config("http://api.example.com")
            .qod_root()
            .unwrap_err()
            .to_string();
        assert!(err.contains("plain http://"), "{err}");
        assert!(err.contains("allow_insecure_http"), "{err}");
        let mut allowed = config("http://api.example.com");
        allowed.allow_insecure_http = true;
        assert!(allowed.qod_root().is_ok());
        for bad in ["ftp://x", "not a url", "https://u:p@h", "https://h/?a=1"] {
            let err = config(bad).qod_root().unwrap_err().to_string();
            assert!(!err.contains("u:p"), "{err}");
        }
    }

    #[test]
    fn token_must_be_sendable() {
        assert!(ClientConfig::new(Environment::Dev, "")
            .check_token()
            .is_err());
        let err = ClientConfig::new(Environment::Dev, "bad\ntoken")
            .check_token()
            .unwrap_err();
        assert!(!err.to_string().contains("bad"));
        assert!(ClientConfig::new(Environment::Dev, "ok-token")
            .check_token()
            .is_ok());
    }
}
