//! `private_key_jwt` client assertions (RFC 7523 §2.2, OpenID Connect Core §9): a JWT with `iss` and `sub`
//! the client id, `aud` the token endpoint, a unique `jti`, and a short life (CAMARA: at most 300 s),
//! signed by the `jsonwebtoken` crate with the client's private key.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

/// How long an assertion is valid: well under CAMARA's 300 s ceiling, long enough for clock skew.
pub const ASSERTION_LIFETIME_SECS: i64 = 120;

/// The client's signing key and the algorithm it implies.
#[derive(Clone)]
pub(crate) struct Signer {
    key: EncodingKey,
    algorithm: Algorithm,
    key_id: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("algorithm", &self.algorithm)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
    jti: String,
}

impl Signer {
    /// An EC P-256 key (PKCS#8 PEM) signs with ES256, an RSA key (PKCS#1 or PKCS#8 PEM) with RS256. The
    /// key is tried once here so that a key that cannot sign fails when the provider is configured.
    /// Errors never quote the key.
    pub fn from_pem(pem: &str, key_id: &str) -> Result<Self, String> {
        let (key, algorithm) = if let Ok(key) = EncodingKey::from_ec_pem(pem.as_bytes()) {
            (key, Algorithm::ES256)
        } else if let Ok(key) = EncodingKey::from_rsa_pem(pem.as_bytes()) {
            (key, Algorithm::RS256)
        } else {
            return Err(
                "private_key_pem is not a PEM private key this provider can sign with: give an EC P-256 \
                 key in PKCS#8 (`-----BEGIN PRIVATE KEY-----`) or an RSA key (PKCS#1 or PKCS#8)"
                    .into(),
            );
        };
        let signer = Self {
            key,
            algorithm,
            key_id: key_id.to_owned(),
        };
        signer.sign("probe", "probe").map_err(|_| {
            "private_key_pem cannot sign: an EC key must be on the P-256 curve (ES256); RSA keys sign \
             with RS256"
                .to_owned()
        })?;
        Ok(signer)
    }

    /// A fresh assertion for `client_id` towards `audience` (the token endpoint).
    pub fn sign(&self, client_id: &str, audience: &str) -> Result<String, String> {
        let now = chrono::Utc::now().timestamp();
        let mut header = Header::new(self.algorithm);
        if !self.key_id.is_empty() {
            header.kid = Some(self.key_id.clone());
        }
        let claims = Claims {
            iss: client_id,
            sub: client_id,
            aud: audience,
            iat: now,
            exp: now + ASSERTION_LIFETIME_SECS,
            jti: uuid::Uuid::new_v4().to_string(),
        };
        jsonwebtoken::encode(&header, &claims, &self.key)
            .map_err(|e| format!("cannot sign the client assertion: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use jsonwebtoken::{decode, decode_header, DecodingKey, Validation};

    use super::*;

    #[derive(serde::Deserialize)]
    struct Read {
        iss: String,
        sub: String,
        aud: String,
        iat: i64,
        exp: i64,
        jti: String,
    }

    #[test]
    fn assertions_are_short_lived_unique_and_verify_with_the_public_key() {
        let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let raw = pair.public_key_raw();
        let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        let public =
            DecodingKey::from_ec_components(&b64(&raw[1..33]), &b64(&raw[33..65])).unwrap();
        let signer = Signer::from_pem(&pair.serialize_pem(), "k1").unwrap();
        let audience = "https://auth.example/oauth2/token";
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_audience(&[audience]);
        let read = |jwt: &str| decode::<Read>(jwt, &public, &validation).unwrap().claims;

        let (one, two) = (
            signer.sign("app", audience).unwrap(),
            signer.sign("app", audience).unwrap(),
        );
        assert_eq!(decode_header(&one).unwrap().kid.as_deref(), Some("k1"));
        let (a, b) = (read(&one), read(&two));
        assert_eq!(
            (a.iss.as_str(), a.sub.as_str(), a.aud.as_str()),
            ("app", "app", audience)
        );
        assert!(a.exp - a.iat > 0 && a.exp - a.iat <= 300);
        assert_ne!(a.jti, b.jti);

        let err = Signer::from_pem(
            "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n",
            "",
        )
        .unwrap_err();
        assert!(
            err.contains("private_key_pem") && !err.contains("c2VjcmV0"),
            "{err}"
        );
    }

    /// A test-only RSA key (tests/fixtures, made with `openssl genrsa`), as PKCS#1 and PKCS#8.
    #[test]
    fn rsa_keys_sign_rs256() {
        let public =
            DecodingKey::from_rsa_pem(include_bytes!("../tests/fixtures/rsa-test-pub.pem"))
                .unwrap();
        for pem in [
            include_str!("../tests/fixtures/rsa-test-key.pem"),
            include_str!("../tests/fixtures/rsa-test-key-pkcs8.pem"),
        ] {
            let signer = Signer::from_pem(pem, "rsa-1").unwrap();
            let jwt = signer.sign("app", "https://auth.example/token").unwrap();
            assert_eq!(decode_header(&jwt).unwrap().alg, Algorithm::RS256);
            let mut validation = Validation::new(Algorithm::RS256);
            validation.set_audience(&["https://auth.example/token"]);
            assert_eq!(
                decode::<Read>(&jwt, &public, &validation)
                    .unwrap()
                    .claims
                    .sub,
                "app"
            );
        }
    }
}
