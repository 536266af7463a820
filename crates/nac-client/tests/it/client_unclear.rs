//! Replies that never come (timeouts) leave open whether a create or an extend was applied. The sandbox's
//! latency delays every request alike, so these cases use a tiny scripted server whose first reply is late:
//! the client must find out what happened instead of repeating the call.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{SubsecRound, Utc};
use nac_api::wire::{CreateSession, QosStatus, SessionInfo};
use nac_client::{ClientConfig, Environment, NacClient};
use nac_testkit::requests::{request, TOKEN};

#[derive(Default)]
struct Script {
    /// Apply the first create/extend, then answer too late.
    apply_then_stall: bool,
    posts: usize,
    extends: usize,
    sessions: Vec<SessionInfo>,
}

type Shared = Arc<Mutex<Script>>;

const STALL: Duration = Duration::from_secs(3);

fn session_for(req: &CreateSession, n: usize) -> SessionInfo {
    // Whole seconds, so that a trip through the wire format (microseconds) changes nothing.
    let now = Utc::now().trunc_subsecs(0);
    SessionInfo {
        session_id: format!("00000000-0000-4000-8000-{n:012}"),
        qos_profile: req.qos_profile.clone().unwrap(),
        device: req.device.clone(),
        application_server: req.application_server.clone().unwrap(),
        device_ports: req.device_ports.clone(),
        application_server_ports: req.application_server_ports.clone(),
        sink: None,
        duration: req.duration.unwrap(),
        started_at: Some(now),
        expires_at: Some(now + chrono::Duration::seconds(req.duration.unwrap())),
        qos_status: QosStatus::Available,
        status_info: None,
    }
}

async fn create(State(script): State<Shared>, Json(req): Json<CreateSession>) -> Response {
    let (stall, applied) = {
        let mut script = script.lock().unwrap();
        script.posts += 1;
        let first = script.posts == 1;
        // When not applying on the first attempt, the first attempt stalls *before* storing anything.
        let store = script.apply_then_stall || !first;
        let session = store.then(|| {
            let session = session_for(&req, script.posts);
            script.sessions.push(session.clone());
            session
        });
        (first, session)
    };
    if stall {
        tokio::time::sleep(STALL).await;
    }
    match applied {
        Some(session) => (StatusCode::CREATED, Json(session)).into_response(),
        None => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

async fn retrieve(State(script): State<Shared>) -> Response {
    let sessions = script.lock().unwrap().sessions.clone();
    if sessions.is_empty() {
        let body = serde_json::json!({"detail": "QoS subscription not found"});
        return (StatusCode::NOT_FOUND, Json(body)).into_response();
    }
    Json(sessions).into_response()
}

async fn get_session(State(script): State<Shared>, Path(id): Path<String>) -> Response {
    let script = script.lock().unwrap();
    match script.sessions.iter().find(|s| s.session_id == id) {
        Some(session) => Json(session.clone()).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({"status": 404, "code": "NOT_FOUND", "message": "no such session"})),
        )
            .into_response(),
    }
}

async fn extend(State(script): State<Shared>, Path(id): Path<String>) -> Response {
    let (stall, session) = {
        let mut script = script.lock().unwrap();
        script.extends += 1;
        let first = script.extends == 1;
        let session = script
            .sessions
            .iter_mut()
            .find(|s| s.session_id == id)
            .unwrap();
        session.expires_at = session
            .expires_at
            .map(|t| t + chrono::Duration::seconds(60));
        (first, session.clone())
    };
    if stall {
        tokio::time::sleep(STALL).await;
    }
    Json(session).into_response()
}

async fn serve(script: Script) -> (String, Shared) {
    let shared: Shared = Arc::new(Mutex::new(script));
    let app = Router::new()
        .route("/quality-on-demand/v1/sessions", post(create))
        .route("/quality-on-demand/v1/sessions/{id}", get(get_session))
        .route("/quality-on-demand/v1/sessions/{id}/extend", post(extend))
        .route("/quality-on-demand/v1/retrieve-sessions", post(retrieve))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), shared)
}

fn impatient_client(base_url: &str) -> NacClient {
    NacClient::new(ClientConfig {
        request_timeout: Duration::from_millis(400),
        retry_base_delay: Duration::from_millis(10),
        ..ClientConfig::new(Environment::Prod, TOKEN).with_base_url(base_url)
    })
    .unwrap()
}

#[tokio::test]
async fn a_create_applied_but_answered_too_late_is_adopted() {
    let (base, script) = serve(Script {
        apply_then_stall: true,
        ..Default::default()
    })
    .await;
    let client = impatient_client(&base);
    let session = client.create_session(&request(1)).await.unwrap();
    let script = script.lock().unwrap();
    assert_eq!(script.posts, 1, "the create was not sent again");
    assert_eq!(script.sessions.len(), 1);
    assert_eq!(session.session_id, script.sessions[0].session_id);
    assert_eq!((client.stats().ambiguous, client.stats().adopted), (1, 1));
}

#[tokio::test]
async fn a_create_that_timed_out_before_it_was_applied_is_sent_again() {
    let (base, script) = serve(Script::default()).await;
    let client = impatient_client(&base);
    let session = client.create_session(&request(1)).await.unwrap();
    let script = script.lock().unwrap();
    assert_eq!(script.posts, 2, "looked up, found nothing, sent again");
    assert_eq!(script.sessions.len(), 1);
    assert_eq!(session.session_id, script.sessions[0].session_id);
    assert_eq!((client.stats().ambiguous, client.stats().adopted), (1, 0));
}

#[tokio::test]
async fn an_extend_applied_but_answered_too_late_is_not_applied_twice() {
    let (base, script) = serve(Script {
        apply_then_stall: false,
        ..Default::default()
    })
    .await;
    let req = request(1);
    let original = session_for(&req, 42);
    script.lock().unwrap().sessions.push(original.clone());
    let client = impatient_client(&base);
    let extended = client
        .extend_session(&original.session_id, 60)
        .await
        .unwrap();
    assert_eq!(script.lock().unwrap().extends, 1, "sent once");
    assert_eq!(
        (extended.expires_at.unwrap() - original.expires_at.unwrap()).num_seconds(),
        60
    );
}

#[tokio::test]
async fn an_unknown_outcome_can_be_resolved_later() {
    // A later run (another client) finds the session an interrupted create made.
    let (base, _script) = serve(Script {
        apply_then_stall: true,
        ..Default::default()
    })
    .await;
    let started = Utc::now();
    let first = impatient_client(&base);
    let created = first.create_session(&request(5)).await.unwrap();
    // The window of the interrupted create: from sending it to giving up on it.
    let started = nac_client::Window::new(started, Utc::now());
    let later = impatient_client(&base);
    let found = later
        .find_created_session(&request(5), started, &Default::default())
        .await
        .unwrap()
        .expect("found");
    assert_eq!(found.session_id, created.session_id);
    // Claimed: not handed out twice, and not found for a different request.
    assert!(later
        .find_created_session(&request(5), started, &Default::default())
        .await
        .unwrap()
        .is_none());
    assert!(impatient_client(&base)
        .find_created_session(&request(6), started, &Default::default())
        .await
        .unwrap()
        .is_none());
}
