//! A table of malformed and unexpected replies, served by a tiny local server that answers canned garbage
//! (a test of the client's reply handling, not an acceptance test): each must give a clear error, never a
//! panic, never a secret.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use nac_client::{ApiError, ClientConfig, Environment, NacClient};
use nac_testkit::requests::{request_with_sink, SINK_TOKEN, TOKEN};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SESSION: &str = r#"{"sessionId":"s1","qosProfile":"QOS_L","applicationServer":{"ipv4Address":"1.2.3.4"},
    "duration":60,"qosStatus":"AVAILABLE","startedAt":"2024-06-18T08:48:12Z","expiresAt":"2024-06-18T08:49:12Z"}"#;

/// The canned reply for a case (the first path segment names the case).
async fn canned(
    State(hits): State<Arc<AtomicUsize>>,
    Path((case, _rest)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    hits.fetch_add(1, Ordering::SeqCst);
    let json = |status: StatusCode, body: String| {
        (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    };
    let html = |status: StatusCode, body: &'static str| {
        (status, [(header::CONTENT_TYPE, "text/html")], body).into_response()
    };
    match case.as_str() {
        "html-200" => html(
            StatusCode::OK,
            "<!doctype html><html><head><title>Welcome to nginx!</title></head><body>hi</body></html>",
        ),
        "truncated" => json(StatusCode::OK, SESSION[..40].to_string()),
        "wrong-types" => json(
            StatusCode::OK,
            SESSION.replace(r#""duration":60"#, r#""duration":"sixty""#),
        ),
        "missing-fields" => json(StatusCode::OK, r#"{"sessionId":"s1"}"#.into()),
        "empty-200" => json(StatusCode::OK, String::new()),
        "array-for-session" => json(StatusCode::OK, format!("[{SESSION}]")),
        "object-for-list" => json(StatusCode::OK, SESSION.into()),
        "bad-timestamp" => json(
            StatusCode::OK,
            SESSION.replace("2024-06-18T08:48:12Z", "yesterday"),
        ),
        "unknown-status" => json(
            StatusCode::OK,
            SESSION.replace(r#""AVAILABLE""#, r#""BROKEN""#),
        ),
        "not-utf8" => (StatusCode::OK, vec![0xff, 0xfe, b'{', 0x80]).into_response(),
        "deep" => json(StatusCode::OK, "[".repeat(10_000)),
        "huge-declared" => json(StatusCode::OK, " ".repeat(2 * 1024 * 1024)),
        "html-500" => html(
            StatusCode::INTERNAL_SERVER_ERROR,
            "<html><head><title>500 Internal Server Error</title></head><body><h1>Oops</h1></body></html>",
        ),
        "text-502" => (StatusCode::BAD_GATEWAY, "upstream connect error or disconnect/reset before headers")
            .into_response(),
        "html-404" => html(StatusCode::NOT_FOUND, "<html><body><h1>Not Found</h1></body></html>"),
        "fastapi-422" => json(
            StatusCode::UNPROCESSABLE_ENTITY,
            r#"{"detail":[{"loc":["body","device"],"msg":"field required","type":"missing"}]}"#.into(),
        ),
        "garbage-201" => {
            if _rest.ends_with("retrieve-sessions") {
                json(StatusCode::NOT_FOUND, r#"{"detail":"QoS subscription not found"}"#.into())
            } else {
                json(StatusCode::CREATED, "{\"sessionId\": ".into())
            }
        }
        "echo-secrets" => {
            // A misbehaving server that quotes the request, headers included, in its error message.
            let echoed = format!(
                "{:?} {}",
                headers.get("x-rapidapi-key"),
                String::from_utf8_lossy(&body)
            );
            json(
                StatusCode::BAD_REQUEST,
                serde_json::json!({"status": 400, "code": "INVALID_ARGUMENT", "message": echoed}).to_string(),
            )
        }
        _ => json(StatusCode::IM_A_TEAPOT, "{}".into()),
    }
}

async fn serve() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let app = axum::Router::new()
        .route("/{case}/{*rest}", axum::routing::any(canned))
        .with_state(hits.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), hits)
}

fn client_for(base: &str, case: &str) -> NacClient {
    NacClient::new(ClientConfig {
        max_retries: 1,
        retry_base_delay: Duration::from_millis(5),
        ..ClientConfig::new(Environment::Prod, TOKEN).with_base_url(format!("{base}/{case}"))
    })
    .unwrap()
}

#[derive(Clone, Copy)]
enum Call {
    Get,
    List,
    Create,
}

async fn call(client: &NacClient, call: Call) -> Result<(), ApiError> {
    match call {
        Call::Get => client.get_session("s1").await.map(drop),
        Call::List => client
            .device_sessions(&nac_testkit::requests::device(1))
            .await
            .map(drop),
        Call::Create => client.create_session(&request_with_sink(1)).await.map(drop),
    }
}

#[tokio::test]
async fn malformed_replies_give_clear_errors() {
    let (base, _) = serve().await;
    let table: &[(&str, Call, &[&str])] = &[
        ("html-200", Call::Get, &["get session s1: unexpected response (HTTP 200)", "an HTML page: Welcome to nginx!"]),
        ("truncated", Call::Get, &["HTTP 200", "truncated", "expected a session"]),
        ("wrong-types", Call::Get, &["the JSON is not a session", "invalid type: string \"sixty\""]),
        ("missing-fields", Call::Get, &["the JSON is not a session", "missing field"]),
        ("empty-200", Call::Get, &["the body is empty; expected a session"]),
        ("array-for-session", Call::Get, &["the JSON is not a session: expected an object, got an array"]),
        ("object-for-list", Call::List, &["retrieve device sessions: unexpected response (HTTP 200): the JSON is not a list of sessions: expected an array, got an object"]),
        ("bad-timestamp", Call::Get, &["invalid RFC 3339 timestamp \"yesterday\""]),
        ("unknown-status", Call::Get, &["unknown variant `BROKEN`"]),
        ("not-utf8", Call::Get, &["not valid JSON"]),
        ("deep", Call::Get, &["not valid JSON", "recursion limit"]),
        ("huge-declared", Call::Get, &["more than the 1048576 bytes the client reads"]),
        ("html-500", Call::Get, &["get session s1: HTTP 500 \"an HTML page: 500 Internal Server Error\" (after 2 attempts"]),
        ("text-502", Call::List, &["HTTP 502 \"upstream connect error or disconnect/reset before headers\""]),
        (
            "html-404",
            Call::Get,
            &["HTTP 404 from", "\"an HTML page: Not Found\"", "Check base_url"],
        ),
        ("fastapi-422", Call::Create, &["create session: HTTP 422 \"body.device: field required\""]),
        ("garbage-201", Call::Create, &["create session: unexpected response (HTTP 201)", "truncated"]),
    ];
    for (case, which, expected) in table {
        let client = client_for(&base, case);
        let err = call(&client, *which)
            .await
            .expect_err(&format!("case {case} must fail"));
        let text = err.to_string();
        println!("{case:>18}: {text}");
        for part in *expected {
            assert!(text.contains(part), "case {case}: {text:?} lacks {part:?}");
        }
        assert!(text.len() < 1200, "case {case}: message too long: {text}");
        assert!(
            !text.contains(TOKEN) && !text.contains(SINK_TOKEN),
            "case {case}: {text}"
        );
    }
}

#[tokio::test]
async fn an_unreadable_create_reply_is_checked_not_repeated() {
    let (base, hits) = serve().await;
    let client = client_for(&base, "garbage-201");
    let err = client
        .create_session(&request_with_sink(1))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::InvalidResponse { status: 201, .. }),
        "{err}"
    );
    // One create, one lookup of the device's sessions (which found nothing to adopt), no second create.
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    assert_eq!(client.stats().ambiguous, 1);
}

#[tokio::test]
async fn secrets_echoed_by_a_server_are_scrubbed() {
    let (base, _) = serve().await;
    let client = client_for(&base, "echo-secrets");
    let err = client
        .create_session(&request_with_sink(1))
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(text.contains("HTTP 400 INVALID_ARGUMENT"), "{text}");
    assert!(text.contains("<redacted>"), "{text}");
    assert!(
        !text.contains(TOKEN) && !text.contains(SINK_TOKEN),
        "{text}"
    );
}

/// A raw socket for what a well-behaved HTTP server cannot send: a reply cut short, and non-HTTP bytes.
async fn raw_server(reply: impl Into<Vec<u8>>) -> String {
    let reply: Arc<Vec<u8>> = Arc::new(reply.into());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let reply = reply.clone();
            let mut buf = vec![0; 64 * 1024];
            let _ = socket.read(&mut buf).await;
            let _ = socket.write_all(&reply).await;
            let _ = socket.shutdown().await;
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn broken_connections_give_clear_errors() {
    let cut_short = raw_server(
        &b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{\"sessionId\":"[..],
    )
    .await;
    let client = client_for(&cut_short, "x");
    let err = client.get_session("s1").await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, ApiError::Connection { .. }), "{text}");
    assert!(text.contains("failed before a complete reply"), "{text}");
    assert!(text.contains("(after 2 attempts"), "{text}");

    let not_http = raw_server(&b"SSH-2.0-OpenSSH_9.6\r\n"[..]).await;
    let client = client_for(&not_http, "x");
    let err = client.delete_session("s1").await.unwrap_err();
    assert!(matches!(err, ApiError::Connection { .. }), "{err}");
    assert!(err.to_string().starts_with("delete session s1: "), "{err}");
}

#[tokio::test]
async fn a_huge_streamed_body_is_not_read_whole() {
    // Chunked, so no length is declared up front: 4 MiB of spaces in 64 KiB chunks.
    let mut reply =
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
            .to_vec();
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..64 {
        reply.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        reply.extend_from_slice(&chunk);
        reply.extend_from_slice(b"\r\n");
    }
    reply.extend_from_slice(b"0\r\n\r\n");
    let base = raw_server(reply).await;
    let err = client_for(&base, "x").get_session("s1").await.unwrap_err();
    assert!(
        matches!(err, ApiError::InvalidResponse { status: 200, .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("larger than the 1048576 bytes the client reads"),
        "{err}"
    );
}
