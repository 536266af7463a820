//! QoS profiles from a CAMARA operator (issue 19): with OAuth2 client credentials, the data source
//! reads the operator's profiles (source "network", one token), and plans check `profile` and
//! `duration` against them: an operator whose QOS_L allows at most 3600 s refuses 7200 at plan, at
//! the `duration` attribute, before any session is made; a profile it does not offer is refused.

use nac_sandbox::{Flavour, OAuthClient};
use nac_testkit::terraform::{session_hcl, Harness};

use super::camara_oauth::{write, SECRET};

fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_operators_profiles_are_listed_and_checked_at_plan() {
    let mut short = nac_api::profiles::builtin_profile("QOS_L").unwrap();
    short.max_duration = Some(nac_api::profiles::ProfileDuration {
        value: 1,
        unit: "Hours".into(),
    });
    let others: Vec<_> = ["QOS_E", "QOS_S"]
        .into_iter()
        .filter_map(nac_api::profiles::builtin_profile)
        .collect();
    let mut tf = Harness::start_with(move |config| {
        config.flavour = Flavour::Camara;
        config.oauth_clients = vec![format!("basic-app:{SECRET}")
            .parse::<OAuthClient>()
            .unwrap()];
        config.qos_profiles = Some([vec![short], others].concat());
    });
    tf.env = vec![("NAC_OAUTH_CLIENT_SECRET".into(), SECRET.into())];
    let oauth = format!(
        "client_id = \"basic-app\"\n    token_url = \"{}/oauth2/token\"",
        tf.base_url()
    );

    let data = r#"
data "nac_qos_profiles" "all" {}
output "source" { value = data.nac_qos_profiles.all.source }
output "limits" {
  value = { for p in data.nac_qos_profiles.all.profiles : p.name => p.max_duration }
}
"#;
    write(&tf, &oauth, data);
    let before = tf.stats().oauth_tokens_issued;
    tf.apply();
    assert_eq!(tf.stats().oauth_tokens_issued - before, 1, "one token");
    let outputs = tf.show_json()["values"]["outputs"].clone();
    assert_eq!(outputs["source"]["value"], "network");
    assert_eq!(outputs["limits"]["value"]["QOS_L"], 3600, "{outputs}");
    assert_eq!(
        outputs["limits"]["value"].as_object().unwrap().len(),
        3,
        "{outputs}"
    );

    let mut body = session_hcl("a", "profiles@testcsp.net", "duration = 7200");
    body = body.replace("DOWNLINK_L_UPLINK_L", "QOS_L");
    write(&tf, &oauth, &body);
    let plan = flat(&tf.plan().assert_failure().output());
    assert!(
        plan.contains("Invalid duration") && plan.contains("1 to 3600 seconds"),
        "{plan}"
    );
    assert!(plan.contains("duration = 7200"), "the HCL line: {plan}");

    write(&tf, &oauth, &session_hcl("a", "profiles@testcsp.net", ""));
    let plan = flat(&tf.plan().assert_failure().output());
    assert!(
        plan.contains("The network offers no QoS profile \"DOWNLINK_L_UPLINK_L\""),
        "{plan}"
    );
    assert_eq!(tf.stats().sessions_created, 0);
}
