//! [`Key`]: the readable, unique name of a task (`inc-3f2a9c01`).
//!
//! A key has a prefix (the function's name: `inc`, `add`, `sum`) and an identity. The prefix
//! groups tasks in pictures (one colour per prefix) and in graph summaries; the identity
//! makes two keys equal only when they name the same task. Generated identities are random
//! 64-bit numbers (no global counter: statics are per notebook cell), so shared subgraphs
//! deduplicate by key and distinct calls never collide. Names chosen by the user
//! (`Key::named("data")`) are their own identity.

use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;

/// A task's prefix: a literal from the source (`stringify!(inc)`) costs no allocation.
#[derive(Clone)]
enum Text {
    Static(&'static str),
    Shared(Arc<str>),
}

impl Text {
    fn as_str(&self) -> &str {
        match self {
            Text::Static(text) => text,
            Text::Shared(text) => text,
        }
    }
}

/// The name of a task: a prefix that groups and colours it, and a unique identity.
///
/// ```
/// use rhpc::tasks::Key;
///
/// let a = Key::generate("inc");
/// let b = Key::generate("inc");
/// assert_eq!(a.prefix(), "inc");
/// assert_ne!(a, b);                          // two calls, two tasks
/// assert!(a.to_string().starts_with("inc-"));
/// assert_eq!(Key::named("data"), Key::named("data"));
/// assert_eq!(Key::named("data").to_string(), "data");
/// assert_eq!(Key::named("load-2024").prefix(), "load");
/// ```
#[derive(Clone)]
pub struct Key {
    prefix: Text,
    id: u64,
    /// For keys named by the user: the whole name (the prefix is its part before the last `-`).
    name: Option<Arc<str>>,
}

impl Key {
    /// A new unique key with this prefix.
    ///
    /// ```
    /// assert_eq!(rhpc::tasks::Key::generate("inc").prefix(), "inc");
    /// ```
    pub fn generate(prefix: impl Into<KeyPrefix>) -> Key {
        Key {
            prefix: prefix.into().0,
            id: fresh_id(),
            name: None,
        }
    }

    /// A key with exactly this name: equal to every other key with the same name. Its prefix
    /// is the name up to its last `-` when the rest looks like an index or a token
    /// (`load-3`, `x-1f2e`), else the whole name.
    ///
    /// ```
    /// assert_eq!(rhpc::tasks::Key::named("block-7").prefix(), "block");
    /// ```
    pub fn named(name: &str) -> Key {
        let prefix = match name.rsplit_once('-') {
            Some((head, tail))
                if !head.is_empty()
                    && !tail.is_empty()
                    && tail.chars().all(|c| c.is_ascii_hexdigit()) =>
            {
                head
            }
            _ => name,
        };
        Key {
            prefix: Text::Shared(Arc::from(prefix)),
            id: fnv1a(name.as_bytes()),
            name: Some(Arc::from(name)),
        }
    }

    /// The group this task belongs to: the function's name.
    ///
    /// ```
    /// assert_eq!(rhpc::tasks::Key::generate("add").prefix(), "add");
    /// ```
    pub fn prefix(&self) -> &str {
        self.prefix.as_str()
    }

    /// The 64-bit identity (equal keys have equal ids).
    ///
    /// ```
    /// use rhpc::tasks::Key;
    /// assert_eq!(Key::named("x").id(), Key::named("x").id());
    /// ```
    pub fn id(&self) -> u64 {
        self.id
    }
}

/// What a [`Key`]'s prefix can be made from: a `&'static str` (free) or a `String`.
///
/// ```
/// use rhpc::tasks::{Key, KeyPrefix};
/// let from_string: KeyPrefix = String::from("load").into();
/// assert_eq!(Key::generate(from_string).prefix(), "load");
/// ```
#[derive(Clone)]
pub struct KeyPrefix(Text);

impl From<&'static str> for KeyPrefix {
    fn from(text: &'static str) -> KeyPrefix {
        KeyPrefix(Text::Static(text))
    }
}

impl From<String> for KeyPrefix {
    fn from(text: String) -> KeyPrefix {
        KeyPrefix(Text::Shared(Arc::from(text)))
    }
}

impl From<&String> for KeyPrefix {
    fn from(text: &String) -> KeyPrefix {
        KeyPrefix(Text::Shared(Arc::from(text.as_str())))
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.id == other.id
    }
}

impl Eq for Key {}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.id);
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => f.write_str(name),
            // The top 32 bits are enough to tell tasks apart by eye; equality uses all 64.
            None => write!(f, "{}-{:08x}", self.prefix(), self.id >> 32),
        }
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({self})")
    }
}

/// A random 64-bit id. `RandomState::new()` is seeded once per thread and then stepped on
/// every call, so successive ids differ; hashing spreads them over all 64 bits.
fn fresh_id() -> u64 {
    std::collections::hash_map::RandomState::new().hash_one(0x006b_6579_u64)
}

/// FNV-1a: a deterministic identity for user-chosen names.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// A hasher for maps keyed by [`Key`] ids, which are already well mixed.
#[derive(Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = fnv1a(bytes) ^ self.0.rotate_left(5);
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// `BuildHasher` for [`IdHasher`].
pub(crate) type IdBuild = std::hash::BuildHasherDefault<IdHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_unique() {
        let ids: std::collections::HashSet<u64> =
            (0..100_000).map(|_| Key::generate("inc").id()).collect();
        assert_eq!(ids.len(), 100_000);
    }

    #[test]
    fn named_prefixes() {
        assert_eq!(Key::named("inc-3f2a").prefix(), "inc");
        assert_eq!(Key::named("block-12").prefix(), "block");
        assert_eq!(Key::named("total").prefix(), "total");
        assert_eq!(Key::named("-3").prefix(), "-3");
        assert_eq!(Key::named("read-csv").prefix(), "read-csv");
    }

    #[test]
    fn display_is_readable() {
        let key = Key::generate("add");
        let text = key.to_string();
        assert_eq!(text.len(), "add-".len() + 8, "{text}");
    }
}
