//! The live page `/_sandbox/ui` in a real headless Chromium (Debian's `chromium` + `chromium-driver`),
//! driven over the W3C WebDriver protocol: a session created through the API appears on the page by
//! itself, its Terminate button ends it, the clock button moves the clock, and a screenshot is written to
//! `target/sandbox-ui.png`. Without Chromium the test prints one "NOT RUN" line and passes, but fails
//! under `CI=true` (CI installs it, see .ci/run). Chromium is not fetched under `target/`: Debian's
//! build needs some forty shared libraries of the system, which only a root install brings.
//!
//! The WebDriver calls are a few JSON requests made with reqwest: the WebDriver crates pull a second
//! rustls crypto provider into the build, which would change what the shipped binaries link.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use nac_sandbox::SandboxConfig;
use nac_testkit::api::*;
use serde_json::{json, Value};

const ADMIN_TOKEN: &str = "ui-test-admin-token";

const TEST: &str = "sandbox_ui";
const INSTALL: &str = "install it with: sudo apt-get install -y chromium chromium-driver";

fn find(candidates: &[&str]) -> Option<PathBuf> {
    candidates.iter().map(PathBuf::from).find(|p| p.exists())
}

/// Chromium and chromedriver, or `None` after saying "NOT RUN" (a failure under CI).
/// `NAC_TEST_NO_CHROMIUM=1` pretends they are missing, to check that path on a machine with them.
fn chromium_and_driver() -> Option<(PathBuf, PathBuf)> {
    let hidden = std::env::var_os("NAC_TEST_NO_CHROMIUM").is_some_and(|v| v == "1");
    let chromium = find(&["/usr/bin/chromium", "/usr/bin/chromium-browser"]).filter(|_| !hidden);
    let chromedriver =
        find(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]).filter(|_| !hidden);
    match (chromium, chromedriver) {
        (Some(chromium), Some(chromedriver)) => Some((chromium, chromedriver)),
        (None, _) => {
            nac_testkit::prerequisite::not_run(TEST, "Chromium is not installed", INSTALL);
            None
        }
        (_, None) => {
            nac_testkit::prerequisite::not_run(TEST, "chromedriver is not installed", INSTALL);
            None
        }
    }
}

struct Driver {
    child: Child,
    url: String,
    http: reqwest::Client,
    session: String,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // chromedriver and the Chromium it started share a process group of their own: end all of it,
        // also when the test failed before closing the browser.
        // SAFETY: signalling a process group this test created.
        unsafe { libc::kill(-(self.child.id() as libc::pid_t), libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

impl Driver {
    async fn start(chromium: PathBuf, chromedriver: PathBuf) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = http.get(format!("{url}/status")).send().await;
            if let Ok(r) = ready {
                let status: Value = r.json().await.unwrap_or_default();
                if status["value"]["ready"] == true {
                    break;
                }
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,720",
        ]
        .iter()
        .map(|a| a.to_string())
        .chain([format!("--user-data-dir={}", profile.path().display())])
        .collect::<Vec<_>>();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args}
        }}});
        let mut driver = Driver {
            child,
            url,
            http,
            session: String::new(),
            _profile: profile,
        };
        let created = driver.call("POST", "/session", Some(caps)).await;
        driver.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {created}"))
            .to_owned();
        driver
    }

    /// A WebDriver command; returns its `value`.
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = if path == "/session" {
            format!("{}{path}", self.url)
        } else {
            format!("{}/session/{}{path}", self.url, self.session)
        };
        let request = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body.unwrap_or(json!({}))),
        };
        let answer: Value = request.send().await.unwrap().json().await.unwrap();
        answer["value"].clone()
    }

    async fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url }))).await;
    }

    /// The element matching `css`, waiting up to 5 s for it to appear.
    async fn wait_for(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let found = self
                .call(
                    "POST",
                    "/element",
                    Some(json!({"using": "css selector", "value": css})),
                )
                .await;
            if let Some(id) = found
                .as_object()
                .and_then(|o| o.values().next())
                .and_then(Value::as_str)
            {
                return id.to_owned();
            }
            assert!(
                Instant::now() < deadline,
                "{css} did not appear on the page"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn text(&self, element: &str) -> String {
        let text = self
            .call("GET", &format!("/element/{element}/text"), None)
            .await;
        text.as_str().unwrap_or_default().to_owned()
    }

    /// Waits until the element matching `css` has `want` as its text.
    async fn wait_for_text(&self, css: &str, want: &str) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let element = self.wait_for(css).await;
            if self.text(&element).await == want {
                return;
            }
            assert!(Instant::now() < deadline, "{css} never read {want:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn click(&self, css: &str) {
        let element = self.wait_for(css).await;
        self.call("POST", &format!("/element/{element}/click"), None)
            .await;
    }

    async fn screenshot(&self, path: &Path) {
        let png = self.call("GET", "/screenshot", None).await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().expect("a base64 screenshot"))
            .unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "a PNG");
        std::fs::write(path, bytes).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_page_shows_sessions_and_runs_admin_actions_in_chromium() {
    let Some((chromium, chromedriver)) = chromium_and_driver() else {
        return;
    };
    let h = start_with(SandboxConfig {
        admin_token: Some(ADMIN_TOKEN.into()),
        ..config()
    })
    .await;
    let driver = Driver::start(chromium, chromedriver).await;
    // The login link: the token goes into a cookie, the page's own calls carry it.
    driver
        .goto(&format!("{}?token={ADMIN_TOKEN}", h.url("/_sandbox/ui")))
        .await;
    driver.wait_for("#sessions").await;

    // Created after the page loaded: it appears by itself.
    let mut body = create_body("+36721601234567");
    body["qosProfile"] = json!("QOS_E");
    let kept = h.create(&body).await;
    let mut body = create_body("+36729991111");
    body["device"]["networkAccessIdentifier"] = json!("demo-device@testcsp.net");
    let ended = h.create(&body).await;
    let id = ended["sessionId"].as_str().unwrap();
    let row = format!("tr[data-session-id=\"{id}\"]");
    driver
        .wait_for_text(&format!("{row} td.status"), "AVAILABLE")
        .await;
    let profile = driver.wait_for(&format!("{row} td.profile")).await;
    assert_eq!(driver.text(&profile).await, "QOS_L");
    let countdown = driver.wait_for(&format!("{row} td.countdown")).await;
    let left = driver.text(&countdown).await;
    assert!(
        left.starts_with("59m ") || left.starts_with("1h "),
        "{left}"
    );

    // Terminate from the page: the sandbox ends it, the page shows it.
    driver
        .click(&format!("button.terminate[data-id=\"{id}\"]"))
        .await;
    driver
        .wait_for_text(&format!("{row} td.status"), "UNAVAILABLE")
        .await;
    let (_, session) = h.get(id).await;
    assert_eq!(session["statusInfo"], "NETWORK_TERMINATED");

    // Advance the clock from the page.
    driver.click("#advance").await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while h.admin.call_ok(reqwest::Method::GET, "/clock", None).await["offset_seconds"]
        != json!(60.0)
    {
        assert!(Instant::now() < deadline, "the clock did not move");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let kept_row = format!(
        "tr[data-session-id=\"{}\"] td.status",
        kept["sessionId"].as_str().unwrap()
    );
    driver.wait_for_text(&kept_row, "AVAILABLE").await;
    tokio::time::sleep(Duration::from_millis(1200)).await; // one refresh, for the picture
    let png = nac_testkit::target_dir().join("sandbox-ui.png");
    driver.screenshot(&png).await;
    eprintln!("screenshot: {}", png.display());
    driver.call("DELETE", "", None).await;
}
