//! Which existing session an unclear create may have made: the matching rule (a session is what a
//! request asked for), the attempt's time window, and the candidates among a device's sessions.

use crate::api_clock::Offset;
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use nac_api::device;
use nac_api::rules::DEFAULT_DURATION;
use nac_api::wire::{CreateField, CreateSession, PortsSpec, SessionInfo, StatusInfo};
use std::collections::HashSet;

/// How far the API's clock may be from ours, on each side of an attempt's window: a session whose
/// `startedAt` is this much before the attempt was sent, or after its failure, can still be its own.
/// Small on purpose: every second more is a second in which another client's identical create could
/// be taken for ours.
pub const ADOPT_CLOCK_SKEW: ChronoDuration = ChronoDuration::seconds(5);

/// When a create attempt may have made its session: from sending it to learning it failed (our clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Window {
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        Self {
            from: from.min(to),
            to: from.max(to),
        }
    }

    /// The smallest window holding both.
    pub fn span(self, other: Window) -> Window {
        Window::new(self.from.min(other.from), self.to.max(other.to))
    }

    /// Whether a session started at `t` (the API's clock) may come from this window: moved onto the
    /// API's clock by `offset` when it was measured (widened only by the measurement's uncertainty),
    /// else with [`ADOPT_CLOCK_SKEW`] on each side.
    pub fn contains_on(&self, t: DateTime<Utc>, offset: Option<Offset>) -> bool {
        let Some(offset) = offset else {
            return self.contains(t);
        };
        let from = self
            .from
            .checked_add_signed(offset.low)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let to = self
            .to
            .checked_add_signed(offset.high)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        // A `startedAt` in whole seconds (an API that drops the fraction) stands for [t, t + 1 s).
        let latest = if t.timestamp_subsec_nanos() == 0 {
            t.checked_add_signed(ChronoDuration::seconds(1))
                .unwrap_or(t)
        } else {
            t
        };
        from <= latest && t <= to
    }

    /// Whether a session started at `t` (the API's clock) may come from this window, skew allowed.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        let from = self
            .from
            .checked_sub_signed(ADOPT_CLOCK_SKEW)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let to = self
            .to
            .checked_add_signed(ADOPT_CLOCK_SKEW)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        from <= t && t <= to
    }
}

/// Decides whether `session` is what `req` asked for: same profile, application server addresses, ports,
/// duration and sink, and no device identifier that differs (the API may return fewer identifiers than
/// were sent). A session ended by a delete is never a match.
pub fn matches_request(req: &CreateSession, session: &SessionInfo) -> bool {
    differences(req, session).is_empty() && session.status_info != Some(StatusInfo::DeleteRequested)
}

/// The request fields in which `session` differs from what `req` asks for, by the rule of
/// [`matches_request`]: equal spellings of one address, port order and duplicates do not count. The
/// duration is the session's total (`duration`, extensions included) against the requested one.
pub fn differences(req: &CreateSession, session: &SessionInfo) -> Vec<CreateField> {
    let mut out = Vec::new();
    if req.qos_profile.as_deref() != Some(session.qos_profile.as_str()) {
        out.push(CreateField::QosProfile);
    }
    if match (&req.device, &session.device) {
        (Some(asked), Some(got)) => !device::never_contradict(asked, got),
        _ => false,
    } {
        out.push(CreateField::Device);
    }
    let asked = req.application_server.clone().unwrap_or_default();
    if !same_net(
        asked.ipv4_address.as_deref(),
        session.application_server.ipv4_address.as_deref(),
    ) {
        out.push(CreateField::ApplicationServerIpv4);
    }
    if !same_net(
        asked.ipv6_address.as_deref(),
        session.application_server.ipv6_address.as_deref(),
    ) {
        out.push(CreateField::ApplicationServerIpv6);
    }
    if !same_ports(
        req.application_server_ports.as_ref(),
        session.application_server_ports.as_ref(),
    ) {
        out.push(CreateField::ApplicationServerPorts);
    }
    if !same_ports(req.device_ports.as_ref(), session.device_ports.as_ref()) {
        out.push(CreateField::DevicePorts);
    }
    if non_empty(req.sink.as_deref()) != non_empty(session.sink.as_deref()) {
        out.push(CreateField::Sink);
    }
    if req.duration.unwrap_or(DEFAULT_DURATION) != session.duration {
        out.push(CreateField::Duration);
    }
    out
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

fn same_net(a: Option<&str>, b: Option<&str>) -> bool {
    match (non_empty(a), non_empty(b)) {
        (Some(a), Some(b)) => device::same_ip(a, b),
        (a, b) => a == b,
    }
}

fn same_ports(a: Option<&PortsSpec>, b: Option<&PortsSpec>) -> bool {
    fn normal(spec: Option<&PortsSpec>) -> (Vec<i64>, Vec<(i64, i64)>) {
        let mut ports = spec.and_then(|s| s.ports.clone()).unwrap_or_default();
        ports.sort_unstable();
        ports.dedup();
        let mut ranges: Vec<(i64, i64)> = spec
            .and_then(|s| s.ranges.as_ref())
            .map(|r| r.iter().map(|r| (r.from, r.to)).collect())
            .unwrap_or_default();
        ranges.sort_unstable();
        ranges.dedup();
        (ports, ranges)
    }
    normal(a) == normal(b)
}

/// Among `sessions`, those an unclear create for `req` may have made: a match whose `startedAt` lies in
/// one of the attempts' `windows`, not excluded, not already handed out by this client. A session
/// without `startedAt` cannot be placed and is never a candidate. Only a single candidate may be
/// adopted: with two, either could be another client's.
pub(super) fn candidates(
    req: &CreateSession,
    sessions: Vec<SessionInfo>,
    windows: &[Window],
    excluded: &HashSet<String>,
    is_claimed: &dyn Fn(&str) -> bool,
    offset: Option<Offset>,
) -> Vec<SessionInfo> {
    let mut found: Vec<SessionInfo> = sessions
        .into_iter()
        .filter(|s| matches_request(req, s))
        .filter(|s| {
            s.started_at
                .is_some_and(|t| windows.iter().any(|w| w.contains_on(t, offset)))
        })
        .filter(|s| !excluded.contains(&s.session_id) && !is_claimed(&s.session_id))
        .collect();
    found.sort_by(|a, b| (a.started_at, &a.session_id).cmp(&(b.started_at, &b.session_id)));
    found.dedup_by(|a, b| a.session_id == b.session_id);
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use nac_api::wire::{ApplicationServer, Device, DeviceIpv4Address, PortRange, QosStatus};

    fn request() -> CreateSession {
        CreateSession {
            qos_profile: Some("QOS_L".into()),
            device: Some(Device {
                phone_number: Some("+3670123456".into()),
                ipv4_address: Some(DeviceIpv4Address {
                    public_address: Some("233.252.0.2".into()),
                    private_address: Some("192.0.2.25".into()),
                    public_port: None,
                }),
                ..Default::default()
            }),
            application_server: Some(ApplicationServer {
                ipv4_address: Some("233.252.0.9".into()),
                ipv6_address: None,
            }),
            duration: Some(3600),
            application_server_ports: Some(PortsSpec {
                ranges: Some(vec![PortRange { from: 80, to: 443 }]),
                ports: Some(vec![8080, 22]),
            }),
            ..Default::default()
        }
    }

    fn session_for(req: &CreateSession, id: &str, started: DateTime<Utc>) -> SessionInfo {
        SessionInfo {
            session_id: id.into(),
            qos_profile: req.qos_profile.clone().unwrap(),
            device: req.device.clone(),
            application_server: req.application_server.clone().unwrap(),
            device_ports: req.device_ports.clone(),
            application_server_ports: req.application_server_ports.clone(),
            sink: req.sink.clone(),
            duration: req.duration.unwrap_or(DEFAULT_DURATION),
            started_at: Some(started),
            expires_at: None,
            qos_status: QosStatus::Requested,
            status_info: None,
        }
    }

    #[test]
    fn a_session_matches_the_request_that_made_it() {
        let req = request();
        let now = Utc::now();
        let mut session = session_for(&req, "a", now);
        assert!(matches_request(&req, &session));

        // Equivalent spellings still match.
        session.application_server.ipv4_address = Some("233.252.0.9/32".into());
        session.application_server_ports.as_mut().unwrap().ports = Some(vec![22, 8080]);
        session.device.as_mut().unwrap().ipv4_address = None;
        assert!(matches_request(&req, &session));

        type Change = Box<dyn Fn(&mut SessionInfo)>;
        let variants: Vec<Change> = vec![
            Box::new(|s| s.qos_profile = "QOS_M".into()),
            Box::new(|s| s.duration = 86400),
            Box::new(|s| s.application_server.ipv6_address = Some("2001:db8::1".into())),
            Box::new(|s| {
                s.device_ports = Some(PortsSpec {
                    ranges: None,
                    ports: Some(vec![1]),
                })
            }),
            Box::new(|s| s.sink = Some("https://example.com/n".into())),
            Box::new(|s| s.device.as_mut().unwrap().phone_number = Some("+3699999999".into())),
            Box::new(|s| s.status_info = Some(StatusInfo::DeleteRequested)),
        ];
        for change in variants {
            let mut other = session_for(&req, "b", now);
            change(&mut other);
            assert!(!matches_request(&req, &other), "{other:?}");
        }
    }

    #[test]
    fn adoption_needs_one_candidate_inside_the_window() {
        let req = request();
        let now = Utc::now();
        let window = Window::new(now, now + ChronoDuration::seconds(2));
        let claimed: std::cell::RefCell<HashSet<String>> = Default::default();
        let is_claimed = |id: &str| claimed.borrow().contains(id);
        let excluded: HashSet<String> = ["known".to_string()].into();
        let mut undated = session_for(&req, "undated", now);
        undated.started_at = None;
        let sessions = vec![
            session_for(&req, "before", now - ChronoDuration::seconds(6)),
            session_for(&req, "after", now + ChronoDuration::seconds(8)),
            session_for(&req, "known", now),
            session_for(&req, "claimed", now),
            undated,
            session_for(&req, "mine", now + ChronoDuration::seconds(1)),
        ];
        claimed.borrow_mut().insert("claimed".into());
        let found = candidates(
            &req,
            sessions.clone(),
            &[window],
            &excluded,
            &is_claimed,
            None,
        );
        let ids: Vec<&str> = found.iter().map(|s| s.session_id.as_str()).collect();
        assert_eq!(ids, ["mine"]);
        // The skew allowance: 4 s before sending is still inside.
        let early = session_for(&req, "early", now - ChronoDuration::seconds(4));
        let mut two = sessions.clone();
        two.push(early);
        let found = candidates(&req, two, &[window], &excluded, &is_claimed, None);
        assert_eq!(found.len(), 2, "{found:?}");
        claimed.borrow_mut().insert("mine".into());
        assert!(candidates(&req, sessions, &[window], &excluded, &is_claimed, None).is_empty());
        // Checked arithmetic at the ends of time.
        let edge = Window::new(DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC);
        assert!(edge.contains(now));
    }

    #[test]
    fn a_measured_offset_moves_the_window_without_slack() {
        let now = Utc::now();
        let window = Window::new(now, now + ChronoDuration::seconds(2));
        let ahead = Offset {
            low: ChronoDuration::seconds(30),
            high: ChronoDuration::milliseconds(31_050),
        };
        assert!(window.contains_on(now + ChronoDuration::seconds(31), Some(ahead)));
        assert!(!window.contains_on(now + ChronoDuration::seconds(1), Some(ahead)));
        assert!(!window.contains_on(now + ChronoDuration::seconds(34), Some(ahead)));
        // In step: a create 3 s before this attempt is not taken for it.
        let in_step = Offset {
            low: ChronoDuration::milliseconds(-50),
            high: ChronoDuration::milliseconds(1000),
        };
        assert!(!window.contains_on(now - ChronoDuration::seconds(3), Some(in_step)));
        assert!(window.contains_on(now + ChronoDuration::seconds(2), Some(in_step)));
    }

    #[test]
    fn differences_name_the_fields() {
        let req = request();
        let mut session = session_for(&req, "a", Utc::now());
        assert!(differences(&req, &session).is_empty());
        session.qos_profile = "QOS_M".into();
        session.duration = 7200;
        let names: Vec<&str> = differences(&req, &session)
            .into_iter()
            .map(CreateField::wire_name)
            .collect();
        assert_eq!(names, ["qosProfile", "duration"]);
    }
}
