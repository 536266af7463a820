//! `sink_credential.access_token_wo` through the real Terraform: the token (from an ephemeral variable,
//! as a real configuration passes it) reaches the sink as `Authorization: Bearer` but appears nowhere in
//! `terraform.tfstate`, a saved plan file (raw or unzipped), `terraform show -json` of the plan or of
//! the state; bumping `access_token_wo_version` replaces the session, and the new one notifies with the
//! new token. Exactly one of `access_token` and `access_token_wo` is accepted, at plan.
//!
//! The sink is https (the provider only accepts https sinks) with a self-signed certificate that the
//! in-process sandbox trusts through `SSL_CERT_FILE`; so this file holds one test, which sets it first.

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nac_testkit::terraform::Harness;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;

const TOKEN_1: &str = "wo-secret-token-number-one";
const TOKEN_2: &str = "wo-secret-token-number-two";

/// An https receiver on 127.0.0.1 recording the `Authorization` header and body of each POST.
async fn https_sink(dir: &std::path::Path) -> (String, Arc<Mutex<Vec<(String, String)>>>) {
    let key =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let ca_file = dir.join("sink-ca.pem");
    std::fs::write(&ca_file, key.cert.pem()).unwrap();
    // Read once by the sandbox's notification client when it is built (rustls-native-certs).
    std::env::set_var("SSL_CERT_FILE", &ca_file);
    let private = rustls::pki_types::PrivateKeyDer::try_from(key.key_pair.serialize_der()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![key.cert.der().clone()], private)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}/notify", listener.local_addr().unwrap());
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = received.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (acceptor, log) = (acceptor.clone(), log.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = vec![0; 16 * 1024];
                // Headers, then as much body as content-length says.
                loop {
                    let Ok(n) = tls.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&request).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if request.len() >= end + 4 + length {
                            let authorization = text[..end]
                                .lines()
                                .find_map(|l| {
                                    let (k, v) = l.split_once(':')?;
                                    k.eq_ignore_ascii_case("authorization")
                                        .then(|| v.trim().to_string())
                                })
                                .unwrap_or_default();
                            log.lock()
                                .unwrap()
                                .push((authorization, text[end + 4..].to_string()));
                            break;
                        }
                    }
                }
                let _ = tls
                    .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (url, received)
}

fn config(sink: &str, credential: &str) -> String {
    format!(
        r#"
variable "sink_token" {{
  type      = string
  sensitive = true
  ephemeral = true
}}

resource "nac_qod_session" "a" {{
  profile      = "DOWNLINK_L_UPLINK_L"
  service_ipv4 = "233.252.0.9"
  device {{
    network_access_identifier = "wo@example.com"
  }}
  sink = "{sink}"
  sink_credential {{
    {credential}
    access_token_expires_at = "2030-01-01T00:00:00Z"
  }}
}}
"#
    )
}

/// Every entry of a plan file (a zip), decompressed, with the raw file itself.
fn plan_file_contents(path: &std::path::Path) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(
            "import sys, zipfile\n\
             z = zipfile.ZipFile(sys.argv[1])\n\
             for n in z.namelist():\n    \
                 sys.stdout.write(n + '\\n' + z.read(n).decode('latin-1') + '\\n')",
        )
        .arg(path)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let raw = String::from_utf8_lossy(&std::fs::read(path).unwrap()).to_string();
    format!("{}\n{raw}", String::from_utf8_lossy(&out.stdout))
}

#[track_caller]
fn assert_nowhere(token: &str, what: &str, text: &str) {
    assert!(!text.contains(token), "the write-only token is in {what}");
}

/// The session id of the first notification carrying `Bearer token`, waiting a few seconds for it.
fn bearer_session(received: &Mutex<Vec<(String, String)>>, token: &str, id: &str) -> bool {
    for _ in 0..200 {
        let found = received
            .lock()
            .unwrap()
            .iter()
            .any(|(auth, body)| auth == &format!("Bearer {token}") && body.contains(id));
        if found {
            return true;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    false
}

#[test]
fn access_token_wo_reaches_the_sink_and_is_stored_nowhere() {
    let scratch = tempfile::tempdir().unwrap();
    let sink_rt = tokio::runtime::Runtime::new().unwrap();
    let (sink, received) = sink_rt.block_on(https_sink(scratch.path()));
    let mut tf = Harness::start();
    tf.env.push(("TF_VAR_sink_token".into(), TOKEN_1.into()));
    let wo = |version: u32| {
        format!("access_token_wo = var.sink_token\n    access_token_wo_version = {version}")
    };
    tf.write_config(&config(&sink, &wo(1)));

    // A saved plan, applied: the token is re-read from the (ephemeral) variable at apply.
    let plan = tf.terraform(&["plan", "-out=tfplan", "-input=false", "-no-color"]);
    let plan = plan.assert_success();
    assert_nowhere(TOKEN_1, "plan output", &plan.output());
    let planfile = tf.workdir().join("tfplan");
    assert_nowhere(
        TOKEN_1,
        "the saved plan file",
        &plan_file_contents(&planfile),
    );
    let shown = tf.terraform(&["show", "-json", "tfplan"]).assert_success();
    assert!(
        shown.stdout.contains("access_token_wo_version"),
        "{}",
        shown.stdout
    );
    assert_nowhere(TOKEN_1, "show -json of the plan", &shown.output());
    let apply = tf
        .terraform(&["apply", "-input=false", "-no-color", "tfplan"])
        .assert_success();
    assert_nowhere(TOKEN_1, "apply output", &apply.output());

    let state_file = std::fs::read_to_string(tf.workdir().join("terraform.tfstate")).unwrap();
    assert_nowhere(TOKEN_1, "terraform.tfstate", &state_file);
    let shown = tf.terraform(&["show", "-json"]).assert_success();
    assert_nowhere(TOKEN_1, "show -json of the state", &shown.output());
    let values = tf.state_values("nac_qod_session.a").unwrap();
    let credential = &values["sink_credential"][0];
    assert_eq!(credential["access_token_wo"], serde_json::Value::Null);
    assert_eq!(credential["access_token_wo_version"], 1);
    let first = values["id"].as_str().unwrap().to_string();
    assert!(
        bearer_session(&received, TOKEN_1, &first),
        "no notification with the write-only token for {first}: {:?}",
        received.lock().unwrap()
    );

    // Unchanged version: nothing to do (Terraform cannot compare write-only values).
    let again = tf.plan_detailed();
    assert_eq!(again.code, 0, "{}", again.output());

    // A new token with a new version replaces the session; the new one notifies with the new token.
    tf.env = vec![("TF_VAR_sink_token".into(), TOKEN_2.into())];
    tf.write_config(&config(&sink, &wo(2)));
    let plan = tf.plan_detailed();
    assert_eq!(plan.code, 2, "{}", plan.output());
    assert!(plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    assert_nowhere(TOKEN_2, "plan output", &plan.output());
    tf.apply();
    let second = tf.state_string("nac_qod_session.a", "id");
    assert_ne!(first, second);
    let ids: Vec<String> = tf
        .sandbox_sessions()
        .into_iter()
        .map(|s| s.session_id)
        .collect();
    assert_eq!(ids, vec![second.clone()]);
    assert!(
        bearer_session(&received, TOKEN_2, &second),
        "no notification with the new token for {second}: {:?}",
        received.lock().unwrap()
    );
    let state_file = std::fs::read_to_string(tf.workdir().join("terraform.tfstate")).unwrap();
    assert_nowhere(TOKEN_2, "terraform.tfstate", &state_file);
    assert_nowhere(TOKEN_1, "terraform.tfstate", &state_file);

    // Exactly one of the two tokens, checked at plan and named.
    tf.write_config(&config(
        &sink,
        "access_token = \"stored\"\n    access_token_wo = var.sink_token",
    ));
    let both = tf.plan();
    assert!(!both.success());
    assert!(both.stderr.contains("access_token_wo"), "{}", both.stderr);
    assert!(both.stderr.contains("not both"), "{}", both.stderr);
    tf.write_config(&config(&sink, ""));
    let neither = tf.plan();
    assert!(!neither.success());
    assert!(neither.stderr.contains("required"), "{}", neither.stderr);
    assert!(
        neither.stderr.contains("access_token_wo"),
        "{}",
        neither.stderr
    );
    tf.write_config(&config(&sink, &wo(2)));
    tf.destroy();
    assert!(tf.sandbox_sessions().is_empty());
}
