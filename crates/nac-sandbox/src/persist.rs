//! The state file: an embedded redb database (one record per session, keyed by its id, plus the clock
//! offset). redb gives crash-safe transactions (copy-on-write B-trees, a checksummed commit), so a write
//! costs what changed, not the whole store, and a crash leaves the last committed state.
//!
//! Writes are group commits: a request that changed something waits until a transaction that includes
//! its change is durable (fsynced), but one transaction serves every change made while the previous one
//! was in progress. A transaction that fails fails every change it covered at once, so each is undone in
//! memory and answered 500 right away.

use std::collections::HashSet;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use tokio::sync::{watch, Notify};
use uuid::Uuid;

use super::clock::{SandboxClock, MAX_OFFSET};
use super::owner::Owner;
use super::record;
use super::session::StoredSession;
use super::store::Store;

const SESSIONS: TableDefinition<u128, &[u8]> = TableDefinition::new("sessions");
const META: TableDefinition<&str, i64> = TableDefinition::new("meta");
const FORMAT_KEY: &str = "format";
const CLOCK_KEY: &str = "clock_offset_ms";
/// 3: redb, one JSON record per session with its owner.
const FORMAT: i64 = 3;
/// How long a request waits for its change to reach the disk before it is answered 500 (a backstop: a
/// failed write answers at once).
const FLUSH_WAIT: Duration = Duration::from_secs(10);
/// After a failed write, how long before the writer tries again with what is still unwritten.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);

/// What changed in memory and is not yet on disk.
#[derive(Debug, Default)]
struct Dirty {
    ids: HashSet<Uuid>,
    clock: bool,
    cleared: bool,
}

#[derive(Debug, Default)]
struct Pending {
    dirty: Dirty,
    /// The number of the latest change recorded (never reset: waiters compare against it).
    last: u64,
}

/// One change to make durable: the sessions it touched, and whether it moved the clock or cleared all.
#[derive(Debug, Default, Clone)]
pub(crate) struct Change {
    pub ids: Vec<Uuid>,
    pub clock: bool,
    pub cleared: bool,
}

impl Change {
    pub fn session(id: Uuid) -> Self {
        Self {
            ids: vec![id],
            ..Self::default()
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Flushed {
    /// Every change up to this number is durable.
    ok: u64,
    /// The last failed transaction covered changes up to this number.
    failed: u64,
}

/// What a state file held.
pub(crate) struct Loaded {
    pub clock_offset_ms: i64,
    /// Keys whose clocks were moved on their own.
    pub key_clock_offsets_ms: Vec<(Owner, i64)>,
    pub sessions: Vec<StoredSession>,
}

/// META entries `key_clock:<owner hash>` hold each key's own clock offset.
const KEY_CLOCK_PREFIX: &str = "key_clock:";

#[derive(Debug)]
pub(crate) struct Persister {
    path: PathBuf,
    /// `None` once closed (shutdown): redb locks the file while it is open.
    db: Mutex<Option<Database>>,
    pending: Mutex<Pending>,
    wake: Notify,
    flushed: watch::Sender<Flushed>,
}

fn open(path: &Path) -> anyhow::Result<Database> {
    // A new store is made only where there was no file: an empty one is what a failed copy or a full
    // disk leaves, and starting afresh over it would silently lose the sessions it should have held.
    if std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == 0) {
        anyhow::bail!(
            "the state file {} is empty (0 bytes), not a nac-sandbox state file; it was left \
             untouched (delete it to start with no sessions)",
            path.display()
        );
    }
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        // The file holds sink access tokens.
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .with_context(|| format!("cannot open the state file {}", path.display()))?;
    Database::builder()
        .set_check_integrity_on_open(true)
        .create(path)
        .map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => anyhow::anyhow!(
                "the state file {} is in use by another nac-sandbox (it is locked): stop that one, \
                 or give this one another --state-file",
                path.display()
            ),
            e => anyhow::Error::new(e).context(format!(
                "{} is not a nac-sandbox state file (a redb database); it was left untouched",
                path.display()
            )),
        })
}

impl Persister {
    /// Opens (or creates) the state file and reads it; a file that is not one, or holds any record
    /// that breaks the rules, is refused with the record named.
    pub fn open(path: PathBuf) -> anyhow::Result<(Self, Loaded)> {
        let db = open(&path)?;
        let loaded = Self::read(&db).with_context(|| format!("state file {}", path.display()))?;
        let persister = Self {
            path,
            db: Mutex::new(Some(db)),
            pending: Mutex::default(),
            wake: Notify::new(),
            flushed: watch::Sender::new(Flushed::default()),
        };
        Ok((persister, loaded))
    }

    fn read(db: &Database) -> anyhow::Result<Loaded> {
        let tx = db.begin_read()?;
        let meta = match tx.open_table(META) {
            Ok(meta) => meta,
            Err(redb::TableError::TableDoesNotExist(_)) => {
                return Ok(Loaded {
                    clock_offset_ms: 0,
                    key_clock_offsets_ms: Vec::new(),
                    sessions: Vec::new(),
                })
            }
            Err(e) => return Err(e.into()),
        };
        let format = meta.get(FORMAT_KEY)?.map(|v| v.value());
        anyhow::ensure!(
            format == Some(FORMAT),
            "has format {format:?}, this nac-sandbox reads {FORMAT}"
        );
        let clock_offset_ms = meta.get(CLOCK_KEY)?.map(|v| v.value()).unwrap_or(0);
        let limit = MAX_OFFSET.num_milliseconds();
        anyhow::ensure!(
            clock_offset_ms.abs() <= limit,
            "has a clock offset of {} days; the sandbox clock stays within {} days of real time \
             (refused rather than loading every session as long gone)",
            clock_offset_ms / 86_400_000,
            MAX_OFFSET.num_days()
        );
        let mut key_clock_offsets_ms = Vec::new();
        for entry in meta.iter()? {
            let (name, offset) = entry?;
            if let Some(hash) = name.value().strip_prefix(KEY_CLOCK_PREFIX) {
                let owner = Owner::from_hash(hash)
                    .with_context(|| format!("meta entry {:?} names no key", name.value()))?;
                anyhow::ensure!(
                    offset.value().abs() <= limit,
                    "has a key clock offset beyond {} days",
                    MAX_OFFSET.num_days()
                );
                key_clock_offsets_ms.push((owner, offset.value()));
            }
        }
        let mut sessions = Vec::new();
        for entry in tx.open_table(SESSIONS)?.iter()? {
            let (key, value) = entry?;
            let id = Uuid::from_u128(key.value());
            let session: StoredSession = serde_json::from_slice(value.value())
                .with_context(|| format!("record {id} is not a session"))?;
            record::check(id, &session).map_err(|why| anyhow::anyhow!("record {id} {why}"))?;
            sessions.push(session);
        }
        Ok(Loaded {
            clock_offset_ms,
            key_clock_offsets_ms,
            sessions,
        })
    }

    /// Records a change made in memory; returns its number, to wait for with [`Self::flushed`].
    pub fn changed(&self, change: Change) -> u64 {
        let n = {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            pending.dirty.ids.extend(change.ids);
            pending.dirty.clock |= change.clock;
            pending.dirty.cleared |= change.cleared;
            pending.last += 1;
            pending.last
        };
        self.wake.notify_one();
        n
    }

    /// Waits until change `n` is durable; an error as soon as the write that covered it failed.
    pub async fn flushed(&self, n: u64) -> anyhow::Result<()> {
        let mut rx = self.flushed.subscribe();
        let outcome = tokio::time::timeout(FLUSH_WAIT, rx.wait_for(|f| f.ok >= n || f.failed >= n))
            .await
            .context("the state file was not written in time")?
            .context("the state writer stopped")?;
        anyhow::ensure!(outcome.ok >= n, "writing {} failed", self.path.display());
        Ok(())
    }

    /// Writes what changed since the last write, in one transaction.
    pub fn write_now(&self, store: &Store, clock: &SandboxClock) -> anyhow::Result<()> {
        let (dirty, covered) = {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            (std::mem::take(&mut pending.dirty), pending.last)
        };
        if covered <= self.flushed.borrow().ok {
            return Ok(());
        }
        let result = self.write(&dirty, store, clock);
        self.flushed.send_modify(|f| match result {
            Ok(()) => f.ok = f.ok.max(covered),
            Err(_) => f.failed = f.failed.max(covered),
        });
        if result.is_err() {
            // Still unwritten: whatever memory holds for these (after undos) goes in the next write.
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            pending.dirty.ids.extend(dirty.ids);
            pending.dirty.clock |= dirty.clock;
            pending.dirty.cleared |= dirty.cleared;
        }
        result.with_context(|| format!("writing {}", self.path.display()))
    }

    fn write(&self, dirty: &Dirty, store: &Store, clock: &SandboxClock) -> anyhow::Result<()> {
        let db = self.db.lock().unwrap_or_else(|e| e.into_inner());
        let db = db.as_ref().context("the state file is closed")?;
        let tx = db.begin_write()?;
        {
            if dirty.cleared {
                tx.delete_table(SESSIONS)?;
            }
            let mut sessions = tx.open_table(SESSIONS)?;
            for id in &dirty.ids {
                match store.get(id) {
                    Some(session) => {
                        let bytes = serde_json::to_vec(&session)?;
                        sessions.insert(id.as_u128(), bytes.as_slice())?;
                    }
                    None => {
                        sessions.remove(id.as_u128())?;
                    }
                }
            }
            let mut meta = tx.open_table(META)?;
            meta.insert(FORMAT_KEY, FORMAT)?;
            meta.insert(CLOCK_KEY, clock.offset_ms())?;
            if dirty.clock {
                let stale: Vec<String> = meta
                    .iter()?
                    .filter_map(Result::ok)
                    .map(|(name, _)| name.value().to_owned())
                    .filter(|name| name.starts_with(KEY_CLOCK_PREFIX))
                    .collect();
                for name in stale {
                    meta.remove(name.as_str())?;
                }
                for (owner, ms) in clock.key_offsets_ms() {
                    meta.insert(format!("{KEY_CLOCK_PREFIX}{}", owner.hash()).as_str(), ms)?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Closes the file (after any write in progress), so that it can be opened again at once.
    pub fn close(&self) {
        drop(self.db.lock().unwrap_or_else(|e| e.into_inner()).take());
    }

    /// The background writer: one transaction per wake-up, covering every change made before it began.
    pub async fn run(self: Arc<Self>, store: Arc<Store>, clock: Arc<SandboxClock>) {
        loop {
            self.wake.notified().await;
            let (me, store, clock) = (self.clone(), store.clone(), clock.clone());
            let result = tokio::task::spawn_blocking(move || me.write_now(&store, &clock)).await;
            match result {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    log::error!(
                        "nac-sandbox: {e:#}; changes it covered were undone and answered 500"
                    );
                    tokio::time::sleep(RETRY_AFTER_FAILURE).await;
                    self.wake.notify_one();
                }
                Err(e) => log::error!("nac-sandbox: state writer failed: {e}"),
            }
        }
    }
}
