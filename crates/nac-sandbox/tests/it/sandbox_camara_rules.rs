//! The camara flavour answers as CAMARA QualityOnDemand 1.1.0 where NaC deviates (issue 19): 422
//! MISSING_IDENTIFIER, E.164 phone numbers, 403 for another client's session, 409
//! SESSION_EXTENSION_NOT_ALLOWED, extensions capped at the profile's maxDuration in total, and a device
//! without sessions answered 200 [].

use nac_sandbox::{Flavour, SandboxConfig};
use nac_testkit::admin::send_json;
use nac_testkit::api::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

struct Camara {
    h: Harness,
    token: String,
    other: String,
}

async fn camara() -> Camara {
    let h = start_with(SandboxConfig {
        flavour: Flavour::Camara,
        oauth_clients: vec![
            "app:secret".parse().unwrap(),
            "other:secret".parse().unwrap(),
        ],
        ..config()
    })
    .await;
    let token = h.client_token("app", "secret").await;
    let other = h.client_token("other", "secret").await;
    Camara { h, token, other }
}

impl Camara {
    async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> (StatusCode, Value) {
        self.call_as(&self.token, method, path, body).await
    }

    async fn call_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let request = self
            .h
            .http
            .request(method, self.h.qod(path))
            .bearer_auth(token);
        send_json(request, body).await
    }
}

#[tokio::test]
async fn identifiers_as_camara_requires_them() {
    let c = camara().await;
    let mut no_device = create_body("+3693000001");
    no_device.as_object_mut().unwrap().remove("device");
    let (status, body) = c.call(Method::POST, "/sessions", Some(&no_device)).await;
    assert_camara_error(status, &body, 422, "MISSING_IDENTIFIER");
    let (status, body) = c
        .call(Method::POST, "/retrieve-sessions", Some(&json!({})))
        .await;
    assert_camara_error(status, &body, 422, "MISSING_IDENTIFIER");
    // NaC accepts a phone number without +; CAMARA's schema does not.
    let (status, body) = c
        .call(Method::POST, "/sessions", Some(&create_body("3693000001")))
        .await;
    assert_camara_error(status, &body, 400, "INVALID_ARGUMENT");
    // A device with no sessions: 200 [] (NaC: 404).
    let (status, body) = c
        .call(
            Method::POST,
            "/retrieve-sessions",
            Some(&json!({"device": {"phoneNumber": "+3693000009"}})),
        )
        .await;
    assert_eq!((status, body), (StatusCode::OK, json!([])));
}

#[tokio::test]
async fn another_clients_session_is_forbidden_and_an_unknown_one_not_found() {
    let c = camara().await;
    let (_, created) = c
        .call(Method::POST, "/sessions", Some(&create_body("+3693000002")))
        .await;
    let path = format!("/sessions/{}", created["sessionId"].as_str().unwrap());
    let extend = json!({"requestedAdditionalDuration": 60});
    for (method, path, body) in [
        (Method::GET, path.clone(), None),
        (Method::POST, format!("{path}/extend"), Some(&extend)),
        (Method::DELETE, path.clone(), None),
    ] {
        let (status, answer) = c.call_as(&c.other, method.clone(), &path, body).await;
        assert_camara_error(status, &answer, 403, "PERMISSION_DENIED");
        let unknown = format!("/sessions/{}", uuid::Uuid::new_v4());
        let path = path.replace(&path[..unknown.len()], &unknown);
        let (status, answer) = c.call(method, &path, body).await;
        assert_camara_error(status, &answer, 404, "NOT_FOUND");
    }
    let (status, _) = c.call(Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK, "the owner still sees it");
}

#[tokio::test]
async fn extension_follows_camara() {
    let c = camara().await;
    let mut body = create_body("+3693000003");
    body["duration"] = json!(80_000);
    let (_, created) = c.call(Method::POST, "/sessions", Some(&body)).await;
    let id = created["sessionId"].as_str().unwrap().to_owned();
    // 10,000 s in, +20,000 s: CAMARA caps the total at maxDuration (86,400 s); NaC would cap the
    // remaining time instead (total 96,400 s).
    c.h.admin.advance_clock(10_000.0).await;
    let (status, extended) = c
        .call(
            Method::POST,
            &format!("/sessions/{id}/extend"),
            Some(&json!({"requestedAdditionalDuration": 20_000})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{extended}");
    assert_eq!(extended["duration"], 86_400, "{extended}");
    // Not AVAILABLE: 409.
    c.h.admin.terminate(&id).await;
    let (status, answer) = c
        .call(
            Method::POST,
            &format!("/sessions/{id}/extend"),
            Some(&json!({"requestedAdditionalDuration": 60})),
        )
        .await;
    assert_camara_error(
        status,
        &answer,
        409,
        "QUALITY_ON_DEMAND.SESSION_EXTENSION_NOT_ALLOWED",
    );
    assert!(
        answer["message"].as_str().unwrap().contains("UNAVAILABLE"),
        "{answer}"
    );
}

/// With another operator's profile list (`qos_profiles`), the camara flavour's sessions follow it: a
/// profile it does not offer is refused, a duration outside its min..max is 400
/// DURATION_OUT_OF_RANGE, and extensions stop at its maxDuration.
#[tokio::test]
async fn sessions_follow_the_configured_profile_list() {
    let mut short = nac_api::profiles::builtin_profile("QOS_L").unwrap();
    let secs = |value| nac_api::profiles::ProfileDuration {
        value,
        unit: "Seconds".into(),
    };
    short.min_duration = Some(secs(60));
    short.max_duration = Some(secs(3600));
    let h = start_with(SandboxConfig {
        flavour: Flavour::Camara,
        oauth_clients: vec!["app:secret".parse().unwrap()],
        qos_profiles: Some(vec![short]),
        ..config()
    })
    .await;
    let token = h.client_token("app", "secret").await;
    let call = |method: Method, path: &str, body: Value| {
        let request = h.http.request(method, h.qod(path)).bearer_auth(&token);
        async move { send_json(request, Some(&body)).await }
    };
    let mut other = create_body("+3693000101");
    other["qosProfile"] = json!("QOS_M");
    let (status, body) = call(Method::POST, "/sessions", other).await;
    assert_camara_error(status, &body, 400, "INVALID_ARGUMENT");
    let mut long = create_body("+3693000102");
    long["duration"] = json!(3601);
    let (status, body) = call(Method::POST, "/sessions", long).await;
    assert_camara_error(
        status,
        &body,
        400,
        "QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE",
    );
    let mut ok = create_body("+3693000103");
    ok["duration"] = json!(3000);
    let (status, session) = call(Method::POST, "/sessions", ok).await;
    assert_eq!(status, StatusCode::CREATED, "{session}");
    let id = session["sessionId"].as_str().unwrap().to_owned();
    h.admin.advance_clock(2.0).await;
    let (status, extended) = call(
        Method::POST,
        &format!("/sessions/{id}/extend"),
        json!({"requestedAdditionalDuration": 1000}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{extended}");
    assert_eq!(
        extended["duration"], 3600,
        "capped at the list's maxDuration"
    );
}
