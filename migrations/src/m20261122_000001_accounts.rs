//! Accounts (one human each) and their credentials: browser sessions and
//! personal API tokens, both stored only as hashes.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000001_accounts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("account")
                    .col(pk_uuid("id"))
                    .col(string_uniq("email"))
                    .col(string("password_hash"))
                    .col(string("display_name"))
                    .col(string_len("locale", 8))
                    .col(string_len("timezone", 64))
                    .col(string_len_null("gender", 32))
                    .col(string_len_null("pronouns", 64))
                    .col(boolean("is_operator").default(false))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("auth_token")
                    .col(pk_uuid("id"))
                    .col(uuid("account_id"))
                    .col(string_len("kind", 16))
                    .col(string_null("name"))
                    .col(string_uniq("token_hash"))
                    .col(string_null("user_agent"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("expires_at"))
                    .col(timestamp_with_time_zone_null("last_used_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_auth_token_account")
                            .from("auth_token", "account_id")
                            .to("account", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_auth_token_account")
                    .table("auth_token")
                    .col("account_id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("auth_token").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("account").to_owned())
            .await
    }
}
