//! The moderation log: every act of moderation, with who, when and why —
//! readable by the organisation's admins.

use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, Order};

use crate::domain::access::can_administer;
use crate::domain::forum::Action;
use crate::entity::moderation_action;
use crate::error::AppResult;
use crate::service::page::{self, Page};
use crate::service::sessions::Viewer;
use crate::service::{memberships, new_id, now};
use crate::state::AppState;

/// Writes one line of the log, in the moderation's own transaction.
pub async fn log(
    conn: &impl ConnectionTrait,
    organisation_id: Uuid,
    actor_id: Uuid,
    action: Action,
    target_kind: &str,
    target_id: Uuid,
    reason: Option<String>,
) -> AppResult<()> {
    moderation_action::ActiveModel {
        id: Set(new_id()),
        organisation_id: Set(organisation_id),
        actor_id: Set(actor_id),
        action: Set(action),
        target_kind: Set(target_kind.to_owned()),
        target_id: Set(target_id),
        reason: Set(reason),
        at: Set(now()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// The log of an organisation, newest first (admins).
pub async fn history(
    state: &AppState,
    viewer: &Viewer,
    organisation_id: Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<moderation_action::Model>> {
    memberships::require_role(&state.db, viewer, organisation_id, can_administer).await?;
    let query = moderation_action::Entity::find()
        .filter(moderation_action::Column::OrganisationId.eq(organisation_id));
    page::by_id(
        &state.db,
        query,
        moderation_action::Column::Id,
        "moderation",
        first,
        after,
        Order::Desc,
    )
    .await
}
