//! Search as a use-case: what each indexed object looks like to the engine
//! and who may see it ([`document`]), the delivery of what every write of an
//! indexed object queued in its own unit (`service::indexing`, [`deliver`]),
//! `plenum reindex` ([`reindex`]), and the query itself
//! ([`search`]), where the searcher's access goes into the engine's query.

use std::collections::{HashMap, HashSet};

use sea_orm::prelude::*;
use sea_orm::{QueryOrder, QuerySelect};

use crate::domain::forum::Visibility;
use crate::domain::markdown::plain_text;
use crate::domain::search::{self as rules, Access, Place};
use crate::entity::{
    body, category, membership, organisation, post, proposal, record, record_version, thread,
};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::search::{Change, Document, Request, Results, SearchError};
use crate::service::memberships::{date_in, standing_of, today_in};
use crate::service::sessions::Viewer;
use crate::state::AppState;
use crate::text;

pub use crate::service::indexing::{DocRef, TOPIC};

/// Organisations read once per batch of documents.
#[derive(Default)]
pub struct Orgs(HashMap<Uuid, organisation::Model>);

impl Orgs {
    async fn get(
        &mut self,
        conn: &impl ConnectionTrait,
        id: Uuid,
    ) -> AppResult<organisation::Model> {
        if let Some(found) = self.0.get(&id) {
            return Ok(found.clone());
        }
        let found = crate::service::organisations::get(conn, id).await?;
        self.0.insert(id, found.clone());
        Ok(found)
    }
}

/// What the engine should hold for an object: its document, or nothing
/// (gone, deleted, hidden, withheld from a deliberation).
pub async fn document(
    conn: &impl ConnectionTrait,
    orgs: &mut Orgs,
    r: DocRef,
) -> AppResult<Option<Document>> {
    match r {
        DocRef::Record(id) => record_document(conn, orgs, id).await,
        DocRef::Thread(id) => {
            let Some(t) = thread::Entity::find_by_id(id).one(conn).await? else {
                return Ok(None);
            };
            thread_document(conn, orgs, &t).await
        }
        DocRef::Post(id) => post_document(conn, orgs, id).await,
        DocRef::Proposal(id) => proposal_document(conn, orgs, id).await,
    }
}

async fn record_document(
    conn: &impl ConnectionTrait,
    orgs: &mut Orgs,
    id: Uuid,
) -> AppResult<Option<Document>> {
    let Some(r) = record::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let Some(v) = record_version::Entity::find_by_id((r.id, r.version))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let org = orgs.get(conn, r.organisation_id).await?;
    let visibility = r.visibility;
    Ok(Some(Document {
        id: DocRef::Record(r.id).key(),
        organisation_id: r.organisation_id,
        kind: r.kind.as_str().to_owned(),
        body_id: Some(r.body_id),
        year: r.year,
        title: r.title.clone(),
        text: plain_text(&v.source),
        url: crate::service::records::path(&org, &r),
        published_at: r.published_at.timestamp(),
        audience: rules::audience(visibility.as_forum(), r.organisation_id, Some(r.body_id)),
    }))
}

/// Where a thread is read, as search needs it; none when it is withheld
/// from some of its space's readers (a candidate's own position, while
/// recusal hides the deliberation): such threads stay out of search.
async fn space(
    conn: &impl ConnectionTrait,
    orgs: &mut Orgs,
    t: &thread::Model,
) -> AppResult<Option<(organisation::Model, category::Model)>> {
    let Some(c) = category::Entity::find_by_id(t.category_id)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let org = orgs.get(conn, c.organisation_id).await?;
    if t.recusal_call_id.is_some() && org.recusal_hides_deliberation {
        return Ok(None);
    }
    Ok(Some((org, c)))
}

fn audience_of(c: &category::Model) -> String {
    let visibility = c.visibility;
    rules::audience(visibility, c.organisation_id, c.body_id)
}

async fn thread_document(
    conn: &impl ConnectionTrait,
    orgs: &mut Orgs,
    t: &thread::Model,
) -> AppResult<Option<Document>> {
    let Some((org, c)) = space(conn, orgs, t).await? else {
        return Ok(None);
    };
    let opening = post::Entity::find()
        .filter(post::Column::ThreadId.eq(t.id))
        .filter(post::Column::ParentId.is_null())
        .order_by_asc(post::Column::Number)
        .one(conn)
        .await?
        .filter(|p| p.deleted_at.is_none() && p.hidden_at.is_none());
    let tags: Vec<String> = serde_json::from_value(t.tags.clone()).unwrap_or_default();
    let mut text = tags.join(" ");
    if let Some(p) = opening {
        text.push('\n');
        text.push_str(&plain_text(&p.body_source));
    }
    Ok(Some(Document {
        id: DocRef::Thread(t.id).key(),
        organisation_id: org.id,
        kind: "thread".into(),
        body_id: c.body_id,
        year: chrono::Datelike::year(&date_in(&org, t.created_at)),
        title: t.title.clone(),
        text,
        url: format!("/o/{}/threads/{}", org.slug, t.id),
        published_at: t.created_at.timestamp(),
        audience: audience_of(&c),
    }))
}

async fn post_document(
    conn: &impl ConnectionTrait,
    orgs: &mut Orgs,
    id: Uuid,
) -> AppResult<Option<Document>> {
    let Some(p) = post::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    // The opening post is searched with its thread.
    if p.parent_id.is_none() || p.deleted_at.is_some() || p.hidden_at.is_some() {
        return Ok(None);
    }
    let Some(t) = thread::Entity::find_by_id(p.thread_id).one(conn).await? else {
        return Ok(None);
    };
    let Some((org, c)) = space(conn, orgs, &t).await? else {
        return Ok(None);
    };
    Ok(Some(Document {
        id: DocRef::Post(p.id).key(),
        organisation_id: org.id,
        kind: "post".into(),
        body_id: c.body_id,
        year: chrono::Datelike::year(&date_in(&org, p.created_at)),
        title: t.title.clone(),
        text: plain_text(&p.body_source),
        url: format!("/o/{}/threads/{}#post-{}", org.slug, t.id, p.number),
        published_at: p.created_at.timestamp(),
        audience: audience_of(&c),
    }))
}

async fn proposal_document(
    conn: &impl ConnectionTrait,
    orgs: &mut Orgs,
    id: Uuid,
) -> AppResult<Option<Document>> {
    let Some(p) = proposal::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let org = orgs.get(conn, p.organisation_id).await?;
    // Readable where its thread is; without a thread, where its body's
    // space is; else by the organisation's people.
    let audience = match p.thread_id {
        Some(t) => {
            let Some(t) = thread::Entity::find_by_id(t).one(conn).await? else {
                return Ok(None);
            };
            let Some((_, c)) = space(conn, orgs, &t).await? else {
                return Ok(None);
            };
            audience_of(&c)
        }
        None => match p.body_id {
            Some(b) => {
                let Some(body) = body::Entity::find_by_id(b).one(conn).await? else {
                    return Ok(None);
                };
                let Some(c) = category::Entity::find_by_id(body.category_id)
                    .one(conn)
                    .await?
                else {
                    return Ok(None);
                };
                audience_of(&c)
            }
            None => rules::audience(Visibility::Supporters, org.id, None),
        },
    };
    let mut text = plain_text(&p.details_source);
    if let Some(outcome) = &p.outcome_source {
        text.push('\n');
        text.push_str(&plain_text(outcome));
    }
    Ok(Some(Document {
        id: DocRef::Proposal(p.id).key(),
        organisation_id: org.id,
        kind: "proposal".into(),
        body_id: p.body_id,
        year: chrono::Datelike::year(&date_in(&org, p.created_at)),
        title: p.title.clone(),
        text,
        url: format!("/o/{}/proposals/{}", org.slug, p.id),
        published_at: p.created_at.timestamp(),
        audience,
    }))
}

/// The changes for a set of objects, as they are now in the database.
pub async fn changes(conn: &impl ConnectionTrait, refs: &[DocRef]) -> AppResult<Vec<Change>> {
    let mut orgs = Orgs::default();
    let mut out = Vec::with_capacity(refs.len());
    let mut seen = HashSet::new();
    for r in refs {
        if !seen.insert(*r) {
            continue;
        }
        out.push(match document(conn, &mut orgs, *r).await? {
            Some(d) => Change::Upsert(d),
            None => Change::Remove(r.key()),
        });
    }
    Ok(out)
}

/// Delivers a batch of outbox messages of [`TOPIC`] to the engine: each
/// object is read as it is now, so messages delivered twice or late do no
/// harm.
pub async fn deliver(state: &AppState, payloads: &[serde_json::Value]) -> Result<(), String> {
    let refs: Vec<DocRef> = payloads
        .iter()
        .filter_map(|p| p["doc"].as_str().and_then(DocRef::parse))
        .collect();
    let changes = changes(&state.db, &refs)
        .await
        .map_err(|e| match e.cause() {
            Some(cause) => format!("reading what to index failed: {cause:#}"),
            None => format!("reading what to index failed ({})", e.code.as_str()),
        })?;
    state.search.apply(changes).await.map_err(|e| e.to_string())
}

/// Rebuilds the index from the database: every record, thread, post and
/// proposal, in batches the engine may gather into larger writes (after
/// removing everything when `clear`). Returns how many objects were sent,
/// once all are searchable.
pub async fn reindex(state: &AppState, clear: bool) -> anyhow::Result<u64> {
    const BATCH: u64 = 500;
    if clear {
        state.search.clear().await?;
    }
    let mut sent = 0u64;
    macro_rules! all_of {
        ($entity:ident, $make:expr) => {{
            let mut after: Option<Uuid> = None;
            loop {
                let mut q = $entity::Entity::find()
                    .select_only()
                    .column($entity::Column::Id)
                    .order_by_asc($entity::Column::Id)
                    .limit(BATCH);
                if let Some(a) = after {
                    q = q.filter($entity::Column::Id.gt(a));
                }
                let ids: Vec<Uuid> = q.into_tuple().all(&state.db).await?;
                let Some(last) = ids.last().copied() else {
                    break;
                };
                after = Some(last);
                let refs: Vec<DocRef> = ids.into_iter().map($make).collect();
                let batch = changes(&state.db, &refs)
                    .await
                    .map_err(|e| anyhow::anyhow!("reading failed ({})", e.code.as_str()))?;
                sent += batch.len() as u64;
                state.search.load(batch).await?;
            }
        }};
    }
    all_of!(record, DocRef::Record);
    all_of!(thread, DocRef::Thread);
    all_of!(post, DocRef::Post);
    all_of!(proposal, DocRef::Proposal);
    state.search.settle().await?;
    Ok(sent)
}

/// What a searcher may see, read from their memberships and bodies today.
pub async fn access(conn: &impl ConnectionTrait, viewer: Option<&Viewer>) -> AppResult<Access> {
    let Some(viewer) = viewer else {
        return Ok(rules::access(&[]));
    };
    let memberships = membership::Entity::find()
        .filter(membership::Column::AccountId.eq(viewer.id()))
        .filter(membership::Column::LeftAt.is_null())
        .all(conn)
        .await?;
    let mut places = Vec::with_capacity(memberships.len());
    for m in memberships {
        let org = crate::service::organisations::get(conn, m.organisation_id).await?;
        let reader = crate::domain::access::Reader {
            role: m.role,
            standing: standing_of(&m).on(today_in(&org)),
            in_body: false,
        };
        let bodies = crate::service::governance::bodies::of_person(conn, &org, viewer.id()).await?;
        places.push(Place {
            organisation_id: org.id,
            reader,
            bodies,
        });
    }
    Ok(rules::access(&places))
}

/// What someone searches for.
pub struct SearchInput {
    pub query: String,
    pub organisation_id: Option<Uuid>,
    pub filters: Vec<(String, Vec<String>)>,
    pub first: Option<i32>,
    pub after: Option<String>,
}

/// One page of results, with the cursor of the next page if any.
pub struct Found {
    pub results: Results,
    pub offset: usize,
    pub next: Option<String>,
}

/// The deepest a search pages: past it, refine the query.
pub const MAX_OFFSET: usize = 1000;

fn unavailable(e: SearchError) -> AppError {
    tracing::warn!(error = %e, "search failed");
    AppError::new(
        ErrorCode::SearchUnavailable,
        text!(
            en: "Search is unavailable for a moment. Please try again shortly.",
            fr: "La recherche est momentanément indisponible. Réessayez dans un instant."
        ),
    )
}

/// Searches what the viewer may see (a visitor: public documents only).
#[tracing::instrument(skip_all)]
pub async fn search(
    state: &AppState,
    viewer: Option<&Viewer>,
    input: SearchInput,
) -> AppResult<Found> {
    let query = rules::parse_query(&input.query)?;
    let filters = rules::parse_filters(&input.filters)?;
    let limit = crate::domain::cursor::page_size(input.first)? as usize;
    let fingerprint = rules::fingerprint(&query, &filters, input.organisation_id);
    let offset = match &input.after {
        Some(c) => rules::decode_cursor(&fingerprint, c)?,
        None => 0,
    };
    if offset >= MAX_OFFSET {
        return Err(AppError::validation(
            "after",
            text!(
                en: "Search results stop at {MAX_OFFSET}: narrow the search with more words or filters.",
                fr: "Les résultats s'arrêtent à {MAX_OFFSET} : précisez la recherche (plus de mots, des filtres)."
            ),
        ));
    }
    if let Some(org) = input.organisation_id {
        crate::service::organisations::get(&state.db, org).await?;
    }
    let access = access(&state.db, viewer).await?;
    let request = Request {
        query,
        filters,
        access,
        organisation: input.organisation_id,
        offset,
        limit,
    };
    let results = state.search.search(&request).await.map_err(unavailable)?;
    let end = offset + results.hits.len();
    let next = (results.hits.len() == limit && (end as u64) < results.total && end < MAX_OFFSET)
        .then(|| rules::encode_cursor(&fingerprint, end));
    Ok(Found {
        results,
        offset,
        next,
    })
}

/// The outbox's handler for [`TOPIC`]: a batch of queued objects at once.
pub fn outbox_handler() -> crate::service::outbox::Handler {
    |state, messages| {
        Box::pin(async move {
            let payloads: Vec<serde_json::Value> =
                messages.iter().map(|m| m.payload.clone()).collect();
            let result = deliver(state, &payloads).await;
            if let Err(e) = &result {
                tracing::warn!(error = %e, messages = messages.len(), "outbox: search indexing failed; will retry");
            }
            vec![result; messages.len()]
        })
    }
}
