//! The forum in GraphQL: categories, threads, posts in a tree, revisions,
//! moderation, reading state, and live updates.

mod mutations;
mod post_objects;
mod subscription;
mod thread_objects;

pub use mutations::*;
pub use post_objects::*;
pub use subscription::*;
pub use thread_objects::*;

use std::sync::Arc;

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures_util::Stream;
use sea_orm::EntityTrait;
use uuid::Uuid;

use crate::domain::access::can_moderate;
use crate::domain::cursor;
use crate::domain::forum::Action;
use crate::domain::forum::{Right, Visibility};
use crate::entity::{category, moderation_action, post, post_revision, thread};
use crate::error::AppResult;
use crate::events::{Event, ForumChange};
use crate::graphql::accounts::Person;
use crate::graphql::connection::simple;
use crate::graphql::context::{maybe_viewer, state, viewer};
use crate::graphql::live::{self, Concern, Live};
use crate::graphql::loaders::{Loaders, person};
use crate::graphql::{id, parse_id};
use crate::service::forum::cache::Posts;
use crate::service::forum::threads::{NewThread, ThreadCursor, ThreadOrder};
use crate::service::forum::{self, Place, categories, moderation, posts, reading, threads};
use crate::service::sessions::Viewer as ViewerData;
use crate::state::AppState;

/// An organisation's categories and moderation log, for `Organisation`.
pub async fn organisation_categories(
    ctx: &Context<'_>,
    organisation_id: uuid::Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Connection<String, Category>> {
    let has_after = after.is_some();
    let page = categories::list(
        state(ctx)?,
        maybe_viewer(ctx),
        organisation_id,
        first,
        after,
    )
    .await?;
    Ok(simple(
        "categories",
        page,
        |p| p.category.id,
        |p| Category::in_place(Arc::new(p)),
        has_after,
    ))
}

pub async fn organisation_moderation_log(
    ctx: &Context<'_>,
    organisation_id: uuid::Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Connection<String, ModerationEntry>> {
    let has_after = after.is_some();
    let page =
        moderation::history(state(ctx)?, viewer(ctx)?, organisation_id, first, after).await?;
    Ok(simple(
        "moderation",
        page,
        |m| m.id,
        ModerationEntry,
        has_after,
    ))
}

#[derive(Default)]
pub struct ForumQuery;

#[Object]
impl ForumQuery {
    async fn category(&self, ctx: &Context<'_>, id: ID) -> Result<Category> {
        Ok(Category::in_place(Arc::new(
            categories::get(state(ctx)?, maybe_viewer(ctx), parse_id(&id, "id")?).await?,
        )))
    }
    async fn thread(&self, ctx: &Context<'_>, id: ID) -> Result<Thread> {
        let (place, row) =
            forum::place_to_read(state(ctx)?, maybe_viewer(ctx), parse_id(&id, "id")?).await?;
        place.require_read()?;
        Ok(Thread::in_place(row, Arc::new(place)))
    }
    async fn post(&self, ctx: &Context<'_>, id: ID) -> Result<Post> {
        let (place, _, row) =
            forum::place_of_post(&state(ctx)?.db, maybe_viewer(ctx), parse_id(&id, "id")?).await?;
        place.require_read()?;
        Ok(Post {
            row: row.into(),
            moderator: can_moderate(place.reader),
        })
    }
}
