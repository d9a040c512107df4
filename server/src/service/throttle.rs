//! Throttles kept in the database (`throttle_hit`): every process sharing
//! it counts the same attempts, and a restart forgives nothing. Keys are
//! stored as SHA-256, so the table names no email or address.

use chrono::{Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use uuid::Uuid;

use crate::domain::throttle::Limit;
use crate::domain::token;
use crate::entity::throttle_hit;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use crate::text;

/// How long counted attempts are kept at most, whatever the window.
const KEPT: Duration = Duration::days(1);

/// The window over which attempts are counted.
fn window(state: &AppState) -> Duration {
    Duration::minutes(i64::from(
        state.settings.accounts.login_failure_window_minutes,
    ))
}

/// Refuses with `RATE_LIMITED` when any of `limits` is used up; otherwise
/// the attempts counted against each, in order.
pub async fn check(state: &AppState, limits: &[Limit]) -> AppResult<Vec<u32>> {
    let keys: Vec<String> = limits.iter().map(|l| token::hash(&l.key)).collect();
    let counts: Vec<(String, i64)> = throttle_hit::Entity::find()
        .select_only()
        .column(throttle_hit::Column::Key)
        .column_as(Expr::col(throttle_hit::Column::Id).count(), "n")
        .filter(throttle_hit::Column::Key.is_in(keys.clone()))
        .filter(throttle_hit::Column::At.gt(Utc::now() - window(state)))
        .group_by(throttle_hit::Column::Key)
        .into_tuple()
        .all(&state.db)
        .await?;
    let used: Vec<u32> = keys
        .iter()
        .map(|key| {
            counts
                .iter()
                .find(|(k, _)| k == key)
                .map_or(0, |(_, n)| u32::try_from(*n).unwrap_or(u32::MAX))
        })
        .collect();
    if limits.iter().zip(&used).any(|(limit, n)| *n >= limit.max) {
        return Err(AppError::new(
            ErrorCode::RateLimited,
            text!(
                en: "Too many attempts. Wait a few minutes before trying again.",
                fr: "Trop de tentatives. Attendez quelques minutes avant de réessayer."
            ),
        ));
    }
    Ok(used)
}

/// Counts one attempt against each of `limits`, and forgets attempts older
/// than a day.
pub async fn record(state: &AppState, limits: &[Limit]) -> AppResult<()> {
    let now = Utc::now();
    let txn = state.write().await?;
    throttle_hit::Entity::insert_many(limits.iter().map(|l| throttle_hit::ActiveModel {
        id: Set(Uuid::now_v7()),
        key: Set(token::hash(&l.key)),
        at: Set(now),
    }))
    .exec(&txn)
    .await?;
    throttle_hit::Entity::delete_many()
        .filter(throttle_hit::Column::At.lt(now - KEPT.max(window(state))))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Forgets the attempts counted against `limit` (after a success).
pub async fn clear(state: &AppState, limit: &Limit) -> AppResult<()> {
    throttle_hit::Entity::delete_many()
        .filter(throttle_hit::Column::Key.eq(token::hash(&limit.key)))
        .exec(state.writer.single())
        .await?;
    Ok(())
}
