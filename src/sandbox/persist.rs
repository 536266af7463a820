//! The state file: every session and the clock offset, written atomically (temporary file, fsync,
//! rename, fsync of the directory) so a crash leaves either the old or the new state, never half of one.
//!
//! Writes are group commits: a request that changed the store waits until a write that includes its
//! change has reached the disk, but one write serves every request that arrived while the previous one was
//! in progress. So nothing answered is lost on a crash, without an fsync per request.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use tokio::sync::{watch, Notify};

use super::clock::SandboxClock;
use super::session::StoredSession;
use super::store::Store;

/// 2: sessions carry their owner (the hash of the API key that created them).
const FORMAT_VERSION: u32 = 2;
/// How long a request waits for its change to reach the disk before it is answered 500.
const FLUSH_WAIT: Duration = Duration::from_secs(10);

#[derive(Serialize, Deserialize)]
struct StateFile {
    version: u32,
    clock_offset_ms: i64,
    sessions: Vec<StoredSession>,
}

/// Reads a state file written by [`Persister`]; `None` when there is none yet.
pub(crate) fn load(path: &Path) -> anyhow::Result<Option<(i64, Vec<StoredSession>)>> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    #[derive(Deserialize)]
    struct Version {
        version: u32,
    }
    let version: Version = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a nac-sandbox state file", path.display()))?;
    anyhow::ensure!(
        version.version == FORMAT_VERSION,
        "{} has state format {}, this nac-sandbox reads {FORMAT_VERSION} (format 1 kept no session \
         owners: move the file away to start empty)",
        path.display(),
        version.version
    );
    let state: StateFile = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a nac-sandbox state file", path.display()))?;
    if let Some(bad) = state.sessions.iter().find(|s| !s.owner.is_well_formed()) {
        anyhow::bail!(
            "{}: session {} has no valid owner (a SHA-256 hex of its API key)",
            path.display(),
            bad.id
        );
    }
    Ok(Some((state.clock_offset_ms, state.sessions)))
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        // The file holds sink access tokens.
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)?;
    #[cfg(unix)]
    {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        std::fs::File::open(dir.unwrap_or(Path::new(".")))?.sync_all()?;
    }
    Ok(())
}

#[derive(Debug)]
pub(crate) struct Persister {
    path: PathBuf,
    /// Numbers the changes made to the store.
    changes: AtomicU64,
    wake: Notify,
    /// The highest change number known to be on disk.
    flushed: watch::Sender<u64>,
}

impl Persister {
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            changes: AtomicU64::new(0),
            wake: Notify::new(),
            flushed: watch::Sender::new(0),
        }
    }

    /// Records that the store changed (after the change is made) and returns the change's number.
    pub fn changed(&self) -> u64 {
        let n = self.changes.fetch_add(1, Ordering::SeqCst) + 1;
        self.wake.notify_one();
        n
    }

    /// Waits until change `n` is on disk.
    pub async fn flushed(&self, n: u64) -> anyhow::Result<()> {
        let mut rx = self.flushed.subscribe();
        tokio::time::timeout(FLUSH_WAIT, rx.wait_for(|f| *f >= n))
            .await
            .context("the state file was not written in time")?
            .context("the state writer stopped")?;
        Ok(())
    }

    /// Writes the current state now.
    pub fn write_now(&self, store: &Store, clock: &SandboxClock) -> anyhow::Result<()> {
        let covered = self.changes.load(Ordering::SeqCst);
        let state = StateFile {
            version: FORMAT_VERSION,
            clock_offset_ms: clock.offset_ms(),
            sessions: store.snapshot(),
        };
        let bytes = serde_json::to_vec(&state)?;
        write_atomically(&self.path, &bytes)
            .with_context(|| format!("writing {}", self.path.display()))?;
        self.flushed.send_modify(|f| *f = (*f).max(covered));
        Ok(())
    }

    /// The background writer: one write per wake-up, covering every change made before it started.
    pub async fn run(self: Arc<Self>, store: Arc<Store>, clock: Arc<SandboxClock>) {
        loop {
            self.wake.notified().await;
            let (me, store, clock) = (self.clone(), store.clone(), clock.clone());
            let result = tokio::task::spawn_blocking(move || me.write_now(&store, &clock)).await;
            match result {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    log::error!("nac-sandbox: {e:#}; retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    self.wake.notify_one();
                }
                Err(e) => log::error!("nac-sandbox: state writer failed: {e}"),
            }
        }
    }
}
