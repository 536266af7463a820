//! Safe to expose: the admin API needs a token off loopback (and refuses to start without one), and
//! the notifier never reaches the sandbox itself, link-local, unspecified or multicast targets, never
//! follows redirects, and logs sink URLs without userinfo or query.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use axum::http::{header, StatusCode as AxumStatus};
use axum::response::IntoResponse;
use nac_sandbox::SandboxConfig;
use nac_testkit::api::*;
use nac_testkit::sink::Sink;
use reqwest::{Method, StatusCode};
use serde_json::json;

const TOKEN: &str = "team-admin-token-5d1e";

#[tokio::test]
async fn a_non_loopback_listen_needs_an_admin_token() {
    let refused = nac_sandbox::start(SandboxConfig {
        listen: "0.0.0.0:0".parse().unwrap(),
        ..config()
    })
    .await
    .expect_err("refused without a token");
    assert!(
        format!("{refused:#}").contains("--admin-token"),
        "{refused:#}"
    );

    // The binary says the same and exits non-zero.
    let out = Command::new(env!("CARGO_BIN_EXE_nac-sandbox"))
        .args(["--listen", "0.0.0.0:0"])
        .env_remove("NAC_SANDBOX_ADMIN_TOKEN")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("NAC_SANDBOX_ADMIN_TOKEN"), "{stderr}");
}

#[tokio::test]
async fn with_a_token_the_admin_api_and_the_ui_need_it() {
    let h = start_with(SandboxConfig {
        listen: "0.0.0.0:0".parse().unwrap(),
        admin_token: Some(TOKEN.into()),
        ..config()
    })
    .await;
    let admin = h.url("/_sandbox/sessions");
    for attempt in [None, Some("Bearer wrong"), Some("Basic dGVhbQ==")] {
        let mut request = h.http.get(&admin);
        if let Some(value) = attempt {
            request = request.header("authorization", value);
        }
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{attempt:?}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["code"], "PERMISSION_DENIED");
    }
    let r = h.http.get(&admin).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = h.http.post(h.url("/_sandbox/reset")).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "state-changing calls too"
    );

    // The UI: refused without the token; a login link sets a cookie and drops the token from the URL.
    let ui = h.url("/_sandbox/ui");
    assert_eq!(
        h.http.get(&ui).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_redirects
        .get(format!("{ui}?token={TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[header::LOCATION.as_str()], "/_sandbox/ui");
    let cookie = r.headers()[header::SET_COOKIE.as_str()]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap();
    let r = h.http.get(&ui).header("cookie", pair).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // The API itself is unchanged: the key, not the admin token.
    let (status, _) = h
        .call_json(Method::GET, "/quality-on-demand/v1/sessions", None)
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn sinks_that_reach_the_sandbox_or_forbidden_addresses_are_refused_at_create() {
    let h = start().await;
    let port = h.sandbox.addr().port();
    for (i, sink) in [
        format!("http://127.0.0.1:{port}/_sandbox/reset"),
        format!("http://localhost:{port}/_sandbox/reset"),
        format!("http://[::1]:{port}/_sandbox/reset"),
        format!("http://127.0.0.2:{port}/_sandbox/reset"),
        "https://169.254.169.254/latest/meta-data/".to_owned(),
        "https://[fe80::1]/notify".to_owned(),
        "https://0.0.0.0/notify".to_owned(),
        "https://224.0.0.251/notify".to_owned(),
    ]
    .iter()
    .enumerate()
    {
        let mut body = create_body(&format!("+3670000000{i}"));
        body["sink"] = json!(sink);
        let (status, answer) = h
            .call_json(Method::POST, "/quality-on-demand/v1/sessions", Some(&body))
            .await;
        assert_camara_error(status, &answer, 400, "INVALID_ARGUMENT");
        assert!(
            answer["message"].as_str().unwrap().starts_with("sink: "),
            "{answer}"
        );
    }
    assert!(h.admin.sessions().await.is_empty());
}

/// A sink that answers every notification with a redirect to `location`, counting them.
async fn redirecting_sink(
    location: String,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = hits.clone();
    let app = axum::Router::new().fallback(move || {
        counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let location = location.clone();
        async move {
            (
                AxumStatus::TEMPORARY_REDIRECT,
                [(header::LOCATION, location)],
            )
                .into_response()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, hits)
}

#[tokio::test]
async fn redirects_are_never_followed() {
    let h = start().await;
    let kept = h.create(&create_body("+3671111111")).await;
    let reset = h.url("/_sandbox/reset");
    let (sink, hits) = redirecting_sink(reset).await;
    let mut body = create_body("+3672222222");
    body["sink"] = json!(sink);
    h.create(&body).await;
    for _ in 0..100 {
        if hits.load(std::sync::atomic::Ordering::SeqCst) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        hits.load(std::sync::atomic::Ordering::SeqCst) >= 1,
        "the sink was notified"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        hits.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "a redirect is not retried"
    );
    let (status, _) = h.get(kept["sessionId"].as_str().unwrap()).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the redirect to /_sandbox/reset was not followed"
    );
    assert_eq!(h.admin.sessions().await.len(), 2);
}

#[test]
fn logged_sink_urls_drop_userinfo_and_query() {
    // A port nobody listens on: delivery fails and is logged.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    drop(dead);
    let mut child = Command::new(env!("CARGO_BIN_EXE_nac-sandbox"))
        .args(["--listen", "127.0.0.1:0", "--activation-delay-ms", "0"])
        .env("NAC_SANDBOX_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = nac_testkit::admin::read_listening_url(&mut child);
    let mut body = create_body("+3673333333");
    body["sink"] = json!(format!(
        "https://alice:s3cr3t-pw@127.0.0.1:{dead_port}/hook?sig=q-s3cr3t"
    ));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{base}/quality-on-demand/v1/sessions"))
            .header("X-RapidAPI-Key", KEY)
            .json(&body)
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, StatusCode::CREATED);
    // Three attempts with 0.2 s and 0.4 s between them.
    std::thread::sleep(Duration::from_millis(1500));
    let _ = child.kill();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let _ = child.wait();
    assert!(
        stderr.contains(&format!("https://127.0.0.1:{dead_port}/hook")),
        "the failure is logged with the sink: {stderr}"
    );
    assert!(!stderr.contains("s3cr3t"), "{stderr}");
    assert!(!stderr.contains("alice"), "{stderr}");
}

#[tokio::test]
async fn a_local_receiver_on_another_port_still_works() {
    let h = start().await;
    let (sink, url) = Sink::start().await;
    let mut body = create_body("+3674444444");
    body["sink"] = json!(url);
    h.create(&body).await;
    let events = sink.wait_for(1).await;
    assert_eq!(events[0].body["data"]["qosStatus"], "AVAILABLE");
}
