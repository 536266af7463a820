//! The client against the sandbox's camara flavour (issue 19): one token per client shared by
//! concurrent calls, renewed before it expires and once after a 401, CAMARA's 200 `[]` for a device
//! without sessions, and refusals that name the setting or the scope.

use std::time::Duration;

use nac_api::wire::Secret;
use nac_client::{ClientAuth, ClientConfig, NacClient, OAuthConfig, TokenEndpoint};
use nac_sandbox::{Flavour, OAuthClient, SandboxConfig};
use nac_testkit::admin::start_sandbox_with;
use nac_testkit::requests::{config, device, request};

const SECRET: &str = "client-camara-secret-91";

fn camara(lifetime: Duration) -> SandboxConfig {
    SandboxConfig {
        flavour: Flavour::Camara,
        oauth_clients: vec![
            format!("app:{SECRET}").parse::<OAuthClient>().unwrap(),
            format!("reader:{SECRET}:quality-on-demand:sessions:read")
                .parse()
                .unwrap(),
        ],
        token_lifetime: lifetime,
        ..nac_testkit::admin::ephemeral_config()
    }
}

fn oauth_config(base_url: &str, client_id: &str, secret: &str, scopes: &[&str]) -> ClientConfig {
    ClientConfig {
        oauth: Some(OAuthConfig {
            client_id: client_id.into(),
            client_auth: ClientAuth::SecretPost(Secret(secret.into())),
            endpoint: TokenEndpoint::Issuer(base_url.into()),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
        }),
        ..config(base_url)
    }
}

#[tokio::test]
async fn one_token_is_shared_renewed_before_expiry_and_after_a_401() {
    let mut sandbox = start_sandbox_with(camara(Duration::from_secs(2))).await;
    let client = NacClient::new(oauth_config(&sandbox.base_url, "app", SECRET, &[])).unwrap();

    // Concurrent first calls share one token request.
    let calls: Vec<_> = (0..8)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move { client.device_sessions(&device(n)).await })
        })
        .collect();
    for call in calls {
        // CAMARA answers 200 [] for a device without sessions.
        assert!(call.await.unwrap().unwrap().is_empty());
    }
    assert_eq!(client.stats().token_requests, 1);
    assert_eq!(sandbox.running.stats().oauth_tokens_issued, 1);

    let made = client.create_session(&request(1)).await.unwrap();
    assert!(client
        .get_session(&made.session_id)
        .await
        .unwrap()
        .is_some());
    assert_eq!(client.stats().token_requests, 1, "still the first token");

    // A 2 s token is replaced 1 s before it expires, without a 401 first.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(client
        .get_session(&made.session_id)
        .await
        .unwrap()
        .is_some());
    assert_eq!(client.stats().token_requests, 2);
    let stats = sandbox.running.stats();
    assert_eq!(stats.oauth_tokens_issued, 2);

    // The operator forgets every token (a restart): the next call is refused 401, fetches a new
    // token and succeeds, with one more request than usual.
    let mut restarted = camara(Duration::from_secs(3600));
    restarted.listen = sandbox.running.addr();
    sandbox.running.shutdown().await;
    sandbox = start_sandbox_with(restarted).await;
    let before = client.stats().requests;
    assert!(client.device_sessions(&device(1)).await.unwrap().is_empty());
    assert_eq!(client.stats().token_requests, 3);
    assert_eq!(sandbox.running.stats().oauth_tokens_issued, 1);
    assert_eq!(sandbox.running.stats().requests, 2, "the 401 and the retry");
    assert_eq!(client.stats().requests, before + 1, "one call");
    sandbox.running.shutdown().await;
}

#[tokio::test]
async fn refusals_name_the_setting_or_the_scope() {
    let sandbox = start_sandbox_with(camara(Duration::from_secs(3600))).await;

    let wrong = NacClient::new(oauth_config(
        &sandbox.base_url,
        "app",
        "wrong-secret-x",
        &[],
    ))
    .unwrap();
    let err = wrong.device_sessions(&device(1)).await.unwrap_err();
    let text = err.to_string();
    assert!(err.is_credentials(), "{text}");
    assert!(
        text.contains("invalid_client") && text.contains("client_secret"),
        "{text}"
    );
    assert!(!text.contains("wrong-secret-x"), "{text}");
    assert_eq!(
        sandbox.running.stats().requests,
        0,
        "nothing reached the API"
    );

    // The default scopes include some the reader may not have: the token endpoint names one.
    let reader = NacClient::new(oauth_config(&sandbox.base_url, "reader", SECRET, &[])).unwrap();
    let text = reader.get_session("x").await.unwrap_err().to_string();
    assert!(
        text.contains("invalid_scope") && text.contains("oauth.scopes"),
        "{text}"
    );

    // Asking for what it has: reads work, a create is refused with the scope named.
    let reader = NacClient::new(oauth_config(
        &sandbox.base_url,
        "reader",
        SECRET,
        &["quality-on-demand:sessions:read"],
    ))
    .unwrap();
    assert!(reader
        .get_session("00000000-0000-0000-0000-000000000000")
        .await
        .unwrap()
        .is_none());
    let err = reader.create_session(&request(2)).await.unwrap_err();
    assert_eq!(err.status(), Some(403));
    let text = err.to_string();
    assert!(
        text.contains("scope quality-on-demand:sessions:create"),
        "{text}"
    );

    // A key that cannot sign is refused before anything is sent.
    let bad_key = ClientConfig {
        oauth: Some(OAuthConfig {
            client_id: "app".into(),
            client_auth: ClientAuth::PrivateKeyJwt {
                private_key_pem: Secret(
                    "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".into(),
                ),
                key_id: "k1".into(),
            },
            endpoint: TokenEndpoint::Url(format!("{}/oauth2/token", sandbox.base_url)),
            scopes: Vec::new(),
        }),
        ..config(&sandbox.base_url)
    };
    let err = NacClient::new(bad_key).unwrap_err().to_string();
    assert!(err.contains("private_key_pem"), "{err}");
    assert!(!err.contains("AAAA"), "{err}");
}

#[tokio::test]
async fn an_extension_the_operator_refuses_is_told_apart() {
    let sandbox = start_sandbox_with(SandboxConfig {
        // Sessions stay REQUESTED, which CAMARA does not let be extended.
        activation_delay: Duration::from_secs(3600),
        ..camara(Duration::from_secs(3600))
    })
    .await;
    let client = NacClient::new(oauth_config(&sandbox.base_url, "app", SECRET, &[])).unwrap();
    let made = client.create_session(&request(3)).await.unwrap();
    let err = client
        .extend_session(&made.session_id, 60)
        .await
        .unwrap_err();
    assert!(err.is_extension_not_allowed() && err.is_conflict(), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("HTTP 409 QUALITY_ON_DEMAND.SESSION_EXTENSION_NOT_ALLOWED")
            && text.contains("does not allow this session to be extended"),
        "{text}"
    );
}

/// RFC 6749 §2.3.1: `client_secret_basic` form-urlencodes the id and secret before base64, so a secret
/// with `+`, `/`, `%` or a space still matches what the operator registered.
#[tokio::test]
async fn basic_authentication_encodes_the_secret() {
    let secret = "p+w/d%20 x&y=z";
    let sandbox = start_sandbox_with(SandboxConfig {
        oauth_clients: vec![format!("odd app:{secret}").parse::<OAuthClient>().unwrap()],
        ..camara(Duration::from_secs(3600))
    })
    .await;
    let config = ClientConfig {
        oauth: Some(OAuthConfig {
            client_id: "odd app".into(),
            client_auth: ClientAuth::SecretBasic(Secret(secret.into())),
            endpoint: TokenEndpoint::Url(format!("{}/oauth2/token", sandbox.base_url)),
            scopes: Vec::new(),
        }),
        ..config(&sandbox.base_url)
    };
    let client = NacClient::new(config).unwrap();
    assert!(client.device_sessions(&device(4)).await.unwrap().is_empty());
    assert_eq!(client.stats().token_requests, 1);
}
