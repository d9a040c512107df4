//! Designations: calls for candidacies, candidacies and nominations, the
//! vote that designates, and reports upward.

use async_graphql::{Context, ID, InputObject, Json, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use super::accounts::Person;
use super::context::{state, viewer};
use super::loaders::person;
use super::proposals::Proposal;
use super::{id, parse_id};
use crate::domain::designation::{CallStatus, CandidacyStatus};
use crate::domain::proposal::ResultsVisibility;
use crate::entity::designation_call;
use crate::service::governance::designations::{self, Call, DesignationVote, NewCall, Standing};

/// A call for candidacies on a position, and how it stands.
pub struct DesignationCall(pub Call);

#[Object]
impl DesignationCall {
    async fn id(&self) -> ID {
        id(self.0.call.id)
    }
    async fn position_id(&self) -> ID {
        id(self.0.call.position_id)
    }
    /// Markdown, as written: what the body expects, how to apply.
    async fn note(&self) -> &str {
        &self.0.call.note_source
    }
    async fn note_html(&self) -> &str {
        &self.0.call.note_html
    }
    async fn opens_at(&self) -> DateTime<Utc> {
        self.0.call.opens_at
    }
    /// Candidacies close then; members may still put someone forward while
    /// they are studied.
    async fn closes_at(&self) -> DateTime<Utc> {
        self.0.call.closes_at
    }
    /// The term of the mandates the designation creates.
    async fn term_starts_on(&self) -> Option<NaiveDate> {
        self.0.call.term_starts_on
    }
    async fn term_ends_on(&self) -> Option<NaiveDate> {
        self.0.call.term_ends_on
    }
    /// The thread where the position is deliberated.
    async fn thread_id(&self) -> ID {
        id(self.0.call.thread_id)
    }
    async fn status(&self) -> CallStatus {
        self.0.status
    }
    /// Why it ended so (unfilled), or the note sent with a report upward.
    async fn outcome_note(&self) -> Option<&str> {
        self.0.call.outcome_note.as_deref()
    }
    async fn outcome_at(&self) -> Option<DateTime<Utc>> {
        self.0.call.outcome_at
    }
    /// The parent organisation the names were reported to.
    async fn reported_to(&self) -> Option<ID> {
        self.0.call.reported_to.map(id)
    }
    /// The latest vote that designates (or designated) to the position.
    async fn vote_id(&self) -> Option<ID> {
        self.0.vote.as_ref().map(|p| id(p.id))
    }
    /// Everyone who applied or was put forward, oldest first.
    async fn candidacies(&self, ctx: &Context<'_>) -> Result<Vec<Candidacy>> {
        let found = designations::candidacies(&state(ctx)?.db, &self.0).await?;
        Ok(found.into_iter().map(Candidacy).collect())
    }
}

/// Someone standing for a position, or put forward for it.
pub struct Candidacy(Standing);

#[Object]
impl Candidacy {
    async fn id(&self) -> ID {
        id(self.0.candidacy.id)
    }
    async fn call_id(&self) -> ID {
        id(self.0.candidacy.call_id)
    }
    async fn person(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.0.candidacy.account_id).await
    }
    /// Markdown, as written: the candidate's statement, or why someone put
    /// them forward.
    async fn statement(&self) -> &str {
        &self.0.candidacy.statement_source
    }
    async fn statement_html(&self) -> &str {
        &self.0.candidacy.statement_html
    }
    async fn status(&self) -> CandidacyStatus {
        self.0.candidacy.status
    }
    /// Who put the person forward, when they did not apply themselves.
    async fn nominated_by(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        match self.0.candidacy.nominated_by {
            Some(by) => person(ctx, by).await,
            None => Ok(None),
        }
    }
    /// An outgoing or former holder of this position standing again.
    async fn outgoing(&self) -> bool {
        self.0.outgoing
    }
    /// Days the person held this position before, from the register.
    async fn held_days(&self) -> i64 {
        self.0.held_days
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.candidacy.created_at
    }
    async fn answered_at(&self) -> Option<DateTime<Utc>> {
        self.0.candidacy.answered_at
    }
    async fn withdrawn_at(&self) -> Option<DateTime<Utc>> {
        self.0.candidacy.withdrawn_at
    }
}

/// A designation a child organisation could not make, reported up
/// [remontée] with the candidates debated and how to reach them.
pub struct UpwardReport(designation_call::Model);

/// A candidate named in a report upward, as they were then.
#[derive(SimpleObject)]
pub struct ReportedCandidate {
    pub account_id: Option<ID>,
    pub name: String,
    pub email: String,
    pub statement: String,
}

#[Object]
impl UpwardReport {
    async fn call_id(&self) -> ID {
        id(self.0.id)
    }
    /// The child organisation that reported.
    async fn from_organisation_id(&self) -> ID {
        id(self.0.organisation_id)
    }
    async fn from_organisation(&self) -> Option<&str> {
        self.field("organisation")
    }
    async fn position(&self) -> Option<&str> {
        self.field("position")
    }
    async fn seats(&self) -> i32 {
        self.report()["seats"].as_i64().unwrap_or(1) as i32
    }
    async fn note(&self) -> Option<&str> {
        self.field("note")
    }
    async fn reported_at(&self) -> Option<DateTime<Utc>> {
        self.0.outcome_at
    }
    async fn candidates(&self) -> Vec<ReportedCandidate> {
        self.report()["candidates"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                let text = |key: &str| c[key].as_str().unwrap_or_default().to_owned();
                ReportedCandidate {
                    account_id: c["accountId"].as_str().map(|s| ID(s.to_owned())),
                    name: text("name"),
                    email: text("email"),
                    statement: text("statement"),
                }
            })
            .collect()
    }
}

impl UpwardReport {
    fn report(&self) -> &Value {
        self.0.report.as_ref().unwrap_or(&Value::Null)
    }
    fn field(&self, key: &str) -> Option<&str> {
        self.report()[key].as_str()
    }
}

#[derive(Default)]
pub struct DesignationQuery;

#[Object]
impl DesignationQuery {
    /// A call for candidacies (the organisation's people).
    async fn designation_call(&self, ctx: &Context<'_>, id: ID) -> Result<DesignationCall> {
        let found = designations::seen(state(ctx)?, viewer(ctx)?, parse_id(&id, "id")?).await?;
        Ok(DesignationCall(found))
    }

    /// Designations reported up to this organisation by its children, with
    /// the candidates' contact details: its assembly's people only.
    async fn upward_reports(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
    ) -> Result<Vec<UpwardReport>> {
        let found = designations::reported_to(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&organisation_id, "organisationId")?,
        )
        .await?;
        Ok(found.into_iter().map(UpwardReport).collect())
    }
}

#[derive(InputObject)]
pub struct OpenCallInput {
    pub position_id: ID,
    /// Now when absent.
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: DateTime<Utc>,
    /// The term of the mandates the designation will create (today, and no
    /// end, when absent).
    pub term_starts_on: Option<NaiveDate>,
    pub term_ends_on: Option<NaiveDate>,
    /// Markdown: what the body expects, how to apply.
    #[graphql(default)]
    pub note: String,
}

#[derive(InputObject)]
pub struct PutDesignationToVoteInput {
    pub call_id: ID,
    /// `majority`, `consensus` or `consent` decide on a `slate`; a ranking
    /// method (`majority_judgment`, `single_choice`, `approval`, `score`,
    /// `ranked_schulze`, `ranked_irv`) has the candidates as its options.
    pub method: String,
    pub settings: Option<Json<Value>>,
    pub quorum: Option<String>,
    /// For a yes/no method: the candidates designated if it passes.
    #[graphql(default)]
    pub slate: Vec<ID>,
    /// The body that designates; the general assembly when absent.
    pub body_id: Option<ID>,
    pub closes_at: DateTime<Utc>,
    #[graphql(default)]
    pub secret: bool,
    #[graphql(default_with = "ResultsVisibility::AfterClosing")]
    pub results_visibility: ResultsVisibility,
}

#[derive(Default)]
pub struct DesignationMutation;

#[Object]
impl DesignationMutation {
    /// Opens a call for candidacies on a position (facilitators), with the
    /// thread where it is deliberated.
    async fn open_call(&self, ctx: &Context<'_>, input: OpenCallInput) -> Result<DesignationCall> {
        let opened = designations::open_call(
            state(ctx)?,
            viewer(ctx)?,
            NewCall {
                position_id: parse_id(&input.position_id, "positionId")?,
                opens_at: input.opens_at,
                closes_at: input.closes_at,
                term_starts_on: input.term_starts_on,
                term_ends_on: input.term_ends_on,
                note: input.note,
            },
        )
        .await?;
        Ok(DesignationCall(opened))
    }

    /// Closes candidacies now rather than at the date set (facilitators).
    async fn close_candidacies(&self, ctx: &Context<'_>, call_id: ID) -> Result<DesignationCall> {
        let closed = designations::close_candidacies(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&call_id, "callId")?,
        )
        .await?;
        Ok(DesignationCall(closed))
    }

    /// Applies for the position, with a statement, while the call is open
    /// (`CALL_CLOSED` otherwise). Outgoing holders may apply again.
    async fn apply_for_position(
        &self,
        ctx: &Context<'_>,
        call_id: ID,
        statement: String,
    ) -> Result<Candidacy> {
        let applied = designations::apply(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&call_id, "callId")?,
            &statement,
        )
        .await?;
        Ok(Candidacy(Standing::new(applied)))
    }

    /// Puts someone forward, saying why, while the call is open or studied;
    /// they accept or decline.
    async fn nominate(
        &self,
        ctx: &Context<'_>,
        call_id: ID,
        account_id: ID,
        statement: String,
    ) -> Result<Candidacy> {
        let nominated = designations::nominate(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&call_id, "callId")?,
            parse_id(&account_id, "accountId")?,
            &statement,
        )
        .await?;
        Ok(Candidacy(Standing::new(nominated)))
    }

    /// The person put forward accepts (with a statement of their own, if
    /// they wish) or declines.
    async fn answer_nomination(
        &self,
        ctx: &Context<'_>,
        candidacy_id: ID,
        accept: bool,
        statement: Option<String>,
    ) -> Result<Candidacy> {
        let answered = designations::answer(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&candidacy_id, "candidacyId")?,
            accept,
            statement.as_deref(),
        )
        .await?;
        Ok(Candidacy(Standing::new(answered)))
    }

    /// Withdraws one's candidacy, until the vote begins.
    async fn withdraw_candidacy(&self, ctx: &Context<'_>, candidacy_id: ID) -> Result<Candidacy> {
        let withdrawn = designations::withdraw(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&candidacy_id, "candidacyId")?,
        )
        .await?;
        Ok(Candidacy(Standing::new(withdrawn)))
    }

    /// Puts the designation to a vote once candidacies are closed
    /// (facilitators). The candidates are left out of its electorate; when
    /// it passes, the mandates are created and linked to it.
    async fn put_designation_to_vote(
        &self,
        ctx: &Context<'_>,
        input: PutDesignationToVoteInput,
    ) -> Result<Proposal> {
        let slate = input
            .slate
            .iter()
            .map(|s| parse_id(s, "slate"))
            .collect::<Result<_, _>>()?;
        let created = designations::put_to_vote(
            state(ctx)?,
            viewer(ctx)?,
            DesignationVote {
                call_id: parse_id(&input.call_id, "callId")?,
                method: input.method,
                settings: input.settings.map(|s| s.0).unwrap_or(Value::Null),
                quorum: input.quorum,
                slate,
                body_id: input.body_id.map(|b| parse_id(&b, "bodyId")).transpose()?,
                closes_at: input.closes_at,
                secret: input.secret,
                results_visibility: input.results_visibility,
            },
        )
        .await?;
        Proposal::load(ctx, created.id).await
    }

    /// No suitable candidate: the position stays open for a new call
    /// (facilitators, with the reason).
    async fn declare_unfilled(
        &self,
        ctx: &Context<'_>,
        call_id: ID,
        reason: Option<String>,
    ) -> Result<DesignationCall> {
        let ended = designations::declare_unfilled(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&call_id, "callId")?,
            reason.as_deref(),
        )
        .await?;
        Ok(DesignationCall(ended))
    }

    /// No consensus: reports the names debated, with their contact details,
    /// to the parent organisation's assembly (facilitators).
    async fn report_upward(
        &self,
        ctx: &Context<'_>,
        call_id: ID,
        note: Option<String>,
    ) -> Result<DesignationCall> {
        let reported = designations::report_upward(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&call_id, "callId")?,
            note.as_deref(),
        )
        .await?;
        Ok(DesignationCall(reported))
    }
}
