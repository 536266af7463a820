//! nac-sandbox: an offline emulator of the Network as Code Quality-on-Demand API.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use nac_sandbox::{Faults, Flavour, OAuthClient, SandboxConfig};

/// An offline emulator of Nokia's Network as Code Quality-on-Demand API (and the CAMARA QoS Profiles API),
/// with session lifecycle, notifications, fault injection and an admin API under /_sandbox.
///
/// The first line on stdout is `nac-sandbox listening on http://HOST:PORT` (the API root; the QoD API is
/// under /quality-on-demand/v1). Stop it with Ctrl-C or SIGTERM: requests in flight finish and the state
/// file is written.
#[derive(Debug, Parser)]
#[command(name = "nac-sandbox", version)]
struct Args {
    /// Address to listen on; port 0 picks a free port. Loopback unless told otherwise.
    #[arg(long, env = "NAC_SANDBOX_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,

    /// The only X-RapidAPI-Key accepted (default: any non-empty key).
    #[arg(long, env = "NAC_SANDBOX_API_KEY", hide_env_values = true)]
    api_key: Option<String>,

    /// Milliseconds from REQUESTED to AVAILABLE; 0 answers AVAILABLE in the create response.
    #[arg(long, default_value_t = 200)]
    activation_delay_ms: u64,

    /// Seconds an ended (UNAVAILABLE) session stays readable before it is gone (404).
    #[arg(long, default_value_t = 360)]
    retention_seconds: u64,

    /// Keep sessions (and the sandbox clock) in this file across restarts; written atomically, and
    /// every answered change is on disk before the answer is sent.
    #[arg(long, env = "NAC_SANDBOX_STATE_FILE")]
    state_file: Option<PathBuf>,

    /// Fault: milliseconds added to every API request.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,

    /// Fault: share (0.0 to 1.0) of API requests answered with one of --error-statuses instead.
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,

    /// Fault: statuses an injected error picks from (429 carries Retry-After: 1).
    #[arg(long, value_delimiter = ',', default_value = "500,503,429")]
    error_statuses: Vec<u16>,

    /// Fault: share (0.0 to 1.0) of creates that store the session and then answer 502 or 504.
    #[arg(long, default_value_t = 0.0)]
    post_commit_error_rate: f64,

    /// Accept http:// sinks on loopback hosts (127.0.0.0/8, ::1, localhost) for local receivers;
    /// any other sink must be https://.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    allow_http_sinks_on_loopback: bool,

    /// Allow several live sessions per device and key (NaC answers 409 CONFLICT to a second one, and so
    /// does the sandbox by default).
    #[arg(long)]
    allow_concurrent_sessions: bool,

    /// Drop the list endpoint (`GET /quality-on-demand/v1/sessions`), as NaC did: answered like an
    /// unknown path.
    #[arg(long)]
    no_list_endpoint: bool,

    /// Serve no QoS Profiles API (`/qos-profiles/v1`), as NaC: answered like an unknown path.
    #[arg(long)]
    no_profiles_endpoint: bool,

    /// A JSON file with the profiles the QoS Profiles API offers instead of NaC's thirteen (an array
    /// of CAMARA `QosProfile` objects). Sessions keep the flavour's own profile rules.
    #[arg(long, value_name = "FILE")]
    qos_profiles: Option<PathBuf>,

    /// Token the admin API and the UI (/_sandbox/ui) require, as `Authorization: Bearer <token>` (the UI:
    /// open /_sandbox/ui?token=<token> once). Required to listen on a non-loopback address; without it
    /// the admin API answers loopback clients only.
    #[arg(long, env = "NAC_SANDBOX_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,

    /// Largest request body accepted, in bytes (larger: 413).
    #[arg(long, default_value_t = 64 * 1024)]
    max_body_bytes: usize,

    /// Connections served at once; more wait until one closes.
    #[arg(long, default_value_t = 1024)]
    max_connections: usize,

    /// Seconds a client has to send a request's headers; an idle connection is closed after as long.
    #[arg(long, default_value_t = 10)]
    header_read_timeout_secs: u64,

    /// Live sessions one API key may hold (0: no limit); more creates answer 429.
    #[arg(long, default_value_t = 10_000)]
    max_sessions_per_key: usize,

    /// A host name the admin API and the UI answer for besides IP addresses and localhost (a sandbox
    /// reached through a name); repeat for several. Other Host headers are refused (DNS rebinding).
    #[arg(long = "allowed-host", value_name = "NAME")]
    allowed_hosts: Vec<String>,

    /// Seconds a client has to send a request's body once its headers are read (longer: 408 and the
    /// connection closed). While every connection is taken, bodies slower than a second are cut off.
    #[arg(long, default_value_t = 10)]
    body_read_timeout_secs: u64,

    /// Sessions stored for all API keys together, whatever their status (0: no limit); more creates
    /// answer 503.
    #[arg(long, default_value_t = 50_000)]
    max_stored_sessions: usize,

    /// Bytes of stored sessions for all API keys together, as serialized plus indexes (0: no limit);
    /// more creates answer 503.
    #[arg(long, default_value_t = 64 * 1024 * 1024)]
    max_stored_bytes: usize,

    /// Which API to answer as: `nac` (Nokia's Network as Code behind RapidAPI, X-RapidAPI-Key) or
    /// `camara` (a CAMARA operator: OAuth2 client credentials at /oauth2/token, discovery at
    /// /.well-known/openid-configuration, scopes enforced).
    #[arg(long, default_value = "nac")]
    flavour: Flavour,

    /// An OAuth2 client of the camara flavour, as CLIENT_ID:CLIENT_SECRET[:SCOPE,SCOPE...] (all scopes
    /// when none are given); repeat for several.
    #[arg(
        long = "oauth-client",
        value_name = "ID:SECRET[:SCOPES]",
        env = "NAC_SANDBOX_OAUTH_CLIENTS",
        value_delimiter = ';',
        hide_env_values = true
    )]
    oauth_clients: Vec<OAuthClient>,

    /// An OAuth2 client of the camara flavour that authenticates with private_key_jwt, as
    /// CLIENT_ID:JWKS[:SCOPE,SCOPE...] where JWKS is the path of a JWKS file or the JWKS inline
    /// ({"keys": [...]}); repeat for several.
    #[arg(long = "oauth-jwt-client", value_name = "ID:JWKS[:SCOPES]", value_parser = OAuthClient::with_jwks)]
    oauth_jwt_clients: Vec<OAuthClient>,

    /// Seconds the camara flavour's access tokens live.
    #[arg(long, default_value_t = 3600)]
    token_lifetime_secs: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    env_logger::Builder::from_env(env_logger::Env::new().filter_or("NAC_SANDBOX_LOG", "info"))
        .target(env_logger::Target::Stderr)
        .init();
    let args = Args::parse();
    let qos_profiles = match &args.qos_profiles {
        Some(path) => Some(
            serde_json::from_slice(&std::fs::read(path)?)
                .map_err(|e| anyhow::anyhow!("--qos-profiles {}: {e}", path.display()))?,
        ),
        None => None,
    };
    let config = SandboxConfig {
        listen: args.listen,
        api_key: args.api_key.filter(|k| !k.is_empty()),
        activation_delay: Duration::from_millis(args.activation_delay_ms),
        retention: Duration::from_secs(args.retention_seconds),
        state_file: args.state_file,
        faults: Faults {
            latency_ms: args.latency_ms,
            error_rate: args.error_rate,
            error_statuses: args.error_statuses,
            post_commit_error_rate: args.post_commit_error_rate,
            ..Faults::default()
        },
        allow_http_sinks_on_loopback: args.allow_http_sinks_on_loopback,
        allow_concurrent_sessions: args.allow_concurrent_sessions,
        no_list_endpoint: args.no_list_endpoint,
        no_profiles_endpoint: args.no_profiles_endpoint,
        qos_profiles,
        admin_token: args.admin_token.filter(|t| !t.is_empty()),
        max_body_bytes: args.max_body_bytes,
        max_connections: args.max_connections,
        header_read_timeout: Duration::from_secs(args.header_read_timeout_secs.max(1)),
        max_sessions_per_key: Some(args.max_sessions_per_key).filter(|n| *n > 0),
        allowed_hosts: args.allowed_hosts,
        body_read_timeout: Duration::from_secs(args.body_read_timeout_secs.max(1)),
        max_stored_sessions: Some(args.max_stored_sessions).filter(|n| *n > 0),
        max_stored_bytes: Some(args.max_stored_bytes).filter(|n| *n > 0),
        flavour: args.flavour,
        oauth_clients: args
            .oauth_clients
            .into_iter()
            .chain(args.oauth_jwt_clients)
            .collect(),
        token_lifetime: Duration::from_secs(args.token_lifetime_secs.max(1)),
    };
    let sandbox = nac_sandbox::start(config).await?;
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "nac-sandbox listening on {}", sandbox.base_url())?;
        stdout.flush()?;
    }
    wait_for_stop_signal().await;
    sandbox.shutdown().await;
    Ok(())
}

async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
