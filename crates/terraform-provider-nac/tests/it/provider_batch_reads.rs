//! Refresh from one list call, through the real `terraform` binary: a no-change plan of N sessions
//! costs one `GET /sessions` and no per-session GET; a session missing from the list is confirmed gone
//! only by its own GET's 404; with the list not served (a gateway's 404, 405, 500) or batch reads off,
//! every session is read with its own GET and the plan is just as right.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use nac_testkit::terraform::{session_hcl, Harness};

const SESSIONS: usize = 12;

fn sessions_body() -> String {
    (0..SESSIONS)
        .map(|i| session_hcl(&format!("s{i}"), &format!("batch{i}@testcsp.net"), ""))
        .collect()
}

/// A plan that must find nothing to do; returns the sandbox's API requests it took.
#[track_caller]
fn no_change_plan(tf: &Harness) -> u64 {
    let before = tf.request_count();
    let plan = tf.plan_detailed();
    assert_eq!(plan.code, 0, "expected no changes:\n{}", plan.output());
    tf.request_count() - before
}

#[test]
fn a_no_change_plan_reads_every_session_from_one_list_call() {
    let tf = Harness::start();
    tf.write_config(&sessions_body());
    tf.apply();

    let requests = no_change_plan(&tf);
    println!("no-change plan of {SESSIONS} with batch reads: {requests} API request(s)");
    assert_eq!(requests, 1, "one GET /sessions and no per-session GET");

    // Switched off: one GET per session, same plan.
    let mut tf = tf;
    tf.env.push(("NAC_BATCH_READS".into(), "false".into()));
    assert_eq!(no_change_plan(&tf), SESSIONS as u64);

    // The provider block wins over the environment.
    tf.env = vec![("NAC_BATCH_READS".into(), "true".into())];
    let hcl = std::fs::read_to_string(tf.workdir().join("main.tf")).unwrap();
    tf.write_file(
        "main.tf",
        &hcl.replacen(
            "provider \"nac\" {\n",
            "provider \"nac\" {\n  batch_reads = false\n",
            1,
        ),
    );
    assert_eq!(no_change_plan(&tf), SESSIONS as u64);
    tf.env.clear();
    tf.write_config(&sessions_body());

    // Deleted behind Terraform's back: absent from the list, so confirmed by its own GET (404).
    let gone = tf.state_string("nac_qod_session.s3", "id");
    tf.delete_session(&gone);
    let before = tf.qod_request_count();
    let plan = tf.plan_detailed();
    assert_eq!(plan.code, 2, "{}", plan.output());
    assert_eq!(plan.plan_counts(), Some((1, 0, 0)), "{}", plan.output());
    assert!(
        plan.stdout.contains("nac_qod_session.s3 will be created"),
        "{}",
        plan.stdout
    );
    assert_eq!(
        tf.qod_request_count() - before,
        3,
        "the list, then the absent session's own GET, then the device's sessions (a list is no witness)"
    );
    tf.destroy();
}

/// What the stand-in gateway answers to `GET /sessions` instead of passing it on.
#[derive(Clone)]
struct Gateway {
    upstream: String,
    status: StatusCode,
    body: &'static str,
    list_calls: Arc<AtomicU64>,
    http: reqwest::Client,
}

/// Passes every request on to the sandbox, except the list, which it refuses.
async fn gateway(State(gw): State<Gateway>, request: Request) -> Response {
    if request.method() == Method::GET && request.uri().path() == "/quality-on-demand/v1/sessions" {
        gw.list_calls.fetch_add(1, Ordering::Relaxed);
        return (gw.status, [("content-type", "application/json")], gw.body).into_response();
    }
    let url = format!("{}{}", gw.upstream, request.uri());
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, 1 << 20).await.unwrap_or_default();
    let mut forwarded = gw.http.request(parts.method, url).body(body);
    for (name, value) in &parts.headers {
        if name != "host" {
            forwarded = forwarded.header(name, value);
        }
    }
    match forwarded.send().await {
        Ok(reply) => {
            let mut response = Response::builder().status(reply.status());
            for (name, value) in reply.headers() {
                response = response.header(name, value);
            }
            let bytes = reply.bytes().await.unwrap_or_default();
            response.body(Body::from(bytes)).unwrap()
        }
        Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    }
}

#[test]
fn when_the_list_is_not_served_reads_fall_back_to_their_own_gets() {
    let tf = Harness::start();
    tf.write_config(&sessions_body());
    tf.apply();
    let sandbox_hcl = std::fs::read_to_string(tf.workdir().join("main.tf")).unwrap();
    let ids: Vec<String> = (0..SESSIONS)
        .map(|i| tf.state_string(&format!("nac_qod_session.s{i}"), "id"))
        .collect();

    for (status, body) in [
        (404, r#"{"message": "API doesn't exists"}"#),
        (
            405,
            r#"{"status": 405, "code": "METHOD_NOT_ALLOWED", "message": "no"}"#,
        ),
        (
            500,
            r#"{"status": 500, "code": "INTERNAL", "message": "boom"}"#,
        ),
        (200, r#"{"sessions": "not an array"}"#),
    ] {
        let (proxy, list_calls, server) = start_gateway(&tf, status, body);
        tf.write_file("main.tf", &sandbox_hcl.replace(&tf.base_url(), &proxy));
        let requests = no_change_plan(&tf);
        println!(
            "list answered {status}: {} list call(s), {requests} GETs reached the sandbox",
            list_calls.load(Ordering::Relaxed)
        );
        assert_eq!(requests, SESSIONS as u64, "list answered {status}");
        assert_eq!(
            list_calls.load(Ordering::Relaxed),
            1,
            "list answered {status}"
        );
        server.abort();
    }

    // Deleted behind Terraform's back with the list failing: its own GET says so.
    let (proxy, _, server) = start_gateway(&tf, 404, r#"{"message": "API doesn't exists"}"#);
    tf.write_file("main.tf", &sandbox_hcl.replace(&tf.base_url(), &proxy));
    tf.delete_session(&ids[5]);
    let plan = tf.plan_detailed();
    assert_eq!(plan.plan_counts(), Some((1, 0, 0)), "{}", plan.output());
    assert!(
        plan.stdout.contains("nac_qod_session.s5 will be created"),
        "{}",
        plan.stdout
    );
    server.abort();
    tf.write_file("main.tf", &sandbox_hcl);
    tf.destroy();
}

/// A stand-in gateway in front of the sandbox that answers `GET /sessions` with `status` and `body`:
/// its URL, its count of list calls, and its task.
fn start_gateway(
    tf: &Harness,
    status: u16,
    body: &'static str,
) -> (String, Arc<AtomicU64>, tokio::task::JoinHandle<()>) {
    let list_calls = Arc::new(AtomicU64::new(0));
    let state = Gateway {
        upstream: tf.base_url(),
        status: StatusCode::from_u16(status).unwrap(),
        body,
        list_calls: list_calls.clone(),
        http: {
            let _guard = tf.runtime.enter();
            reqwest::Client::new()
        },
    };
    let listener = tf
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().fallback(gateway).with_state(state);
    let server = tf.runtime.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, list_calls, server)
}
