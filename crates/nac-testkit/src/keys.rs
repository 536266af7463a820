//! Keys for the OAuth2 `private_key_jwt` tests: a client's private key and the JWKS the sandbox
//! registers for it.

use base64::Engine;

/// An EC P-256 key: its PKCS#8 PEM and its public JWKS (kid `k1`, ES256).
pub fn ec_key() -> (String, String) {
    let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("a P-256 key");
    let raw = pair.public_key_raw(); // 0x04 || X || Y
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let jwks = format!(
        r#"{{"keys":[{{"kty":"EC","crv":"P-256","kid":"k1","use":"sig","alg":"ES256","x":"{}","y":"{}"}}]}}"#,
        b64(&raw[1..33]),
        b64(&raw[33..65])
    );
    (pair.serialize_pem(), jwks)
}
