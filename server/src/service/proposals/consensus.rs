//! The consensus and consent flow: argued objections are listed, and an
//! objector may lift theirs while voting is open — even where votes cannot
//! otherwise change, since lifting an objection is what the debate is for.

use sea_orm::QuerySelect;
use sea_orm::prelude::*;
use serde_json::Value;

use super::{Seen, proposal_not_found, seen};
use crate::domain::proposal::{self, is_objection};
use crate::domain::token;
use crate::entity::{ballot, proposal as entity, secret_ballot};
use crate::error::{AppError, AppResult};
use crate::events::ProposalChange;
use crate::service::now;
use crate::service::sessions::Viewer;
use crate::state::AppState;
use crate::{db, text};

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
pub async fn objections(
    conn: &impl ConnectionTrait,
    p: &entity::Model,
) -> AppResult<Vec<Objection>> {
    if !matches!(p.method.as_str(), "consensus" | "consent") {
        return Ok(Vec::new());
    }
    Ok(if p.secret {
        secret_ballot::Entity::find()
            .filter(secret_ballot::Column::ProposalId.eq(p.id))
            .filter(secret_ballot::Column::Round.eq(p.round))
            .all(conn)
            .await?
            .into_iter()
            .filter(|b| is_objection(&p.method, &b.choice))
            .map(|b| Objection {
                objector: None,
                reason: reason_of(&b.choice),
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
    let txn = db::begin_write(&state.db).await?;
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
        let found = secret_ballot::Entity::find()
            .filter(secret_ballot::Column::ProposalId.eq(p.id))
            .filter(secret_ballot::Column::Round.eq(p.round))
            .filter(secret_ballot::Column::ReceiptHash.eq(token::hash(receipt)))
            .one(&txn)
            .await?
            .filter(|b| is_objection(&p.method, &b.choice))
            .ok_or_else(no_objection)?;
        secret_ballot::Entity::update_many()
            .col_expr(
                secret_ballot::Column::Choice,
                Expr::value(lifted(found.choice)),
            )
            .filter(secret_ballot::Column::ProposalId.eq(p.id))
            .filter(secret_ballot::Column::Id.eq(found.id))
            .exec(&txn)
            .await?;
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
    txn.commit().await?;
    super::publish(state, &p, ProposalChange::BallotCast);
    Ok(p)
}
