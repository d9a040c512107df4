//! Designations: calls for candidacies on a position, the candidacies
//! (applications and nominations) with their statements, and what the rest of
//! the schema gains from them — the proposal that designates (its call and the
//! people it is about), the position's deliberation thread (hidden from its
//! candidates where the organisation chooses), and that choice.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{index, references};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000007_designations"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("designation_call")
                    .col(pk_uuid("id"))
                    .col(uuid("organisation_id"))
                    .col(uuid("position_id"))
                    .col(text("note_source"))
                    .col(text("note_html"))
                    .col(timestamp_with_time_zone("opens_at"))
                    // Candidacies close then; nominations go on while it is studied.
                    .col(timestamp_with_time_zone("closes_at"))
                    // The term of the mandates it leads to.
                    .col(date_null("term_starts_on"))
                    .col(date_null("term_ends_on"))
                    // Where the position is discussed.
                    .col(uuid("thread_id"))
                    // designated, unfilled or reported (upward); none while under way.
                    .col(string_len_null("outcome", 16))
                    .col(text_null("outcome_note"))
                    .col(timestamp_with_time_zone_null("outcome_at"))
                    .col(uuid_null("outcome_by"))
                    // A report upward [remontée]: the parent organisation it went to,
                    // and the candidates debated with their contact details then.
                    .col(uuid_null("reported_to"))
                    .col(json_null("report"))
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut references(
                        "designation_call",
                        "organisation_id",
                        "organisation",
                    ))
                    .foreign_key(&mut references(
                        "designation_call",
                        "position_id",
                        "position",
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_designation_call_position",
            "designation_call",
            &["position_id"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_designation_call_reported_to",
            "designation_call",
            &["reported_to"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("candidacy")
                    .col(pk_uuid("id"))
                    .col(uuid("call_id"))
                    .col(uuid("account_id"))
                    .col(text("statement_source"))
                    .col(text("statement_html"))
                    // Set when someone else put the person forward.
                    .col(uuid_null("nominated_by"))
                    // proposed (a nomination awaiting its answer), standing, declined, withdrawn.
                    .col(string_len("status", 16))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("answered_at"))
                    .col(timestamp_with_time_zone_null("withdrawn_at"))
                    .foreign_key(&mut references("candidacy", "call_id", "designation_call"))
                    .foreign_key(&mut references("candidacy", "account_id", "account"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_candidacy_call_account",
            "candidacy",
            &["call_id", "account_id"],
            true,
        )
        .await?;
        index(
            manager,
            "idx_candidacy_account",
            "candidacy",
            &["account_id"],
            false,
        )
        .await?;
        // The proposal that designates: its call, and the people it is about
        // (the slate of a yes/no vote, or the candidates in the order of its options).
        for column in [
            ColumnDef::new("designation_call_id")
                .uuid()
                .null()
                .to_owned(),
            json_null("designation_holders").to_owned(),
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
            "idx_proposal_designation_call",
            "proposal",
            &["designation_call_id"],
            false,
        )
        .await?;
        // A position's deliberation thread names its call, so that reading it
        // costs nothing more for every other thread.
        manager
            .alter_table(
                Table::alter()
                    .table("thread")
                    .add_column(ColumnDef::new("recusal_call_id").uuid().null())
                    .to_owned(),
            )
            .await?;
        // Whether candidates may read the deliberation on their own position
        // before it is decided.
        manager
            .alter_table(
                Table::alter()
                    .table("organisation")
                    .add_column(boolean("recusal_hides_deliberation").default(false))
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
                    .drop_column("recusal_hides_deliberation")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("thread")
                    .drop_column("recusal_call_id")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_proposal_designation_call")
                    .table("proposal")
                    .to_owned(),
            )
            .await?;
        for column in ["designation_holders", "designation_call_id"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("proposal")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for table in ["candidacy", "designation_call"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
