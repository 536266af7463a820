//! How the client authenticates to a CAMARA operator: OAuth2 client credentials (RFC 6749 §4.4) with the
//! client authenticated by `client_secret_basic`, `client_secret_post` or `private_key_jwt` (RFC 7523),
//! as CAMARA's Security and Interoperability profile asks.

use nac_api::protocol::scope;
use nac_api::wire::Secret;

use super::error::Operation;

/// The scopes the provider's calls need (QoD 1.1.0 and QoS Profiles), asked for by default.
pub const DEFAULT_SCOPES: [&str; 6] = scope::ALL;

/// The scope CAMARA requires for an operation (QoD, or QoS Profiles).
pub fn scope_for(operation: Operation) -> &'static str {
    match operation {
        Operation::Create => scope::SESSIONS_CREATE,
        Operation::Get => scope::SESSIONS_READ,
        Operation::Delete => scope::SESSIONS_DELETE,
        Operation::Extend => scope::SESSIONS_UPDATE,
        Operation::RetrieveSessions => scope::SESSIONS_RETRIEVE_BY_DEVICE,
        Operation::RetrieveQosProfiles | Operation::GetQosProfile => scope::QOS_PROFILES_READ,
    }
}

/// How the client proves who it is to the token endpoint.
#[derive(Clone)]
pub enum ClientAuth {
    /// `Authorization: Basic` with the form-urlencoded id and secret (RFC 6749 §2.3.1).
    SecretBasic(Secret),
    /// `client_id` and `client_secret` in the form body.
    SecretPost(Secret),
    /// A JWT signed with the client's private key (RS256 for RSA keys, ES256 for P-256 keys).
    PrivateKeyJwt {
        private_key_pem: Secret,
        key_id: String,
    },
}

impl ClientAuth {
    pub const NAMES: [&'static str; 3] = [
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Self::SecretBasic(_) => "client_secret_basic",
            Self::SecretPost(_) => "client_secret_post",
            Self::PrivateKeyJwt { .. } => "private_key_jwt",
        }
    }

    /// The secret material, for the redactor.
    pub(crate) fn secret(&self) -> &str {
        match self {
            Self::SecretBasic(s) | Self::SecretPost(s) => s.expose(),
            Self::PrivateKeyJwt {
                private_key_pem, ..
            } => private_key_pem.expose(),
        }
    }
}

impl std::fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::PrivateKeyJwt { key_id, .. } => write!(f, "private_key_jwt(kid {key_id:?})"),
            other => f.write_str(other.name()),
        }
    }
}

/// Where the token endpoint is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenEndpoint {
    /// The token endpoint itself.
    Url(String),
    /// An OpenID issuer: the token endpoint is read from `<issuer>/.well-known/openid-configuration`.
    Issuer(String),
}

/// OAuth2 client credentials for a CAMARA operator.
#[derive(Debug, Clone)]
pub struct OAuthConfig {
    pub client_id: String,
    pub client_auth: ClientAuth,
    pub endpoint: TokenEndpoint,
    /// Scopes to ask for; empty asks for [`DEFAULT_SCOPES`].
    pub scopes: Vec<String>,
}

impl OAuthConfig {
    /// Checks the settings without sending anything: the URLs (https, or http to this machine unless
    /// `allow_insecure_http`), the secret, and that the private key can sign. On error, the setting to
    /// change (`client_id`, `client_secret`, `private_key_pem`, `token_url` or `issuer`) and why; the
    /// message never quotes a secret.
    pub fn check(&self, allow_insecure_http: bool) -> Result<(), (&'static str, String)> {
        super::token_source::check(self, allow_insecure_http).map(drop)
    }

    /// The scopes asked for, space-separated (RFC 6749 §3.3).
    pub fn scope_parameter(&self) -> String {
        if self.scopes.is_empty() {
            DEFAULT_SCOPES.join(" ")
        } else {
            self.scopes.join(" ")
        }
    }
}
