//! Which API the sandbox answers as: Nokia's NaC (the RapidAPI gateway's `X-RapidAPI-Key`) or a CAMARA
//! operator (OAuth2 client credentials and scopes), and the OAuth2 clients a CAMARA sandbox knows.

use std::str::FromStr;

/// `--flavour`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Flavour {
    /// Nokia's Network as Code, unchanged for Nokia's SDKs.
    #[default]
    Nac,
    /// A CAMARA QualityOnDemand 1.1.0 operator: OAuth2 client credentials, scopes.
    Camara,
}

impl FromStr for Flavour {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "nac" => Ok(Self::Nac),
            "camara" => Ok(Self::Camara),
            other => Err(format!("{other:?} is not a flavour: nac or camara")),
        }
    }
}

/// The scopes of CAMARA's QoD and QoS Profiles APIs.
pub use nac_api::protocol::scope::ALL as ALL_SCOPES;

/// A registered OAuth2 client: with a secret (`--oauth-client ID:SECRET[:SCOPE,SCOPE...]`), or with public
/// keys for `private_key_jwt` (`--oauth-jwt-client ID:JWKS[:SCOPES]`); without scopes it may ask for all.
#[derive(Clone)]
pub struct OAuthClient {
    pub client_id: String,
    pub client_secret: Option<String>,
    pub jwks: Option<jsonwebtoken::jwk::JwkSet>,
    pub scopes: Vec<String>,
}

fn parse_scopes(list: Option<&str>) -> Result<Vec<String>, String> {
    let scopes: Vec<String> = match list {
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        None => ALL_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
    };
    if let Some(unknown) = scopes.iter().find(|s| !ALL_SCOPES.contains(&s.as_str())) {
        return Err(format!(
            "unknown scope {unknown:?}; the scopes are {}",
            ALL_SCOPES.join(", ")
        ));
    }
    Ok(scopes)
}

impl OAuthClient {
    /// `ID:JWKS[:SCOPE,SCOPE...]`, the JWKS inline (`{"keys": [...]}`) or the path of a file holding it.
    pub fn with_jwks(s: &str) -> Result<Self, String> {
        let (client_id, rest) = s
            .split_once(':')
            .filter(|(id, _)| !id.is_empty())
            .ok_or("expected CLIENT_ID:JWKS[:SCOPE,SCOPE...]")?;
        let (jwks, scopes) = if rest.trim_start().starts_with('{') {
            let mut stream =
                serde_json::Deserializer::from_str(rest).into_iter::<jsonwebtoken::jwk::JwkSet>();
            let jwks = stream
                .next()
                .ok_or("no JWKS")?
                .map_err(|e| format!("the inline JWKS is not one: {e}"))?;
            let tail = rest[stream.byte_offset()..].trim();
            (jwks, tail.strip_prefix(':'))
        } else {
            let (path, scopes) = match rest.split_once(':') {
                Some((path, scopes)) => (path, Some(scopes)),
                None => (rest, None),
            };
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the JWKS file {path}: {e}"))?;
            let jwks =
                serde_json::from_str(&text).map_err(|e| format!("{path} is not a JWKS: {e}"))?;
            (jwks, scopes)
        };
        Ok(Self {
            client_id: client_id.to_owned(),
            client_secret: None,
            jwks: Some(jwks),
            scopes: parse_scopes(scopes)?,
        })
    }
}

/// The secret is a credential: never shown.
impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClient")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("jwks", &self.jwks.as_ref().map(|j| j.keys.len()))
            .field("scopes", &self.scopes)
            .finish()
    }
}

impl FromStr for OAuthClient {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut parts = s.splitn(3, ':');
        let client_id = parts.next().unwrap_or_default().to_owned();
        let client_secret = parts.next().unwrap_or_default().to_owned();
        if client_id.is_empty() || client_secret.is_empty() {
            return Err("expected CLIENT_ID:CLIENT_SECRET[:SCOPE,SCOPE...]".into());
        }
        Ok(Self {
            client_id,
            client_secret: Some(client_secret),
            jwks: None,
            scopes: parse_scopes(parts.next())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_parse() {
        let c: OAuthClient = "app:s3cret:qos-profiles:read".parse().unwrap();
        assert_eq!(c.scopes, ["qos-profiles:read"]);
        let c: OAuthClient = "app:s3cret".parse().unwrap();
        assert_eq!(c.scopes.len(), ALL_SCOPES.len());
        assert!("app".parse::<OAuthClient>().is_err());
        assert!("app:s:nope".parse::<OAuthClient>().is_err());
        assert!(!format!("{c:?}").contains("s3cret"));
    }
}
