//! The Meilisearch engine, through meilisearch-sdk: for several server
//! processes sharing one database, which cannot share the embedded index.
//!
//! Visibility is part of every search's filter (audience keys, moderated
//! organisations), never checked on the hits afterwards, so that totals,
//! facets and pages count only what the searcher may see.
//!
//! Every change waits for its Meilisearch task: `apply` returning Ok means
//! searchable, which the outbox relies on before it forgets a change. A
//! rebuild's batches (`load`) are only queued, so that Meilisearch may index
//! them together, and `settle` waits for all their tasks.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use meilisearch_sdk::client::Client;
use meilisearch_sdk::errors::{Error as MeiliError, ErrorType};
use meilisearch_sdk::indexes::Index;
use meilisearch_sdk::search::{MatchingStrategies, Selectors};
use meilisearch_sdk::settings::Settings;
use meilisearch_sdk::task_info::TaskInfo;
use meilisearch_sdk::tasks::Task;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Change, Document, FacetCount, Hit, Request, Results, SearchError, SearchIndex};
use crate::domain::search::{Facet, MARK_END, MARK_START};

const SEARCHABLE: [&str; 2] = ["title", "text"];
const FILTERABLE: [&str; 5] = ["audience", "organisation_id", "kind", "body_id", "year"];
const SORTABLE: [&str; 1] = ["published_at"];
/// The facets counted, as Meilisearch names them.
const FACETS: [&str; 3] = ["kind", "body_id", "year"];
const HIGHLIGHTED: [&str; 1] = ["text"];
/// A snippet is about as long as the embedded engine's 220 characters.
const CROPPED: [(&str, Option<usize>); 1] = [("text", Some(40))];
/// The beginning of the text shown when Meilisearch sends no snippet.
const SNIPPET_CHARS: usize = 220;
/// Tasks are usually done in milliseconds; poll often so that `apply` is quick.
const POLL: Duration = Duration::from_millis(50);
/// How long a task may stay queued before the change is left to the outbox's
/// next attempt (applying it twice does no harm).
const TASK_TIMEOUT: Duration = Duration::from_secs(30);
/// The SDK's HTTP client has no timeout of its own: a Meilisearch that
/// accepts connections and never answers would hold a worker forever.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The Meilisearch engine. Not `Debug`: the SDK's client prints its key.
pub struct Meili {
    client: Client,
    index: Index,
    /// Whether the index settings are known to be applied; until then every
    /// call applies them first (Meilisearch may have been down at start-up).
    configured: AtomicBool,
    /// The tasks of a rebuild's batches, in order, not yet waited for.
    loaded: Mutex<Vec<(TaskInfo, &'static str)>>,
}

/// A document as Meilisearch stores it and returns it in hits.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct Stored {
    id: String,
    organisation_id: Uuid,
    kind: String,
    body_id: Option<Uuid>,
    year: i32,
    title: String,
    text: String,
    url: String,
    published_at: i64,
    audience: String,
}

impl From<Document> for Stored {
    fn from(d: Document) -> Stored {
        Stored {
            id: to_meili_id(&d.id),
            organisation_id: d.organisation_id,
            kind: d.kind,
            body_id: d.body_id,
            year: d.year,
            title: d.title,
            text: d.text,
            url: d.url,
            published_at: d.published_at,
            audience: d.audience,
        }
    }
}

/// Meilisearch ids allow only `[a-zA-Z0-9_-]`; ours are `<kind>:<uuid>`.
fn to_meili_id(id: &str) -> String {
    id.replace(':', "-")
}

/// The inverse of [`to_meili_id`]: only the first `-` is ours, the others
/// belong to the uuid.
fn from_meili_id(id: &str) -> String {
    id.replacen('-', ":", 1)
}

/// A value of a filter, in double quotes with its quotes and backslashes
/// escaped, so that no value can change the filter's meaning.
fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn any_of<T: ToString>(attribute: &str, values: &[T]) -> String {
    let values: Vec<String> = values.iter().map(|v| quoted(&v.to_string())).collect();
    format!("{attribute} IN [{}]", values.join(", "))
}

/// The request's filter: what the searcher may see, then the scope and the
/// facet filters. `None` when they may see nothing at all (no audience, no
/// moderated organisation), rather than an empty `IN []`.
fn filter(r: &Request) -> Option<String> {
    let mut visible = Vec::new();
    if !r.access.audiences.is_empty() {
        visible.push(any_of("audience", &r.access.audiences));
    }
    if !r.access.moderated.is_empty() {
        visible.push(any_of("organisation_id", &r.access.moderated));
    }
    if visible.is_empty() {
        return None;
    }
    let mut clauses = vec![format!("({})", visible.join(" OR "))];
    if let Some(organisation) = r.organisation {
        clauses.push(format!(
            "organisation_id = {}",
            quoted(&organisation.to_string())
        ));
    }
    if !r.filters.kinds.is_empty() {
        clauses.push(any_of("kind", &r.filters.kinds));
    }
    if !r.filters.bodies.is_empty() {
        clauses.push(any_of("body_id", &r.filters.bodies));
    }
    if !r.filters.years.is_empty() {
        // Numbers, as stored: Meilisearch compares them as numbers.
        let years: Vec<String> = r.filters.years.iter().map(i32::to_string).collect();
        clauses.push(format!("year IN [{}]", years.join(", ")));
    }
    Some(clauses.join(" AND "))
}

/// Sorts a Meilisearch error into "try again later" and "this will not work".
fn classify(e: MeiliError) -> SearchError {
    match e {
        // The SDK drops the HTTP status when the body is a Meilisearch error;
        // its type tells the server's faults (internal, system) from ours.
        MeiliError::Meilisearch(e) => match e.error_type {
            ErrorType::InvalidRequest | ErrorType::Auth => SearchError::Failed(e.to_string()),
            ErrorType::Internal | ErrorType::Unknown => SearchError::Unavailable(e.to_string()),
            // `ErrorType` is non-exhaustive: a type added later is the server's.
            _ => SearchError::Unavailable(e.to_string()),
        },
        // An answer that is no Meilisearch error: a proxy, or a server busy.
        MeiliError::MeilisearchCommunication(e) if e.status_code >= 500 || e.status_code == 429 => {
            SearchError::Unavailable(e.to_string())
        }
        MeiliError::HttpError(e) => SearchError::Unavailable(e.to_string()),
        MeiliError::Timeout => {
            SearchError::Unavailable("a Meilisearch task did not finish in time".into())
        }
        // `Error` is non-exhaustive; the rest (4xx, unparsable answers,
        // invalid key header) will not get better by retrying.
        e => SearchError::Failed(e.to_string()),
    }
}

/// Runs one SDK call with a deadline.
async fn bounded<T>(
    limit: Duration,
    call: impl Future<Output = Result<T, MeiliError>>,
) -> Result<T, SearchError> {
    match tokio::time::timeout(limit, call).await {
        Ok(result) => result.map_err(classify),
        Err(_) => Err(SearchError::Unavailable(format!(
            "Meilisearch did not answer within {} s",
            limit.as_secs()
        ))),
    }
}

/// Consecutive changes of one kind, sent as one Meilisearch task.
enum Batch {
    Upsert(Vec<Stored>),
    Remove(Vec<String>),
}

fn batches(changes: Vec<Change>) -> Vec<Batch> {
    let mut out: Vec<Batch> = Vec::new();
    for change in changes {
        match (change, out.last_mut()) {
            (Change::Upsert(d), Some(Batch::Upsert(docs))) => docs.push(d.into()),
            (Change::Upsert(d), _) => out.push(Batch::Upsert(vec![d.into()])),
            (Change::Remove(id), Some(Batch::Remove(ids))) => ids.push(to_meili_id(&id)),
            (Change::Remove(id), _) => out.push(Batch::Remove(vec![to_meili_id(&id)])),
        }
    }
    out
}

impl Meili {
    /// A client for the index `index` at `url`; an empty `key` means none.
    /// Nothing is sent yet: [`Meili::configure`] is the first call.
    pub fn new(url: &str, key: &str, index: &str) -> anyhow::Result<Meili> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            anyhow::bail!(
                "search.meilisearch_url must start with http:// or https:// (it is {url:?})"
            );
        }
        if index.is_empty()
            || !index
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            anyhow::bail!("search.index may only hold letters, digits, - and _ (it is {index:?})");
        }
        let key = (!key.is_empty()).then_some(key);
        // The SDK appends paths to the host as given: no trailing slash.
        let client = Client::new(url.trim_end_matches('/'), key)
            .map_err(|e| anyhow::anyhow!("cannot build the Meilisearch client: {e}"))?;
        let index = client.index(index);
        Ok(Meili {
            client,
            index,
            configured: AtomicBool::new(false),
            loaded: Mutex::default(),
        })
    }

    /// Applies the index settings: searchable [title, text], filterable
    /// [audience, organisation_id, kind, body_id, year], sortable
    /// [published_at]; waits for the task. Creates the index if needed.
    pub async fn configure(&self) -> Result<(), SearchError> {
        let settings = Settings::new()
            .with_searchable_attributes(SEARCHABLE)
            .with_filterable_attributes(FILTERABLE)
            .with_sortable_attributes(SORTABLE);
        let task = bounded(REQUEST_TIMEOUT, self.index.set_settings(&settings)).await?;
        self.finish(task, "index settings").await?;
        self.configured.store(true, Ordering::Release);
        Ok(())
    }

    /// Configures the index unless that is already done. Two calls racing
    /// may both configure: the settings are the same, so no harm.
    async fn ensure_configured(&self) -> Result<(), SearchError> {
        if self.configured.load(Ordering::Acquire) {
            return Ok(());
        }
        self.configure().await
    }

    /// The tasks of a rebuild not yet waited for.
    fn loaded(&self) -> Result<MutexGuard<'_, Vec<(TaskInfo, &'static str)>>, SearchError> {
        self.loaded
            .lock()
            .map_err(|_| SearchError::Failed("a rebuild panicked".into()))
    }

    /// Queues a batch as one Meilisearch task; returns it, with what it does.
    async fn send(&self, batch: &Batch) -> Result<(TaskInfo, &'static str), SearchError> {
        Ok(match batch {
            Batch::Upsert(docs) => (
                bounded(REQUEST_TIMEOUT, self.index.add_or_replace(docs, Some("id"))).await?,
                "adding documents",
            ),
            Batch::Remove(ids) => (
                bounded(REQUEST_TIMEOUT, self.index.delete_documents(ids)).await?,
                "removing documents",
            ),
        })
    }

    /// Waits for a task to end; its failure is `Failed` with Meilisearch's
    /// message, named by `what` for the logs.
    async fn finish(&self, task: TaskInfo, what: &str) -> Result<(), SearchError> {
        // The SDK counts its timeout in poll intervals, not wall time: bound
        // the whole wait too, with room for slow answers.
        let waiting = task.wait_for_completion(&self.client, Some(POLL), Some(TASK_TIMEOUT));
        match bounded(TASK_TIMEOUT + REQUEST_TIMEOUT, waiting).await? {
            Task::Succeeded { .. } => Ok(()),
            Task::Failed { content } => Err(SearchError::Failed(format!(
                "{what}: {} ({})",
                content.error.error_message, content.error.error_code
            ))),
            Task::Enqueued { .. } | Task::Processing { .. } => Err(SearchError::Unavailable(
                format!("{what}: the Meilisearch task is still pending"),
            )),
        }
    }
}

/// The hit's snippet: Meilisearch's cropped and marked text, else the
/// text's beginning.
fn snippet(formatted: Option<&serde_json::Map<String, serde_json::Value>>, text: &str) -> String {
    match formatted
        .and_then(|f| f.get("text"))
        .and_then(|t| t.as_str())
    {
        Some(marked) => marked.to_owned(),
        None => text.chars().take(SNIPPET_CHARS).collect(),
    }
}

fn facet_counts(
    distribution: Option<
        std::collections::HashMap<String, std::collections::HashMap<String, usize>>,
    >,
) -> Vec<FacetCount> {
    let Some(distribution) = distribution else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for (name, facet) in FACETS
        .into_iter()
        .zip([Facet::Kind, Facet::Body, Facet::Year])
    {
        for (value, count) in distribution.get(name).into_iter().flatten() {
            found.push(FacetCount {
                facet,
                value: value.clone(),
                count: *count as u64,
            });
        }
    }
    // As the embedded engine orders them: most frequent first.
    found.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    found
}

#[async_trait::async_trait]
impl SearchIndex for Meili {
    fn name(&self) -> &'static str {
        "meilisearch"
    }

    async fn apply(&self, changes: Vec<Change>) -> Result<(), SearchError> {
        if changes.is_empty() {
            return Ok(());
        }
        self.ensure_configured().await?;
        // In order, each task waited for: a removal after an upsert of the
        // same id must not be overtaken.
        for batch in batches(changes) {
            let (task, what) = self.send(&batch).await?;
            self.finish(task, what).await?;
        }
        Ok(())
    }

    async fn load(&self, changes: Vec<Change>) -> Result<(), SearchError> {
        if changes.is_empty() {
            return Ok(());
        }
        self.ensure_configured().await?;
        // Queued only: Meilisearch runs an index's tasks in the order they
        // came, and `settle` waits for them.
        for batch in batches(changes) {
            let task = self.send(&batch).await?;
            self.loaded()?.push(task);
        }
        Ok(())
    }

    async fn settle(&self) -> Result<(), SearchError> {
        let tasks = std::mem::take(&mut *self.loaded()?);
        for (task, what) in tasks {
            self.finish(task, what).await?;
        }
        Ok(())
    }

    async fn search(&self, request: &Request) -> Result<Results, SearchError> {
        self.ensure_configured().await?;
        let Some(filter) = filter(request) else {
            return Ok(Results::default());
        };
        let q = request.query.to_text();
        let mut query = self.index.search();
        query
            .with_query(&q)
            .with_filter(&filter)
            .with_matching_strategy(MatchingStrategies::ALL)
            .with_facets(Selectors::Some(&FACETS))
            .with_offset(request.offset)
            .with_limit(request.limit)
            .with_attributes_to_highlight(Selectors::Some(&HIGHLIGHTED))
            .with_attributes_to_crop(Selectors::Some(&CROPPED))
            .with_highlight_pre_tag(MARK_START)
            .with_highlight_post_tag(MARK_END);
        let found = bounded(REQUEST_TIMEOUT, query.execute::<Stored>()).await?;
        let total = found
            .estimated_total_hits
            .or(found.total_hits)
            .unwrap_or(request.offset + found.hits.len()) as u64;
        let hits = found
            .hits
            .into_iter()
            .map(|hit| {
                let snippet = snippet(hit.formatted_result.as_ref(), &hit.result.text);
                let d = hit.result;
                Hit {
                    id: from_meili_id(&d.id),
                    organisation_id: d.organisation_id,
                    kind: d.kind,
                    body_id: d.body_id,
                    year: d.year,
                    title: d.title,
                    url: d.url,
                    published_at: d.published_at,
                    snippet,
                }
            })
            .collect();
        Ok(Results {
            total,
            hits,
            facets: facet_counts(found.facet_distribution),
        })
    }

    async fn clear(&self) -> Result<(), SearchError> {
        self.ensure_configured().await?;
        let task = bounded(REQUEST_TIMEOUT, self.index.delete_all_documents()).await?;
        self.finish(task, "removing every document").await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::search::{Access, Filters, Query};

    fn request(access: Access) -> Request {
        Request {
            query: Query::default(),
            filters: Filters::default(),
            access,
            organisation: None,
            offset: 0,
            limit: 10,
        }
    }

    #[test]
    fn ids_lose_their_colon_and_get_it_back() {
        let id = "record:0191e0a4-7b7c-7000-8000-000000000001";
        assert_eq!(
            to_meili_id(id),
            "record-0191e0a4-7b7c-7000-8000-000000000001"
        );
        assert_eq!(from_meili_id(&to_meili_id(id)), id);
    }

    #[test]
    fn filter_values_cannot_close_their_quotes() {
        assert_eq!(quoted(r#"a"b\c"#), r#""a\"b\\c""#);
    }

    #[test]
    fn a_searcher_with_no_access_gets_no_filter_and_so_no_query() {
        assert_eq!(filter(&request(Access::default())), None);
    }

    #[test]
    fn moderated_organisations_widen_the_audience_and_filters_narrow_it() {
        let org = Uuid::nil();
        let mut r = request(Access {
            audiences: vec!["public".into()],
            moderated: vec![org],
        });
        r.organisation = Some(org);
        r.filters.kinds = vec!["minutes".into()];
        r.filters.years = vec![2025, 2026];
        assert_eq!(
            filter(&r).unwrap(),
            format!(
                r#"(audience IN ["public"] OR organisation_id IN ["{org}"]) AND organisation_id = "{org}" AND kind IN ["minutes"] AND year IN [2025, 2026]"#
            )
        );
    }

    #[test]
    fn consecutive_changes_of_one_kind_travel_together() {
        let doc = |id: &str| Document {
            id: id.into(),
            organisation_id: Uuid::nil(),
            kind: "post".into(),
            body_id: None,
            year: 2025,
            title: String::new(),
            text: String::new(),
            url: String::new(),
            published_at: 0,
            audience: "public".into(),
        };
        let changes = vec![
            Change::Upsert(doc("post:a")),
            Change::Upsert(doc("post:b")),
            Change::Remove("post:c".into()),
            Change::Upsert(doc("post:d")),
        ];
        let shapes: Vec<usize> = batches(changes)
            .iter()
            .map(|b| match b {
                Batch::Upsert(d) => d.len(),
                Batch::Remove(i) => 100 + i.len(),
            })
            .collect();
        assert_eq!(shapes, [2, 101, 1]);
    }
}
