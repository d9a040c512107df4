//! Opened ballot boxes become ballot files, and each open secret vote's
//! sealed box a table of its own on PostgreSQL.
//!
//! When a secret vote's round ends, its box is opened into the ballot file
//! itself: the ballots, shuffled, as the file's lines (each with its
//! tracker), stored in parts of a few thousand lines (`secret_ballot_part`),
//! with the reasons given in the same order. There is no row per ballot any
//! more — no id, no system column, no physical order of its own — and the
//! published file is the stored text, byte for byte. The counted ballots of
//! earlier votes (`secret_ballot`) are rewritten here as parts, in the order
//! their file already had, and their table dropped with its files: on
//! PostgreSQL its rows still carried the transaction ids of their voters'
//! ballots when they were written before sealed boxes existed.
//!
//! On PostgreSQL `sealed_ballot` is partitioned by proposal: each open
//! secret vote gets a partition when it opens, dropped when the vote closes,
//! so that forgetting a box removes its file instead of rewriting a table
//! every vote shares (`VACUUM FULL` locked them all). A sealed ballot is
//! found by its receipt within its proposal.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{self, ConnectionTrait, DbBackend, Statement};

use crate::common::references;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000018_ballot_files"
    }
}

/// Lines of a ballot file per stored part.
const PART: usize = 10_000;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("secret_ballot_part")
                    .col(uuid("proposal_id"))
                    .col(integer("round"))
                    .col(integer("part"))
                    .col(text("ballots"))
                    .col(json("reasons"))
                    .primary_key(Index::create().col("proposal_id").col("round").col("part"))
                    .foreign_key(&mut references(
                        "secret_ballot_part",
                        "proposal_id",
                        "proposal",
                    ))
                    .to_owned(),
            )
            .await?;
        rewrite_counted_ballots(manager).await?;
        manager
            .drop_table(Table::drop().table("secret_ballot").to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("uq_sealed_ballot_receipt")
                    .table("sealed_ballot")
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            partition_sealed_ballots(manager).await?;
        }
        crate::common::index(
            manager,
            "uq_sealed_ballot_proposal_receipt",
            "sealed_ballot",
            &["proposal_id", "receipt_hash"],
            true,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let sealed = conn
            .query_one_raw(Statement::from_string(
                manager.get_database_backend(),
                "SELECT COUNT(*) AS n FROM sealed_ballot",
            ))
            .await?
            .map(|row| row.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0);
        if sealed > 0 {
            return Err(DbErr::Migration(format!(
                "{sealed} sealed ballots of open secret votes: close those votes before going back"
            )));
        }
        manager
            .drop_index(
                Index::drop()
                    .name("uq_sealed_ballot_proposal_receipt")
                    .table("sealed_ballot")
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            // Empty: a plain table again.
            manager
                .drop_table(Table::drop().table("sealed_ballot").cascade().to_owned())
                .await?;
            manager.create_table(sealed_table(false)).await?;
        }
        crate::common::index(
            manager,
            "uq_sealed_ballot_receipt",
            "sealed_ballot",
            &["receipt_hash"],
            true,
        )
        .await?;
        let mut secret = Table::create()
            .table("secret_ballot")
            .col(uuid("proposal_id"))
            .col(uuid("id"))
            .col(integer("round").default(1))
            .col(json("choice"))
            .col(text_null("reason"))
            .col(string_len_null("tracker", 64))
            .primary_key(Index::create().col("proposal_id").col("id"))
            .foreign_key(&mut references("secret_ballot", "proposal_id", "proposal"))
            .to_owned();
        if manager.get_database_backend() == DbBackend::Sqlite {
            secret.extra("WITHOUT ROWID");
        }
        manager.create_table(secret).await?;
        restore_counted_ballots(manager).await?;
        manager
            .drop_table(Table::drop().table("secret_ballot_part").to_owned())
            .await
    }
}

/// `sealed_ballot` as migration 17 made it (`partitioned`: its PostgreSQL
/// form, partitioned by proposal, without the foreign key, which partitions
/// would take a lock on `proposal` to copy).
fn sealed_table(partitioned: bool) -> TableCreateStatement {
    let mut table = Table::create()
        .table("sealed_ballot")
        .col(uuid("proposal_id"))
        .col(uuid("id"))
        .col(integer("round"))
        .col(string_len("receipt_hash", 64))
        .col(blob("envelope"))
        .primary_key(Index::create().col("proposal_id").col("id"))
        .to_owned();
    if partitioned {
        table.extra("PARTITION BY LIST (proposal_id)");
    } else {
        table.foreign_key(&mut references("sealed_ballot", "proposal_id", "proposal"));
    }
    table
}

/// Moves the sealed ballots of the votes open now into a partitioned table,
/// one partition per open secret vote.
async fn partition_sealed_ballots(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    conn.execute_unprepared(
        "ALTER TABLE sealed_ballot RENAME TO sealed_ballot_unpartitioned;
         ALTER INDEX sealed_ballot_pkey RENAME TO sealed_ballot_unpartitioned_pkey;",
    )
    .await?;
    manager.create_table(sealed_table(true)).await?;
    let open = conn
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT id::text AS id FROM proposal
              WHERE secret AND opened_at IS NOT NULL AND closed_at IS NULL
             UNION SELECT DISTINCT proposal_id::text FROM sealed_ballot_unpartitioned",
        ))
        .await?;
    for row in open {
        let id: String = row.try_get("", "id")?;
        let name = format!("sealed_ballot_{}", id.replace('-', ""));
        conn.execute_unprepared(&format!(
            "CREATE TABLE {name} (LIKE sealed_ballot INCLUDING DEFAULTS);
             ALTER TABLE sealed_ballot ATTACH PARTITION {name} FOR VALUES IN ('{id}');"
        ))
        .await?;
    }
    conn.execute_unprepared(
        "INSERT INTO sealed_ballot (proposal_id, id, round, receipt_hash, envelope)
           SELECT proposal_id, id, round, receipt_hash, envelope FROM sealed_ballot_unpartitioned;
         DROP TABLE sealed_ballot_unpartitioned;",
    )
    .await?;
    Ok(())
}

/// The rounds that have counted secret ballots.
async fn rounds(
    conn: &impl ConnectionTrait,
    backend: DbBackend,
    table: &str,
) -> Result<Vec<(Uuid, i32)>, DbErr> {
    conn.query_all_raw(Statement::from_string(
        backend,
        format!("SELECT DISTINCT proposal_id, round FROM {table}"),
    ))
    .await?
    .into_iter()
    .map(|row| Ok((row.try_get("", "proposal_id")?, row.try_get("", "round")?)))
    .collect()
}

use sea_orm::prelude::Uuid;

/// Each round's counted ballots, in the order their ballot file had (their
/// random ids), become the lines of its parts, each with its tracker.
async fn rewrite_counted_ballots(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    let backend = manager.get_database_backend();
    for (proposal, round) in rounds(conn, backend, "secret_ballot").await? {
        let rows = conn
            .query_all(
                Query::select()
                    .columns(["choice", "reason", "tracker"])
                    .from("secret_ballot")
                    .and_where(Expr::col("proposal_id").eq(proposal))
                    .and_where(Expr::col("round").eq(round))
                    .order_by("id", Order::Asc),
            )
            .await?;
        let mut lines = Vec::with_capacity(rows.len());
        for row in rows {
            let mut choice: sea_orm::JsonValue = row.try_get("", "choice")?;
            let reason: Option<String> = row.try_get("", "reason")?;
            let tracker: Option<String> = row.try_get("", "tracker")?;
            if let (Some(tracker), Some(ballot)) = (tracker, choice.as_object_mut()) {
                ballot.insert("tracker".to_owned(), tracker.into());
            }
            lines.push((format!("{choice}\n"), reason));
        }
        for (part, chunk) in lines.chunks(PART).enumerate() {
            let ballots: String = chunk.iter().map(|(line, _)| line.as_str()).collect();
            let reasons: Vec<sea_orm::JsonValue> = chunk
                .iter()
                .map(|(_, reason)| reason.clone().into())
                .collect();
            conn.execute(
                Query::insert()
                    .into_table("secret_ballot_part")
                    .columns(["proposal_id", "round", "part", "ballots", "reasons"])
                    .values_panic([
                        proposal.into(),
                        round.into(),
                        <i32 as TryFrom<usize>>::try_from(part)
                            .unwrap_or(i32::MAX)
                            .into(),
                        ballots.into(),
                        sea_orm::JsonValue::Array(reasons).into(),
                    ]),
            )
            .await?;
        }
    }
    Ok(())
}

/// Back to one row per counted ballot, with ids that keep the file's order.
async fn restore_counted_ballots(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    let backend = manager.get_database_backend();
    for (proposal, round) in rounds(conn, backend, "secret_ballot_part").await? {
        let parts = conn
            .query_all(
                Query::select()
                    .columns(["ballots", "reasons"])
                    .from("secret_ballot_part")
                    .and_where(Expr::col("proposal_id").eq(proposal))
                    .and_where(Expr::col("round").eq(round))
                    .order_by("part", Order::Asc),
            )
            .await?;
        let mut n: u128 = 0;
        for part in parts {
            let ballots: String = part.try_get("", "ballots")?;
            let reasons: sea_orm::JsonValue = part.try_get("", "reasons")?;
            let reasons = reasons.as_array().cloned().unwrap_or_default();
            for (index, line) in ballots.lines().enumerate() {
                let mut choice: sea_orm::JsonValue = serde_json_line(line)?;
                let tracker = choice
                    .as_object_mut()
                    .and_then(|ballot| ballot.remove("tracker"))
                    .and_then(|t| t.as_str().map(str::to_owned));
                let reason = reasons
                    .get(index)
                    .and_then(|r| r.as_str().map(str::to_owned));
                n += 1;
                conn.execute(
                    Query::insert()
                        .into_table("secret_ballot")
                        .columns(["proposal_id", "id", "round", "choice", "reason", "tracker"])
                        .values_panic([
                            proposal.into(),
                            Uuid::from_u128(n).into(),
                            round.into(),
                            choice.into(),
                            reason.into(),
                            tracker.into(),
                        ]),
                )
                .await?;
            }
        }
    }
    Ok(())
}

fn serde_json_line(line: &str) -> Result<sea_orm::JsonValue, DbErr> {
    serde_json::from_str(line)
        .map_err(|e| DbErr::Migration(format!("a ballot line does not read: {e}")))
}
