//! TLS is verified: an https server with a certificate no trusted root signed is refused at once, with an
//! error that says so, while the same server is reachable by a client that trusts its certificate.

use std::sync::Arc;

use nac_client::ApiError;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;

/// An https server on 127.0.0.1 with a fresh self-signed certificate for `localhost`; every request is
/// answered with a 404 in the API's words. Returns the port and the certificate (PEM).
async fn self_signed_server() -> (u16, String) {
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert_pem = key.cert.pem();
    let cert = key.cert.der().clone();
    let private = rustls::pki_types::PrivateKeyDer::try_from(key.key_pair.serialize_der()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], private)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                let mut buf = vec![0; 16 * 1024];
                let _ = tls.read(&mut buf).await;
                let body = r#"{"status":404,"code":"NOT_FOUND","message":"no such session"}"#;
                let reply = format!(
                    "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(reply.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, cert_pem)
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused_clearly_and_not_retried() {
    let (port, cert_pem) = self_signed_server().await;
    let base_url = format!("https://localhost:{port}");

    // The server itself works for a client that trusts its certificate…
    let trusting = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let status = trusting
        .get(format!("{base_url}/quality-on-demand/v1/sessions/x"))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 404);

    // …and the NaC client, which trusts only real roots, refuses it without retrying.
    let client = nac_testkit::requests::client(&base_url);
    let err = client.get_session("x").await.unwrap_err();
    let text = err.to_string();
    println!("{text}");
    assert!(matches!(err, ApiError::Connection { .. }), "{text}");
    assert!(
        text.starts_with(&format!(
            "get session x: TLS handshake with localhost:{port} failed"
        )),
        "{text}"
    );
    assert!(text.to_ascii_lowercase().contains("certificate"), "{text}");
    assert!(text.contains("(after 1 attempt"), "{text}");
    assert_eq!(client.stats().requests, 1);

    // A create is not sent either, and nothing is looked up.
    let err = client
        .create_session(&nac_testkit::requests::request(1))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("TLS handshake"), "{err}");
    assert_eq!(client.stats().ambiguous, 0);
}
