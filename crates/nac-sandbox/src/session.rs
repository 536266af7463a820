//! One stored session and its lifecycle. The status is never stored: it is a pure function of the session's
//! times and the sandbox clock, so every read sees the right status without a background job having run.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::owner::Owner;
use nac_api::rules::{DEFAULT_DURATION, MAX_DURATION};
use nac_api::wire::{CreateSession, QosStatus, SessionInfo, SinkCredential, StatusInfo};

/// A session as the sandbox keeps it (and persists it). `info` holds what the client asked for; its
/// status fields are recomputed on every read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredSession {
    pub id: Uuid,
    /// The API key that created it (hashed): no other key sees it.
    pub owner: Owner,
    pub info: SessionInfo,
    /// Kept to authenticate notifications; never part of an answer.
    pub sink_credential: Option<SinkCredential>,
    pub started_at: DateTime<Utc>,
    pub available_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Set when the network ended the session early.
    pub terminated_at: Option<DateTime<Utc>>,
    /// The last status the sink was told about.
    pub notified: QosStatus,
}

/// A status change to deliver to a session's sink.
#[derive(Debug, Clone)]
pub(crate) struct StatusEvent {
    pub session_id: Uuid,
    pub sink: String,
    pub credential: Option<SinkCredential>,
    pub time: DateTime<Utc>,
    pub status: QosStatus,
    pub status_info: Option<StatusInfo>,
}

/// Why an extend was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExtendRefused {
    NotFound,
    Inactive,
}

/// When an ended session is forgotten; saturating, since a state file may hold any date.
fn forgotten_at(end: DateTime<Utc>, retention: TimeDelta) -> DateTime<Utc> {
    end.checked_add_signed(retention)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

impl StoredSession {
    /// A new session from a validated request, created at `now`.
    pub fn create(
        req: CreateSession,
        owner: Owner,
        now: DateTime<Utc>,
        activation_delay: TimeDelta,
    ) -> Self {
        let id = Uuid::new_v4();
        let duration = req.duration.unwrap_or(DEFAULT_DURATION);
        let expires_at = now + TimeDelta::seconds(duration);
        let info = SessionInfo {
            session_id: id.to_string(),
            qos_profile: req.qos_profile.unwrap_or_default(),
            device: req.device,
            application_server: req.application_server.unwrap_or_default(),
            device_ports: req.device_ports,
            application_server_ports: req.application_server_ports,
            sink: req.sink,
            duration,
            started_at: Some(now),
            expires_at: Some(expires_at),
            qos_status: QosStatus::Requested,
            status_info: None,
        };
        Self {
            id,
            owner,
            info,
            sink_credential: req.sink_credential,
            started_at: now,
            available_at: now + activation_delay,
            expires_at,
            terminated_at: None,
            notified: QosStatus::Requested,
        }
    }

    /// When the session ends (or ended) and why.
    pub fn end(&self) -> (DateTime<Utc>, StatusInfo) {
        match self.terminated_at {
            Some(t) if t < self.expires_at => (t, StatusInfo::NetworkTerminated),
            _ => (self.expires_at, StatusInfo::DurationExpired),
        }
    }

    pub fn status_at(&self, now: DateTime<Utc>) -> (QosStatus, Option<StatusInfo>) {
        let (end, reason) = self.end();
        if now >= end {
            (QosStatus::Unavailable, Some(reason))
        } else if now >= self.available_at {
            (QosStatus::Available, None)
        } else {
            (QosStatus::Requested, None)
        }
    }

    /// REQUESTED or AVAILABLE: the device is busy (NaC allows one such session per device).
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.status_at(now).0 != QosStatus::Unavailable
    }

    /// Past its retention: gone for the API even if not evicted yet.
    pub fn is_gone(&self, now: DateTime<Utc>, retention: TimeDelta) -> bool {
        now >= forgotten_at(self.end().0, retention)
    }

    /// The session as the API shows it at `now`. An ended session's `expiresAt` is the time it ended
    /// (CAMARA: "When qosStatus is UNAVAILABLE, it is the time when the session was terminated").
    pub fn view(&self, now: DateTime<Utc>) -> SessionInfo {
        let (status, status_info) = self.status_at(now);
        let mut info = self.info.clone();
        info.qos_status = status;
        info.status_info = status_info;
        info.expires_at = Some(if status == QosStatus::Unavailable {
            self.end().0
        } else {
            self.expires_at
        });
        info
    }

    /// NaC's extend: the remaining time grows by `additional` seconds but never beyond 86,400 s
    /// (Nokia's worked example: 80,000 s session, 10,000 s in, +20,000 s → 86,400 s left, duration 96,400 s).
    pub fn extend(&mut self, additional: i64, now: DateTime<Utc>) -> Result<(), ExtendRefused> {
        if self.status_at(now).0 != QosStatus::Available {
            return Err(ExtendRefused::Inactive);
        }
        let remaining = self.expires_at - now;
        let cap = TimeDelta::seconds(MAX_DURATION);
        let new_remaining = (remaining + TimeDelta::seconds(additional)).min(cap);
        self.expires_at = now + new_remaining;
        let total_ms = (self.expires_at - self.started_at).num_milliseconds();
        self.info.duration = (total_ms + 500) / 1000;
        self.info.expires_at = Some(self.expires_at);
        Ok(())
    }

    /// The network ends the session now; `false` when it had already ended.
    pub fn terminate(&mut self, now: DateTime<Utc>) -> bool {
        if self.status_at(now).0 == QosStatus::Unavailable {
            return false;
        }
        self.terminated_at = Some(now);
        true
    }

    fn event(
        &self,
        time: DateTime<Utc>,
        status: QosStatus,
        status_info: Option<StatusInfo>,
    ) -> Option<StatusEvent> {
        Some(StatusEvent {
            session_id: self.id,
            sink: self.info.sink.clone()?,
            credential: self.sink_credential.clone(),
            time,
            status,
            status_info,
        })
    }

    /// Status changes the sink has not heard of yet, in order, marking them as told. A session that ends
    /// before it ever became available only reports UNAVAILABLE.
    pub fn take_notifications(&mut self, now: DateTime<Utc>) -> Vec<StatusEvent> {
        let (status, status_info) = self.status_at(now);
        let mut out = Vec::new();
        if self.info.sink.is_none() {
            self.notified = status;
            return out;
        }
        let (end, _) = self.end();
        if self.notified == QosStatus::Requested
            && status != QosStatus::Requested
            && self.available_at < end
        {
            out.extend(self.event(self.available_at, QosStatus::Available, None));
            self.notified = QosStatus::Available;
        }
        if self.notified != QosStatus::Unavailable && status == QosStatus::Unavailable {
            out.extend(self.event(end, QosStatus::Unavailable, status_info));
            self.notified = QosStatus::Unavailable;
        }
        out
    }

    /// The notification for a delete: only a session that was AVAILABLE tells its sink.
    pub fn delete_notification(&self, now: DateTime<Utc>) -> Option<StatusEvent> {
        (self.status_at(now).0 == QosStatus::Available)
            .then(|| {
                self.event(
                    now,
                    QosStatus::Unavailable,
                    Some(StatusInfo::DeleteRequested),
                )
            })
            .flatten()
    }

    /// When something next happens to this session: it becomes available, ends, or is forgotten.
    pub fn next_due(&self, now: DateTime<Utc>, retention: TimeDelta) -> DateTime<Utc> {
        let (end, _) = self.end();
        match self.status_at(now).0 {
            QosStatus::Requested => self.available_at.min(end),
            QosStatus::Available => end,
            QosStatus::Unavailable => forgotten_at(end, retention),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(duration: i64, delay_ms: i64) -> (StoredSession, DateTime<Utc>) {
        let now = Utc::now();
        let req: CreateSession = serde_json::from_value(serde_json::json!({
            "qosProfile": "QOS_L", "device": {"phoneNumber": "+3612345678"},
            "applicationServer": {"ipv4Address": "198.51.100.1"}, "duration": duration,
            "sink": "https://example.com/n"
        }))
        .unwrap();
        (
            StoredSession::create(
                req,
                Owner::of_key("k"),
                now,
                TimeDelta::milliseconds(delay_ms),
            ),
            now,
        )
    }

    #[test]
    fn lifecycle_follows_the_clock() {
        let (s, t0) = session(60, 200);
        assert_eq!(s.status_at(t0).0, QosStatus::Requested);
        assert_eq!(
            s.status_at(t0 + TimeDelta::milliseconds(200)).0,
            QosStatus::Available
        );
        assert_eq!(
            s.status_at(t0 + TimeDelta::seconds(60)),
            (QosStatus::Unavailable, Some(StatusInfo::DurationExpired))
        );
    }

    #[test]
    fn extend_follows_nokias_worked_example() {
        let (mut s, t0) = session(80_000, 0);
        s.extend(20_000, t0 + TimeDelta::seconds(10_000)).unwrap();
        assert_eq!(s.info.duration, 96_400);
        assert_eq!(s.expires_at, t0 + TimeDelta::seconds(96_400));
        let (mut s, t0) = session(600, 0);
        s.extend(60, t0 + TimeDelta::seconds(10)).unwrap();
        assert_eq!(s.info.duration, 660);
    }

    #[test]
    fn notifications_are_told_once_and_in_order() {
        let (mut s, t0) = session(60, 100);
        assert!(s.take_notifications(t0).is_empty());
        let events = s.take_notifications(t0 + TimeDelta::seconds(61));
        let statuses: Vec<_> = events.iter().map(|e| (e.status, e.status_info)).collect();
        assert_eq!(
            statuses,
            vec![
                (QosStatus::Available, None),
                (QosStatus::Unavailable, Some(StatusInfo::DurationExpired))
            ]
        );
        assert!(s.take_notifications(t0 + TimeDelta::seconds(62)).is_empty());
    }

    #[test]
    fn termination_ends_the_session_early() {
        let (mut s, t0) = session(60, 0);
        assert!(s.terminate(t0 + TimeDelta::seconds(5)));
        let v = s.view(t0 + TimeDelta::seconds(5));
        assert_eq!(v.qos_status, QosStatus::Unavailable);
        assert_eq!(v.status_info, Some(StatusInfo::NetworkTerminated));
        assert_eq!(v.expires_at, Some(t0 + TimeDelta::seconds(5)));
        assert!(!s.terminate(t0 + TimeDelta::seconds(6)));
        assert_eq!(
            s.extend(10, t0 + TimeDelta::seconds(6)),
            Err(ExtendRefused::Inactive)
        );
    }
}
