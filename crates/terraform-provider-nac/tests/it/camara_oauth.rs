//! A CAMARA operator (issue 19): real terraform against the sandbox's camara flavour, with OAuth2 client
//! credentials by `client_secret_basic` (secret in an ephemeral variable, token endpoint discovered from
//! the issuer), `client_secret_post` (secret from the environment, explicit token_url) and
//! `private_key_jwt` (an EC key made here, registered by its JWKS). Counts token requests per command;
//! a client without the create scope, a wrong secret and incomplete settings fail with the setting or
//! scope named, and no secret reaches state, plan or log.

use nac_sandbox::{Flavour, OAuthClient};
use nac_testkit::keys::ec_key;
use nac_testkit::terraform::{session_hcl, Harness, TfOutput};

pub(crate) const SECRET: &str = "camara-secret-3f9a1c";
const NO_CREATE_SCOPES: &str = "quality-on-demand:sessions:read,quality-on-demand:sessions:update,\
quality-on-demand:sessions:delete,quality-on-demand:sessions:retrieve-by-device,qos-profiles:read";

fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(crate) fn camara_harness(jwks: &str) -> Harness {
    let jwks = jwks.to_owned();
    Harness::start_with(move |config| {
        config.flavour = Flavour::Camara;
        config.oauth_clients = vec![
            format!("basic-app:{SECRET}")
                .parse::<OAuthClient>()
                .unwrap(),
            format!("post-app:{SECRET}").parse().unwrap(),
            format!("no-create:{SECRET}:{NO_CREATE_SCOPES}")
                .parse()
                .unwrap(),
            OAuthClient::with_jwks(&format!("jwt-app:{jwks}")).unwrap(),
        ];
    })
}

/// `main.tf`: the provider in the camara flavour with `oauth_body` inside its oauth block, and `body`.
pub(crate) fn write(tf: &Harness, oauth_body: &str, body: &str) {
    tf.write_file(
        "main.tf",
        &format!(
            r#"terraform {{
  required_providers {{
    nac = {{ source = "network-as-code/nac" }}
  }}
}}

variable "client_secret" {{
  type      = string
  sensitive = true
  ephemeral = true
  default   = null
}}

provider "nac" {{
  flavour  = "camara"
  base_url = "{}"
  oauth {{
    {oauth_body}
  }}
}}
{body}"#,
            tf.base_url()
        ),
    );
}

/// Sessions the sandbox holds that are not over.
fn live(tf: &Harness) -> usize {
    tf.sandbox_sessions()
        .into_iter()
        .filter(|s| s.qos_status != nac_api::wire::QosStatus::Unavailable)
        .count()
}

/// Runs a terraform command and returns it with the number of access tokens the sandbox issued for it.
fn counted(tf: &Harness, run: impl FnOnce(&Harness) -> TfOutput) -> (TfOutput, u64) {
    let before = tf.stats().oauth_tokens_issued;
    let out = run(tf);
    (out, tf.stats().oauth_tokens_issued - before)
}

fn assert_no_secret(tf: &Harness, text: &str, secrets: &[&str]) {
    let state = std::fs::read_to_string(tf.workdir().join("terraform.tfstate")).unwrap_or_default();
    for secret in secrets {
        assert!(!text.contains(secret), "a secret in the output: {text}");
        assert!(!state.contains(secret), "a secret in the state");
    }
}

#[test]
fn apply_plan_destroy_with_each_client_authentication() {
    let (pem, jwks) = ec_key();
    let mut tf = camara_harness(&jwks);
    let issuer = tf.base_url();
    let cases = [
        (
            "client_secret_basic",
            format!("client_id = \"basic-app\"\n    issuer = \"{issuer}\"\n    client_secret = var.client_secret"),
            ("TF_VAR_client_secret", SECRET.to_owned()),
        ),
        (
            "client_secret_post",
            format!("client_id = \"post-app\"\n    client_auth = \"client_secret_post\"\n    token_url = \"{issuer}/oauth2/token\""),
            ("NAC_OAUTH_CLIENT_SECRET", SECRET.to_owned()),
        ),
        (
            "private_key_jwt",
            format!("client_id = \"jwt-app\"\n    client_auth = \"private_key_jwt\"\n    key_id = \"k1\"\n    issuer = \"{issuer}\""),
            ("NAC_OAUTH_PRIVATE_KEY_PEM", pem.clone()),
        ),
    ];
    let mut figures = Vec::new();
    for (i, (auth, oauth, secret_env)) in cases.iter().enumerate() {
        tf.env = vec![
            (secret_env.0.into(), secret_env.1.clone()),
            ("TF_LOG_PROVIDER".into(), "TRACE".into()),
        ];
        let body: String = (0..2)
            .map(|n| session_hcl(&format!("s{n}"), &format!("camara{i}-{n}@testcsp.net"), ""))
            .collect();
        write(&tf, oauth, &body);

        let (out, apply_tokens) = counted(&tf, |tf| tf.try_apply());
        let out = out.assert_success();
        assert_eq!(live(&tf), 2, "{auth}: two sessions");
        assert!(
            out.output().contains("x-correlator"),
            "{auth}: the correlator is logged"
        );
        assert_no_secret(&tf, &out.output(), &[SECRET, pem.lines().nth(1).unwrap()]);
        // The access token is never logged (nor any Authorization header).
        assert!(
            !out.output().contains("Bearer ") && !out.output().contains("access_token\":"),
            "{auth}: a token in the log"
        );

        let (out, plan_tokens) = counted(&tf, |tf| tf.plan_detailed());
        assert_eq!(
            out.code,
            0,
            "{auth}: no changes after apply: {}",
            out.output()
        );

        let (out, destroy_tokens) = counted(&tf, |tf| tf.destroy());
        assert_no_secret(&tf, &out.output(), &[SECRET]);
        assert_eq!(live(&tf), 0, "{auth}: destroy deleted the sessions");

        eprintln!(
            "{auth}: token requests: apply {apply_tokens}, plan {plan_tokens}, destroy {destroy_tokens}"
        );
        // One per provider process that calls the API: terraform runs one for the plan and one for
        // the apply of an apply or destroy, whatever the number of resources.
        for (command, tokens) in [
            ("apply", apply_tokens),
            ("plan", plan_tokens),
            ("destroy", destroy_tokens),
        ] {
            assert!(
                (1..=2).contains(&tokens),
                "{auth}: {command} asked for {tokens} tokens"
            );
        }
        figures.push((auth, apply_tokens, plan_tokens, destroy_tokens));
    }
    eprintln!("token requests per command (apply, plan, destroy): {figures:?}");

    // The secret in an ephemeral variable stays out of a saved plan.
    tf.env = vec![("TF_VAR_client_secret".into(), SECRET.into())];
    write(
        &tf,
        &format!("client_id = \"basic-app\"\n    issuer = \"{issuer}\"\n    client_secret = var.client_secret"),
        &session_hcl("p", "camara-plan@testcsp.net", ""),
    );
    tf.terraform(&["plan", "-out=tfplan", "-input=false", "-no-color"])
        .assert_success();
    let shown = tf
        .terraform(&["show", "-json", "-no-color", "tfplan"])
        .assert_success();
    assert!(shown.stdout.contains("basic-app"), "{}", shown.stdout);
    assert!(!shown.stdout.contains(SECRET), "the secret is in the plan");
    let raw_plan = std::fs::read(tf.workdir().join("tfplan")).unwrap();
    assert!(!raw_plan
        .windows(SECRET.len())
        .any(|w| w == SECRET.as_bytes()));
    tf.stop_sandbox();
}

#[test]
fn a_missing_scope_or_a_wrong_secret_is_named() {
    let (_, jwks) = ec_key();
    let mut tf = camara_harness(&jwks);
    let issuer = tf.base_url();

    // Asking for the default scopes: the token endpoint refuses the create scope.
    tf.env = vec![("NAC_OAUTH_CLIENT_SECRET".into(), SECRET.into())];
    let body = session_hcl("s", "scope@testcsp.net", "");
    write(
        &tf,
        &format!("client_id = \"no-create\"\n    issuer = \"{issuer}\""),
        &body,
    );
    let out = tf.try_apply().assert_failure();
    let text = flat(&out.output());
    assert!(
        text.contains("quality-on-demand:sessions:create") && text.contains("oauth.scopes"),
        "{text}"
    );

    // Asking only for the scopes it has: the API refuses the create, naming the scope.
    write(
        &tf,
        &format!(
            "client_id = \"no-create\"\n    issuer = \"{issuer}\"\n    scopes = {:?}",
            NO_CREATE_SCOPES.split(',').collect::<Vec<_>>()
        ),
        &body,
    );
    let out = tf.try_apply().assert_failure();
    let text = flat(&out.output());
    assert!(
        text.contains("HTTP 403 PERMISSION_DENIED")
            && text.contains("scope quality-on-demand:sessions:create"),
        "{text}"
    );
    assert!(tf.sandbox_sessions().is_empty(), "nothing was created");
    assert!(!text.contains(SECRET));

    // A wrong secret: the token endpoint's answer and the settings to check.
    tf.env = vec![("NAC_OAUTH_CLIENT_SECRET".into(), "not-the-secret-77".into())];
    write(
        &tf,
        &format!("client_id = \"basic-app\"\n    issuer = \"{issuer}\""),
        &body,
    );
    let out = tf.plan().assert_failure();
    let text = flat(&out.output());
    assert!(
        text.contains("invalid_client") && text.contains("client_secret") && text.contains("oauth"),
        "{text}"
    );
    assert!(!text.contains("not-the-secret-77"), "{text}");
    tf.stop_sandbox();
}

#[test]
fn camara_settings_are_checked_when_configured() {
    let tf = camara_harness(&ec_key().1);
    let cases: [(&str, &str); 4] = [
        // No oauth block and no NAC_OAUTH_CLIENT_ID.
        ("flavour = \"camara\"\n  base_url = \"BASE\"", "add an oauth block"),
        (
            "flavour = \"camara\"\n  oauth {\n    client_id = \"a\"\n    client_secret = \"s3cret\"\n    token_url = \"BASE/oauth2/token\"\n  }",
            "needs the operator's API root in base_url",
        ),
        (
            "flavour = \"camara\"\n  base_url = \"BASE\"\n  token = \"rapid-key\"\n  oauth {\n    client_id = \"a\"\n    client_secret = \"s3cret\"\n    token_url = \"BASE/oauth2/token\"\n  }",
            "remove token",
        ),
        (
            "flavour = \"camara\"\n  base_url = \"BASE\"\n  oauth {\n    client_id = \"a\"\n    client_auth = \"private_key_jwt\"\n    private_key_pem = \"-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----\"\n    token_url = \"BASE/oauth2/token\"\n  }",
            "private_key_pem is not a PEM private key",
        ),
    ];
    for (provider, expected) in cases {
        tf.write_file(
            "main.tf",
            &format!(
                "terraform {{\n  required_providers {{\n    nac = {{ source = \"network-as-code/nac\" }}\n  }}\n}}\n\nprovider \"nac\" {{\n  {}\n}}\n{}",
                provider.replace("BASE", &tf.base_url()),
                session_hcl("s", "settings@testcsp.net", "")
            ),
        );
        let out = tf.plan().assert_failure();
        let text = flat(&out.output());
        assert!(text.contains(expected), "{expected}: {text}");
        assert!(!text.contains("s3cret"), "{text}");
    }
}
