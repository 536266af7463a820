//! Bad input never panics the sandbox: arbitrary bytes, arbitrary JSON, and valid requests with one part
//! replaced by arbitrary JSON, through the request parsing and validation and through a running server.

use std::sync::OnceLock;

use nac_sandbox::request;
use proptest::prelude::*;
use serde_json::{json, Value};

const CODES: [&str; 3] = [
    "INVALID_ARGUMENT",
    "OUT_OF_RANGE",
    "QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE",
];

/// Field names of the API, so that arbitrary JSON often looks like a real request.
const KEYS: [&str; 20] = [
    "qosProfile",
    "device",
    "applicationServer",
    "duration",
    "devicePorts",
    "applicationServerPorts",
    "sink",
    "sinkCredential",
    "phoneNumber",
    "networkAccessIdentifier",
    "ipv4Address",
    "ipv6Address",
    "publicAddress",
    "privateAddress",
    "publicPort",
    "ports",
    "ranges",
    "from",
    "to",
    "requestedAdditionalDuration",
];

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        prop_oneof![
            ".*",
            "[0-9.:/a-f]{0,40}",
            "\\+?[0-9]{0,18}",
            Just("QOS_L".to_string()),
            Just("https://example.com/n".to_string()),
            Just("2030-01-01T00:00:00Z".to_string()),
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        prop::sample::select(KEYS.to_vec()).prop_map(String::from),
                        ".{0,8}"
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

fn valid_request() -> Value {
    json!({
        "qosProfile": "DOWNLINK_L_UPLINK_L",
        "device": {"networkAccessIdentifier": "device@testcsp.net", "phoneNumber": "+36721601234567",
                   "ipv4Address": {"publicAddress": "233.252.0.2", "privateAddress": "192.0.2.25", "publicPort": 80},
                   "ipv6Address": "2001:db8::2"},
        "applicationServer": {"ipv4Address": "233.252.0.9", "ipv6Address": "2001:db8::/64"},
        "duration": 3600,
        "devicePorts": {"ports": [20000]},
        "applicationServerPorts": {"ranges": [{"from": 80, "to": 443}], "ports": [8080]},
        "sink": "https://example.com/notify",
        "sinkCredential": {"credentialType": "ACCESSTOKEN", "accessToken": "t",
                           "accessTokenExpiresUtc": "2030-01-01T00:00:00Z", "accessTokenType": "bearer"}
    })
}

/// Every path (object key or array index) inside a value.
fn paths(v: &Value, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Object(o) => {
            for (k, child) in o {
                let mut p = prefix.clone();
                p.push(k.clone());
                out.push(p.clone());
                paths(child, p, out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                let mut p = prefix.clone();
                p.push(i.to_string());
                out.push(p.clone());
                paths(child, p, out);
            }
        }
        _ => {}
    }
}

fn replace(v: &mut Value, path: &[String], with: Value) {
    let mut target = v;
    for p in path {
        target = match target {
            Value::Object(o) => o.get_mut(p).unwrap(),
            Value::Array(a) => &mut a[p.parse::<usize>().unwrap()],
            _ => unreachable!(),
        };
    }
    *target = with;
}

fn mutated_request() -> impl Strategy<Value = Value> {
    let mut all = Vec::new();
    paths(&valid_request(), Vec::new(), &mut all);
    (prop::sample::select(all), arb_json()).prop_map(|(path, with)| {
        let mut v = valid_request();
        replace(&mut v, &path, with);
        v
    })
}

fn assert_camara_400(e: &nac_api::wire::ErrorInfo) {
    assert_eq!(e.status, 400);
    assert!(CODES.contains(&e.code.as_str()), "{e:?}");
    assert!(!e.message.is_empty());
}

fn judge_everything(body: &[u8]) {
    for ct in [Some("application/json"), Some("text/plain"), None] {
        for allow in [true, false] {
            match request::parse_create(ct, body, allow) {
                Ok(req) => assert!(nac_api::rules::validate_create(
                    &req,
                    &nac_api::rules::PROFILES
                )
                .iter()
                .all(|v| v.field == "sink")),
                Err(e) => assert_camara_400(&e),
            }
        }
        if let Err(e) = request::parse_extend(ct, body) {
            assert_camara_400(&e);
        }
        if let Err(e) = request::parse_retrieve_sessions(ct, body) {
            assert_camara_400(&e);
        }
    }
    if let Ok(s) = std::str::from_utf8(body) {
        let _ = request::parse_session_id(s);
        let _ = request::is_http_loopback_url(s);
        let _ = request::check_content_type(Some(s));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..256)) {
        judge_everything(&body);
    }

    #[test]
    fn arbitrary_json_never_panics(v in arb_json()) {
        judge_everything(v.to_string().as_bytes());
    }

    #[test]
    fn mutated_requests_never_panic(v in mutated_request()) {
        judge_everything(v.to_string().as_bytes());
    }
}

struct Server {
    runtime: tokio::runtime::Runtime,
    base_url: String,
    http: reqwest::Client,
    _sandbox: nac_sandbox::RunningSandbox,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let sandbox = runtime
            .block_on(nac_sandbox::start(nac_sandbox::SandboxConfig {
                listen: "127.0.0.1:0".parse().unwrap(),
                ..Default::default()
            }))
            .unwrap();
        Server {
            base_url: sandbox.base_url(),
            http: reqwest::Client::new(),
            _sandbox: sandbox,
            runtime,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Through the server: every answer is a well-formed success or a CAMARA 400/404/409, never a dropped
    /// connection or a 500.
    #[test]
    fn the_server_answers_every_body(v in prop_oneof![mutated_request(), arb_json()]) {
        let s = server();
        let body = v.to_string();
        let answers = s.runtime.block_on(async {
            let mut answers = Vec::new();
            for path in ["/quality-on-demand/v1/sessions", "/quality-on-demand/v1/retrieve-sessions",
                         &format!("/quality-on-demand/v1/sessions/{}/extend", uuid::Uuid::new_v4())] {
                let r = s.http.post(format!("{}{path}", s.base_url))
                    .header("X-RapidAPI-Key", "k")
                    .header("Content-Type", "application/json")
                    .body(body.clone())
                    .send().await.expect("the server answers");
                let status = r.status().as_u16();
                answers.push((path.to_owned(), status, r.json::<Value>().await.expect("a JSON answer")));
            }
            answers
        });
        for (path, status, answer) in answers {
            match status {
                201 => prop_assert!(answer["sessionId"].is_string(), "{} {}", path, answer),
                400 => {
                    prop_assert!(CODES.contains(&answer["code"].as_str().unwrap_or_default()), "{} {}", path, answer);
                    prop_assert_eq!(&answer["status"], &json!(400));
                }
                // retrieve-sessions for a device without sessions; extend of an unknown session
                404 => prop_assert!(answer.get("detail").is_some() || answer["code"] == "NOT_FOUND", "{} {}", path, answer),
                200 => prop_assert!(answer.is_array(), "{} {}", path, answer),
                // NaC's one session per device: a valid body for a device an earlier case already holds
                409 => {
                    prop_assert_eq!(&answer["code"], &json!("CONFLICT"), "{} {}", path, answer);
                    prop_assert_eq!(&answer["status"], &json!(409));
                }
                other => prop_assert!(false, "{} answered {}: {}", path, other, answer),
            }
        }
    }
}
