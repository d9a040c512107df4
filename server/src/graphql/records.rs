//! Published records and their archive, and full-text search.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::accounts::Person;
use super::connection::simple;
use super::context::{maybe_viewer, state, viewer};
use super::governance::Body;
use super::loaders::person;
use super::{id, parse_id};
use crate::domain::record::{RecordKind, RecordVisibility};
use crate::entity::record_version;
use crate::service::governance::bodies;
use crate::service::records::{self, Amendment, Archive, NewRecord, Seen};
use crate::service::search::{self, SearchInput};

/// A published record: minutes, a decision record, a report, a proposal's
/// outcome or a mandate register. Never silently edited: each amendment is
/// a new version, and every version stays readable.
pub struct Record(pub Seen);

#[Object]
impl Record {
    async fn id(&self) -> ID {
        id(self.0.record.id)
    }
    async fn kind(&self) -> RecordKind {
        self.0.kind()
    }
    async fn title(&self) -> &str {
        &self.0.record.title
    }
    async fn visibility(&self) -> RecordVisibility {
        self.0.visibility()
    }
    /// The permalink's last segment.
    async fn slug(&self) -> &str {
        &self.0.record.slug
    }
    /// Its stable address: the public page (for those who may read it).
    async fn permalink(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(format!(
            "{}{}",
            state(ctx)?.settings.public_url(),
            self.0.path()
        ))
    }
    async fn organisation_id(&self) -> ID {
        id(self.0.record.organisation_id)
    }
    /// The body that published it.
    async fn body(&self, ctx: &Context<'_>) -> Result<Body> {
        Ok(Body(
            bodies::find(&state(ctx)?.db, self.0.record.body_id).await?,
        ))
    }
    /// What it records: a meeting (minutes, decision record), a proposal
    /// (outcome), a body (mandate register).
    async fn source_id(&self) -> Option<ID> {
        self.0.record.source_id.map(id)
    }
    async fn published_at(&self) -> DateTime<Utc> {
        self.0.record.published_at
    }
    async fn published_by(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.0.record.published_by).await
    }
    /// When the last amendment was made (the publication time if none).
    async fn amended_at(&self) -> DateTime<Utc> {
        self.0.record.amended_at
    }
    /// The current version's number (1 until amended).
    async fn version(&self) -> i32 {
        self.0.record.version
    }
    /// The current text, Markdown as written.
    async fn text(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(self.current(ctx).await?.source)
    }
    /// The current text as sanitised HTML.
    async fn html(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(self.current(ctx).await?.html)
    }
    /// Every version, first (as published) to last.
    async fn versions(&self, ctx: &Context<'_>) -> Result<Vec<RecordVersion>> {
        Ok(records::versions(&state(ctx)?.db, self.0.record.id)
            .await?
            .into_iter()
            .map(RecordVersion)
            .collect())
    }
}

impl Record {
    async fn current(&self, ctx: &Context<'_>) -> Result<record_version::Model> {
        let r = &self.0.record;
        Ok(records::version(&state(ctx)?.db, r.id, r.version)
            .await?
            .ok_or_else(records::record_not_found)?)
    }
}

/// One version of a record.
pub struct RecordVersion(record_version::Model);

#[Object]
impl RecordVersion {
    async fn number(&self) -> i32 {
        self.0.number
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Markdown, as written.
    async fn text(&self) -> &str {
        &self.0.source
    }
    async fn html(&self) -> &str {
        &self.0.html
    }
    /// Why it was amended (none for the first version).
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    async fn author(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.0.author_id).await
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// How many records of a kind a year holds, in an archive.
#[derive(SimpleObject)]
pub struct ArchiveYear {
    pub year: i32,
    pub kind: RecordKind,
    pub count: u64,
}

#[derive(InputObject)]
pub struct PublishRecordInput {
    pub kind: RecordKind,
    /// The publishing body (reports, decision records not made from a
    /// meeting, mandate registers).
    pub body_id: Option<ID>,
    /// The meeting (minutes, decision record made from its decisions) or
    /// the proposal (outcome).
    pub source_id: Option<ID>,
    /// For reports and decision records written by hand.
    pub title: Option<String>,
    /// Markdown, for reports and decision records written by hand.
    pub text: Option<String>,
    /// Default: the meeting's visibility for its records; members for
    /// reports and outcomes; public for mandate registers.
    pub visibility: Option<RecordVisibility>,
}

#[derive(InputObject)]
pub struct AmendRecordInput {
    pub record_id: ID,
    /// Why: published with the new version (required).
    pub reason: String,
    /// The new text (Markdown). A mandate register without one is
    /// recomposed from its mandates as they stand.
    pub text: Option<String>,
    pub title: Option<String>,
}

/// A search filter: the facet (`body`, `kind` or `year`) and the values a
/// hit must have one of.
#[derive(InputObject)]
pub struct SearchFilter {
    pub facet: String,
    pub values: Vec<String>,
}

/// A search hit.
#[derive(SimpleObject)]
pub struct SearchHit {
    /// `record:<id>`, `thread:<id>`, `post:<id>` or `proposal:<id>`.
    pub id: String,
    /// minutes, decision_record, report, proposal_outcome, mandate_register,
    /// thread, post or proposal.
    pub kind: String,
    pub organisation_id: ID,
    pub body_id: Option<ID>,
    pub year: i32,
    pub title: String,
    /// Where to read it, on this server.
    pub url: String,
    pub published_at: Option<DateTime<Utc>>,
    /// A passage around the words found, as HTML: the text escaped, the
    /// words in `<mark>`.
    pub snippet: String,
}

#[derive(SimpleObject)]
pub struct FacetValue {
    pub value: String,
    pub count: u64,
}

#[derive(SimpleObject)]
pub struct FacetCounts {
    /// body, kind or year.
    pub facet: String,
    pub values: Vec<FacetValue>,
}

/// One page of search results.
#[derive(SimpleObject)]
pub struct SearchResults {
    /// Hits the searcher may see, in all pages.
    pub total: u64,
    pub hits: Vec<SearchHit>,
    /// For each facet, how many hits have each value (over all pages).
    pub facets: Vec<FacetCounts>,
    /// Pass as `after` for the next page; none on the last.
    pub end_cursor: Option<String>,
    pub has_next_page: bool,
}

#[derive(Default)]
pub struct RecordQuery;

#[Object]
impl RecordQuery {
    /// A record the viewer may read.
    async fn record(&self, ctx: &Context<'_>, id: ID) -> Result<Record> {
        let state = state(ctx)?;
        let found = records::seen(&state.db, maybe_viewer(ctx), parse_id(&id, "id")?).await?;
        Ok(Record(found))
    }

    /// A record by its permalink: `/o/<organisation>/records/<slug>`.
    async fn record_by_permalink(
        &self,
        ctx: &Context<'_>,
        organisation: String,
        slug: String,
    ) -> Result<Record> {
        let state = state(ctx)?;
        let found =
            records::by_permalink(&state.db, maybe_viewer(ctx), &organisation, &slug).await?;
        Ok(Record(found))
    }

    /// An archive: an organisation's records (or one body's) the viewer may
    /// read, newest first, by kind and year.
    #[allow(clippy::too_many_arguments)] // each is a field argument of the API
    async fn records(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
        body_id: Option<ID>,
        kind: Option<RecordKind>,
        year: Option<i32>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Record>> {
        let archive = Archive {
            organisation_id: parse_id(&organisation_id, "organisationId")?,
            body_id: body_id.map(|b| parse_id(&b, "bodyId")).transpose()?,
            kind,
            year,
        };
        let has_after = after.is_some();
        let page = records::archive(state(ctx)?, maybe_viewer(ctx), archive, first, after).await?;
        Ok(simple("records", page, |s| s.record.id, Record, has_after))
    }

    /// An archive's table of contents: readable records per year and kind.
    async fn record_years(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
        body_id: Option<ID>,
    ) -> Result<Vec<ArchiveYear>> {
        let archive = Archive {
            organisation_id: parse_id(&organisation_id, "organisationId")?,
            body_id: body_id.map(|b| parse_id(&b, "bodyId")).transpose()?,
            kind: None,
            year: None,
        };
        Ok(records::years(state(ctx)?, maybe_viewer(ctx), archive)
            .await?
            .into_iter()
            .map(|(year, kind, count)| ArchiveYear { year, kind, count })
            .collect())
    }

    /// Full-text search over records, discussions and proposals, in French
    /// and English (accents ignored). Words must all match; "quoted words"
    /// match as a phrase. Visitors find public documents; members what their
    /// standing and bodies let them read.
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        organisation_id: Option<ID>,
        filters: Option<Vec<SearchFilter>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<SearchResults> {
        let input = SearchInput {
            query,
            organisation_id: organisation_id
                .map(|o| parse_id(&o, "organisationId"))
                .transpose()?,
            filters: filters
                .unwrap_or_default()
                .into_iter()
                .map(|f| (f.facet, f.values))
                .collect(),
            first,
            after,
        };
        let found = search::search(state(ctx)?, maybe_viewer(ctx), input).await?;
        let mut facets: Vec<FacetCounts> = Vec::new();
        for f in found.results.facets {
            let name = f.facet.as_str();
            let value = FacetValue {
                value: f.value,
                count: f.count,
            };
            match facets.iter_mut().find(|c| c.facet == name) {
                Some(c) => c.values.push(value),
                None => facets.push(FacetCounts {
                    facet: name.to_owned(),
                    values: vec![value],
                }),
            }
        }
        Ok(SearchResults {
            total: found.results.total,
            hits: found
                .results
                .hits
                .into_iter()
                .map(|h| SearchHit {
                    snippet: crate::domain::search::snippet_html(&h.snippet),
                    id: h.id,
                    kind: h.kind,
                    organisation_id: id(h.organisation_id),
                    body_id: h.body_id.map(id),
                    year: h.year,
                    title: h.title,
                    url: h.url,
                    published_at: DateTime::from_timestamp(h.published_at, 0),
                })
                .collect(),
            facets,
            has_next_page: found.next.is_some(),
            end_cursor: found.next,
        })
    }
}

#[derive(Default)]
pub struct RecordMutation;

#[Object]
impl RecordMutation {
    /// Publishes a record, once: minutes or a decision record of an ended
    /// meeting (`sourceId`: the meeting), a closed proposal's outcome
    /// (`sourceId`: the proposal), a body's mandate register or report
    /// (`bodyId`). Its body's people or the organisation's facilitators
    /// publish; publishing the same source twice is a `CONFLICT`.
    async fn publish_record(&self, ctx: &Context<'_>, input: PublishRecordInput) -> Result<Record> {
        let input = NewRecord {
            kind: input.kind,
            body_id: input.body_id.map(|b| parse_id(&b, "bodyId")).transpose()?,
            source_id: input
                .source_id
                .map(|s| parse_id(&s, "sourceId"))
                .transpose()?,
            title: input.title,
            text: input.text,
            visibility: input.visibility,
        };
        let published = records::publish(state(ctx)?, viewer(ctx)?, input).await?;
        Ok(Record(published))
    }

    /// Amends a record: a new version with its reason (`REASON_REQUIRED`
    /// without one); the earlier versions stay readable.
    async fn amend_record(&self, ctx: &Context<'_>, input: AmendRecordInput) -> Result<Record> {
        let amendment = Amendment {
            record_id: parse_id(&input.record_id, "recordId")?,
            title: input.title,
            text: input.text,
            reason: input.reason,
        };
        let amended = records::amend(state(ctx)?, viewer(ctx)?, amendment).await?;
        Ok(Record(amended))
    }
}
