//! What a vote gave: participation, the result, rounds, objections, named ballots, the electorate.

use super::*;

/// Participation in a vote.
#[derive(SimpleObject)]
pub struct Participation {
    pub voted: u64,
    pub electorate: u64,
    pub percent: f64,
}

impl Participation {
    pub(super) fn new(voted: u64, electorate: u64) -> Self {
        Participation {
            voted,
            electorate,
            percent: crate::domain::decision::fraction::percent(voted, electorate),
        }
    }
}

/// What the decision engine concluded (as `plenum tally` prints it).
pub struct ProposalResult {
    pub(super) outcome: Outcome,
    pub(super) export_sha256: Option<String>,
    pub(super) provisional: bool,
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
pub struct ProposalRound {
    pub(super) round: crate::entity::proposal_round::Model,
    /// Whether the viewer may see the round's count.
    pub(super) counted: bool,
}

#[Object]
impl ProposalRound {
    async fn round(&self) -> i32 {
        self.round.round
    }
    async fn details(&self) -> &str {
        &self.round.details_source
    }
    async fn details_html(&self) -> &str {
        &self.round.details_html
    }
    /// The positions taken in that round, counted: null while the
    /// proposal's results are hidden from the viewer, and for a secret vote
    /// until it closes.
    async fn result(&self) -> Option<ProposalResult> {
        self.counted.then(|| ProposalResult {
            outcome: self.round.outcome.clone(),
            export_sha256: None,
            provisional: false,
        })
    }
    async fn amended_by(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.round.amended_by).await
    }
    async fn amendment_reason(&self) -> &str {
        &self.round.amendment_reason
    }
    async fn amended_at(&self) -> DateTime<Utc> {
        self.round.amended_at
    }
}

/// An objection standing.
pub struct Objection(pub(super) consensus::Objection);

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
pub struct NamedBallot(pub(super) ballot::Model);

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

/// A secret ballot, as its voter finds it with their receipt.
pub struct BallotCheck(pub(super) crate::service::proposals::ballot_box::Checked);

#[Object]
impl BallotCheck {
    /// What the ballot file prints beside this ballot (derived from the
    /// receipt; it names no one).
    async fn tracker(&self) -> &str {
        &self.0.tracker
    }
    /// The ballot as it is counted.
    async fn choice(&self) -> Json<Value> {
        Json(self.0.choice.clone())
    }
    /// The round it was cast in (an amended consensus has several).
    async fn round(&self) -> i32 {
        self.0.round
    }
    /// In the published ballot file (the vote is closed and this is its
    /// last round); false while the vote is open: the ballot is sealed.
    async fn in_ballot_file(&self) -> bool {
        self.0.in_ballot_file
    }
}

/// One person of a proposal's electorate.
pub struct Elector(pub(super) elector::Model);

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
