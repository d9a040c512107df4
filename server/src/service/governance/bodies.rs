//! Bodies: created and dissolved by the assembly (or an admin, recorded as
//! such), each with its own discussion space, and their people by the rules
//! of their kind.

use std::collections::HashSet;

use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, IntoActiveModel, QueryOrder, QuerySelect};

use super::{Grounds, body_not_found, grounds, require_active};
use crate::domain::access::may_join;
use crate::domain::account::parse_name;
use crate::domain::forum::{Right, Visibility, parse_reason};
use crate::domain::governance::{Belonging, BodyKind, BodyRole, belongs_by_standing};
use crate::domain::organisation::{Slug, parse_description};
use crate::entity::{account, body, body_member, category, membership, organisation};
use crate::error::{AppError, AppResult, is_unique_violation};
use crate::service::memberships::{self, standing_of, today_in};
use crate::service::sessions::Viewer;
use crate::service::{new_id, now, organisations};
use crate::state::AppState;
use crate::text;

pub struct NewBody {
    pub organisation_id: Uuid,
    pub kind: BodyKind,
    pub slug: String,
    pub name: String,
    pub description: String,
    /// For a commission: lasting (a theme) or one-off (an event).
    pub lasting: bool,
    /// The assembly's adopted decision creating it; admins may go without.
    pub decision_id: Option<Uuid>,
    /// Its discussion space is read by its people only (otherwise by the
    /// members, or also supporters for a popular assembly).
    pub private: bool,
}

pub fn kind_of(body: &body::Model) -> BodyKind {
    body.kind
}

/// An organisation's body by its slug.
pub async fn by_slug(
    conn: &impl ConnectionTrait,
    organisation_id: Uuid,
    slug: &str,
) -> AppResult<Option<body::Model>> {
    Ok(body::Entity::find()
        .filter(body::Column::OrganisationId.eq(organisation_id))
        .filter(body::Column::Slug.eq(slug))
        .one(conn)
        .await?)
}

pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> AppResult<body::Model> {
    body::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(body_not_found)
}

fn slug_taken() -> AppError {
    AppError::conflict(text!(
        en: "Another body or discussion space of this organisation already uses this short name.",
        fr: "Une autre instance ou un autre espace de discussion de cette organisation utilise déjà ce nom court."
    ))
    .with_field("slug")
}

/// Inserts a body and its discussion space, inside the caller's transaction.
async fn insert(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    input: &NewBody,
    by: Uuid,
    grounds: &Grounds,
) -> AppResult<body::Model> {
    let slug = Slug::parse(&input.slug)?;
    let name = parse_name(&input.name, "name", 120)?;
    let description = parse_description(&input.description)?;
    let at = now();
    let taken = |e: DbErr| {
        if is_unique_violation(&e) {
            slug_taken()
        } else {
            e.into()
        }
    };
    let space = category::ActiveModel {
        id: Set(new_id()),
        organisation_id: Set(organisation.id),
        parent_id: Set(None),
        body_id: Set(None),
        slug: Set(slug.as_str().to_owned()),
        name: Set(name.clone()),
        description: Set(description.clone()),
        visibility: Set(if input.private {
            Visibility::Body
        } else {
            input.kind.visibility()
        }),
        thread_right: Set(Right::Members),
        reply_right: Set(Right::Members),
        position: Set(0),
        created_at: Set(at),
    }
    .insert(conn)
    .await
    .map_err(taken)?;
    let created = body::ActiveModel {
        id: Set(new_id()),
        organisation_id: Set(organisation.id),
        kind: Set(input.kind),
        slug: Set(slug.as_str().to_owned()),
        name: Set(name),
        description_html: Set(
            crate::service::media::render(conn, organisation, &description).await?,
        ),
        description_source: Set(description),
        lasting: Set(input.lasting),
        default_method: Set(input.kind.default_method().to_owned()),
        category_id: Set(space.id),
        created_at: Set(at),
        created_by: Set(by),
        created_by_decision: Set(grounds.decision),
        dissolved_at: Set(None),
        dissolved_by: Set(None),
        dissolved_by_decision: Set(None),
        dissolved_reason: Set(None),
    }
    .insert(conn)
    .await
    .map_err(taken)?;
    let mut space = space.into_active_model();
    space.body_id = Set(Some(created.id));
    space.update(conn).await?;
    Ok(created)
}

/// Founds an organisation with its general assembly, in one unit.
#[tracing::instrument(skip_all, fields(account = %viewer.id()))]
pub async fn found(
    state: &AppState,
    viewer: &Viewer,
    input: organisations::NewOrganisation,
) -> AppResult<organisation::Model> {
    let txn = state.write().await?;
    let org = organisations::insert(&txn, viewer, input).await?;
    create_assembly(&txn, &org, viewer.id()).await?;
    txn.commit().await?;
    Ok(org)
}

/// The general assembly every organisation has from its creation.
async fn create_assembly(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    by: Uuid,
) -> AppResult<body::Model> {
    let input = NewBody {
        organisation_id: organisation.id,
        kind: BodyKind::GeneralAssembly,
        slug: "ag".into(),
        name: text!(en: "General assembly", fr: "Assemblée générale")
            .in_locale(organisations::locale_of(organisation))
            .to_owned(),
        description: String::new(),
        lasting: true,
        decision_id: None,
        private: false,
    };
    let founding = Grounds {
        decision: None,
        minutes: None,
    };
    insert(conn, organisation, &input, by, &founding).await
}

/// Creates a body on a decision of the assembly (facilitators record it),
/// or by an admin alone, recorded as such.
#[tracing::instrument(skip_all, fields(account = %viewer.id()))]
pub async fn create(state: &AppState, viewer: &Viewer, input: NewBody) -> AppResult<body::Model> {
    if input.kind == BodyKind::GeneralAssembly {
        return Err(AppError::conflict(text!(
            en: "An organisation has one general assembly, created with it.",
            fr: "Une organisation a une seule assemblée générale, créée avec elle."
        )));
    }
    let txn = state.write().await?;
    let organisation = organisations::get(&txn, input.organisation_id).await?;
    let grounds = grounds(&txn, viewer, &organisation, input.decision_id, None, true).await?;
    let created = insert(&txn, &organisation, &input, viewer.id(), &grounds).await?;
    txn.commit().await?;
    Ok(created)
}

/// Dissolves a body, with the reason; its archive stays readable.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), body = %id))]
pub async fn dissolve(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    decision_id: Option<Uuid>,
    reason: &str,
) -> AppResult<body::Model> {
    let reason = parse_reason(Some(reason))?;
    let txn = state.write().await?;
    let found = find(&txn, id).await?;
    require_active(&found)?;
    let organisation = organisations::get(&txn, found.organisation_id).await?;
    let grounds = grounds(&txn, viewer, &organisation, decision_id, None, true).await?;
    if kind_of(&found).is_assembly() {
        return Err(AppError::conflict(text!(
            en: "The general assembly lasts as long as its organisation.",
            fr: "L'assemblée générale dure autant que son organisation."
        )));
    }
    let mut active = found.into_active_model();
    active.dissolved_at = Set(Some(now()));
    active.dissolved_by = Set(Some(viewer.id()));
    active.dissolved_by_decision = Set(grounds.decision);
    active.dissolved_reason = Set(Some(reason));
    let dissolved = active.update(&txn).await?;
    txn.commit().await?;
    Ok(dissolved)
}

/// The bodies of an organisation, the assembly first, dissolved ones last.
pub async fn list(state: &AppState, organisation_id: Uuid) -> AppResult<Vec<body::Model>> {
    organisations::get(&state.db, organisation_id).await?;
    let mut found = body::Entity::find()
        .filter(body::Column::OrganisationId.eq(organisation_id))
        .order_by_asc(body::Column::CreatedAt)
        .all(&state.db)
        .await?;
    found.sort_by_key(|b| (b.dissolved_at.is_some(), !kind_of(b).is_assembly()));
    Ok(found)
}

/// How someone belongs to a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum Belongs {
    /// By their standing in the organisation (assemblies).
    ByStanding,
    /// By a mandate in force in the body (secretariats).
    ByMandate,
    /// Joined or added: a commission's member, a council's delegate.
    Added,
    /// Invited to a popular assembly without being a member.
    AsGuest,
}

/// The people of a body today, and how each belongs.
pub async fn people(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    body: &body::Model,
) -> AppResult<Vec<(Uuid, Belongs)>> {
    let kind = kind_of(body);
    let today = today_in(organisation);
    let mut found = Vec::new();
    if matches!(kind.belonging(), Belonging::GoodStanding | Belonging::Open) {
        let by_standing = membership::Entity::find()
            .filter(membership::Column::OrganisationId.eq(organisation.id))
            .filter(membership::Column::LeftAt.is_null())
            .order_by_asc(membership::Column::JoinedAt)
            .all(conn)
            .await?;
        for m in by_standing {
            if belongs_by_standing(kind, Some(standing_of(&m).on(today))) {
                found.push((m.account_id, Belongs::ByStanding));
            }
        }
    }
    let mut seen: HashSet<Uuid> = found.iter().map(|(id, _)| *id).collect();
    if kind.holds_mandates() {
        for holder in super::mandates::holders_in_force(conn, body.id, today).await? {
            if seen.insert(holder) {
                found.push((holder, Belongs::ByMandate));
            }
        }
    }
    let added = body_member::Entity::find()
        .filter(body_member::Column::BodyId.eq(body.id))
        .filter(body_member::Column::LeftAt.is_null())
        .order_by_asc(body_member::Column::JoinedAt)
        .all(conn)
        .await?;
    for a in added {
        if seen.insert(a.account_id) {
            let how = if a.role == BodyRole::Guest {
                Belongs::AsGuest
            } else {
                Belongs::Added
            };
            found.push((a.account_id, how));
        }
    }
    Ok(found)
}

/// The people of a body, for the organisation's members.
pub async fn people_seen_by(
    state: &AppState,
    viewer: &Viewer,
    body: &body::Model,
) -> AppResult<Vec<(Uuid, Belongs)>> {
    let organisation = organisations::get(&state.db, body.organisation_id).await?;
    memberships::require_member(&state.db, viewer, organisation.id).await?;
    people(&state.db, &organisation, body).await
}

/// Is this person of the body today?
pub async fn includes(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    body: &body::Model,
    account_id: Uuid,
) -> AppResult<bool> {
    let kind = kind_of(body);
    let standing = memberships::active(conn, organisation.id, account_id)
        .await?
        .map(|m| standing_of(&m).on(today_in(organisation)));
    if belongs_by_standing(kind, standing) {
        return Ok(true);
    }
    if kind.holds_mandates()
        && super::mandates::holders_in_force(conn, body.id, today_in(organisation))
            .await?
            .contains(&account_id)
    {
        return Ok(true);
    }
    let added = body_member::Entity::find_by_id((body.id, account_id))
        .filter(body_member::Column::LeftAt.is_null())
        .select_only()
        .column(body_member::Column::AccountId)
        .into_tuple::<Uuid>()
        .one(conn)
        .await?;
    Ok(added.is_some())
}

/// The bodies of an organisation whose people include this person today:
/// [`includes`] for all its bodies at once, in four queries.
pub async fn of_person(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    account_id: Uuid,
) -> AppResult<Vec<Uuid>> {
    Ok(person_s_bodies(conn, organisation, account_id)
        .await?
        .into_iter()
        .map(|b| b.id)
        .collect())
}

/// [`of_person`], the bodies themselves.
pub async fn person_s_bodies(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    account_id: Uuid,
) -> AppResult<Vec<body::Model>> {
    let today = today_in(organisation);
    let standing = memberships::active(conn, organisation.id, account_id)
        .await?
        .map(|m| standing_of(&m).on(today));
    let mandated: HashSet<Uuid> =
        super::mandates::bodies_held_by(conn, organisation.id, account_id, today)
            .await?
            .into_iter()
            .collect();
    let added: HashSet<Uuid> = body_member::Entity::find()
        .filter(body_member::Column::AccountId.eq(account_id))
        .filter(body_member::Column::LeftAt.is_null())
        .select_only()
        .column(body_member::Column::BodyId)
        .into_tuple::<Uuid>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    Ok(body::Entity::find()
        .filter(body::Column::OrganisationId.eq(organisation.id))
        .all(conn)
        .await?
        .into_iter()
        .filter(|b| {
            let kind = kind_of(b);
            belongs_by_standing(kind, standing)
                || (kind.holds_mandates() && mandated.contains(&b.id))
                || added.contains(&b.id)
        })
        .collect())
}

/// Adds someone to a body whose membership is not implied: the viewer
/// joining a commission themselves, or a facilitator adding a council's
/// delegate, a commission's member or a popular assembly's guest.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), body = %body_id))]
pub async fn add(
    state: &AppState,
    viewer: &Viewer,
    body_id: Uuid,
    account_id: Option<Uuid>,
    note: Option<String>,
) -> AppResult<body::Model> {
    let txn = state.write().await?;
    let found = find(&txn, body_id).await?;
    require_active(&found)?;
    let kind = kind_of(&found);
    let organisation = organisations::get(&txn, found.organisation_id).await?;
    let Some(role) = kind.added_role() else {
        return Err(AppError::validation(
            "bodyId",
            text!(
                en: "Nobody is added to this body by hand: the assembly is every member in good standing, a secretariat its mandate holders.",
                fr: "On n'ajoute personne à la main à cette instance : l'assemblée, ce sont les adhérent·es à jour, un secrétariat, les personnes mandatées."
            ),
        ));
    };
    let person = account_id.unwrap_or(viewer.id());
    if person == viewer.id() && account_id.is_none() {
        let standing = memberships::active(&txn, organisation.id, person)
            .await?
            .map(|m| standing_of(&m).on(today_in(&organisation)));
        if !may_join(kind, standing) {
            return Err(AppError::forbidden(text!(
                en: "Only members of the organisation join a commission by themselves; delegates and guests are added by a facilitator.",
                fr: "Seul·es les membres de l'organisation rejoignent d'elles·eux-mêmes une commission ; délégué·es et invité·es sont ajouté·es par l'animation."
            )));
        }
    } else {
        memberships::require_role(&txn, viewer, organisation.id, super::is_facilitator).await?;
        let is_member = memberships::active(&txn, organisation.id, person)
            .await?
            .is_some();
        if role != BodyRole::Guest && !is_member {
            return Err(AppError::validation(
                "accountId",
                text!(en: "This person is not a member of the organisation; only a popular assembly invites guests.", fr: "Cette personne n'est pas membre de l'organisation ; seule une assemblée populaire accueille des invité·es."),
            ));
        }
        if !is_member
            && account::Entity::find_by_id(person)
                .one(&txn)
                .await?
                .is_none()
        {
            return Err(AppError::validation(
                "accountId",
                text!(en: "No account has this id: a guest needs a Plenum account.", fr: "Aucun compte n'a cet identifiant : une personne invitée a besoin d'un compte Plenum."),
            ));
        }
    }
    let note = note.map(|n| parse_name(&n, "note", 200)).transpose()?;
    let row = body_member::ActiveModel {
        body_id: Set(body_id),
        account_id: Set(person),
        role: Set(role),
        note: Set(note),
        joined_at: Set(now()),
        added_by: Set(Some(viewer.id())),
        left_at: Set(None),
    };
    match body_member::Entity::find_by_id((body_id, person))
        .one(&txn)
        .await?
    {
        Some(existing) if existing.left_at.is_none() => {
            return Err(AppError::conflict(text!(
                en: "This person is already in this body.",
                fr: "Cette personne fait déjà partie de cette instance."
            )));
        }
        Some(_) => {
            row.update(&txn).await?;
        }
        None => {
            row.insert(&txn).await?;
        }
    }
    memberships::rights_changed(&txn, found.organisation_id, person);
    txn.commit().await?;
    Ok(found)
}

/// Takes someone out of a body: themselves leaving, or a facilitator.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), body = %body_id))]
pub async fn remove(
    state: &AppState,
    viewer: &Viewer,
    body_id: Uuid,
    account_id: Option<Uuid>,
) -> AppResult<body::Model> {
    let person = account_id.unwrap_or(viewer.id());
    let txn = state.write().await?;
    let found = find(&txn, body_id).await?;
    if person != viewer.id() {
        memberships::require_role(&txn, viewer, found.organisation_id, super::is_facilitator)
            .await?;
    }
    let left = body_member::Entity::update_many()
        .col_expr(body_member::Column::LeftAt, Expr::value(now()))
        .filter(body_member::Column::BodyId.eq(body_id))
        .filter(body_member::Column::AccountId.eq(person))
        .filter(body_member::Column::LeftAt.is_null())
        .exec(&txn)
        .await?;
    if left.rows_affected == 0 {
        return Err(AppError::not_found(text!(
            en: "This person is not among the people added to this body.",
            fr: "Cette personne ne fait pas partie des personnes ajoutées à cette instance."
        )));
    }
    memberships::rights_changed(&txn, found.organisation_id, person);
    txn.commit().await?;
    Ok(found)
}
