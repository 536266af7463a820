//! The API client as the client tests configure it, and the requests it sends: devices and full
//! create requests, numbered so that each test can have as many distinct ones as it needs.

use std::time::Duration;

use nac_api::wire::{
    ApplicationServer, CreateSession, Device, PortRange, PortsSpec, SinkCredential,
};
use nac_client::{ClientConfig, Environment, NacClient};

pub const TOKEN: &str = "test-api-key-7f3a9c";
pub const SINK_TOKEN: &str = "sink-access-token-b41e";

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
