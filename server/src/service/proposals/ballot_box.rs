//! The sealed ballot box of a secret vote (see `domain::ballot_box`): ballots
//! sealed as they are cast, read while the vote is open (live counts,
//! objections, a voter's own ballot), and the box opened when a round ends —
//! written out in a random order under fresh ids, in one transaction — after
//! which the database is made to forget the sealed rows.

use std::path::Path;

use futures_util::TryStreamExt;
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, QuerySelect, StreamTrait};
use serde_json::Value;

use crate::config::Settings;
use crate::domain::ballot_box::{self, BoxKey, Content};
use crate::domain::decision::Outcome;
use crate::domain::token;
use crate::entity::{
    instance_secret, proposal as entity, sealed_ballot, secret_ballot, secret_live_result,
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
    let mut rows = sealed_ballot::Entity::find()
        .select_only()
        .column(sealed_ballot::Column::Envelope)
        .filter(sealed_ballot::Column::ProposalId.eq(p.id))
        .filter(sealed_ballot::Column::Round.eq(p.round))
        .into_tuple::<Vec<u8>>()
        .stream(conn)
        .await?;
    let mut opened = Vec::new();
    while let Some(envelope) = rows.try_next().await? {
        opened.push(ballot_box::open(key, p.id, p.round, &envelope).map_err(|_| unopenable())?);
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

/// Opens the box of the proposal's current round: its ballots are written
/// to `secret_ballot` in a random order under fresh random ids (all in this
/// one transaction, so they share its time and its id), and the sealed rows
/// deleted. Gives how many ballots it held.
pub async fn open_round<C>(txn: &C, key: &BoxKey, p: &entity::Model) -> AppResult<usize>
where
    C: ConnectionTrait + StreamTrait,
{
    let started = std::time::Instant::now();
    let mut ballots: Vec<_> = contents(txn, key, p)
        .await?
        .into_iter()
        .map(|content| secret_ballot::ActiveModel {
            proposal_id: Set(p.id),
            id: Set(Uuid::new_v4()),
            round: Set(p.round),
            choice: Set(content.choice),
            reason: Set(content.reason),
            tracker: Set(Some(content.tracker)),
        })
        .collect();
    let read = started.elapsed();
    ballot_box::shuffle(&mut ballots);
    let held = ballots.len();
    // As many rows per statement as SQLite's 32,766 parameters allow.
    let mut ballots = ballots.into_iter().peekable();
    while ballots.peek().is_some() {
        let chunk: Vec<_> = ballots.by_ref().take(5000).collect();
        secret_ballot::Entity::insert_many(chunk).exec(txn).await?;
    }
    let written = started.elapsed();
    sealed_ballot::Entity::delete_many()
        .filter(sealed_ballot::Column::ProposalId.eq(p.id))
        .filter(sealed_ballot::Column::Round.eq(p.round))
        .exec(txn)
        .await?;
    tracing::info!(
        proposal = %p.id,
        ballots = held,
        read_ms = read.as_millis(),
        written_ms = written.as_millis(),
        total_ms = started.elapsed().as_millis(),
        "ballot box opened"
    );
    Ok(held)
}

/// After a box was opened and committed: has the database drop what it
/// still keeps of the deleted sealed rows. PostgreSQL rewrites the table
/// into a new file (`VACUUM FULL`): a plain `VACUUM` frees the rows but
/// leaves their bytes in the pages' free space, transaction id and envelope
/// included. SQLite overwrote them when they were deleted (`secure_delete`)
/// and truncates its write-ahead log. Failing here loses nothing: it is
/// logged, and the next opening tries again.
pub async fn forget(state: &AppState) {
    let db = state.writer.single();
    let forgotten = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            // A transaction that began before the box was opened keeps the
            // deleted rows alive (`VACUUM FULL` copies them along): the
            // table is rewritten again once such transactions are over.
            let again = db.clone();
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                if let Err(e) = rewrite_postgres(&again).await {
                    tracing::warn!(error = %e, "the sealed ballots' traces could not all be dropped yet");
                }
            });
            rewrite_postgres(db).await
        }
        _ => checkpoint_sqlite(db).await,
    };
    if let Err(e) = forgotten {
        tracing::warn!(error = %e, "the sealed ballots' traces could not all be dropped yet");
    }
}

/// Rewrites `sealed_ballot` (the sealed ballots of the votes still open),
/// waiting at most two seconds for the table (casting waits meanwhile),
/// three times. If the table stays busy, a plain `VACUUM` at least frees
/// the rows.
async fn rewrite_postgres(db: &DatabaseConnection) -> anyhow::Result<()> {
    use sea_orm::sqlx;
    let mut conn = db.get_postgres_connection_pool().acquire().await?;
    sqlx::query("SET lock_timeout = '2s'")
        .execute(&mut *conn)
        .await?;
    let mut rewritten = Ok(());
    for _ in 0..3 {
        rewritten = sqlx::query("VACUUM FULL sealed_ballot")
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
        sqlx::query("VACUUM sealed_ballot")
            .execute(&mut *conn)
            .await?;
        anyhow::bail!("sealed_ballot was vacuumed but not rewritten: {e}");
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
    let tracker = ballot_box::tracker(receipt);
    let counted = secret_ballot::Entity::find()
        .filter(secret_ballot::Column::ProposalId.eq(p.id))
        .filter(secret_ballot::Column::Tracker.eq(tracker.as_str()))
        .one(conn)
        .await?
        .ok_or_else(super::casting::unknown_receipt)?;
    Ok(Checked {
        tracker,
        choice: counted.choice,
        round: counted.round,
        in_ballot_file: counted.round == p.round && p.closed_at.is_some(),
    })
}
