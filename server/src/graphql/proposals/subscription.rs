//! A proposal followed live.

use super::*;

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
