//! What reading a discussion needs, kept in memory: a lively discussion is
//! read far more often than it is written. Two things are kept:
//!
//! - pages of posts: a page of 50 posts with their HTML is most of what
//!   reading a thread costs the database;
//! - each thread with its space and organisation: what every read checks
//!   the reader's rights against.
//!
//! Each is kept with the versions it was read at ([`Versions`]): every forum
//! event for a thread — a reply, an edit, a post hidden or deleted, the
//! thread closed or moved — moves the thread's version, and every change of
//! an organisation's settings or of one of its spaces moves the
//! organisations' version, here or, with PostgreSQL, in another process.
//! What was read at an older version is read again, and whatever its
//! version nothing is kept longer than `forum.cache_seconds`: a change
//! whose event was lost on the way from another process is seen after that
//! time at most. Versions are taken
//! *before* reading, so what is read while a change commits is never kept as
//! current. Who may read is still decided on every request, from the rows and
//! the reader's membership; what each reader sees of a post (hidden text) is
//! decided after the cache, from the rows.

use std::sync::Arc;
use std::time::{Duration, Instant};

use quick_cache::Weighter;
use quick_cache::sync::Cache;
use uuid::Uuid;

use crate::entity::{category, organisation, post, thread};
use crate::error::AppResult;
use crate::events::Versions;
use crate::service::page::Page;

/// A page: the thread, the post whose answers it lists (none: the whole
/// thread), the number it starts after, its size.
type Key = (Uuid, Option<Uuid>, i32, u64);

/// A page of posts, shared by every request that reads it.
pub type Posts = Page<Arc<post::Model>>;

/// A thread, its space and its organisation.
pub type ThreadRows = (thread::Model, category::Model, organisation::Model);

/// What was read, the versions it was read at (its thread's, the
/// organisations'), and roughly what it weighs.
#[derive(Clone)]
struct Kept<V> {
    versions: (u64, u64),
    value: V,
    bytes: u64,
    read_at: Instant,
}

#[derive(Clone)]
struct Bytes;

impl<K, V> Weighter<K, Kept<V>> for Bytes {
    fn weight(&self, _: &K, kept: &Kept<V>) -> u64 {
        kept.bytes
    }
}

type Store<K, V> = Option<Cache<K, Kept<V>, Bytes>>;

/// Room for `mib` MiB (0: nothing kept).
fn store<K: Eq + std::hash::Hash, V: Clone>(mib: u64) -> Store<K, V> {
    (mib > 0).then(|| Cache::with_weighter(1024, mib << 20, Bytes))
}

/// Memory for threads' rows (a few kilobytes each).
const THREADS_MIB: u64 = 16;

pub struct ForumCache {
    /// The longest anything is kept, whatever its version.
    ceiling: Duration,
    pages: Store<Key, Posts>,
    threads: Store<Uuid, Option<Arc<ThreadRows>>>,
    versions: Arc<Versions>,
    organisations: Arc<Versions>,
}

impl ForumCache {
    /// A cache of at most `mib` MiB of posts (0: nothing kept, threads
    /// included), current while the event bus's `versions` of their threads
    /// and its `organisations` version stay.
    pub fn new(
        mib: u64,
        ceiling: Duration,
        versions: Arc<Versions>,
        organisations: Arc<Versions>,
    ) -> Self {
        ForumCache {
            ceiling,
            pages: store(mib),
            threads: store(if mib > 0 { THREADS_MIB } else { 0 }),
            versions,
            organisations,
        }
    }

    /// The page, from memory when it is current, else from `read` (and kept).
    pub async fn page(
        &self,
        key: Key,
        read: impl Future<Output = AppResult<Page<post::Model>>>,
    ) -> AppResult<Posts> {
        let versions = (self.versions.of(key.0), 0);
        let read = async { Ok(read.await?.map(Arc::new)) };
        kept_or_read(
            &self.pages,
            self.ceiling,
            key,
            versions,
            read,
            |page: &Posts| {
                let bytes = page
                    .rows
                    .iter()
                    .map(|p| (p.body_source.len() + p.body_html.len() + p.path.len() + 256) as u64);
                Some(bytes.sum())
            },
        )
        .await
    }

    /// The thread with its space and organisation, from memory when none of
    /// them has changed since, else from `read` (and kept when found).
    pub async fn thread(
        &self,
        id: Uuid,
        read: impl Future<Output = AppResult<Option<ThreadRows>>>,
    ) -> AppResult<Option<Arc<ThreadRows>>> {
        let versions = (self.versions.of(id), self.organisations.total());
        let read = async { Ok(read.await?.map(Arc::new)) };
        kept_or_read(&self.threads, self.ceiling, id, versions, read, |found| {
            let (thread, category, organisation) = &**found.as_ref()?;
            let texts =
                thread.title.len() + category.description.len() + organisation.description.len();
            Some((texts + 2048) as u64)
        })
        .await
    }
}

/// The value kept for `key` when it was read at `versions`, else what `read`
/// finds — kept when `bytes` weighs it (`None`: not worth keeping).
async fn kept_or_read<K, V>(
    store: &Store<K, V>,
    ceiling: Duration,
    key: K,
    versions: (u64, u64),
    read: impl Future<Output = AppResult<V>>,
    bytes: impl FnOnce(&V) -> Option<u64>,
) -> AppResult<V>
where
    K: Eq + std::hash::Hash + Clone,
    V: Clone,
{
    let Some(cache) = store else {
        return read.await;
    };
    let current = |k: &Kept<V>| k.versions == versions && k.read_at.elapsed() < ceiling;
    if let Some(kept) = cache.get(&key).filter(current) {
        return Ok(kept.value);
    }
    let read_at = Instant::now();
    let value = read.await?;
    if let Some(bytes) = bytes(&value) {
        let kept = Kept {
            read_at,
            versions,
            value: value.clone(),
            bytes: bytes.max(1),
        };
        cache.insert(key, kept);
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    /// Reads a page through `cache` twice without any change between, and
    /// counts how often the database was asked.
    async fn reads_of_an_unchanged_page(cache: &ForumCache) -> u32 {
        let reads = AtomicU32::new(0);
        let key = (Uuid::new_v4(), None, 0, 50);
        for _ in 0..2 {
            let read = async {
                reads.fetch_add(1, Ordering::Relaxed);
                Ok(Page {
                    rows: Vec::new(),
                    has_next: false,
                })
            };
            cache.page(key, read).await.unwrap();
        }
        reads.into_inner()
    }

    #[tokio::test]
    async fn nothing_is_kept_past_its_ceiling_even_unchanged() {
        let bus = crate::events::EventBus::new();
        let cache = |ceiling| ForumCache::new(1, ceiling, bus.threads(), bus.organisations());
        let kept = cache(Duration::from_secs(300));
        assert_eq!(reads_of_an_unchanged_page(&kept).await, 1);
        let expired = cache(Duration::ZERO);
        assert_eq!(reads_of_an_unchanged_page(&expired).await, 2);
    }
}
