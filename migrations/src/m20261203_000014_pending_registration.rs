//! A registration waits for its address to be confirmed: the answer to
//! "register" is then the same whether or not the address has an account,
//! so registering no longer tells a stranger who uses Plenum.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000014_pending_registration"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("pending_registration")
                    .col(pk_uuid("id"))
                    .col(string_len_uniq("token_hash", 64))
                    .col(string("email"))
                    .col(string("display_name"))
                    .col(string_null("handle"))
                    .col(string("password_hash"))
                    .col(string_len("locale", 8))
                    .col(string_len("timezone", 64))
                    .col(string_len_null("invitation_hash", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_pending_registration_email")
                    .table("pending_registration")
                    .col("email")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("pending_registration").to_owned())
            .await
    }
}
