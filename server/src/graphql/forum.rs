//! The forum in GraphQL: categories, threads, posts in a tree, revisions,
//! moderation, reading state, and live updates.

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

/// A discussion space of an organisation.
pub struct Category {
    row: category::Model,
    /// The place already checked for this reader, when known.
    place: Option<Arc<Place>>,
}

impl Category {
    fn new(row: category::Model) -> Self {
        Category { row, place: None }
    }

    fn in_place(place: Arc<Place>) -> Self {
        Category {
            row: place.category.clone(),
            place: Some(place),
        }
    }

    /// The place, checked for this reader (looked up once when not known).
    async fn place(&self, ctx: &Context<'_>) -> Result<Arc<Place>> {
        Ok(match &self.place {
            Some(place) => place.clone(),
            None => Arc::new(categories::get(state(ctx)?, maybe_viewer(ctx), self.row.id).await?),
        })
    }
}

#[Object]
impl Category {
    async fn id(&self) -> ID {
        id(self.row.id)
    }
    async fn slug(&self) -> &str {
        &self.row.slug
    }
    async fn name(&self) -> &str {
        &self.row.name
    }
    async fn description(&self) -> &str {
        &self.row.description
    }
    async fn visibility(&self) -> Visibility {
        self.row.visibility
    }
    /// Who may start threads.
    async fn thread_right(&self) -> Right {
        self.row.thread_right
    }
    /// Who may reply.
    async fn reply_right(&self) -> Right {
        self.row.reply_right
    }
    async fn position(&self) -> i32 {
        self.row.position
    }
    async fn parent_id(&self) -> Option<ID> {
        self.row.parent_id.map(id)
    }
    /// Threads, by latest activity (pinned first; the default), newest, or unread first.
    async fn threads(
        &self,
        ctx: &Context<'_>,
        order: Option<ThreadOrder>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Thread>> {
        let viewer = maybe_viewer(ctx);
        let order = order.unwrap_or(ThreadOrder::LatestActivity);
        let has_after = after.is_some();
        let place = self.place(ctx).await?;
        let page = threads::list(state(ctx)?, viewer, &place, order, first, after).await?;
        let mut connection = Connection::new(has_after, page.has_next);
        connection.edges = page
            .rows
            .into_iter()
            .map(|(t, unread)| {
                async_graphql::connection::Edge::new(
                    ThreadCursor::encode(order, &t, unread),
                    Thread::in_place(t, place.clone()),
                )
            })
            .collect();
        Ok(connection)
    }
    /// Posts the viewer has not read in this space.
    async fn unread_count(&self, ctx: &Context<'_>) -> Result<i64> {
        match maybe_viewer(ctx) {
            Some(v) => Ok(reading::unread_in_category(&state(ctx)?.db, v.id(), self.row.id).await?),
            None => Ok(0),
        }
    }
    /// May the viewer start a thread here?
    async fn viewer_can_start_thread(&self, ctx: &Context<'_>) -> Result<bool> {
        let place = self.place(ctx).await?;
        Ok(place.can_write(self.row.thread_right))
    }
}

/// A titled discussion.
pub struct Thread {
    row: thread::Model,
    /// Is the reader a facilitator here (who sees hidden posts)?
    moderator: bool,
    /// The place already checked for this reader, when known: its posts
    /// are then read without checking again.
    place: Option<Arc<Place>>,
}

impl Thread {
    fn new(row: thread::Model, moderator: bool) -> Self {
        Thread {
            row,
            moderator,
            place: None,
        }
    }

    fn in_place(row: thread::Model, place: Arc<Place>) -> Self {
        Thread {
            row,
            moderator: can_moderate(place.reader),
            place: Some(place),
        }
    }

    async fn page(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Posts> {
        Ok(match &self.place {
            Some(place) => posts::page_in(state(ctx)?, place, self.row.id, first, after).await?,
            None => posts::page(state(ctx)?, maybe_viewer(ctx), self.row.id, first, after).await?,
        })
    }
}

#[Object]
impl Thread {
    async fn id(&self) -> ID {
        id(self.row.id)
    }
    async fn title(&self) -> &str {
        &self.row.title
    }
    async fn tags(&self) -> Vec<String> {
        serde_json::from_value(self.row.tags.clone()).unwrap_or_default()
    }
    async fn author(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.row.author_id).await
    }
    async fn category_id(&self) -> ID {
        id(self.row.category_id)
    }
    async fn pinned(&self) -> bool {
        self.row.pinned
    }
    /// Closed to new replies (see `closedReason`).
    async fn closed(&self) -> bool {
        self.row.closed_at.is_some()
    }
    async fn closed_reason(&self) -> Option<&str> {
        self.row.closed_reason.as_deref()
    }
    /// Read-only for good.
    async fn archived(&self) -> bool {
        self.row.archived_at.is_some()
    }
    /// Posts, the opening post included.
    async fn post_count(&self) -> i32 {
        self.row.post_count
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }
    async fn last_activity_at(&self) -> DateTime<Utc> {
        self.row.last_activity_at
    }
    /// The number of the last post the viewer has read (0: none).
    async fn last_read_number(&self, ctx: &Context<'_>) -> Result<i32> {
        let Some(viewer) = maybe_viewer(ctx) else {
            return Ok(0);
        };
        let loaders = ctx.data::<Loaders>()?;
        let read = loaders
            .reads
            .load_one((viewer.id(), self.row.id))
            .await
            .map_err(crate::error::AppError::internal)?;
        Ok(read.unwrap_or(0))
    }
    /// Posts the viewer has not read.
    async fn unread_count(&self, ctx: &Context<'_>) -> Result<i32> {
        if maybe_viewer(ctx).is_none() {
            return Ok(0);
        }
        Ok((self.row.post_count - self.last_read_number(ctx).await?).max(0))
    }
    /// The whole thread in order of writing: each post carries its parent and depth.
    async fn posts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Post>> {
        let has_after = after.is_some();
        let page = self.page(ctx, first, after).await?;
        posts_connection(ctx, "posts", page, self.moderator, has_after).await
    }
    /// The opening post, root of the reply tree.
    async fn opening_post(&self, ctx: &Context<'_>) -> Result<Option<Post>> {
        let page = self.page(ctx, Some(1), None).await?;
        Ok(page.rows.into_iter().next().map(|row| Post {
            row,
            moderator: self.moderator,
        }))
    }
}

/// A page of posts as a connection; their authors read in one query when asked for.
async fn posts_connection(
    ctx: &Context<'_>,
    list: &str,
    page: Posts,
    moderator: bool,
    has_after: bool,
) -> Result<Connection<String, Post>> {
    let look = ctx.look_ahead();
    if look.field("nodes").field("author").exists()
        || look.field("edges").field("node").field("author").exists()
    {
        ctx.data::<Loaders>()?
            .prime_accounts(page.rows.iter().map(|p| p.author_id))
            .await
            .map_err(crate::error::AppError::internal)?;
    }
    let mut connection = Connection::new(has_after, page.has_next);
    connection.edges = page
        .rows
        .into_iter()
        .map(|row| {
            async_graphql::connection::Edge::new(
                cursor::encode(list, &row.number.to_string()),
                Post { row, moderator },
            )
        })
        .collect();
    Ok(connection)
}

/// A message in a thread's reply tree (shared with the pages kept in memory).
pub struct Post {
    row: Arc<post::Model>,
    moderator: bool,
}

impl Post {
    /// Can the reader see the text? Deleted posts show nothing; hidden posts
    /// show their reason to everyone and their text to facilitators only.
    fn readable(&self) -> bool {
        self.row.deleted_at.is_none() && (self.row.hidden_at.is_none() || self.moderator)
    }
}

#[Object]
impl Post {
    async fn id(&self) -> ID {
        id(self.row.id)
    }
    /// 1 for the opening post, then in order of writing.
    async fn number(&self) -> i32 {
        self.row.number
    }
    /// 0 for the opening post; a reply is one deeper than what it answers.
    async fn depth(&self) -> i32 {
        self.row.depth
    }
    /// The post this one answers.
    async fn parent_id(&self) -> Option<ID> {
        self.row.parent_id.map(id)
    }
    async fn thread_id(&self) -> ID {
        id(self.row.thread_id)
    }
    async fn author(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.row.author_id).await
    }
    /// The rendered, sanitised HTML; null when deleted or hidden.
    async fn body_html(&self) -> Option<&str> {
        self.readable().then_some(self.row.body_html.as_str())
    }
    /// The Markdown source; null when deleted or hidden.
    async fn body(&self) -> Option<&str> {
        self.readable().then_some(self.row.body_source.as_str())
    }
    async fn deleted(&self) -> bool {
        self.row.deleted_at.is_some()
    }
    async fn hidden(&self) -> bool {
        self.row.hidden_at.is_some()
    }
    /// Why a facilitator hid it, shown in its place.
    async fn hidden_reason(&self) -> Option<&str> {
        self.row.hidden_reason.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }
    async fn edited_at(&self) -> Option<DateTime<Utc>> {
        self.row.edited_at
    }
    /// How many earlier versions exist.
    async fn revision_count(&self) -> i32 {
        self.row.revision_count
    }
    /// Every earlier version, oldest first.
    async fn revisions(&self, ctx: &Context<'_>) -> Result<Vec<PostRevision>> {
        if !self.readable() {
            return Ok(Vec::new());
        }
        Ok(
            posts::revisions(state(ctx)?, maybe_viewer(ctx), self.row.id)
                .await?
                .into_iter()
                .map(PostRevision)
                .collect(),
        )
    }
    /// Answers at any depth below this post.
    async fn descendant_count(&self) -> i32 {
        self.row.descendant_count
    }
    /// Direct answers.
    async fn reply_count(&self) -> i32 {
        self.row.child_count
    }
    /// The direct answers, oldest first — to unfold a sub-thread.
    async fn replies(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Post>> {
        let has_after = after.is_some();
        let page =
            posts::children(state(ctx)?, maybe_viewer(ctx), self.row.id, first, after).await?;
        posts_connection(ctx, "replies", page, self.moderator, has_after).await
    }
}

/// An earlier version of a post.
pub struct PostRevision(post_revision::Model);

#[Object]
impl PostRevision {
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The thread's title at the time (opening posts only).
    async fn title(&self) -> Option<&str> {
        self.0.title.as_deref()
    }
    async fn body(&self) -> &str {
        &self.0.body_source
    }
    async fn author(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.0.author_id).await
    }
    async fn written_at(&self) -> DateTime<Utc> {
        self.0.written_at
    }
}

/// One act of moderation.
pub struct ModerationEntry(pub moderation_action::Model);

#[Object(name = "ModerationAction")]
impl ModerationEntry {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn action(&self) -> Action {
        self.0.action
    }
    async fn target_kind(&self) -> &str {
        &self.0.target_kind
    }
    async fn target_id(&self) -> ID {
        id(self.0.target_id)
    }
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.0.actor_id).await
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
}

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

#[derive(InputObject)]
pub struct CreateCategoryInput {
    pub organisation_id: ID,
    pub parent_id: Option<ID>,
    pub slug: String,
    pub name: String,
    #[graphql(default)]
    pub description: String,
    #[graphql(default_with = "Visibility::Members")]
    pub visibility: Visibility,
    #[graphql(default_with = "Right::Members")]
    pub thread_right: Right,
    #[graphql(default_with = "Right::Members")]
    pub reply_right: Right,
    #[graphql(default)]
    pub position: i32,
}

#[derive(InputObject)]
pub struct UpdateCategoryInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub visibility: Option<Visibility>,
    pub thread_right: Option<Right>,
    pub reply_right: Option<Right>,
    pub position: Option<i32>,
}

#[derive(InputObject)]
pub struct StartThreadInput {
    pub category_id: ID,
    pub title: String,
    /// Markdown.
    pub body: String,
    #[graphql(default)]
    pub tags: Vec<String>,
}

#[derive(SimpleObject)]
pub struct StartThreadPayload {
    pub thread: Thread,
    pub post: Post,
}

#[derive(Default)]
pub struct ForumMutation;

#[Object]
impl ForumMutation {
    /// Creates a discussion space (organisation admins).
    async fn create_category(
        &self,
        ctx: &Context<'_>,
        input: CreateCategoryInput,
    ) -> Result<Category> {
        let new = categories::NewCategory {
            organisation_id: parse_id(&input.organisation_id, "organisationId")?,
            parent_id: input
                .parent_id
                .as_ref()
                .map(|p| parse_id(p, "parentId"))
                .transpose()?,
            slug: input.slug,
            name: input.name,
            description: input.description,
            visibility: input.visibility,
            thread_right: input.thread_right,
            reply_right: input.reply_right,
            position: input.position,
        };
        Ok(Category::new(
            categories::create(state(ctx)?, viewer(ctx)?, new).await?,
        ))
    }

    async fn update_category(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateCategoryInput,
    ) -> Result<Category> {
        let change = categories::CategoryChange {
            name: input.name,
            description: input.description,
            visibility: input.visibility,
            thread_right: input.thread_right,
            reply_right: input.reply_right,
            position: input.position,
        };
        Ok(Category::new(
            categories::update(state(ctx)?, viewer(ctx)?, parse_id(&id, "id")?, change).await?,
        ))
    }

    async fn start_thread(
        &self,
        ctx: &Context<'_>,
        input: StartThreadInput,
    ) -> Result<StartThreadPayload> {
        let new = NewThread {
            category_id: parse_id(&input.category_id, "categoryId")?,
            title: input.title,
            body: input.body,
            tags: input.tags,
        };
        let (thread, post) = threads::start(state(ctx)?, viewer(ctx)?, new).await?;
        Ok(StartThreadPayload {
            thread: Thread::new(thread, false),
            post: Post {
                row: post.into(),
                moderator: false,
            },
        })
    }

    /// Answers a post (`parentId`) of a thread.
    async fn reply(
        &self,
        ctx: &Context<'_>,
        thread_id: ID,
        parent_id: ID,
        body: String,
    ) -> Result<Post> {
        let row = posts::reply(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&thread_id, "threadId")?,
            parse_id(&parent_id, "parentId")?,
            &body,
        )
        .await?;
        Ok(Post {
            row: row.into(),
            moderator: false,
        })
    }

    /// Edits a post, keeping the previous version; `title` renames the thread (opening post only).
    async fn edit_post(
        &self,
        ctx: &Context<'_>,
        id: ID,
        body: String,
        title: Option<String>,
    ) -> Result<Post> {
        let row = posts::edit(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&id, "id")?,
            &body,
            title.as_deref(),
        )
        .await?;
        Ok(Post {
            row: row.into(),
            moderator: false,
        })
    }

    /// Deletes your own post; its place in the thread stays, marked deleted.
    async fn delete_post(&self, ctx: &Context<'_>, id: ID) -> Result<Post> {
        Ok(Post {
            row: posts::delete(state(ctx)?, viewer(ctx)?, parse_id(&id, "id")?)
                .await?
                .into(),
            moderator: false,
        })
    }

    /// Hides a post with a reason shown in its place (facilitators).
    async fn hide_post(&self, ctx: &Context<'_>, id: ID, reason: Option<String>) -> Result<Post> {
        Ok(Post {
            row: posts::hide(
                state(ctx)?,
                viewer(ctx)?,
                parse_id(&id, "id")?,
                reason.as_deref(),
            )
            .await?
            .into(),
            moderator: true,
        })
    }

    async fn unhide_post(&self, ctx: &Context<'_>, id: ID) -> Result<Post> {
        Ok(Post {
            row: posts::unhide(state(ctx)?, viewer(ctx)?, parse_id(&id, "id")?)
                .await?
                .into(),
            moderator: true,
        })
    }

    /// Closes a thread to new replies, with a reason (facilitators).
    async fn close_thread(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: Option<String>,
    ) -> Result<Thread> {
        Ok(Thread::new(
            threads::close(
                state(ctx)?,
                viewer(ctx)?,
                parse_id(&id, "id")?,
                reason.as_deref(),
            )
            .await?,
            true,
        ))
    }

    async fn reopen_thread(&self, ctx: &Context<'_>, id: ID) -> Result<Thread> {
        Ok(Thread::new(
            threads::reopen(state(ctx)?, viewer(ctx)?, parse_id(&id, "id")?).await?,
            true,
        ))
    }

    /// Makes a thread read-only for good (facilitators).
    async fn archive_thread(&self, ctx: &Context<'_>, id: ID) -> Result<Thread> {
        Ok(Thread::new(
            threads::archive(state(ctx)?, viewer(ctx)?, parse_id(&id, "id")?).await?,
            true,
        ))
    }

    async fn pin_thread(&self, ctx: &Context<'_>, id: ID, pinned: bool) -> Result<Thread> {
        Ok(Thread::new(
            threads::pin(state(ctx)?, viewer(ctx)?, parse_id(&id, "id")?, pinned).await?,
            true,
        ))
    }

    /// Moves a thread to another space of the organisation (facilitators).
    async fn move_thread(&self, ctx: &Context<'_>, id: ID, category_id: ID) -> Result<Thread> {
        let row = threads::move_to(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&id, "id")?,
            parse_id(&category_id, "categoryId")?,
        )
        .await?;
        Ok(Thread::new(row, true))
    }

    /// Marks a thread read up to a post number (default: all of it).
    async fn mark_thread_read(
        &self,
        ctx: &Context<'_>,
        thread_id: ID,
        up_to: Option<i32>,
    ) -> Result<Thread> {
        let row = reading::mark_thread(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&thread_id, "threadId")?,
            up_to,
        )
        .await?;
        Ok(Thread::new(row, false))
    }

    /// Marks every thread of a space read.
    async fn mark_category_read(&self, ctx: &Context<'_>, category_id: ID) -> Result<bool> {
        reading::mark_category(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&category_id, "categoryId")?,
        )
        .await?;
        Ok(true)
    }
}

/// A change to a post, as it happens.
#[derive(SimpleObject)]
pub struct PostEvent {
    pub change: ForumChange,
    pub post: Post,
}

/// A change to a thread, as it happens.
#[derive(SimpleObject)]
pub struct ThreadEvent {
    pub change: ForumChange,
    pub thread: Thread,
}

#[derive(Default)]
pub struct ForumSubscription;

#[Subscription]
impl ForumSubscription {
    /// New, edited, hidden and deleted posts of a thread you may read; ends
    /// with an error when you no longer may.
    async fn thread_posts(
        &self,
        ctx: &Context<'_>,
        thread_id: ID,
    ) -> Result<impl Stream<Item = Result<PostEvent>> + use<>> {
        let thread_id = parse_id(&thread_id, "threadId")?;
        live::follow(ctx, ThreadPosts(thread_id)).await
    }

    /// New threads (and changes to threads) in a space you may read; ends
    /// with an error when you no longer may.
    async fn category_threads(
        &self,
        ctx: &Context<'_>,
        category_id: ID,
    ) -> Result<impl Stream<Item = Result<ThreadEvent>> + use<>> {
        let category_id = parse_id(&category_id, "categoryId")?;
        live::follow(ctx, CategoryThreads(category_id)).await
    }
}

/// Where a live reader of the forum is: the organisation, and whether they moderate.
#[derive(Clone)]
pub struct ForumRight {
    organisation_id: Uuid,
    moderator: bool,
}

impl ForumRight {
    fn of(place: &forum::Place) -> Self {
        ForumRight {
            organisation_id: place.organisation.id,
            moderator: can_moderate(place.reader),
        }
    }
}

/// The posts of one thread.
struct ThreadPosts(Uuid);

impl Live for ThreadPosts {
    type Right = ForumRight;
    type Item = PostEvent;

    fn organisation(right: &ForumRight) -> Uuid {
        right.organisation_id
    }

    async fn check(&self, state: &AppState, viewer: Option<&ViewerData>) -> AppResult<ForumRight> {
        let (place, _) = forum::place_of_thread(&state.db, viewer, self.0).await?;
        place.require_read()?;
        Ok(ForumRight::of(&place))
    }

    fn concern(&self, event: &Event) -> Concern {
        match event {
            Event::Forum {
                thread_id, post_id, ..
            } if *thread_id == self.0 => match post_id {
                Some(_) => Concern::Deliver,
                // The thread moved, closed or was archived.
                None => Concern::Recheck,
            },
            _ => Concern::None,
        }
    }

    async fn deliver(
        &self,
        state: &AppState,
        _: Option<&ViewerData>,
        right: &ForumRight,
        event: Event,
    ) -> Option<PostEvent> {
        let Event::Forum {
            post_id: Some(post_id),
            change,
            ..
        } = event
        else {
            return None;
        };
        let row = post::Entity::find_by_id(post_id)
            .one(&state.db)
            .await
            .ok()
            .flatten()?;
        Some(PostEvent {
            change,
            post: Post {
                row: row.into(),
                moderator: right.moderator,
            },
        })
    }
}

/// The threads of one space.
struct CategoryThreads(Uuid);

impl Live for CategoryThreads {
    type Right = ForumRight;
    type Item = ThreadEvent;

    fn organisation(right: &ForumRight) -> Uuid {
        right.organisation_id
    }

    async fn check(&self, state: &AppState, viewer: Option<&ViewerData>) -> AppResult<ForumRight> {
        let place = categories::get(state, viewer, self.0).await?;
        Ok(ForumRight::of(&place))
    }

    fn concern(&self, event: &Event) -> Concern {
        match event {
            Event::Forum {
                category_id,
                post_id: None,
                ..
            } if *category_id == self.0 => Concern::Deliver,
            _ => Concern::None,
        }
    }

    async fn deliver(
        &self,
        state: &AppState,
        _: Option<&ViewerData>,
        right: &ForumRight,
        event: Event,
    ) -> Option<ThreadEvent> {
        let Event::Forum {
            thread_id, change, ..
        } = event
        else {
            return None;
        };
        let row = thread::Entity::find_by_id(thread_id)
            .one(&state.db)
            .await
            .ok()
            .flatten()?;
        Some(ThreadEvent {
            change,
            thread: Thread::new(row, right.moderator),
        })
    }
}
