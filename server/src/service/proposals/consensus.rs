//! The consensus and consent flow: argued objections are listed, and an
//! objector may lift theirs while voting is open — even where votes cannot
//! otherwise change, since lifting an objection is what the debate is for. A
//! facilitator may amend the proposal (a new round; the earlier ones are
//! kept with the positions taken), record that the consensus was checked,
//! or apply the configured fallback when it was not reached.

use sea_orm::ActiveValue::Set;
use sea_orm::prelude::*;
use sea_orm::{QuerySelect, StreamTrait};
use serde_json::Value;

use super::{Seen, ballot_box, proposal_not_found, seen};
use crate::domain::ballot_box::BoxKey;
use crate::domain::proposal::{self, is_objection};

use crate::domain::decision::Spec;
use crate::domain::decision::consensus::Fallback;
use crate::entity::{ballot, elector, proposal as entity, proposal_round};
use crate::error::{AppError, AppResult};
use crate::events::ProposalChange;
use crate::service::now;
use crate::service::sessions::Viewer;
use crate::state::AppState;
use crate::text;

/// An objection standing in the current round.
pub struct Objection {
    /// The objector, for named votes only.
    pub objector: Option<Uuid>,
    pub reason: String,
}

fn reason_of(choice: &Value) -> String {
    choice
        .get("reason")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The objections standing in the current round of a consensus or consent
/// proposal, for everyone who may see it: they are there to be discussed.
pub async fn objections<C>(conn: &C, key: &BoxKey, p: &entity::Model) -> AppResult<Vec<Objection>>
where
    C: ConnectionTrait + StreamTrait,
{
    if !matches!(p.method.as_str(), "consensus" | "consent") {
        return Ok(Vec::new());
    }
    Ok(if p.secret {
        // Sealed while open, in the box once closed.
        let choices: Vec<Value> = if p.closed_at.is_none() {
            ballot_box::contents(conn, key, p)
                .await?
                .into_iter()
                .map(|c| c.choice)
                .collect()
        } else {
            ballot_box::opened_ballots(conn, p.id, p.round)
                .await?
                .lines()
                .filter_map(|line| {
                    let mut ballot = serde_json::from_str::<Value>(line).ok()?;
                    if let Some(fields) = ballot.as_object_mut() {
                        fields.remove(crate::domain::decision::file::TRACKER);
                    }
                    Some(ballot)
                })
                .collect()
        };
        choices
            .into_iter()
            .filter(|choice| is_objection(&p.method, choice))
            .map(|choice| Objection {
                objector: None,
                reason: reason_of(&choice),
            })
            .collect()
    } else {
        ballot::Entity::find()
            .filter(ballot::Column::ProposalId.eq(p.id))
            .filter(ballot::Column::Round.eq(p.round))
            .all(conn)
            .await?
            .into_iter()
            .filter(|b| is_objection(&p.method, &b.choice))
            .map(|b| Objection {
                objector: Some(b.voter_id),
                reason: reason_of(&b.choice),
            })
            .collect()
    })
}

/// Lifts the viewer's objection: it becomes a reservation, its reason kept.
/// A secret ballot is found by its receipt.
pub async fn lift_objection(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    receipt: Option<&str>,
) -> AppResult<entity::Model> {
    let txn = state.write().await?;
    let p = entity::Entity::find_by_id(id)
        .lock_shared()
        .one(&txn)
        .await?
        .ok_or_else(proposal_not_found)?;
    let seen: Seen = seen(&txn, Some(viewer), id).await?;
    let status = seen.status();
    if !proposal::accepts_ballots(status, p.closes_at, now()) {
        return Err(proposal::poll_closed(status));
    }
    let no_objection = || {
        AppError::conflict(text!(
            en: "You have no objection standing on this proposal.",
            fr: "Vous n'avez pas d'objection en cours sur cette proposition."
        ))
    };
    let lifted = |mut choice: Value| {
        choice["position"] = Value::String("reservations".into());
        choice
    };
    if p.secret {
        let receipt = receipt.filter(|r| !r.trim().is_empty()).ok_or_else(|| {
            AppError::validation(
                "receipt",
                text!(en: "A secret objection is lifted with the receipt of its ballot.", fr: "Une objection secrète se lève avec le reçu de son vote."),
            )
        })?;
        let mut found = ballot_box::find(&txn, &state.ballot_key, &p, receipt)
            .await?
            .filter(|found| found.is_of(&state.ballot_key, &p, viewer.id()))
            .ok_or_else(super::casting::unknown_receipt)?;
        if !is_objection(&p.method, &found.content.choice) {
            return Err(no_objection());
        }
        found.content.choice = lifted(found.content.choice);
        ballot_box::replace(&txn, &state.ballot_key, &p, &found).await?;
    } else {
        let found = ballot::Entity::find()
            .filter(ballot::Column::ProposalId.eq(p.id))
            .filter(ballot::Column::Round.eq(p.round))
            .filter(ballot::Column::VoterId.eq(viewer.id()))
            .one(&txn)
            .await?
            .filter(|b| is_objection(&p.method, &b.choice))
            .ok_or_else(no_objection)?;
        ballot::Entity::update_many()
            .col_expr(ballot::Column::Choice, Expr::value(lifted(found.choice)))
            .col_expr(ballot::Column::ChangedAt, Expr::value(Some(now())))
            .filter(ballot::Column::Id.eq(found.id))
            .exec(&txn)
            .await?;
    }
    super::publish(&txn, &p, ProposalChange::BallotCast);
    txn.commit().await?;
    Ok(p)
}

fn require_consensus_method(p: &entity::Model) -> AppResult<()> {
    if matches!(p.method.as_str(), "consensus" | "consent") {
        Ok(())
    } else {
        Err(AppError::conflict(text!(
            en: "Only a consensus or consent proposal does this.",
            fr: "Seule une proposition au consensus ou au consentement le permet."
        )))
    }
}

/// The proposal's row locked, as a facilitator sees it.
async fn steered_by_facilitator(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<Seen> {
    entity::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(proposal_not_found)?;
    let seen = seen(txn, Some(viewer), id).await?;
    if !seen.moderates() {
        return Err(AppError::forbidden(text!(
            en: "Only facilitators amend, check or carry on a consensus.",
            fr: "Seuls les facilitateurs amendent, constatent ou prolongent un consensus."
        )));
    }
    require_consensus_method(&seen.proposal)?;
    Ok(seen)
}

/// Amends an open consensus or consent proposal: its new text opens a new
/// round; the previous text and the positions taken on it are kept, and
/// everyone votes again.
pub async fn amend(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    details: &str,
    reason: Option<&str>,
) -> AppResult<entity::Model> {
    let reason = crate::domain::forum::parse_reason(reason)?;
    let details = proposal::parse_details(details, state.settings.forum.max_body_bytes)?;
    let txn = state.write().await?;
    let seen = steered_by_facilitator(&txn, viewer, id).await?;
    let p = seen.proposal.clone();
    let status = seen.status();
    if !proposal::accepts_ballots(status, p.closes_at, now()) {
        return Err(proposal::poll_closed(status));
    }
    // The round's box is opened and counted; the next round starts empty.
    let file = super::closing::end_round(&txn, state, &p).await?;
    let outcome = super::closing::count(&file)?;
    proposal_round::ActiveModel {
        proposal_id: Set(p.id),
        round: Set(p.round),
        details_source: Set(p.details_source.clone()),
        details_html: Set(p.details_html.clone()),
        outcome: Set(outcome),
        amended_by: Set(viewer.id()),
        amendment_reason: Set(reason),
        amended_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    elector::Entity::update_many()
        .col_expr(elector::Column::Voted, Expr::value(false))
        .col_expr(
            elector::Column::ProxyHolderId,
            Expr::value(Option::<Uuid>::None),
        )
        .filter(elector::Column::ProposalId.eq(p.id))
        .exec(&txn)
        .await?;
    let rendered = crate::service::forum::posts::render(&txn, &seen.organisation, &details).await?;
    let mut active: entity::ActiveModel = p.clone().into();
    active.round = Set(p.round + 1);
    active.details_source = Set(details);
    active.details_html = Set(rendered.html);
    let amended = active.update(&txn).await?;
    ballot_box::forget_live(&txn, p.id).await?;
    super::publish(&txn, &amended, ProposalChange::Amended);
    txn.commit().await?;
    if amended.secret {
        ballot_box::forget(state, &amended);
    }
    Ok(amended)
}

/// The earlier rounds of a proposal, oldest first.
pub async fn rounds(
    conn: &impl ConnectionTrait,
    p: &entity::Model,
) -> AppResult<Vec<proposal_round::Model>> {
    use sea_orm::QueryOrder;
    Ok(proposal_round::Entity::find()
        .filter(proposal_round::Column::ProposalId.eq(p.id))
        .order_by_asc(proposal_round::Column::Round)
        .all(conn)
        .await?)
}

/// Records that a facilitator checked the consensus of a closed proposal.
pub async fn check(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    note: Option<&str>,
) -> AppResult<entity::Model> {
    let txn = state.write().await?;
    let seen = steered_by_facilitator(&txn, viewer, id).await?;
    if seen.proposal.closed_at.is_none() {
        return Err(AppError::conflict(text!(
            en: "The consensus is checked once the proposal is closed.",
            fr: "Le consensus se constate une fois la proposition close."
        )));
    }
    if seen.proposal.consensus_checked_at.is_some() {
        return Err(AppError::conflict(text!(
            en: "This consensus has already been checked.",
            fr: "Ce consensus a déjà été constaté."
        )));
    }
    let status = seen
        .proposal
        .result
        .as_ref()
        .and_then(|r| r.status.as_deref());
    if status != Some("reached") {
        return Err(AppError::conflict(text!(
            en: "The consensus was not reached: there is nothing to check. Amend the proposal to address the objections, or apply its fallback.",
            fr: "Le consensus n'a pas été atteint : il n'y a rien à constater. Amendez la proposition pour répondre aux objections, ou appliquez son recours."
        )));
    }
    let mut active: entity::ActiveModel = seen.into_subject().proposal.into();
    active.consensus_checked_at = Set(Some(now()));
    active.consensus_checked_by = Set(Some(viewer.id()));
    active.consensus_check_note = Set(note
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned));
    let checked = active.update(&txn).await?;
    // A designation by consensus concludes once the consensus is checked.
    super::concluded(&txn, &checked).await?;
    txn.commit().await?;
    Ok(checked)
}

/// Applies the fallback configured for a consensus not reached: a majority
/// vote among the same electorate rule (a new proposal, open at once), or
/// escalation to the parent organisation, whose assembly takes up the
/// matter (listed there by `escalations`).
pub async fn apply_fallback(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<entity::Model> {
    let txn = state.write().await?;
    let seen = steered_by_facilitator(&txn, viewer, id).await?;
    let p = seen.proposal.clone();
    if p.fallback_proposal_id.is_some() || p.escalated_to.is_some() {
        return Err(AppError::conflict(text!(
            en: "The fallback has already been applied.",
            fr: "Le recours a déjà été appliqué."
        )));
    }
    let fallback = p
        .result
        .as_ref()
        .map(|r| r.details["fallback"].clone())
        .filter(|f| !f.is_null())
        .and_then(|f| serde_json::from_value::<Fallback>(f).ok())
        .ok_or_else(|| {
            AppError::conflict(text!(
                en: "There is no fallback to apply: the proposal is open, the consensus was reached, or no fallback is configured.",
                fr: "Il n'y a pas de recours à appliquer : la proposition est ouverte, le consensus est atteint, ou aucun recours n'est prévu."
            ))
        })?;
    let mut active: entity::ActiveModel = p.clone().into();
    match fallback {
        Fallback::Majority { threshold } => {
            let spec = Spec {
                method: "majority".into(),
                options: Vec::new(),
                settings: serde_json::json!({ "threshold": threshold }),
                electorate: None,
            };
            let at = now();
            let mut row = super::new_row(super::Question {
                organisation_id: p.organisation_id,
                thread_id: p.thread_id,
                author_id: viewer.id(),
                title: p.title.clone(),
                details: p.details_source.clone(),
                details_html: p.details_html.clone(),
                spec: &spec,
                at,
            });
            row.electorate_rule = Set(p.electorate_rule);
            row.listed = Set(p.listed.clone());
            row.secret = Set(p.secret);
            row.results_visibility = Set(p.results_visibility);
            row.reasons = Set(p.reasons);
            row.urgent = Set(p.urgent);
            row.needs_ratification = Set(p.needs_ratification);
            // The same body decides, on the same grounds; a designation
            // goes on designating.
            row.body_id = Set(p.body_id);
            row.binding = Set(p.binding);
            row.scope = Set(p.scope.clone());
            row.forwarded_to = Set(p.forwarded_to);
            row.designation_call_id = Set(p.designation_call_id);
            row.designation_holders = Set(p.designation_holders.clone());
            row.meeting_id = Set(p.meeting_id);
            row.agenda_item_id = Set(p.agenda_item_id);
            row.closes_at = Set(at + (p.closes_at - p.opens_at).max(chrono::Duration::days(1)));
            let vote = super::open(&txn, row.insert(&txn).await?, &seen.organisation).await?;
            active.fallback_proposal_id = Set(Some(vote.id));
        }
        Fallback::Escalate => {
            let Some(parent) = seen.organisation.parent_id else {
                return Err(AppError::conflict(text!(
                    en: "This organisation has no parent to escalate to.",
                    fr: "Cette organisation n'a pas d'organisation parente vers qui remonter."
                )));
            };
            active.escalated_to = Set(Some(parent));
            active.escalated_at = Set(Some(now()));
        }
    }
    let applied = active.update(&txn).await?;
    txn.wake_scheduler();
    txn.commit().await?;
    Ok(applied)
}

/// Matters escalated to an organisation by its children, oldest first, for
/// the organisation's people.
///
/// Seen from the parent: its people read the matter, they do not steer the
/// child's proposal (no reader, no elector of it).
pub async fn escalations(
    conn: &impl ConnectionTrait,
    viewer: Option<&Viewer>,
    organisation_id: Uuid,
) -> AppResult<Vec<super::Seen>> {
    use sea_orm::QueryOrder;
    let organisation = crate::service::organisations::get(conn, organisation_id).await?;
    let allowed = crate::service::access::reader(conn, &organisation, viewer)
        .await?
        .is_some();
    if !allowed {
        return Err(AppError::forbidden(text!(
            en: "Only the organisation's people see what was escalated to it.",
            fr: "Seules les personnes de l'organisation voient ce qui lui est remonté."
        )));
    }
    let rows = entity::Entity::find()
        .filter(entity::Column::EscalatedTo.eq(organisation_id))
        .order_by_asc(entity::Column::EscalatedAt)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|proposal| {
            let proposal = super::Proposal {
                proposal,
                elector: None,
            };
            super::Seen::when(allowed, proposal, organisation.clone(), None)
        })
        .collect())
}
