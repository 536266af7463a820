//! CAMARA's r3.2 test definitions (`/work/shared/specs/camara-tests-r3.2/*.feature`, or
//! `$CAMARA_TESTS_DIR`) as a checklist for the camara flavour. Each scenario is read from the files: its
//! tag, its operation (the file) and what it expects (the status code and `$.code`). The scenarios whose
//! setup is generic (auth, scopes, ids, bodies, identifiers) are run against the sandbox and pass or fail
//! on what the file expects; the ones that cannot apply (3-legged tokens, device registries) are counted
//! as not applicable with the reason; the rest are counted as not automated. The figures are printed,
//! and every automated scenario must pass, except where the test plan contradicts the API definition
//! (listed in `DISAGREEMENTS`, with the reason; the sandbox follows the API definition).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use nac_sandbox::{Flavour, SandboxConfig};
use nac_testkit::admin::send_json;
use nac_testkit::api::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const LIFETIME: Duration = Duration::from_secs(3);

/// Scenarios where the test plan and the API definition it tests disagree; the sandbox follows the API
/// definition, and the scenario is counted as failing, with the reason.
const DISAGREEMENTS: [(&str, &str); 1] = [(
    "quality_on_demand_createSession_400.9_invalid_duration",
    "QoD 1.1.0's createSession defines 400 QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE (\"The requested \
     duration is out of the allowed range for the specific QoS profile\"); the r3.2 test plan expects \
     INVALID_ARGUMENT",
)];

struct Scenario {
    file: String,
    tag: String,
    title: String,
    status: Option<u16>,
    /// The codes accepted (`"$.code" is "A" or "B"`).
    codes: Vec<String>,
}

fn tests_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("CAMARA_TESTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared/specs/camara-tests-r3.2"));
    dir.is_dir().then_some(dir)
}

fn scenarios(dir: &std::path::Path) -> Vec<Scenario> {
    let mut all = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "feature"))
        .collect();
    files.sort();
    for path in files {
        let file = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut tag = None;
        for line in text.lines().map(str::trim) {
            if let Some(t) = line.strip_prefix('@') {
                tag = Some(t.split_whitespace().next().unwrap_or(t).to_owned());
            } else if let Some(title) = line.strip_prefix("Scenario") {
                let title = title.split_once(':').map_or(title, |(_, t)| t).trim();
                all.push(Scenario {
                    file: file.clone(),
                    tag: tag.take().unwrap_or_else(|| format!("(untagged) {title}")),
                    title: title.to_owned(),
                    status: None,
                    codes: Vec::new(),
                });
            } else if let Some(current) = all.last_mut().filter(|s| s.file == file) {
                if let Some(n) = line.strip_prefix("Then the response status code is ") {
                    current.status = current.status.or(n.trim().parse().ok());
                }
                if let Some(rest) = line.strip_prefix("And the response property \"$.code\" is ") {
                    if current.codes.is_empty() {
                        current.codes = rest
                            .split(" or ")
                            .map(|c| c.trim().trim_matches('"').to_owned())
                            .collect();
                    }
                }
            }
        }
    }
    all
}

/// What the sandbox offers the checks: tokens of clients with all scopes, of another client, and of
/// clients lacking the QoD or the profiles scopes; tokens minted at the start (expired by the end).
struct Ctx {
    h: Harness,
    phones: std::sync::atomic::AtomicU32,
    expired: BTreeMap<&'static str, String>,
}

impl Ctx {
    async fn token(&self, client: &str) -> String {
        self.h.client_token(client, "secret").await
    }

    fn phone(&self) -> String {
        let n = self
            .phones
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("+3694{n:06}")
    }

    /// A session of `app`; its id and phone number.
    async fn session(&self) -> (String, String) {
        let phone = self.phone();
        let token = self.token("app").await;
        let (status, body) = self
            .send(
                Some(&token),
                Method::POST,
                "/quality-on-demand/v1/sessions",
                Some(create_body(&phone)),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        (body["sessionId"].as_str().unwrap().to_owned(), phone)
    }

    async fn send(
        &self,
        token: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.h.http.request(method, self.h.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        send_json(request, body.as_ref()).await
    }
}

/// The operation of a feature file, for a session id: method, path and a valid body.
async fn operation(ctx: &Ctx, file: &str, id: Option<&str>) -> (Method, String, Option<Value>) {
    let session = match id {
        Some(id) => (id.to_owned(), ctx.phone()),
        None if file.contains("Session") || file.contains("extend") => ctx.session().await,
        None => (String::new(), ctx.phone()),
    };
    let (sid, phone) = session;
    let qod = "/quality-on-demand/v1";
    match file.rsplit('-').next().unwrap_or(file) {
        "createSession" => (
            Method::POST,
            format!("{qod}/sessions"),
            Some(create_body(&ctx.phone())),
        ),
        "getSession" => (Method::GET, format!("{qod}/sessions/{sid}"), None),
        "deleteSession" => (Method::DELETE, format!("{qod}/sessions/{sid}"), None),
        "extendQosSessionDuration" => (
            Method::POST,
            format!("{qod}/sessions/{sid}/extend"),
            Some(json!({"requestedAdditionalDuration": 60})),
        ),
        "retrieveSessionsByDevice" => (
            Method::POST,
            format!("{qod}/retrieve-sessions"),
            Some(json!({"device": {"phoneNumber": phone}})),
        ),
        "getQosProfile" => (
            Method::GET,
            "/qos-profiles/v1/qos-profiles/QOS_L".into(),
            None,
        ),
        "retrieveQoSProfiles" => (
            Method::POST,
            "/qos-profiles/v1/retrieve-qos-profiles".into(),
            Some(json!({})),
        ),
        other => panic!("unknown operation {other}"),
    }
}

enum Verdict {
    Ran(StatusCode, Value),
    NotApplicable(&'static str),
    NotAutomated,
}

async fn run(ctx: &Ctx, s: &Scenario) -> Verdict {
    let kind = s
        .tag
        .rsplit_once("_4")
        .map(|(_, k)| format!("4{k}"))
        .unwrap_or_default();
    let suffix = |x: &str| s.tag.ends_with(x);
    let profiles = s.file.starts_with("qos-profiles");
    let app = ctx.token("app").await;
    if suffix("401.1_no_authorization_header") {
        let (m, p, b) = operation(ctx, &s.file, None).await;
        let (st, body) = ctx.send(None, m, &p, b).await;
        return Verdict::Ran(st, body);
    }
    if suffix("401.2_expired_access_token") {
        let (m, p, b) = operation(ctx, &s.file, None).await;
        let (st, body) = ctx.send(Some(&ctx.expired["app"]), m, &p, b).await;
        return Verdict::Ran(st, body);
    }
    if suffix("401.3_invalid_access_token") {
        let (m, p, b) = operation(ctx, &s.file, None).await;
        let (st, body) = ctx
            .send(Some("not-a-token-this-sandbox-issued"), m, &p, b)
            .await;
        return Verdict::Ran(st, body);
    }
    if suffix("403.1_missing_access_token_scope") {
        let lacking = ctx
            .token(if profiles {
                "qod-only"
            } else {
                "profiles-only"
            })
            .await;
        let (m, p, b) = operation(ctx, &s.file, None).await;
        let (st, body) = ctx.send(Some(&lacking), m, &p, b).await;
        return Verdict::Ran(st, body);
    }
    if suffix("403.2_session_token_mismatch") {
        let other = ctx.token("other").await;
        let (m, p, b) = operation(ctx, &s.file, None).await;
        let (st, body) = ctx.send(Some(&other), m, &p, b).await;
        return Verdict::Ran(st, body);
    }
    if suffix("404.1_not_found") {
        let (m, p, b) = if profiles {
            (
                Method::GET,
                "/qos-profiles/v1/qos-profiles/QOS_NOT_OFFERED".to_owned(),
                None,
            )
        } else {
            operation(ctx, &s.file, Some(&uuid::Uuid::new_v4().to_string())).await
        };
        let (st, body) = ctx.send(Some(&app), m, &p, b).await;
        return Verdict::Ran(st, body);
    }
    if suffix("_invalid_session_id") {
        let (m, p, b) = operation(ctx, &s.file, Some("not-a-uuid")).await;
        let (st, body) = ctx.send(Some(&app), m, &p, b).await;
        return Verdict::Ran(st, body);
    }
    if suffix("_schema_not_compliant") {
        let (m, p, _) = operation(ctx, &s.file, None).await;
        let bad = json!({"device": "not an object", "qosProfile": 5, "requestedAdditionalDuration": "x", "name": 5, "status": 5});
        let (st, body) = ctx.send(Some(&app), m, &p, Some(bad)).await;
        return Verdict::Ran(st, body);
    }
    if suffix("_no_request_body") {
        let (m, p, _) = operation(ctx, &s.file, None).await;
        let (st, body) = ctx.send(Some(&app), m, &p, None).await;
        return Verdict::Ran(st, body);
    }
    if suffix("_empty_request_body") {
        let (m, p, _) = operation(ctx, &s.file, None).await;
        let (st, body) = ctx.send(Some(&app), m, &p, Some(json!({}))).await;
        return Verdict::Ran(st, body);
    }
    if suffix("C01.01_device_empty")
        || suffix("C01.02_device_identifiers_not_schema_compliant")
        || suffix("C01.05_missing_device")
    {
        let (m, p, b) = operation(ctx, &s.file, None).await;
        let mut b = b.unwrap_or_else(|| json!({}));
        if suffix("C01.01_device_empty") {
            b["device"] = json!({});
        } else if suffix("C01.02_device_identifiers_not_schema_compliant") {
            b["device"] = json!({"phoneNumber": "3600000000"});
        } else {
            b.as_object_mut().unwrap().remove("device");
        }
        let (st, body) = ctx.send(Some(&app), m, &p, Some(b)).await;
        return Verdict::Ran(st, body);
    }
    if suffix("C01.04_unnecessary_device") || suffix("03_3_legged_missing_device") {
        return Verdict::NotApplicable(
            "3-legged access tokens: the sandbox issues 2-legged ones only",
        );
    }
    if suffix("C01.03_device_not_found")
        || suffix("C01.06_unsupported_device")
        || suffix("C01.07_device_not_supported")
    {
        return Verdict::NotApplicable(
            "no device registry: every well-formed device exists and is served",
        );
    }
    if suffix("409.1_session_not_available") {
        let (id, _) = ctx.session().await;
        ctx.h.admin.terminate(&id).await;
        let (m, p, b) = operation(ctx, &s.file, Some(&id)).await;
        let (st, body) = ctx.send(Some(&app), m, &p, b).await;
        return Verdict::Ran(st, body);
    }
    if suffix("02_sessions_not_found") {
        let (m, p, b) = (
            Method::POST,
            "/quality-on-demand/v1/retrieve-sessions".to_owned(),
            Some(json!({"device": {"phoneNumber": ctx.phone()}})),
        );
        let (st, body) = ctx.send(Some(&app), m, &p, b).await;
        return Verdict::Ran(st, body);
    }
    if suffix("01_generic_success_scenario")
        || suffix("01_get_existing_session")
        || suffix("01_delete_existing_qod_session")
        || suffix("01_get_existing_session_by_device")
    {
        let (m, p, b) = operation(ctx, &s.file, None).await;
        let (st, body) = ctx.send(Some(&app), m, &p, b).await;
        return Verdict::Ran(st, body);
    }
    let _ = kind;
    let create = |edit: &dyn Fn(&mut Value)| {
        let mut body = create_body(&ctx.phone());
        edit(&mut body);
        body
    };
    let bad_create = if suffix("400.8_non_existent_qos_profile") {
        Some(create(&|b| b["qosProfile"] = json!("QOS_NOT_EXISTING")))
    } else if suffix("400.9_invalid_duration") {
        Some(create(&|b| b["duration"] = json!(86_401)))
    } else if suffix("400.5_out_of_range_port") {
        Some(create(
            &|b| {
                b["device"] =
                    json!({"ipv4Address": {"publicAddress": "203.0.113.9", "publicPort": 70_000}})
            },
        ))
    } else if suffix("400.6_invalid_sink_credential") {
        Some(create(&|b| {
            b["sink"] = json!("https://receiver.example/notify");
            b["sinkCredential"] =
                json!({"credentialType": "PLAIN", "identifier": "a", "secret": "b"});
        }))
    } else if suffix("400.7_sink_credential_invalid_token") {
        Some(create(&|b| {
            b["sink"] = json!("https://receiver.example/notify");
            b["sinkCredential"] = json!({"credentialType": "ACCESSTOKEN", "accessToken": "t",
                "accessTokenExpiresUtc": "2099-01-01T00:00:00Z", "accessTokenType": "mac"});
        }))
    } else if suffix("02_1_sinkcredential_provided") {
        Some(create(&|b| {
            b["sink"] = json!("https://receiver.example/notify");
            b["sinkCredential"] = json!({"credentialType": "ACCESSTOKEN", "accessToken": "t",
                "accessTokenExpiresUtc": "2099-01-01T00:00:00Z", "accessTokenType": "bearer"});
        }))
    } else if suffix("400.4_empty_property") {
        Some(create(&|b| b["qosProfile"] = json!({})))
    } else {
        None
    };
    if let Some(body) = bad_create {
        let path = "/quality-on-demand/v1/sessions";
        let (st, body) = ctx.send(Some(&app), Method::POST, path, Some(body)).await;
        return Verdict::Ran(st, body);
    }
    if suffix("02_exceed_max_duration") || suffix("02_get_recent_unavailable") {
        let mut body = create_body(&ctx.phone());
        body["duration"] = json!(80_000);
        let qod = "/quality-on-demand/v1/sessions";
        let (_, created) = ctx.send(Some(&app), Method::POST, qod, Some(body)).await;
        let id = created["sessionId"].as_str().unwrap().to_owned();
        if suffix("02_get_recent_unavailable") {
            ctx.h.admin.terminate(&id).await;
            let (st, body) = ctx
                .send(Some(&app), Method::GET, &format!("{qod}/{id}"), None)
                .await;
            let ok = body["qosStatus"] == "UNAVAILABLE";
            return Verdict::Ran(if ok { st } else { StatusCode::IM_A_TEAPOT }, body);
        }
        let extend = json!({"requestedAdditionalDuration": 20_000});
        let (st, body) = ctx
            .send(
                Some(&app),
                Method::POST,
                &format!("{qod}/{id}/extend"),
                Some(extend),
            )
            .await;
        // The total is capped at the profile's maxDuration (86,400 s for every profile here).
        let ok = body["duration"] == 86_400;
        return Verdict::Ran(if ok { st } else { StatusCode::IM_A_TEAPOT }, body);
    }
    if suffix("02_filter_by_name_only") || suffix("03_filter_by_status_only") {
        let filter = if suffix("name_only") {
            json!({"name": "QOS_L"})
        } else {
            json!({"status": "ACTIVE"})
        };
        let path = "/qos-profiles/v1/retrieve-qos-profiles";
        let (st, body) = ctx.send(Some(&app), Method::POST, path, Some(filter)).await;
        let matches = body.as_array().is_some_and(|all| {
            !all.is_empty()
                && all.iter().all(|p| {
                    p["name"] == "QOS_L" || (suffix("status_only") && p["status"] == "ACTIVE")
                })
        });
        return Verdict::Ran(if matches { st } else { StatusCode::IM_A_TEAPOT }, body);
    }
    if suffix("04_return_restricted_profiles")
        || suffix("05_not_return_restricted_profiles")
        || suffix("06_device_qos_profiles_not_found")
        || suffix("422.1_session_qos_profile_not_applicable")
    {
        return Verdict::NotApplicable(
            "no profile is restricted to some devices: every profile applies to every device",
        );
    }
    if suffix("409.1_session_conflict") {
        let body = create_body(&ctx.phone());
        let path = "/quality-on-demand/v1/sessions";
        let (first, _) = ctx
            .send(Some(&app), Method::POST, path, Some(body.clone()))
            .await;
        assert_eq!(first, StatusCode::CREATED);
        let (st, body) = ctx.send(Some(&app), Method::POST, path, Some(body)).await;
        return Verdict::Ran(st, body);
    }
    if suffix("400.1_name_does_not_match_regex") || suffix("400.2_invalid_name_length") {
        let name = if suffix("regex") { "QOS%20L%21" } else { "Q" };
        let path = format!("/qos-profiles/v1/qos-profiles/{name}");
        let (st, body) = ctx.send(Some(&app), Method::GET, &path, None).await;
        return Verdict::Ran(st, body);
    }
    Verdict::NotAutomated
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn camara_r3_2_scenarios_against_the_camara_flavour() {
    let Some(dir) = tests_dir() else {
        panic!("CAMARA's r3.2 feature files are not at /work/shared/specs/camara-tests-r3.2 (set CAMARA_TESTS_DIR)");
    };
    let all = scenarios(&dir);
    let h = start_with(SandboxConfig {
        flavour: Flavour::Camara,
        oauth_clients: vec![
            "app:secret".parse().unwrap(),
            "other:secret".parse().unwrap(),
            "qod-only:secret:quality-on-demand:sessions:create,quality-on-demand:sessions:read,quality-on-demand:sessions:update,quality-on-demand:sessions:delete,quality-on-demand:sessions:retrieve-by-device".parse().unwrap(),
            "profiles-only:secret:qos-profiles:read".parse().unwrap(),
        ],
        token_lifetime: LIFETIME,
        ..config()
    })
    .await;
    let mut ctx = Ctx {
        h,
        phones: 0.into(),
        expired: BTreeMap::new(),
    };
    let expired = ctx.token("app").await;
    ctx.expired.insert("app", expired);
    tokio::time::sleep(LIFETIME + Duration::from_millis(200)).await;

    let (mut pass, mut fail, mut na, mut manual) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for s in &all {
        match run(&ctx, s).await {
            Verdict::Ran(status, body) => {
                let status_ok = s.status.is_none_or(|want| status.as_u16() == want);
                let code_ok =
                    s.codes.is_empty() || s.codes.iter().any(|want| body["code"] == *want);
                let line = format!(
                    "{} [{}] want {:?} {:?}, got {} {}",
                    s.tag,
                    s.title,
                    s.status,
                    s.codes,
                    status.as_u16(),
                    body["code"]
                );
                if status_ok && code_ok {
                    pass.push(line)
                } else {
                    fail.push(line)
                }
            }
            Verdict::NotApplicable(why) => na.push(format!("{}: {why}", s.tag)),
            Verdict::NotAutomated => manual.push(format!("{} [{}]", s.tag, s.title)),
        }
    }
    eprintln!(
        "CAMARA r3.2 against the camara flavour: {} scenarios; {} pass, {} fail, {} not applicable, {} not automated",
        all.len(), pass.len(), fail.len(), na.len(), manual.len()
    );
    let explained = |line: &String| {
        DISAGREEMENTS
            .iter()
            .find(|(tag, _)| line.starts_with(&format!("{tag} ")))
            .map(|(_, why)| *why)
    };
    for line in &fail {
        match explained(line) {
            Some(why) => eprintln!("  FAIL {line}\n       explained: {why}"),
            None => eprintln!("  FAIL {line}"),
        }
    }
    for line in &na {
        eprintln!("  N/A  {line}");
    }
    for line in &manual {
        eprintln!("  TODO {line}");
    }
    assert!(
        all.len() >= 90,
        "the feature files were read ({} scenarios)",
        all.len()
    );
    let unexplained: Vec<_> = fail.iter().filter(|l| explained(l).is_none()).collect();
    assert!(
        unexplained.is_empty(),
        "automated scenarios fail: {unexplained:#?}"
    );
}
