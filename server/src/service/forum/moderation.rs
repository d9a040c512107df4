//! The moderation log: every act of moderation, with who, when and why —
//! readable by the organisation's admins.

use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, Order};

use crate::domain::access::can_administer;
use crate::entity::moderation_action;
use crate::error::AppResult;
use crate::service::page::{self, Page};
use crate::service::sessions::Viewer;
use crate::service::{memberships, new_id, now};
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum Action {
    HidePost,
    UnhidePost,
    EditPost,
    CloseThread,
    ReopenThread,
    ArchiveThread,
    PinThread,
    UnpinThread,
    MoveThread,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::HidePost => "hide_post",
            Action::UnhidePost => "unhide_post",
            Action::EditPost => "edit_post",
            Action::CloseThread => "close_thread",
            Action::ReopenThread => "reopen_thread",
            Action::ArchiveThread => "archive_thread",
            Action::PinThread => "pin_thread",
            Action::UnpinThread => "unpin_thread",
            Action::MoveThread => "move_thread",
        }
    }

    pub fn from_db(value: &str) -> Option<Action> {
        [
            Action::HidePost,
            Action::UnhidePost,
            Action::EditPost,
            Action::CloseThread,
            Action::ReopenThread,
            Action::ArchiveThread,
            Action::PinThread,
            Action::UnpinThread,
            Action::MoveThread,
        ]
        .into_iter()
        .find(|a| a.as_str() == value)
    }
}

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
        action: Set(action.as_str().to_owned()),
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
