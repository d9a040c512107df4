//! The sealed ballot box of a secret vote (see `domain::ballot_box`): ballots
//! sealed as they are cast, read while the vote is open (live counts,
//! objections, a voter's own ballot), and the box opened when a round ends —
//! written out in a random order under fresh ids, in one transaction — after
//! which the database is made to forget the sealed rows.

use std::path::Path;

use futures_util::TryStreamExt;
use sea_orm::prelude::*;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ActiveValue::Set, QueryOrder, QuerySelect, StreamTrait};
use serde_json::Value;

use crate::config::Settings;
use crate::domain::ballot_box::{self, BoxKey, Content};
use crate::domain::decision::{Outcome, file};
use crate::domain::token;
use crate::entity::{
    instance_secret, proposal as entity, sealed_ballot, secret_ballot_part, secret_live_result,
};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The file that keeps the key when `ballots.key` is empty.
pub const KEY_FILE: &str = "ballot-box.key";
/// The name of the key's fingerprint in `instance_secret`.
const FINGERPRINT: &str = "ballot_box_key";

/// The deployment's ballot-box key: `ballots.key`, or the key file under the
/// data folder (made on first start, readable by its owner only). Checked
/// against the fingerprint the database keeps, so that a process with
/// another key stops before sealing ballots no one else could open.
pub async fn load_key(settings: &Settings, conn: &impl ConnectionTrait) -> anyhow::Result<BoxKey> {
    let (key, from) = match settings.ballots.key.expose() {
        "" => {
            let path = settings.server.data_dir.join(KEY_FILE);
            (key_file(&path)?, path.display().to_string())
        }
        text => (
            BoxKey::from_text(text)
                .ok_or_else(|| anyhow::anyhow!("ballots.key is not 32 bytes in base64"))?,
            "ballots.key".to_owned(),
        ),
    };
    let row = instance_secret::ActiveModel {
        name: Set(FINGERPRINT.to_owned()),
        value: Set(key.fingerprint()),
    };
    instance_secret::Entity::insert(row)
        .on_conflict_do_nothing()
        .exec(conn)
        .await?;
    let kept = instance_secret::Entity::find_by_id(FINGERPRINT.to_owned())
        .one(conn)
        .await?
        .map(|row| row.value);
    if kept.as_deref() != Some(key.fingerprint().as_str()) {
        anyhow::bail!(
            "the ballot-box key ({from}) is not the one this database's secret ballots are sealed with: every process of a deployment needs the same ballots.key"
        );
    }
    Ok(key)
}

/// Reads the key file, or makes it (only one of several processes starting
/// at once does; the others read it).
fn key_file(path: &Path) -> anyhow::Result<BoxKey> {
    use std::io::Write;
    let shown = path.display();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("cannot create the data folder {}: {e}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            let key = BoxKey::generate();
            file.write_all(format!("{}\n", key.to_text()).as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|e| anyhow::anyhow!("cannot write the ballot-box key {shown}: {e}"))?;
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("cannot read the ballot-box key {shown}: {e}"))?;
            BoxKey::from_text(&text).ok_or_else(|| {
                anyhow::anyhow!("the ballot-box key {shown} is not 32 bytes in base64")
            })
        }
        Err(e) => Err(anyhow::anyhow!(
            "cannot create the ballot-box key {shown}: {e}"
        )),
    }
}

fn unsealable() -> AppError {
    AppError::internal(anyhow::anyhow!("a ballot could not be sealed"))
}

fn unopenable() -> AppError {
    AppError::internal(anyhow::anyhow!(
        "a sealed ballot does not open: the ballot-box key is not the one it was sealed with, or the row was altered"
    ))
}

/// A sealed ballot, opened.
pub struct Opened {
    pub id: Uuid,
    pub content: Content,
}

impl Opened {
    /// Whether this is `voter`'s ballot: a receipt changes its own voter's
    /// ballot only, not one whose receipt was shown to someone else.
    pub fn is_of(&self, key: &BoxKey, p: &entity::Model, voter: Uuid) -> bool {
        self.content.voter == key.voter_tag(p.id, p.round, voter)
    }
}

/// Seals a new ballot into the box of the proposal's current round.
pub async fn insert(
    txn: &impl ConnectionTrait,
    key: &BoxKey,
    p: &entity::Model,
    voter: Uuid,
    choice: Value,
    reason: Option<String>,
    receipt: &str,
) -> AppResult<()> {
    let content = Content {
        choice,
        reason,
        tracker: ballot_box::tracker(receipt),
        voter: key.voter_tag(p.id, p.round, voter),
    };
    sealed_ballot::ActiveModel {
        proposal_id: Set(p.id),
        id: Set(Uuid::new_v4()),
        round: Set(p.round),
        receipt_hash: Set(token::hash(receipt)),
        envelope: Set(ballot_box::seal(key, p.id, p.round, &content).map_err(|_| unsealable())?),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// The sealed ballot of this receipt in the proposal's current round.
pub async fn find(
    conn: &impl ConnectionTrait,
    key: &BoxKey,
    p: &entity::Model,
    receipt: &str,
) -> AppResult<Option<Opened>> {
    let Some(row) = sealed_ballot::Entity::find()
        .filter(sealed_ballot::Column::ProposalId.eq(p.id))
        .filter(sealed_ballot::Column::Round.eq(p.round))
        .filter(sealed_ballot::Column::ReceiptHash.eq(token::hash(receipt)))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let content = ballot_box::open(key, p.id, p.round, &row.envelope).map_err(|_| unopenable())?;
    Ok(Some(Opened {
        id: row.id,
        content,
    }))
}

/// Seals a changed ballot in place of the one it replaces (a fresh nonce:
/// the new envelope tells nothing of the old one).
pub async fn replace(
    txn: &impl ConnectionTrait,
    key: &BoxKey,
    p: &entity::Model,
    opened: &Opened,
) -> AppResult<()> {
    sealed_ballot::Entity::update_many()
        .col_expr(
            sealed_ballot::Column::Envelope,
            Expr::value(
                ballot_box::seal(key, p.id, p.round, &opened.content).map_err(|_| unsealable())?,
            ),
        )
        .filter(sealed_ballot::Column::ProposalId.eq(p.id))
        .filter(sealed_ballot::Column::Id.eq(opened.id))
        .exec(txn)
        .await?;
    Ok(())
}

/// The ballots in the box of the proposal's current round, opened, in the
/// order of their random ids.
pub async fn contents<C>(conn: &C, key: &BoxKey, p: &entity::Model) -> AppResult<Vec<Content>>
where
    C: ConnectionTrait + StreamTrait,
{
    each_opened(conn, key, p, |content| content).await
}

/// Sealed ballots opened together, on a blocking thread, while the next
/// ones are read.
const OPEN_BATCH: usize = 4096;

/// Opens each sealed ballot of the proposal's current round, and keeps
/// what `f` makes of it. Ballots are opened in batches on blocking threads
/// while the database streams the next ones.
async fn each_opened<C, T>(
    conn: &C,
    key: &BoxKey,
    p: &entity::Model,
    f: fn(Content) -> T,
) -> AppResult<Vec<T>>
where
    C: ConnectionTrait + StreamTrait,
    T: Send + 'static,
{
    let mut rows = sealed_ballot::Entity::find()
        .select_only()
        .column(sealed_ballot::Column::Envelope)
        .filter(sealed_ballot::Column::ProposalId.eq(p.id))
        .filter(sealed_ballot::Column::Round.eq(p.round))
        .into_tuple::<Vec<u8>>()
        .stream(conn)
        .await?;
    let open_all = |batch: Vec<Vec<u8>>| {
        let (key, proposal, round) = (key.clone(), p.id, p.round);
        tokio::task::spawn_blocking(move || {
            batch
                .iter()
                .map(|envelope| ballot_box::open(&key, proposal, round, envelope).map(f))
                .collect::<Result<Vec<T>, _>>()
        })
    };
    let mut opening = Vec::new();
    let mut batch = Vec::with_capacity(OPEN_BATCH);
    while let Some(envelope) = rows.try_next().await? {
        batch.push(envelope);
        if batch.len() == OPEN_BATCH {
            opening.push(open_all(std::mem::replace(
                &mut batch,
                Vec::with_capacity(OPEN_BATCH),
            )));
        }
    }
    opening.push(open_all(batch));
    let mut opened = Vec::new();
    for batch in opening {
        opened.extend(
            batch
                .await
                .map_err(AppError::internal)?
                .map_err(|_| unopenable())?,
        );
    }
    Ok(opened)
}

/// Counts the box of the proposal's current round as it stands.
pub async fn count<C>(conn: &C, key: &BoxKey, p: &entity::Model) -> AppResult<Outcome>
where
    C: ConnectionTrait + StreamTrait,
{
    let mut file = super::closing::header(p)?;
    for content in contents(conn, key, p).await? {
        file.push_str(&content.choice.to_string());
        file.push('\n');
    }
    super::closing::count(&file)
}

/// Lines of a ballot file per stored part (about a megabyte).
const PART: usize = 10_000;

/// A box opened in memory: its ballot file's lines, shuffled, each ballot
/// with its tracker, and the reasons given, in the same order.
pub struct OpenedBox {
    pub lines: String,
    /// Where each part ends in `lines`, and its reasons.
    parts: Vec<(usize, Value)>,
}

/// Opens the box of the proposal's current round: reads and decrypts it,
/// shuffles it (OS randomness), and lays it out as the lines of its ballot
/// file. Writes nothing: a closed vote's box is read outside any write, so
/// that SQLite's one writer stays free for casting elsewhere meanwhile.
pub async fn open_box<C>(conn: &C, key: &BoxKey, p: &entity::Model) -> AppResult<OpenedBox>
where
    C: ConnectionTrait + StreamTrait,
{
    let started = std::time::Instant::now();
    let mut ballots = each_opened(conn, key, p, |content| {
        let mut line = file::with_tracker(&content.choice, &content.tracker);
        line.push('\n');
        (line, content.reason)
    })
    .await?;
    ballot_box::shuffle(&mut ballots);
    let mut lines = String::with_capacity(ballots.iter().map(|(line, _)| line.len()).sum());
    let mut parts = Vec::new();
    for chunk in ballots.chunks(PART) {
        let mut reasons = Vec::with_capacity(chunk.len());
        for (line, reason) in chunk {
            lines.push_str(line);
            reasons.push(reason.clone().map_or(Value::Null, Value::String));
        }
        parts.push((lines.len(), Value::Array(reasons)));
    }
    tracing::info!(
        proposal = %p.id,
        ballots = ballots.len(),
        opened_ms = started.elapsed().as_millis(),
        "ballot box opened"
    );
    Ok(OpenedBox { lines, parts })
}

/// Stores an opened box as its round's ballot file, in parts
/// (`secret_ballot_part`), all in the caller's transaction. They follow
/// the parts the round may already have: ballots counted before sealed
/// boxes existed, in a vote open across that upgrade.
pub async fn store(
    txn: &impl ConnectionTrait,
    p: &entity::Model,
    opened: OpenedBox,
) -> AppResult<()> {
    use sea_orm::PaginatorTrait;
    let earlier = secret_ballot_part::Entity::find()
        .filter(secret_ballot_part::Column::ProposalId.eq(p.id))
        .filter(secret_ballot_part::Column::Round.eq(p.round))
        .count(txn)
        .await?;
    let first = i32::try_from(earlier).unwrap_or(i32::MAX);
    let mut start = 0;
    for (part, (end, reasons)) in opened.parts.into_iter().enumerate() {
        secret_ballot_part::ActiveModel {
            proposal_id: Set(p.id),
            round: Set(p.round),
            part: Set(first.saturating_add(i32::try_from(part).unwrap_or(i32::MAX))),
            ballots: Set(opened.lines[start..end].to_owned()),
            reasons: Set(reasons),
        }
        .insert(txn)
        .await?;
        start = end;
    }
    Ok(())
}

/// Ends an amended round: its box opened and stored, its sealed rows
/// deleted, in the caller's transaction. Gives the round's ballot lines
/// (after those it already had, see `store`).
pub async fn end_round<C>(txn: &C, key: &BoxKey, p: &entity::Model) -> AppResult<String>
where
    C: ConnectionTrait + StreamTrait,
{
    let opened = open_box(txn, key, p).await?;
    let lines = opened_ballots(txn, p.id, p.round).await? + &opened.lines;
    store(txn, p, opened).await?;
    sealed_ballot::Entity::delete_many()
        .filter(sealed_ballot::Column::ProposalId.eq(p.id))
        .filter(sealed_ballot::Column::Round.eq(p.round))
        .exec(txn)
        .await?;
    Ok(lines)
}

/// The ballot lines of an opened box, as its ballot file has them.
pub async fn opened_ballots<C>(conn: &C, proposal_id: Uuid, round: i32) -> AppResult<String>
where
    C: ConnectionTrait + StreamTrait,
{
    let mut parts = secret_ballot_part::Entity::find()
        .select_only()
        .column(secret_ballot_part::Column::Ballots)
        .filter(secret_ballot_part::Column::ProposalId.eq(proposal_id))
        .filter(secret_ballot_part::Column::Round.eq(round))
        .order_by_asc(secret_ballot_part::Column::Part)
        .into_tuple::<String>()
        .stream(conn)
        .await?;
    let mut lines = String::new();
    while let Some(part) = parts.try_next().await? {
        lines.push_str(&part);
    }
    Ok(lines)
}

/// The name of the partition that holds a proposal's sealed box (PostgreSQL).
fn partition(proposal_id: Uuid) -> String {
    format!("sealed_ballot_{}", proposal_id.simple())
}

/// Readies the box of a secret vote as it opens: on PostgreSQL, a partition
/// of `sealed_ballot` of its own, dropped whole when the vote closes.
/// Attached rather than created as a partition, which takes a lock that
/// lets casting on the other votes go on.
pub async fn prepare(conn: &impl ConnectionTrait, p: &entity::Model) -> AppResult<()> {
    if !p.secret || conn.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    let name = partition(p.id);
    conn.execute_unprepared(&format!(
        "CREATE TABLE {name} (LIKE sealed_ballot INCLUDING DEFAULTS);
         ALTER TABLE sealed_ballot ATTACH PARTITION {name} FOR VALUES IN ('{}')",
        p.id
    ))
    .await?;
    Ok(())
}

/// The boxes being forgotten in the background, for whoever must wait for
/// them (tests that then read the database's files).
#[derive(Default)]
pub struct Forgetting {
    under_way: std::sync::atomic::AtomicUsize,
    done: tokio::sync::Notify,
}

impl Forgetting {
    /// Waits until no box is being forgotten.
    pub async fn idle(&self) {
        use std::sync::atomic::Ordering;
        loop {
            let done = self.done.notified();
            tokio::pin!(done);
            done.as_mut().enable();
            if self.under_way.load(Ordering::SeqCst) == 0 {
                return;
            }
            done.await;
        }
    }
}

/// After a box was opened and committed, in the background: has the
/// database drop what it still keeps of the sealed rows. A closed vote's
/// box goes whole (`forget_closed_boxes`). An amended round's rows, deleted
/// with the opening, are dropped from the PostgreSQL partition by rewriting
/// it (`VACUUM FULL`: a plain `VACUUM` frees the rows but leaves their bytes
/// in the pages' free space), which holds up casting on that vote alone;
/// SQLite overwrote them (`secure_delete`) and truncates its write-ahead
/// log. Failing here loses nothing: it is logged, and the next closing, or
/// the next start, tries again.
pub fn forget(state: &AppState, p: &entity::Model) {
    use std::sync::atomic::Ordering;
    let db = state.writer.single().clone();
    let forgetting = state.forgetting.clone();
    let (proposal, closed) = (p.id, p.closed_at.is_some());
    forgetting.under_way.fetch_add(1, Ordering::SeqCst);
    tokio::spawn(async move {
        let started = std::time::Instant::now();
        let forgotten = match db.get_database_backend() {
            _ if closed => forget_closed_boxes(&db).await,
            sea_orm::DbBackend::Postgres => {
                // A transaction that began before the box was opened keeps
                // the deleted rows alive (`VACUUM FULL` copies them along):
                // the partition is rewritten again once those are over.
                let first = rewrite_postgres(&db, &partition(proposal)).await;
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                first.and(rewrite_postgres(&db, &partition(proposal)).await)
            }
            _ => checkpoint_sqlite(&db).await,
        };
        match forgotten {
            Ok(()) => {
                tracing::info!(%proposal, forget_ms = started.elapsed().as_millis(), "sealed ballots forgotten")
            }
            Err(e) => {
                tracing::warn!(%proposal, error = %e, "the sealed ballots' traces could not all be dropped yet")
            }
        }
        forgetting.under_way.fetch_sub(1, Ordering::SeqCst);
        forgetting.done.notify_waiters();
    });
}

/// Sealed rows deleted per statement, and the pause between statements, so
/// that casting on other votes goes on meanwhile (SQLite has one writer).
const FORGET_CHUNK: u64 = 2_000;
const FORGET_PAUSE: std::time::Duration = std::time::Duration::from_millis(50);

/// Drops the sealed boxes of the votes that are over (counted, or deleted);
/// never that of a vote closed and not yet counted, which is read from it.
/// On PostgreSQL each is a partition, detached without stopping casting on
/// the others and dropped with its files; on SQLite its rows are deleted a
/// chunk at a time, overwritten as they go (`secure_delete`), and the
/// write-ahead log truncated.
pub async fn forget_closed_boxes(db: &DatabaseConnection) -> anyhow::Result<()> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        return drop_closed_partitions(db).await;
    }
    use sea_orm::sea_query::Query;
    let closed: Vec<Uuid> = entity::Entity::find()
        .select_only()
        .column(entity::Column::Id)
        .filter(entity::Column::Secret.eq(true))
        // Counted: a vote closed a moment ago is being counted from its box.
        .filter(entity::Column::Result.is_not_null())
        .filter(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(sealed_ballot::Entity)
                .and_where(
                    Expr::col((sealed_ballot::Entity, sealed_ballot::Column::ProposalId))
                        .equals((entity::Entity, entity::Column::Id)),
                )
                .to_owned(),
        ))
        .into_tuple()
        .all(db)
        .await?;
    for proposal in closed {
        loop {
            let chunk = Query::select()
                .column(sealed_ballot::Column::Id)
                .from(sealed_ballot::Entity)
                .and_where(sealed_ballot::Column::ProposalId.eq(proposal))
                .limit(FORGET_CHUNK)
                .to_owned();
            let deleted = sealed_ballot::Entity::delete_many()
                .filter(sealed_ballot::Column::ProposalId.eq(proposal))
                .filter(sealed_ballot::Column::Id.in_subquery(chunk))
                .exec(db)
                .await?
                .rows_affected;
            if deleted < FORGET_CHUNK {
                break;
            }
            tokio::time::sleep(FORGET_PAUSE).await;
        }
    }
    checkpoint_sqlite(db).await
}

/// Drops the partitions of the votes that are over (counted, or deleted),
/// each detached first
/// without stopping casting on the others.
async fn drop_closed_partitions(db: &DatabaseConnection) -> anyhow::Result<()> {
    use sea_orm::sqlx::{self, Row};
    let pool = db.get_postgres_connection_pool();
    let over = sqlx::query(
        "SELECT c.relname::text AS name, i.inhrelid IS NOT NULL AS attached
           FROM pg_class c
           LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
           LEFT JOIN proposal p ON p.id = CASE WHEN c.relname ~ '^sealed_ballot_[0-9a-f]{32}$'
                                               THEN substr(c.relname, 15)::uuid END
          WHERE c.relkind = 'r' AND c.relname ~ '^sealed_ballot_[0-9a-f]{32}$'
            AND c.relnamespace = current_schema()::regnamespace
            AND (p.id IS NULL OR p.result IS NOT NULL)",
    )
    .fetch_all(pool)
    .await?;
    for row in over {
        let name: String = row.try_get("name")?;
        if row.try_get::<bool, _>("attached")? {
            let detached = sqlx::query(sqlx::AssertSqlSafe(format!(
                "ALTER TABLE sealed_ballot DETACH PARTITION {name} CONCURRENTLY"
            )))
            .execute(pool)
            .await;
            if detached.is_err() {
                // An earlier detach was interrupted: it is finished instead.
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "ALTER TABLE sealed_ballot DETACH PARTITION {name} FINALIZE"
                )))
                .execute(pool)
                .await?;
            }
        }
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP TABLE IF EXISTS {name}")))
            .execute(pool)
            .await?;
    }
    Ok(())
}

/// Rewrites a vote's partition, waiting at most two seconds for it (casting
/// on that vote waits meanwhile), three times. If it stays busy, a plain
/// `VACUUM` at least frees the rows.
async fn rewrite_postgres(db: &DatabaseConnection, name: &str) -> anyhow::Result<()> {
    use sea_orm::sqlx;
    let mut conn = db.get_postgres_connection_pool().acquire().await?;
    sqlx::query("SET lock_timeout = '2s'")
        .execute(&mut *conn)
        .await?;
    let mut rewritten = Ok(());
    for _ in 0..3 {
        rewritten = sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM FULL {name}")))
            .execute(&mut *conn)
            .await
            .map(|_| ());
        if rewritten.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    sqlx::query("RESET lock_timeout")
        .execute(&mut *conn)
        .await?;
    if let Err(e) = rewritten {
        sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM {name}")))
            .execute(&mut *conn)
            .await?;
        anyhow::bail!("{name} was vacuumed but not rewritten: {e}");
    }
    Ok(())
}

/// Checkpoints and truncates SQLite's write-ahead log, trying again while
/// readers keep it busy (for two seconds at most).
async fn checkpoint_sqlite(db: &DatabaseConnection) -> anyhow::Result<()> {
    for _ in 0..20 {
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Sqlite,
                "PRAGMA wal_checkpoint(TRUNCATE)",
            ))
            .await?;
        let busy = match row {
            Some(row) => row.try_get_by_index::<i32>(0)?,
            None => 0,
        };
        if busy == 0 {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("readers kept the write-ahead log busy: it was not truncated")
}

/// Keeps a secret vote's live result in steps: `cast` new ballots are added
/// to those waiting, and when a step is reached (`live_step_reached`) the
/// box is counted anew. Between steps the figures do
/// not move, so no one watching them can tell one ballot from the others.
pub async fn refresh_live<C>(
    txn: &C,
    key: &BoxKey,
    step: u32,
    p: &entity::Model,
    cast: u64,
) -> AppResult<()>
where
    C: ConnectionTrait + StreamTrait,
{
    use sea_orm::sea_query::{ExprTrait, OnConflict};
    let added = i64::try_from(cast).unwrap_or(i64::MAX);
    secret_live_result::Entity::insert(secret_live_result::ActiveModel {
        proposal_id: Set(p.id),
        pending: Set(added),
        outcome: Set(None),
    })
    .on_conflict(
        OnConflict::column(secret_live_result::Column::ProposalId)
            .value(
                secret_live_result::Column::Pending,
                Expr::col((
                    secret_live_result::Entity,
                    secret_live_result::Column::Pending,
                ))
                .add(added),
            )
            .to_owned(),
    )
    .exec(txn)
    .await?;
    let Some(live) = secret_live_result::Entity::find_by_id(p.id)
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    let counted = live.outcome.as_ref().map_or(0, |o| o.ballots);
    let waiting = u64::try_from(live.pending).unwrap_or(0);
    if !crate::domain::ballot_box::live_step_reached(waiting, counted, step) {
        return Ok(());
    }
    let outcome = count(txn, key, p).await?;
    secret_live_result::Entity::update_many()
        .col_expr(
            secret_live_result::Column::Outcome,
            Expr::value(Some(outcome)),
        )
        .col_expr(secret_live_result::Column::Pending, Expr::value(0i64))
        .filter(secret_live_result::Column::ProposalId.eq(p.id))
        .exec(txn)
        .await?;
    Ok(())
}

/// A secret vote's live result at its last step; none before the first.
pub async fn live(conn: &impl ConnectionTrait, p: &entity::Model) -> AppResult<Option<Outcome>> {
    Ok(secret_live_result::Entity::find_by_id(p.id)
        .one(conn)
        .await?
        .and_then(|live| live.outcome))
}

/// Drops a live result once its round is over (closed, or amended).
pub async fn forget_live(txn: &impl ConnectionTrait, proposal_id: Uuid) -> AppResult<()> {
    secret_live_result::Entity::delete_by_id(proposal_id)
        .exec(txn)
        .await?;
    Ok(())
}

/// A voter's own secret ballot, found with its receipt.
pub struct Checked {
    pub tracker: String,
    pub choice: Value,
    pub round: i32,
    /// In the published ballot file: the box of this round was opened, and
    /// this is the proposal's last round.
    pub in_ballot_file: bool,
}

/// Finds the secret ballot of a receipt: sealed while the vote is open, in
/// the opened box afterwards (by its tracker, as the voter would in the
/// ballot file). `FORBIDDEN` for a receipt that matches none.
pub async fn check<C>(
    conn: &C,
    key: &BoxKey,
    p: &entity::Model,
    receipt: &str,
) -> AppResult<Checked>
where
    C: ConnectionTrait + StreamTrait,
{
    if !p.secret {
        return Err(AppError::conflict(crate::text!(
            en: "This vote is not secret: its ballots have no receipts.",
            fr: "Ce vote n'est pas secret : ses bulletins n'ont pas de reçu."
        )));
    }
    if p.closed_at.is_none()
        && let Some(sealed) = find(conn, key, p, receipt).await?
    {
        return Ok(Checked {
            tracker: sealed.content.tracker,
            choice: sealed.content.choice,
            round: p.round,
            in_ballot_file: false,
        });
    }
    if p.closed_at.is_some() && p.result.is_none() {
        return Err(super::closing::being_counted());
    }
    let tracker = ballot_box::tracker(receipt);
    let mut parts = secret_ballot_part::Entity::find()
        .filter(secret_ballot_part::Column::ProposalId.eq(p.id))
        .order_by_desc(secret_ballot_part::Column::Round)
        .order_by_asc(secret_ballot_part::Column::Part)
        .stream(conn)
        .await?;
    while let Some(part) = parts.try_next().await? {
        if let Some(choice) = part
            .ballots
            .lines()
            .find_map(|line| file::tracked(line, &tracker))
        {
            return Ok(Checked {
                tracker,
                choice,
                round: part.round,
                in_ballot_file: part.round == p.round && p.closed_at.is_some(),
            });
        }
    }
    Err(super::casting::unknown_receipt())
}
