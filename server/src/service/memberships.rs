//! Memberships: who is in an organisation, with which role and standing, and
//! the history of every change.

use chrono::{NaiveDate, Utc};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, IntoActiveModel, Order, PaginatorTrait};

use crate::domain::access::{can_administer, can_manage_members};
use crate::domain::membership::{self, EffectiveStanding, EventKind, Role, Standing};
use crate::domain::token::Scope;
use crate::entity::{membership as entity, membership_event, organisation};
use crate::error::{AppError, AppResult};
use crate::events::{Event, MembershipChange};
use crate::service::page::{self, Page};
use crate::service::sessions::Viewer;
use crate::service::{new_id, now};
use crate::state::AppState;
use crate::text;
use crate::write::Unit;

/// The stored standing of a membership row.
pub fn standing_of(m: &entity::Model) -> Standing {
    Standing::new(m.standing, m.good_until)
}

/// Is this membership in good standing today, where the organisation is?
/// (The rule is [`Standing::on`]; [`Standing::condition`] is its SQL form.)
pub fn in_good_standing(m: &entity::Model, org: &organisation::Model) -> bool {
    standing_of(m).on(today_in(org)) == EffectiveStanding::GoodStanding
}

/// Does this member take part in the organisation's decisions — putting
/// questions, designations? In good standing, or a facilitator or admin.
pub fn takes_part(m: &entity::Model, org: &organisation::Model) -> bool {
    m.role >= Role::Facilitator || in_good_standing(m, org)
}

/// Today's date where the organisation is: standing changes at its midnight.
pub fn today_in(org: &organisation::Model) -> NaiveDate {
    date_in(org, Utc::now())
}

/// The date of a moment where the organisation is.
pub fn date_in(org: &organisation::Model, at: chrono::DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&timezone_of(org)).date_naive()
}

/// The organisation's time zone (Paris if its stored name no longer
/// parses: names are checked when set).
pub fn timezone_of(org: &organisation::Model) -> chrono_tz::Tz {
    org.timezone.parse().unwrap_or(chrono_tz::Europe::Paris)
}

/// The viewer's current membership of an organisation, if any.
pub async fn active(
    conn: &impl ConnectionTrait,
    organisation_id: Uuid,
    account_id: Uuid,
) -> AppResult<Option<entity::Model>> {
    Ok(entity::Entity::find()
        .filter(entity::Column::OrganisationId.eq(organisation_id))
        .filter(entity::Column::AccountId.eq(account_id))
        .filter(entity::Column::LeftAt.is_null())
        .one(conn)
        .await?)
}

/// The viewer's active membership of an organisation, from what this
/// process keeps of people when it can (`service::people`).
pub async fn active_of(
    conn: &impl ConnectionTrait,
    organisation_id: Uuid,
    viewer: &Viewer,
) -> AppResult<Option<entity::Model>> {
    let Some(people) = &viewer.people else {
        return active(conn, organisation_id, viewer.id()).await;
    };
    let read = async {
        let found = active(conn, organisation_id, viewer.id()).await?;
        Ok(Some((viewer.id(), found)))
    };
    Ok(people
        .memberships
        .get_or_read((organisation_id, viewer.id()), read)
        .await?
        .flatten())
}

fn not_a_member() -> AppError {
    AppError::forbidden(text!(
        en: "Only members of this organisation may do this.",
        fr: "Seuls les membres de cette organisation peuvent faire cela."
    ))
}

fn not_allowed() -> AppError {
    AppError::forbidden(text!(
        en: "Your role in this organisation does not allow this; ask one of its facilitators or admins.",
        fr: "Votre rôle dans cette organisation ne le permet pas ; demandez à l'un·e de ses animateur·ices ou administrateur·ices."
    ))
}

/// The viewer's membership, refused with `FORBIDDEN` if they are not a member.
pub async fn require_member(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    organisation_id: Uuid,
) -> AppResult<entity::Model> {
    active(conn, organisation_id, viewer.id())
        .await?
        .ok_or_else(not_a_member)
}

/// The viewer's membership, refused with `FORBIDDEN` unless their role passes `allowed`.
pub async fn require_role(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    organisation_id: Uuid,
    allowed: fn(Role) -> bool,
) -> AppResult<entity::Model> {
    let m = require_member(conn, viewer, organisation_id).await?;
    check_role(viewer, &m, allowed)?;
    Ok(m)
}

/// `FORBIDDEN` unless the viewer's membership `m` passes `allowed`; a power
/// beyond a member's is used with a session or an admin token.
fn check_role(viewer: &Viewer, m: &entity::Model, allowed: fn(Role) -> bool) -> AppResult<()> {
    if !allowed(m.role) {
        return Err(not_allowed());
    }
    if !allowed(Role::Member) {
        viewer.require_scope(Scope::Admin)?;
    }
    Ok(())
}

/// How someone comes into an organisation.
pub struct Joining {
    pub role: Role,
    pub standing: Standing,
    pub actor: Option<Uuid>,
    pub note: Option<String>,
}

/// Makes `account_id` an active member, reusing the row of a former
/// membership so that the history stays in one place.
pub async fn join(
    conn: &impl ConnectionTrait,
    org: &organisation::Model,
    account_id: Uuid,
    joining: Joining,
) -> AppResult<entity::Model> {
    let existing = entity::Entity::find()
        .filter(entity::Column::OrganisationId.eq(org.id))
        .filter(entity::Column::AccountId.eq(account_id))
        .one(conn)
        .await?;
    let at = now();
    let (row, kind) = match existing {
        Some(m) if m.left_at.is_none() => {
            return Err(AppError::conflict(text!(
                en: "This person is already a member of the organisation.",
                fr: "Cette personne est déjà membre de l'organisation."
            )));
        }
        Some(m) => {
            let mut active = m.into_active_model();
            active.role = Set(joining.role);
            active.standing = Set(joining.standing.kind());
            active.good_until = Set(joining.standing.good_until());
            active.left_at = Set(None);
            (active.update(conn).await?, EventKind::Rejoined)
        }
        None => {
            let row = entity::ActiveModel {
                id: Set(new_id()),
                organisation_id: Set(org.id),
                account_id: Set(account_id),
                role: Set(joining.role),
                standing: Set(joining.standing.kind()),
                good_until: Set(joining.standing.good_until()),
                joined_at: Set(at),
                left_at: Set(None),
            }
            .insert(conn)
            .await?;
            (row, EventKind::Joined)
        }
    };
    record(conn, &row, kind, joining.actor, joining.note).await?;
    Ok(row)
}

async fn record(
    conn: &impl ConnectionTrait,
    m: &entity::Model,
    kind: EventKind,
    actor: Option<Uuid>,
    note: Option<String>,
) -> AppResult<()> {
    membership_event::ActiveModel {
        id: Set(new_id()),
        membership_id: Set(m.id),
        kind: Set(kind),
        role: Set(m.role),
        standing: Set(m.standing),
        good_until: Set(m.good_until),
        note: Set(note),
        actor_id: Set(actor),
        at: Set(now()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Tells live subscriptions that someone's rights in an organisation changed
/// beyond their membership (a body joined or left, a candidacy that recuses
/// them): they check again, once `txn` has committed.
pub fn rights_changed(txn: &Unit, organisation_id: Uuid, account_id: Uuid) {
    txn.emit(Event::Rights {
        organisation_id,
        account_id,
    });
}

pub fn publish(txn: &Unit, m: &entity::Model, change: MembershipChange) {
    txn.emit(Event::Membership {
        organisation_id: m.organisation_id,
        membership_id: m.id,
        account_id: m.account_id,
        change,
    });
}

fn membership_not_found() -> AppError {
    AppError::not_found(text!(en: "No such membership.", fr: "Cette adhésion n'existe pas."))
}

/// A membership and the acting viewer's own membership of the same
/// organisation, which must pass `allowed`.
async fn target_and_actor(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    membership_id: Uuid,
    allowed: fn(Role) -> bool,
) -> AppResult<(entity::Model, entity::Model)> {
    let target = entity::Entity::find_by_id(membership_id)
        .one(conn)
        .await?
        .filter(|m| m.left_at.is_none())
        .ok_or_else(membership_not_found)?;
    // Outside the organisation, its memberships are as unknown as none.
    let actor = active(conn, target.organisation_id, viewer.id())
        .await?
        .ok_or_else(membership_not_found)?;
    check_role(viewer, &actor, allowed)?;
    Ok((target, actor))
}

fn optional_note(note: Option<String>) -> AppResult<Option<String>> {
    let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
        return Err(AppError::validation(
            "note",
            text!(en: "A note has at most 1000 characters.", fr: "Une note comporte au plus 1000 caractères."),
        ));
    }
    Ok(note)
}

/// Sets a member's standing (facilitators and admins): e.g. dues paid until a date.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), membership = %membership_id))]
pub async fn set_standing(
    state: &AppState,
    viewer: &Viewer,
    membership_id: Uuid,
    standing: Standing,
    note: Option<String>,
) -> AppResult<entity::Model> {
    let note = optional_note(note)?;
    let txn = state.write().await?;
    let (target, _) = target_and_actor(&txn, viewer, membership_id, can_manage_members).await?;
    let mut active = target.into_active_model();
    active.standing = Set(standing.kind());
    active.good_until = Set(standing.good_until());
    let row = active.update(&txn).await?;
    record(
        &txn,
        &row,
        EventKind::StandingChanged,
        Some(viewer.id()),
        note,
    )
    .await?;
    publish(&txn, &row, MembershipChange::StandingChanged);
    txn.commit().await?;
    Ok(row)
}

async fn admins(conn: &impl ConnectionTrait, organisation_id: Uuid) -> AppResult<u64> {
    Ok(entity::Entity::find()
        .filter(entity::Column::OrganisationId.eq(organisation_id))
        .filter(entity::Column::Role.eq(Role::Admin.as_str()))
        .filter(entity::Column::LeftAt.is_null())
        .count(conn)
        .await?)
}

fn last_admin() -> AppError {
    AppError::conflict(text!(
        en: "An organisation needs at least one admin: name another admin first.",
        fr: "Une organisation a besoin d'au moins un·e administrateur·ice : nommez-en un·e autre d'abord."
    ))
}

/// Gives a member another role (admins only). The last admin cannot be demoted.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), membership = %membership_id))]
pub async fn set_role(
    state: &AppState,
    viewer: &Viewer,
    membership_id: Uuid,
    role: Role,
) -> AppResult<entity::Model> {
    let txn = state.write().await?;
    let (target, _) = target_and_actor(&txn, viewer, membership_id, can_administer).await?;
    let demoting_admin = target.role == Role::Admin && role != Role::Admin;
    if !membership::keeps_an_admin(admins(&txn, target.organisation_id).await?, demoting_admin) {
        return Err(last_admin());
    }
    let mut active = target.into_active_model();
    active.role = Set(role);
    let row = active.update(&txn).await?;
    record(&txn, &row, EventKind::RoleChanged, Some(viewer.id()), None).await?;
    publish(&txn, &row, MembershipChange::RoleChanged);
    txn.commit().await?;
    Ok(row)
}

async fn end(
    conn: &impl ConnectionTrait,
    target: entity::Model,
    kind: EventKind,
    actor: Uuid,
    note: Option<String>,
) -> AppResult<entity::Model> {
    let removing_admin = target.role == Role::Admin;
    if !membership::keeps_an_admin(admins(conn, target.organisation_id).await?, removing_admin) {
        return Err(last_admin());
    }
    let mut active = target.into_active_model();
    active.left_at = Set(Some(now()));
    let row = active.update(conn).await?;
    record(conn, &row, kind, Some(actor), note).await?;
    Ok(row)
}

/// Removes a member (facilitators and admins; only an admin removes an admin),
/// with a reason kept in the history.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), membership = %membership_id))]
pub async fn remove(
    state: &AppState,
    viewer: &Viewer,
    membership_id: Uuid,
    reason: Option<String>,
) -> AppResult<entity::Model> {
    let reason = optional_note(reason)?;
    let txn = state.write().await?;
    let (target, actor) = target_and_actor(&txn, viewer, membership_id, can_manage_members).await?;
    if target.role == Role::Admin && !can_administer(actor.role) {
        return Err(not_allowed());
    }
    let row = end(&txn, target, EventKind::Removed, viewer.id(), reason).await?;
    publish(&txn, &row, MembershipChange::Removed);
    txn.commit().await?;
    Ok(row)
}

/// Leaves an organisation. What the person wrote keeps its author.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), organisation = %organisation_id))]
pub async fn leave(
    state: &AppState,
    viewer: &Viewer,
    organisation_id: Uuid,
) -> AppResult<entity::Model> {
    let txn = state.write().await?;
    crate::entity::organisation::Entity::find_by_id(organisation_id)
        .one(&txn)
        .await?
        .ok_or_else(crate::domain::organisation::not_found)?;
    let mine = require_member(&txn, viewer, organisation_id).await?;
    let row = end(&txn, mine, EventKind::Left, viewer.id(), None).await?;
    publish(&txn, &row, MembershipChange::Left);
    txn.commit().await?;
    Ok(row)
}

/// Filters for the member list.
#[derive(Debug, Clone, Copy, Default)]
pub struct MemberFilter {
    pub standing: Option<EffectiveStanding>,
}

/// A page of members, the total, and the reader's own membership (whose role
/// decides which private fields they may read).
pub struct MemberList {
    pub page: Page<entity::Model>,
    pub total: u64,
    pub reader: entity::Model,
}

/// One page of an organisation's current members, in the order they joined.
/// Any member may list the others; private fields are filtered by the caller.
pub async fn list(
    state: &AppState,
    viewer: &Viewer,
    org: &organisation::Model,
    filter: MemberFilter,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<MemberList> {
    let reader = require_member(&state.db, viewer, org.id).await?;
    let mut query = entity::Entity::find()
        .filter(entity::Column::OrganisationId.eq(org.id))
        .filter(entity::Column::LeftAt.is_null());
    if let Some(standing) = filter.standing {
        query = query.filter(Standing::condition(standing, today_in(org)));
    }
    let total = query.clone().count(&state.db).await?;
    let page = page::by_id(
        &state.db,
        query,
        entity::Column::Id,
        "members",
        first,
        after,
        Order::Asc,
    )
    .await?;
    Ok(MemberList {
        page,
        total,
        reader,
    })
}

/// One page of the viewer's own current memberships.
pub async fn mine(
    state: &AppState,
    viewer: &Viewer,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<entity::Model>> {
    let query = entity::Entity::find()
        .filter(entity::Column::AccountId.eq(viewer.id()))
        .filter(entity::Column::LeftAt.is_null());
    page::by_id(
        &state.db,
        query,
        entity::Column::Id,
        "memberships",
        first,
        after,
        Order::Asc,
    )
    .await
}

/// A membership's history, oldest first: readable by the member and by the
/// organisation's facilitators and admins.
pub async fn history(
    state: &AppState,
    viewer: &Viewer,
    m: &entity::Model,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<membership_event::Model>> {
    if m.account_id != viewer.id() {
        require_role(&state.db, viewer, m.organisation_id, can_manage_members).await?;
    }
    let query =
        membership_event::Entity::find().filter(membership_event::Column::MembershipId.eq(m.id));
    page::by_id(
        &state.db,
        query,
        membership_event::Column::Id,
        "history",
        first,
        after,
        Order::Asc,
    )
    .await
}
