//! Who owns a session: the API key that created it, kept only as a SHA-256 hash so that neither the
//! state file nor the admin API ever holds the key itself.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hex SHA-256 of an `X-RapidAPI-Key`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Owner(String);

impl Owner {
    pub fn of_key(key: &str) -> Self {
        let digest = Sha256::digest(key.as_bytes());
        Self(digest.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// A short label for people (admin API, UI): enough to tell keys apart, useless to guess a key.
    pub fn label(&self) -> String {
        format!("key-{}", self.0.get(..8).unwrap_or(&self.0))
    }

    /// An owner from its stored hash; `None` unless well formed.
    pub fn from_hash(hash: &str) -> Option<Self> {
        Some(Self(hash.to_owned())).filter(Self::is_well_formed)
    }

    /// The stored hash (never the key).
    pub fn hash(&self) -> &str {
        &self.0
    }

    /// A stored hash is 64 lower-case hex digits.
    pub fn is_well_formed(&self) -> bool {
        self.0.len() == 64
            && self
                .0
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_never_kept() {
        let owner = Owner::of_key("secret-key");
        assert!(owner.is_well_formed());
        assert!(!owner.0.contains("secret"));
        assert_eq!(owner, Owner::of_key("secret-key"));
        assert_ne!(owner, Owner::of_key("other-key"));
        assert_eq!(owner.label().len(), 12);
    }
}
