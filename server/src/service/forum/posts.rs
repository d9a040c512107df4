//! Posts: replies anywhere in the tree, edits that keep every version,
//! deletion by the author, and the two ways of reading a thread.

use std::collections::HashMap;

use sea_orm::prelude::*;
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, IntoActiveModel, Order, QueryOrder, QuerySelect, Statement,
};

use super::cache::Posts;
use super::moderation;
use super::{Place, not_allowed_to_write, place_of_post, place_of_thread, require_open};
use crate::domain::cursor;
use crate::domain::forum::Action;
use crate::domain::forum::{parse_body, parse_reason, parse_title, within_edit_window};
use crate::domain::markdown;
use crate::entity::{account, membership, mention, organisation, post, post_revision, thread};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::events::ForumChange;
use crate::service::batch::{self, Batched, WriteQueue};
use crate::service::page::Page;
use crate::service::sessions::Viewer;
use crate::service::{new_id, now};
use crate::state::AppState;
use crate::write::Unit;
use crate::{db, text};

/// A body rendered to HTML, and the members it mentions.
pub struct Rendered {
    pub html: String,
    pub mentioned: Vec<Uuid>,
}

/// Renders Markdown, linking `@handle` only for the organisation's members.
pub async fn render(
    conn: &impl ConnectionTrait,
    org: &organisation::Model,
    source: &str,
) -> AppResult<Rendered> {
    let handles = markdown::mentioned_handles(source);
    let mut links = HashMap::new();
    let mut mentioned = Vec::new();
    if !handles.is_empty() {
        let members = account::Entity::find()
            .filter(account::Column::Handle.is_in(handles))
            .inner_join(membership::Entity)
            .filter(membership::Column::OrganisationId.eq(org.id))
            .filter(membership::Column::LeftAt.is_null())
            .all(conn)
            .await?;
        for member in members {
            if let Some(handle) = member.handle {
                links.insert(handle.clone(), format!("/o/{}/members/{handle}", org.slug));
                mentioned.push(member.id);
            }
        }
    }
    let proxy = crate::service::media::proxy_for(conn, org.remote_images, source).await?;
    Ok(Rendered {
        html: markdown::render(source, &links, proxy.as_ref()),
        mentioned,
    })
}

pub async fn record_mentions(
    conn: &impl ConnectionTrait,
    post_id: Uuid,
    accounts: &[Uuid],
) -> AppResult<()> {
    mention::Entity::delete_many()
        .filter(mention::Column::PostId.eq(post_id))
        .exec(conn)
        .await?;
    if !accounts.is_empty() {
        let rows = accounts.iter().map(|&account_id| mention::ActiveModel {
            post_id: Set(post_id),
            account_id: Set(account_id),
        });
        mention::Entity::insert_many(rows).exec(conn).await?;
    }
    Ok(())
}

/// A new post: an opening post when `parent` is `None`, else an answer one
/// level below `parent`.
pub fn new_post(
    thread_id: Uuid,
    parent: Option<&post::Model>,
    number: i32,
    author_id: Uuid,
    body: String,
    html: String,
    at: DateTimeUtc,
) -> post::Model {
    post::Model {
        id: new_id(),
        thread_id,
        parent_id: parent.map(|p| p.id),
        number,
        depth: parent.map_or(0, |p| p.depth + 1),
        path: parent.map_or_else(|| number.to_string(), |p| format!("{}/{number}", p.path)),
        descendant_count: 0,
        child_count: 0,
        author_id,
        body_source: body,
        body_html: html,
        revision_count: 0,
        created_at: at,
        edited_at: None,
        edited_by: None,
        deleted_at: None,
        hidden_at: None,
        hidden_reason: None,
        hidden_by: None,
    }
}

/// Answers a post of a thread (any post, at any depth).
///
/// Everything that only reads — who may write, what is answered, the
/// rendering — happens before the write, which is group-committed with the
/// replies arriving at the same time (`service::batch`): the whole batch
/// takes a handful of statements whatever its size — its numbers (one per
/// thread), its rows, its mentions, the counts of the posts above, the
/// search documents, the read marks — and one commit. The numbering
/// statement re-checks that the thread is still open, so a thread closed
/// meanwhile refuses the reply.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), thread = %thread_id))]
pub async fn reply(
    state: &AppState,
    viewer: &Viewer,
    thread_id: Uuid,
    parent_id: Uuid,
    body: &str,
) -> AppResult<post::Model> {
    let body = parse_body(body, state.settings.forum.max_body_bytes)?;
    // The parent, its thread and their place in one query; the thread alone
    // when the parent is not in it.
    let (place, thread, parent) = match place_of_post(&state.db, Some(viewer), parent_id).await {
        Ok((place, thread, parent)) if thread.id == thread_id => (place, thread, Some(parent)),
        Err(e) if e.code != ErrorCode::NotFound => return Err(e),
        _ => {
            let (place, thread) = place_of_thread(&state.db, Some(viewer), thread_id).await?;
            (place, thread, None)
        }
    };
    place.require_read()?;
    require_open(&thread)?;
    if !place.can_write(place.category.reply_right) {
        return Err(not_allowed_to_write());
    }
    let parent = parent.ok_or_else(|| {
        AppError::validation(
            "parentId",
            text!(en: "The message you answer is not in this discussion.", fr: "Le message auquel vous répondez n'est pas dans cette discussion."),
        )
    })?;
    let rendered = render(&state.db, &place.organisation, &body).await?;
    let reply = PendingReply {
        author_id: viewer.id(),
        thread,
        parent,
        body,
        rendered,
    };
    batch::submit(state, reply).await
}

/// A reply waiting for its batch, checked and rendered.
pub struct PendingReply {
    author_id: Uuid,
    thread: thread::Model,
    parent: post::Model,
    body: String,
    rendered: Rendered,
}

/// What a batch of replies gathers: the counts its posts add to their
/// ancestors, their search documents and their authors' read marks, each
/// written by one statement for the batch; and the replies to announce once
/// it is committed.
#[derive(Default)]
pub struct Replying {
    created: Vec<(thread::Model, Uuid)>,
    /// Per thread, per post number: (descendants, children) gained.
    counts: HashMap<Uuid, HashMap<i32, (i32, i32)>>,
    indexed: Vec<crate::service::indexing::DocRef>,
    marks: super::reading::Marks,
}

/// Most posts whose counts one statement updates (five values each).
const COUNTS_PER_STATEMENT: usize = 500;

/// Most rows one statement inserts (a post has 19 values; SQLite takes
/// 32,766 per statement, PostgreSQL 65,535).
const ROWS_PER_STATEMENT: usize = 500;

/// Takes the next `n` numbers of an open thread: the last of them, or none
/// when the thread was closed or archived meanwhile.
async fn take_numbers(
    txn: &Unit,
    thread_id: Uuid,
    n: i32,
    at: DateTimeUtc,
) -> AppResult<Option<i32>> {
    let backend = txn.get_database_backend();
    let numbered = txn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            db::sql(
                backend,
                "UPDATE thread SET post_count = post_count + ?, last_activity_at = ? \
                 WHERE id = ? AND closed_at IS NULL AND archived_at IS NULL RETURNING post_count",
            ),
            [n.into(), at.into(), thread_id.into()],
        ))
        .await?;
    Ok(numbered.and_then(|row| row.try_get::<i32>("", "post_count").ok()))
}

/// Why a thread refused new posts while a batch waited.
async fn closed_meanwhile(txn: &Unit, thread_id: Uuid) -> AppResult<AppError> {
    let now_closed = thread::Entity::find_by_id(thread_id)
        .one(txn)
        .await?
        .ok_or_else(super::thread_not_found)?;
    Ok(require_open(&now_closed)
        .err()
        .unwrap_or_else(super::thread_not_found))
}

/// Adds what each thread's posts gained, a few hundred posts per statement.
async fn add_counts(txn: &Unit, counts: &HashMap<Uuid, HashMap<i32, (i32, i32)>>) -> AppResult<()> {
    let backend = txn.get_database_backend();
    for (thread_id, posts) in counts {
        let posts: Vec<(&i32, &(i32, i32))> = posts.iter().collect();
        for chunk in posts.chunks(COUNTS_PER_STATEMENT) {
            let cases = vec!["WHEN ? THEN ?"; chunk.len()].join(" ");
            let marks = vec!["?"; chunk.len()].join(", ");
            let sql = format!(
                "UPDATE post SET descendant_count = descendant_count + CASE number {cases} ELSE 0 END, \
                 child_count = child_count + CASE number {cases} ELSE 0 END \
                 WHERE thread_id = ? AND number IN ({marks})"
            );
            let mut values: Vec<sea_orm::Value> = Vec::with_capacity(chunk.len() * 5 + 1);
            values.extend(
                chunk
                    .iter()
                    .flat_map(|(n, (d, _))| [(**n).into(), (*d).into()]),
            );
            values.extend(
                chunk
                    .iter()
                    .flat_map(|(n, (_, c))| [(**n).into(), (*c).into()]),
            );
            values.push((*thread_id).into());
            values.extend(chunk.iter().map(|(n, _)| (**n).into()));
            txn.execute_raw(Statement::from_sql_and_values(
                backend,
                db::sql(backend, &sql),
                values,
            ))
            .await?;
        }
    }
    Ok(())
}

impl Batched for PendingReply {
    type Output = post::Model;
    type Context = Replying;

    fn queue(state: &AppState) -> &WriteQueue<Self> {
        &state.replies
    }

    async fn write<'a>(
        &'a self,
        txn: &'a Unit,
        context: &'a mut Replying,
    ) -> AppResult<post::Model> {
        let mut written = Self::write_all(std::slice::from_ref(self), txn, context).await?;
        written
            .pop()
            .unwrap_or_else(|| Err(super::thread_not_found()))
    }

    async fn write_all<'a>(
        jobs: &'a [Self],
        txn: &'a Unit,
        context: &'a mut Replying,
    ) -> AppResult<Vec<AppResult<post::Model>>> {
        let at = now();
        // Each thread numbers its new posts at once; its row is the lock,
        // taken in the order of ids so that two writers never wait on each other.
        let mut wanted: std::collections::BTreeMap<Uuid, i32> = Default::default();
        for job in jobs {
            *wanted.entry(job.thread.id).or_default() += 1;
        }
        let mut next: HashMap<Uuid, Option<i32>> = HashMap::new();
        for (thread_id, n) in wanted {
            let last = take_numbers(txn, thread_id, n, at).await?;
            next.insert(thread_id, last.map(|last| last - n + 1));
        }
        let mut results = Vec::with_capacity(jobs.len());
        let mut rows = Vec::with_capacity(jobs.len());
        let mut mentions = Vec::new();
        for job in jobs {
            let thread_id = job.thread.id;
            let Some(number) = next.get_mut(&thread_id).and_then(Option::as_mut) else {
                results.push(Err(closed_meanwhile(txn, thread_id).await?));
                continue;
            };
            let created = new_post(
                thread_id,
                Some(&job.parent),
                *number,
                job.author_id,
                job.body.clone(),
                job.rendered.html.clone(),
                at,
            );
            *number += 1;
            mentions.extend(job.rendered.mentioned.iter().map(|&account_id| {
                mention::ActiveModel {
                    post_id: Set(created.id),
                    account_id: Set(account_id),
                }
            }));
            // Every ancestor gains a descendant; the parent also gains a child.
            let counts = context.counts.entry(thread_id).or_default();
            for ancestor in job
                .parent
                .path
                .split('/')
                .filter_map(|n| n.parse::<i32>().ok())
            {
                let gained = counts.entry(ancestor).or_default();
                gained.0 += 1;
                gained.1 += i32::from(ancestor == job.parent.number);
            }
            context.indexed.push(document(&created));
            context.marks.add(job.author_id, thread_id, created.number);
            context.created.push((job.thread.clone(), created.id));
            rows.push(created.clone().into_active_model());
            results.push(Ok(created));
        }
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            post::Entity::insert_many(chunk.iter().cloned())
                .exec_without_returning(txn)
                .await?;
        }
        for chunk in mentions.chunks(ROWS_PER_STATEMENT) {
            mention::Entity::insert_many(chunk.iter().cloned())
                .exec_without_returning(txn)
                .await?;
        }
        Ok(results)
    }

    async fn finish(txn: &Unit, context: &mut Replying) -> AppResult<()> {
        add_counts(txn, &context.counts).await?;
        crate::service::indexing::enqueue(txn, &context.indexed).await?;
        context.marks.write(txn).await
    }

    fn announce(txn: &Unit, context: &Replying) {
        for (thread, post) in &context.created {
            super::publish(txn, thread, Some(*post), ForumChange::PostCreated);
        }
    }
}

/// Edits a post (and, for an opening post, its thread's title), keeping the
/// previous version. Authors may edit within the organisation's edit window;
/// facilitators may always edit, and their edits of others' posts are logged.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), post = %post_id))]
pub async fn edit(
    state: &AppState,
    viewer: &Viewer,
    post_id: Uuid,
    body: &str,
    title: Option<&str>,
) -> AppResult<post::Model> {
    let body = parse_body(body, state.settings.forum.max_body_bytes)?;
    let title = title.map(parse_title).transpose()?;
    let txn = state.write().await?;
    let (place, thread, current) = place_of_post(&txn, Some(viewer), post_id).await?;
    place.require_read()?;
    if thread.archived_at.is_some() {
        require_open(&thread)?;
    }
    let moderator = crate::domain::access::can_moderate(place.reader);
    let own = current.author_id == viewer.id();
    let minutes = (now() - current.created_at).num_minutes();
    let author_may = own
        && within_edit_window(place.organisation.edit_window_minutes, minutes)
        && current.deleted_at.is_none();
    if !(author_may || moderator) {
        return Err(AppError::forbidden(if own {
            text!(en: "The time to edit this message has passed.", fr: "Le délai pour modifier ce message est passé.")
        } else {
            text!(en: "Only its author (or a facilitator) may edit a message.", fr: "Seul·e son auteur·ice (ou l'animation) peut modifier un message.")
        }));
    }
    if title.is_some() && current.number != 1 {
        return Err(AppError::validation(
            "title",
            text!(en: "Only the opening message carries the title.", fr: "Seul le message d'ouverture porte le titre."),
        ));
    }
    let version = current.revision_count + 1;
    post_revision::ActiveModel {
        id: Set(new_id()),
        post_id: Set(current.id),
        version: Set(version),
        title: Set((current.number == 1).then(|| thread.title.clone())),
        body_source: Set(current.body_source.clone()),
        author_id: Set(current.edited_by.unwrap_or(current.author_id)),
        written_at: Set(current.edited_at.unwrap_or(current.created_at)),
    }
    .insert(&txn)
    .await?;
    let rendered = render(&txn, &place.organisation, &body).await?;
    let renamed = title.is_some();
    if let Some(title) = title {
        // The thread's row before the post's, in the order a batch of
        // replies takes them, so that neither waits on the other for ever.
        let mut t = thread.clone().into_active_model();
        t.title = Set(title);
        t.update(&txn).await?;
    }
    let author_id = current.author_id;
    let mut active = current.into_active_model();
    active.body_source = Set(body);
    active.body_html = Set(rendered.html);
    active.revision_count = Set(version);
    active.edited_at = Set(Some(now()));
    active.edited_by = Set(Some(viewer.id()));
    let updated = active.update(&txn).await?;
    if renamed {
        // Its posts are found under the thread's title too.
        crate::service::indexing::enqueue_thread(&txn, thread.id).await?;
    } else {
        index_post(&txn, &updated).await?;
    }
    record_mentions(&txn, updated.id, &rendered.mentioned).await?;
    if author_id != viewer.id() {
        moderation::log(
            &txn,
            place.organisation.id,
            viewer.id(),
            Action::EditPost,
            "post",
            post_id,
            None,
        )
        .await?;
    }
    super::publish(&txn, &thread, Some(updated.id), ForumChange::PostEdited);
    txn.commit().await?;
    Ok(updated)
}

/// Deletes one's own post: its place in the tree stays, marked deleted.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), post = %post_id))]
pub async fn delete(state: &AppState, viewer: &Viewer, post_id: Uuid) -> AppResult<post::Model> {
    let txn = state.write().await?;
    let (place, thread, current) = place_of_post(&txn, Some(viewer), post_id).await?;
    place.require_read()?;
    if current.author_id != viewer.id() {
        return Err(AppError::forbidden(text!(
            en: "Only its author may delete a message; facilitators hide messages instead, with a reason.",
            fr: "Seul·e son auteur·ice peut supprimer un message ; l'animation masque les messages, avec une raison."
        )));
    }
    if thread.archived_at.is_some() {
        require_open(&thread)?;
    }
    let mut active = current.into_active_model();
    active.deleted_at = Set(Some(now()));
    let updated = active.update(&txn).await?;
    index_post(&txn, &updated).await?;
    super::publish(&txn, &thread, Some(updated.id), ForumChange::PostDeleted);
    txn.commit().await?;
    Ok(updated)
}

/// Hides a post, with a reason shown in its place (facilitators).
pub async fn hide(
    state: &AppState,
    viewer: &Viewer,
    post_id: Uuid,
    reason: Option<&str>,
) -> AppResult<post::Model> {
    let reason = parse_reason(reason)?;
    set_hidden(state, viewer, post_id, Some(reason)).await
}

pub async fn unhide(state: &AppState, viewer: &Viewer, post_id: Uuid) -> AppResult<post::Model> {
    set_hidden(state, viewer, post_id, None).await
}

async fn set_hidden(
    state: &AppState,
    viewer: &Viewer,
    post_id: Uuid,
    reason: Option<String>,
) -> AppResult<post::Model> {
    let txn = state.write().await?;
    let (place, thread, current) = place_of_post(&txn, Some(viewer), post_id).await?;
    // Who may not read the place learns nothing of it.
    place.require_read()?;
    place.require_moderator()?;
    let action = if reason.is_some() {
        Action::HidePost
    } else {
        Action::UnhidePost
    };
    let mut active = current.into_active_model();
    active.hidden_at = Set(reason.as_ref().map(|_| now()));
    active.hidden_reason = Set(reason.clone());
    active.hidden_by = Set(reason.as_ref().map(|_| viewer.id()));
    let updated = active.update(&txn).await?;
    moderation::log(
        &txn,
        place.organisation.id,
        viewer.id(),
        action,
        "post",
        post_id,
        reason,
    )
    .await?;
    index_post(&txn, &updated).await?;
    super::publish(&txn, &thread, Some(updated.id), ForumChange::PostHidden);
    txn.commit().await?;
    Ok(updated)
}

/// Queues a post for search: the opening post is searched with its thread.
async fn index_post(conn: &Unit, p: &post::Model) -> AppResult<()> {
    crate::service::indexing::enqueue(conn, &[document(p)]).await
}

/// The search document a post is part of: its thread's for an opening post.
fn document(p: &post::Model) -> crate::service::indexing::DocRef {
    use crate::service::indexing::DocRef;
    match p.parent_id {
        None => DocRef::Thread(p.thread_id),
        Some(_) => DocRef::Post(p.id),
    }
}

fn by_number(list: &str, first: Option<i32>, after: Option<String>) -> AppResult<(u64, i32)> {
    let size = cursor::page_size(first)?;
    let after = match after {
        Some(a) => cursor::decode(list, &a)?
            .parse()
            .map_err(|_| cursor::invalid())?,
        None => 0,
    };
    Ok((size, after))
}

async fn page_of(
    conn: &impl ConnectionTrait,
    query: sea_orm::Select<post::Entity>,
    size: u64,
    after: i32,
) -> AppResult<Page<post::Model>> {
    let mut rows = query
        .filter(post::Column::Number.gt(after))
        .order_by(post::Column::Number, Order::Asc)
        .limit(size + 1)
        .all(conn)
        .await?;
    let has_next = rows.len() as u64 > size;
    rows.truncate(size as usize);
    Ok(Page { rows, has_next })
}

/// A thread as one chronological list (each post knows its parent and depth).
pub async fn page(
    state: &AppState,
    viewer: Option<&Viewer>,
    thread_id: Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Posts> {
    let (place, _) = super::place_to_read(state, viewer, thread_id).await?;
    page_in(state, &place, thread_id, first, after).await
}

/// [`page`] where the thread's place is already known.
pub async fn page_in(
    state: &AppState,
    place: &Place,
    thread_id: Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Posts> {
    let (size, after) = by_number("posts", first, after)?;
    place.require_read()?;
    let read = page_of(
        &state.db,
        post::Entity::find().filter(post::Column::ThreadId.eq(thread_id)),
        size,
        after,
    );
    state
        .forum_cache
        .page((thread_id, None, after, size), read)
        .await
}

/// The direct answers to a post, oldest first (each knows how many answers lie below it).
pub async fn children(
    state: &AppState,
    viewer: Option<&Viewer>,
    post_id: Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Posts> {
    let (size, after) = by_number("replies", first, after)?;
    let (place, thread, _) = place_of_post(&state.db, viewer, post_id).await?;
    place.require_read()?;
    let read = page_of(
        &state.db,
        post::Entity::find().filter(post::Column::ParentId.eq(post_id)),
        size,
        after,
    );
    state
        .forum_cache
        .page((thread.id, Some(post_id), after, size), read)
        .await
}

/// Every earlier version of a post, oldest first.
pub async fn revisions(
    state: &AppState,
    viewer: Option<&Viewer>,
    post_id: Uuid,
) -> AppResult<Vec<post_revision::Model>> {
    let (place, _, _) = place_of_post(&state.db, viewer, post_id).await?;
    place.require_read()?;
    Ok(post_revision::Entity::find()
        .filter(post_revision::Column::PostId.eq(post_id))
        .order_by(post_revision::Column::Version, Order::Asc)
        .all(&state.db)
        .await?)
}
