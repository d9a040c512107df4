//! Who is asking, kept in memory between requests: credentials (with their
//! account), accounts (authors shown beside posts) and memberships. Nearly
//! every request needs them, and they change seldom.
//!
//! What is kept is current while the event bus's version of its person has
//! not moved ([`Versions`]): a logout, a revoked token, a changed password,
//! profile or membership publishes an event for the person — here or, with
//! PostgreSQL, in another process — and what was kept of them is read again.
//! Nothing is kept longer than `accounts.cache_seconds`, which bounds what a
//! change made beside Plenum (`plenum user set-password`, a database edited
//! by hand) takes to apply. A value is kept only when no change at all was
//! counted while it was read, so a change that commits during the read is
//! never hidden.

use std::hash::Hash;
use std::sync::Arc;
use std::time::{Duration, Instant};

use quick_cache::sync::Cache;
use uuid::Uuid;

use crate::entity::{account, auth_token, membership};
use crate::error::AppResult;
use crate::events::Versions;

#[derive(Clone)]
struct Kept<T> {
    value: T,
    person: Uuid,
    version: u64,
    at: Instant,
}

/// One kind of thing kept, by key.
pub struct Shelf<K, T> {
    kept: Option<Cache<K, Kept<T>>>,
    ttl: Duration,
    versions: Arc<Versions>,
}

/// Taken before reading what is to be kept: see [`Shelf::keep`].
#[derive(Clone, Copy)]
pub struct Before(u64);

impl<K: Eq + Hash + Clone, T: Clone> Shelf<K, T> {
    fn new(items: usize, ttl: Duration, versions: Arc<Versions>) -> Self {
        Shelf {
            kept: (!ttl.is_zero()).then(|| Cache::new(items)),
            ttl,
            versions,
        }
    }

    /// What is kept under `key`, while it is current.
    pub fn get(&self, key: &K) -> Option<T> {
        let kept = self.kept.as_ref()?.get(key)?;
        (kept.at.elapsed() < self.ttl && kept.version == self.versions.of(kept.person))
            .then_some(kept.value)
    }

    /// Drops what is kept under `key`: the next request reads it again.
    pub fn forget(&self, key: &K) {
        if let Some(kept) = &self.kept {
            kept.remove(key);
        }
    }

    /// To take before reading from the database what will be kept.
    pub fn before(&self) -> Before {
        Before(self.versions.total())
    }

    /// What is kept under `key` while it is current, else what `read` finds:
    /// the value and the person it is about, kept unless something changed
    /// while it was read (`None`: nothing found, nothing kept).
    pub async fn get_or_read(
        &self,
        key: K,
        read: impl Future<Output = AppResult<Option<(Uuid, T)>>>,
    ) -> AppResult<Option<T>> {
        let before = self.before();
        if let Some(found) = self.get(&key) {
            return Ok(Some(found));
        }
        let Some((person, found)) = read.await? else {
            return Ok(None);
        };
        self.keep(key, person, found.clone(), before);
        Ok(Some(found))
    }

    /// Keeps `value`, about `person`, read after `before`, unless something
    /// changed while it was read.
    pub fn keep(&self, key: K, person: Uuid, value: T, before: Before) {
        let Some(kept) = &self.kept else { return };
        if self.versions.total() == before.0 {
            let version = self.versions.of(person);
            kept.insert(
                key,
                Kept {
                    value,
                    person,
                    version,
                    at: Instant::now(),
                },
            );
        }
    }
}

/// A token (by the hash of its secret) and the account it stands for.
pub type Credential = (auth_token::Model, account::Model);

pub struct People {
    pub credentials: Shelf<String, Credential>,
    pub accounts: Shelf<Uuid, account::Model>,
    /// A person's membership of an organisation, if active; by (organisation, person).
    pub memberships: Shelf<(Uuid, Uuid), Option<membership::Model>>,
}

impl People {
    /// Keeps each thing at most `seconds` (0: nothing kept), current while
    /// the event bus's `versions` of its person stay.
    pub fn new(seconds: u32, versions: Arc<Versions>) -> Self {
        let ttl = Duration::from_secs(u64::from(seconds));
        People {
            credentials: Shelf::new(50_000, ttl, versions.clone()),
            accounts: Shelf::new(100_000, ttl, versions.clone()),
            memberships: Shelf::new(100_000, ttl, versions),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Event, EventBus};

    fn shelf(bus: &EventBus) -> Shelf<u32, &'static str> {
        Shelf::new(16, Duration::from_secs(60), bus.people())
    }

    fn changed(bus: &EventBus, account_id: Uuid) {
        bus.publish(Event::Account { account_id });
    }

    #[test]
    fn what_is_kept_is_read_again_once_its_person_changes() {
        let bus = EventBus::new();
        let (shelf, camille, dominique) = (shelf(&bus), Uuid::new_v4(), Uuid::new_v4());
        let before = shelf.before();
        shelf.keep(1, camille, "Camille", before);
        assert_eq!(shelf.get(&1), Some("Camille"));
        changed(&bus, dominique);
        assert_eq!(shelf.get(&1), Some("Camille"), "someone else changed");
        changed(&bus, camille);
        assert_eq!(shelf.get(&1), None);
    }

    #[test]
    fn what_was_read_while_anything_changed_is_not_kept() {
        let bus = EventBus::new();
        let shelf = shelf(&bus);
        let before = shelf.before();
        changed(&bus, Uuid::new_v4());
        shelf.keep(1, Uuid::new_v4(), "Camille", before);
        assert_eq!(shelf.get(&1), None);
    }

    #[test]
    fn nothing_is_kept_past_its_time_or_when_the_time_is_zero() {
        let bus = EventBus::new();
        let person = Uuid::new_v4();
        let brief = Shelf::new(16, Duration::from_millis(1), bus.people());
        brief.keep(1, person, "Camille", brief.before());
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(brief.get(&1), None);
        let never = Shelf::new(16, Duration::ZERO, bus.people());
        never.keep(1, person, "Camille", never.before());
        assert_eq!(never.get(&1), None);
    }

    #[test]
    fn a_lost_link_to_the_other_processes_empties_the_shelves() {
        let bus = EventBus::new();
        let shelf = shelf(&bus);
        shelf.keep(1, Uuid::new_v4(), "Camille", shelf.before());
        bus.count_all();
        assert_eq!(shelf.get(&1), None);
    }
}
