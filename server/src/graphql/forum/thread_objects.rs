//! Spaces and threads as the API shows them, with their pages of posts.

use super::*;

/// A discussion space of an organisation.
pub struct Category {
    pub(super) row: category::Model,
    /// The place already checked for this reader, when known.
    pub(super) place: Option<Arc<Place>>,
}

impl Category {
    pub(super) fn new(row: category::Model) -> Self {
        Category { row, place: None }
    }

    pub(super) fn in_place(place: Arc<Place>) -> Self {
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
    pub(super) row: thread::Model,
    /// Is the reader a facilitator here (who sees hidden posts)?
    pub(super) moderator: bool,
    /// The place already checked for this reader, when known: its posts
    /// are then read without checking again.
    pub(super) place: Option<Arc<Place>>,
}

impl Thread {
    pub(super) fn new(row: thread::Model, moderator: bool) -> Self {
        Thread {
            row,
            moderator,
            place: None,
        }
    }

    pub(super) fn in_place(row: thread::Model, place: Arc<Place>) -> Self {
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
pub(super) async fn posts_connection(
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
