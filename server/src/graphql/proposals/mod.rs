//! Proposals in GraphQL: putting a question to a decision, casting, closing,
//! results.

mod mutations;
mod proxy_objects;
mod results;
mod subscription;

pub use mutations::*;
pub use proxy_objects::*;
pub use results::*;
pub use subscription::*;

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
    self, NewProposal, ProposalEdit, Seen, ballot_box, closing, results_visibility,
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
    /// A voter's check of their own secret ballot, with the receipt given
    /// when they voted: the ballot as it stands (sealed while the vote is
    /// open), and its tracker — the ballot file of the closed vote prints
    /// it beside that ballot, so `plenum tally --verify RECEIPT FILE` finds
    /// it there too. `FORBIDDEN` for a receipt that matches no ballot of
    /// this proposal.
    async fn ballot_check(&self, ctx: &Context<'_>, receipt: String) -> Result<BallotCheck> {
        let state = state(ctx)?;
        let checked =
            ballot_box::check(&state.db, &state.ballot_key, &self.0.proposal, &receipt).await?;
        Ok(BallotCheck(checked))
    }
    /// A summary of a closed proposal for secretaries, as CSV, in the reader's language.
    async fn summary_csv(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(closing::summary_csv(&state(ctx)?.db, &self.0, request(ctx)?.locale).await?)
    }
    /// Argued objections standing in the current round (consensus and
    /// consent): listed for all who may see the proposal, so that they can be
    /// discussed; the objector is named only in a named vote.
    async fn objections(&self, ctx: &Context<'_>) -> Result<Vec<Objection>> {
        let state = state(ctx)?;
        let rows = consensus::objections(&state.db, &state.ballot_key, &self.0.proposal).await?;
        Ok(rows.into_iter().map(Objection).collect())
    }
    /// Earlier rounds of an amended proposal, oldest first: their text and
    /// the count of the positions taken on it.
    async fn rounds(&self, ctx: &Context<'_>) -> Result<Vec<ProposalRound>> {
        let rows = consensus::rounds(&state(ctx)?.db, &self.0.proposal).await?;
        let counted = self.0.round_results_visible();
        Ok(rows
            .into_iter()
            .map(|round| ProposalRound { round, counted })
            .collect())
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
    Ok(ProposalResult {
        outcome: closing::result(db, p).await?,
        export_sha256: p.export_sha256.clone(),
        provisional: p.closed_at.is_none(),
    })
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
        let seen = consensus::escalations(&state.db, maybe_viewer(ctx), organisation_id).await?;
        Ok(seen.into_iter().map(Proposal).collect())
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
