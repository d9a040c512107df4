//! Mandates: one person and one mission in a body, with a scope of powers,
//! granted and revoked by the assembly, renewed as a new mandate linked to
//! the previous one; and the register of them all.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::prelude::*;
use sea_orm::sea_query::Condition;
use sea_orm::{ActiveValue::Set, IntoActiveModel, QueryOrder, QuerySelect, Select};

use super::grounds;
use crate::domain::access::can_administer;
use crate::domain::account::parse_name;
use crate::domain::forum::parse_reason;
use crate::domain::governance::{
    MandateStatus, mandate_status, parse_power, parse_scope, tenure_days,
};

use crate::domain::organisation::parse_description;
use crate::entity::{mandate, mandate_power, organisation, power, proposal_mandate};
use crate::error::{AppError, AppResult, is_unique_violation};
use crate::service::memberships::{self, date_in, today_in};
use crate::service::sessions::Viewer;
use crate::service::{new_id, now, organisations};
use crate::state::AppState;
use crate::text;

/// A mandate with its powers, as the register shows it.
#[derive(Clone, Debug)]
pub struct Held {
    pub mandate: mandate::Model,
    pub powers: Vec<String>,
    pub status: MandateStatus,
    /// Days held so far, or in all once over.
    pub tenure_days: i64,
}

/// Mandates of a body in force on `today`: started, not ended, not revoked.
pub fn in_force_query(body_id: Uuid, today: NaiveDate) -> Select<mandate::Entity> {
    in_force_on(today).filter(mandate::Column::BodyId.eq(body_id))
}

/// Mandates in force on `today`, anywhere.
fn in_force_on(today: NaiveDate) -> Select<mandate::Entity> {
    mandate::Entity::find()
        .filter(mandate::Column::RevokedAt.is_null())
        .filter(mandate::Column::StartsOn.lte(today))
        .filter(
            Condition::any()
                .add(mandate::Column::EndsOn.is_null())
                .add(mandate::Column::EndsOn.gte(today)),
        )
}

/// The bodies of an organisation where a person holds a mandate in force.
pub async fn bodies_held_by(
    conn: &impl ConnectionTrait,
    organisation_id: Uuid,
    holder_id: Uuid,
    today: NaiveDate,
) -> AppResult<Vec<Uuid>> {
    Ok(in_force_on(today)
        .filter(mandate::Column::OrganisationId.eq(organisation_id))
        .filter(mandate::Column::HolderId.eq(holder_id))
        .select_only()
        .column(mandate::Column::BodyId)
        .into_tuple()
        .all(conn)
        .await?)
}

/// The people holding a mandate in force in a body.
pub async fn holders_in_force(
    conn: &impl ConnectionTrait,
    body_id: Uuid,
    today: NaiveDate,
) -> AppResult<Vec<Uuid>> {
    let mut holders: Vec<Uuid> = in_force_query(body_id, today)
        .select_only()
        .column(mandate::Column::HolderId)
        .into_tuple()
        .all(conn)
        .await?;
    holders.sort();
    holders.dedup();
    Ok(holders)
}

/// The powers of each mandate, in one query.
async fn powers_of(
    conn: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> AppResult<HashMap<Uuid, Vec<String>>> {
    let mut found: HashMap<Uuid, Vec<String>> = HashMap::new();
    for row in mandate_power::Entity::find()
        .filter(mandate_power::Column::MandateId.is_in(ids))
        .order_by_asc(mandate_power::Column::Power)
        .all(conn)
        .await?
    {
        found.entry(row.mandate_id).or_default().push(row.power);
    }
    Ok(found)
}

/// Mandates with their powers and status on the organisation's today.
pub async fn held(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    mandates: Vec<mandate::Model>,
) -> AppResult<Vec<Held>> {
    let today = today_in(organisation);
    let mut powers = powers_of(conn, mandates.iter().map(|m| m.id).collect()).await?;
    Ok(mandates
        .into_iter()
        .map(|m| Held {
            powers: powers.remove(&m.id).unwrap_or_default(),
            status: mandate_status(m.starts_on, m.ends_on, m.revoked_at, today),
            tenure_days: tenure_days(
                m.starts_on,
                m.ends_on,
                m.revoked_at.map(|t| date_in(organisation, t)),
                today,
            ),
            mandate: m,
        })
        .collect())
}

async fn held_one(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    mandate: mandate::Model,
) -> AppResult<Held> {
    held(conn, organisation, vec![mandate])
        .await?
        .into_iter()
        .next()
        .ok_or_else(mandate_not_found)
}

pub struct NewMandate {
    pub body_id: Uuid,
    pub holder_id: Uuid,
    pub title: String,
    pub mission: String,
    pub scope: Vec<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub decision_id: Option<Uuid>,
    pub minutes: Option<String>,
    /// The position it fills, when designated to one.
    pub position_id: Option<Uuid>,
}

fn mandate_not_found() -> AppError {
    AppError::not_found(text!(en: "No such mandate.", fr: "Ce mandat n'existe pas."))
}

/// Grants a mandate on a decision of the assembly (or minutes cited).
#[tracing::instrument(skip_all, fields(account = %viewer.id(), body = %input.body_id))]
pub async fn grant(state: &AppState, viewer: &Viewer, input: NewMandate) -> AppResult<Held> {
    let txn = state.write().await?;
    let created = insert(&txn, viewer, &input, None).await?;
    txn.commit().await?;
    Ok(created)
}

/// Renews a mandate: a new one for the same person, mission and scope
/// (unless changed), linked to the previous, which ends the day before.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), mandate = %previous_id))]
pub async fn renew(
    state: &AppState,
    viewer: &Viewer,
    previous_id: Uuid,
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
    decision_id: Option<Uuid>,
    minutes: Option<String>,
) -> AppResult<Held> {
    let txn = state.write().await?;
    let previous = mandate::Entity::find_by_id(previous_id)
        .one(&txn)
        .await?
        .ok_or_else(mandate_not_found)?;
    let scope = powers_of(&txn, vec![previous.id])
        .await?
        .remove(&previous.id)
        .unwrap_or_default();
    let input = NewMandate {
        body_id: previous.body_id,
        holder_id: previous.holder_id,
        title: previous.title.clone(),
        mission: previous.mission_source.clone(),
        scope,
        starts_on,
        ends_on,
        decision_id,
        minutes,
        position_id: previous.position_id,
    };
    let renewed = insert(&txn, viewer, &input, Some(&previous)).await?;
    let start = renewed.mandate.starts_on;
    if previous.revoked_at.is_none() && previous.ends_on.is_none_or(|end| end >= start) {
        let mut ending = previous.into_active_model();
        ending.ends_on = Set(start.pred_opt());
        ending.update(&txn).await?;
    }
    txn.commit().await?;
    Ok(renewed)
}

/// Creates a mandate inside the caller's transaction.
pub(super) async fn insert(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    input: &NewMandate,
    previous: Option<&mandate::Model>,
) -> AppResult<Held> {
    let found = super::mandate_body(txn, input.body_id).await?;
    let organisation = organisations::get(txn, found.organisation_id).await?;
    let grounds = grounds(
        txn,
        viewer,
        &organisation,
        input.decision_id,
        input.minutes.as_deref(),
        false,
    )
    .await?;
    write(txn, viewer.id(), &organisation, input, grounds, previous).await
}

/// Creates a mandate on grounds already checked (a designation vote that
/// concluded, or an act of the assembly), inside the caller's transaction.
pub(super) async fn write(
    txn: &impl ConnectionTrait,
    by: Uuid,
    organisation: &organisation::Model,
    input: &NewMandate,
    grounds: super::Grounds,
    previous: Option<&mandate::Model>,
) -> AppResult<Held> {
    let title = parse_name(&input.title, "title", 120)?;
    let mission = parse_description(&input.mission)?;
    let scope = parse_scope(&input.scope)?;
    let defined: Vec<String> = power::Entity::find()
        .filter(power::Column::OrganisationId.eq(organisation.id))
        .select_only()
        .column(power::Column::Name)
        .into_tuple()
        .all(txn)
        .await?;
    if let Some(unknown) = scope.iter().find(|p| !defined.contains(p)) {
        return Err(AppError::validation(
            "scope",
            text!(en: "The organisation names no power “{unknown}”: define it first.", fr: "L'organisation ne nomme aucun pouvoir « {unknown} » : définissez-le d'abord."),
        ));
    }
    if memberships::active(txn, organisation.id, input.holder_id)
        .await?
        .is_none()
    {
        return Err(AppError::validation(
            "holderId",
            text!(en: "A mandate is held by a member of the organisation.", fr: "Un mandat est confié à un·e membre de l'organisation."),
        ));
    }
    let starts_on = input.starts_on.unwrap_or_else(|| today_in(organisation));
    if input.ends_on.is_some_and(|end| end < starts_on) {
        return Err(AppError::validation(
            "endsOn",
            text!(en: "A mandate ends after it starts.", fr: "Un mandat se termine après avoir commencé."),
        ));
    }
    let created = mandate::ActiveModel {
        id: Set(new_id()),
        organisation_id: Set(organisation.id),
        body_id: Set(input.body_id),
        holder_id: Set(input.holder_id),
        title: Set(title),
        mission_html: Set(crate::service::media::render(txn, organisation, &mission).await?),
        mission_source: Set(mission),
        starts_on: Set(starts_on),
        ends_on: Set(input.ends_on),
        granted_by_decision: Set(grounds.decision),
        granted_minutes: Set(grounds.minutes),
        previous_id: Set(previous.map(|p| p.id)),
        position_id: Set(input.position_id),
        revoked_at: Set(None),
        revoked_by: Set(None),
        revoked_by_decision: Set(None),
        revoked_minutes: Set(None),
        revoked_reason: Set(None),
        created_by: Set(by),
        created_at: Set(now()),
    }
    .insert(txn)
    .await?;
    if !scope.is_empty() {
        mandate_power::Entity::insert_many(scope.iter().map(|p| mandate_power::ActiveModel {
            mandate_id: Set(created.id),
            power: Set(p.clone()),
        }))
        .exec(txn)
        .await?;
    }
    held_one(txn, organisation, created).await
}

/// Revokes a mandate: at any time, by a decision of the assembly (or the
/// minutes cited), always with the reason.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), mandate = %id))]
pub async fn revoke(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    decision_id: Option<Uuid>,
    minutes: Option<String>,
    reason: Option<&str>,
) -> AppResult<Held> {
    let reason = parse_reason(reason)?;
    let txn = state.write().await?;
    let found = mandate::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(mandate_not_found)?;
    let organisation = organisations::get(&txn, found.organisation_id).await?;
    let grounds = grounds(
        &txn,
        viewer,
        &organisation,
        decision_id,
        minutes.as_deref(),
        false,
    )
    .await?;
    if found.revoked_at.is_some() {
        return Err(AppError::conflict(text!(
            en: "This mandate was already revoked.",
            fr: "Ce mandat a déjà été révoqué."
        )));
    }
    let mut active = found.into_active_model();
    active.revoked_at = Set(Some(now()));
    active.revoked_by = Set(Some(viewer.id()));
    active.revoked_by_decision = Set(grounds.decision);
    active.revoked_minutes = Set(grounds.minutes);
    active.revoked_reason = Set(Some(reason));
    let revoked = active.update(&txn).await?;
    let shown = held_one(&txn, &organisation, revoked).await?;
    txn.commit().await?;
    Ok(shown)
}

/// The register: every mandate of the organisation (or of one body), past
/// and present, newest first. The organisation's people read it, supporters
/// included (the records issue publishes it further).
pub async fn register(
    state: &AppState,
    viewer: &Viewer,
    organisation_id: Uuid,
    body_id: Option<Uuid>,
) -> AppResult<Vec<Held>> {
    let organisation = organisations::get(&state.db, organisation_id).await?;
    memberships::require_member(&state.db, viewer, organisation_id).await?;
    let mut query = mandate::Entity::find()
        .filter(mandate::Column::OrganisationId.eq(organisation_id))
        .order_by_desc(mandate::Column::StartsOn)
        .order_by_desc(mandate::Column::Id);
    if let Some(body_id) = body_id {
        query = query.filter(mandate::Column::BodyId.eq(body_id));
    }
    let mandates = query.all(&state.db).await?;
    held(&state.db, &organisation, mandates).await
}

/// Who held a position, past and present, newest first (the organisation's people).
pub async fn of_position(
    state: &AppState,
    viewer: &Viewer,
    found: &crate::entity::position::Model,
) -> AppResult<Vec<Held>> {
    let organisation = organisations::get(&state.db, found.organisation_id).await?;
    memberships::require_member(&state.db, viewer, organisation.id).await?;
    let mandates = mandate::Entity::find()
        .filter(mandate::Column::PositionId.eq(found.id))
        .order_by_desc(mandate::Column::StartsOn)
        .order_by_desc(mandate::Column::Id)
        .all(&state.db)
        .await?;
    held(&state.db, &organisation, mandates).await
}

/// The mandates in force of a body, for the organisation's people.
pub async fn in_force_seen_by(
    state: &AppState,
    viewer: &Viewer,
    body: &crate::entity::body::Model,
) -> AppResult<Vec<Held>> {
    let organisation = organisations::get(&state.db, body.organisation_id).await?;
    memberships::require_member(&state.db, viewer, organisation.id).await?;
    in_force(&state.db, &organisation, body.id).await
}

/// The mandates in force of a body, with their powers.
pub async fn in_force(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    body_id: Uuid,
) -> AppResult<Vec<Held>> {
    let mandates = in_force_query(body_id, today_in(organisation))
        .all(conn)
        .await?;
    held(conn, organisation, mandates).await
}

/// Names a power mandates may grant (organisation admins).
#[tracing::instrument(skip_all, fields(account = %viewer.id(), organisation = %organisation_id))]
pub async fn define_power(
    state: &AppState,
    viewer: &Viewer,
    organisation_id: Uuid,
    name: &str,
    label: &str,
    description: &str,
) -> AppResult<power::Model> {
    let name = parse_power(name).map_err(|e| e.with_field("name"))?;
    let label = parse_name(label, "label", 120)?;
    let description = parse_description(description)?;
    let txn = state.write().await?;
    organisations::get(&txn, organisation_id).await?;
    memberships::require_role(&txn, viewer, organisation_id, can_administer).await?;
    let created = power::ActiveModel {
        organisation_id: Set(organisation_id),
        name: Set(name),
        label: Set(label),
        description: Set(description),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            AppError::conflict(text!(en: "The organisation already names this power.", fr: "L'organisation nomme déjà ce pouvoir."))
                .with_field("name")
        } else {
            e.into()
        }
    })?;
    txn.commit().await?;
    Ok(created)
}

/// The powers an organisation names.
pub async fn powers(state: &AppState, organisation_id: Uuid) -> AppResult<Vec<power::Model>> {
    organisations::get(&state.db, organisation_id).await?;
    Ok(power::Entity::find()
        .filter(power::Column::OrganisationId.eq(organisation_id))
        .order_by_asc(power::Column::Name)
        .all(&state.db)
        .await?)
}

/// The mandates a proposal cites.
pub async fn cited(conn: &impl ConnectionTrait, proposal_id: Uuid) -> AppResult<Vec<Uuid>> {
    Ok(proposal_mandate::Entity::find()
        .filter(proposal_mandate::Column::ProposalId.eq(proposal_id))
        .select_only()
        .column(proposal_mandate::Column::MandateId)
        .into_tuple()
        .all(conn)
        .await?)
}
