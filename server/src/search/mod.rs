//! Search behind one interface, [`SearchIndex`], with two engines: the
//! embedded one ([`embedded`], tantivy, under the data directory) by default,
//! and Meilisearch ([`meili`]) when `search.meilisearch_url` is set.
//!
//! The engines never decide who sees what: every request carries the
//! searcher's [`Access`] (audience keys and moderated organisations) and the
//! engine filters on it inside its own query. Documents reach the engine
//! through the outbox (`service::search`), so a write never waits for it.

pub mod embedded;
pub mod meili;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::search::{Access, Facet, Filters, Query};

/// What the engines index: a record, a thread, a post or a proposal, as
/// plain text with what filtering and display need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// `record:<uuid>`, `thread:<uuid>`, `post:<uuid>`, `proposal:<uuid>`;
    /// Meilisearch allows no colon in ids, so its adapter swaps it for `-`.
    pub id: String,
    pub organisation_id: Uuid,
    /// One of `domain::search::KINDS`.
    pub kind: String,
    pub body_id: Option<Uuid>,
    pub year: i32,
    pub title: String,
    /// Plain text (Markdown rendered, tags removed).
    pub text: String,
    /// Where it is read: a path on this server.
    pub url: String,
    /// Unix seconds.
    pub published_at: i64,
    /// Who may see it (`domain::search::audience`).
    pub audience: String,
}

/// One change for an engine.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Upsert(Document),
    Remove(String),
}

/// A search as the engines receive it: parsed, filtered, with the
/// searcher's access, one page.
#[derive(Debug, Clone)]
pub struct Request {
    pub query: Query,
    pub filters: Filters,
    pub access: Access,
    /// Only this organisation's documents, when set.
    pub organisation: Option<Uuid>,
    pub offset: usize,
    pub limit: usize,
}

/// A hit: the document's fields to show, and a snippet whose matches are
/// wrapped in `domain::search::MARK_START`/`MARK_END`.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: String,
    pub organisation_id: Uuid,
    pub kind: String,
    pub body_id: Option<Uuid>,
    pub year: i32,
    pub title: String,
    pub url: String,
    pub published_at: i64,
    pub snippet: String,
}

/// How many hits have each value of a facet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetCount {
    pub facet: Facet,
    pub value: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Results {
    /// All hits the searcher may see, not only this page's.
    pub total: u64,
    pub hits: Vec<Hit>,
    pub facets: Vec<FacetCount>,
}

/// Why an engine could not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// Unreachable or refusing for now: try again later.
    #[error("search engine unavailable: {0}")]
    Unavailable(String),
    /// It answered, and the answer was an error.
    #[error("search engine error: {0}")]
    Failed(String),
}

/// A search engine.
#[async_trait::async_trait]
pub trait SearchIndex: Send + Sync {
    /// Its name in logs and in `plenum reindex`'s report.
    fn name(&self) -> &'static str;
    /// Applies changes in order; when it returns Ok they are searchable.
    async fn apply(&self, changes: Vec<Change>) -> Result<(), SearchError>;
    /// Adds one batch of a rebuild (`plenum reindex`, or a new index filled
    /// at start-up). Unlike [`SearchIndex::apply`], it may become
    /// searchable only later: an engine gathers such batches into fewer,
    /// larger writes, and [`SearchIndex::settle`] ends the rebuild.
    async fn load(&self, changes: Vec<Change>) -> Result<(), SearchError> {
        self.apply(changes).await
    }
    /// Makes everything [`SearchIndex::load`]ed searchable and durable, or
    /// says what failed.
    async fn settle(&self) -> Result<(), SearchError> {
        Ok(())
    }
    async fn search(&self, request: &Request) -> Result<Results, SearchError>;
    /// Removes every document (before a reindex).
    async fn clear(&self) -> Result<(), SearchError>;
    /// Was it just created, empty, or left half-rebuilt, while the database
    /// may hold documents?
    fn needs_rebuild(&self) -> bool {
        false
    }
}

/// No engine: for commands that only write (`plenum demo`); what they
/// queue waits in the outbox for the server.
pub struct Offline;

#[async_trait::async_trait]
impl SearchIndex for Offline {
    fn name(&self) -> &'static str {
        "offline"
    }
    async fn apply(&self, _: Vec<Change>) -> Result<(), SearchError> {
        Err(SearchError::Unavailable(
            "no search engine in this command".into(),
        ))
    }
    async fn search(&self, _: &Request) -> Result<Results, SearchError> {
        Err(SearchError::Unavailable(
            "no search engine in this command".into(),
        ))
    }
    async fn clear(&self) -> Result<(), SearchError> {
        Err(SearchError::Unavailable(
            "no search engine in this command".into(),
        ))
    }
}

/// The engine the settings name: Meilisearch when its URL is set, else the
/// embedded one under `server.data_dir/search`.
pub async fn from_settings(
    settings: &crate::config::Settings,
) -> anyhow::Result<std::sync::Arc<dyn SearchIndex>> {
    let s = &settings.search;
    if s.meilisearch_url.is_empty() {
        let path = settings.server.data_dir.join("search");
        Ok(std::sync::Arc::new(embedded::Embedded::open(&path)?))
    } else {
        let engine = meili::Meili::new(&s.meilisearch_url, s.meilisearch_key.expose(), &s.index)?;
        if let Err(e) = engine.configure().await {
            // Start anyway: the outbox keeps every change until it returns.
            tracing::warn!(error = %e, "search: Meilisearch not ready at start-up; index settings will be applied when it answers");
        }
        Ok(std::sync::Arc::new(engine))
    }
}
