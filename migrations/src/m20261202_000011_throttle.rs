//! Attempts counted against a throttle (failed logins, wrong current
//! passwords, registrations), kept in the database so that every server
//! process sharing it counts the same, and a restart forgives nothing.
//!
//! The key is a SHA-256 of what is counted (`login:<email>|<address>`…):
//! the table holds no email or address an attacker tried.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000011_throttle"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("throttle_hit")
                    .col(pk_uuid("id"))
                    .col(string_len("key", 64))
                    .col(timestamp_with_time_zone("at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_throttle_hit_key_at")
                    .table("throttle_hit")
                    .col("key")
                    .col("at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_throttle_hit_at")
                    .table("throttle_hit")
                    .col("at")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("throttle_hit").to_owned())
            .await
    }
}
