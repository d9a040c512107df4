//! What each person has read: per thread the last post number read, unread
//! counts per thread and per category, and "mark all read".

use std::collections::HashMap;

use sea_orm::prelude::*;
use sea_orm::sea_query::{ExprTrait, Query};
use sea_orm::{Condition, ConnectionTrait, Statement};

use super::place_of_category;
use crate::db;
use crate::entity::{thread, thread_read};
use crate::error::AppResult;
use crate::service::now;
use crate::service::sessions::Viewer;
use crate::state::AppState;

/// Records that `account_id` has read `thread_id` up to post `number` (never
/// backwards), in one statement.
pub async fn mark(
    conn: &impl ConnectionTrait,
    account_id: Uuid,
    thread_id: Uuid,
    number: i32,
) -> AppResult<()> {
    let mut marks = Marks::default();
    marks.add(account_id, thread_id, number);
    marks.write(conn).await
}

/// How far people have read threads, gathered to be written together.
#[derive(Default)]
pub struct Marks(HashMap<(Uuid, Uuid), i32>);

/// Most marks written by one statement (four values each).
const MARKS_PER_STATEMENT: usize = 500;

impl Marks {
    /// `account_id` has read `thread_id` up to `number`.
    pub fn add(&mut self, account_id: Uuid, thread_id: Uuid, number: i32) {
        let read = self.0.entry((account_id, thread_id)).or_insert(number);
        *read = Ord::max(*read, number);
    }

    /// Writes them, never backwards, a few hundred per statement.
    pub async fn write(&self, conn: &impl ConnectionTrait) -> AppResult<()> {
        let backend = conn.get_database_backend();
        let (marks, at) = (self.0.iter().collect::<Vec<_>>(), now());
        for chunk in marks.chunks(MARKS_PER_STATEMENT) {
            let rows = vec!["(?, ?, ?, ?)"; chunk.len()].join(", ");
            let sql = db::sql(
                backend,
                &format!(
                    "INSERT INTO thread_read (account_id, thread_id, last_read_number, updated_at) VALUES {rows} \
                     ON CONFLICT (account_id, thread_id) DO UPDATE SET updated_at = excluded.updated_at, \
                     last_read_number = CASE WHEN excluded.last_read_number > thread_read.last_read_number \
                     THEN excluded.last_read_number ELSE thread_read.last_read_number END"
                ),
            );
            let values = chunk.iter().flat_map(|((account, thread), number)| {
                [
                    (*account).into(),
                    (*thread).into(),
                    (**number).into(),
                    at.into(),
                ]
            });
            conn.execute_raw(Statement::from_sql_and_values(backend, sql, values))
                .await?;
        }
        Ok(())
    }
}

/// Marks a thread read, up to `number` or to its last post.
pub async fn mark_thread(
    state: &AppState,
    viewer: &Viewer,
    thread_id: Uuid,
    number: Option<i32>,
) -> AppResult<thread::Model> {
    let txn = state.write().await?;
    let (place, thread) = super::place_of_thread(&txn, Some(viewer), thread_id).await?;
    place.require_read()?;
    mark(
        &txn,
        viewer.id(),
        thread_id,
        number
            .unwrap_or(thread.post_count)
            .clamp(0, thread.post_count),
    )
    .await?;
    txn.commit().await?;
    Ok(thread)
}

/// Marks every thread of a category read.
pub async fn mark_category(state: &AppState, viewer: &Viewer, category_id: Uuid) -> AppResult<()> {
    let txn = state.write().await?;
    let place = place_of_category(&txn, Some(viewer), category_id).await?;
    place.require_read()?;
    let backend = txn.get_database_backend();
    let sql = db::sql(
        backend,
        "INSERT INTO thread_read (account_id, thread_id, last_read_number, updated_at) \
         SELECT ?, id, post_count, ? FROM thread WHERE category_id = ? \
         ON CONFLICT (account_id, thread_id) DO UPDATE SET last_read_number = excluded.last_read_number, updated_at = excluded.updated_at",
    );
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [viewer.id().into(), now().into(), category_id.into()],
    ))
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Threads with posts `account_id` has not read (never opened, or grown since).
pub fn unread_condition(account_id: Uuid) -> Condition {
    let read_to_the_end = Query::select()
        .expr(Expr::val(1))
        .from(thread_read::Entity)
        .and_where(
            Expr::col((thread_read::Entity, thread_read::Column::ThreadId))
                .equals((thread::Entity, thread::Column::Id)),
        )
        .and_where(Expr::col((thread_read::Entity, thread_read::Column::AccountId)).eq(account_id))
        .and_where(
            Expr::col((thread_read::Entity, thread_read::Column::LastReadNumber))
                .gte(Expr::col((thread::Entity, thread::Column::PostCount))),
        )
        .to_owned();
    Condition::all().add(Expr::exists(read_to_the_end).not())
}

/// Unread posts of `account_id` in every thread of a category.
pub async fn unread_in_category(
    conn: &impl ConnectionTrait,
    account_id: Uuid,
    category_id: Uuid,
) -> AppResult<i64> {
    let backend = conn.get_database_backend();
    let sql = db::sql(
        backend,
        "SELECT CAST(COALESCE(SUM(t.post_count - COALESCE(r.last_read_number, 0)), 0) AS BIGINT) AS unread \
         FROM thread t LEFT JOIN thread_read r ON r.thread_id = t.id AND r.account_id = ? WHERE t.category_id = ?",
    );
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [account_id.into(), category_id.into()],
        ))
        .await?;
    Ok(row
        .and_then(|r| r.try_get::<i64>("", "unread").ok())
        .unwrap_or(0))
}

/// How far `account_id` has read each of `threads`.
pub async fn read_positions(
    conn: &impl ConnectionTrait,
    account_id: Uuid,
    threads: &[Uuid],
) -> AppResult<Vec<thread_read::Model>> {
    Ok(thread_read::Entity::find()
        .filter(thread_read::Column::AccountId.eq(account_id))
        .filter(thread_read::Column::ThreadId.is_in(threads.iter().copied()))
        .all(conn)
        .await?)
}
