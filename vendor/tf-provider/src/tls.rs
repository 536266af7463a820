// This file is part of the tf-provider project
//
// Licensed under the Apache License, Version 2.0 (the "License")
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

//! Mutual TLS as go-plugin expects it: Terraform passes its client certificate in `PLUGIN_CLIENT_CERT`,
//! the plugin answers with a fresh self-signed server certificate in its handshake line, and every
//! connection must present exactly that client certificate (and prove it holds its key).

use std::sync::Arc;

use anyhow::{anyhow, Context, Result};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::UnixTime;
use rustls::pki_types::{
    alg_id, AlgorithmIdentifier, CertificateDer, InvalidSignature, PrivateKeyDer,
    SignatureVerificationAlgorithm,
};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, RootCertStore, ServerConfig,
    SignatureScheme,
};
use time::ext::NumericalDuration;

/// The TLS configuration of the gRPC server, and the server certificate (DER) for the handshake line.
pub(crate) struct ServerTls {
    pub(crate) config: Arc<ServerConfig>,
    pub(crate) cert: Vec<u8>,
}

impl ServerTls {
    /// A server that requires the client certificate(s) of `client_cert_pem`.
    pub(crate) fn new(client_cert_pem: &str) -> Result<Self> {
        let provider = Arc::new(provider_with_p521());

        let verifier = Arc::new(PinnedClientCert::new(
            client_cert_pem,
            provider.signature_verification_algorithms,
        )?);
        let (cert, key) = server_certificate()?;
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_client_cert_verifier(verifier)
            .with_single_cert(vec![CertificateDer::from(cert.clone())], key)?;
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(Self {
            config: Arc::new(config),
            cert,
        })
    }
}

/// Accepts exactly the certificate(s) Terraform passed, as go-plugin's Go servers do. Not a WebPKI
/// chain check: go-plugin's certificate is a self-signed CA used as its own leaf, which webpki refuses
/// (`CaUsedAsEndEntity`). The client still proves it holds the key (the handshake signature).
#[derive(Debug)]
struct PinnedClientCert {
    certs: Vec<CertificateDer<'static>>,
    subjects: Vec<DistinguishedName>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedClientCert {
    fn new(pem: &str, algorithms: WebPkiSupportedAlgorithms) -> Result<Self> {
        let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .context("PLUGIN_CLIENT_CERT is not a PEM certificate")?;
        if certs.is_empty() {
            return Err(anyhow!("PLUGIN_CLIENT_CERT holds no certificate"));
        }
        // The subjects sent as acceptable CAs: Go's client only offers a certificate they name.
        let mut roots = RootCertStore::empty();
        for cert in &certs {
            roots
                .add(cert.clone())
                .context("PLUGIN_CLIENT_CERT is not a usable certificate")?;
        }
        Ok(Self {
            certs,
            subjects: roots.subjects(),
            algorithms,
        })
    }
}

impl ClientCertVerifier for PinnedClientCert {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.subjects
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if self.certs.iter().any(|c| c.as_ref() == end_entity.as_ref()) {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A self-signed P-256 certificate for `localhost`, as go-plugin's own servers make (P-256 costs a
/// tenth of P-384 to generate, and one is generated per plugin launch).
fn server_certificate() -> Result<(Vec<u8>, PrivateKeyDer<'static>)> {
    let mut cp = rcgen::CertificateParams::new(["localhost".to_string()])?;
    cp.not_before = time::OffsetDateTime::now_utc().saturating_sub(30.seconds());
    cp.not_after = time::OffsetDateTime::now_utc().saturating_add((30 * 365).days());
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::OrganizationName, "Hashicorp");
    dn.push(rcgen::DnType::CommonName, "localhost");
    cp.distinguished_name = dn;
    cp.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    cp.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyEncipherment,
        rcgen::KeyUsagePurpose::KeyAgreement,
        rcgen::KeyUsagePurpose::KeyCertSign,
    ];
    cp.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let keypair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let cert = cp.self_signed(&keypair)?;
    let key = PrivateKeyDer::try_from(keypair.serialize_der()).map_err(|e| anyhow!(e))?;
    Ok((cert.der().to_vec(), key))
}

/// ring's provider, plus ECDSA P-521 verification: go-plugin's client certificates (Terraform's,
/// OpenTofu's) are P-521, which ring cannot verify. Without it the server cannot ask for them, and
/// Go's TLS client silently sends no certificate.
fn provider_with_p521() -> CryptoProvider {
    static P521: &[&dyn SignatureVerificationAlgorithm] = &[&EcdsaP521Sha512];
    let mut provider = rustls::crypto::ring::default_provider();
    let base = provider.signature_verification_algorithms;
    let all: Vec<_> = base
        .all
        .iter()
        .copied()
        .chain(P521.iter().copied())
        .collect();
    let mapping: Vec<_> = base
        .mapping
        .iter()
        .copied()
        .chain([(SignatureScheme::ECDSA_NISTP521_SHA512, P521)])
        .collect();
    // Once per process: the provider's tables are `'static`.
    provider.signature_verification_algorithms = WebPkiSupportedAlgorithms {
        all: Vec::leak(all),
        mapping: Vec::leak(mapping),
    };
    provider
}

/// ECDSA over P-521 with SHA-512, with RustCrypto's `p521`.
#[derive(Debug)]
struct EcdsaP521Sha512;

impl SignatureVerificationAlgorithm for EcdsaP521Sha512 {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        use p521::ecdsa::signature::Verifier;
        let key =
            p521::ecdsa::VerifyingKey::from_sec1_bytes(public_key).map_err(|_| InvalidSignature)?;
        let signature =
            p521::ecdsa::Signature::from_der(signature).map_err(|_| InvalidSignature)?;
        key.verify(message, &signature)
            .map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_P521
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_SHA512
    }
}
