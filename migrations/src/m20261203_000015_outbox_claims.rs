//! The outbox claims what it delivers: a worker holds a message until
//! `claimed_until`, so that several processes on one database never deliver
//! it twice; after `outbox.max_attempts` failures a message is set aside
//! (`failed_at`) for an operator to look into and retry.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000015_outbox_claims"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["claimed_until", "failed_at"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("outbox")
                        .add_column(timestamp_with_time_zone_null(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["claimed_until", "failed_at"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("outbox")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
