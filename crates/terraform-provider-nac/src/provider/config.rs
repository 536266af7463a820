//! The `provider "nac"` block: schema, validation, and the client configuration it resolves to.

use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeType, Block, Schema};
use tf_provider::value::Value;
use tf_provider::AttributePath;

use super::oauth_settings::{self, Flavour, OAuthBlock};
use super::schema_util::{block, optional, sensitive};
use super::timeouts::parse_duration;
use super::validation::Problem;
use nac_api::wire::Secret;
use nac_client::{ClientConfig, Environment, MAX_REQUEST_TIMEOUT};

pub const TOKEN_ENV: &str = "NAC_TOKEN";
pub const ENVIRONMENT_ENV: &str = "NAC_ENVIRONMENT";
pub const BASE_URL_ENV: &str = "NAC_BASE_URL";
pub const BATCH_READS_ENV: &str = "NAC_BATCH_READS";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProviderConfig {
    pub token: Value<String>,
    pub environment: Value<String>,
    pub base_url: Value<String>,
    pub max_retries: Value<i64>,
    pub request_timeout: Value<String>,
    pub allow_insecure_http: Value<bool>,
    pub batch_reads: Value<bool>,
    #[serde(default)]
    pub skip_credentials_validation: Value<bool>,
    #[serde(default)]
    pub flavour: Value<String>,
    #[serde(default, with = "super::schema_util::optional_block")]
    pub oauth: Value<OAuthBlock>,
    pub skip_profile_validation: Value<bool>,
}

pub fn schema() -> Schema {
    Schema {
        version: 1,
        block: provider_block(),
    }
}

fn provider_block() -> Block {
    block(
        "The `nac` provider manages Quality-on-Demand (QoD) sessions of Nokia's \
         [Network as Code](https://networkascode.nokia.io/) API: a guaranteed connectivity profile for one \
         device towards an application server, for a limited time.",
        [
            (
                "token",
                sensitive(optional(
                    AttributeType::String,
                    "Network as Code application key (sent as `X-RapidAPI-Key`). Sensitive. Defaults to the \
                     `NAC_TOKEN` environment variable; one of them is required with the `nac` flavour. Not \
                     used with `flavour = \"camara\"` (an error there; `NAC_TOKEN` is then ignored).",
                )),
            ),
            (
                "environment",
                optional(
                    AttributeType::String,
                    "Network as Code environment: `prod`, `staging` or `dev`. Selects the API root and the \
                     `X-RapidAPI-Host` header. Defaults to the `NAC_ENVIRONMENT` environment variable, else `prod`.",
                ),
            ),
            (
                "base_url",
                optional(
                    AttributeType::String,
                    "API root overriding the environment's, e.g. `http://127.0.0.1:8080` for the `nac-sandbox` \
                     emulator; the provider appends `/quality-on-demand/v1`. Defaults to the `NAC_BASE_URL` \
                     environment variable. Plain `http://` is only accepted to loopback addresses unless \
                     `allow_insecure_http` is set.",
                ),
            ),
            (
                "max_retries",
                optional(
                    AttributeType::Number,
                    "How many times a failed API call that is safe to repeat is retried (on 429, 5xx and \
                     connection errors, with exponential back-off and jitter). Default 6; 0 disables retries.",
                ),
            ),
            (
                "request_timeout",
                optional(
                    AttributeType::String,
                    "Time allowed for one HTTP request, as a duration like `\"30s\"` (the default) or `\"2m\"`; \
                     at most `\"60m\"`.",
                ),
            ),
            (
                "allow_insecure_http",
                optional(
                    AttributeType::Bool,
                    "Allow a plain `http://` `base_url` to a non-loopback host. The API key then travels \
                     unencrypted; only for test networks. Default `false`.",
                ),
            ),
            (
                "batch_reads",
                optional(
                    AttributeType::Bool,
                    "Refresh every `nac_qod_session` from one `GET /sessions` call per provider run (a list \
                     at most 5 s old) instead of one GET per session; a session missing from the list, or a \
                     list the API does not serve, is read with its own GET. Defaults to the \
                     `NAC_BATCH_READS` environment variable, else `true`.",
                ),
            ),
            (
                "skip_credentials_validation",
                optional(
                    AttributeType::Bool,
                    "Skip the check of the token and `base_url` that runs (one request per command) before                      a plan proposes creating a session, so that wrong credentials fail the plan rather                      than the apply. Default `false`.",
                ),
            ),
            ("flavour", oauth_settings::flavour_attribute()),
            (
                "skip_profile_validation",
                optional(
                    AttributeType::Bool,
                    "Skip reading the network's QoS profiles (one request per command) when a plan creates \
                     a session or changes its profile or duration; `profile` is then checked against NaC's \
                     built-in list only (an unknown well-formed name warns). The data source \
                     `nac_qos_profiles` still reads them. Default `false`.",
                ),
            ),
        ],
        [("oauth", oauth_settings::oauth_schema())],
    )
}

/// Source of environment variables (the process's, or a fixed map in tests).
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
}

pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
    }
}

/// Everything wrong with the provider block that can be told without the environment and without
/// unknown values (used by `validate`).
pub fn validate(config: &ProviderConfig) -> Vec<Problem> {
    let mut problems = oauth_settings::validate(&config.flavour, &config.oauth);
    if let Value::Value(env) = &config.environment {
        if let Err(message) = env.parse::<Environment>() {
            problems.push(Problem {
                path: AttributePath::new("environment"),
                message,
            });
        }
    }
    if let Value::Value(n) = config.max_retries {
        if !(0..=100).contains(&n) {
            problems.push(Problem {
                path: AttributePath::new("max_retries"),
                message: format!("max_retries {n} is out of range: 0 to 100"),
            });
        }
    }
    if let Value::Value(t) = &config.request_timeout {
        match parse_duration(t) {
            Ok(d) if d.is_zero() => problems.push(Problem {
                path: AttributePath::new("request_timeout"),
                message: "request_timeout must be longer than zero".into(),
            }),
            Ok(d) if d > MAX_REQUEST_TIMEOUT => problems.push(Problem {
                path: AttributePath::new("request_timeout"),
                message: format!(
                    "request_timeout {t:?} is too long: at most \"{}m\"",
                    MAX_REQUEST_TIMEOUT.as_secs() / 60
                ),
            }),
            Ok(_) => {}
            Err(message) => problems.push(Problem {
                path: AttributePath::new("request_timeout"),
                message,
            }),
        }
    }
    if let Value::Value(token) = &config.token {
        if token.trim().is_empty() {
            problems.push(Problem {
                path: AttributePath::new("token"),
                message: "token is empty: give the Network as Code application key, or leave token out and set NAC_TOKEN".into(),
            });
        }
    }
    problems
}

/// The client configuration of a provider block, with environment variables as fallbacks.
/// The resolved provider settings: the client's, and the provider's own.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub client: ClientConfig,
    /// Refreshes may read every session from one `GET /sessions` (with per-session GETs as fallback).
    pub batch_reads: bool,
    /// Check the credentials before a plan proposes a create.
    pub validate_credentials: bool,
    /// Check plans against the network's QoS profiles (else NaC's built-in list, without a request).
    pub validate_profiles: bool,
}

pub fn resolve(config: &ProviderConfig, env: &dyn Env) -> Result<Resolved, Vec<Problem>> {
    let mut problems = validate(config);
    for (path, value) in [
        ("token", config.token.is_unknown()),
        ("environment", config.environment.is_unknown()),
        ("base_url", config.base_url.is_unknown()),
        ("max_retries", config.max_retries.is_unknown()),
        ("request_timeout", config.request_timeout.is_unknown()),
        (
            "allow_insecure_http",
            config.allow_insecure_http.is_unknown(),
        ),
        ("batch_reads", config.batch_reads.is_unknown()),
        (
            "skip_credentials_validation",
            config.skip_credentials_validation.is_unknown(),
        ),
        ("flavour", config.flavour.is_unknown()),
        ("oauth", config.oauth.is_unknown()),
        (
            "skip_profile_validation",
            config.skip_profile_validation.is_unknown(),
        ),
    ] {
        if value {
            problems.push(Problem {
                path: AttributePath::new(path),
                message: format!("{path} must be known when the provider is configured; it depends on a value known only after apply"),
            });
        }
    }
    let text =
        |value: &Value<String>, var: &str| value.as_ref_option().cloned().or_else(|| env.var(var));

    let flavour = oauth_settings::flavour(&config.flavour, env, &mut problems);
    let token = match flavour {
        Flavour::Nac => text(&config.token, TOKEN_ENV).unwrap_or_default(),
        // NAC_TOKEN may be set for other work in the same shell: only a token in the block is refused.
        Flavour::Camara => {
            if config.token.is_value() {
                problems.push(Problem {
                    path: AttributePath::new("token"),
                    message: "token is Network as Code's RapidAPI key; flavour \"camara\" authenticates with \
                              the oauth block instead: remove token"
                        .into(),
                });
            }
            String::new()
        }
    };
    if flavour == Flavour::Nac && token.trim().is_empty() && config.token.is_null() {
        problems.push(Problem {
            path: AttributePath::new("token"),
            message: format!("no API token: set token in the provider block or the {TOKEN_ENV} environment variable"),
        });
    }
    if flavour == Flavour::Nac && config.oauth.is_value() {
        problems.push(Problem {
            path: AttributePath::new("flavour"),
            message: "the oauth block is for a CAMARA operator: set flavour = \"camara\" (and base_url), \
                      or remove the block"
                .into(),
        });
    }
    let environment = match text(&config.environment, ENVIRONMENT_ENV) {
        None => Environment::Prod,
        Some(name) => name.parse().unwrap_or_else(|message: String| {
            if config.environment.is_null() {
                problems.push(Problem {
                    path: AttributePath::new("environment"),
                    message: format!("{ENVIRONMENT_ENV}: {message}"),
                });
            }
            Environment::Prod
        }),
    };
    let base_url = text(&config.base_url, BASE_URL_ENV).unwrap_or_default();
    let allow_insecure_http = config.allow_insecure_http.unwrap_or(false);
    let oauth = match flavour {
        Flavour::Nac => None,
        Flavour::Camara => {
            if base_url.trim().is_empty() {
                problems.push(Problem {
                    path: AttributePath::new("base_url"),
                    message: format!(
                        "flavour \"camara\" needs the operator's API root in base_url (or {BASE_URL_ENV}); \
                         the provider appends /quality-on-demand/v1"
                    ),
                });
            }
            oauth_settings::resolve(&config.oauth, env, allow_insecure_http, &mut problems)
        }
    };
    let batch_reads = match (&config.batch_reads, env.var(BATCH_READS_ENV)) {
        (Value::Value(on), _) => *on,
        (_, Some(raw)) => parse_bool(&raw).unwrap_or_else(|| {
            problems.push(Problem {
                path: AttributePath::new("batch_reads"),
                message: format!(
                    "{BATCH_READS_ENV}: {raw:?} is not a boolean; expected true or false"
                ),
            });
            true
        }),
        _ => true,
    };
    let defaults = ClientConfig::default();
    let client_config = ClientConfig {
        base_url,
        environment,
        token: Secret(token),
        max_retries: config
            .max_retries
            .as_ref_option()
            .map_or(defaults.max_retries, |&n| n.clamp(0, 100) as u32),
        request_timeout: config
            .request_timeout
            .as_ref_option()
            .and_then(|t| parse_duration(t).ok())
            .unwrap_or(defaults.request_timeout),
        allow_insecure_http,
        oauth,
        ..defaults
    };
    if let Err(e) = client_config.qod_root() {
        problems.push(Problem {
            path: AttributePath::new("base_url"),
            message: e.to_string(),
        });
    }
    if problems.is_empty() {
        Ok(Resolved {
            client: client_config,
            batch_reads,
            validate_credentials: !config.skip_credentials_validation.unwrap_or(false),
            validate_profiles: !config.skip_profile_validation.unwrap_or(false),
        })
    } else {
        Err(problems)
    }
}

fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// The resolved settings, for logs (never the token).
pub fn describe(resolved: &Resolved) -> String {
    let config = &resolved.client;
    let auth = config.oauth.as_ref().map_or_else(
        || format!("NaC environment {}", config.environment),
        |oauth| format!("CAMARA, {}", oauth_settings::describe(oauth)),
    );
    format!(
        "{auth}, API root {}, max_retries {}, request_timeout {:?}, batch_reads {}",
        config.effective_base_url(),
        config.max_retries,
        config.request_timeout,
        resolved.batch_reads
    )
}

/// An environment of given variables, for the tests of the settings.
#[cfg(test)]
pub(super) mod test_env {
    use std::collections::HashMap;

    use super::Env;

    pub struct FakeEnv(HashMap<&'static str, &'static str>);

    impl Env for FakeEnv {
        fn var(&self, name: &str) -> Option<String> {
            self.0.get(name).map(|v| v.to_string())
        }
    }

    pub fn env(vars: &[(&'static str, &'static str)]) -> FakeEnv {
        FakeEnv(vars.iter().copied().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::test_env::env;
    use super::*;

    #[test]
    fn environment_variables_are_fallbacks() {
        let config = ProviderConfig::default();
        let resolved = resolve(
            &config,
            &env(&[
                (TOKEN_ENV, "k"),
                (ENVIRONMENT_ENV, "dev"),
                (BASE_URL_ENV, "http://127.0.0.1:1"),
            ]),
        )
        .unwrap()
        .client;
        assert_eq!(resolved.token.expose(), "k");
        assert_eq!(resolved.environment, Environment::Dev);
        assert_eq!(resolved.base_url, "http://127.0.0.1:1");

        let config = ProviderConfig {
            token: Value::Value("from-hcl".into()),
            environment: Value::Value("staging".into()),
            ..Default::default()
        };
        let resolved = resolve(&config, &env(&[(TOKEN_ENV, "k"), (ENVIRONMENT_ENV, "dev")]))
            .unwrap()
            .client;
        assert_eq!(resolved.token.expose(), "from-hcl");
        assert_eq!(resolved.environment, Environment::Staging);
        assert_eq!(
            resolved.effective_base_url(),
            Environment::Staging.default_base_url()
        );
    }

    #[test]
    fn problems_name_their_attribute() {
        let cases: Vec<(ProviderConfig, &str)> = vec![
            (ProviderConfig::default(), "token"),
            (
                ProviderConfig {
                    token: Value::Value("k".into()),
                    environment: Value::Value("qa".into()),
                    ..Default::default()
                },
                "environment",
            ),
            (
                ProviderConfig {
                    token: Value::Value("k".into()),
                    base_url: Value::Value("http://example.com".into()),
                    ..Default::default()
                },
                "base_url",
            ),
            (
                ProviderConfig {
                    token: Value::Value("k".into()),
                    request_timeout: Value::Value("10".into()),
                    ..Default::default()
                },
                "request_timeout",
            ),
            (
                ProviderConfig {
                    token: Value::Value("k".into()),
                    max_retries: Value::Value(-1),
                    ..Default::default()
                },
                "max_retries",
            ),
            (
                ProviderConfig {
                    token: Value::Value("k".into()),
                    request_timeout: Value::Value("10000000000000000000s".into()),
                    ..Default::default()
                },
                "request_timeout",
            ),
            (
                ProviderConfig {
                    token: Value::Value("k".into()),
                    base_url: Value::Value("http://127.0.0.1:8080/quality-on-demand/v1".into()),
                    ..Default::default()
                },
                "base_url",
            ),
        ];
        for (config, attribute) in cases {
            let problems = resolve(&config, &env(&[])).unwrap_err();
            assert_eq!(problems[0].attribute(), attribute, "{problems:?}");
        }
    }

    #[test]
    fn batch_reads_default_on_and_follow_the_block_then_the_environment() {
        let token = || ProviderConfig {
            token: Value::Value("k".into()),
            ..Default::default()
        };
        assert!(resolve(&token(), &env(&[])).unwrap().batch_reads);
        let off = resolve(&token(), &env(&[(BATCH_READS_ENV, "false")])).unwrap();
        assert!(!off.batch_reads);
        let block = ProviderConfig {
            batch_reads: Value::Value(true),
            ..token()
        };
        assert!(
            resolve(&block, &env(&[(BATCH_READS_ENV, "0")]))
                .unwrap()
                .batch_reads
        );
        let problems = resolve(&token(), &env(&[(BATCH_READS_ENV, "sometimes")])).unwrap_err();
        assert_eq!(problems[0].attribute(), "batch_reads", "{problems:?}");
    }

    #[test]
    fn insecure_http_needs_consent() {
        let config = ProviderConfig {
            token: Value::Value("k".into()),
            base_url: Value::Value("http://10.1.2.3:8080".into()),
            allow_insecure_http: Value::Value(true),
            ..Default::default()
        };
        assert!(resolve(&config, &env(&[])).is_ok());
    }
}
