//! The session store: sessions by id, an index by device identifier (for `retrieve-sessions`) and a
//! schedule of upcoming transitions (so the ticker touches only sessions that are due). One `RwLock`,
//! never held across an `.await`; reads take it shared.
//!
//! Every `now` given to the store is the sandbox's global clock; each session is judged on its key's
//! clock (the global one plus the key's offset, see `clock`), and the schedule is kept on the global
//! clock (a key's due times shifted back by its offset).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use super::clock::SandboxClock;
use super::owner::Owner;
use super::session::{ExtendRefused, StatusEvent, StoredSession};
use nac_api::device as identity;
use nac_api::wire::{Device, SessionInfo};

/// One identifier of a device, normalised so that equal identifiers hash equally.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum DeviceKey {
    Phone(String),
    Nai(String),
    Ipv6(Ipv6Addr),
    Ipv4Public(Ipv4Addr),
}

fn device_keys(device: &Device) -> Vec<DeviceKey> {
    let mut keys = Vec::with_capacity(4);
    if let Some(p) = &device.phone_number {
        keys.push(DeviceKey::Phone(identity::normal_phone(p).to_owned()));
    }
    if let Some(n) = &device.network_access_identifier {
        keys.push(DeviceKey::Nai(identity::normal_nai(n)));
    }
    if let Some(a) = device
        .ipv6_address
        .as_deref()
        .and_then(|a| a.trim().parse().ok())
    {
        keys.push(DeviceKey::Ipv6(a));
    }
    if let Some(a) = device
        .ipv4_address
        .as_ref()
        .and_then(|v4| v4.public_address.as_deref())
        .and_then(|a| a.trim().parse().ok())
    {
        keys.push(DeviceKey::Ipv4Public(a));
    }
    keys
}

/// A session belongs to the queried device when any identifier given in the query matches the session's
/// device (the API model's rule: [`identity::any_identifier_matches`]).
pub fn device_matches(query: &Device, stored: &Device) -> bool {
    identity::any_identifier_matches(query, stored)
}

#[derive(Debug, Default)]
struct Inner {
    sessions: HashMap<Uuid, StoredSession>,
    by_device: HashMap<DeviceKey, HashSet<Uuid>>,
    /// Every session held, by owner (for the per-key cap).
    by_owner: HashMap<Owner, HashSet<Uuid>>,
    /// Upcoming transitions; stale entries are harmless (the session is re-evaluated when popped).
    schedule: BinaryHeap<Reverse<(DateTime<Utc>, Uuid)>>,
    /// What each session weighs (see [`weight`]) and all of them together, for the global bound.
    weights: HashMap<Uuid, usize>,
    total_weight: usize,
}

/// Bytes a session is counted as: its stored form plus the indexes' share.
fn weight(session: &StoredSession) -> usize {
    const INDEX_OVERHEAD: usize = 512;
    serde_json::to_vec(session).map_or(0, |v| v.len()) + INDEX_OVERHEAD
}

impl Inner {
    /// `now` is the session's key's clock, `shift` that key's offset.
    fn insert(
        &mut self,
        session: StoredSession,
        now: DateTime<Utc>,
        shift: TimeDelta,
        retention: TimeDelta,
    ) {
        if let Some(device) = &session.info.device {
            for key in device_keys(device) {
                self.by_device.entry(key).or_default().insert(session.id);
            }
        }
        self.by_owner
            .entry(session.owner.clone())
            .or_default()
            .insert(session.id);
        self.schedule.push(Reverse((
            session.next_due(now, retention) - shift,
            session.id,
        )));
        let weight = weight(&session);
        self.total_weight += weight;
        if let Some(replaced) = self.weights.insert(session.id, weight) {
            self.total_weight -= replaced;
        }
        self.sessions.insert(session.id, session);
    }

    /// Ids of sessions matching `device` (see [`device_matches`]), not yet gone.
    fn matching<'a>(
        &'a self,
        device: &'a Device,
        now: DateTime<Utc>,
        retention: TimeDelta,
    ) -> impl Iterator<Item = &'a StoredSession> + 'a {
        let mut candidates: HashSet<Uuid> = HashSet::new();
        for key in device_keys(device) {
            if let Some(ids) = self.by_device.get(&key) {
                candidates.extend(ids);
            }
        }
        candidates
            .into_iter()
            .filter_map(|id| self.sessions.get(&id))
            .filter(move |s| !s.is_gone(now, retention))
            .filter(|s| {
                s.info
                    .device
                    .as_ref()
                    .is_some_and(|d| device_matches(device, d))
            })
    }

    /// Whether `owner` holds at least `cap` live sessions. Counting live ones walks the owner's sessions,
    /// so it is done only when the owner holds that many at all.
    fn at_cap(&self, owner: &Owner, cap: usize, now: DateTime<Utc>) -> bool {
        let Some(ids) = self.by_owner.get(owner) else {
            return cap == 0;
        };
        ids.len() >= cap
            && ids
                .iter()
                .filter_map(|id| self.sessions.get(id))
                .filter(|s| s.is_live(now))
                .count()
                >= cap
    }

    /// A session of `owner`, unless it is gone.
    fn owned_mut(
        &mut self,
        id: &Uuid,
        owner: Option<&Owner>,
        now: DateTime<Utc>,
        retention: TimeDelta,
    ) -> Option<&mut StoredSession> {
        self.sessions
            .get_mut(id)
            .filter(|s| owner.is_none_or(|o| *o == s.owner) && !s.is_gone(now, retention))
    }

    fn remove(&mut self, id: &Uuid) -> Option<StoredSession> {
        let session = self.sessions.remove(id)?;
        if let Some(weight) = self.weights.remove(id) {
            self.total_weight -= weight;
        }
        if let Some(ids) = self.by_owner.get_mut(&session.owner) {
            ids.remove(id);
            if ids.is_empty() {
                self.by_owner.remove(&session.owner);
            }
        }
        if let Some(device) = &session.info.device {
            for key in device_keys(device) {
                if let Some(ids) = self.by_device.get_mut(&key) {
                    ids.remove(id);
                    if ids.is_empty() {
                        self.by_device.remove(&key);
                    }
                }
            }
        }
        Some(session)
    }
}

/// Why a create was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InsertRefused {
    /// The owner already has this live session for the device.
    DeviceBusy(Uuid),
    /// The owner holds this many live sessions already.
    TooManySessions(usize),
    /// The sandbox holds as many sessions, or as many bytes of them, as it may (all keys together).
    Full(GlobalBound),
}

/// Which global bound a create ran into, and its figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GlobalBound {
    Sessions(usize),
    Bytes(usize),
}

/// The rules a create is checked against (they can change while the sandbox runs).
#[derive(Debug, Clone, Copy)]
pub(crate) struct InsertRules {
    pub allow_concurrent: bool,
    pub max_live_per_owner: Option<usize>,
    /// Sessions stored (any status, any key) at most.
    pub max_stored_sessions: Option<usize>,
    /// Bytes of stored sessions (see [`weight`]) at most.
    pub max_stored_bytes: Option<usize>,
}

#[derive(Debug)]
pub(crate) struct Store {
    inner: RwLock<Inner>,
    retention: TimeDelta,
    clock: Arc<SandboxClock>,
}

impl Store {
    pub fn new(retention: TimeDelta, clock: Arc<SandboxClock>) -> Self {
        Self {
            inner: RwLock::default(),
            retention,
            clock,
        }
    }

    /// `owner`'s clock when the global one says `now`, and its offset.
    fn local(&self, now: DateTime<Utc>, owner: &Owner) -> (DateTime<Utc>, TimeDelta) {
        let shift = self.clock.key_offset(owner);
        (now + shift, shift)
    }

    /// The clock of the owner of session `id` (the global one when there is no such session).
    fn local_of(&self, inner: &Inner, id: &Uuid, now: DateTime<Utc>) -> (DateTime<Utc>, TimeDelta) {
        match inner.sessions.get(id) {
            Some(s) => self.local(now, &s.owner),
            None => (now, TimeDelta::zero()),
        }
    }

    /// After `owner`'s clock moved forward: each of its sessions is looked at by the next tick (which
    /// takes what became due on the key's clock and schedules the rest on the global one).
    pub fn reschedule(&self, owner: &Owner, now: DateTime<Utc>) {
        let mut inner = self.write();
        let due: Vec<_> = inner
            .by_owner
            .get(owner)
            .into_iter()
            .flatten()
            .map(|id| Reverse((now, *id)))
            .collect();
        inner.schedule.extend(due);
    }

    // A panic while holding the lock cannot leave the maps half-updated in a way that matters more than
    // stopping the whole sandbox would, so poisoning is ignored.
    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }
    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores a new session; returns it as the API shows it and any notification already due. Unless
    /// `allow_concurrent`, refused when the owner already has a live session for the device; checked
    /// under the same lock as the insert, so two creates for one device cannot both succeed.
    pub fn insert(
        &self,
        mut session: StoredSession,
        now: DateTime<Utc>,
        rules: InsertRules,
    ) -> Result<(SessionInfo, Vec<StatusEvent>), InsertRefused> {
        let (now, shift) = self.local(now, &session.owner);
        let mut inner = self.write();
        if let Some(cap) = rules.max_stored_sessions {
            if inner.sessions.len() >= cap {
                return Err(InsertRefused::Full(GlobalBound::Sessions(cap)));
            }
        }
        if let Some(cap) = rules.max_stored_bytes {
            if inner.total_weight + weight(&session) > cap {
                return Err(InsertRefused::Full(GlobalBound::Bytes(cap)));
            }
        }
        if let Some(cap) = rules.max_live_per_owner {
            if inner.at_cap(&session.owner, cap, now) {
                return Err(InsertRefused::TooManySessions(cap));
            }
        }
        let allow_concurrent = rules.allow_concurrent;
        if let (false, Some(device)) = (allow_concurrent, &session.info.device) {
            let busy = inner
                .matching(device, now, self.retention)
                .find(|s| s.owner == session.owner && s.is_live(now));
            if let Some(existing) = busy {
                return Err(InsertRefused::DeviceBusy(existing.id));
            }
        }
        let events = session.take_notifications(now);
        let view = session.view(now);
        inner.insert(session, now, shift, self.retention);
        Ok((view, events))
    }

    /// A session as the API shows it; `owner` `None` is the admin, who sees every session.
    pub fn view(
        &self,
        id: &Uuid,
        owner: Option<&Owner>,
        now: DateTime<Utc>,
    ) -> Option<SessionInfo> {
        let inner = self.read();
        let (now, _) = self.local_of(&inner, id, now);
        inner
            .sessions
            .get(id)
            .filter(|s| owner.is_none_or(|o| *o == s.owner) && !s.is_gone(now, self.retention))
            .map(|s| s.view(now))
    }

    /// Deletes a session; the notification to send if it was AVAILABLE, and the session (to undo).
    /// `None` when there is no such session (or it belongs to another owner).
    pub fn delete(
        &self,
        id: &Uuid,
        owner: Option<&Owner>,
        now: DateTime<Utc>,
    ) -> Option<(Option<StatusEvent>, StoredSession)> {
        let mut inner = self.write();
        let (now, _) = self.local_of(&inner, id, now);
        inner.owned_mut(id, owner, now, self.retention)?;
        let session = inner.remove(id)?;
        Some((session.delete_notification(now), session))
    }

    pub fn extend(
        &self,
        id: &Uuid,
        owner: Option<&Owner>,
        additional: i64,
        now: DateTime<Utc>,
    ) -> Result<(SessionInfo, StoredSession), ExtendRefused> {
        let mut inner = self.write();
        let (now, shift) = self.local_of(&inner, id, now);
        let session = inner
            .owned_mut(id, owner, now, self.retention)
            .ok_or(ExtendRefused::NotFound)?;
        let before = session.clone();
        session.extend(additional, now)?;
        let view = session.view(now);
        let due = session.next_due(now, self.retention) - shift;
        inner.schedule.push(Reverse((due, *id)));
        Ok((view, before))
    }

    /// The network ends a session (any owner's); its view, the notifications that follow, and the
    /// session as it was (to undo).
    pub fn terminate(
        &self,
        id: &Uuid,
        now: DateTime<Utc>,
    ) -> Option<(SessionInfo, Vec<StatusEvent>, StoredSession)> {
        let mut inner = self.write();
        let (now, shift) = self.local_of(&inner, id, now);
        let session = inner.owned_mut(id, None, now, self.retention)?;
        let before = session.clone();
        session.terminate(now);
        let events = session.take_notifications(now);
        let view = session.view(now);
        let due = session.next_due(now, self.retention) - shift;
        inner.schedule.push(Reverse((due, *id)));
        Some((view, events, before))
    }

    /// Puts a session back as it was (undoing a change that could not be saved).
    pub fn restore(&self, session: StoredSession, now: DateTime<Utc>) {
        let (now, shift) = self.local(now, &session.owner);
        let mut inner = self.write();
        inner.remove(&session.id);
        inner.insert(session, now, shift, self.retention);
    }

    /// Forgets a session (undoing a create that could not be saved).
    pub fn forget(&self, id: &Uuid) {
        self.write().remove(id);
    }

    /// A copy of one session as stored (for the state file).
    pub fn get(&self, id: &Uuid) -> Option<StoredSession> {
        self.read().sessions.get(id).cloned()
    }

    /// `owner`'s sessions of a device (see [`device_matches`]), oldest first.
    pub fn for_device(
        &self,
        device: &Device,
        owner: &Owner,
        now: DateTime<Utc>,
    ) -> Vec<SessionInfo> {
        let (now, _) = self.local(now, owner);
        let inner = self.read();
        let mut found: Vec<&StoredSession> = inner
            .matching(device, now, self.retention)
            .filter(|s| s.owner == *owner)
            .collect();
        found.sort_by_key(|s| (s.started_at, s.id));
        found.into_iter().map(|s| s.view(now)).collect()
    }

    /// Every session still held (of `owner`, or of everyone for `None`), oldest first, with its owner.
    pub fn all(&self, owner: Option<&Owner>, now: DateTime<Utc>) -> Vec<(Owner, SessionInfo)> {
        let inner = self.read();
        let mut all: Vec<&StoredSession> = inner
            .sessions
            .values()
            .filter(|s| {
                owner.is_none_or(|o| *o == s.owner)
                    && !s.is_gone(self.local(now, &s.owner).0, self.retention)
            })
            .collect();
        all.sort_by_key(|s| (s.started_at, s.id));
        all.into_iter()
            .map(|s| (s.owner.clone(), s.view(self.local(now, &s.owner).0)))
            .collect()
    }

    /// Handles every transition due by `now`: collects notifications and forgets sessions past their
    /// retention. Returns the notifications and the sessions that changed (or were forgotten).
    pub fn tick(&self, now: DateTime<Utc>) -> (Vec<StatusEvent>, Vec<Uuid>) {
        let mut events = Vec::new();
        let mut changed = Vec::new();
        {
            // Cheap check first, under the shared lock, so an idle ticker never blocks requests.
            let inner = self.read();
            match inner.schedule.peek() {
                Some(Reverse((due, _))) if *due <= now => {}
                _ => return (events, changed),
            }
        }
        let mut inner = self.write();
        while let Some(Reverse((due, id))) = inner.schedule.peek().copied() {
            if due > now {
                break;
            }
            inner.schedule.pop();
            let Some(session) = inner.sessions.get_mut(&id) else {
                continue;
            };
            let (now, shift) = self.local(now, &session.owner);
            let told = session.take_notifications(now);
            if !told.is_empty() {
                changed.push(id);
            }
            events.extend(told);
            if session.is_gone(now, self.retention) {
                inner.remove(&id);
                changed.push(id);
            } else {
                let next = session.next_due(now, self.retention);
                // Stale entries for an extended session pop early; re-queue only when still ahead.
                if next > now {
                    inner.schedule.push(Reverse((next - shift, id)));
                }
            }
        }
        changed.dedup();
        (events, changed)
    }

    pub fn len(&self) -> usize {
        self.read().sessions.len()
    }

    pub fn clear(&self) {
        *self.write() = Inner::default();
    }

    /// Loads persisted sessions, dropping those already past their retention; returns the ids dropped.
    pub fn load(&self, sessions: Vec<StoredSession>, now: DateTime<Utc>) -> Vec<Uuid> {
        let mut inner = self.write();
        let mut dropped = Vec::new();
        for session in sessions {
            let (now, shift) = self.local(now, &session.owner);
            if session.is_gone(now, self.retention) {
                dropped.push(session.id);
            } else {
                inner.insert(session, now, shift, self.retention);
            }
        }
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(json: serde_json::Value) -> Device {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn any_matching_identifier_is_enough() {
        let stored = device(
            serde_json::json!({"phoneNumber": "+3612345678", "networkAccessIdentifier": "a@b.net",
            "ipv6Address": "2001:db8::2", "ipv4Address": {"publicAddress": "233.252.0.2", "publicPort": 80}}),
        );
        for query in [
            serde_json::json!({"phoneNumber": "3612345678"}),
            serde_json::json!({"networkAccessIdentifier": "A@B.net"}),
            serde_json::json!({"ipv6Address": "2001:db8:0::2"}),
            serde_json::json!({"ipv4Address": {"publicAddress": "233.252.0.2", "privateAddress": "10.0.0.1"}}),
            serde_json::json!({"phoneNumber": "+999999", "networkAccessIdentifier": "a@b.net"}),
        ] {
            assert!(device_matches(&device(query.clone()), &stored), "{query}");
        }
        for query in [
            serde_json::json!({"phoneNumber": "+3612345679"}),
            serde_json::json!({"ipv4Address": {"publicAddress": "233.252.0.2", "publicPort": 81}}),
            serde_json::json!({"ipv4Address": {"publicAddress": "233.252.0.3", "publicPort": 80}}),
        ] {
            assert!(!device_matches(&device(query.clone()), &stored), "{query}");
        }
    }
}
