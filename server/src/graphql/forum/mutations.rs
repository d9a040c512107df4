//! Writing in the forum: spaces, threads, replies, edits, moderation, reading state.

use super::*;

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
