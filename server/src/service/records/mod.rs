//! Published records (DOMAIN.md section 5): a body publishes minutes, a
//! decision record, a report, a proposal's outcome or its mandate register
//! once, with a visibility and a permalink; afterwards only a visible
//! amendment (a new version with its reason and author) changes it, and
//! every version stays readable.

pub mod compose;

use std::collections::HashMap;

use sea_orm::prelude::*;
use sea_orm::sea_query::Condition;
use sea_orm::{ActiveValue::Set, Order, QueryOrder, QuerySelect};

use crate::domain::access::Reader;
use crate::domain::governance::BodyKind;
use crate::domain::membership::Role;
use crate::domain::record::{self as rules, RecordKind, RecordVisibility};
use crate::entity::{body, organisation, record, record_version};
use crate::error::{AppError, AppResult, is_unique_violation};
use crate::service::governance::bodies;
use crate::service::memberships::date_in;
use crate::service::page::{self, Page};
use crate::service::sessions::Viewer;
use crate::service::{indexing, now, organisations};
use crate::state::AppState;
use crate::text;
use crate::write::Unit;

/// A published record.
#[derive(Debug, Clone)]
pub struct Record {
    pub record: record::Model,
}

/// A record its reader may read (see [`crate::service::access::Seen`]).
pub type Seen = crate::service::access::Seen<Record>;

impl Seen {
    pub fn kind(&self) -> RecordKind {
        self.record.kind
    }
    pub fn visibility(&self) -> RecordVisibility {
        self.record.visibility
    }
    /// Its address on this server, for links and search.
    pub fn path(&self) -> String {
        path(&self.organisation, &self.record)
    }
}

pub fn path(organisation: &organisation::Model, r: &record::Model) -> String {
    format!("/o/{}/records/{}", organisation.slug, r.slug)
}

/// What publishing writes: the record and its first version.
pub struct NewRow<'a> {
    pub organisation: &'a organisation::Model,
    pub body_id: Uuid,
    pub kind: RecordKind,
    pub source_id: Option<Uuid>,
    pub title: String,
    pub text: String,
    pub visibility: RecordVisibility,
    pub by: Uuid,
    /// When it is published: now, except for archives imported from before.
    pub at: chrono::DateTime<chrono::Utc>,
}

pub fn record_not_found() -> AppError {
    AppError::not_found(text!(en: "No such record.", fr: "Ce document n'existe pas."))
}

fn already_published(kind: RecordKind) -> AppError {
    let en = kind.label().en;
    let fr = kind.label().fr;
    AppError::conflict(text!(
        en: "{en}: already published. A published record changes only by an amendment, with its reason.",
        fr: "{fr} : déjà publié. Un document publié ne change que par un amendement motivé."
    ))
}

/// Writes a record and its first version inside the caller's transaction,
/// and queues it for search. The same source is published once
/// (`CONFLICT`).
pub async fn insert(txn: &Unit, row: NewRow<'_>) -> AppResult<record::Model> {
    let title = crate::domain::forum::parse_title(&row.title)?;
    let text = rules::parse_text(&row.text)?;
    if let Some(source) = row.source_id {
        let twin = record::Entity::find()
            .filter(record::Column::Kind.eq(row.kind.as_str()))
            .filter(record::Column::SourceId.eq(source))
            .one(txn)
            .await?;
        if twin.is_some() {
            return Err(already_published(row.kind));
        }
    }
    let at = row.at;
    let day = date_in(row.organisation, at);
    let mut n = 1;
    let slug = loop {
        let slug = rules::slug(day, &title, n);
        let taken = record::Entity::find()
            .filter(record::Column::OrganisationId.eq(row.organisation.id))
            .filter(record::Column::Slug.eq(slug.as_str()))
            .one(txn)
            .await?;
        if taken.is_none() {
            break slug;
        }
        n += 1;
    };
    let html = crate::service::media::render(txn, row.organisation, &text).await?;
    // Archives list records by id: the id follows the publication time.
    let id = crate::service::id_at(at);
    let inserted = record::ActiveModel {
        id: Set(id),
        organisation_id: Set(row.organisation.id),
        body_id: Set(row.body_id),
        kind: Set(row.kind),
        source_id: Set(row.source_id),
        slug: Set(slug),
        visibility: Set(row.visibility),
        title: Set(title.clone()),
        version: Set(1),
        year: Set(chrono::Datelike::year(&day)),
        published_at: Set(at),
        published_by: Set(row.by),
        amended_at: Set(at),
    }
    .insert(txn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            already_published(row.kind)
        } else {
            e.into()
        }
    })?;
    record_version::ActiveModel {
        record_id: Set(id),
        number: Set(1),
        title: Set(title),
        source: Set(text),
        html: Set(html),
        reason: Set(None),
        author_id: Set(row.by),
        created_at: Set(at),
    }
    .insert(txn)
    .await?;
    indexing::enqueue(txn, &[indexing::DocRef::Record(id)]).await?;
    Ok(inserted)
}

/// May the viewer publish or amend the records of `body`? The
/// organisation's facilitators and admins may; so may a commission's,
/// secretariat's or council's own people, and for an assembly the people
/// of the organisation's secretariats (`rules::published_by_own_people`).
pub async fn require_publisher(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    body: &body::Model,
    viewer: &Viewer,
) -> AppResult<()> {
    let reader = crate::service::access::reader(conn, organisation, Some(viewer)).await?;
    if reader.is_some_and(|r| r.role >= Role::Facilitator) {
        return Ok(());
    }
    if reader.is_some() {
        let publishers = if rules::published_by_own_people(bodies::kind_of(body)) {
            vec![body.clone()]
        } else {
            body::Entity::find()
                .filter(body::Column::OrganisationId.eq(organisation.id))
                .filter(body::Column::Kind.eq(BodyKind::Secretariat))
                .filter(body::Column::DissolvedAt.is_null())
                .all(conn)
                .await?
        };
        for b in &publishers {
            if bodies::includes(conn, organisation, b, viewer.id()).await? {
                return Ok(());
            }
        }
    }
    Err(AppError::forbidden(text!(
        en: "A body's records are published and amended by its people (an assembly's by the secretariat), or by the organisation's facilitators.",
        fr: "Les documents d'une instance sont publiés et amendés par ses membres (ceux d'une assemblée par le secrétariat), ou par l'animation de l'organisation."
    )))
}

/// What someone asks to publish.
pub struct NewRecord {
    pub kind: RecordKind,
    pub body_id: Option<Uuid>,
    /// The meeting (minutes, decision record), the proposal (outcome).
    pub source_id: Option<Uuid>,
    pub title: Option<String>,
    pub text: Option<String>,
    pub visibility: Option<RecordVisibility>,
}

fn missing(field: &'static str) -> AppError {
    AppError::validation(
        field,
        text!(en: "This kind of record needs this field.", fr: "Ce type de document demande ce champ."),
    )
}

/// A kind of record published from a source of a higher tier (a meeting's
/// minutes and decision record): the records know the hook, the source's
/// tier registers it (`service::RECORD_SOURCES`).
pub struct Source {
    pub kind: RecordKind,
    /// Publishes the record of the source with this id.
    pub publish: PublishFrom,
}

/// Publishes the record of a source (its id), with the visibility asked.
pub type PublishFrom = for<'a> fn(
    &'a AppState,
    &'a Viewer,
    Uuid,
    Option<RecordVisibility>,
) -> futures_util::future::BoxFuture<'a, AppResult<record::Model>>;

/// Publishes a record of any kind; each kind finds its text and publisher
/// rule where it belongs.
#[tracing::instrument(skip_all, fields(account = %viewer.id()))]
pub async fn publish(state: &AppState, viewer: &Viewer, input: NewRecord) -> AppResult<Seen> {
    let source = crate::service::RECORD_SOURCES
        .iter()
        .find(|s| s.kind == input.kind);
    let record = match (input.kind, input.source_id, source) {
        (_, Some(id), Some(source)) => {
            (source.publish)(state, viewer, id, input.visibility).await?
        }
        (RecordKind::Minutes, _, _) => return Err(missing("sourceId")),
        (RecordKind::ProposalOutcome, Some(proposal), _) => {
            compose::publish_outcome(state, viewer, proposal, input.visibility).await?
        }
        (RecordKind::ProposalOutcome, None, _) => return Err(missing("sourceId")),
        (RecordKind::MandateRegister, _, _) => {
            let body = input
                .body_id
                .or(input.source_id)
                .ok_or_else(|| missing("bodyId"))?;
            compose::publish_register(state, viewer, body, input.visibility).await?
        }
        (RecordKind::Report | RecordKind::DecisionRecord, _, _) => {
            let body_id = input.body_id.ok_or_else(|| missing("bodyId"))?;
            let title = input.title.ok_or_else(|| missing("title"))?;
            let text = input.text.ok_or_else(|| missing("text"))?;
            let txn = state.write().await?;
            let body = bodies::find(&txn, body_id).await?;
            let organisation = organisations::get(&txn, body.organisation_id).await?;
            require_publisher(&txn, &organisation, &body, viewer).await?;
            let record = insert(
                &txn,
                NewRow {
                    organisation: &organisation,
                    body_id,
                    kind: input.kind,
                    source_id: None,
                    title,
                    text,
                    visibility: input.visibility.unwrap_or(RecordVisibility::Members),
                    by: viewer.id(),
                    at: crate::service::now(),
                },
            )
            .await?;
            txn.commit().await?;
            record
        }
    };
    let organisation = organisations::get(&state.db, record.organisation_id).await?;
    as_seen_by(&state.db, &organisation, record, Some(viewer)).await
}

/// What an amendment says.
pub struct Amendment {
    pub record_id: Uuid,
    pub title: Option<String>,
    /// The new text; a mandate register without one is recomposed from the
    /// mandates as they stand.
    pub text: Option<String>,
    pub reason: String,
}

/// Amends a record: a new version with its reason and author; the earlier
/// ones stay readable. Two amendments at once are ordered by the row lock,
/// each becoming its own version.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), record = %input.record_id))]
pub async fn amend(state: &AppState, viewer: &Viewer, input: Amendment) -> AppResult<Seen> {
    let reason = rules::parse_amendment_reason(&input.reason)?;
    let txn = state.write().await?;
    let found = record::Entity::find_by_id(input.record_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(record_not_found)?;
    let organisation = organisations::get(&txn, found.organisation_id).await?;
    let body = bodies::find(&txn, found.body_id).await?;
    if !readable(&txn, &organisation, &found, Some(viewer)).await? {
        return Err(record_not_found());
    }
    require_publisher(&txn, &organisation, &body, viewer).await?;
    let text = match input.text {
        Some(text) => rules::parse_text(&text)?,
        None if found.kind == RecordKind::MandateRegister => {
            compose::register(&txn, &organisation, &body).await?
        }
        None => return Err(missing("text")),
    };
    let title = match input.title {
        Some(t) => crate::domain::forum::parse_title(&t)?,
        None => found.title.clone(),
    };
    let current = record_version::Entity::find_by_id((found.id, found.version))
        .one(&txn)
        .await?
        .ok_or_else(record_not_found)?;
    if current.source == text && current.title == title {
        return Err(AppError::validation(
            "text",
            text!(en: "The amendment changes nothing.", fr: "L'amendement ne change rien."),
        ));
    }
    let at = now();
    let number = found.version + 1;
    record_version::ActiveModel {
        record_id: Set(found.id),
        number: Set(number),
        title: Set(title.clone()),
        html: Set(crate::service::media::render(&txn, &organisation, &text).await?),
        source: Set(text),
        reason: Set(Some(reason)),
        author_id: Set(viewer.id()),
        created_at: Set(at),
    }
    .insert(&txn)
    .await?;
    let mut active: record::ActiveModel = found.into();
    active.version = Set(number);
    active.title = Set(title);
    active.amended_at = Set(at);
    let record = active.update(&txn).await?;
    indexing::enqueue(&txn, &[indexing::DocRef::Record(record.id)]).await?;
    txn.commit().await?;
    as_seen_by(&state.db, &organisation, record, Some(viewer)).await
}

/// The reader's place for a record's organisation and body.
async fn reader_for(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    r: &record::Model,
    viewer: Option<&Viewer>,
) -> AppResult<Option<Reader>> {
    let mut reader = crate::service::access::reader(conn, organisation, viewer).await?;
    if let (Some(found), Some(viewer)) = (reader.as_mut(), viewer)
        && r.visibility == RecordVisibility::Body
    {
        let body = bodies::find(conn, r.body_id).await?;
        found.in_body = bodies::includes(conn, organisation, &body, viewer.id()).await?;
    }
    Ok(reader)
}

async fn readable(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    r: &record::Model,
    viewer: Option<&Viewer>,
) -> AppResult<bool> {
    Ok(right(conn, organisation, r, viewer).await?.1)
}

/// Who reads the record, and whether the rule lets them.
async fn right(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    r: &record::Model,
    viewer: Option<&Viewer>,
) -> AppResult<(Option<Reader>, bool)> {
    let reader = reader_for(conn, organisation, r, viewer).await?;
    Ok((
        reader,
        crate::domain::access::can_read_record(r.visibility, reader),
    ))
}

/// The record as `viewer` sees it (`NOT_FOUND` if they may not read it).
async fn as_seen_by(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    record: record::Model,
    viewer: Option<&Viewer>,
) -> AppResult<Seen> {
    let (reader, allowed) = right(conn, organisation, &record, viewer).await?;
    let record = Record { record };
    Seen::granted(
        allowed,
        record,
        organisation.clone(),
        reader,
        record_not_found,
    )
}

/// A record, if the viewer may read it (else `NOT_FOUND`: a restricted
/// record does not reveal that it exists).
pub async fn seen(
    conn: &impl ConnectionTrait,
    viewer: Option<&Viewer>,
    id: Uuid,
) -> AppResult<Seen> {
    let record = record::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(record_not_found)?;
    let organisation = organisations::get(conn, record.organisation_id).await?;
    as_seen_by(conn, &organisation, record, viewer).await
}

/// A record by its permalink: the organisation's slug and its own.
pub async fn by_permalink(
    conn: &impl ConnectionTrait,
    viewer: Option<&Viewer>,
    organisation_slug: &str,
    slug: &str,
) -> AppResult<Seen> {
    let organisation = organisations::get_by_slug(conn, organisation_slug).await?;
    let record = record::Entity::find()
        .filter(record::Column::OrganisationId.eq(organisation.id))
        .filter(record::Column::Slug.eq(slug))
        .one(conn)
        .await?
        .ok_or_else(record_not_found)?;
    seen(conn, viewer, record.id).await
}

/// Every version of a record, first to last.
pub async fn versions(
    conn: &impl ConnectionTrait,
    record_id: Uuid,
) -> AppResult<Vec<record_version::Model>> {
    Ok(record_version::Entity::find()
        .filter(record_version::Column::RecordId.eq(record_id))
        .order_by_asc(record_version::Column::Number)
        .all(conn)
        .await?)
}

/// One version of a record.
pub async fn version(
    conn: &impl ConnectionTrait,
    record_id: Uuid,
    number: i32,
) -> AppResult<Option<record_version::Model>> {
    Ok(record_version::Entity::find_by_id((record_id, number))
        .one(conn)
        .await?)
}

/// What an archive shows: an organisation's records, or one body's, by kind
/// and year.
pub struct Archive {
    pub organisation_id: Uuid,
    pub body_id: Option<Uuid>,
    pub kind: Option<RecordKind>,
    pub year: Option<i32>,
}

/// The records of `archive` the viewer may read, as a condition: public
/// ones, members' ones for members, a body's for its people, all for the
/// organisation's facilitators.
async fn readable_condition(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    viewer: Option<&Viewer>,
) -> AppResult<Condition> {
    let reader = crate::service::access::reader(conn, organisation, viewer).await?;
    let visible = |v: RecordVisibility| record::Column::Visibility.eq(v.as_str());
    let Some(r) = reader else {
        return Ok(Condition::all().add(visible(RecordVisibility::Public)));
    };
    if r.role >= Role::Facilitator {
        return Ok(Condition::all());
    }
    let mut any = Condition::any().add(visible(RecordVisibility::Public));
    if crate::domain::access::can_read_record(RecordVisibility::Members, Some(r)) {
        any = any.add(visible(RecordVisibility::Members));
    }
    if let Some(viewer) = viewer {
        let theirs = bodies::of_person(conn, organisation, viewer.id()).await?;
        any = any.add(
            Condition::all()
                .add(visible(RecordVisibility::Body))
                .add(record::Column::BodyId.is_in(theirs)),
        );
    }
    Ok(any)
}

fn archive_query(archive: &Archive, readable: Condition) -> Select<record::Entity> {
    let mut query = record::Entity::find()
        .filter(record::Column::OrganisationId.eq(archive.organisation_id))
        .filter(readable);
    if let Some(b) = archive.body_id {
        query = query.filter(record::Column::BodyId.eq(b));
    }
    if let Some(k) = archive.kind {
        query = query.filter(record::Column::Kind.eq(k.as_str()));
    }
    if let Some(y) = archive.year {
        query = query.filter(record::Column::Year.eq(y));
    }
    query
}

/// An archive's records the viewer may read, newest first.
pub async fn archive(
    state: &AppState,
    viewer: Option<&Viewer>,
    archive: Archive,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<Seen>> {
    let organisation = organisations::get(&state.db, archive.organisation_id).await?;
    let readable = readable_condition(&state.db, &organisation, viewer).await?;
    let query = archive_query(&archive, readable);
    let page = page::by_id(
        &state.db,
        query,
        record::Column::Id,
        "records",
        first,
        after,
        Order::Desc,
    )
    .await?;
    let reader = crate::service::access::reader(&state.db, &organisation, viewer).await?;
    // The query kept only what the rule's SQL form lets the reader read.
    Ok(page.map(|record| Seen::among_readable(Record { record }, organisation.clone(), reader)))
}

/// How many readable records an archive holds per year and kind, newest
/// year first: the archive's table of contents.
pub async fn years(
    state: &AppState,
    viewer: Option<&Viewer>,
    archive: Archive,
) -> AppResult<Vec<(i32, RecordKind, u64)>> {
    let organisation = organisations::get(&state.db, archive.organisation_id).await?;
    let readable = readable_condition(&state.db, &organisation, viewer).await?;
    let rows: Vec<(i32, RecordKind)> = archive_query(&archive, readable)
        .select_only()
        .column(record::Column::Year)
        .column(record::Column::Kind)
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut counts: HashMap<(i32, RecordKind), u64> = HashMap::new();
    for (year, kind) in rows {
        *counts.entry((year, kind)).or_default() += 1;
    }
    let mut out: Vec<(i32, RecordKind, u64)> =
        counts.into_iter().map(|((y, k), n)| (y, k, n)).collect();
    out.sort_by_key(|(y, k, _)| {
        (
            std::cmp::Reverse(*y),
            RecordKind::ALL.iter().position(|x| x == k),
        )
    });
    Ok(out)
}

/// The records that record a source (a meeting's minutes and decision
/// record, a proposal's outcome), for its readers.
pub async fn of_source(
    conn: &impl ConnectionTrait,
    viewer: Option<&Viewer>,
    source_id: Uuid,
) -> AppResult<Vec<Seen>> {
    let found = record::Entity::find()
        .filter(record::Column::SourceId.eq(source_id))
        .order_by_asc(record::Column::Id)
        .all(conn)
        .await?;
    let mut seen_ones = Vec::new();
    for r in found {
        match seen(conn, viewer, r.id).await {
            Ok(s) => seen_ones.push(s),
            Err(e) if e.code == crate::error::ErrorCode::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(seen_ones)
}
