//! Proposals in GraphQL: putting a question to a decision, casting, closing,
//! results.

use async_graphql::connection::Connection;
use std::time::Duration;

use async_graphql::{Context, ID, InputObject, Json, Object, Result, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures_util::Stream;
use serde_json::Value;
use uuid::Uuid;

use crate::domain::decision::Outcome;
use crate::domain::proposal::{ElectorateRule, ReasonPolicy, ResultsVisibility, Status};
use crate::entity::{ballot, elector, proxy};
use crate::error::{AppError, AppResult};
use crate::events::{Event, ProposalChange};
use crate::graphql::accounts::Person;
use crate::graphql::connection::simple;
use crate::graphql::context::{maybe_viewer, request, state, viewer};
use crate::graphql::live::{self, Concern, Live};
use crate::graphql::loaders::person;
use crate::graphql::{id, parse_id};
use crate::service::governance;
use crate::service::proposals::casting::{self, Cast};
use crate::service::proposals::consensus;
use crate::service::proposals::decisions::{self, CountedVote, Ratification};
use crate::service::proposals::proxies::{self, GiveProxy};
use crate::service::proposals::{
    self, NewProposal, ProposalEdit, Seen, closing, results_visibility,
};
use crate::service::sessions::Viewer as ViewerData;
use crate::state::AppState;

/// A question put to a decision, as one person sees it.
pub struct Proposal(pub Seen);

impl Proposal {
    /// The proposal as the viewer sees it now.
    pub(crate) async fn load(ctx: &Context<'_>, id: uuid::Uuid) -> Result<Proposal> {
        let seen = proposals::seen(&state(ctx)?.db, maybe_viewer(ctx), id).await?;
        Ok(Proposal(seen))
    }
}

#[Object]
impl Proposal {
    async fn id(&self) -> ID {
        id(self.0.proposal.id)
    }
    async fn organisation_id(&self) -> ID {
        id(self.0.proposal.organisation_id)
    }
    async fn thread_id(&self) -> Option<ID> {
        self.0.proposal.thread_id.map(id)
    }
    /// The meeting where a vote counted in the room was taken, and its agenda item.
    async fn meeting_id(&self) -> Option<ID> {
        self.0.proposal.meeting_id.map(id)
    }
    async fn agenda_item_id(&self) -> Option<ID> {
        self.0.proposal.agenda_item_id.map(id)
    }
    /// The call for candidacies this vote designates for, if it does.
    async fn designation_call_id(&self) -> Option<ID> {
        self.0.proposal.designation_call_id.map(id)
    }
    async fn title(&self) -> &str {
        &self.0.proposal.title
    }
    /// The details, in Markdown as written.
    async fn details(&self) -> &str {
        &self.0.proposal.details_source
    }
    /// The details rendered to safe HTML.
    async fn details_html(&self) -> &str {
        &self.0.proposal.details_html
    }
    async fn author(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.0.proposal.author_id).await
    }
    /// The decision method (see `plenum tally --help` for the list).
    async fn method(&self) -> &str {
        &self.0.proposal.method
    }
    async fn options(&self) -> Vec<String> {
        serde_json::from_value(self.0.proposal.options.clone()).unwrap_or_default()
    }
    /// The method's settings, the quorum included.
    async fn settings(&self) -> Json<Value> {
        Json(self.0.proposal.settings.clone())
    }
    async fn status(&self) -> Status {
        self.0.status()
    }
    async fn opens_at(&self) -> DateTime<Utc> {
        self.0.proposal.opens_at
    }
    async fn closes_at(&self) -> DateTime<Utc> {
        self.0.proposal.closes_at
    }
    async fn opened_at(&self) -> Option<DateTime<Utc>> {
        self.0.proposal.opened_at
    }
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.proposal.closed_at
    }
    /// Closed before its time by its author or a facilitator.
    async fn closed_early(&self) -> bool {
        self.0.proposal.closed_by.is_some()
    }
    /// The body deciding; absent for the organisation as a whole.
    async fn body_id(&self) -> Option<ID> {
        self.0.proposal.body_id.map(|b| ID(b.to_string()))
    }

    /// False for a commission's recommendation.
    async fn binding(&self) -> bool {
        self.0.proposal.binding
    }

    /// The powers the decision uses.
    async fn scope(&self) -> Vec<String> {
        self.0
            .proposal
            .scope
            .as_ref()
            .and_then(|s| serde_json::from_value(s.clone()).ok())
            .unwrap_or_default()
    }

    /// Where a commission's recommendation goes.
    async fn forwarded_to(&self) -> Option<ID> {
        self.0.proposal.forwarded_to.map(|b| ID(b.to_string()))
    }

    /// The mandates a secretariat's decision rests on.
    async fn cited_mandates(&self, ctx: &Context<'_>) -> Result<Vec<ID>> {
        let state = state(ctx)?;
        Ok(governance::mandates::cited(&state.db, self.0.proposal.id)
            .await?
            .into_iter()
            .map(|m| ID(m.to_string()))
            .collect())
    }

    async fn electorate_rule(&self) -> ElectorateRule {
        self.0.proposal.electorate_rule
    }
    /// Secret: nobody can link a ballot to a voter. Named: who voted what is shown.
    async fn secret(&self) -> bool {
        self.0.proposal.secret
    }
    async fn results_visibility(&self) -> ResultsVisibility {
        results_visibility(&self.0.proposal)
    }
    async fn reasons(&self) -> ReasonPolicy {
        proposals::reason_policy(&self.0.proposal)
    }
    /// A vote may be changed until closing.
    async fn changeable(&self) -> bool {
        self.0.proposal.changeable
    }
    async fn urgent(&self) -> bool {
        self.0.proposal.urgent
    }
    /// The decision must be ratified by the next assembly.
    async fn needs_ratification(&self) -> bool {
        self.0.proposal.needs_ratification
    }
    /// Voted online, or counted in the room and recorded.
    async fn counted_in_room(&self) -> bool {
        self.0.proposal.origin == "room"
    }
    /// The current round (a consensus proposal amended starts a new one).
    async fn round(&self) -> i32 {
        self.0.proposal.round
    }
    /// What was decided, in Markdown, written after closing.
    async fn outcome(&self) -> Option<&str> {
        self.0.proposal.outcome_source.as_deref()
    }
    async fn outcome_html(&self) -> Option<&str> {
        self.0.proposal.outcome_html.as_deref()
    }
    async fn outcome_at(&self) -> Option<DateTime<Utc>> {
        self.0.proposal.outcome_at
    }
    async fn outcome_by(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        match self.0.proposal.outcome_by {
            Some(by) => person(ctx, by).await,
            None => Ok(None),
        }
    }
    async fn ratification(&self) -> Ratification {
        decisions::ratification(&self.0.proposal)
    }
    async fn ratification_note(&self) -> Option<&str> {
        self.0.proposal.ratification_note.as_deref()
    }
    async fn ratified_at(&self) -> Option<DateTime<Utc>> {
        self.0.proposal.ratified_at
    }
    /// Who has voted so far, out of the frozen electorate (always visible).
    async fn participation(&self, ctx: &Context<'_>) -> Result<Participation> {
        let (voted, electorate) =
            proposals::participation(&state(ctx)?.db, &self.0.proposal).await?;
        Ok(Participation::new(voted, electorate))
    }
    /// Is the viewer in the electorate (frozen when voting opened)?
    async fn viewer_in_electorate(&self) -> bool {
        self.0
            .elector
            .as_ref()
            .is_some_and(|e| e.excluded_reason.is_none())
    }
    async fn viewer_has_voted(&self) -> bool {
        self.0.has_voted()
    }
    /// Why the viewer is excluded from this vote, if they are.
    async fn viewer_exclusion(&self) -> Option<&str> {
        self.0.elector.as_ref()?.excluded_reason.as_deref()
    }
    /// The result: stored once closed, counted live before when
    /// `resultsVisibility` allows it; `FORBIDDEN` otherwise.
    async fn result(&self, ctx: &Context<'_>) -> Result<ProposalResult> {
        if !self.0.results_visible() {
            return Err(crate::domain::proposal::results_hidden().into());
        }
        Ok(result_of(&state(ctx)?.db, &self.0.proposal).await?)
    }
    /// Named ballots, oldest first: who voted what and why. Refused for
    /// secret proposals, and while results are hidden.
    async fn ballots(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "An earlier round (default: the current one).")] round: Option<i32>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, NamedBallot>> {
        let has_after = after.is_some();
        let page = proposals::named_ballots(&state(ctx)?.db, &self.0, round, first, after).await?;
        Ok(simple("ballots", page, |b| b.id, NamedBallot, has_after))
    }
    /// The ballot file of a closed proposal, in the JSON Lines format of
    /// `plenum tally`: its SHA-256 is `result.exportSha256`, and counting it
    /// gives `result.outcome` again. Refused (`CONFLICT`) while open.
    async fn ballot_file(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(closing::ballot_file(&state(ctx)?.db, &self.0).await?)
    }
    /// A summary of a closed proposal for secretaries, as CSV, in the reader's language.
    async fn summary_csv(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(closing::summary_csv(&state(ctx)?.db, &self.0, request(ctx)?.locale).await?)
    }
    /// Argued objections standing in the current round (consensus and
    /// consent): listed for all who may see the proposal, so that they can be
    /// discussed; the objector is named only in a named vote.
    async fn objections(&self, ctx: &Context<'_>) -> Result<Vec<Objection>> {
        let rows = consensus::objections(&state(ctx)?.db, &self.0.proposal).await?;
        Ok(rows.into_iter().map(Objection).collect())
    }
    /// Earlier rounds of an amended proposal, oldest first: their text and
    /// the count of the positions taken on it.
    async fn rounds(&self, ctx: &Context<'_>) -> Result<Vec<ProposalRound>> {
        let rows = consensus::rounds(&state(ctx)?.db, &self.0.proposal).await?;
        Ok(rows.into_iter().map(ProposalRound).collect())
    }
    /// When a facilitator checked and recorded the consensus.
    async fn consensus_checked_at(&self) -> Option<DateTime<Utc>> {
        self.0.proposal.consensus_checked_at
    }
    async fn consensus_check_note(&self) -> Option<&str> {
        self.0.proposal.consensus_check_note.as_deref()
    }
    /// The majority vote that followed a consensus not reached.
    async fn fallback_proposal_id(&self) -> Option<ID> {
        self.0.proposal.fallback_proposal_id.map(id)
    }
    /// The parent organisation the matter was escalated to.
    async fn escalated_to(&self) -> Option<ID> {
        self.0.proposal.escalated_to.map(id)
    }
    /// The electorate with who voted (facilitators only).
    async fn electors(&self, ctx: &Context<'_>) -> Result<Vec<Elector>> {
        let rows = proposals::electors(&state(ctx)?.db, &self.0).await?;
        Ok(rows.into_iter().map(Elector).collect())
    }
}

/// The stored result of a closed proposal, or the count so far of an open one.
async fn result_of(
    db: &sea_orm::DatabaseConnection,
    p: &crate::entity::proposal::Model,
) -> Result<ProposalResult, AppError> {
    let outcome = match &p.result {
        Some(stored) => stored.clone(),
        None => closing::count(&closing::export(db, p).await?)?,
    };
    Ok(ProposalResult {
        outcome,
        export_sha256: p.export_sha256.clone(),
        provisional: p.closed_at.is_none(),
    })
}

/// Participation in a vote.
#[derive(SimpleObject)]
pub struct Participation {
    pub voted: u64,
    pub electorate: u64,
    pub percent: f64,
}

impl Participation {
    fn new(voted: u64, electorate: u64) -> Self {
        Participation {
            voted,
            electorate,
            percent: crate::domain::decision::fraction::percent(voted, electorate),
        }
    }
}

/// What the decision engine concluded (as `plenum tally` prints it).
pub struct ProposalResult {
    outcome: Outcome,
    export_sha256: Option<String>,
    provisional: bool,
}

impl ProposalResult {
    /// Option names; none for yes/no methods, which answer with `adopted`.
    fn names(&self, indices: &[usize]) -> Vec<String> {
        if self.outcome.options.is_empty() {
            return Vec::new();
        }
        self.outcome.names(indices)
    }
}

#[Object]
impl ProposalResult {
    /// Counted live from the ballots so far: the proposal is still open.
    async fn provisional(&self) -> bool {
        self.provisional
    }
    /// The options chosen; several when they tie.
    async fn winners(&self) -> Vec<String> {
        self.names(&self.outcome.winners)
    }
    /// Options from best to worst; tied options share a group.
    async fn ranking(&self) -> Vec<Vec<String>> {
        self.outcome
            .ranking
            .iter()
            .map(|group| self.names(group))
            .collect()
    }
    /// For yes/no methods: adopted or not.
    async fn adopted(&self) -> Option<bool> {
        self.outcome.adopted
    }
    /// For consensus and consent: `reached`, `objections_to_address`, `not_reached`.
    async fn consensus_status(&self) -> Option<&str> {
        self.outcome.status.as_deref()
    }
    async fn ballots(&self) -> u64 {
        self.outcome.ballots
    }
    async fn quorum_reached(&self) -> Option<bool> {
        self.outcome.quorum_reached
    }
    /// Sentences that explain the result, in the reader's language.
    async fn explanation(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        Ok(self.outcome.explanation_in(request(ctx)?.locale).to_vec())
    }
    /// The whole outcome, as `plenum tally` prints it.
    async fn outcome(&self) -> Result<Json<Value>> {
        Ok(Json(
            serde_json::to_value(&self.outcome).map_err(AppError::internal)?,
        ))
    }
    /// SHA-256 of the ballot file the result was counted from (once closed).
    async fn export_sha256(&self) -> Option<&str> {
        self.export_sha256.as_deref()
    }
}

/// An earlier round of an amended proposal.
pub struct ProposalRound(crate::entity::proposal_round::Model);

#[Object]
impl ProposalRound {
    async fn round(&self) -> i32 {
        self.0.round
    }
    async fn details(&self) -> &str {
        &self.0.details_source
    }
    async fn details_html(&self) -> &str {
        &self.0.details_html
    }
    /// The positions taken in that round, counted.
    async fn result(&self) -> ProposalResult {
        ProposalResult {
            outcome: self.0.outcome.clone(),
            export_sha256: None,
            provisional: false,
        }
    }
    async fn amended_by(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.0.amended_by).await
    }
    async fn amendment_reason(&self) -> &str {
        &self.0.amendment_reason
    }
    async fn amended_at(&self) -> DateTime<Utc> {
        self.0.amended_at
    }
}

/// An objection standing.
pub struct Objection(consensus::Objection);

#[Object]
impl Objection {
    /// Who objects: only in a named vote.
    async fn objector(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        match self.0.objector {
            Some(by) => person(ctx, by).await,
            None => Ok(None),
        }
    }
    async fn reason(&self) -> &str {
        &self.0.reason
    }
}

/// A named ballot.
pub struct NamedBallot(ballot::Model);

#[Object]
impl NamedBallot {
    async fn voter(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.0.voter_id).await
    }
    /// The ballot as the method reads it.
    async fn choice(&self) -> Json<Value> {
        Json(self.0.choice.clone())
    }
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    async fn cast_at(&self) -> DateTime<Utc> {
        self.0.cast_at
    }
    async fn changed_at(&self) -> Option<DateTime<Utc>> {
        self.0.changed_at
    }
    /// Cast by the holder of the voter's proxy.
    async fn by_proxy(&self) -> bool {
        self.0.cast_by != self.0.voter_id
    }
}

/// One person of a proposal's electorate.
pub struct Elector(elector::Model);

#[Object]
impl Elector {
    async fn person(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.0.account_id).await
    }
    async fn voted(&self) -> bool {
        self.0.voted
    }
    /// Voted through a proxy (who held it, not how they voted).
    async fn by_proxy(&self) -> bool {
        self.0.proxy_holder_id.is_some()
    }
    async fn excluded_reason(&self) -> Option<&str> {
        self.0.excluded_reason.as_deref()
    }
}

#[derive(Default)]
pub struct ProposalQuery;

#[Object]
impl ProposalQuery {
    async fn proposal(&self, ctx: &Context<'_>, id: ID) -> Result<Proposal> {
        Proposal::load(ctx, parse_id(&id, "id")?).await
    }
    /// An organisation's proposals the viewer may see, newest first: all, or
    /// one thread's, one body's, or the recommendations sent to a body.
    async fn proposals(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
        thread_id: Option<ID>,
        body_id: Option<ID>,
        #[graphql(desc = "The recommendations commissions sent to this body.")]
        forwarded_to: Option<ID>,
    ) -> Result<Vec<Proposal>> {
        let optional = |id: Option<ID>, field| id.map(|i| parse_id(&i, field)).transpose();
        let filter = proposals::Filter {
            thread_id: optional(thread_id, "threadId")?,
            body_id: optional(body_id, "bodyId")?,
            forwarded_to: optional(forwarded_to, "forwardedTo")?,
        };
        let seen = proposals::visible(
            &state(ctx)?.db,
            maybe_viewer(ctx),
            parse_id(&organisation_id, "organisationId")?,
            filter,
        )
        .await?;
        Ok(seen.into_iter().map(Proposal).collect())
    }
    /// Matters its child organisations escalated to this one (a consensus
    /// not reached), oldest first, for the organisation's people.
    async fn escalations(&self, ctx: &Context<'_>, organisation_id: ID) -> Result<Vec<Proposal>> {
        let state = state(ctx)?;
        let organisation_id = parse_id(&organisation_id, "organisationId")?;
        let rows = consensus::escalations(&state.db, maybe_viewer(ctx), organisation_id).await?;
        let organisation = crate::service::organisations::get(&state.db, organisation_id).await?;
        Ok(rows
            .into_iter()
            .map(|proposal| {
                // Seen from the parent: its people read the matter, they do
                // not steer the child's proposal.
                Proposal(Seen {
                    proposal,
                    organisation: organisation.clone(),
                    reader: None,
                    elector: None,
                })
            })
            .collect())
    }
    /// Closed decisions waiting for the assembly's ratification, oldest
    /// first (for the organisation's people).
    async fn pending_ratifications(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
    ) -> Result<Vec<Proposal>> {
        let seen = decisions::pending_ratifications(
            &state(ctx)?.db,
            maybe_viewer(ctx),
            parse_id(&organisation_id, "organisationId")?,
        )
        .await?;
        Ok(seen.into_iter().map(Proposal).collect())
    }
}

#[derive(InputObject)]
pub struct CreateProposalInput {
    pub organisation_id: ID,
    /// The discussion the question comes from.
    pub thread_id: Option<ID>,
    pub title: String,
    #[graphql(default)]
    pub details: String,
    /// A method of the decision engine: majority, consensus, consent,
    /// majority_judgment, approval, score, single_choice, multiple_choice,
    /// dot_vote, ranked_schulze, ranked_irv, meeting_time.
    pub method: String,
    #[graphql(default)]
    pub options: Vec<String>,
    /// The method's settings, e.g. `{"threshold": "2/3"}`.
    pub settings: Option<Json<Value>>,
    /// The share of the electorate that must take part, e.g. `"1/4"`.
    pub quorum: Option<String>,
    #[graphql(default_with = "ElectorateRule::Organisation")]
    pub electorate: ElectorateRule,
    /// The people of a `LISTED` electorate.
    #[graphql(default)]
    pub listed: Vec<ID>,
    #[graphql(default)]
    pub secret: bool,
    #[graphql(default_with = "ResultsVisibility::AfterClosing")]
    pub results_visibility: ResultsVisibility,
    #[graphql(default_with = "ReasonPolicy::Optional")]
    pub reasons: ReasonPolicy,
    #[graphql(default = true)]
    pub changeable: bool,
    #[graphql(default)]
    pub urgent: bool,
    #[graphql(default)]
    pub needs_ratification: bool,
    /// Later than now to schedule the opening; now when absent.
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: DateTime<Utc>,
    /// The body deciding (its people vote); absent, the organisation as a whole.
    pub body: Option<BodyDecisionInput>,
}

/// A body's decision: which body, and what it rests on.
#[derive(InputObject)]
pub struct BodyDecisionInput {
    pub body_id: ID,
    /// Absent: binding, except a commission's proposal, which only recommends.
    pub binding: Option<bool>,
    /// The powers the decision uses, e.g. `["treasury"]`: a secretariat's
    /// binding decision must name them, and its mandates must cover them.
    #[graphql(default)]
    pub scope: Vec<String>,
    /// The mandates a secretariat cites; absent, those in force covering the scope.
    #[graphql(default)]
    pub mandate_ids: Vec<ID>,
    /// Where a commission's recommendation goes: the general assembly or a secretariat.
    pub forward_to: Option<ID>,
}

impl BodyDecisionInput {
    fn parse(input: Option<BodyDecisionInput>) -> Result<(Option<uuid::Uuid>, governance::Asked)> {
        let Some(input) = input else {
            return Ok((None, governance::Asked::default()));
        };
        let asked = governance::Asked {
            binding: input.binding,
            scope: input.scope,
            mandate_ids: input
                .mandate_ids
                .iter()
                .map(|m| parse_id(m, "mandateIds"))
                .collect::<Result<_, _>>()?,
            forward_to: input
                .forward_to
                .map(|f| parse_id(&f, "forwardTo"))
                .transpose()?,
        };
        Ok((Some(parse_id(&input.body_id, "bodyId")?), asked))
    }
}

/// What changes in a proposal; absent fields stay. Method, options and
/// settings only until someone votes (`CONFLICT` after).
#[derive(InputObject)]
pub struct UpdateProposalInput {
    pub title: Option<String>,
    pub details: Option<String>,
    pub method: Option<String>,
    pub options: Option<Vec<String>>,
    pub settings: Option<Json<Value>>,
    pub quorum: Option<String>,
    pub closes_at: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct CastBallotInput {
    pub proposal_id: ID,
    /// The ballot as the method reads it: `{"choice": "yes"}`,
    /// `{"position": "object", "reason": "…"}`, `{"grades": [6, 3, 0]}`…
    pub ballot: Json<Value>,
    pub reason: Option<String>,
    /// To change a secret ballot: the receipt given when it was cast.
    pub receipt: Option<String>,
    /// To vote with a proxy: the person who gave it.
    pub for_account_id: Option<ID>,
}

pub struct CastBallotPayload {
    proposal_id: uuid::Uuid,
    changed: bool,
    receipt: Option<String>,
}

#[Object]
impl CastBallotPayload {
    /// The proposal as it stands after the ballot (read only when asked for).
    async fn proposal(&self, ctx: &Context<'_>) -> Result<Proposal> {
        Proposal::load(ctx, self.proposal_id).await
    }
    /// An earlier ballot was replaced.
    async fn changed(&self) -> bool {
        self.changed
    }
    /// For a new secret ballot: the receipt, shown this once. Keep it to
    /// change the ballot, or to find it in the published ballot file.
    async fn receipt(&self) -> Option<&str> {
        self.receipt.as_deref()
    }
}

/// One distinct ballot of a vote counted in the room, and how many times it was cast.
#[derive(InputObject)]
pub struct BallotCount {
    pub ballot: Json<Value>,
    pub count: u32,
}

#[derive(InputObject)]
pub struct RecordCountedVoteInput {
    pub organisation_id: ID,
    pub thread_id: Option<ID>,
    pub title: String,
    #[graphql(default)]
    pub details: String,
    pub method: String,
    #[graphql(default)]
    pub options: Vec<String>,
    pub settings: Option<Json<Value>>,
    pub quorum: Option<String>,
    /// People present and entitled to vote. Required, except against an
    /// agenda item, where it defaults to (and may not exceed) those marked present.
    pub present: Option<u32>,
    /// The item of the meeting under way where the vote was taken (its
    /// minute-taker or facilitators record it).
    pub agenda_item_id: Option<ID>,
    /// `[{ballot: {choice: "yes"}, count: 12}, …]`; for a consensus check,
    /// one entry per objection noted with its reason.
    pub counts: Vec<BallotCount>,
    /// The body that voted; absent, the organisation as a whole.
    pub body: Option<BodyDecisionInput>,
}

#[derive(Default)]
pub struct ProposalMutation;

#[Object]
impl ProposalMutation {
    /// Writes what was decided, once the proposal is closed (its author or a facilitator).
    async fn write_outcome(
        &self,
        ctx: &Context<'_>,
        proposal_id: ID,
        statement: String,
    ) -> Result<Proposal> {
        let viewer = viewer(ctx)?;
        let state = state(ctx)?;
        let p = decisions::write_outcome(
            state,
            viewer,
            parse_id(&proposal_id, "proposalId")?,
            &statement,
        )
        .await?;
        Proposal::load(ctx, p.id).await
    }
    /// Records the assembly's ruling on a decision that needed ratification (facilitators).
    async fn ratify_decision(
        &self,
        ctx: &Context<'_>,
        proposal_id: ID,
        ratified: bool,
        note: Option<String>,
    ) -> Result<Proposal> {
        let viewer = viewer(ctx)?;
        let state = state(ctx)?;
        let p = decisions::ratify(
            state,
            viewer,
            parse_id(&proposal_id, "proposalId")?,
            ratified,
            note.as_deref(),
        )
        .await?;
        Proposal::load(ctx, p.id).await
    }
    /// Records a vote counted in the room as a closed decision (facilitators).
    async fn record_counted_vote(
        &self,
        ctx: &Context<'_>,
        input: RecordCountedVoteInput,
    ) -> Result<Proposal> {
        let viewer = viewer(ctx)?;
        let state = state(ctx)?;
        let (body_id, asked) = BodyDecisionInput::parse(input.body)?;
        let p = crate::service::meetings::minutes::record_counted_vote(
            state,
            viewer,
            CountedVote {
                organisation_id: parse_id(&input.organisation_id, "organisationId")?,
                thread_id: input
                    .thread_id
                    .map(|t| parse_id(&t, "threadId"))
                    .transpose()?,
                title: input.title,
                details: input.details,
                method: input.method,
                options: input.options,
                settings: input.settings.map(|s| s.0).unwrap_or(Value::Null),
                quorum: input.quorum,
                present: input.present,
                agenda_item_id: input
                    .agenda_item_id
                    .map(|i| parse_id(&i, "agendaItemId"))
                    .transpose()?,
                counts: input
                    .counts
                    .into_iter()
                    .map(|c| (c.ballot.0, c.count))
                    .collect(),
                body_id,
                asked,
            },
        )
        .await?;
        Proposal::load(ctx, p.id).await
    }
    /// Puts a question to a decision.
    async fn create_proposal(
        &self,
        ctx: &Context<'_>,
        input: CreateProposalInput,
    ) -> Result<Proposal> {
        let viewer = viewer(ctx)?;
        let state = state(ctx)?;
        let listed = input
            .listed
            .iter()
            .map(|l| parse_id(l, "listed"))
            .collect::<Result<Vec<_>, _>>()?;
        let (body_id, asked) = BodyDecisionInput::parse(input.body)?;
        let created = proposals::create(
            state,
            viewer,
            NewProposal {
                organisation_id: parse_id(&input.organisation_id, "organisationId")?,
                thread_id: input
                    .thread_id
                    .map(|t| parse_id(&t, "threadId"))
                    .transpose()?,
                title: input.title,
                details: input.details,
                method: input.method,
                options: input.options,
                settings: input.settings.map(|s| s.0).unwrap_or(Value::Null),
                quorum: input.quorum,
                electorate: input.electorate,
                listed,
                secret: input.secret,
                results_visibility: input.results_visibility,
                reasons: input.reasons,
                changeable: input.changeable,
                urgent: input.urgent,
                needs_ratification: input.needs_ratification,
                opens_at: input.opens_at,
                closes_at: input.closes_at,
                body_id,
                asked,
                designation: None,
            },
        )
        .await?;
        Proposal::load(ctx, created.id).await
    }

    /// Amends an open consensus or consent proposal (facilitators): a new
    /// round with the new text; the earlier one is kept, and everyone votes again.
    async fn amend_proposal(
        &self,
        ctx: &Context<'_>,
        proposal_id: ID,
        details: String,
        reason: Option<String>,
    ) -> Result<Proposal> {
        let viewer = viewer(ctx)?;
        let state = state(ctx)?;
        let p = consensus::amend(
            state,
            viewer,
            parse_id(&proposal_id, "proposalId")?,
            &details,
            reason.as_deref(),
        )
        .await?;
        Proposal::load(ctx, p.id).await
    }
    /// Records that the consensus of a closed proposal was checked (facilitators).
    async fn check_consensus(
        &self,
        ctx: &Context<'_>,
        proposal_id: ID,
        note: Option<String>,
    ) -> Result<Proposal> {
        let viewer = viewer(ctx)?;
        let state = state(ctx)?;
        let p = consensus::check(
            state,
            viewer,
            parse_id(&proposal_id, "proposalId")?,
            note.as_deref(),
        )
        .await?;
        Proposal::load(ctx, p.id).await
    }
    /// Applies the configured fallback of a consensus not reached
    /// (facilitators): a majority vote, or escalation to the parent organisation.
    async fn apply_fallback(&self, ctx: &Context<'_>, proposal_id: ID) -> Result<Proposal> {
        let viewer = viewer(ctx)?;
        let state = state(ctx)?;
        let p =
            consensus::apply_fallback(state, viewer, parse_id(&proposal_id, "proposalId")?).await?;
        Proposal::load(ctx, p.id).await
    }

    /// Changes a proposal (its author or a facilitator) until it closes.
    async fn update_proposal(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateProposalInput,
    ) -> Result<Proposal> {
        let viewer = viewer(ctx)?;
        let state = state(ctx)?;
        let updated = proposals::update(
            state,
            viewer,
            parse_id(&id, "id")?,
            ProposalEdit {
                title: input.title,
                details: input.details,
                method: input.method,
                options: input.options,
                settings: input.settings.map(|s| s.0),
                quorum: input.quorum,
                closes_at: input.closes_at,
            },
        )
        .await?;
        Proposal::load(ctx, updated.id).await
    }

    /// Lifts the viewer's objection (consensus, consent) while voting is
    /// open: it becomes a reservation, its reason kept. A secret ballot's
    /// objection is found by its receipt.
    async fn lift_objection(
        &self,
        ctx: &Context<'_>,
        proposal_id: ID,
        receipt: Option<String>,
    ) -> Result<Proposal> {
        let viewer = viewer(ctx)?;
        let state = state(ctx)?;
        let p = consensus::lift_objection(
            state,
            viewer,
            parse_id(&proposal_id, "proposalId")?,
            receipt.as_deref(),
        )
        .await?;
        Proposal::load(ctx, p.id).await
    }

    /// Casts (or changes) the viewer's ballot.
    async fn cast_ballot(
        &self,
        ctx: &Context<'_>,
        input: CastBallotInput,
    ) -> Result<CastBallotPayload> {
        let viewer = viewer(ctx)?;
        let state = state(ctx)?;
        let proposal_id = parse_id(&input.proposal_id, "proposalId")?;
        let casted = casting::cast(
            state,
            viewer,
            Cast {
                proposal_id,
                ballot: input.ballot.0,
                reason: input.reason,
                receipt: input.receipt,
                for_account: input
                    .for_account_id
                    .map(|a| parse_id(&a, "forAccountId"))
                    .transpose()?,
            },
        )
        .await?;
        Ok(CastBallotPayload {
            proposal_id,
            changed: casted.changed,
            receipt: casted.receipt,
        })
    }

    /// Closes a proposal before its time (its author or a facilitator) and counts it.
    async fn close_proposal(&self, ctx: &Context<'_>, id: ID) -> Result<Proposal> {
        let viewer = viewer(ctx)?;
        let state = state(ctx)?;
        let closed = closing::close(state, viewer, parse_id(&id, "id")?).await?;
        Proposal::load(ctx, closed.id).await
    }

    /// Takes someone out of a vote (recusal), with the reason: the person
    /// themselves, or a facilitator; not once they have voted.
    async fn exclude_from_vote(
        &self,
        ctx: &Context<'_>,
        proposal_id: ID,
        account_id: ID,
        reason: Option<String>,
    ) -> Result<Proposal> {
        let viewer = viewer(ctx)?;
        let state = state(ctx)?;
        let proposal_id = parse_id(&proposal_id, "proposalId")?;
        proposals::exclude(
            state,
            viewer,
            proposal_id,
            parse_id(&account_id, "accountId")?,
            reason.as_deref(),
        )
        .await?;
        Proposal::load(ctx, proposal_id).await
    }
}

/// A proxy [procuration] given or held.
pub struct Proxy(proxy::Model);

#[Object]
impl Proxy {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn giver(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.0.giver_id).await
    }
    async fn holder(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.0.holder_id).await
    }
    /// The one proposal it is for; none for a period.
    async fn proposal_id(&self) -> Option<ID> {
        self.0.proposal_id.map(id)
    }
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    async fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.0.ends_at
    }
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
}

#[derive(InputObject)]
pub struct GiveProxyInput {
    pub organisation_id: ID,
    /// A member in good standing (for one proposal: in its electorate).
    pub holder_id: ID,
    /// For one proposal; for a period when absent.
    pub proposal_id: Option<ID>,
    /// The end of a period proxy; open-ended when absent.
    pub until: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct ProxyQuery;

#[Object]
impl ProxyQuery {
    /// The proxies the viewer gave and holds in an organisation, newest first.
    async fn proxies(&self, ctx: &Context<'_>, organisation_id: ID) -> Result<Vec<Proxy>> {
        let rows = proxies::of(
            &state(ctx)?.db,
            viewer(ctx)?,
            parse_id(&organisation_id, "organisationId")?,
        )
        .await?;
        Ok(rows.into_iter().map(Proxy).collect())
    }
}

#[derive(Default)]
pub struct ProxyMutation;

#[Object]
impl ProxyMutation {
    /// Gives one's vote to another member, for one proposal or for a period.
    async fn give_proxy(&self, ctx: &Context<'_>, input: GiveProxyInput) -> Result<Proxy> {
        let given = proxies::give(
            state(ctx)?,
            viewer(ctx)?,
            GiveProxy {
                organisation_id: parse_id(&input.organisation_id, "organisationId")?,
                holder_id: parse_id(&input.holder_id, "holderId")?,
                proposal_id: input
                    .proposal_id
                    .map(|p| parse_id(&p, "proposalId"))
                    .transpose()?,
                until: input.until,
            },
        )
        .await?;
        Ok(Proxy(given))
    }
    /// Takes back a proxy one gave, until the holder has voted with it.
    async fn revoke_proxy(&self, ctx: &Context<'_>, id: ID) -> Result<Proxy> {
        Ok(Proxy(
            proxies::revoke(state(ctx)?, viewer(ctx)?, parse_id(&id, "id")?).await?,
        ))
    }
}

/// A proposal as it changes: participation always, the result only when
/// the subscriber may see it.
#[derive(SimpleObject)]
pub struct ProposalLive {
    pub change: ProposalChange,
    pub status: Status,
    pub participation: Participation,
    /// Null while the results are hidden from this subscriber.
    pub result: Option<ProposalResult>,
}

/// How long a burst of ballots is gathered into one update.
const LIVE_COALESCE: Duration = Duration::from_millis(250);

#[derive(Default)]
pub struct ProposalSubscription;

#[Subscription]
impl ProposalSubscription {
    /// Participation as ballots arrive, and live results to those allowed
    /// to see them. A burst of ballots gives one update (at most four a
    /// second). Ends with an error when you may no longer see the proposal.
    async fn proposal_live(
        &self,
        ctx: &Context<'_>,
        proposal_id: ID,
    ) -> Result<impl Stream<Item = Result<ProposalLive>> + use<>> {
        let proposal_id = parse_id(&proposal_id, "proposalId")?;
        live::follow(ctx, LiveProposal(proposal_id)).await
    }
}

/// One proposal, followed live.
struct LiveProposal(Uuid);

impl Live for LiveProposal {
    /// The proposal as the subscriber sees it, read afresh at each update.
    type Right = proposals::Seen;
    type Item = ProposalLive;

    fn organisation(right: &proposals::Seen) -> Uuid {
        right.organisation.id
    }

    async fn check(
        &self,
        state: &AppState,
        viewer: Option<&ViewerData>,
    ) -> AppResult<proposals::Seen> {
        proposals::seen(&state.db, viewer, self.0).await
    }

    fn concern(&self, event: &Event) -> Concern {
        match event {
            // Its state, electorate and results move with every change.
            Event::Proposal { proposal_id, .. } if *proposal_id == self.0 => Concern::Recheck,
            _ => Concern::None,
        }
    }

    fn coalesce(&self) -> Option<Duration> {
        Some(LIVE_COALESCE)
    }

    /// A burst says what happened besides ballots (opened, closed…).
    fn merge(&self, kept: Event, next: Event) -> Event {
        match &next {
            Event::Proposal { change, .. } if *change != ProposalChange::BallotCast => next,
            _ => kept,
        }
    }

    async fn deliver(
        &self,
        state: &AppState,
        _: Option<&ViewerData>,
        seen: &proposals::Seen,
        event: Event,
    ) -> Option<ProposalLive> {
        let Event::Proposal { change, .. } = event else {
            return None;
        };
        let (voted, electorate) = proposals::participation(&state.db, &seen.proposal)
            .await
            .ok()?;
        let result = if seen.results_visible() {
            result_of(&state.db, &seen.proposal).await.ok()
        } else {
            None
        };
        Some(ProposalLive {
            change,
            status: seen.status(),
            participation: Participation::new(voted, electorate),
            result,
        })
    }
}
