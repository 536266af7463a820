//! Where one plugin launch spends its time, read from outside: Terraform's own log (`TF_LOG_CORE=trace`
//! for the gRPC calls, `TF_LOG_PROVIDER=debug` for go-plugin's process lines), whose timestamps have
//! millisecond resolution, so phases are averaged over many launches (the rounding averages out).
//!
//! A launch, in the log's order: `provider: starting plugin` (launch request) → `provider: plugin
//! started` (fork/exec done) → `provider: using plugin` (handshake line read) → the first
//! `GRPCProvider.v6:` call sent (in between, Terraform dials the gRPC connection: TLS handshake) →
//! `ConfigureProvider` → `GRPCProvider.v6: Close` → `provider: plugin exited`. A call ends at the next
//! line Terraform core writes (lines the plugin forwards are skipped).

use chrono::{DateTime, FixedOffset};

/// Milliseconds of each phase of one launch (`None` when the launch did not have it).
#[derive(Debug, Default, Clone)]
pub struct Launch {
    pub spawn: Option<f64>,
    pub to_handshake: Option<f64>,
    pub to_first_call: Option<f64>,
    /// The first call itself: GetProviderSchema on every launch.
    pub first_call: Option<f64>,
    pub configure: Option<f64>,
    pub exit: Option<f64>,
    /// Launch request to the first call sent: what the stack costs before any work.
    pub launch_to_first_call: Option<f64>,
}

#[derive(Default)]
struct Marks {
    start: Option<DateTime<FixedOffset>>,
    started: Option<DateTime<FixedOffset>>,
    handshake: Option<DateTime<FixedOffset>>,
    first_call: Option<DateTime<FixedOffset>>,
    first_call_end: Option<DateTime<FixedOffset>>,
    configure: Option<DateTime<FixedOffset>>,
    configure_end: Option<DateTime<FixedOffset>>,
    close: Option<DateTime<FixedOffset>>,
    exited: Option<DateTime<FixedOffset>>,
}

impl Marks {
    fn phases(&self) -> Launch {
        let ms = |a: Option<DateTime<FixedOffset>>, b: Option<DateTime<FixedOffset>>| {
            Some((b? - a?).num_microseconds()? as f64 / 1e3)
        };
        Launch {
            spawn: ms(self.start, self.started),
            to_handshake: ms(self.started, self.handshake),
            to_first_call: ms(self.handshake, self.first_call),
            first_call: ms(self.first_call, self.first_call_end),
            configure: ms(self.configure, self.configure_end),
            exit: ms(self.close, self.exited),
            launch_to_first_call: ms(self.start, self.first_call),
        }
    }
}

/// Every complete launch (one that reached its first call) in a Terraform log.
pub fn parse(log: &str) -> Vec<Launch> {
    let mut launches = Vec::new();
    let mut current: Option<Marks> = None;
    // A call whose end is the next core line: true for the first call, false for ConfigureProvider.
    let mut open_call: Option<bool> = None;
    for line in log.lines() {
        let Some(at) = line
            .get(..24)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        else {
            continue;
        };
        let text = &line[24..];
        if text.contains("provider.terraform-provider-") {
            continue; // forwarded from the plugin: not Terraform's own progress
        }
        if text.contains("provider: starting plugin:") {
            if let Some(done) = current.take() {
                launches.push(done);
            }
            current = Some(Marks {
                start: Some(at),
                ..Default::default()
            });
            open_call = None;
            continue;
        }
        let Some(marks) = current.as_mut() else {
            continue;
        };
        // Terraform 1.11 logs `GetProviderSchema` inside every call (a cached schema look-up), so
        // such a line does not end the call under way.
        if !text.ends_with("GRPCProvider.v6: GetProviderSchema") {
            match open_call.take() {
                Some(true) => marks.first_call_end = Some(at),
                Some(false) => marks.configure_end = Some(at),
                None => {}
            }
        }
        if text.contains("provider: plugin started:") {
            marks.started = Some(at);
        } else if text.contains("provider: using plugin:") {
            marks.handshake = Some(at);
        } else if text.contains("provider: plugin exited") {
            marks.exited = Some(at);
        } else if let Some(call) = text.split("GRPCProvider.v6: ").nth(1) {
            let call = call.trim();
            if marks.first_call.is_none() {
                marks.first_call = Some(at);
                open_call = Some(true);
            } else if call == "ConfigureProvider" {
                marks.configure = Some(at);
                open_call = Some(false);
            } else if call == "Close" {
                marks.close = Some(at);
            }
        }
    }
    launches.extend(current);
    launches
        .into_iter()
        .filter(|m| m.first_call.is_some())
        .map(|m| m.phases())
        .collect()
}

/// The mean of one phase over `launches` and how many launches had it.
pub fn mean(launches: &[Launch], phase: Phase) -> (f64, usize) {
    let values: Vec<f64> = launches.iter().filter_map(phase).collect();
    if values.is_empty() {
        return (f64::NAN, 0);
    }
    (
        values.iter().sum::<f64>() / values.len() as f64,
        values.len(),
    )
}

/// Picks one phase of a launch.
pub type Phase = fn(&Launch) -> Option<f64>;

/// The phases shown, in order, with their labels.
pub const PHASES: [(&str, Phase); 7] = [
    ("launch request → process started", |l| l.spawn),
    ("→ handshake line", |l| l.to_handshake),
    ("→ first call sent (gRPC dial, TLS handshake)", |l| {
        l.to_first_call
    }),
    ("launch request → first call (sum)", |l| {
        l.launch_to_first_call
    }),
    ("first call (GetProviderSchema)", |l| l.first_call),
    ("ConfigureProvider", |l| l.configure),
    ("Close → process exited", |l| l.exit),
];
