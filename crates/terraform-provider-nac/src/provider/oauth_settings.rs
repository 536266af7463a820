//! The provider's `flavour` and `oauth` settings: which API it talks to (Nokia's NaC with a RapidAPI
//! key, or a CAMARA operator with OAuth2 client credentials) and the client credentials themselves,
//! with `NAC_FLAVOUR` / `NAC_OAUTH_*` environment variables as fallbacks.

use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeType, NestedBlock};
use tf_provider::value::Value;
use tf_provider::AttributePath;

use super::config::Env;
use super::schema_util::{block, optional, sensitive};
use super::validation::Problem;
use nac_api::wire::Secret;
use nac_client::{ClientAuth, OAuthConfig, TokenEndpoint, DEFAULT_SCOPES};

pub const FLAVOUR_ENV: &str = "NAC_FLAVOUR";
pub const CLIENT_ID_ENV: &str = "NAC_OAUTH_CLIENT_ID";
pub const CLIENT_SECRET_ENV: &str = "NAC_OAUTH_CLIENT_SECRET";
pub const PRIVATE_KEY_PEM_ENV: &str = "NAC_OAUTH_PRIVATE_KEY_PEM";
pub const KEY_ID_ENV: &str = "NAC_OAUTH_KEY_ID";
pub const TOKEN_URL_ENV: &str = "NAC_OAUTH_TOKEN_URL";
pub const ISSUER_ENV: &str = "NAC_OAUTH_ISSUER";

/// Which API the provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flavour {
    #[default]
    Nac,
    Camara,
}

impl Flavour {
    fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "nac" => Ok(Self::Nac),
            "camara" => Ok(Self::Camara),
            _ => Err(format!(
                "flavour {raw:?} is unknown: \"nac\" (Nokia's Network as Code, the default) or \
                 \"camara\" (a CAMARA operator with OAuth2 client credentials)"
            )),
        }
    }
}

/// The `oauth` block.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OAuthBlock {
    pub client_id: Value<String>,
    pub client_secret: Value<String>,
    pub client_auth: Value<String>,
    pub private_key_pem: Value<String>,
    pub key_id: Value<String>,
    pub token_url: Value<String>,
    pub issuer: Value<String>,
    pub scopes: Value<Vec<Value<String>>>,
}

pub fn flavour_attribute() -> tf_provider::schema::Attribute {
    optional(
        AttributeType::String,
        "Which API the provider talks to: `nac` (Nokia's Network as Code with the RapidAPI `token`, the \
         default) or `camara` (any CAMARA QualityOnDemand operator, authenticated with OAuth2 client \
         credentials from the `oauth` block; `base_url` is then required). Defaults to the `NAC_FLAVOUR` \
         environment variable.",
    )
}

pub fn oauth_schema() -> NestedBlock {
    let text = |d: &str| optional(AttributeType::String, d);
    NestedBlock::Optional(block(
        "OAuth2 client credentials (CAMARA's 2-legged access) for `flavour = \"camara\"`. The provider \
         asks the token endpoint for an access token once per provider process, keeps it until shortly \
         before it expires, and sends it as `Authorization: Bearer`. Provider settings are never stored \
         in state; to keep the secret or key out of plan files too, pass it in an `ephemeral = true` \
         variable (Terraform 1.10+) or an environment variable.",
        [
            ("client_id", text("The client id the operator registered. Defaults to `NAC_OAUTH_CLIENT_ID`.")),
            (
                "client_secret",
                sensitive(text(
                    "The client secret, for `client_secret_basic` and `client_secret_post`. Sensitive. \
                     Defaults to `NAC_OAUTH_CLIENT_SECRET`.",
                )),
            ),
            (
                "client_auth",
                text(
                    "How the client authenticates to the token endpoint: `client_secret_basic` (the \
                     default), `client_secret_post` or `private_key_jwt` (a JWT signed with \
                     `private_key_pem`, as CAMARA's security profile recommends).",
                ),
            ),
            (
                "private_key_pem",
                sensitive(text(
                    "The client's private key in PEM for `private_key_jwt`: an EC P-256 key in PKCS#8 \
                     (signs ES256) or an RSA key (signs RS256). Sensitive. Defaults to \
                     `NAC_OAUTH_PRIVATE_KEY_PEM`.",
                )),
            ),
            (
                "key_id",
                text(
                    "The `kid` of the key in the client's registered JWKS, sent in each assertion's \
                     header. Defaults to `NAC_OAUTH_KEY_ID`.",
                ),
            ),
            (
                "token_url",
                text(
                    "The token endpoint, e.g. `https://auth.example.com/oauth2/token`. Defaults to \
                     `NAC_OAUTH_TOKEN_URL`. Give this or `issuer`.",
                ),
            ),
            (
                "issuer",
                text(
                    "The OpenID issuer URL: the token endpoint is read from its \
                     `/.well-known/openid-configuration`. Defaults to `NAC_OAUTH_ISSUER`.",
                ),
            ),
            (
                "scopes",
                optional(
                    AttributeType::List(Box::new(AttributeType::String)),
                    &format!(
                        "The scopes to ask for. Default: every scope the provider may use, {}.",
                        DEFAULT_SCOPES.map(|s| format!("`{s}`")).join(", ")
                    ),
                ),
            ),
        ],
        [],
    ))
}

fn at(attribute: &'static str) -> AttributePath {
    AttributePath::new("oauth").index(0).attribute(attribute)
}

fn problem(path: AttributePath, message: impl Into<String>) -> Problem {
    Problem {
        path,
        message: message.into(),
    }
}

/// What can be told from the block alone (plan-time `validate`).
pub fn validate(flavour: &Value<String>, oauth: &Value<OAuthBlock>) -> Vec<Problem> {
    let mut problems = Vec::new();
    if let Value::Value(raw) = flavour {
        if let Err(message) = Flavour::parse(raw) {
            problems.push(problem(AttributePath::new("flavour"), message));
        }
    }
    let Value::Value(oauth) = oauth else {
        return problems;
    };
    if let Value::Value(auth) = &oauth.client_auth {
        if !ClientAuth::NAMES.contains(&auth.as_str()) {
            problems.push(problem(
                at("client_auth"),
                format!(
                    "client_auth {auth:?} is unknown: one of {}",
                    ClientAuth::NAMES.join(", ")
                ),
            ));
        }
    }
    if oauth.token_url.is_value() && oauth.issuer.is_value() {
        problems.push(problem(at("issuer"), "give token_url or issuer, not both"));
    }
    for (name, value) in [
        ("client_id", &oauth.client_id),
        ("client_secret", &oauth.client_secret),
        ("private_key_pem", &oauth.private_key_pem),
    ] {
        if value.as_ref_option().is_some_and(|v| v.trim().is_empty()) {
            problems.push(problem(
                at(name),
                format!("{name} is empty; leave it out to use its environment variable"),
            ));
        }
    }
    problems
}

/// The flavour in use, with `NAC_FLAVOUR` as the fallback.
pub fn flavour(value: &Value<String>, env: &dyn Env, problems: &mut Vec<Problem>) -> Flavour {
    match value
        .as_ref_option()
        .cloned()
        .or_else(|| env.var(FLAVOUR_ENV))
    {
        None => Flavour::Nac,
        Some(raw) => Flavour::parse(&raw).unwrap_or_else(|message| {
            if value.is_null() {
                problems.push(problem(
                    AttributePath::new("flavour"),
                    format!("{FLAVOUR_ENV}: {message}"),
                ));
            }
            Flavour::Nac
        }),
    }
}

/// The OAuth2 settings of a CAMARA provider, with the environment as fallback. Every problem names
/// the attribute to set; none quotes a secret.
pub fn resolve(
    oauth: &Value<OAuthBlock>,
    env: &dyn Env,
    allow_insecure_http: bool,
    problems: &mut Vec<Problem>,
) -> Option<OAuthConfig> {
    let empty = OAuthBlock::default();
    let block = oauth.as_ref_option().unwrap_or(&empty);
    let text = |value: &Value<String>, var: &str| {
        value
            .as_ref_option()
            .cloned()
            .or_else(|| env.var(var))
            .filter(|v| !v.trim().is_empty())
    };
    let before = problems.len();
    let client_id = text(&block.client_id, CLIENT_ID_ENV);
    if client_id.is_none() {
        let path = if oauth.is_null() {
            AttributePath::new("flavour")
        } else {
            at("client_id")
        };
        problems.push(problem(
            path,
            format!(
                "flavour \"camara\" authenticates with OAuth2 client credentials: add an oauth block \
                 with client_id (or set {CLIENT_ID_ENV})"
            ),
        ));
    }
    let auth_name = block
        .client_auth
        .as_ref_option()
        .map_or("client_secret_basic", String::as_str);
    let client_auth = match auth_name {
        "private_key_jwt" => match text(&block.private_key_pem, PRIVATE_KEY_PEM_ENV) {
            Some(pem) => Some(ClientAuth::PrivateKeyJwt {
                private_key_pem: Secret(pem),
                key_id: text(&block.key_id, KEY_ID_ENV).unwrap_or_default(),
            }),
            None => {
                problems.push(problem(
                    at("private_key_pem"),
                    format!("client_auth \"private_key_jwt\" needs private_key_pem (or {PRIVATE_KEY_PEM_ENV})"),
                ));
                None
            }
        },
        name => match text(&block.client_secret, CLIENT_SECRET_ENV) {
            Some(secret) if name == "client_secret_post" => {
                Some(ClientAuth::SecretPost(Secret(secret)))
            }
            Some(secret) => Some(ClientAuth::SecretBasic(Secret(secret))),
            None => {
                problems.push(problem(
                    at("client_secret"),
                    format!("client_auth {name:?} needs client_secret (or {CLIENT_SECRET_ENV})"),
                ));
                None
            }
        },
    };
    let endpoint = match (
        text(&block.token_url, TOKEN_URL_ENV),
        text(&block.issuer, ISSUER_ENV),
    ) {
        (Some(url), _) => Some(TokenEndpoint::Url(url)),
        (None, Some(issuer)) => Some(TokenEndpoint::Issuer(issuer)),
        (None, None) => {
            problems.push(problem(
                at("token_url"),
                format!(
                    "say where to get tokens: token_url (the token endpoint) or issuer (discovered from \
                     its /.well-known/openid-configuration), or {TOKEN_URL_ENV} / {ISSUER_ENV}"
                ),
            ));
            None
        }
    };
    let scopes = block
        .scopes
        .as_ref_option()
        .map(|list| {
            list.iter()
                .filter_map(|s| s.as_ref_option().cloned())
                .collect()
        })
        .unwrap_or_default();
    if problems.len() > before {
        return None;
    }
    let config = OAuthConfig {
        client_id: client_id?,
        client_auth: client_auth?,
        endpoint: endpoint?,
        scopes,
    };
    if let Err((setting, message)) = config.check(allow_insecure_http) {
        problems.push(problem(at(setting), message));
        return None;
    }
    Some(config)
}

/// The settings for the log: the client id and how it authenticates, never a secret.
pub fn describe(config: &OAuthConfig) -> String {
    let endpoint = match &config.endpoint {
        TokenEndpoint::Url(url) => format!("token_url {url}"),
        TokenEndpoint::Issuer(url) => format!("issuer {url}"),
    };
    format!(
        "OAuth2 client {:?} by {}, {endpoint}",
        config.client_id,
        config.client_auth.name()
    )
}

#[cfg(test)]
mod tests {
    use super::super::config::test_env::env;
    use super::super::config::{resolve, ProviderConfig};
    use super::*;

    fn camara(oauth: OAuthBlock) -> ProviderConfig {
        ProviderConfig {
            flavour: Value::Value("camara".into()),
            base_url: Value::Value("https://api.operator.example".into()),
            oauth: Value::Value(oauth),
            ..Default::default()
        }
    }

    #[test]
    fn the_environment_fills_in_the_oauth_block() {
        let config = ProviderConfig {
            base_url: Value::Value("https://api.operator.example".into()),
            ..Default::default()
        };
        let vars = env(&[
            (FLAVOUR_ENV, "camara"),
            (CLIENT_ID_ENV, "app"),
            (CLIENT_SECRET_ENV, "s3cret-value"),
            (ISSUER_ENV, "https://auth.operator.example"),
            ("NAC_TOKEN", "ignored-with-camara"),
        ]);
        let client = resolve(&config, &vars).unwrap().client;
        let oauth = client.oauth.expect("oauth settings");
        assert_eq!(oauth.client_id, "app");
        assert!(matches!(oauth.client_auth, ClientAuth::SecretBasic(_)));
        assert_eq!(
            oauth.endpoint,
            TokenEndpoint::Issuer("https://auth.operator.example".into())
        );
        assert!(client.token.expose().is_empty());
        assert!(!format!("{oauth:?}").contains("s3cret-value"));
    }

    #[test]
    fn problems_name_the_oauth_setting() {
        let cases = [
            (
                camara(OAuthBlock {
                    client_id: Value::Value("app".into()),
                    client_auth: Value::Value("private_key_jwt".into()),
                    token_url: Value::Value("https://auth.operator.example/token".into()),
                    ..Default::default()
                }),
                "oauth[0].private_key_pem",
            ),
            (
                camara(OAuthBlock {
                    client_id: Value::Value("app".into()),
                    client_secret: Value::Value("s".into()),
                    ..Default::default()
                }),
                "oauth[0].token_url",
            ),
            (
                camara(OAuthBlock {
                    client_id: Value::Value("app".into()),
                    client_secret: Value::Value("s".into()),
                    token_url: Value::Value("http://auth.operator.example/token".into()),
                    ..Default::default()
                }),
                "oauth[0].token_url",
            ),
            (
                camara(OAuthBlock {
                    client_id: Value::Value("app".into()),
                    client_auth: Value::Value("tls_client_auth".into()),
                    ..Default::default()
                }),
                "oauth[0].client_auth",
            ),
            (
                ProviderConfig {
                    token: Value::Value("k".into()),
                    oauth: Value::Value(OAuthBlock::default()),
                    ..Default::default()
                },
                "flavour",
            ),
            (
                ProviderConfig {
                    flavour: Value::Value("tmf".into()),
                    ..Default::default()
                },
                "flavour",
            ),
        ];
        for (config, attribute) in cases {
            let problems = resolve(&config, &env(&[])).unwrap_err();
            assert!(
                problems.iter().any(|p| p.attribute() == attribute),
                "{attribute}: {problems:?}"
            );
        }
    }
}
