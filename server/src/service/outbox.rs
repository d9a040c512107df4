//! The outbox worker: delivers what transactions wrote to the outbox, with
//! retries and backoff, after they commit.
//!
//! Each topic has its handler ([`handler`]); a worker claims what it
//! delivers, so that several processes on one database deliver each message
//! once, and sets a message aside after `outbox.max_attempts` failures.
//! Mail has one transport for now: the log (the message is written at
//! `info` level, its link without its token).

use std::time::Duration;

use sea_orm::prelude::*;
use sea_orm::sea_query::{Expr, LockBehavior, LockType, SimpleExpr};
use sea_orm::{ActiveValue::Set, IntoActiveModel, Order, QueryOrder, QuerySelect};

use crate::entity::{outbox, pending_registration};
use crate::error::{AppError, AppResult};
use crate::service::page::{self, Page};
use crate::service::sessions::Viewer;
use crate::service::{new_id, now};
use crate::state::AppState;
use crate::text;
use crate::write::Unit;

pub const TOPIC_MAIL_INVITATION: &str = "mail.invitation";
/// The link that creates a registered account.
pub const TOPIC_MAIL_CONFIRM_REGISTRATION: &str = "mail.confirm_registration";
/// To an account's owner: someone tried to register with their address.
pub const TOPIC_MAIL_REGISTRATION_ATTEMPT: &str = "mail.registration_attempt";

/// Writes a message to the outbox inside the caller's unit, which wakes the
/// worker once it has committed.
pub async fn enqueue(txn: &Unit, topic: &str, payload: Json) -> AppResult<()> {
    enqueue_many(txn, topic, [payload]).await
}

/// Most rows written by one statement (eight values each).
const ROWS_PER_INSERT: usize = 500;

/// Writes messages to the outbox inside the caller's unit, many rows per
/// statement; the unit wakes the worker once it has committed.
pub async fn enqueue_many(
    txn: &Unit,
    topic: &str,
    payloads: impl IntoIterator<Item = Json>,
) -> AppResult<()> {
    txn.wake_outbox();
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
            claimed_until: Set(None),
            failed_at: Set(None),
        })
        .collect();
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        outbox::Entity::insert_many(chunk.iter().cloned())
            .exec_without_returning(txn)
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
        .exec(state.writer.single())
        .await?;
    Ok(outbox::Entity::delete_many()
        .filter(outbox::Column::DeliveredAt.lt(cutoff))
        .exec(state.writer.single())
        .await?
        .rows_affected)
}

/// What delivers one topic's messages: a batch at once, each message's
/// outcome in order.
pub type Handler = for<'a> fn(
    &'a AppState,
    &'a [outbox::Model],
) -> futures_util::future::BoxFuture<'a, Vec<Result<(), String>>>;

/// The handler of each topic. The outbox knows none but its own (mail);
/// the tiers above register theirs where the application is put together
/// (`service::outbox_handlers`), so that the queue depends on no reader.
pub struct Handlers(Vec<(&'static str, Handler)>);

impl Handlers {
    /// The outbox's own handlers: mail (written to the log).
    pub fn new() -> Self {
        let mail: Handler =
            |_, messages| Box::pin(async move { messages.iter().map(log_mail).collect() });
        Handlers(vec![
            (TOPIC_MAIL_INVITATION, mail),
            (TOPIC_MAIL_CONFIRM_REGISTRATION, mail),
            (TOPIC_MAIL_REGISTRATION_ATTEMPT, mail),
        ])
    }

    /// Delivers `topic`'s messages with `handler` (replacing any other).
    pub fn register(mut self, topic: &'static str, handler: Handler) -> Self {
        self.0.retain(|(t, _)| *t != topic);
        self.0.push((topic, handler));
        self
    }

    fn get(&self, topic: &str) -> Option<Handler> {
        self.0.iter().find(|(t, _)| *t == topic).map(|(_, h)| *h)
    }
}

impl Default for Handlers {
    fn default() -> Self {
        Handlers::new()
    }
}

/// Claims the messages that are due, at most [`BATCH`]: no other worker,
/// in this process or another, takes them until `outbox.lease_seconds`
/// have passed (on PostgreSQL, workers skip the rows another is claiming).
async fn claim(state: &AppState) -> Result<Vec<outbox::Model>, DbErr> {
    let at = now();
    let txn = state.write().await?;
    let due = outbox::Entity::find()
        .filter(outbox::Column::DeliveredAt.is_null())
        .filter(outbox::Column::FailedAt.is_null())
        .filter(outbox::Column::NextAttemptAt.lte(at))
        .filter(
            sea_orm::Condition::any()
                .add(outbox::Column::ClaimedUntil.is_null())
                .add(outbox::Column::ClaimedUntil.lt(at)),
        )
        .order_by_asc(outbox::Column::Id)
        .limit(BATCH as u64)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(&txn)
        .await?;
    if !due.is_empty() {
        let lease = chrono::Duration::seconds(i64::from(state.settings.outbox.lease_seconds));
        outbox::Entity::update_many()
            .col_expr(outbox::Column::ClaimedUntil, Expr::value(at + lease))
            .filter(outbox::Column::Id.is_in(due.iter().map(|m| m.id)))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(due)
}

/// Delivers the messages that are due; returns how many were tried. The
/// messages of a topic go to its handler together, in one batch.
pub async fn deliver_due(state: &AppState) -> Result<usize, DbErr> {
    let due = claim(state).await?;
    let tried = due.len();
    let mut by_topic: Vec<(String, Vec<outbox::Model>)> = Vec::new();
    for message in due {
        match by_topic.iter_mut().find(|(t, _)| *t == message.topic) {
            Some((_, batch)) => batch.push(message),
            None => by_topic.push((message.topic.clone(), vec![message])),
        }
    }
    for (topic, batch) in by_topic {
        let outcomes = match state.outbox_handlers.get(&topic) {
            Some(deliver) => deliver(state, &batch).await,
            None => vec![Err(format!("no handler for topic {topic}")); batch.len()],
        };
        let delivered: Vec<Uuid> = batch
            .iter()
            .zip(&outcomes)
            .filter(|(_, o)| o.is_ok())
            .map(|(m, _)| m.id)
            .collect();
        if !delivered.is_empty() {
            // One statement marks the delivered part of the batch.
            outbox::Entity::update_many()
                .col_expr(outbox::Column::DeliveredAt, Expr::value(now()))
                .col_expr(
                    outbox::Column::ClaimedUntil,
                    Expr::value(None::<DateTimeUtc>),
                )
                .col_expr(outbox::Column::Attempts, one_more())
                .filter(outbox::Column::Id.is_in(delivered))
                .exec(state.writer.single())
                .await?;
        }
        for (message, outcome) in batch.into_iter().zip(outcomes) {
            if let Err(e) = outcome {
                failed(state, message, e).await?;
            }
        }
    }
    Ok(tried)
}

/// `attempts + 1`, counted by the database: two deliveries of one message
/// would show.
fn one_more() -> SimpleExpr {
    sea_orm::sea_query::ExprTrait::add(Expr::col(outbox::Column::Attempts), 1)
}

/// Schedules a failed message's next attempt — the wait doubles from
/// `outbox.retry_first_ms`, up to an hour — or, after
/// `outbox.max_attempts`, sets it aside.
async fn failed(state: &AppState, message: outbox::Model, error: String) -> Result<(), DbErr> {
    let settings = &state.settings.outbox;
    let attempts = message.attempts + 1;
    let wait_ms = settings
        .retry_first_ms
        .max(1)
        .saturating_mul(1u64 << (attempts.clamp(1, 20) - 1) as u32)
        .min(3_600_000);
    let given_up = attempts >= settings.max_attempts.max(1) as i32;
    if given_up {
        tracing::error!(topic = %message.topic, id = %message.id, attempts, error = %error, "outbox: message set aside after its last attempt");
    }
    outbox::Entity::update_many()
        .col_expr(outbox::Column::Attempts, one_more())
        .col_expr(outbox::Column::LastError, Expr::value(error))
        .col_expr(
            outbox::Column::ClaimedUntil,
            Expr::value(None::<DateTimeUtc>),
        )
        .col_expr(
            outbox::Column::NextAttemptAt,
            Expr::value(now() + chrono::Duration::milliseconds(wait_ms as i64)),
        )
        .col_expr(outbox::Column::FailedAt, Expr::value(given_up.then(now)))
        .filter(outbox::Column::Id.eq(message.id))
        .exec(state.writer.single())
        .await?;
    Ok(())
}

/// Messages set aside after their last attempt, newest first: for operators.
pub async fn failures(
    state: &AppState,
    viewer: &Viewer,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<outbox::Model>> {
    require_operator(viewer)?;
    let query = outbox::Entity::find().filter(outbox::Column::FailedAt.is_not_null());
    page::by_id(
        &state.db,
        query,
        outbox::Column::Id,
        "failedDeliveries",
        first,
        after,
        Order::Desc,
    )
    .await
}

/// Puts a message set aside back in line, its attempts counted afresh: for operators.
pub async fn retry(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<outbox::Model> {
    require_operator(viewer)?;
    let txn = state.write().await?;
    let found = outbox::Entity::find_by_id(id)
        .filter(outbox::Column::FailedAt.is_not_null())
        .one(&txn)
        .await?
        .ok_or_else(|| {
            AppError::not_found(text!(
                en: "No delivery set aside has this id.",
                fr: "Aucun envoi mis de côté n'a cet identifiant."
            ))
        })?;
    let mut active = found.into_active_model();
    active.failed_at = Set(None);
    active.attempts = Set(0);
    active.next_attempt_at = Set(now());
    let retried = active.update(&txn).await?;
    txn.wake_outbox();
    txn.commit().await?;
    Ok(retried)
}

fn require_operator(viewer: &Viewer) -> AppResult<()> {
    viewer.require_scope(crate::domain::token::Scope::Admin)?;
    if viewer.account.is_operator {
        return Ok(());
    }
    Err(AppError::forbidden(text!(
        en: "Only the server's operators see and retry failed deliveries.",
        fr: "Seul·es les opérateur·ices du serveur voient et relancent les envois en échec."
    )))
}

/// A link with its secret token (the part after the last `/`) hidden.
pub fn redacted(link: &str) -> String {
    match link.rsplit_once('/') {
        Some((base, _)) => format!("{base}/[redacted]"),
        None => "[redacted]".to_owned(),
    }
}

/// The log transport: a mail written to the log at `info`, its link
/// without the token that opens it.
fn log_mail(message: &outbox::Model) -> Result<(), String> {
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
        _ => {
            tracing::info!(%to, "mail: someone tried to register with your address (log transport)");
        }
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
