//! Casting a ballot: one per elector, validated by the method, changed until
//! closing when the proposal allows it, in one's own name or with a proxy.
//!
//! A named ballot is stored with its voter. A secret ballot is sealed into
//! the proposal's ballot box (`ballot_box`): no person, no time, encrypted
//! with a key the database does not hold; participation is recorded apart,
//! as `elector.voted`. The voter receives a receipt (shown once, stored only
//! as a hash beside the sealed ballot) which alone lets them change that
//! ballot, and later find it in the ballot file by its tracker.
//!
//! Concurrency: the transaction first reads the proposal `FOR SHARE`
//! (PostgreSQL; SQLite serialises writers), so closing — which updates that
//! row — waits for ballots under way and ballots wait for a closing under
//! way: a ballot either counts or is refused with `POLL_CLOSED`. The
//! elector's row is then claimed with `voted = false → true` (which also
//! proves the voter eligible and not excluded): of two concurrent ballots of
//! one person, exactly one claims it.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, QuerySelect};
use serde_json::Value;

use std::sync::Arc;

use super::{ballot_box, proposal_not_found, proxies, reason_policy, spec_of};
use crate::domain::ballot_box::BoxKey;
use crate::domain::decision;
use crate::domain::proposal::{
    self, ResultsVisibility, ballot_with_reason, check_reason, is_objection,
};
use crate::domain::token::{self, TokenKind};
use crate::entity::{ballot, elector, proposal as entity};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::events::ProposalChange;
use crate::service::batch::{self, Batched, WriteQueue};
use crate::service::sessions::Viewer;
use crate::service::{new_id, now};
use crate::state::AppState;
use crate::text;
use crate::write::Unit;

pub struct Cast {
    pub proposal_id: Uuid,
    /// The ballot as the method reads it, e.g. `{"choice": "yes"}`.
    pub ballot: Value,
    pub reason: Option<String>,
    /// To change a secret ballot: the receipt given when it was cast.
    pub receipt: Option<String>,
    /// Voting with a proxy: the person who gave it.
    pub for_account: Option<Uuid>,
}

pub struct Casted {
    /// A ballot replaced an earlier one.
    pub changed: bool,
    /// For a new secret ballot: the receipt, shown this once.
    pub receipt: Option<String>,
}

fn not_eligible(by_proxy: bool) -> AppError {
    AppError::new(
        ErrorCode::NotEligible,
        if by_proxy {
            text!(
                en: "The person who gave you their proxy is not in the electorate of this proposal.",
                fr: "La personne qui vous a donné procuration ne fait pas partie du corps électoral de cette proposition."
            )
        } else {
            text!(
                en: "You are not in the electorate of this proposal: it was fixed when voting opened.",
                fr: "Vous ne faites pas partie du corps électoral de cette proposition : il a été arrêté à l'ouverture du vote."
            )
        },
    )
}

/// A receipt that opens no ballot of this proposal: forged, mistyped, or
/// another vote's. Refused, as a key that does not fit.
pub fn unknown_receipt() -> AppError {
    AppError::forbidden(text!(
        en: "This receipt matches no ballot of this proposal.",
        fr: "Ce reçu ne correspond à aucun vote de cette proposition."
    ))
}

/// Checks a ballot against the method and the reasons policy; gives the
/// ballot to store and the reason to keep.
pub fn check_ballot(
    p: &entity::Model,
    ballot: Value,
    reason: Option<&str>,
) -> AppResult<(Value, Option<String>)> {
    let ballot = ballot_with_reason(&p.method, ballot, reason);
    let tally = decision::start(&spec_of(p)).map_err(|e| AppError::validation("ballot", e))?;
    if let Err(refusal) = tally.check_json(&ballot) {
        return Err(if refusal.reason_required {
            AppError::new(ErrorCode::ReasonRequired, refusal.message)
        } else {
            AppError::validation("ballot", refusal.message)
        });
    }
    let reason = check_reason(reason_policy(p), is_objection(&p.method, &ballot), reason)?;
    Ok((ballot, reason))
}

/// The elector whose ballot this is, refused with `NOT_ELIGIBLE` when
/// outside the electorate or excluded from it.
async fn elector_of(
    conn: &impl ConnectionTrait,
    proposal_id: Uuid,
    account_id: Uuid,
    by_proxy: bool,
) -> AppResult<elector::Model> {
    let elector = elector::Entity::find_by_id((proposal_id, account_id))
        .one(conn)
        .await?
        .ok_or_else(|| not_eligible(by_proxy))?;
    if let Some(why) = &elector.excluded_reason {
        return Err(AppError::new(
            ErrorCode::NotEligible,
            text!(en: "Excluded from this vote: {why}", fr: "Exclu·e de ce vote : {why}"),
        ));
    }
    Ok(elector)
}

/// A ballot waiting for its batch: casting is group-committed (`service::batch`).
pub struct PendingBallot {
    viewer_id: Uuid,
    input: Cast,
    key: Arc<BoxKey>,
    live_step: u32,
}

/// What a batch of ballots learns as it goes: each proposal, read once (and
/// `FOR SHARE`, so a closing waits for the batch), and those that got a ballot.
#[derive(Default)]
pub struct Casting {
    proposals: HashMap<Uuid, Option<entity::Model>>,
    counted: HashSet<Uuid>,
    /// New ballots (not changes) per proposal.
    cast: HashMap<Uuid, u64>,
    /// The ballot-box key and `ballots.live_step`, from the batch's jobs.
    sealing: Option<(Arc<BoxKey>, u32)>,
}

impl Batched for PendingBallot {
    type Output = Casted;
    type Context = Casting;

    fn queue(state: &AppState) -> &WriteQueue<Self> {
        &state.ballots
    }

    async fn finish<'a>(txn: &'a Unit, context: &'a mut Casting) -> AppResult<()> {
        // A secret vote whose results show while open: its snapshot, in
        // steps (in the order of the proposals' ids, as every batch takes them).
        let Some((key, step)) = &context.sealing else {
            return Ok(());
        };
        let mut cast: Vec<_> = context.cast.iter().collect();
        cast.sort();
        for (id, &n) in cast {
            if let Some(Some(p)) = context.proposals.get(id)
                && p.secret
                && p.results_visibility != ResultsVisibility::AfterClosing
            {
                ballot_box::refresh_live(txn, key, *step, p, n).await?;
            }
        }
        Ok(())
    }

    async fn write<'a>(&'a self, txn: &'a Unit, context: &'a mut Casting) -> AppResult<Casted> {
        let id = self.input.proposal_id;
        let p = match context.proposals.entry(id) {
            Entry::Occupied(found) => found.into_mut(),
            Entry::Vacant(slot) => slot.insert(
                entity::Entity::find_by_id(id)
                    .lock_shared()
                    .one(txn)
                    .await?,
            ),
        };
        let p = p.as_ref().ok_or_else(proposal_not_found)?;
        let casted = cast_one(txn, &self.key, p, self.viewer_id, &self.input).await?;
        context.counted.insert(p.id);
        context
            .sealing
            .get_or_insert_with(|| (self.key.clone(), self.live_step));
        if !casted.changed {
            *context.cast.entry(p.id).or_default() += 1;
        }
        Ok(casted)
    }

    fn announce(txn: &Unit, context: &Casting) {
        for id in &context.counted {
            if let Some(Some(p)) = context.proposals.get(id) {
                super::publish(txn, p, ProposalChange::BallotCast);
            }
        }
    }
}

/// Casts a ballot, answering once it is committed.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), proposal = %input.proposal_id))]
pub async fn cast(state: &AppState, viewer: &Viewer, input: Cast) -> AppResult<Casted> {
    let viewer_id = viewer.id();
    let proposal_id = input.proposal_id;
    let pending = PendingBallot {
        viewer_id,
        input,
        key: state.ballot_key.clone(),
        live_step: state.settings.ballots.live_step,
    };
    let casted = batch::submit(state, pending).await;
    if casted
        .as_ref()
        .is_err_and(|e| e.code == ErrorCode::NotEligible)
    {
        // Outside the electorate: told so only if they may see the proposal
        // (otherwise `NOT_FOUND`, as for an unknown one).
        super::seen(&state.db, Some(viewer), proposal_id).await?;
    }
    casted
}

/// One ballot, inside its batch's transaction. A refusal writes nothing.
async fn cast_one(
    txn: &Unit,
    key: &BoxKey,
    p: &entity::Model,
    viewer_id: Uuid,
    input: &Cast,
) -> AppResult<Casted> {
    let voter = input.for_account.unwrap_or(viewer_id);
    let by_proxy = voter != viewer_id;
    let status = proposal::status(p.opened_at, p.closed_at);
    if !proposal::accepts_ballots(status, p.closes_at, now()) {
        return Err(proposal::poll_closed(status));
    }
    let (choice, reason) = check_ballot(p, input.ballot.clone(), input.reason.as_deref())?;
    if by_proxy {
        // The holder votes too: they must be in the electorate themselves.
        elector_of(txn, p.id, viewer_id, false).await?;
        proxies::require_usable(txn, p, voter, viewer_id).await?;
    }
    // A receipt names a secret ballot to change; before the first there is
    // none. Taking a made-up one silently would let the voter believe it
    // works. (Refused before anything is written, as a batch requires.)
    if p.secret
        && input
            .receipt
            .as_deref()
            .is_some_and(|r| !r.trim().is_empty())
        && !elector_of(txn, p.id, voter, by_proxy).await?.voted
    {
        return Err(AppError::validation(
            "receipt",
            text!(en: "There is no ballot to change yet: vote without a receipt.", fr: "Il n'y a pas encore de vote à modifier : votez sans reçu."),
        ));
    }
    let claimed = elector::Entity::update_many()
        .col_expr(elector::Column::Voted, Expr::value(true))
        .col_expr(
            elector::Column::ProxyHolderId,
            Expr::value(by_proxy.then_some(viewer_id)),
        )
        .filter(elector::Column::ProposalId.eq(p.id))
        .filter(elector::Column::AccountId.eq(voter))
        .filter(elector::Column::Voted.eq(false))
        .filter(elector::Column::ExcludedReason.is_null())
        .exec(txn)
        .await?
        .rows_affected
        == 1;
    if !claimed {
        // Not in the electorate, excluded from it, or voted already. A vote
        // cast with a proxy is the holder's to change, and a vote cast in
        // person is its voter's: neither overrides the other.
        let cast_by = elector_of(txn, p.id, voter, by_proxy)
            .await?
            .proxy_holder_id;
        if cast_by != by_proxy.then_some(viewer_id) {
            return Err(AppError::conflict(if by_proxy {
                text!(en: "This person has already voted.", fr: "Cette personne a déjà voté.")
            } else {
                text!(en: "Your vote was cast by the holder of your proxy.", fr: "Votre vote a été exprimé par la personne qui détient votre procuration.")
            }));
        }
    }
    let casted = match (claimed, p.secret) {
        (true, false) => {
            ballot::ActiveModel {
                id: Set(new_id()),
                proposal_id: Set(p.id),
                voter_id: Set(voter),
                round: Set(p.round),
                cast_by: Set(viewer_id),
                choice: Set(choice),
                reason: Set(reason),
                cast_at: Set(now()),
                changed_at: Set(None),
            }
            .insert(txn)
            .await?;
            Casted {
                changed: false,
                receipt: None,
            }
        }
        (true, true) => {
            let receipt = token::generate(TokenKind::Receipt);
            ballot_box::insert(txn, key, p, voter, choice, reason, &receipt).await?;
            Casted {
                changed: false,
                receipt: Some(receipt),
            }
        }
        (false, _) if !p.changeable => {
            return Err(AppError::conflict(text!(
                en: "This vote has already been cast, and this proposal does not allow changing a vote.",
                fr: "Ce vote a déjà été exprimé, et cette proposition ne permet pas de changer de vote."
            )));
        }
        (false, false) => {
            ballot::Entity::update_many()
                .col_expr(ballot::Column::Choice, Expr::value(choice))
                .col_expr(ballot::Column::Reason, Expr::value(reason))
                .col_expr(ballot::Column::CastBy, Expr::value(viewer_id))
                .col_expr(ballot::Column::ChangedAt, Expr::value(Some(now())))
                .filter(ballot::Column::ProposalId.eq(p.id))
                .filter(ballot::Column::Round.eq(p.round))
                .filter(ballot::Column::VoterId.eq(voter))
                .exec(txn)
                .await?;
            Casted {
                changed: true,
                receipt: None,
            }
        }
        (false, true) => {
            let Some(receipt) = input.receipt.as_deref().filter(|r| !r.trim().is_empty()) else {
                return Err(AppError::conflict(text!(
                    en: "This vote has already been cast. A secret ballot can only be changed with the receipt given when it was cast.",
                    fr: "Ce vote a déjà été exprimé. Un vote secret ne se change qu'avec le reçu remis lors du vote."
                )));
            };
            let mut sealed = ballot_box::find(txn, key, p, receipt)
                .await?
                .filter(|sealed| sealed.is_of(key, p, voter))
                .ok_or_else(unknown_receipt)?;
            sealed.content.choice = choice;
            sealed.content.reason = reason;
            ballot_box::replace(txn, key, p, &sealed).await?;
            Casted {
                changed: true,
                receipt: None,
            }
        }
    };
    Ok(casted)
}
