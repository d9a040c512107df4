//! Posts, their earlier versions, and the moderation log.

use super::*;

/// A message in a thread's reply tree (shared with the pages kept in memory).
pub struct Post {
    pub(super) row: Arc<post::Model>,
    pub(super) moderator: bool,
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
