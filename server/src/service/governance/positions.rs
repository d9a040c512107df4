//! Positions: what a body fills by designation — one mandate, or a pair
//! under a parity rule checked against the holders' self-declared gender.

use chrono::NaiveDate;
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, QueryOrder};

use super::mandates::{self, Held, NewMandate};
use super::{Grounds, is_facilitator};
use crate::domain::account::{Gender, parse_name};
use crate::domain::designation::Outcome;
use crate::domain::governance::{ParityRule, UndeclaredGender, check_parity, parse_scope};
use crate::domain::organisation::parse_description;
use crate::entity::designation_call;
use crate::entity::{organisation, position};
use crate::error::{AppError, AppResult};
use crate::service::sessions::Viewer;
use crate::service::{accounts, memberships, new_id, now, organisations};
use crate::state::AppState;
use crate::text;

pub struct NewPosition {
    pub body_id: Uuid,
    pub title: String,
    pub description: String,
    /// The qualities sought, as the body agreed them.
    pub qualities: Vec<String>,
    pub scope: Vec<String>,
    /// 1, or 2 for a pair.
    pub seats: i32,
    pub parity: ParityRule,
}

fn position_not_found() -> AppError {
    AppError::not_found(text!(en: "No such position.", fr: "Ce poste n'existe pas."))
}

pub fn parity_of(p: &position::Model) -> ParityRule {
    p.parity
}

/// Opens a position in a body (facilitators).
#[tracing::instrument(skip_all, fields(account = %viewer.id(), body = %input.body_id))]
pub async fn create(
    state: &AppState,
    viewer: &Viewer,
    input: NewPosition,
) -> AppResult<position::Model> {
    let title = parse_name(&input.title, "title", 120)?;
    let description = parse_description(&input.description)?;
    let scope = parse_scope(&input.scope)?;
    let qualities = input
        .qualities
        .iter()
        .map(|q| parse_name(q, "qualities", 200))
        .collect::<AppResult<Vec<_>>>()?;
    let seats = match input.seats {
        1 | 2 => input.seats as i16,
        _ => {
            return Err(AppError::validation(
                "seats",
                text!(en: "A position has one holder, or two for a pair.", fr: "Un poste a une personne titulaire, ou deux pour un binôme."),
            ));
        }
    };
    if seats == 1 && input.parity != ParityRule::None {
        return Err(AppError::validation(
            "parity",
            text!(en: "A parity rule applies to a pair (two seats).", fr: "Une règle de parité s'applique à un binôme (deux places)."),
        ));
    }
    let txn = state.write().await?;
    let found = super::mandate_body(&txn, input.body_id).await?;
    memberships::require_role(&txn, viewer, found.organisation_id, is_facilitator).await?;
    let created = position::ActiveModel {
        id: Set(new_id()),
        organisation_id: Set(found.organisation_id),
        body_id: Set(found.id),
        title: Set(title),
        description: Set(description),
        qualities: Set(serde_json::json!(qualities)),
        scope: Set(serde_json::json!(scope)),
        seats: Set(seats),
        parity: Set(input.parity),
        created_by: Set(viewer.id()),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// A body's positions, oldest first.
pub async fn of_body(state: &AppState, body_id: Uuid) -> AppResult<Vec<position::Model>> {
    Ok(position::Entity::find()
        .filter(position::Column::BodyId.eq(body_id))
        .order_by_asc(position::Column::CreatedAt)
        .all(&state.db)
        .await?)
}

/// Who fills a position, and on what grounds.
pub struct Designation {
    pub position_id: Uuid,
    pub holders: Vec<Uuid>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub decision_id: Option<Uuid>,
    pub minutes: Option<String>,
}

/// Fills a position on the assembly's decision (or the minutes cited),
/// recorded by a facilitator: see [`fill`].
#[tracing::instrument(skip_all, fields(account = %viewer.id(), position = %input.position_id))]
pub async fn designate(
    state: &AppState,
    viewer: &Viewer,
    input: Designation,
) -> AppResult<Vec<Held>> {
    let txn = state.write().await?;
    let found = find(&txn, input.position_id).await?;
    let organisation = organisations::get(&txn, found.organisation_id).await?;
    let grounds = super::grounds(
        &txn,
        viewer,
        &organisation,
        input.decision_id,
        input.minutes.as_deref(),
        false,
    )
    .await?;
    // Made while a call runs on the position, the mandates take the call's
    // term unless the designation says otherwise.
    let running = designation_call::Entity::find()
        .filter(designation_call::Column::PositionId.eq(found.id))
        .filter(designation_call::Column::Outcome.is_null())
        .one(&txn)
        .await?;
    let term = Term {
        starts_on: input
            .starts_on
            .or(running.as_ref().and_then(|c| c.term_starts_on)),
        ends_on: input
            .ends_on
            .or(running.as_ref().and_then(|c| c.term_ends_on)),
    };
    let designated = fill(
        &txn,
        viewer.id(),
        &organisation,
        &found,
        &input.holders,
        grounds,
        term,
    )
    .await?;
    txn.commit().await?;
    Ok(designated)
}

pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> AppResult<position::Model> {
    position::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(position_not_found)
}

/// The term of the mandates a designation creates.
#[derive(Clone, Copy, Default)]
pub struct Term {
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
}

/// Fills a position inside the caller's transaction: checks the number of
/// holders and the parity rule (`PARITY_VIOLATION`), creates one mandate per
/// holder, and ends the position's call for candidacies under way, if any.
pub async fn fill(
    txn: &impl ConnectionTrait,
    by: Uuid,
    organisation: &organisation::Model,
    found: &position::Model,
    holders: &[Uuid],
    grounds: Grounds,
    term: Term,
) -> AppResult<Vec<Held>> {
    super::mandate_body(txn, found.body_id).await?;
    check_holders(txn, organisation, found, holders).await?;
    let scope: Vec<String> = serde_json::from_value(found.scope.clone()).unwrap_or_default();
    let mut designated = Vec::new();
    for holder in holders {
        let mandate = NewMandate {
            body_id: found.body_id,
            holder_id: *holder,
            title: found.title.clone(),
            mission: found.description.clone(),
            scope: scope.clone(),
            starts_on: term.starts_on,
            ends_on: term.ends_on,
            decision_id: grounds.decision,
            minutes: grounds.minutes.clone(),
            position_id: Some(found.id),
        };
        designated
            .push(mandates::write(txn, by, organisation, &mandate, grounds.clone(), None).await?);
    }
    settle_running(txn, found.id, by, Outcome::Designated, None).await?;
    Ok(designated)
}

/// Checks who would fill a position: as many different people as it has
/// seats, under its parity rule, against their self-declared genders.
pub async fn check_holders(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    found: &position::Model,
    holders: &[Uuid],
) -> AppResult<()> {
    let mut distinct = holders.to_vec();
    distinct.sort();
    distinct.dedup();
    if distinct.len() != holders.len() || distinct.len() != found.seats as usize {
        let seats = found.seats;
        return Err(AppError::validation(
            "holders",
            text!(en: "This position takes {seats} different holder(s).", fr: "Ce poste demande {seats} personne(s) titulaire(s) différente(s)."),
        ));
    }
    check_pair(conn, organisation, parity_of(found), holders).await
}

/// Checks people holding something together (a position's pair, a
/// meeting's two facilitators) against a parity rule, with their
/// self-declared genders and the organisation's rule for undeclared ones.
pub async fn check_pair(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    rule: ParityRule,
    holders: &[Uuid],
) -> AppResult<()> {
    let people = accounts::by_ids(conn, holders.iter().copied()).await?;
    let genders: Vec<Option<Gender>> = holders
        .iter()
        .map(|id| people.get(id).and_then(accounts::declared_gender))
        .collect();
    check_parity(rule, undeclared_policy(organisation), &genders)
}

/// How the organisation counts people who declared no gender.
pub fn undeclared_policy(organisation: &organisation::Model) -> UndeclaredGender {
    organisation.undeclared_gender
}

/// Ends the call under way on a position, if any, with its outcome.
pub async fn settle_running(
    conn: &impl ConnectionTrait,
    position_id: Uuid,
    by: Uuid,
    outcome: Outcome,
    note: Option<String>,
) -> AppResult<()> {
    designation_call::Entity::update_many()
        .col_expr(
            designation_call::Column::Outcome,
            Expr::value(outcome.as_str()),
        )
        .col_expr(designation_call::Column::OutcomeNote, Expr::value(note))
        .col_expr(designation_call::Column::OutcomeAt, Expr::value(now()))
        .col_expr(designation_call::Column::OutcomeBy, Expr::value(by))
        .filter(designation_call::Column::PositionId.eq(position_id))
        .filter(designation_call::Column::Outcome.is_null())
        .exec(conn)
        .await?;
    Ok(())
}
