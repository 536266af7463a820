//! Renewal at a CAMARA profile's limit (issue 18): the camara flavour caps a session's total at its
//! profile's `maxDuration` (86,400 s for the sandbox's profiles), so a session created for a day can
//! not be renewed. Inside the window, `on_renewal_limit = "run_out"` (the default) plans nothing and
//! warns that it will run out; `"replace"` plans a replacement with a warning, and the apply makes a
//! new session while the old one is deleted. Without the limit the plan would ask for an extension
//! the API turns into nothing, on every run.

use nac_testkit::terraform::session_hcl;

use nac_testkit::keys::ec_key;

use super::camara_oauth::{camara_harness, write, SECRET};

fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn at_the_profiles_max_duration_renewal_runs_out_or_replaces_as_set() {
    let (_, jwks) = ec_key();
    let mut tf = camara_harness(&jwks);
    tf.env = vec![("NAC_OAUTH_CLIENT_SECRET".into(), SECRET.into())];
    let oauth = format!(
        "client_id = \"basic-app\"\n    token_url = \"{}/oauth2/token\"",
        tf.base_url()
    );
    let config = |setting: &str| {
        session_hcl(
            "a",
            "limit@testcsp.net",
            &format!("duration     = 86400\n  renew_before = 21600\n  {setting}"),
        )
    };
    write(&tf, &oauth, &config(""));
    tf.apply();
    let first = tf.state_string("nac_qod_session.a", "id");
    assert_eq!(tf.plan_detailed().code, 0, "outside the window");

    tf.advance_clock(18 * 3600 + 60);
    let run_out = tf.plan_detailed();
    assert_eq!(
        run_out.code,
        0,
        "run_out plans nothing:\n{}",
        run_out.output()
    );
    let text = flat(&run_out.output());
    assert!(
        text.contains("QoS session cannot be renewed: it will run out")
            && text.contains("maxDuration 86400 s")
            && text.contains("on_renewal_limit = \"replace\""),
        "{text}"
    );

    write(&tf, &oauth, &config("on_renewal_limit = \"replace\""));
    let replace = tf.plan().assert_success();
    assert_eq!(replace.plan_counts(), Some((1, 0, 1)), "{}", replace.stdout);
    assert!(
        flat(&replace.output()).contains("QoS session cannot be renewed: it will be replaced"),
        "{}",
        replace.output()
    );
    tf.apply();
    let second = tf.state_string("nac_qod_session.a", "id");
    assert_ne!(first, second, "a new session");
    assert_eq!(tf.live_session_ids().len(), 1, "the old one deleted");
    let after = tf.plan_detailed();
    assert_eq!(
        after.code,
        0,
        "the new session is outside the window:\n{}",
        after.output()
    );
    tf.destroy();
}
