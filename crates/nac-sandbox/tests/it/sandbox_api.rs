//! Every endpoint of the sandbox: the QoD API, the QoS profiles API, the gateway's key check, and the
//! admin API.

use nac_sandbox::SandboxConfig;
use nac_testkit::api::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn create_get_extend_delete_roundtrip() {
    let h = start().await;
    let mut body = create_body("+3612345678");
    body["devicePorts"] = json!({"ports": [20000]});
    body["applicationServerPorts"] = json!({"ranges": [{"from": 80, "to": 443}], "ports": [8080]});
    body["applicationServer"]["ipv6Address"] = json!("2001:db8::/64");
    let created = h.create(&body).await;
    let id = created["sessionId"].as_str().unwrap().to_owned();
    uuid::Uuid::parse_str(&id).unwrap();
    assert_eq!(created["qosStatus"], "AVAILABLE", "activation delay 0");
    assert_eq!(created["qosProfile"], "QOS_L");
    assert_eq!(created["duration"], 3600);
    assert_eq!(created["device"], body["device"]);
    assert_eq!(created["applicationServer"], body["applicationServer"]);
    assert_eq!(created["devicePorts"], body["devicePorts"]);
    assert_eq!(
        created["applicationServerPorts"],
        body["applicationServerPorts"]
    );
    assert!(created.get("statusInfo").is_none());

    let (status, got) = h.get(&id).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got, created);

    let (status, extended) = h
        .extend(&id, &json!({"requestedAdditionalDuration": 600}))
        .await;
    assert_eq!(status, StatusCode::OK, "{extended}");
    assert_eq!(extended["duration"], 4200);
    let started =
        chrono::DateTime::parse_from_rfc3339(extended["startedAt"].as_str().unwrap()).unwrap();
    let expires =
        chrono::DateTime::parse_from_rfc3339(extended["expiresAt"].as_str().unwrap()).unwrap();
    assert_eq!((expires - started).num_seconds(), 4200);

    let r = h.delete(&id).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(r.text().await.unwrap().is_empty());
    let (status, body) = h.get(&id).await;
    assert_camara_error(status, &body, 404, "NOT_FOUND");
    assert!(body["message"].as_str().unwrap().contains(&id), "{body}");
    let r = h.delete(&id).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn requested_before_activation_delay() {
    let mut config = config();
    config.activation_delay = std::time::Duration::from_millis(300);
    let h = start_with(config).await;
    let created = h.create(&create_body("+3612345678")).await;
    assert_eq!(created["qosStatus"], "REQUESTED");
    assert!(
        created["startedAt"].is_string() && created["expiresAt"].is_string(),
        "NaC shows both times at once"
    );
    // Activation follows the sandbox clock: move it past the delay rather than wait.
    h.admin.advance_clock(0.35).await;
    let (_, got) = h.get(created["sessionId"].as_str().unwrap()).await;
    assert_eq!(got["qosStatus"], "AVAILABLE");
}

#[tokio::test]
async fn retrieve_sessions_of_a_device() {
    // Several sessions of one device: only with the flag (NaC answers 409, see sandbox_rules).
    let h = start_with(SandboxConfig {
        allow_concurrent_sessions: true,
        ..config()
    })
    .await;
    let a1 = h.create(&create_body("+3611111111")).await;
    let mut by_nai = create_body("+3611111111");
    by_nai["device"] =
        json!({"networkAccessIdentifier": "dev@testcsp.net", "phoneNumber": "+3611111111"});
    let a2 = h.create(&by_nai).await;
    h.create(&create_body("+3622222222")).await;

    let (status, list) = h
        .retrieve(&json!({"device": {"phoneNumber": "+3611111111"}}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["sessionId"])
        .collect();
    assert_eq!(
        ids,
        vec![&a1["sessionId"], &a2["sessionId"]],
        "oldest first"
    );

    // Any one matching identifier is enough.
    let (_, list) = h
        .retrieve(&json!({"device": {"networkAccessIdentifier": "dev@testcsp.net"}}))
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1);

    // NaC answers 404 with its own body for a device without sessions.
    let (status, body) = h
        .retrieve(&json!({"device": {"phoneNumber": "+3699999999"}}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"detail": "QoS subscription not found"}));
}

#[tokio::test]
async fn list_all_sessions() {
    let h = start().await;
    let (status, body) = h
        .call_json(Method::GET, "/quality-on-demand/v1/sessions", None)
        .await;
    assert_eq!((status, body), (StatusCode::OK, json!([])));
    h.create(&create_body("+3611111111")).await;
    h.create(&create_body("+3622222222")).await;
    let (_, body) = h
        .call_json(Method::GET, "/quality-on-demand/v1/sessions", None)
        .await;
    assert_eq!(body.as_array().unwrap().len(), 2);
    assert_eq!(h.admin.sessions_json().await.len(), 2);
}

#[tokio::test]
async fn api_key_is_required() {
    let h = start().await;
    for key in [None, Some(""), Some("   ")] {
        let mut req = h
            .http
            .post(h.qod("/sessions"))
            .json(&create_body("+3612345678"));
        if let Some(key) = key {
            req = req.header("X-RapidAPI-Key", key);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            r.json::<Value>().await.unwrap(),
            json!({"message": "Invalid API key."})
        );
    }
    // Header names are case-insensitive, and X-RapidAPI-Host is not required.
    let r = h
        .http
        .get(h.qod("/sessions"))
        .header("x-rapidapi-key", "anything")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        h.admin.sessions_json().await.is_empty(),
        "nothing created without a key"
    );
}

#[tokio::test]
async fn a_configured_key_is_the_only_one_accepted() {
    let mut config = config();
    config.api_key = Some("the-key".into());
    let h = start_with(config).await;
    let (status, body) = h
        .call_json(Method::GET, "/quality-on-demand/v1/sessions", None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let r = h
        .http
        .get(h.qod("/sessions"))
        .header("X-RapidAPI-Key", "the-key")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_access_token_is_never_echoed() {
    let h = start().await;
    let mut body = create_body("+3612345678");
    body["sink"] = json!("https://example.com/notify");
    body["sinkCredential"] = json!({"credentialType": "ACCESSTOKEN", "accessToken": "s3cr3t-t0ken",
        "accessTokenExpiresUtc": "2030-01-01T00:00:00Z", "accessTokenType": "bearer"});
    let created = h.create(&body).await;
    let id = created["sessionId"].as_str().unwrap();
    let (_, got) = h.get(id).await;
    let (_, all) = h.admin.call(Method::GET, "/sessions", None).await;
    let (_, mine) = h.retrieve(&json!({"device": body["device"]})).await;
    for answer in [&created, &got, &all, &mine] {
        let text = answer.to_string();
        assert!(!text.contains("s3cr3t-t0ken"), "{text}");
        assert!(!text.contains("sinkCredential"), "{text}");
    }
    assert_eq!(created["sink"], "https://example.com/notify");
}

#[tokio::test]
async fn unknown_and_malformed_session_ids() {
    let h = start().await;
    let unknown = uuid::Uuid::new_v4().to_string();
    let (status, body) = h.get(&unknown).await;
    assert_camara_error(status, &body, 404, "NOT_FOUND");
    let (status, body) = h
        .extend(&unknown, &json!({"requestedAdditionalDuration": 60}))
        .await;
    assert_camara_error(status, &body, 404, "NOT_FOUND");
    // CAMARA: a sessionId that is not a UUID is a 400, before any lookup.
    for method in [Method::GET, Method::DELETE] {
        let (status, body) = h
            .call_json(method, "/quality-on-demand/v1/sessions/not-a-uuid", None)
            .await;
        assert_camara_error(status, &body, 400, "INVALID_ARGUMENT");
        assert!(body["message"].as_str().unwrap().starts_with("sessionId: "));
    }
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let h = start().await;
    let (status, body) = h
        .call_json(Method::GET, "/quality-on-demand/v2/sessions", None)
        .await;
    // The gateway's answer, not a CAMARA one: a wrong URL must not read as "session gone".
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({"message": "Endpoint '/quality-on-demand/v2/sessions' does not exist"})
    );
    let (status, body) = h
        .call_json(Method::PUT, "/quality-on-demand/v1/sessions", None)
        .await;
    assert_camara_error(status, &body, 405, "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn qos_profiles_api() {
    let h = start().await;
    let (status, all) = h
        .call_json(
            Method::POST,
            "/qos-profiles/v1/retrieve-qos-profiles",
            Some(&json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, nac_api::rules::PROFILES.to_vec());
    for p in all.as_array().unwrap() {
        assert_eq!(p["status"], "ACTIVE");
        assert_eq!(p["maxDuration"], json!({"value": 86400, "unit": "Seconds"}));
        assert!(p["targetMinDownstreamRate"]["value"].as_u64().unwrap() > 0);
        assert!(
            p["maxDownstreamRate"]["value"].as_u64()
                >= p["targetMinDownstreamRate"]["value"].as_u64(),
            "{p}"
        );
    }
    let (_, large) = h
        .call_json(
            Method::GET,
            "/qos-profiles/v1/qos-profiles/DOWNLINK_L_UPLINK_S",
            None,
        )
        .await;
    let (_, small) = h
        .call_json(
            Method::GET,
            "/qos-profiles/v1/qos-profiles/DOWNLINK_S_UPLINK_S",
            None,
        )
        .await;
    assert!(
        large["targetMinDownstreamRate"]["value"].as_u64()
            > small["targetMinDownstreamRate"]["value"].as_u64()
    );
    assert_eq!(
        large["targetMinUpstreamRate"],
        small["targetMinUpstreamRate"]
    );

    let (status, one) = h
        .call_json(
            Method::POST,
            "/qos-profiles/v1/retrieve-qos-profiles",
            Some(&json!({"name": "QOS_E", "device": {"phoneNumber": "+3612345678"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert_eq!(one[0]["name"], "QOS_E");
    let (_, none) = h
        .call_json(
            Method::POST,
            "/qos-profiles/v1/retrieve-qos-profiles",
            Some(&json!({"status": "INACTIVE"})),
        )
        .await;
    assert_eq!(none, json!([]));

    let (status, body) = h
        .call_json(Method::GET, "/qos-profiles/v1/qos-profiles/QOS_XL", None)
        .await;
    assert_camara_error(status, &body, 404, "NOT_FOUND");
    let (status, body) = h
        .call_json(Method::GET, "/qos-profiles/v1/qos-profiles/a!b", None)
        .await;
    assert_camara_error(status, &body, 400, "INVALID_ARGUMENT");
    let (status, body) = h
        .call_json(Method::GET, "/qos-profiles/v1/qos-profiles/ab", None)
        .await;
    assert_camara_error(status, &body, 400, "INVALID_ARGUMENT");
    for bad in [
        json!({"device": {}}),
        json!({"status": "GONE"}),
        json!({"device": {"phoneNumber": "12"}}),
    ] {
        let (status, body) = h
            .call_json(
                Method::POST,
                "/qos-profiles/v1/retrieve-qos-profiles",
                Some(&bad),
            )
            .await;
        assert_camara_error(status, &body, 400, "INVALID_ARGUMENT");
    }
    let r = h
        .http
        .post(h.url("/qos-profiles/v1/retrieve-qos-profiles"))
        .header("X-RapidAPI-Key", KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "missing body");
    let r = h
        .http
        .get(h.url("/qos-profiles/v1/qos-profiles/QOS_E"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "the gateway guards the profiles API too"
    );
}

#[tokio::test]
async fn admin_api() {
    let h = start().await;
    let (status, faults) = h.admin.call(Method::GET, "/faults", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        faults,
        json!({"latency_ms": 0, "error_rate": 0.0, "error_statuses": [500, 503, 429], "post_commit_error_rate": 0.0})
    );
    for bad in [
        json!({"error_rate": 1.5}),
        json!({"post_commit_error_rate": -0.1}),
        json!({"error_statuses": [200]}),
        json!({"error_rate": 0.5, "error_statuses": []}),
        json!({"latency": 5}),
    ] {
        let (status, body) = h.admin.call(Method::PUT, "/faults", Some(&bad)).await;
        assert_camara_error(status, &body, 400, "INVALID_ARGUMENT");
    }
    for bad in [json!(-5), json!(1e300), json!("60")] {
        let (status, body) = h
            .admin
            .call(
                Method::POST,
                "/clock",
                Some(&json!({"advance_seconds": bad})),
            )
            .await;
        assert_camara_error(status, &body, 400, "INVALID_ARGUMENT");
    }
    // Step by step past a century: refused, never an overflow.
    let mut refused = false;
    for _ in 0..20 {
        let (status, _) = h
            .admin
            .call(
                Method::POST,
                "/clock",
                Some(&json!({"advance_seconds": 3e8})),
            )
            .await;
        refused |= status == StatusCode::BAD_REQUEST;
    }
    assert!(refused);
    assert_eq!(
        h.get(&uuid::Uuid::new_v4().to_string()).await.0,
        StatusCode::NOT_FOUND
    );
    h.admin.call(Method::POST, "/reset", None).await;
    let (status, clock) = h.admin.call(Method::GET, "/clock", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(clock["offset_seconds"], 0.0);

    let created = h.create(&create_body("+3612345678")).await;
    let id = created["sessionId"].as_str().unwrap();
    let (status, ended) = h
        .admin
        .call(Method::POST, &format!("/sessions/{id}/terminate"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{ended}");
    assert_eq!(ended["qosStatus"], "UNAVAILABLE");
    assert_eq!(ended["statusInfo"], "NETWORK_TERMINATED");
    let (status, body) = h
        .admin
        .call(
            Method::POST,
            &format!("/sessions/{}/terminate", uuid::Uuid::new_v4()),
            None,
        )
        .await;
    assert_camara_error(status, &body, 404, "NOT_FOUND");

    h.admin.set_faults(json!({"latency_ms": 5})).await;
    h.admin.advance_clock(100.0).await;
    let stats = h.admin.stats_json().await;
    assert_eq!(stats["sessions_created"], 1);
    assert!(stats["requests"].as_u64().unwrap() >= 1);
    let (status, _) = h.admin.call(Method::POST, "/reset", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(h.admin.sessions_json().await.is_empty());
    assert_eq!(
        h.admin.call(Method::GET, "/faults", None).await.1["latency_ms"],
        0
    );
    assert_eq!(
        h.admin.call(Method::GET, "/clock", None).await.1["offset_seconds"],
        0.0
    );
    assert_eq!(
        h.admin.stats_json().await,
        json!({"requests": 0, "faults_injected": 0, "post_commit_faults": 0, "sessions_created": 0, "profile_requests": 0, "notifications_dropped": 0, "oauth_tokens_issued": 0})
    );
    // The admin API needs no key and is not an API request.
    assert_eq!(h.admin.stats_json().await["requests"], 0);
}

#[tokio::test]
async fn shutdown_frees_the_port_for_a_restart() {
    let h = start().await;
    let addr = h.sandbox.addr();
    h.sandbox.shutdown().await;
    let mut config = config();
    config.listen = addr;
    let again = nac_sandbox::start(config)
        .await
        .expect("same address binds again");
    assert_eq!(again.addr(), addr);
    again.shutdown().await;
}

/// This machine's address on its default route (no packet is sent), if it has one.
fn non_loopback_ip() -> Option<std::net::IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.254:9").ok()?;
    Some(socket.local_addr().ok()?.ip()).filter(|ip| !ip.is_loopback() && !ip.is_unspecified())
}

#[tokio::test]
async fn off_loopback_the_admin_api_answers_only_its_token() {
    let Some(ip) = non_loopback_ip() else {
        eprintln!("no non-loopback address on this machine; nothing to check");
        return;
    };
    let mut config = config();
    config.listen = "0.0.0.0:0".parse().unwrap();
    // Required off loopback (see sandbox_exposure).
    config.admin_token = Some("admin-secret".into());
    let h = start_with(config).await;
    assert!(
        h.sandbox.base_url().starts_with("http://127.0.0.1:"),
        "a wildcard bind is named by loopback"
    );
    let remote = format!("http://{ip}:{}", h.sandbox.addr().port());
    let r = h
        .http
        .get(format!("{remote}/_sandbox/sessions"))
        .send()
        .await
        .unwrap();
    let status = r.status();
    assert_camara_error(status, &r.json().await.unwrap(), 403, "PERMISSION_DENIED");
    let r = h
        .http
        .post(format!("{remote}/_sandbox/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The API itself answers any client.
    let r = h
        .http
        .get(format!("{remote}/quality-on-demand/v1/sessions"))
        .header("X-RapidAPI-Key", KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // With a token, loopback clients need it too; with it, any client reaches the admin API.
    let r = h
        .http
        .get(h.url("/_sandbox/sessions"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = h
        .http
        .get(format!("{remote}/_sandbox/sessions"))
        .bearer_auth("admin-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn absurd_delays_are_capped_not_overflowed() {
    let mut config = config();
    config.activation_delay = std::time::Duration::MAX;
    config.retention = std::time::Duration::MAX;
    let h = start_with(config).await;
    let created = h.create(&create_body("+3612345678")).await;
    assert_eq!(created["qosStatus"], "REQUESTED");
    let id = created["sessionId"].as_str().unwrap();
    h.admin
        .call(Method::POST, &format!("/sessions/{id}/terminate"), None)
        .await;
    h.admin.advance_clock(1e9).await;
    assert_eq!(h.get(id).await.1["statusInfo"], "NETWORK_TERMINATED");
}

#[tokio::test]
async fn the_api_key_never_shows_in_debug_output() {
    let mut config = config();
    config.api_key = Some("very-secret-key".into());
    assert!(!format!("{config:?}").contains("very-secret-key"));
    let h = start_with(config).await;
    assert!(!format!("{:?}", h.sandbox).contains("very-secret-key"));
}
