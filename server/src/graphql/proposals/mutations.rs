//! Putting a question, casting, closing, counting in the room, ratifying.

use super::*;

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
