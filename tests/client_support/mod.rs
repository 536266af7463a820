//! Shared by the tests/client_*.rs binaries: a real sandbox started in-process, its admin API, and
//! client configurations pointed at it.
#![allow(dead_code)]

use std::time::Duration;

use nac::client::{ClientConfig, Environment, NacClient};
use nac::sandbox::{RunningSandbox, SandboxConfig, StatsReport};
use nac::wire::{
    ApplicationServer, CreateSession, Device, PortRange, PortsSpec, SessionInfo, SinkCredential,
};
use serde_json::Value;

pub const TOKEN: &str = "test-api-key-7f3a9c";
pub const SINK_TOKEN: &str = "sink-access-token-b41e";

pub struct Sandbox {
    pub running: RunningSandbox,
    pub base_url: String,
    admin: reqwest::Client,
}

pub async fn start_sandbox() -> Sandbox {
    start_sandbox_with(SandboxConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        activation_delay: Duration::ZERO,
        ..Default::default()
    })
    .await
}

pub async fn start_sandbox_with(config: SandboxConfig) -> Sandbox {
    let running = nac::sandbox::start(config).await.expect("sandbox starts");
    let base_url = running.base_url();
    Sandbox {
        running,
        base_url,
        admin: reqwest::Client::new(),
    }
}

impl Sandbox {
    pub async fn set_faults(&self, faults: Value) {
        let response = self
            .admin
            .put(format!("{}/_sandbox/faults", self.base_url))
            .json(&faults)
            .send()
            .await
            .expect("admin API answers");
        assert!(
            response.status().is_success(),
            "PUT /_sandbox/faults: {}",
            response.text().await.unwrap_or_default()
        );
    }

    pub async fn clear_faults(&self) {
        self.set_faults(serde_json::json!({"error_rate": 0.0, "post_commit_error_rate": 0.0}))
            .await;
    }

    /// Every session the sandbox holds, from its admin API.
    pub async fn sessions(&self) -> Vec<SessionInfo> {
        self.admin
            .get(format!("{}/_sandbox/sessions", self.base_url))
            .send()
            .await
            .expect("admin API answers")
            .json()
            .await
            .expect("a list of sessions")
    }

    pub async fn stats(&self) -> StatsReport {
        self.admin
            .get(format!("{}/_sandbox/stats", self.base_url))
            .send()
            .await
            .expect("admin API answers")
            .json()
            .await
            .expect("stats")
    }
}

/// A client for `base_url` with quick back-off, as a test wants it.
pub fn config(base_url: &str) -> ClientConfig {
    ClientConfig {
        max_retries: 8,
        retry_base_delay: Duration::from_millis(20),
        retry_max_delay: Duration::from_millis(1500),
        request_timeout: Duration::from_secs(10),
        total_timeout: Duration::from_secs(60),
        ..ClientConfig::new(Environment::Prod, TOKEN).with_base_url(base_url)
    }
}

pub fn client(base_url: &str) -> NacClient {
    NacClient::new(config(base_url)).expect("client builds")
}

pub fn device(n: usize) -> Device {
    Device {
        phone_number: Some(format!("+36701{n:06}")),
        ..Default::default()
    }
}

/// A full create request for device `n`, with ports and both server addresses.
pub fn request(n: usize) -> CreateSession {
    CreateSession {
        qos_profile: Some("DOWNLINK_L_UPLINK_L".into()),
        device: Some(device(n)),
        application_server: Some(ApplicationServer {
            ipv4_address: Some("233.252.0.9".into()),
            ipv6_address: Some("2001:db8:1234:5678:9abc:def0:fedc:ba98".into()),
        }),
        duration: Some(3600),
        device_ports: Some(PortsSpec {
            ranges: None,
            ports: Some(vec![20000]),
        }),
        application_server_ports: Some(PortsSpec {
            ranges: Some(vec![PortRange { from: 80, to: 443 }]),
            ports: Some(vec![8080]),
        }),
        sink: None,
        sink_credential: None,
    }
}

/// The same with a sink and its secret access token (the sink is a closed loopback port: deliveries
/// fail fast and stay on this machine).
pub fn request_with_sink(n: usize) -> CreateSession {
    CreateSession {
        sink: Some("http://127.0.0.1:9/notify".into()),
        sink_credential: Some(SinkCredential::bearer(
            SINK_TOKEN.into(),
            "2030-01-01T00:00:00Z".into(),
        )),
        ..request(n)
    }
}
