//! The forum followed live: a thread's posts, a space's threads.

use super::*;

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
