//! The plugin binary as a local attacker sees it: launched as Terraform launches it (go-plugin's
//! `PLUGIN_CLIENT_CERT`), it refuses TLS connections without that client certificate or with another
//! one, and serves gRPC (HTTP/2) to a client that holds it. Without `PLUGIN_CLIENT_CERT` it does not
//! start at all. `--version` and `--help` answer without waiting for a handshake.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use tokio_rustls::rustls::{DigitallySignedStruct, SignatureScheme};

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-nac");
const MAGIC_COOKIE: (&str, &str) = (
    "TF_PLUGIN_MAGIC_COOKIE",
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
);

struct Plugin {
    child: Child,
    addr: String,
    server_cert: Vec<u8>,
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the provider as Terraform does, with `client_cert_pem` as `PLUGIN_CLIENT_CERT`.
fn launch(client_cert_pem: &str) -> Plugin {
    let mut child = Command::new(PROVIDER)
        .env(MAGIC_COOKIE.0, MAGIC_COOKIE.1)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .env("PLUGIN_CLIENT_CERT", client_cert_pem)
        .env_remove("TF_PROVIDER_INSECURE_NO_MTLS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the provider");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    // 1|6|tcp|127.0.0.1:PORT|grpc|BASE64(DER of the server certificate)
    let parts: Vec<&str> = line.trim().split('|').collect();
    assert_eq!(parts.len(), 6, "handshake line {line:?}");
    assert_eq!(&parts[..3], ["1", "6", "tcp"], "{line:?}");
    let server_cert = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(parts[5])
        .expect("the server certificate in the handshake line");
    assert!(!server_cert.is_empty(), "no server certificate: {line:?}");
    Plugin {
        child,
        addr: parts[3].to_string(),
        server_cert,
    }
}

/// A self-signed certificate like go-plugin's (a CA used as its own leaf), with its key.
fn client_identity() -> (String, CertificateDer<'static>, PrivateKeyDer<'static>) {
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let private = PrivateKeyDer::try_from(key.serialize_der()).unwrap();
    (cert.pem(), cert.der().clone(), private)
}

/// Trusts exactly the certificate of the handshake line, as go-plugin's client does.
#[derive(Debug)]
struct PinnedServer(Vec<u8>);

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        assert_eq!(
            end_entity.as_ref(),
            self.0.as_slice(),
            "the announced server certificate"
        );
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = rustls::crypto::ring::default_provider().signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(m, c, d, &algs)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = rustls::crypto::ring::default_provider().signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(m, c, d, &algs)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        rustls::crypto::ring::default_provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// What the server answers to the HTTP/2 client preface over TLS: `Ok(bytes)` when it serves (its
/// SETTINGS frame), `Err` when the TLS handshake or the first read is refused.
async fn speak_h2(
    plugin: &Plugin,
    identity: Option<(CertificateDer<'static>, PrivateKeyDer<'static>)>,
) -> Result<Vec<u8>, String> {
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .dangerous()
    .with_custom_certificate_verifier(Arc::new(PinnedServer(plugin.server_cert.clone())));
    let mut config = match identity {
        Some((cert, key)) => builder.with_client_auth_cert(vec![cert], key).unwrap(),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(&plugin.addr)
        .await
        .map_err(|e| e.to_string())?;
    let name = ServerName::try_from("localhost").unwrap();
    let mut tls = connector
        .connect(name, tcp)
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    // TLS 1.3: the server judges the client's certificate after the client's handshake is done, so
    // its verdict shows on the first read.
    tls.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
        .await
        .map_err(|e| format!("write: {e}"))?;
    let mut buf = vec![0; 64];
    match tokio::time::timeout(Duration::from_secs(10), tls.read(&mut buf)).await {
        Err(_) => Err("no answer in 10 s".into()),
        Ok(Err(e)) => Err(format!("read: {e}")),
        Ok(Ok(0)) => Err("closed".into()),
        Ok(Ok(n)) => Ok(buf[..n].to_vec()),
    }
}

#[tokio::test]
async fn connections_without_terraforms_client_certificate_are_refused() {
    let (pem, cert, key) = client_identity();
    let plugin = launch(&pem);

    let anonymous = speak_h2(&plugin, None).await;
    assert!(
        anonymous.is_err(),
        "served without a client certificate: {anonymous:?}"
    );
    let (_, other_cert, other_key) = client_identity();
    let impostor = speak_h2(&plugin, Some((other_cert, other_key))).await;
    assert!(
        impostor.is_err(),
        "served another client certificate: {impostor:?}"
    );

    // The holder of PLUGIN_CLIENT_CERT is served: the server's HTTP/2 SETTINGS frame (type 4).
    let served = speak_h2(&plugin, Some((cert, key)))
        .await
        .expect("Terraform's certificate is accepted");
    assert!(
        served.len() >= 9 && served[3] == 4,
        "not an HTTP/2 SETTINGS frame: {served:?}"
    );
}

#[test]
fn without_plugin_client_cert_the_plugin_does_not_start() {
    let out = Command::new(PROVIDER)
        .env(MAGIC_COOKIE.0, MAGIC_COOKIE.1)
        .env_remove("PLUGIN_CLIENT_CERT")
        .env_remove("TF_PROVIDER_INSECURE_NO_MTLS")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        out.stdout.is_empty(),
        "printed a handshake line: {:?}",
        out.stdout
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("PLUGIN_CLIENT_CERT") && stderr.contains("TF_PROVIDER_INSECURE_NO_MTLS"),
        "{stderr}"
    );
}

#[test]
fn version_and_help_answer_at_once() {
    for (arg, want) in [
        (
            "--version",
            format!("terraform-provider-nac {}\n", env!("CARGO_PKG_VERSION")),
        ),
        ("--help", "Usage: terraform-provider-nac".to_string()),
    ] {
        let started = Instant::now();
        let out = Command::new(PROVIDER)
            .arg(arg)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success(), "{arg}: {out:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains(&want), "{arg}: {stdout}");
        assert!(started.elapsed() < Duration::from_secs(5), "{arg} waited");
    }
    let out = Command::new(PROVIDER).arg("--bogus").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
