//! The sessions this provider process holds for resources (read, imported, created, adopted): no
//! adoption ever takes one of them for another resource.

use std::collections::HashSet;
use std::sync::Mutex;

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
        self.ids().insert(id.to_owned());
    }

    pub fn is_claimed(&self, id: &str) -> bool {
        self.ids().contains(id)
    }

    /// The ids held now, for a client call that must not adopt any of them.
    pub fn snapshot(&self) -> HashSet<String> {
        self.ids().clone()
    }
}
