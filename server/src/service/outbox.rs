//! The outbox worker: delivers what transactions wrote to the outbox, with
//! retries and backoff, after they commit.
//!
//! Mail has one transport for now: the log (the message, with its link, is
//! written at `info` level). An SMTP transport plugs in at [`deliver`].

use std::time::Duration;

use chrono::Utc;
use sea_orm::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, IntoActiveModel, QueryOrder, QuerySelect};

use crate::entity::{outbox, pending_registration};
use crate::error::AppResult;
use crate::service::{new_id, now};
use crate::state::AppState;

pub const TOPIC_MAIL_INVITATION: &str = "mail.invitation";
/// The link that creates a registered account.
pub const TOPIC_MAIL_CONFIRM_REGISTRATION: &str = "mail.confirm_registration";
/// To an account's owner: someone tried to register with their address.
pub const TOPIC_MAIL_REGISTRATION_ATTEMPT: &str = "mail.registration_attempt";

/// Writes a message to the outbox inside the caller's transaction.
pub async fn enqueue(conn: &impl ConnectionTrait, topic: &str, payload: Json) -> AppResult<()> {
    enqueue_many(conn, topic, [payload]).await
}

/// Most rows written by one statement (eight values each).
const ROWS_PER_INSERT: usize = 500;

/// Writes messages to the outbox inside the caller's transaction, many rows
/// per statement.
pub async fn enqueue_many(
    conn: &impl ConnectionTrait,
    topic: &str,
    payloads: impl IntoIterator<Item = Json>,
) -> AppResult<()> {
    let at = now();
    let rows: Vec<outbox::ActiveModel> = payloads
        .into_iter()
        .map(|payload| outbox::ActiveModel {
            id: Set(new_id()),
            topic: Set(topic.to_owned()),
            payload: Set(payload),
            attempts: Set(0),
            last_error: Set(None),
            created_at: Set(at),
            next_attempt_at: Set(at),
            delivered_at: Set(None),
        })
        .collect();
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        outbox::Entity::insert_many(chunk.iter().cloned())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// The most messages delivered at once.
const BATCH: usize = 1000;

/// Runs until the process stops: wakes when told, or every few seconds.
/// While writes keep coming, it delivers at most every `search.refresh_ms`
/// (at once when a full batch waits), so that the search engine commits
/// many changes at a time rather than one per write.
pub async fn run(state: AppState) {
    let refresh = Duration::from_millis(state.settings.search.refresh_ms);
    let mut swept = std::time::Instant::now();
    loop {
        match deliver_due(&state).await {
            Ok(BATCH) => {}
            Ok(0) => {
                if swept.elapsed() > Duration::from_secs(3600) {
                    swept = std::time::Instant::now();
                    if let Err(e) = sweep(&state).await {
                        tracing::warn!(error = %e, "outbox: could not remove delivered messages");
                    }
                }
                // Retries fall due without a wake-up: look again soon.
                let wait =
                    Duration::from_millis(state.settings.outbox.retry_first_ms.clamp(50, 5000));
                let _ = tokio::time::timeout(wait, state.outbox_wake.notified()).await;
            }
            // Let what follows gather for a while.
            Ok(_) => tokio::time::sleep(refresh).await,
            Err(e) => {
                tracing::warn!(error = %e, "outbox: could not read pending messages");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    }
}

/// How long delivered messages are kept (to look into a delivery), in days.
const KEEP_DELIVERED_DAYS: i64 = 7;

/// Removes messages delivered more than [`KEEP_DELIVERED_DAYS`] ago.
/// Registrations never confirmed are removed with them.
pub async fn sweep(state: &AppState) -> Result<u64, DbErr> {
    let cutoff = now() - chrono::Duration::days(KEEP_DELIVERED_DAYS);
    pending_registration::Entity::delete_many()
        .filter(pending_registration::Column::ExpiresAt.lt(now()))
        .exec(&state.db)
        .await?;
    Ok(outbox::Entity::delete_many()
        .filter(outbox::Column::DeliveredAt.lt(cutoff))
        .exec(&state.db)
        .await?
        .rows_affected)
}

/// Delivers the messages that are due; returns how many were tried. Search
/// messages go to the engine together, in one batch.
pub async fn deliver_due(state: &AppState) -> Result<usize, DbErr> {
    let due = outbox::Entity::find()
        .filter(outbox::Column::DeliveredAt.is_null())
        .filter(outbox::Column::NextAttemptAt.lte(Utc::now()))
        .order_by_asc(outbox::Column::Id)
        .limit(BATCH as u64)
        .all(&state.db)
        .await?;
    let tried = due.len();
    let (search, others): (Vec<_>, Vec<_>) = due
        .into_iter()
        .partition(|m| m.topic == crate::service::search::TOPIC);
    if !search.is_empty() {
        let payloads: Vec<Json> = search.iter().map(|m| m.payload.clone()).collect();
        let result = crate::service::search::deliver(state, &payloads).await;
        match result {
            // One statement marks the whole batch delivered.
            Ok(()) => {
                outbox::Entity::update_many()
                    .col_expr(outbox::Column::DeliveredAt, Expr::value(now()))
                    .col_expr(
                        outbox::Column::Attempts,
                        sea_orm::sea_query::ExprTrait::add(Expr::col(outbox::Column::Attempts), 1),
                    )
                    .filter(outbox::Column::Id.is_in(search.iter().map(|m| m.id)))
                    .exec(&state.db)
                    .await?;
            }
            Err(e) => {
                tracing::warn!(error = %e, messages = search.len(), "outbox: search indexing failed; will retry");
                for message in search {
                    settle(state, message, Err(e.clone())).await?;
                }
            }
        }
    }
    for message in others {
        let result = deliver(&message);
        settle(state, message, result).await?;
    }
    Ok(tried)
}

/// Marks a message delivered, or schedules its next attempt: the wait
/// doubles from `outbox.retry_first_ms`, up to an hour.
async fn settle(
    state: &AppState,
    message: outbox::Model,
    result: Result<(), String>,
) -> Result<(), DbErr> {
    let attempts = message.attempts + 1;
    let mut active = message.into_active_model();
    active.attempts = Set(attempts);
    match result {
        Ok(()) => active.delivered_at = Set(Some(now())),
        Err(e) => {
            let first = state.settings.outbox.retry_first_ms.max(1);
            let wait_ms = first
                .saturating_mul(1u64 << (attempts.clamp(1, 20) - 1) as u32)
                .min(3_600_000);
            active.last_error = Set(Some(e));
            active.next_attempt_at = Set(now() + chrono::Duration::milliseconds(wait_ms as i64));
        }
    }
    active.update(&state.db).await?;
    Ok(())
}

/// A link with its secret token (the part after the last `/`) hidden.
fn redacted(link: &str) -> String {
    match link.rsplit_once('/') {
        Some((base, _)) => format!("{base}/[redacted]"),
        None => "[redacted]".to_owned(),
    }
}

fn deliver(message: &outbox::Model) -> Result<(), String> {
    let p = &message.payload;
    let to = p["to"].as_str().unwrap_or_default();
    // A link opens an invitation or an account: never in a log.
    let link = redacted(p["link"].as_str().unwrap_or_default());
    match message.topic.as_str() {
        TOPIC_MAIL_INVITATION => {
            let organisation = p["organisation"].as_str().unwrap_or_default();
            tracing::info!(%to, %organisation, %link, "mail: invitation (log transport)");
        }
        TOPIC_MAIL_CONFIRM_REGISTRATION => {
            tracing::info!(%to, %link, "mail: confirm your address (log transport)");
        }
        TOPIC_MAIL_REGISTRATION_ATTEMPT => {
            tracing::info!(%to, "mail: someone tried to register with your address (log transport)");
        }
        other => return Err(format!("no handler for topic {other}")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_link_is_logged_without_its_token() {
        assert_eq!(
            redacted("https://plenum.example/invitations/plm_i_secret"),
            "https://plenum.example/invitations/[redacted]"
        );
    }
}
