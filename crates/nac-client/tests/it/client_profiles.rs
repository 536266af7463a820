//! The QoS Profiles API against the real sandbox: served (thirteen profiles, filters, one by name, the
//! API's own 404 for an unknown name) and not served (the gateway's 404 is "not served", not an error).

use nac_api::profiles::RetrieveQosProfiles;
use nac_client::Served;
use nac_sandbox::SandboxConfig;
use nac_testkit::admin::{start_sandbox, start_sandbox_with};
use nac_testkit::requests::client;

#[tokio::test]
async fn the_sandbox_serves_thirteen_profiles() {
    let sandbox = start_sandbox().await;
    let client = client(&sandbox.base_url);
    let Served::Yes(all) = client
        .retrieve_qos_profiles(&RetrieveQosProfiles::default())
        .await
        .unwrap()
    else {
        panic!("the sandbox serves the profiles API")
    };
    assert_eq!(all.len(), 13);
    assert!(all.iter().any(|p| p.name == "QOS_E"));
    let filtered = client
        .retrieve_qos_profiles(&RetrieveQosProfiles {
            name: Some("QOS_L".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(matches!(&filtered, Served::Yes(p) if p.len() == 1 && p[0].name == "QOS_L"));

    let one = client.get_qos_profile("QOS_M").await.unwrap();
    assert!(matches!(&one, Served::Yes(Some(p)) if p.duration_range() == (1, 86_400)));
    assert_eq!(
        client.get_qos_profile("QOS_XL").await.unwrap(),
        Served::Yes(None)
    );
    assert_eq!(sandbox.admin.stats().await.profile_requests, 4);
}

#[tokio::test]
async fn a_network_without_the_api_is_not_served_not_an_error() {
    let sandbox = start_sandbox_with(SandboxConfig {
        no_profiles_endpoint: true,
        ..nac_testkit::admin::ephemeral_config()
    })
    .await;
    let client = client(&sandbox.base_url);
    assert_eq!(
        client
            .retrieve_qos_profiles(&RetrieveQosProfiles::default())
            .await
            .unwrap(),
        Served::NotServed(404)
    );
    assert_eq!(
        client.get_qos_profile("QOS_L").await.unwrap(),
        Served::NotServed(404)
    );
    // One attempt each: "not served" is an answer, never retried.
    assert_eq!(client.stats().requests, 2);
    assert_eq!(sandbox.admin.stats().await.profile_requests, 0);
}
