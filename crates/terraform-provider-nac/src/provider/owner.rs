//! Which credentials made or imported a session, recorded beside the state as a fingerprint: sessions
//! are private to the API key that made them, so under another key the API's "not found" says nothing
//! about whether the session is gone.

use sha2::{Digest, Sha256};

use nac_client::ClientConfig;

/// A non-reversible fingerprint of the credentials in use: the first 16 hex digits of the SHA-256 of
/// the API key and the NaC environment. Equal credentials give equal fingerprints; the key cannot be
/// read back. Not the `base_url`: a proxy or another spelling of the same API root is not another
/// owner, and NaC's environments already differ by name.
///
/// With a CAMARA operator, sessions are private to the OAuth2 client: the fingerprint is of the client
/// id and where its tokens come from.
pub fn fingerprint(config: &ClientConfig) -> String {
    let mut hash = Sha256::new();
    if let Some(oauth) = &config.oauth {
        hash.update(b"camara-owner-v1\n");
        hash.update(oauth.client_id.as_bytes());
        hash.update(b"\n");
        hash.update(format!("{:?}", oauth.endpoint).as_bytes());
    } else {
        hash.update(b"nac-owner-v1\n");
        hash.update(config.token.expose().as_bytes());
        hash.update(b"\n");
        hash.update(config.environment.to_string().as_bytes());
    }
    hash.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The error for a session the API says it does not know while it was made under other credentials.
pub fn not_found_under_other_credentials(id: &str, recorded: &str, current: &str) -> String {
    format!(
        "The API answers that session {id} does not exist, but it was created or imported with other \
         credentials (owner fingerprint {recorded}; the token and environment in use now have fingerprint \
         {current}). Sessions are private to the API key that made them, so this answer does not mean it \
         is gone, and nothing is removed. Use the token (and environment) that made it, or, if the session is \
         really no longer yours, forget it with `terraform state rm nac_qod_session.<NAME>`."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use nac_client::Environment;

    #[test]
    fn fingerprints_tell_credentials_apart_and_hide_the_key() {
        let a = ClientConfig::new(Environment::Prod, "secret-key-a")
            .with_base_url("http://127.0.0.1:1");
        let b = ClientConfig::new(Environment::Prod, "secret-key-b")
            .with_base_url("http://127.0.0.1:1");
        let a_proxied = ClientConfig::new(Environment::Prod, "secret-key-a")
            .with_base_url("http://127.0.0.1:2");
        let a_staging = ClientConfig::new(Environment::Staging, "secret-key-a");
        assert_eq!(fingerprint(&a), fingerprint(&a.clone()));
        assert_ne!(fingerprint(&a), fingerprint(&b));
        assert_eq!(fingerprint(&a), fingerprint(&a_proxied));
        assert_ne!(fingerprint(&a), fingerprint(&a_staging));
        assert_eq!(fingerprint(&a).len(), 16);
        assert!(!fingerprint(&a).contains("secret"));
    }
}
