//! Published records (minutes, decision records, reports, proposal outcomes,
//! the mandate register) with every version kept, and the theme an
//! organisation's public pages use.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{index, references};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000009_records"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("record")
                    .col(pk_uuid("id"))
                    .col(uuid("organisation_id"))
                    // The body that publishes it.
                    .col(uuid("body_id"))
                    // minutes, decision_record, report, proposal_outcome, mandate_register.
                    .col(string_len("kind", 32))
                    // What it records (a meeting, a proposal, a body), when anything.
                    .col(uuid_null("source_id"))
                    // The permalink's last segment, unique in the organisation.
                    .col(string_len("slug", 160))
                    // public, members or body.
                    .col(string_len("visibility", 16))
                    // The current version's title and number.
                    .col(string_len("title", 200))
                    .col(integer("version"))
                    // The year of publication in the organisation's time zone.
                    .col(integer("year"))
                    .col(timestamp_with_time_zone("published_at"))
                    .col(uuid("published_by"))
                    .col(timestamp_with_time_zone("amended_at"))
                    .foreign_key(&mut references("record", "organisation_id", "organisation"))
                    .foreign_key(&mut references("record", "body_id", "body"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_record_slug",
            "record",
            &["organisation_id", "slug"],
            true,
        )
        .await?;
        // A meeting's minutes, a proposal's outcome… are published once.
        index(
            manager,
            "idx_record_source",
            "record",
            &["kind", "source_id"],
            true,
        )
        .await?;
        index(
            manager,
            "idx_record_archive",
            "record",
            &["body_id", "year", "published_at"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("record_version")
                    .col(uuid("record_id"))
                    .col(integer("number"))
                    .col(string_len("title", 200))
                    .col(text("source"))
                    .col(text("html"))
                    // Why it was amended (none for the first version).
                    .col(text_null("reason"))
                    .col(uuid("author_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(Index::create().col("record_id").col("number"))
                    .foreign_key(&mut references("record_version", "record_id", "record"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("organisation")
                    .add_column(string_len("theme", 64).default("default"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("organisation")
                    .drop_column("theme")
                    .to_owned(),
            )
            .await?;
        for table in ["record_version", "record"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
