//! Categories: every organisation's discussion spaces, nested one level.

use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, Condition, IntoActiveModel, Order, QuerySelect};

use super::{Place, category_not_found, place_of_category};
use crate::domain::access::{Reader, can_administer, can_read};
use crate::domain::account::parse_name;
use crate::domain::forum::{Right, Visibility};

use crate::domain::organisation::{Slug, parse_description};
use crate::entity::category;
use crate::error::{AppError, AppResult, is_unique_violation};
use crate::service::page::{self, Page};
use crate::service::sessions::Viewer;
use crate::service::{memberships, new_id, now, organisations};
use crate::state::AppState;
use crate::text;

pub struct NewCategory {
    pub organisation_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub visibility: Visibility,
    pub thread_right: Right,
    pub reply_right: Right,
    pub position: i32,
}

fn slug_taken() -> AppError {
    AppError::conflict(text!(
        en: "Another discussion space of this organisation already uses this short name.",
        fr: "Un autre espace de discussion de cette organisation utilise déjà ce nom court."
    ))
    .with_field("slug")
}

/// Creates a category (organisation admins).
#[tracing::instrument(skip_all, fields(account = %viewer.id()))]
pub async fn create(
    state: &AppState,
    viewer: &Viewer,
    input: NewCategory,
) -> AppResult<category::Model> {
    let slug = Slug::parse(&input.slug)?;
    let name = parse_name(&input.name, "name", 120)?;
    let description = parse_description(&input.description)?;
    if input.visibility == Visibility::Body {
        return Err(AppError::validation(
            "visibility",
            text!(
                en: "Body categories are created with their body (secretariat, commission…), not by hand.",
                fr: "Les espaces d'une instance sont créés avec elle (secrétariat, commission…), pas à la main."
            ),
        ));
    }
    let txn = state.write().await?;
    organisations::get(&txn, input.organisation_id).await?;
    memberships::require_role(&txn, viewer, input.organisation_id, can_administer).await?;
    if let Some(parent) = input.parent_id {
        let parent = category::Entity::find_by_id(parent)
            .one(&txn)
            .await?
            .ok_or_else(category_not_found)?;
        if parent.organisation_id != input.organisation_id || parent.parent_id.is_some() {
            return Err(AppError::validation(
                "parentId",
                text!(
                    en: "A space nests only under a top-level space of the same organisation.",
                    fr: "Un espace ne s'imbrique que sous un espace de premier niveau de la même organisation."
                ),
            ));
        }
    }
    let taken = category::Entity::find()
        .filter(category::Column::OrganisationId.eq(input.organisation_id))
        .filter(category::Column::Slug.eq(slug.as_str()))
        .one(&txn)
        .await?;
    if taken.is_some() {
        return Err(slug_taken());
    }
    let created = category::ActiveModel {
        id: Set(new_id()),
        organisation_id: Set(input.organisation_id),
        parent_id: Set(input.parent_id),
        body_id: Set(None),
        slug: Set(slug.as_str().to_owned()),
        name: Set(name),
        description: Set(description),
        visibility: Set(input.visibility),
        thread_right: Set(input.thread_right),
        reply_right: Set(input.reply_right),
        position: Set(input.position),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            slug_taken()
        } else {
            e.into()
        }
    })?;
    txn.commit().await?;
    Ok(created)
}

#[derive(Default)]
pub struct CategoryChange {
    pub name: Option<String>,
    pub description: Option<String>,
    pub visibility: Option<Visibility>,
    pub thread_right: Option<Right>,
    pub reply_right: Option<Right>,
    pub position: Option<i32>,
}

/// Changes a category (organisation admins).
#[tracing::instrument(skip_all, fields(account = %viewer.id(), category = %id))]
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    change: CategoryChange,
) -> AppResult<category::Model> {
    let name = change
        .name
        .map(|n| parse_name(&n, "name", 120))
        .transpose()?;
    let description = change
        .description
        .map(|d| parse_description(&d))
        .transpose()?;
    let txn = state.write().await?;
    let current = category::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(category_not_found)?;
    memberships::require_role(&txn, viewer, current.organisation_id, can_administer).await?;
    if change.visibility == Some(Visibility::Body) && current.body_id.is_none() {
        return Err(AppError::validation(
            "visibility",
            text!(en: "Only a body's own space can be restricted to the body.", fr: "Seul l'espace d'une instance peut lui être réservé."),
        ));
    }
    let mut active = current.into_active_model();
    if let Some(name) = name {
        active.name = Set(name);
    }
    if let Some(description) = description {
        active.description = Set(description);
    }
    if let Some(v) = change.visibility {
        active.visibility = Set(v);
    }
    if let Some(r) = change.thread_right {
        active.thread_right = Set(r);
    }
    if let Some(r) = change.reply_right {
        active.reply_right = Set(r);
    }
    if let Some(p) = change.position {
        active.position = Set(p);
    }
    let readers_change = active.visibility.is_set() || active.body_id.is_set();
    let updated = active.update(&txn).await?;
    if readers_change {
        let threads: Vec<Uuid> = crate::entity::thread::Entity::find()
            .filter(crate::entity::thread::Column::CategoryId.eq(updated.id))
            .select_only()
            .column(crate::entity::thread::Column::Id)
            .into_tuple()
            .all(&txn)
            .await?;
        for t in threads {
            crate::service::indexing::enqueue_thread(&txn, t).await?;
        }
    }
    crate::service::organisations::changed(&txn, updated.organisation_id);
    txn.commit().await?;
    Ok(updated)
}

/// A category the viewer may read.
pub async fn get(state: &AppState, viewer: Option<&Viewer>, id: Uuid) -> AppResult<Place> {
    let place = place_of_category(&state.db, viewer, id).await?;
    place.require_read()?;
    Ok(place)
}

/// The categories of an organisation the viewer may read, oldest first,
/// each as a place already checked for the viewer.
pub async fn list(
    state: &AppState,
    viewer: Option<&Viewer>,
    organisation_id: Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<Place>> {
    let organisation = organisations::get(&state.db, organisation_id).await?;
    let reader = crate::service::access::reader(&state.db, &organisation, viewer).await?;
    // Spaces reserved to a body are read by facilitators and admins as by
    // the body's people (`can_read`).
    let readable: Vec<&'static str> = [
        Visibility::Public,
        Visibility::Supporters,
        Visibility::Members,
        Visibility::Body,
    ]
    .into_iter()
    .filter(|v| can_read(*v, reader))
    .map(Visibility::as_str)
    .collect();
    // Otherwise, spaces reserved to a body: those of the viewer's bodies
    // (those who read every reserved space need not ask which are theirs).
    let theirs = match reader {
        Some(_) if !can_read(Visibility::Body, reader) => {
            let reserved = category::Entity::find()
                .filter(category::Column::OrganisationId.eq(organisation_id))
                .filter(category::Column::Visibility.eq(Visibility::Body.as_str()))
                .all(&state.db)
                .await?;
            let all: Vec<&category::Model> = reserved.iter().collect();
            super::reserved_readable(&state.db, &organisation, viewer, &all).await?
        }
        _ => Default::default(),
    };
    let query = category::Entity::find()
        .filter(category::Column::OrganisationId.eq(organisation_id))
        .filter(
            Condition::any()
                .add(category::Column::Visibility.is_in(readable))
                .add(category::Column::Id.is_in(theirs.iter().copied())),
        );
    let page = page::by_id(
        &state.db,
        query,
        category::Column::Id,
        "categories",
        first,
        after,
        Order::Asc,
    )
    .await?;
    Ok(page.map(|category| Place {
        reader: reader.map(|r| Reader {
            in_body: theirs.contains(&category.id),
            ..r
        }),
        organisation: organisation.clone(),
        category,
        recused: false,
    }))
}
