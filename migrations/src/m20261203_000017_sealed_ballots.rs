//! The sealed ballot box. While a secret vote is open, each ballot is stored
//! sealed (encrypted with the deployment's ballot-box key, which the database
//! does not hold) beside the hash of its receipt, in `sealed_ballot`. When the
//! round ends, the box is opened in one transaction: the ballots are written
//! to `secret_ballot` in a fresh random order under fresh random ids, each
//! with its tracker (derived from the receipt, which the voter alone holds),
//! and the sealed rows are deleted. Nothing stored while voting (the sealed
//! rows, their system columns, their order, the write-ahead log) links to a
//! counted ballot without the key.
//!
//! A secret proposal's live result is a snapshot (`secret_live_result`),
//! taken every `ballots.live_step` ballots or more, so that watching it never
//! shows one ballot. It has a table of its own: ballots hold the proposal's
//! row `FOR SHARE`, and writing the snapshot there would make two processes'
//! batches wait for each other.
//!
//! Ballots of votes still open when this migration runs stay in
//! `secret_ballot`, counted, but lose their receipt: they can no longer be
//! changed.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{index, references};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000017_sealed_ballots"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut sealed = Table::create()
            .table("sealed_ballot")
            .col(uuid("proposal_id"))
            .col(uuid("id"))
            .col(integer("round"))
            .col(string_len("receipt_hash", 64))
            .col(blob("envelope"))
            .primary_key(Index::create().col("proposal_id").col("id"))
            .foreign_key(&mut references("sealed_ballot", "proposal_id", "proposal"))
            .to_owned();
        if manager.get_database_backend() == sea_orm::DbBackend::Sqlite {
            sealed.extra("WITHOUT ROWID");
        }
        manager.create_table(sealed).await?;
        index(
            manager,
            "uq_sealed_ballot_receipt",
            "sealed_ballot",
            &["receipt_hash"],
            true,
        )
        .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("uq_secret_ballot_receipt")
                    .table("secret_ballot")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("secret_ballot")
                    .drop_column("receipt_hash")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("secret_ballot")
                    .add_column(string_len_null("tracker", 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("secret_live_result")
                    .col(uuid("proposal_id").primary_key())
                    .col(big_integer("pending").default(0))
                    .col(json_null("outcome"))
                    .foreign_key(&mut references(
                        "secret_live_result",
                        "proposal_id",
                        "proposal",
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("secret_live_result").to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("secret_ballot")
                    .drop_column("tracker")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("secret_ballot")
                    .add_column(string_len("receipt_hash", 64).default(""))
                    .to_owned(),
            )
            .await?;
        // Receipts of opened boxes are gone: the index comes back, not unique.
        index(
            manager,
            "uq_secret_ballot_receipt",
            "secret_ballot",
            &["receipt_hash"],
            false,
        )
        .await?;
        manager
            .drop_table(Table::drop().table("sealed_ballot").to_owned())
            .await
    }
}
