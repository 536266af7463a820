//! `private_key_jwt` client authentication (RFC 7523, OpenID Connect Core §9) for the camara flavour's
//! token endpoint, as CAMARA's Security and Interoperability profile asks: a JWT signed with the client's
//! private key (asymmetric algorithms only), verified against the client's registered JWKS, with `iss`
//! and `sub` the client id, `aud` the token endpoint (or the issuer), an `exp` at most 300 s ahead, and a
//! `jti` never seen before (replays are refused).

use std::collections::HashMap;
use std::sync::Mutex;

use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::flavour::OAuthClient;

/// `client_assertion_type` of a JWT bearer assertion.
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The longest an assertion may live (CAMARA: at most 300 s).
const MAX_LIFETIME_SECS: i64 = 300;
/// Clock skew allowed on `exp` / `iat`.
const LEEWAY_SECS: u64 = 30;

#[derive(Debug, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    exp: i64,
    #[serde(default)]
    iat: Option<i64>,
    jti: Option<String>,
}

/// `jti`s seen, with their `exp`, so an assertion is used once.
#[derive(Debug, Default)]
pub(crate) struct SeenAssertions(Mutex<HashMap<String, i64>>);

impl SeenAssertions {
    fn first_use(&self, client: &str, jti: &str, exp: i64, now: i64) -> bool {
        let mut seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
        seen.retain(|_, exp| *exp + LEEWAY_SECS as i64 >= now);
        seen.insert(format!("{client}\u{0}{jti}"), exp).is_none()
    }
}

/// The client an assertion authenticates, or why not (for the log; the client is told only
/// `invalid_client`).
pub(crate) fn verify<'a>(
    assertion: &str,
    client_id: Option<&str>,
    clients: &'a [OAuthClient],
    audiences: &[String],
    seen: &SeenAssertions,
) -> Result<&'a OAuthClient, String> {
    let header = decode_header(assertion).map_err(|e| format!("not a JWT: {e}"))?;
    if matches!(
        header.alg,
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
    ) {
        return Err(
            "a shared-secret algorithm; private_key_jwt needs the client's private key".into(),
        );
    }
    // Which client: the posted client_id, else the (still unverified) issuer.
    let claimed = match client_id {
        Some(id) => id.to_owned(),
        None => {
            let mut peek = Validation::new(header.alg);
            peek.insecure_disable_signature_validation();
            peek.validate_exp = false;
            peek.validate_aud = false;
            peek.required_spec_claims.clear();
            decode::<Claims>(assertion, &DecodingKey::from_secret(&[]), &peek)
                .map_err(|e| format!("unreadable claims: {e}"))?
                .claims
                .iss
        }
    };
    let client = clients
        .iter()
        .find(|c| c.client_id == claimed)
        .ok_or_else(|| format!("no client {claimed:?}"))?;
    let jwks = client
        .jwks
        .as_ref()
        .ok_or_else(|| format!("client {claimed:?} has no registered keys"))?;
    let jwk = match header.kid.as_deref() {
        Some(kid) => jwks.find(kid),
        None if jwks.keys.len() == 1 => jwks.keys.first(),
        None => None,
    }
    .ok_or_else(|| {
        format!(
            "no registered key of {claimed:?} matches kid {:?}",
            header.kid
        )
    })?;
    let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("unusable registered key: {e}"))?;
    let mut validation = Validation::new(header.alg);
    validation.leeway = LEEWAY_SECS;
    validation.set_audience(audiences);
    validation.set_issuer(&[&claimed]);
    validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
    let claims = decode::<Claims>(assertion, &key, &validation)
        .map_err(|e| format!("assertion refused: {e}"))?
        .claims;
    if claims.sub != claimed || claims.iss != claimed {
        return Err("iss and sub must both be the client id".into());
    }
    let now = chrono::Utc::now().timestamp();
    let issued = claims.iat.unwrap_or(now);
    if claims.exp - issued.min(now) > MAX_LIFETIME_SECS + LEEWAY_SECS as i64 {
        return Err(format!("lives longer than {MAX_LIFETIME_SECS} s"));
    }
    let jti = claims.jti.ok_or("no jti")?;
    if !seen.first_use(&claimed, &jti, claims.exp, now) {
        return Err("jti already used (a replay)".into());
    }
    Ok(client)
}
