//! The clock of proposals: opens scheduled ones and closes those whose time
//! has come. It keeps nothing in memory, so it survives restarts: at start-up
//! it closes at once what should have closed while the server was down.
//! Several processes may run it on one PostgreSQL: opening and closing claim
//! the proposal's row, so each happens once.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::{QueryOrder, QuerySelect};

use super::{closing, open};
use crate::entity::proposal as entity;
use crate::error::AppResult;
use crate::service::{now, organisations};
use crate::state::AppState;

/// Longest sleep between two looks at the schedule: a proposal created by
/// another process is seen within this time.
const MAX_SLEEP: Duration = Duration::from_secs(30);

pub async fn run(state: AppState) {
    loop {
        let sleep = match tick(&state).await {
            Ok(next) => next
                .and_then(|at| (at - Utc::now()).to_std().ok())
                .map_or(MAX_SLEEP, |d| d.min(MAX_SLEEP)),
            Err(e) => {
                tracing::warn!(error = ?e, "proposals: the schedule could not be read; retrying");
                Duration::from_secs(5)
            }
        };
        let _ = tokio::time::timeout(sleep, state.proposal_wake.notified()).await;
    }
}

/// Opens and closes what is due; gives the time of the next change, if any.
pub async fn tick(state: &AppState) -> AppResult<Option<DateTime<Utc>>> {
    let at = now();
    let to_open: Vec<Uuid> = entity::Entity::find()
        .select_only()
        .column(entity::Column::Id)
        .filter(entity::Column::OpenedAt.is_null())
        .filter(entity::Column::ClosedAt.is_null())
        .filter(entity::Column::OpensAt.lte(at))
        .into_tuple()
        .all(&state.db)
        .await?;
    // One proposal that fails (logged, tried again next time) holds up no other.
    for id in to_open {
        if let Err(e) = open_due(state, id).await {
            tracing::warn!(proposal = %id, error = ?e, "proposals: could not open on time");
        }
    }
    let to_close: Vec<Uuid> = entity::Entity::find()
        .select_only()
        .column(entity::Column::Id)
        .filter(entity::Column::ClosedAt.is_null())
        .filter(entity::Column::OpenedAt.is_not_null())
        .filter(entity::Column::ClosesAt.lte(at))
        .into_tuple()
        .all(&state.db)
        .await?;
    for id in to_close {
        if let Err(e) = closing::finish(state, id, None).await {
            tracing::warn!(proposal = %id, error = ?e, "proposals: could not close on time");
        }
    }
    // Secret votes closed by a process that stopped before counting them.
    let uncounted: Vec<entity::Model> = entity::Entity::find()
        .filter(entity::Column::Secret.eq(true))
        .filter(entity::Column::ClosedAt.lte(at - chrono::Duration::minutes(1)))
        .filter(entity::Column::Result.is_null())
        .all(&state.db)
        .await?;
    for p in uncounted {
        let id = p.id;
        if let Err(e) = closing::count_closed_box(state, p).await {
            tracing::warn!(proposal = %id, error = ?e, "proposals: could not count a closed secret vote");
        }
    }
    let next_open: Option<DateTime<Utc>> = entity::Entity::find()
        .select_only()
        .column(entity::Column::OpensAt)
        .filter(entity::Column::OpenedAt.is_null())
        .filter(entity::Column::ClosedAt.is_null())
        .order_by_asc(entity::Column::OpensAt)
        .into_tuple()
        .one(&state.db)
        .await?;
    let next_close: Option<DateTime<Utc>> = entity::Entity::find()
        .select_only()
        .column(entity::Column::ClosesAt)
        .filter(entity::Column::ClosedAt.is_null())
        .order_by_asc(entity::Column::ClosesAt)
        .into_tuple()
        .one(&state.db)
        .await?;
    Ok(next_open.into_iter().chain(next_close).min())
}

async fn open_due(state: &AppState, id: Uuid) -> AppResult<()> {
    let txn = state.write().await?;
    let Some(p) = entity::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
    else {
        return Ok(());
    };
    if p.opened_at.is_some() || p.closed_at.is_some() {
        return Ok(());
    }
    let organisation = organisations::get(&txn, p.organisation_id).await?;
    open(&txn, p, &organisation).await?;
    txn.commit().await?;
    Ok(())
}
