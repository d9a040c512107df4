//! Governance: the bodies of an organisation (each with its own category),
//! the people of the bodies whose membership is not implied (commissions,
//! councils, guests of popular assemblies), the powers an organisation names,
//! positions to fill (alone or as a pair under a parity rule), mandates with
//! their scope, and what proposals gain from them: the body
//! that decides, whether the decision binds, its scope and the mandates cited.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{index, references};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000006_governance"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("body")
                    .col(pk_uuid("id"))
                    .col(uuid("organisation_id"))
                    .col(string_len("kind", 24))
                    .col(string_len("slug", 64))
                    .col(string_len("name", 120))
                    .col(text("description_source"))
                    .col(text("description_html"))
                    // A commission may be one-off (an event, a congress) or lasting.
                    .col(boolean("lasting").default(true))
                    .col(string_len("default_method", 32))
                    .col(uuid("category_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(uuid("created_by"))
                    // The assembly's decision that created it; none when an admin did.
                    .col(uuid_null("created_by_decision"))
                    .col(timestamp_with_time_zone_null("dissolved_at"))
                    .col(uuid_null("dissolved_by"))
                    .col(uuid_null("dissolved_by_decision"))
                    .col(text_null("dissolved_reason"))
                    .foreign_key(&mut references("body", "organisation_id", "organisation"))
                    .foreign_key(&mut references("body", "category_id", "category"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_body_slug",
            "body",
            &["organisation_id", "slug"],
            true,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("body_member")
                    .col(uuid("body_id"))
                    .col(uuid("account_id"))
                    // member (of a commission), delegate (of a council), guest (of a popular assembly).
                    .col(string_len("role", 16))
                    // Whom a delegate represents, in words.
                    .col(string_len_null("note", 200))
                    .col(timestamp_with_time_zone("joined_at"))
                    .col(uuid_null("added_by"))
                    .col(timestamp_with_time_zone_null("left_at"))
                    .primary_key(Index::create().col("body_id").col("account_id"))
                    .foreign_key(&mut references("body_member", "body_id", "body"))
                    .foreign_key(&mut references("body_member", "account_id", "account"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("power")
                    .col(uuid("organisation_id"))
                    .col(string_len("name", 40))
                    .col(string_len("label", 120))
                    .col(text("description"))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(Index::create().col("organisation_id").col("name"))
                    .foreign_key(&mut references("power", "organisation_id", "organisation"))
                    .to_owned(),
            )
            .await?;
        // A position to fill by designation: one mandate, or a pair under a
        // parity rule.
        manager
            .create_table(
                Table::create()
                    .table("position")
                    .col(pk_uuid("id"))
                    .col(uuid("organisation_id"))
                    .col(uuid("body_id"))
                    .col(string_len("title", 120))
                    .col(text("description"))
                    .col(json("qualities"))
                    .col(json("scope"))
                    .col(small_integer("seats"))
                    .col(string_len("parity", 24))
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut references(
                        "position",
                        "organisation_id",
                        "organisation",
                    ))
                    .foreign_key(&mut references("position", "body_id", "body"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_position_body",
            "position",
            &["body_id"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("mandate")
                    .col(pk_uuid("id"))
                    .col(uuid("organisation_id"))
                    .col(uuid("body_id"))
                    .col(uuid("holder_id"))
                    .col(string_len("title", 120))
                    .col(text("mission_source"))
                    .col(text("mission_html"))
                    .col(date("starts_on"))
                    .col(date_null("ends_on"))
                    // What granted it: an adopted proposal, or minutes cited by hand.
                    .col(uuid_null("granted_by_decision"))
                    .col(text_null("granted_minutes"))
                    // The mandate this one renews.
                    .col(uuid_null("previous_id"))
                    // The position it fills, when designated to one.
                    .col(uuid_null("position_id"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .col(uuid_null("revoked_by"))
                    .col(uuid_null("revoked_by_decision"))
                    .col(text_null("revoked_minutes"))
                    .col(text_null("revoked_reason"))
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut references(
                        "mandate",
                        "organisation_id",
                        "organisation",
                    ))
                    .foreign_key(&mut references("mandate", "body_id", "body"))
                    .foreign_key(&mut references("mandate", "holder_id", "account"))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_mandate_body", "mandate", &["body_id"], false).await?;
        index(
            manager,
            "idx_mandate_position",
            "mandate",
            &["position_id"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_mandate_holder",
            "mandate",
            &["holder_id"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_mandate_organisation",
            "mandate",
            &["organisation_id", "starts_on"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("mandate_power")
                    .col(uuid("mandate_id"))
                    .col(string_len("power", 40))
                    .primary_key(Index::create().col("mandate_id").col("power"))
                    .foreign_key(&mut references("mandate_power", "mandate_id", "mandate"))
                    .to_owned(),
            )
            .await?;
        // What a proposal gains: the body deciding, whether it binds (a
        // commission only recommends, to the body named), its scope, and the
        // mandates a secretariat cites. One column per statement: SQLite
        // alters a table one column at a time.
        for column in [
            ColumnDef::new("body_id").uuid().null().to_owned(),
            boolean("binding").default(true).to_owned(),
            json_null("scope").to_owned(),
            ColumnDef::new("forwarded_to").uuid().null().to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("proposal")
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        index(
            manager,
            "idx_proposal_body",
            "proposal",
            &["body_id"],
            false,
        )
        .await?;
        // How parity rules treat people who declared no gender.
        manager
            .alter_table(
                Table::alter()
                    .table("organisation")
                    .add_column(string_len("undeclared_gender", 16).default("unknown"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("proposal_mandate")
                    .col(uuid("proposal_id"))
                    .col(uuid("mandate_id"))
                    .primary_key(Index::create().col("proposal_id").col("mandate_id"))
                    .foreign_key(&mut references(
                        "proposal_mandate",
                        "proposal_id",
                        "proposal",
                    ))
                    .foreign_key(&mut references("proposal_mandate", "mandate_id", "mandate"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("proposal_mandate").to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_proposal_body")
                    .table("proposal")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("organisation")
                    .drop_column("undeclared_gender")
                    .to_owned(),
            )
            .await?;
        for column in ["forwarded_to", "scope", "binding", "body_id"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("proposal")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            "mandate_power",
            "mandate",
            "position",
            "power",
            "body_member",
            "body",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
