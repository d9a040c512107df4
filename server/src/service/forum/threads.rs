//! Threads: starting one, listing a category's threads, and what facilitators
//! do to threads (close, archive, pin, move).

use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ActiveValue::Set, Condition, IntoActiveModel, Order, QueryOrder, QuerySelect};

use super::moderation;
use super::{Place, not_allowed_to_write, place_of_category, place_of_thread};
use crate::domain::cursor;
use crate::domain::forum::Action;
use crate::domain::forum::{parse_body, parse_reason, parse_tags, parse_title};
use crate::entity::{post, thread};
use crate::error::{AppError, AppResult};
use crate::events::ForumChange;
use crate::service::governance;
use crate::service::page::Page;
use crate::service::sessions::Viewer;
use crate::service::{new_id, now};
use crate::state::AppState;
use crate::text;
use crate::write::Unit;

pub struct NewThread {
    pub category_id: Uuid,
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
}

/// Starts a thread: its title, and its opening post (number 1).
#[tracing::instrument(skip_all, fields(account = %viewer.id(), category = %input.category_id))]
pub async fn start(
    state: &AppState,
    viewer: &Viewer,
    input: NewThread,
) -> AppResult<(thread::Model, post::Model)> {
    let title = parse_title(&input.title)?;
    let body = parse_body(&input.body, state.settings.forum.max_body_bytes)?;
    let tags = parse_tags(&input.tags)?;
    let txn = state.write().await?;
    let place = place_of_category(&txn, Some(viewer), input.category_id).await?;
    place.require_read()?;
    if !place.can_write(place.category.thread_right) {
        return Err(not_allowed_to_write());
    }
    let (thread, opening) = insert(&txn, &place, viewer.id(), title, body, tags, None).await?;
    super::publish(&txn, &thread, None, ForumChange::ThreadStarted);
    txn.commit().await?;
    Ok((thread, opening))
}

/// Writes a thread and its opening post (number 1) inside the caller's
/// transaction; `recusal_call_id` names the call for candidacies whose
/// position it deliberates on.
pub async fn insert(
    txn: &Unit,
    place: &Place,
    author: Uuid,
    title: String,
    body: String,
    tags: Vec<String>,
    recusal_call_id: Option<Uuid>,
) -> AppResult<(thread::Model, post::Model)> {
    let at = now();
    let thread = thread::ActiveModel {
        id: Set(new_id()),
        organisation_id: Set(place.organisation.id),
        category_id: Set(place.category.id),
        author_id: Set(author),
        title: Set(title),
        tags: Set(serde_json::json!(tags)),
        pinned: Set(false),
        closed_at: Set(None),
        closed_reason: Set(None),
        archived_at: Set(None),
        post_count: Set(1),
        created_at: Set(at),
        last_activity_at: Set(at),
        recusal_call_id: Set(recusal_call_id),
    }
    .insert(txn)
    .await?;
    let html = super::posts::render(txn, &place.organisation, &body).await?;
    let opening = super::posts::new_post(thread.id, None, 1, author, body, html.html, at)
        .into_active_model()
        .insert(txn)
        .await?;
    super::posts::record_mentions(txn, opening.id, &html.mentioned).await?;
    crate::service::indexing::enqueue(txn, &[crate::service::indexing::DocRef::Thread(thread.id)])
        .await?;
    Ok((thread, opening))
}

/// How a category's threads are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum ThreadOrder {
    /// Pinned threads first, then by latest activity.
    LatestActivity,
    /// By creation, newest first.
    Newest,
    /// Threads with unread posts first (each part by latest activity).
    UnreadFirst,
}

/// One page of a category's threads; each row says whether it comes from the
/// unread part of an unread-first listing (its cursor needs to know).
pub async fn list(
    state: &AppState,
    viewer: Option<&Viewer>,
    place: &Place,
    order: ThreadOrder,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<(thread::Model, bool)>> {
    place.require_read()?;
    let category_id = place.category.id;
    let size = cursor::page_size(first)?;
    let after = after.map(|a| ThreadCursor::decode(order, &a)).transpose()?;
    let mut base = thread::Entity::find().filter(thread::Column::CategoryId.eq(category_id));
    if let Some(viewer) = viewer.filter(|_| place.organisation.recusal_hides_deliberation) {
        let hidden = governance::designations::withheld_threads(&state.db, viewer.id()).await?;
        if !hidden.is_empty() {
            base = base.filter(thread::Column::Id.is_not_in(hidden));
        }
    }
    let unread_part =
        |rows: Vec<thread::Model>, unread: bool| rows.into_iter().map(move |t| (t, unread));
    let (rows, has_next) = match (order, viewer) {
        (ThreadOrder::Newest, _) => {
            let mut q = base
                .order_by(thread::Column::Id, Order::Desc)
                .limit(size + 1);
            if let Some(c) = &after {
                q = q.filter(thread::Column::Id.lt(c.id));
            }
            let (rows, more) = split(q.all(&state.db).await?, size);
            (unread_part(rows, false).collect(), more)
        }
        (ThreadOrder::UnreadFirst, Some(viewer)) => {
            // Unread threads first, then the others; the cursor says which part it is in.
            let unread = super::reading::unread_condition(viewer.id());
            let mut rows: Vec<(thread::Model, bool)> = Vec::new();
            let start_in_unread = after.as_ref().is_none_or(|c| c.unread);
            if start_in_unread {
                let q = by_activity(base.clone().filter(unread.clone()), after.as_ref(), size);
                let (found, more) = split(q.all(&state.db).await?, size);
                rows.extend(unread_part(found, true));
                if more {
                    return Ok(Page {
                        rows,
                        has_next: true,
                    });
                }
            }
            let remaining = size - rows.len() as u64;
            let read_after = after.as_ref().filter(|c| !c.unread);
            let q = by_activity(base.filter(Condition::not(unread)), read_after, remaining);
            let (found, more) = split(q.all(&state.db).await?, remaining);
            rows.extend(unread_part(found, false));
            (rows, more)
        }
        _ => {
            let (rows, more) = split(
                by_activity(base, after.as_ref(), size)
                    .all(&state.db)
                    .await?,
                size,
            );
            (unread_part(rows, false).collect(), more)
        }
    };
    Ok(Page { rows, has_next })
}

fn split(mut rows: Vec<thread::Model>, size: u64) -> (Vec<thread::Model>, bool) {
    let more = rows.len() as u64 > size;
    rows.truncate(size as usize);
    (rows, more)
}

fn by_activity(
    query: sea_orm::Select<thread::Entity>,
    after: Option<&ThreadCursor>,
    size: u64,
) -> sea_orm::Select<thread::Entity> {
    let mut q = query
        .order_by(thread::Column::Pinned, Order::Desc)
        .order_by(thread::Column::LastActivityAt, Order::Desc)
        .order_by(thread::Column::Id, Order::Desc)
        .limit(size + 1);
    if let Some(c) = after {
        let (pinned, at, id) = (c.pinned, c.at, c.id);
        q = q.filter(
            Condition::any()
                .add(thread::Column::Pinned.lt(pinned))
                .add(
                    thread::Column::Pinned
                        .eq(pinned)
                        .and(thread::Column::LastActivityAt.lt(at)),
                )
                .add(
                    thread::Column::Pinned
                        .eq(pinned)
                        .and(thread::Column::LastActivityAt.eq(at))
                        .and(thread::Column::Id.lt(id)),
                ),
        );
    }
    q
}

/// The position of a thread in a listing.
#[derive(Debug, Clone)]
pub struct ThreadCursor {
    pub unread: bool,
    pub pinned: bool,
    pub at: DateTime<Utc>,
    pub id: Uuid,
}

impl ThreadCursor {
    pub fn list(order: ThreadOrder) -> &'static str {
        match order {
            ThreadOrder::LatestActivity => "threads-activity",
            ThreadOrder::Newest => "threads-newest",
            ThreadOrder::UnreadFirst => "threads-unread",
        }
    }

    pub fn encode(order: ThreadOrder, thread: &thread::Model, unread: bool) -> String {
        let key = format!(
            "{}|{}|{}|{}",
            u8::from(unread),
            u8::from(thread.pinned),
            thread.last_activity_at.timestamp_micros(),
            thread.id
        );
        cursor::encode(Self::list(order), &key)
    }

    fn decode(order: ThreadOrder, raw: &str) -> AppResult<ThreadCursor> {
        let key = cursor::decode(Self::list(order), raw)?;
        let parts: Vec<&str> = key.split('|').collect();
        let parsed = match parts.as_slice() {
            [unread, pinned, micros, id] => (|| {
                Some(ThreadCursor {
                    unread: *unread == "1",
                    pinned: *pinned == "1",
                    at: DateTime::from_timestamp_micros(micros.parse().ok()?)?,
                    id: Uuid::parse_str(id).ok()?,
                })
            })(),
            _ => None,
        };
        parsed.ok_or_else(cursor::invalid)
    }
}

/// Closes a thread to new replies, with the reason shown in place (facilitators).
pub async fn close(
    state: &AppState,
    viewer: &Viewer,
    thread_id: Uuid,
    reason: Option<&str>,
) -> AppResult<thread::Model> {
    let reason = parse_reason(reason)?;
    moderate(
        state,
        viewer,
        thread_id,
        Action::CloseThread,
        Some(reason.clone()),
        move |t| {
            t.closed_at = Set(Some(now()));
            t.closed_reason = Set(Some(reason));
        },
    )
    .await
}

pub async fn reopen(
    state: &AppState,
    viewer: &Viewer,
    thread_id: Uuid,
) -> AppResult<thread::Model> {
    moderate(state, viewer, thread_id, Action::ReopenThread, None, |t| {
        t.closed_at = Set(None);
        t.closed_reason = Set(None);
    })
    .await
}

/// Archives a thread: read-only for good (facilitators).
pub async fn archive(
    state: &AppState,
    viewer: &Viewer,
    thread_id: Uuid,
) -> AppResult<thread::Model> {
    moderate(state, viewer, thread_id, Action::ArchiveThread, None, |t| {
        t.archived_at = Set(Some(now()))
    })
    .await
}

pub async fn pin(
    state: &AppState,
    viewer: &Viewer,
    thread_id: Uuid,
    pinned: bool,
) -> AppResult<thread::Model> {
    let action = if pinned {
        Action::PinThread
    } else {
        Action::UnpinThread
    };
    moderate(state, viewer, thread_id, action, None, move |t| {
        t.pinned = Set(pinned)
    })
    .await
}

/// Moves a thread to another category of the same organisation (facilitators).
pub async fn move_to(
    state: &AppState,
    viewer: &Viewer,
    thread_id: Uuid,
    category_id: Uuid,
) -> AppResult<thread::Model> {
    let target = place_of_category(&state.db, Some(viewer), category_id).await?;
    let (place, _) = place_of_thread(&state.db, Some(viewer), thread_id).await?;
    if target.organisation.id != place.organisation.id {
        return Err(AppError::validation(
            "categoryId",
            text!(en: "A thread moves only within its organisation.", fr: "Une discussion ne change pas d'organisation."),
        ));
    }
    moderate(
        state,
        viewer,
        thread_id,
        Action::MoveThread,
        None,
        move |t| t.category_id = Set(category_id),
    )
    .await
}

async fn moderate(
    state: &AppState,
    viewer: &Viewer,
    thread_id: Uuid,
    action: Action,
    reason: Option<String>,
    change: impl FnOnce(&mut thread::ActiveModel),
) -> AppResult<thread::Model> {
    let txn = state.write().await?;
    let (place, current) = place_of_thread(&txn, Some(viewer), thread_id).await?;
    // Who may not read the place learns nothing of it.
    place.require_read()?;
    place.require_moderator()?;
    let mut active = current.into_active_model();
    change(&mut active);
    let moved = active.category_id.is_set();
    let updated = active.update(&txn).await?;
    moderation::log(
        &txn,
        place.organisation.id,
        viewer.id(),
        action,
        "thread",
        thread_id,
        reason,
    )
    .await?;
    if moved {
        // Its readers may have changed: so have its posts'.
        crate::service::indexing::enqueue_thread(&txn, thread_id).await?;
    }
    super::publish(&txn, &updated, None, ForumChange::ThreadChanged);
    txn.commit().await?;
    Ok(updated)
}
