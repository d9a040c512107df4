//! Personal API tokens get a scope (`read`, `write`, `admin`) and may end
//! with a password change. Tokens made before keep what they could do
//! (`admin`) and survive password changes, as they did; sessions have no
//! scope (they may do all the person may).

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000013_token_scope"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one column at a time.
        manager
            .alter_table(
                Table::alter()
                    .table("auth_token")
                    .add_column(string_len("scope", 16).default("admin"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("auth_token")
                    .add_column(boolean("ends_with_password").default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["scope", "ends_with_password"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("auth_token")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
