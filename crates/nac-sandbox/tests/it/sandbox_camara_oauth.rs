//! The CAMARA flavour's OAuth2 side (issue 19): discovery, the token endpoint (client credentials with
//! `client_secret_basic` and `client_secret_post`, RFC 6749 errors), tokens that expire, and the API
//! refusing requests without a token (401) or without the operation's scope (403); sessions private to
//! the client.

use std::time::Duration;

use nac_sandbox::{Flavour, OAuthClient, SandboxConfig};
use nac_testkit::admin::send_json;
use nac_testkit::api::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const SECRET: &str = "s3cret-of-app";

fn camara_config(lifetime: Duration) -> SandboxConfig {
    SandboxConfig {
        flavour: Flavour::Camara,
        oauth_clients: vec![
            format!("app:{SECRET}").parse::<OAuthClient>().unwrap(),
            format!("other:{SECRET}").parse().unwrap(),
            format!("reader:{SECRET}:quality-on-demand:sessions:read,qos-profiles:read")
                .parse()
                .unwrap(),
        ],
        token_lifetime: lifetime,
        ..config()
    }
}

async fn token_request(
    h: &Harness,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let mut request = h.http.post(h.url("/oauth2/token")).form(form);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let r = request.send().await.unwrap();
    let (status, headers) = (r.status(), r.headers().clone());
    (status, r.json().await.unwrap(), headers)
}

async fn token_of(h: &Harness, client: &str, scope: Option<&str>) -> String {
    let mut form = vec![("grant_type", "client_credentials")];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    let (status, body, _) = token_request(h, &form, Some((client, SECRET))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

async fn call(
    h: &Harness,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let mut request = h.http.request(method, h.qod(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    send_json(request, body).await
}

#[tokio::test]
async fn discovery_names_the_token_endpoint() {
    let h = start_with(camara_config(Duration::from_secs(3600))).await;
    let r = h
        .http
        .get(h.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["issuer"], h.url(""));
    assert_eq!(doc["token_endpoint"], h.url("/oauth2/token"));
    assert_eq!(doc["grant_types_supported"], json!(["client_credentials"]));
    assert_eq!(
        doc["token_endpoint_auth_methods_supported"],
        json!([
            "client_secret_basic",
            "client_secret_post",
            "private_key_jwt"
        ])
    );
    // The NaC flavour has none of it.
    let nac = start().await;
    let r = nac
        .http
        .post(nac.url("/oauth2/token"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_token_endpoint_follows_rfc_6749() {
    let h = start_with(camara_config(Duration::from_secs(3600))).await;
    let grant = [("grant_type", "client_credentials")];
    // client_secret_basic and client_secret_post.
    let (status, body, headers) = token_request(&h, &grant, Some(("app", SECRET))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"].as_str().unwrap().split(' ').count(), 6);
    assert_eq!(headers["cache-control"], "no-store");
    let posted = [
        ("grant_type", "client_credentials"),
        ("client_id", "app"),
        ("client_secret", SECRET),
        ("scope", "qos-profiles:read"),
    ];
    let (status, body, _) = token_request(&h, &posted, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "qos-profiles:read");
    // Errors.
    let (status, body, headers) = token_request(&h, &grant, Some(("app", "wrong"))).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    assert!(headers.contains_key("www-authenticate"));
    let (status, body, _) = token_request(&h, &grant, Some(("nobody", SECRET))).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let (status, body, _) = token_request(&h, &grant, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let (status, body, _) = token_request(&h, &posted, Some(("app", SECRET))).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let (status, body, _) =
        token_request(&h, &[("grant_type", "password")], Some(("app", SECRET))).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unsupported_grant_type"))
    );
    let asked = [
        ("grant_type", "client_credentials"),
        ("scope", "quality-on-demand:sessions:create"),
    ];
    let (status, body, _) = token_request(&h, &asked, Some(("reader", SECRET))).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_scope"))
    );
    assert!(!body.to_string().contains(SECRET));
}

#[tokio::test]
async fn the_api_needs_a_live_token_with_the_operations_scope() {
    let h = start_with(camara_config(Duration::from_secs(2))).await;
    let body = create_body("+3691000001");
    // No token, a made-up one: 401 UNAUTHENTICATED.
    for token in [None, Some("made-up")] {
        let (status, answer) = call(&h, Method::POST, "/sessions", token, Some(&body)).await;
        assert_camara_error(status, &answer, 401, "UNAUTHENTICATED");
    }
    // A token without the create scope: 403 naming it.
    let reader = token_of(&h, "reader", None).await;
    let (status, answer) = call(&h, Method::POST, "/sessions", Some(&reader), Some(&body)).await;
    assert_camara_error(status, &answer, 403, "PERMISSION_DENIED");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("quality-on-demand:sessions:create"),
        "{answer}"
    );
    // With it: created, readable; private to the client.
    let token = token_of(&h, "app", None).await;
    let (status, created) = call(&h, Method::POST, "/sessions", Some(&token), Some(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let path = format!("/sessions/{}", created["sessionId"].as_str().unwrap());
    let (status, _) = call(&h, Method::GET, &path, Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    let other = token_of(&h, "other", None).await;
    // Another client's session: CAMARA's 403 (see sandbox_camara_rules).
    let (status, answer) = call(&h, Method::GET, &path, Some(&other), None).await;
    assert_camara_error(status, &answer, 403, "PERMISSION_DENIED");
    let (status, answer) = call(&h, Method::DELETE, &path, Some(&reader), None).await;
    assert_camara_error(status, &answer, 403, "PERMISSION_DENIED");
    // The profiles API has its own scope, which the reader has.
    let r = h
        .http
        .get(h.url("/qos-profiles/v1/qos-profiles/QOS_L"))
        .bearer_auth(&reader)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Tokens expire.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (status, answer) = call(&h, Method::GET, &path, Some(&token), None).await;
    assert_camara_error(status, &answer, 401, "UNAUTHENTICATED");
}

#[test]
fn the_camara_flavour_needs_a_client() {
    let out = std::process::Command::new(nac_testkit::binary("nac-sandbox"))
        .args(["--listen", "127.0.0.1:0", "--flavour", "camara"])
        .env_remove("NAC_SANDBOX_OAUTH_CLIENTS")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--oauth-client"), "{stderr}");
    let out = std::process::Command::new(nac_testkit::binary("nac-sandbox"))
        .args(["--listen", "127.0.0.1:0", "--flavour", "tmf"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nac or camara"));
}

/// An EC P-256 key: its signing key and its public JWKS (one key, `kid` given).
fn ec_key(kid: &str) -> (jsonwebtoken::EncodingKey, Value) {
    use base64::Engine;
    let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let raw = pair.public_key_raw(); // 0x04 || X || Y
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let jwks = json!({"keys": [{
        "kty": "EC", "crv": "P-256", "kid": kid, "use": "sig", "alg": "ES256",
        "x": b64(&raw[1..33]), "y": b64(&raw[33..65]),
    }]});
    (
        jsonwebtoken::EncodingKey::from_ec_der(&pair.serialize_der()),
        jwks,
    )
}

fn assertion(key: &jsonwebtoken::EncodingKey, kid: &str, claims: &Value) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

#[tokio::test]
async fn private_key_jwt_is_verified_against_the_registered_keys() {
    let (key, jwks) = ec_key("k1");
    let (stranger, _) = ec_key("k1");
    let client = OAuthClient::with_jwks(&format!("jwt-app:{jwks}")).unwrap();
    let h = start_with(SandboxConfig {
        oauth_clients: vec![client],
        ..camara_config(Duration::from_secs(3600))
    })
    .await;
    let audience = h.url("/oauth2/token");
    let now = chrono::Utc::now().timestamp();
    let claims = |aud: &str, exp: i64| {
        json!({"iss": "jwt-app", "sub": "jwt-app", "aud": aud, "iat": now, "exp": exp,
               "jti": uuid::Uuid::new_v4().to_string()})
    };
    let post = |jwt: String| {
        let h = &h;
        async move {
            let form = [
                ("grant_type", "client_credentials"),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ),
                ("client_assertion", jwt.as_str()),
            ];
            token_request(h, &form, None).await
        }
    };
    let good = assertion(&key, "k1", &claims(&audience, now + 120));
    let (status, body, _) = post(good.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["access_token"].as_str().unwrap().to_owned();
    let (status, created) = call(
        &h,
        Method::POST,
        "/sessions",
        Some(&token),
        Some(&create_body("+3691000002")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");

    let hs256 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims(&audience, now + 120),
        &jsonwebtoken::EncodingKey::from_secret(b"guessable"),
    )
    .unwrap();
    for (why, jwt) in [
        ("a replay", good),
        (
            "another key",
            assertion(&stranger, "k1", &claims(&audience, now + 120)),
        ),
        (
            "an unknown kid",
            assertion(&key, "k2", &claims(&audience, now + 120)),
        ),
        (
            "another audience",
            assertion(
                &key,
                "k1",
                &claims("https://elsewhere.example/token", now + 120),
            ),
        ),
        (
            "expired",
            assertion(&key, "k1", &claims(&audience, now - 120)),
        ),
        (
            "living an hour",
            assertion(&key, "k1", &claims(&audience, now + 3600)),
        ),
        ("a shared secret", hs256),
    ] {
        let (status, body, _) = post(jwt).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_client")),
            "{why}: {body}"
        );
    }
}

#[tokio::test]
async fn the_binary_takes_a_jwks_file() {
    let (_, jwks) = ec_key("k1");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jwks.json");
    std::fs::write(&path, jwks.to_string()).unwrap();
    let client = format!("jwt-app:{}:qos-profiles:read", path.display());
    let (mut child, line) = nac_testkit::admin::spawn_binary(&[
        "--listen",
        "127.0.0.1:0",
        "--flavour",
        "camara",
        "--oauth-jwt-client",
        &client,
    ]);
    let url = nac_testkit::admin::listening_url(&line);
    let doc: Value = reqwest::get(format!("{url}/.well-known/openid-configuration"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(doc["token_endpoint_auth_methods_supported"]
        .as_array()
        .unwrap()
        .contains(&json!("private_key_jwt")));
    let out = std::process::Command::new(nac_testkit::binary("nac-sandbox"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--flavour",
            "camara",
            "--oauth-jwt-client",
            "jwt-app:/no/such/jwks.json",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the JWKS file"));
}
