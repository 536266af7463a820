//! Only the API's own "no such session" means gone (issue 8): a CAMARA 404 `NOT_FOUND` from a session
//! URL, and NaC's `{"detail": "QoS subscription not found"}` for retrieve-sessions. A 404 from a wrong
//! URL (the gateway's `{"message": …}`, as the sandbox answers an unknown path) is an error naming the
//! URL and `base_url`, on every call; a `base_url` holding the API path is refused outright.

use nac_client::{ApiError, NacClient};
use nac_testkit::admin::start_sandbox;
use nac_testkit::requests::*;

#[tokio::test]
async fn the_apis_own_404_means_gone_and_a_gateway_404_never_does() {
    let sandbox = start_sandbox().await;
    let good = client(&sandbox.base_url);
    let created = good.create_session(&request(1)).await.unwrap();

    // The API's own answers.
    let unknown = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
    assert!(good.get_session(unknown).await.unwrap().is_none());
    good.delete_session(unknown).await.unwrap();
    assert!(good.device_sessions(&device(2)).await.unwrap().is_empty());

    // A base_url with an extra path: every call reaches the gateway's 404, and none reads as gone.
    let wrong = client(&format!("{}/v1", sandbox.base_url));
    let check = |e: ApiError| {
        let text = e.to_string();
        assert!(!e.is_not_found(), "{text}");
        assert_eq!(e.status(), Some(404));
        assert!(
            text.contains("/v1/quality-on-demand/v1/"),
            "names the URL: {text}"
        );
        assert!(text.contains("Check base_url"), "{text}");
        assert!(
            e.tries().is_some_and(|t| t.attempts == 1),
            "not retried: {text}"
        );
    };
    check(wrong.get_session(&created.session_id).await.unwrap_err());
    check(wrong.delete_session(&created.session_id).await.unwrap_err());
    check(wrong.device_sessions(&device(1)).await.unwrap_err());
    check(wrong.create_session(&request(3)).await.unwrap_err());
    check(wrong.check_root().await.unwrap_err());
    good.check_root().await.unwrap();
    // Nothing was deleted through the wrong URL.
    assert!(good
        .get_session(&created.session_id)
        .await
        .unwrap()
        .is_some());

    // The API path in base_url is refused before any request.
    let err = NacClient::new(config(&format!(
        "{}/quality-on-demand/v1",
        sandbox.base_url
    )))
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("base_url") && err.contains("API root"),
        "{err}"
    );
}
