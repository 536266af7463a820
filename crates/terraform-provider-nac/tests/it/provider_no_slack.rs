//! No slack that lets another state's create in (issue 16, item 5): a create answered 502 before it
//! reached the API (the lookup failing too, so the resource keeps a pending id), then another state
//! creating the same session for the same free device a second later. The first state's next apply
//! must not take that session (and so never deletes it).

use nac_api::wire::QosStatus;
use nac_testkit::terraform::{session_hcl, Harness, TOKEN};
use serde_json::json;

#[test]
fn a_failed_create_never_adopts_another_states_session_made_a_second_later() {
    let runs = 3;
    let mut taken = 0;
    for run in 0..runs {
        let tf = Harness::start();
        let nai = format!("free{run}@testcsp.net");
        let provider = tf.provider_hcl().replacen(
            "provider \"nac\" {\n",
            "provider \"nac\" {\n  max_retries = 1\n  skip_credentials_validation = true\n",
            1,
        );
        tf.write_file("main.tf", &(provider + &session_hcl("a", &nai, "")));
        tf.set_faults(json!({"error_rate": 1.0, "error_statuses": [502]}));
        let failed = tf.try_apply();
        assert!(!failed.success());
        let pending = tf.state_string("nac_qod_session.a", "id");
        assert!(pending.starts_with("pending:"), "{pending}");
        tf.set_faults(json!({"error_rate": 0.0}));

        // Another state (same key) creates the identical session a second later.
        std::thread::sleep(std::time::Duration::from_secs(1));
        let url = format!("{}/quality-on-demand/v1/sessions", tf.base_url());
        let theirs: serde_json::Value = tf.block_on(async {
            reqwest::Client::new()
                .post(url)
                .header("X-RapidAPI-Key", TOKEN)
                .json(&json!({
                    "qosProfile": "DOWNLINK_L_UPLINK_L",
                    "device": {"networkAccessIdentifier": nai},
                    "applicationServer": {"ipv4Address": "233.252.0.9"},
                    "duration": 86400
                }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        });
        let theirs = theirs["sessionId"].as_str().unwrap().to_string();

        let again = tf.try_apply();
        let held = tf
            .state_values("nac_qod_session.a")
            .and_then(|v| v["id"].as_str().map(str::to_string));
        if held.as_deref() == Some(theirs.as_str()) {
            taken += 1;
        }
        assert!(
            !again.success(),
            "the device is taken: the create gets NaC's 409"
        );
        let live = tf.sandbox_session(&theirs).unwrap();
        assert_ne!(
            live.qos_status,
            QosStatus::Unavailable,
            "their session is untouched"
        );
    }
    println!("another state's create 1 s after a failed one: taken in {taken} of {runs} runs");
    assert_eq!(taken, 0);
}
