//! Pages of posts kept in memory: a lively discussion is read far more often
//! than it is written, and a page of 50 posts with their HTML is most of what
//! reading it costs the database.
//!
//! A page is kept with the version of its thread it was read at
//! ([`Versions`]): every forum event for the thread — a reply, an edit,
//! a post hidden or deleted, here or, with PostgreSQL, in another process —
//! moves the version, and a page read at an older one is read again. The
//! version is taken *before* reading, so a page read while a change commits
//! is never kept as current. Who may read is checked on every request,
//! before the cache; what each reader sees of a post (hidden text) is decided
//! after it, from the rows.

use std::sync::Arc;

use quick_cache::Weighter;
use quick_cache::sync::Cache;
use uuid::Uuid;

use crate::entity::post;
use crate::error::AppResult;
use crate::events::Versions;
use crate::service::page::Page;

/// A page: the thread, the post whose answers it lists (none: the whole
/// thread), the number it starts after, its size.
type Key = (Uuid, Option<Uuid>, i32, u64);

#[derive(Clone)]
struct Kept {
    version: u64,
    page: Arc<Page<post::Model>>,
    bytes: u64,
}

#[derive(Clone)]
struct Bytes;

impl Weighter<Key, Kept> for Bytes {
    fn weight(&self, _: &Key, kept: &Kept) -> u64 {
        kept.bytes
    }
}

pub struct PostPages {
    pages: Option<Cache<Key, Kept, Bytes>>,
    versions: Arc<Versions>,
}

impl PostPages {
    /// A cache of at most `mib` MiB of posts (0: none), current while the
    /// event bus's `versions` of their threads stay.
    pub fn new(mib: u64, versions: Arc<Versions>) -> Self {
        PostPages {
            pages: (mib > 0).then(|| Cache::with_weighter(1024, mib << 20, Bytes)),
            versions,
        }
    }

    /// The page, from memory when it is current, else from `read` (and kept).
    pub async fn get_or_read(
        &self,
        key: Key,
        read: impl Future<Output = AppResult<Page<post::Model>>>,
    ) -> AppResult<Page<post::Model>> {
        let Some(cache) = &self.pages else {
            return read.await;
        };
        let version = self.versions.of(key.0);
        if let Some(kept) = cache.get(&key).filter(|k| k.version == version) {
            return Ok(Page::clone(&kept.page));
        }
        let page = read.await?;
        let bytes = page
            .rows
            .iter()
            .map(|p| (p.body_source.len() + p.body_html.len() + p.path.len() + 256) as u64)
            .sum::<u64>()
            .max(1);
        let kept = Kept {
            version,
            page: Arc::new(Page::clone(&page)),
            bytes,
        };
        cache.insert(key, kept);
        Ok(page)
    }
}
