//! One HTTP exchange with the API: the shared connection pool, the NaC headers, a capped body read, and a
//! classification of what went wrong that tells *whether the request may have been processed*.

use std::error::Error as _;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, DATE, RETRY_AFTER};
use reqwest::{Method, Url};

use super::api_clock::ApiClock;
use super::config::{ClientConfig, MAX_REQUEST_TIMEOUT, RETRY_AFTER_CAP};
use super::redact::Redactor;
use super::response::{describe_error_body, excerpt, parse_json, Problem, Shape, MAX_BODY_BYTES};
use super::token_source::TokenSource;
use super::ApiError;

use nac_api::protocol::{
    code, is_transient_status, API_HOST_HEADER, API_KEY_HEADER, NO_SUBSCRIPTIONS_DETAIL,
};

/// CAMARA's request correlation header.
const CORRELATOR_HEADER: &str = "x-correlator";
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// Enough idle connections for Terraform's parallelism (10 by default) and then some.
const POOL_MAX_IDLE_PER_HOST: usize = 64;

/// A complete reply, whatever its status.
#[derive(Debug)]
pub(crate) struct Reply {
    /// Where the request went: named in errors that say the URL, not the session, is wrong.
    pub url: Url,
    pub status: u16,
    pub content_type: Option<String>,
    pub retry_after: Option<Duration>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The QoD service's own "no such session": 404 with a CAMARA body `{"status": 404, "code":
    /// "NOT_FOUND", …}`. Only this means a session is gone; a gateway's or proxy's 404 (a `message`
    /// body, HTML, nothing) says the URL is wrong, not that the session ended.
    pub fn is_session_not_found(&self) -> bool {
        self.status == 404 && is_camara_not_found(&self.body)
    }

    /// NaC's answer to retrieve-sessions for a device without sessions: 404
    /// `{"detail": "QoS subscription not found"}`. Nothing else reads as an empty list.
    pub fn is_no_subscriptions(&self) -> bool {
        self.status == 404
            && serde_json::from_slice::<serde_json::Value>(&self.body).is_ok_and(|v| {
                v.get("detail").and_then(serde_json::Value::as_str) == Some(NO_SUBSCRIPTIONS_DETAIL)
            })
    }

    /// The QoS Profiles API is not served here: a 404 that the API did not write (a gateway's), 405 or
    /// 501. NaC serves no profiles; a CAMARA operator may.
    pub fn is_not_served(&self) -> bool {
        matches!(self.status, 405 | 501) || (self.status == 404 && !is_camara_error(&self.body))
    }

    /// A 2xx reply's body as `what` (shaped as `shape`); anything else a failure (see `into_success`).
    pub fn json<T: serde::de::DeserializeOwned>(
        self,
        what: &str,
        shape: Shape,
    ) -> Result<T, Failure> {
        let reply = self.into_success()?;
        parse_json(&reply.body, reply.content_type.as_deref(), what, shape).map_err(|detail| {
            Failure::Invalid {
                status: reply.status,
                detail,
            }
        })
    }

    /// Anything but 2xx as a failure; a 404 that is not the API's own (no CAMARA body) is a wrong URL.
    pub fn into_success(self) -> Result<Reply, Failure> {
        if self.is_success() {
            return Ok(self);
        }
        let problem = describe_error_body(&self.body, self.content_type.as_deref());
        if self.status == 404 && !is_camara_error(&self.body) && !self.is_no_subscriptions() {
            return Err(Failure::Misrouted {
                url: Box::new(self.url),
                problem,
            });
        }
        Err(Failure::Status {
            status: self.status,
            problem,
            retry_after: self.retry_after,
        })
    }
}

/// A CAMARA `ErrorInfo` body: an object with a string `code` (and a `status` when given).
fn is_camara_error(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|v| {
        v.get("code").is_some_and(serde_json::Value::is_string)
            && v.get("status").is_none_or(serde_json::Value::is_number)
    })
}

fn is_camara_not_found(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|v| {
        v.get("code").and_then(serde_json::Value::as_str) == Some(code::NOT_FOUND)
            && v.get("status").is_none_or(|s| s.as_u64() == Some(404))
    })
}

/// What went wrong with one attempt.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Nothing was sent: no connection could be made (refused, DNS, TLS handshake).
    NotSent { detail: String, tls: bool },
    /// The request was (or may have been) sent and no complete reply came back: timeout, connection dropped.
    NoReply { detail: String, timed_out: bool },
    /// The API answered with an error status.
    Status {
        status: u16,
        problem: Problem,
        retry_after: Option<Duration>,
    },
    /// A success status with a body that cannot be read.
    Invalid { status: u16, detail: String },
    /// A 404 that the QoD service did not write (a gateway's `message`, HTML, an empty body): the URL
    /// reaches no API operation, most likely because `base_url` is wrong. Never means "gone".
    Misrouted { url: Box<Url>, problem: Problem },
    /// Finished with an error decided elsewhere (e.g. an outcome check that failed).
    Final(ApiError),
}

impl Failure {
    /// Worth repeating for a call that can be repeated safely (GET, DELETE, a lookup).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::NotSent { tls, .. } => !tls,
            Self::NoReply { .. } => true,
            Self::Status { status, .. } => is_transient_status(*status),
            Self::Invalid { .. } | Self::Misrouted { .. } | Self::Final(_) => false,
        }
    }

    /// The server certainly did not apply the request, so it may be sent again as is: nothing was sent,
    /// the rate limiter refused it (429), or the service said it is unavailable in the API's own words
    /// (a CAMARA 503 `UNAVAILABLE` is answered instead of processing, unlike a gateway's 502/504).
    pub fn certainly_not_applied(&self) -> bool {
        match self {
            Self::NotSent { tls, .. } => !tls,
            Self::Status { status: 429, .. } => true,
            Self::Status {
                status: 503,
                problem,
                ..
            } => problem.code.as_deref() == Some(code::UNAVAILABLE),
            _ => false,
        }
    }

    /// The request may have been applied although the reply says otherwise or never came.
    pub fn maybe_applied(&self) -> bool {
        match self {
            Self::NoReply { .. } => true,
            Self::Status { status, .. } => *status >= 500 || *status == 408,
            // A success status with an unreadable body: applied, but we cannot tell which session.
            Self::Invalid { .. } => true,
            Self::NotSent { .. } | Self::Misrouted { .. } | Self::Final(_) => false,
        }
    }

    /// The HTTP status, when the API (or something in front of it) answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } | Self::Invalid { status, .. } => Some(*status),
            Self::Misrouted { .. } => Some(404),
            _ => None,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The error a person reads; every text from outside passes the redactor.
    pub fn into_api_error(
        self,
        call: super::Call,
        tries: super::Tries,
        redactor: &Redactor,
    ) -> ApiError {
        match self {
            Self::NotSent { detail, .. } => ApiError::Connection {
                call,
                detail: redactor.scrub(&detail),
                timed_out: false,
                tries,
            },
            Self::NoReply { detail, timed_out } => ApiError::Connection {
                call,
                detail: redactor.scrub(&detail),
                timed_out,
                tries,
            },
            Self::Status {
                status, problem, ..
            } => ApiError::Api {
                call,
                status,
                code: problem.code.map(|c| redactor.scrub(&c)),
                message: redactor.scrub(&problem.message),
                tries,
            },
            Self::Invalid { status, detail } => ApiError::InvalidResponse {
                call,
                status,
                detail: redactor.scrub(&detail),
                tries,
            },
            Self::Misrouted { url, problem } => ApiError::Misrouted {
                call,
                url: redactor.scrub(url.as_str()),
                message: redactor.scrub(&problem.message),
                tries,
            },
            Self::Final(error) => error,
        }
    }
}

/// The shared HTTP side of the client: one connection pool (reqwest's client is an `Arc` inside, so
/// clones share it), the API root and how requests authenticate.
#[derive(Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
    root: Url,
    auth: Auth,
    /// The API's clock against ours, from the replies' `Date` headers.
    pub clock: std::sync::Arc<ApiClock>,
}

/// NaC's two RapidAPI headers, or a CAMARA operator's OAuth2 bearer tokens.
#[derive(Clone)]
enum Auth {
    RapidApi {
        api_key: HeaderValue,
        api_host: HeaderValue,
    },
    OAuth(std::sync::Arc<TokenSource>),
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut debug = f.debug_struct("Http");
        debug.field("root", &self.root.as_str());
        match &self.auth {
            Auth::RapidApi { api_host, .. } => debug.field("api_host", api_host),
            Auth::OAuth(source) => debug.field("oauth", source),
        };
        debug.finish_non_exhaustive()
    }
}

impl Http {
    pub fn new(config: &ClientConfig) -> Result<Self, ApiError> {
        let root = config.qod_root()?;
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            // Bundled webpki roots plus the system's (both enabled in Cargo.toml). Reading the system
            // store costs ~5 ms per provider launch; a plain-http root (the sandbox) never uses it.
            .tls_built_in_root_certs(root.scheme() == "https" || config.oauth.is_some())
            // The API never redirects; following one would carry the API key to wherever it points.
            .redirect(reqwest::redirect::Policy::none())
            .tcp_nodelay(true)
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .pool_max_idle_per_host(POOL_MAX_IDLE_PER_HOST)
            .connect_timeout(CONNECT_TIMEOUT.min(config.request_timeout))
            .timeout(config.request_timeout.min(MAX_REQUEST_TIMEOUT))
            // Verbose connection logging would dump request headers, the API key among them.
            .connection_verbose(false)
            .user_agent(concat!(
                "terraform-provider-nac/",
                env!("CARGO_PKG_VERSION")
            ));
        if config.is_loopback() {
            // A local sandbox is never reached through a proxy from the environment.
            builder = builder.no_proxy();
        }
        let client = builder
            .build()
            .map_err(|e| ApiError::Config(format!("cannot build the HTTP client: {e}")))?;
        let auth = match &config.oauth {
            Some(oauth) => Auth::OAuth(std::sync::Arc::new(TokenSource::new(
                client.clone(),
                oauth.clone(),
                config.allow_insecure_http,
            )?)),
            None => {
                config.check_token()?;
                let mut api_key = HeaderValue::from_str(config.token.expose()).map_err(|_| {
                    ApiError::Config("the API token cannot be sent in an HTTP header".into())
                })?;
                // Sensitive values are shown as `Sensitive` by Debug and are never indexed by HTTP/2's HPACK.
                api_key.set_sensitive(true);
                Auth::RapidApi {
                    api_key,
                    api_host: HeaderValue::from_static(config.environment.rapidapi_host()),
                }
            }
        };
        Ok(Self {
            client,
            root,
            auth,
            clock: Default::default(),
        })
    }

    /// OAuth2 token requests sent so far (0 with NaC's API key).
    pub fn token_requests(&self) -> u64 {
        match &self.auth {
            Auth::OAuth(source) => source.requests(),
            Auth::RapidApi { .. } => 0,
        }
    }

    /// `<root>/<segments…>`, each segment percent-encoded (a session id cannot change the path).
    pub fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.root.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// `<API root>/qos-profiles/v1/<segments…>`: the QoS Profiles API beside the QoD API.
    pub fn profiles_url(&self, segments: &[&str]) -> Url {
        let mut url = self.root.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            // The root ends in the QoD prefix's two segments (`quality-on-demand/v1`).
            path.pop_if_empty()
                .pop()
                .pop()
                .extend(["qos-profiles", "v1"])
                .extend(segments);
        }
        url
    }

    /// Sends one request and reads the whole reply (at most [`MAX_BODY_BYTES`]). With OAuth2, a 401
    /// (the token expired or was revoked early) fetches a new token and sends the request once more.
    /// Every secret of `redactor` is scrubbed from the reply body as soon as it is read, before any
    /// part of it can be cut into an excerpt (a cut secret would no longer be recognised).
    pub async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
        redactor: &Redactor,
    ) -> Result<Reply, Failure> {
        let Auth::OAuth(source) = &self.auth else {
            return self.send_once(method, url, body, None, redactor).await;
        };
        let bearer = source.bearer(redactor).await?;
        let reply = self
            .send_once(
                method.clone(),
                url.clone(),
                body.clone(),
                Some(bearer.clone()),
                redactor,
            )
            .await?;
        if reply.status != 401 {
            return Ok(reply);
        }
        log::info!("{method} {url}: HTTP 401, fetching a new access token and trying once more");
        source.forget(&bearer).await;
        let bearer = source.bearer(redactor).await?;
        self.send_once(method, url, body, Some(bearer), redactor)
            .await
    }

    async fn send_once(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
        bearer: Option<HeaderValue>,
        redactor: &Redactor,
    ) -> Result<Reply, Failure> {
        let started = Instant::now();
        let sent_at = chrono::Utc::now();
        // CAMARA's x-correlator ties this request to the operator's logs; it is no secret.
        let correlator = uuid::Uuid::new_v4().to_string();
        log::debug!("NaC API request: {method} {url} (x-correlator {correlator})");
        let mut request = self
            .client
            .request(method.clone(), url.clone())
            .header(ACCEPT, "application/json")
            .header(CORRELATOR_HEADER, correlator.as_str());
        match (&self.auth, bearer) {
            (Auth::RapidApi { api_key, api_host }, _) => {
                request = request
                    .header(API_KEY_HEADER, api_key.clone())
                    .header(API_HOST_HEADER, api_host.clone());
            }
            (Auth::OAuth(_), Some(bearer)) => {
                request = request.header(AUTHORIZATION, bearer);
            }
            (Auth::OAuth(_), None) => {}
        }
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, "application/json").body(body);
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| classify(&e, &url, redactor))?;
        let status = response.status().as_u16();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        if let Some(date) = header(DATE) {
            self.clock.observe(sent_at, chrono::Utc::now(), &date);
        }
        let content_type = header(CONTENT_TYPE);
        let retry_after = header(RETRY_AFTER).and_then(|v| parse_retry_after(&v));

        if response
            .content_length()
            .is_some_and(|len| len > MAX_BODY_BYTES as u64)
        {
            return Err(Failure::Invalid {
                status,
                detail: format!(
                    "the body is {} bytes, more than the {} bytes the client reads",
                    response.content_length().unwrap_or_default(),
                    MAX_BODY_BYTES
                ),
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| classify(&e, &url, redactor))?
        {
            if body.len().saturating_add(chunk.len()) > MAX_BODY_BYTES {
                return Err(Failure::Invalid {
                    status,
                    detail: format!(
                        "the body is larger than the {MAX_BODY_BYTES} bytes the client reads"
                    ),
                });
            }
            body.extend_from_slice(&chunk);
        }
        log::debug!(
            "NaC API reply: {method} {url} -> HTTP {status}, {} bytes in {} ms (x-correlator {correlator})",
            body.len(),
            started.elapsed().as_millis()
        );
        let body = redactor.scrub_bytes(body);
        Ok(Reply {
            url,
            status,
            content_type,
            retry_after,
            body,
        })
    }
}

/// Turns a transport error into a failure that says whether the request may have been processed.
/// reqwest's messages carry the URL (never the headers), which holds no secret.
fn classify(error: &reqwest::Error, url: &Url, redactor: &Redactor) -> Failure {
    let cause = root_cause(error, redactor);
    let place = match (url.host_str(), url.port_or_known_default()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        _ => url.to_string(),
    };
    if error.is_connect() {
        let tls = is_tls_failure(error);
        let detail = if tls {
            format!("TLS handshake with {place} failed (is it an https server with a trusted certificate?): {cause}")
        } else if error.is_timeout() {
            format!("cannot connect to {place}: timed out")
        } else {
            format!("cannot connect to {place}: {cause}")
        };
        Failure::NotSent { detail, tls }
    } else if error.is_timeout() {
        Failure::NoReply {
            detail: format!("no reply from {place} within the request timeout"),
            timed_out: true,
        }
    } else {
        Failure::NoReply {
            detail: format!("the connection to {place} failed before a complete reply: {cause}"),
            timed_out: false,
        }
    }
}

fn root_cause(error: &reqwest::Error, redactor: &Redactor) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    // Scrubbed whole, then cut: a secret cut in two would slip past the redactor.
    excerpt(&redactor.scrub(&cause.to_string()), 200)
}

/// A failed TLS handshake (bad or untrusted certificate, a server that does not speak TLS): retrying
/// cannot help. Only the causes are read, not reqwest's own message, which quotes the URL.
fn is_tls_failure(error: &reqwest::Error) -> bool {
    const MARKS: [&str; 7] = [
        "certificate",
        "tls",
        "handshake",
        "corrupt message",
        "invalidcontenttype",
        "alert",
        "peer sent",
    ];
    let mut cause = error.source();
    while let Some(next) = cause {
        let text = next.to_string().to_ascii_lowercase();
        if MARKS.iter().any(|mark| text.contains(mark)) {
            return true;
        }
        cause = next.source();
    }
    false
}

/// `Retry-After` as seconds or an HTTP date, capped so a bad value cannot stall the caller.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    let wait = if let Ok(seconds) = value.parse::<u64>() {
        Duration::from_secs(seconds)
    } else if let Ok(seconds) = value.parse::<f64>() {
        if !seconds.is_finite() || seconds < 0.0 {
            return None;
        }
        Duration::from_secs_f64(seconds.min(RETRY_AFTER_CAP.as_secs_f64()))
    } else {
        let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
        (at.with_timezone(&chrono::Utc) - chrono::Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO)
    };
    Some(wait.min(RETRY_AFTER_CAP))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates_and_is_capped() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("99999"), Some(RETRY_AFTER_CAP));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn session_ids_cannot_escape_the_path() {
        let config = ClientConfig::new(super::super::Environment::Prod, "k")
            .with_base_url("http://127.0.0.1:1");
        let http = Http::new(&config).unwrap();
        assert_eq!(
            http.url(&["sessions", "../../x?y#z"]).as_str(),
            "http://127.0.0.1:1/quality-on-demand/v1/sessions/..%2F..%2Fx%3Fy%23z"
        );
        let debug = format!("{http:?}");
        assert!(!debug.contains("\"k\""), "{debug}");
    }

    #[test]
    fn what_may_be_retried() {
        let status = |status, code: Option<&str>| Failure::Status {
            status,
            problem: Problem {
                code: code.map(str::to_owned),
                message: String::new(),
            },
            retry_after: None,
        };
        assert!(status(429, None).certainly_not_applied());
        assert!(status(503, Some("UNAVAILABLE")).certainly_not_applied());
        assert!(!status(503, None).certainly_not_applied());
        assert!(status(503, None).maybe_applied());
        assert!(status(502, None).maybe_applied() && status(502, None).is_transient());
        assert!(!status(400, None).is_transient() && !status(400, None).maybe_applied());
        assert!(!status(501, None).is_transient());
        let refused = Failure::NotSent {
            detail: String::new(),
            tls: false,
        };
        assert!(refused.certainly_not_applied() && refused.is_transient());
        let tls = Failure::NotSent {
            detail: String::new(),
            tls: true,
        };
        assert!(!tls.is_transient());
    }
}
