//! A meeting's minutes, as the API shows them.

use async_graphql::{Context, Object, Result};
use chrono::{DateTime, Utc};

use super::super::accounts::Person;
use super::super::loaders::person;
use crate::service::now;

/// A meeting's minutes [compte rendu].
pub struct Minutes(pub(super) crate::entity::minutes::Model);

#[Object]
impl Minutes {
    /// Markdown, as written.
    async fn text(&self) -> &str {
        &self.0.source
    }
    async fn html(&self) -> &str {
        &self.0.html
    }
    /// Who is writing them now, while their lock holds.
    async fn editor(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        match (self.0.editor_id, self.0.locked_until) {
            (Some(editor), Some(until)) if until > now() => person(ctx, editor).await,
            _ => Ok(None),
        }
    }
    async fn locked_until(&self) -> Option<DateTime<Utc>> {
        self.0.locked_until.filter(|until| *until > now())
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }
    /// The published record these minutes became (with its amendments),
    /// for those who may read it.
    async fn record(&self, ctx: &Context<'_>) -> Result<Option<crate::graphql::records::Record>> {
        let state = crate::graphql::context::state(ctx)?;
        let viewer = crate::graphql::context::maybe_viewer(ctx);
        Ok(
            crate::service::records::of_source(&state.db, viewer, self.0.meeting_id)
                .await?
                .into_iter()
                .find(|r| r.kind() == crate::domain::record::RecordKind::Minutes)
                .map(crate::graphql::records::Record),
        )
    }
}
