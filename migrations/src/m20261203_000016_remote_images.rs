//! Remote images: an organisation chooses whether images written in Markdown
//! are links (the default) or shown through Plenum's image proxy, whose
//! addresses are signed with a key every server process of the deployment
//! shares (`instance_secret`, made on first start).

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000016_remote_images"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("organisation")
                    .add_column(string_len("remote_images", 16).default("links"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("instance_secret")
                    .col(string_len("name", 32).primary_key())
                    .col(string_len("value", 128))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("instance_secret").to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("organisation")
                    .drop_column("remote_images")
                    .to_owned(),
            )
            .await
    }
}
