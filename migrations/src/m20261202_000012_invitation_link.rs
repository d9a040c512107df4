//! An invitation is for the address it was sent to, unless the inviter
//! chose "anyone with the link" (a link shared in a meeting's chat). Before,
//! any account could accept any invitation, with its role.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000012_invitation_link"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("invitation")
                    .add_column(boolean("anyone_with_link").default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("invitation")
                    .drop_column("anyone_with_link")
                    .to_owned(),
            )
            .await
    }
}
