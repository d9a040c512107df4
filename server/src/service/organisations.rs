//! Organisations: creating, nesting, describing.

use sea_orm::prelude::*;

use crate::domain::access::can_administer;
use crate::domain::governance::UndeclaredGender;
use crate::write::Unit;
use sea_orm::{ActiveValue::Set, IntoActiveModel, Order};

use crate::domain::account::{parse_name, parse_timezone};
use crate::domain::membership::{Role, Standing};
use crate::domain::organisation::{RegistrationMode, RemoteImages, Slug, parse_description};
use crate::entity::organisation;
use crate::error::{AppError, AppResult, is_unique_violation};
use crate::i18n::Locale;
use crate::service::memberships::{self, Joining};
use crate::service::page::{self, Page};
use crate::service::sessions::Viewer;
use crate::service::{new_id, now};
use crate::state::AppState;
use crate::text;

pub const MAX_NAME: usize = 120;

pub use crate::domain::organisation::not_found;

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> AppResult<organisation::Model> {
    organisation::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(not_found)
}

/// The organisation's language, for what Plenum writes in its name
/// (records, body names): French if its stored code no longer parses.
pub fn locale_of(organisation: &organisation::Model) -> crate::i18n::Locale {
    crate::i18n::Locale::parse(&organisation.default_locale).unwrap_or(crate::i18n::Locale::Fr)
}

pub async fn get_by_slug(
    conn: &impl ConnectionTrait,
    slug: &str,
) -> AppResult<organisation::Model> {
    organisation::Entity::find()
        .filter(organisation::Column::Slug.eq(slug.trim()))
        .one(conn)
        .await?
        .ok_or_else(not_found)
}

pub struct NewOrganisation {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub timezone: String,
    pub default_locale: Locale,
    pub registration_mode: RegistrationMode,
    pub parent_id: Option<Uuid>,
}

fn slug_taken() -> AppError {
    AppError::conflict(text!(
        en: "Another organisation already uses this short name.",
        fr: "Une autre organisation utilise déjà ce nom court."
    ))
    .with_field("slug")
}

/// Writes a new organisation in the caller's unit; its creator becomes its
/// first admin, a member in good standing. A child organisation may only be
/// created by an admin of its parent. (Founding one with its general
/// assembly is `governance::bodies::found`.)
pub async fn insert(
    txn: &Unit,
    viewer: &Viewer,
    input: NewOrganisation,
) -> AppResult<organisation::Model> {
    let slug = Slug::parse(&input.slug)?;
    let name = parse_name(&input.name, "name", MAX_NAME)?;
    let description = parse_description(&input.description)?;
    let timezone = parse_timezone(&input.timezone)?;
    if let Some(parent) = input.parent_id {
        get(txn, parent).await?;
        memberships::require_role(txn, viewer, parent, can_administer).await?;
    }
    if organisation::Entity::find()
        .filter(organisation::Column::Slug.eq(slug.as_str()))
        .one(txn)
        .await?
        .is_some()
    {
        return Err(slug_taken());
    }
    let at = now();
    let org = organisation::ActiveModel {
        id: Set(new_id()),
        slug: Set(slug.as_str().to_owned()),
        name: Set(name),
        description: Set(description),
        timezone: Set(timezone.name().to_owned()),
        default_locale: Set(input.default_locale.as_str().to_owned()),
        registration_mode: Set(input.registration_mode),
        parent_id: Set(input.parent_id),
        edit_window_minutes: Set(None),
        max_proxies_held: Set(1),
        undeclared_gender: Set(UndeclaredGender::Unknown),
        recusal_hides_deliberation: Set(false),
        theme: Set("default".into()),
        remote_images: Set(RemoteImages::Links),
        created_by: Set(viewer.id()),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(txn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            slug_taken()
        } else {
            e.into()
        }
    })?;
    let founder = Joining {
        role: Role::Admin,
        standing: Standing::Member { good_until: None },
        actor: Some(viewer.id()),
        note: None,
    };
    memberships::join(txn, &org, viewer.id(), founder).await?;
    Ok(org)
}

#[derive(Default)]
pub struct OrganisationChange {
    pub name: Option<String>,
    pub description: Option<String>,
    pub timezone: Option<String>,
    pub default_locale: Option<Locale>,
    pub registration_mode: Option<RegistrationMode>,
    /// How long authors may edit their posts, in minutes; `Some(None)`: no limit.
    pub edit_window_minutes: Option<Option<i32>>,
    pub max_proxies_held: Option<i32>,
    pub undeclared_gender: Option<UndeclaredGender>,
    /// Whether candidates are kept out of the deliberation on their own position.
    pub recusal_hides_deliberation: Option<bool>,
    /// The theme of its public pages.
    pub theme: Option<String>,
    /// Whether Markdown images are links or shown through the image proxy.
    pub remote_images: Option<RemoteImages>,
}

/// Changes an organisation's settings (admins only).
#[tracing::instrument(skip_all, fields(account = %viewer.id(), organisation = %id))]
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    change: OrganisationChange,
) -> AppResult<organisation::Model> {
    let name = change
        .name
        .map(|n| parse_name(&n, "name", MAX_NAME))
        .transpose()?;
    let description = change
        .description
        .map(|d| parse_description(&d))
        .transpose()?;
    let timezone = change.timezone.map(|t| parse_timezone(&t)).transpose()?;
    let theme = change
        .theme
        .map(|t| crate::domain::organisation::parse_theme(&t))
        .transpose()?;
    let txn = state.write().await?;
    let org = get(&txn, id).await?;
    memberships::require_role(&txn, viewer, id, can_administer).await?;
    let mut active = org.into_active_model();
    if let Some(name) = name {
        active.name = Set(name);
    }
    if let Some(description) = description {
        active.description = Set(description);
    }
    if let Some(tz) = timezone {
        active.timezone = Set(tz.name().to_owned());
    }
    if let Some(locale) = change.default_locale {
        active.default_locale = Set(locale.as_str().to_owned());
    }
    if let Some(mode) = change.registration_mode {
        active.registration_mode = Set(mode);
    }
    if let Some(window) = change.edit_window_minutes {
        if window.is_some_and(|w| w < 0) {
            return Err(AppError::validation(
                "editWindowMinutes",
                text!(en: "The edit window cannot be negative.", fr: "Le délai de modification ne peut pas être négatif."),
            ));
        }
        active.edit_window_minutes = Set(window);
    }
    if let Some(rule) = change.undeclared_gender {
        active.undeclared_gender = Set(rule);
    }
    if let Some(hides) = change.recusal_hides_deliberation {
        active.recusal_hides_deliberation = Set(hides);
    }
    if let Some(theme) = theme {
        active.theme = Set(theme);
    }
    if let Some(images) = change.remote_images {
        active.remote_images = Set(images);
    }
    if let Some(cap) = change.max_proxies_held {
        if !(0..=100).contains(&cap) {
            return Err(AppError::validation(
                "maxProxiesHeld",
                text!(en: "The number of proxies one person may hold is between 0 and 100.", fr: "Le nombre de procurations qu'une personne peut détenir est compris entre 0 et 100."),
            ));
        }
        active.max_proxies_held = Set(cap);
    }
    active.updated_at = Set(now());
    let org = active.update(&txn).await?;
    changed(&txn, org.id);
    txn.commit().await?;
    Ok(org)
}

/// Tells the caches that an organisation's settings or one of its spaces
/// changed, once `txn` has committed.
pub fn changed(txn: &Unit, organisation_id: Uuid) {
    txn.emit(crate::events::Event::Organisation { organisation_id });
}

/// An organisation's direct children, oldest first. Their names and
/// descriptions are public, as the organisation's own are.
pub async fn children(
    state: &AppState,
    id: Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<organisation::Model>> {
    let query = organisation::Entity::find().filter(organisation::Column::ParentId.eq(id));
    page::by_id(
        &state.db,
        query,
        organisation::Column::Id,
        "children",
        first,
        after,
        Order::Asc,
    )
    .await
}
