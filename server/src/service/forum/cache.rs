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
//! What was read at an older version is read again. Versions are taken
//! *before* reading, so what is read while a change commits is never kept as
//! current. Who may read is still decided on every request, from the rows and
//! the reader's membership; what each reader sees of a post (hidden text) is
//! decided after the cache, from the rows.

use std::sync::Arc;

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

#[derive(Clone)]
struct Kept {
    version: u64,
    page: Posts,
    bytes: u64,
}

#[derive(Clone)]
struct KeptRows {
    version: u64,
    organisations: u64,
    rows: Arc<ThreadRows>,
}

#[derive(Clone)]
struct Bytes;

impl Weighter<Key, Kept> for Bytes {
    fn weight(&self, _: &Key, kept: &Kept) -> u64 {
        kept.bytes
    }
}

/// Threads whose rows are kept (a few kilobytes each).
const THREADS: usize = 10_000;

pub struct ForumCache {
    pages: Option<Cache<Key, Kept, Bytes>>,
    threads: Option<Cache<Uuid, KeptRows>>,
    versions: Arc<Versions>,
    organisations: Arc<Versions>,
}

impl ForumCache {
    /// A cache of at most `mib` MiB of posts (0: nothing kept), current while
    /// the event bus's `versions` of their threads and its `organisations`
    /// version stay.
    pub fn new(mib: u64, versions: Arc<Versions>, organisations: Arc<Versions>) -> Self {
        ForumCache {
            pages: (mib > 0).then(|| Cache::with_weighter(1024, mib << 20, Bytes)),
            threads: (mib > 0).then(|| Cache::new(THREADS)),
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
        let Some(cache) = &self.pages else {
            return Ok(read.await?.map(Arc::new));
        };
        let version = self.versions.of(key.0);
        if let Some(kept) = cache.get(&key).filter(|k| k.version == version) {
            return Ok(kept.page);
        }
        let page = read.await?.map(Arc::new);
        let bytes = page
            .rows
            .iter()
            .map(|p| (p.body_source.len() + p.body_html.len() + p.path.len() + 256) as u64)
            .sum::<u64>()
            .max(1);
        let kept = Kept {
            version,
            page: page.clone(),
            bytes,
        };
        cache.insert(key, kept);
        Ok(page)
    }

    /// The thread with its space and organisation, from memory when none of
    /// them has changed since, else from `read` (and kept when found).
    pub async fn thread(
        &self,
        id: Uuid,
        read: impl Future<Output = AppResult<Option<ThreadRows>>>,
    ) -> AppResult<Option<Arc<ThreadRows>>> {
        let Some(cache) = &self.threads else {
            return Ok(read.await?.map(Arc::new));
        };
        let (version, organisations) = (self.versions.of(id), self.organisations.total());
        if let Some(kept) = cache
            .get(&id)
            .filter(|k| k.version == version && k.organisations == organisations)
        {
            return Ok(Some(kept.rows));
        }
        let Some(rows) = read.await?.map(Arc::new) else {
            return Ok(None);
        };
        let kept = KeptRows {
            version,
            organisations,
            rows: rows.clone(),
        };
        cache.insert(id, kept);
        Ok(Some(rows))
    }
}
