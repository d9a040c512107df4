//! Organisations (nesting through `parent_id`), memberships with their role and
//! standing, the history of every membership, invitations and join requests.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::references;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000002_organisations"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("organisation")
                    .col(pk_uuid("id"))
                    .col(string_len_uniq("slug", 64))
                    .col(string("name"))
                    .col(text("description"))
                    .col(string_len("timezone", 64))
                    .col(string_len("default_locale", 8))
                    .col(string_len("registration_mode", 16))
                    .col(uuid_null("parent_id"))
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_organisation_parent")
                            .from("organisation", "parent_id")
                            .to("organisation", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_organisation_parent")
                    .table("organisation")
                    .col("parent_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("membership")
                    .col(pk_uuid("id"))
                    .col(uuid("organisation_id"))
                    .col(uuid("account_id"))
                    .col(string_len("role", 16))
                    .col(string_len("standing", 16))
                    .col(date_null("good_until"))
                    .col(timestamp_with_time_zone("joined_at"))
                    .col(timestamp_with_time_zone_null("left_at"))
                    .foreign_key(&mut references(
                        "membership",
                        "organisation_id",
                        "organisation",
                    ))
                    .foreign_key(&mut references("membership", "account_id", "account"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_membership_organisation_account")
                    .table("membership")
                    .col("organisation_id")
                    .col("account_id")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_membership_account")
                    .table("membership")
                    .col("account_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("membership_event")
                    .col(pk_uuid("id"))
                    .col(uuid("membership_id"))
                    .col(string_len("kind", 24))
                    .col(string_len("role", 16))
                    .col(string_len("standing", 16))
                    .col(date_null("good_until"))
                    .col(text_null("note"))
                    .col(uuid_null("actor_id"))
                    .col(timestamp_with_time_zone("at"))
                    .foreign_key(&mut references(
                        "membership_event",
                        "membership_id",
                        "membership",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_membership_event_membership")
                    .table("membership_event")
                    .col("membership_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("invitation")
                    .col(pk_uuid("id"))
                    .col(uuid("organisation_id"))
                    .col(string("email"))
                    .col(string_uniq("token_hash"))
                    .col(string_len("role", 16))
                    .col(string_len("standing", 16))
                    .col(date_null("good_until"))
                    .col(uuid("invited_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("accepted_at"))
                    .col(uuid_null("accepted_by"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .foreign_key(&mut references(
                        "invitation",
                        "organisation_id",
                        "organisation",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_invitation_organisation")
                    .table("invitation")
                    .col("organisation_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("join_request")
                    .col(pk_uuid("id"))
                    .col(uuid("organisation_id"))
                    .col(uuid("account_id"))
                    .col(text("message"))
                    .col(string_len("status", 16))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("decided_at"))
                    .col(uuid_null("decided_by"))
                    .foreign_key(&mut references(
                        "join_request",
                        "organisation_id",
                        "organisation",
                    ))
                    .foreign_key(&mut references("join_request", "account_id", "account"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_join_request_organisation")
                    .table("join_request")
                    .col("organisation_id")
                    .col("status")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "join_request",
            "invitation",
            "membership_event",
            "membership",
            "organisation",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
