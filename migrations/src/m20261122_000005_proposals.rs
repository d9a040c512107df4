//! Proposals and their ballots: the proposal and its settings, the electorate
//! frozen when voting opens, named ballots, secret ballots kept apart from
//! any person, proxies, and the organisation's cap on proxies held.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{index, references};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000005_proposals"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("proposal")
                    .col(pk_uuid("id"))
                    .col(uuid("organisation_id"))
                    .col(uuid_null("thread_id"))
                    .col(uuid("author_id"))
                    .col(string_len("title", 200))
                    .col(text("details_source"))
                    .col(text("details_html"))
                    .col(string_len("method", 32))
                    .col(json("options"))
                    .col(json("settings"))
                    .col(string_len("electorate_rule", 16))
                    .col(json("listed"))
                    .col(boolean("secret"))
                    .col(string_len("results_visibility", 16))
                    .col(string_len("reasons", 16))
                    .col(boolean("changeable"))
                    .col(boolean("urgent"))
                    .col(boolean("needs_ratification"))
                    .col(timestamp_with_time_zone("opens_at"))
                    .col(timestamp_with_time_zone("closes_at"))
                    .col(timestamp_with_time_zone_null("opened_at"))
                    .col(integer_null("electorate_size"))
                    .col(timestamp_with_time_zone_null("closed_at"))
                    .col(uuid_null("closed_by"))
                    .col(json_null("result"))
                    .col(string_len_null("export_sha256", 64))
                    // A vote taken in the room keeps its ballot file as recorded.
                    .col(string_len("origin", 8).default("online"))
                    .col(text_null("ballot_file"))
                    .col(integer("round").default(1))
                    .col(text_null("outcome_source"))
                    .col(text_null("outcome_html"))
                    .col(uuid_null("outcome_by"))
                    .col(timestamp_with_time_zone_null("outcome_at"))
                    .col(string_len_null("ratification", 16))
                    .col(text_null("ratification_note"))
                    .col(uuid_null("ratified_by"))
                    .col(timestamp_with_time_zone_null("ratified_at"))
                    // Consensus: the facilitators' check, and what followed a consensus not reached.
                    .col(timestamp_with_time_zone_null("consensus_checked_at"))
                    .col(uuid_null("consensus_checked_by"))
                    .col(text_null("consensus_check_note"))
                    .col(uuid_null("fallback_proposal_id"))
                    .col(uuid_null("escalated_to"))
                    .col(timestamp_with_time_zone_null("escalated_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut references(
                        "proposal",
                        "organisation_id",
                        "organisation",
                    ))
                    .foreign_key(&mut references("proposal", "thread_id", "thread"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_proposal_organisation",
            "proposal",
            &["organisation_id", "created_at"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_proposal_thread",
            "proposal",
            &["thread_id"],
            false,
        )
        .await?;
        // The scheduler's question: which open proposals close next?
        index(
            manager,
            "idx_proposal_schedule",
            "proposal",
            &["closed_at", "closes_at"],
            false,
        )
        .await?;

        // The electorate, frozen when voting opens. `voted` is the only trace
        // of participation in a secret vote: no time, no link to a ballot.
        manager
            .create_table(
                Table::create()
                    .table("elector")
                    .col(uuid("proposal_id"))
                    .col(uuid("account_id"))
                    .col(boolean("voted").default(false))
                    // Who cast this elector's ballot with their proxy: that a proxy was used, not how.
                    .col(uuid_null("proxy_holder_id"))
                    .col(text_null("excluded_reason"))
                    .col(uuid_null("excluded_by"))
                    .primary_key(Index::create().col("proposal_id").col("account_id"))
                    .foreign_key(&mut references("elector", "proposal_id", "proposal"))
                    .foreign_key(&mut references("elector", "account_id", "account"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("ballot")
                    .col(pk_uuid("id"))
                    .col(uuid("proposal_id"))
                    .col(uuid("voter_id"))
                    .col(integer("round").default(1))
                    .col(uuid("cast_by"))
                    .col(json("choice"))
                    .col(text_null("reason"))
                    .col(timestamp_with_time_zone("cast_at"))
                    .col(timestamp_with_time_zone_null("changed_at"))
                    .foreign_key(&mut references("ballot", "proposal_id", "proposal"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_ballot_proposal_voter",
            "ballot",
            &["proposal_id", "round", "voter_id"],
            true,
        )
        .await?;

        // Secret ballots name nobody and carry no time; their id is random and
        // they are read in id order. On SQLite the table is stored in key
        // order (WITHOUT ROWID), so not even the file keeps the order of casting.
        let mut secret = Table::create()
            .table("secret_ballot")
            .col(uuid("proposal_id"))
            .col(uuid("id"))
            .col(integer("round").default(1))
            .col(json("choice"))
            .col(text_null("reason"))
            .col(string_len("receipt_hash", 64))
            .primary_key(Index::create().col("proposal_id").col("id"))
            .foreign_key(&mut references("secret_ballot", "proposal_id", "proposal"))
            .to_owned();
        if manager.get_database_backend() == sea_orm::DbBackend::Sqlite {
            secret.extra("WITHOUT ROWID");
        }
        manager.create_table(secret).await?;
        index(
            manager,
            "uq_secret_ballot_receipt",
            "secret_ballot",
            &["receipt_hash"],
            true,
        )
        .await?;

        // Earlier rounds of an amended proposal: its text then and the positions taken.
        manager
            .create_table(
                Table::create()
                    .table("proposal_round")
                    .col(uuid("proposal_id"))
                    .col(integer("round"))
                    .col(text("details_source"))
                    .col(text("details_html"))
                    .col(json("outcome"))
                    .col(uuid("amended_by"))
                    .col(text("amendment_reason"))
                    .col(timestamp_with_time_zone("amended_at"))
                    .primary_key(Index::create().col("proposal_id").col("round"))
                    .foreign_key(&mut references("proposal_round", "proposal_id", "proposal"))
                    .to_owned(),
            )
            .await?;

        // A proxy [procuration]: for one proposal, or for a period.
        manager
            .create_table(
                Table::create()
                    .table("proxy")
                    .col(pk_uuid("id"))
                    .col(uuid("organisation_id"))
                    .col(uuid("giver_id"))
                    .col(uuid("holder_id"))
                    .col(uuid_null("proposal_id"))
                    .col(timestamp_with_time_zone("starts_at"))
                    .col(timestamp_with_time_zone_null("ends_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .foreign_key(&mut references("proxy", "organisation_id", "organisation"))
                    .foreign_key(&mut references("proxy", "proposal_id", "proposal"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_proxy_holder",
            "proxy",
            &["holder_id", "organisation_id"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_proxy_giver",
            "proxy",
            &["giver_id", "organisation_id"],
            false,
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("organisation")
                    .add_column(integer("max_proxies_held").default(1))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("organisation")
                    .drop_column("max_proxies_held")
                    .to_owned(),
            )
            .await?;
        for table in [
            "proxy",
            "proposal_round",
            "secret_ballot",
            "ballot",
            "elector",
            "proposal",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
