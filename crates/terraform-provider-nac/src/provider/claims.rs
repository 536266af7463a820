//! The sessions this Terraform command holds for resources (read, imported, created, adopted): no
//! adoption ever takes one of them for another resource. Kept in memory and in a file named after the
//! Terraform process, so that the plugin of the apply walk knows what the plugin of the plan walk read
//! (two resources of one state never share a session; a replacement's 409 can name the session it
//! replaces).

use std::collections::HashSet;
use std::io::Write;
use std::sync::Mutex;

use crate::terraform_process;

#[derive(Debug, Default)]
pub struct Claims(Mutex<HashSet<String>>);

impl Claims {
    fn ids(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        // A panic elsewhere cannot leave a set of ids half-updated in a way that matters.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn claim(&self, id: &str) {
        if self.ids().insert(id.to_owned()) {
            persist(id);
        }
    }

    pub fn is_claimed(&self, id: &str) -> bool {
        self.ids().contains(id) || persisted().contains(id)
    }

    /// The ids held now, for a client call that must not adopt any of them.
    pub fn snapshot(&self) -> HashSet<String> {
        let mut ids = self.ids().clone();
        ids.extend(persisted());
        ids
    }
}

/// The file's first line is the Terraform process's identity; then one id per line.
fn persist(id: &str) {
    let Some((path, identity)) = terraform_process::file("claims") else {
        return;
    };
    let fresh = std::fs::read_to_string(&path)
        .ok()
        .is_none_or(|text| text.lines().next() != Some(identity.as_str()));
    let written = if fresh {
        std::fs::write(&path, format!("{identity}\n{id}\n"))
    } else {
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut file| writeln!(file, "{id}"))
    };
    if let Err(e) = written {
        log::debug!("cannot record held session {id} in {}: {e}", path.display());
    }
}

fn persisted() -> HashSet<String> {
    let Some((path, identity)) = terraform_process::file("claims") else {
        return HashSet::new();
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        return HashSet::new();
    };
    let mut lines = text.lines();
    if lines.next() != Some(identity.as_str()) {
        return HashSet::new();
    }
    lines
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}
