//! The token-less admin API against what a web page in the developer's own browser can send (issue 16,
//! item 10): DNS rebinding, cross-site requests, CORS-simple content types, preflights; and against the
//! notifications of another sandbox. Each attack is tried on a sandbox holding sessions, which must
//! still hold them afterwards.

use nac_testkit::admin::{listening_url, spawn_binary};
use nac_testkit::api::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// A sandbox with three sessions.
async fn with_three_sessions() -> Harness {
    let h = start().await;
    for phone in ["+3671000001", "+3671000002", "+3671000003"] {
        h.create(&create_body(phone)).await;
    }
    h
}

async fn assert_untouched(h: &Harness) {
    assert_eq!(h.admin.sessions().await.len(), 3, "the store was not reset");
    let (_, clock) = h.admin.call(Method::GET, "/clock", None).await;
    assert_eq!(clock["offset_seconds"], 0.0, "the clock did not move");
}

async fn refused(request: reqwest::RequestBuilder, want: StatusCode) -> Value {
    let r = request.send().await.unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, want, "{body}");
    assert!(body["message"].is_string(), "{body}");
    body
}

#[tokio::test]
async fn dns_rebinding_cannot_read_or_change_anything() {
    let h = with_three_sessions().await;
    for path in ["/_sandbox/sessions", "/_sandbox/ui", "/_sandbox/reset"] {
        let method = if path.ends_with("reset") {
            Method::POST
        } else {
            Method::GET
        };
        let body = refused(
            h.http
                .request(method, h.url(path))
                .header("host", format!("evil.example:{}", h.sandbox.addr().port()))
                .header("content-type", "application/json"),
            StatusCode::MISDIRECTED_REQUEST,
        )
        .await;
        assert!(
            body["message"].as_str().unwrap().contains("--allowed-host"),
            "{body}"
        );
    }
    assert_untouched(&h).await;
    // Loopback names and IP literals still answer.
    for host in ["localhost", "127.0.0.1", "app.localhost"] {
        let r = h
            .http
            .get(h.url("/_sandbox/sessions"))
            .header("host", format!("{host}:{}", h.sandbox.addr().port()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{host}");
    }
}

#[tokio::test]
async fn cross_site_requests_are_refused() {
    let h = with_three_sessions().await;
    let reset = h.url("/_sandbox/reset");
    let clock = h.url("/_sandbox/clock");
    let advance = json!({"advance_seconds": 172800}).to_string();
    let attempts = [
        // A form or fetch from another site, as a current browser sends it.
        h.http
            .post(&reset)
            .header("origin", "https://evil.example")
            .header("sec-fetch-site", "cross-site")
            .header("content-type", "application/json"),
        // An older browser: Origin only.
        h.http
            .post(&clock)
            .header("origin", "http://evil.example")
            .header("content-type", "application/json")
            .body(advance.clone()),
        // Another port on localhost is another origin (same-site, not same-origin).
        h.http
            .post(&reset)
            .header("origin", "http://localhost:3000")
            .header("sec-fetch-site", "same-site")
            .header("content-type", "application/json"),
        // A sandboxed iframe or a file:// page.
        h.http
            .post(&reset)
            .header("origin", "null")
            .header("content-type", "application/json"),
        // Reading every key's sessions from a script on another site.
        h.http
            .get(h.url("/_sandbox/sessions"))
            .header("sec-fetch-site", "cross-site")
            .header("sec-fetch-mode", "no-cors"),
        // The preflight a cross-origin JSON call needs first.
        h.http
            .request(Method::OPTIONS, &reset)
            .header("origin", "https://evil.example")
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type"),
    ];
    for attempt in attempts {
        let r = attempt.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(
            r.headers().get("access-control-allow-origin").is_none(),
            "no CORS grant"
        );
    }
    assert_untouched(&h).await;

    // The same calls from the page itself (same origin) work.
    let own = h.url("");
    let r = h
        .http
        .post(&clock)
        .header("origin", &own)
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/json")
        .body(json!({"advance_seconds": 1}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // A link to the live page from elsewhere opens it (it changes nothing).
    let r = h
        .http
        .get(h.url("/_sandbox/ui"))
        .header("sec-fetch-site", "cross-site")
        .header("sec-fetch-mode", "navigate")
        .header("sec-fetch-dest", "document")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn state_changes_need_json_which_a_page_cannot_send_without_a_preflight() {
    let h = with_three_sessions().await;
    let advance = json!({"advance_seconds": 172800}).to_string();
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        for (path, body) in [
            ("/_sandbox/clock", advance.clone()),
            ("/_sandbox/reset", String::new()),
        ] {
            let mut request = h.http.post(h.url(path)).body(body);
            if let Some(content_type) = content_type {
                request = request.header("content-type", content_type);
            }
            let body = refused(request, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
            assert_eq!(body["code"], "UNSUPPORTED_MEDIA_TYPE", "{content_type:?}");
        }
    }
    assert_untouched(&h).await;
    let r = h
        .http
        .post(h.url("/_sandbox/reset"))
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "JSON without a body resets");
    assert!(h.admin.sessions().await.is_empty());
}

#[tokio::test]
async fn a_sink_cannot_drive_another_sandboxs_admin_api() {
    let victim = with_three_sessions().await;
    let attacker = start().await;
    let target = victim.url("/_sandbox/reset");
    let mut body = create_body("+3672000001");
    body["sink"] = json!(target);
    attacker.create(&body).await;
    // The victim refuses what a notifier sends, whatever its content type says.
    let r = victim
        .http
        .post(&target)
        .header("content-type", "application/json")
        .header("x-nac-sandbox-notification", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The AVAILABLE notification had time to arrive (and be refused).
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_untouched(&victim).await;
}

#[tokio::test]
async fn allowed_host_lets_a_name_in() {
    let (mut child, first_line) = spawn_binary(&[
        "--listen",
        "127.0.0.1:0",
        "--allowed-host",
        "sandbox.team.internal",
    ]);
    let url = listening_url(&first_line);
    let http = reqwest::Client::new();
    let get = |host: &'static str| {
        http.get(format!("{url}/_sandbox/stats"))
            .header("host", host)
            .send()
    };
    let named = get("sandbox.team.internal").await.unwrap().status();
    let other = get("other.team.internal").await.unwrap().status();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(named, StatusCode::OK);
    assert_eq!(other, StatusCode::MISDIRECTED_REQUEST);
}
