//! What the outbox could not deliver, for the server's operators.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Json, Object, Result};
use chrono::{DateTime, Utc};

use crate::entity::outbox;
use crate::graphql::connection::simple;
use crate::graphql::context::{state, viewer};
use crate::graphql::{id, parse_id};
use crate::service::outbox as service;

/// A message set aside after its last failed attempt.
pub struct FailedDelivery(outbox::Model);

#[Object]
impl FailedDelivery {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// What it is: `mail.invitation`, `search.index`…
    async fn topic(&self) -> &str {
        &self.0.topic
    }
    /// Its content, as written by the transaction that caused it (a link's
    /// secret token withheld).
    async fn payload(&self) -> Json<serde_json::Value> {
        let mut payload = self.0.payload.clone();
        if let Some(link) = payload.get_mut("link")
            && let Some(text) = link.as_str()
        {
            *link = serde_json::Value::String(service::redacted(text));
        }
        Json(payload)
    }
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// Why the last attempt failed.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn failed_at(&self) -> Option<DateTime<Utc>> {
        self.0.failed_at
    }
}

#[derive(Default)]
pub struct OutboxQuery;

#[Object]
impl OutboxQuery {
    /// Messages the outbox set aside after `outbox.max_attempts` failures,
    /// newest first (operators only).
    async fn failed_deliveries(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, FailedDelivery>> {
        let has_after = after.is_some();
        let page = service::failures(state(ctx)?, viewer(ctx)?, first, after).await?;
        Ok(simple(
            "failedDeliveries",
            page,
            |m| m.id,
            FailedDelivery,
            has_after,
        ))
    }
}

#[derive(Default)]
pub struct OutboxMutation;

#[Object]
impl OutboxMutation {
    /// Puts a failed delivery back in line, its attempts counted afresh
    /// (operators only).
    async fn retry_delivery(&self, ctx: &Context<'_>, id: ID) -> Result<FailedDelivery> {
        let retried = service::retry(state(ctx)?, viewer(ctx)?, parse_id(&id, "id")?).await?;
        Ok(FailedDelivery(retried))
    }
}
