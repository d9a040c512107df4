//! Meetings: a body's meetings (one-off, from a recurring series, or a window
//! still to be fixed), their agenda items (a body's items not yet placed in
//! a meeting wait in its backlog), the roles mandated at the start, the
//! attendance sheet, the speaking queue, and the personal tokens of
//! calendar feeds.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{index, references};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000008_meetings"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A recurrence: an RFC 5545 rule read in the organisation's time zone.
        manager
            .create_table(
                Table::create()
                    .table("meeting_series")
                    .col(pk_uuid("id"))
                    .col(uuid("organisation_id"))
                    .col(uuid("body_id"))
                    .col(text("rule"))
                    .col(string_len("timezone", 64))
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut references(
                        "meeting_series",
                        "organisation_id",
                        "organisation",
                    ))
                    .foreign_key(&mut references("meeting_series", "body_id", "body"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("meeting")
                    .col(pk_uuid("id"))
                    .col(uuid("organisation_id"))
                    .col(uuid("body_id"))
                    .col(uuid_null("series_id"))
                    .col(string_len("title", 200))
                    // None while the meeting is only a window to be fixed.
                    .col(timestamp_with_time_zone_null("starts_at"))
                    .col(date_null("window_starts_on"))
                    .col(date_null("window_ends_on"))
                    .col(integer("duration_minutes"))
                    .col(text("place"))
                    .col(text("video_url"))
                    // public, members or mandated.
                    .col(string_len("visibility", 16))
                    .col(boolean("extraordinary").default(false))
                    // Items close this many days before the start.
                    .col(integer("agenda_deadline_days"))
                    // How the speaking list treats gender: off, priority or alternate.
                    .col(string_len("speaking_priority", 16))
                    // The default time limit of an intervention, in seconds.
                    .col(integer_null("speaking_limit_seconds"))
                    // The parity rule its two facilitators follow, if two.
                    .col(string_len("facilitator_parity", 24))
                    .col(timestamp_with_time_zone_null("started_at"))
                    .col(timestamp_with_time_zone_null("ended_at"))
                    .col(timestamp_with_time_zone_null("cancelled_at"))
                    .col(text_null("cancelled_reason"))
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut references(
                        "meeting",
                        "organisation_id",
                        "organisation",
                    ))
                    .foreign_key(&mut references("meeting", "body_id", "body"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_meeting_body_start",
            "meeting",
            &["body_id", "starts_at"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_meeting_organisation_start",
            "meeting",
            &["organisation_id", "starts_at"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("agenda_item")
                    .col(pk_uuid("id"))
                    .col(uuid("organisation_id"))
                    .col(uuid("body_id"))
                    // None: in the body's backlog, for its next meeting.
                    .col(uuid_null("meeting_id"))
                    .col(string_len("title", 200))
                    .col(text("description_source"))
                    .col(text("description_html"))
                    .col(uuid("proposer_id"))
                    .col(integer("estimate_minutes"))
                    // Higher first, as the assembly set its priorities.
                    .col(integer("priority"))
                    // The order the next-agenda preparer set; none: by priority.
                    .col(integer_null("rank"))
                    .col(uuid_null("proposal_id"))
                    .col(uuid_null("thread_id"))
                    // Added after the deadline: waits for a facilitator's approval.
                    .col(boolean("urgent").default(false))
                    .col(uuid_null("approved_by"))
                    // The meeting it was carried over from.
                    .col(uuid_null("carried_from"))
                    // open, discussed or withdrawn.
                    .col(string_len("status", 16))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut references(
                        "agenda_item",
                        "organisation_id",
                        "organisation",
                    ))
                    .foreign_key(&mut references("agenda_item", "body_id", "body"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_agenda_item_meeting",
            "agenda_item",
            &["meeting_id"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_agenda_item_body",
            "agenda_item",
            &["body_id", "meeting_id"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("meeting_role")
                    .col(uuid("meeting_id"))
                    // facilitator, minute_taker, agenda_preparer, rapporteur.
                    .col(string_len("role", 24))
                    .col(uuid("account_id"))
                    .col(uuid("assigned_by"))
                    .col(timestamp_with_time_zone("assigned_at"))
                    .primary_key(
                        Index::create()
                            .col("meeting_id")
                            .col("role")
                            .col("account_id"),
                    )
                    .foreign_key(&mut references("meeting_role", "meeting_id", "meeting"))
                    .foreign_key(&mut references("meeting_role", "account_id", "account"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("attendance")
                    .col(uuid("meeting_id"))
                    .col(uuid("account_id"))
                    // in_person, online, excused or absent.
                    .col(string_len("status", 16))
                    .col(uuid("marked_by"))
                    .col(timestamp_with_time_zone("marked_at"))
                    .primary_key(Index::create().col("meeting_id").col("account_id"))
                    .foreign_key(&mut references("attendance", "meeting_id", "meeting"))
                    .foreign_key(&mut references("attendance", "account_id", "account"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_attendance_account",
            "attendance",
            &["account_id"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("speaking_request")
                    .col(pk_uuid("id"))
                    .col(uuid("meeting_id"))
                    .col(uuid("item_id"))
                    .col(uuid("account_id"))
                    // request, point_of_order or round.
                    .col(string_len("kind", 16))
                    .col(timestamp_with_time_zone("requested_at"))
                    .col(uuid("requested_by"))
                    // Where the moderator placed it, overriding the list's order.
                    .col(integer_null("placed_at"))
                    .col(integer_null("limit_seconds"))
                    .col(timestamp_with_time_zone_null("started_at"))
                    .col(timestamp_with_time_zone_null("ended_at"))
                    .col(timestamp_with_time_zone_null("removed_at"))
                    .col(uuid_null("removed_by"))
                    .foreign_key(&mut references("speaking_request", "meeting_id", "meeting"))
                    .foreign_key(&mut references("speaking_request", "account_id", "account"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_speaking_request_meeting",
            "speaking_request",
            &["meeting_id", "item_id"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("calendar_token")
                    .col(uuid("account_id").primary_key())
                    .col(string_len("token_hash", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut references("calendar_token", "account_id", "account"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_calendar_token_hash",
            "calendar_token",
            &["token_hash"],
            true,
        )
        .await?;
        // The minutes [compte rendu]: one editor at a time, holding a lock
        // that lapses when they stop saving.
        manager
            .create_table(
                Table::create()
                    .table("minutes")
                    .col(uuid("meeting_id").primary_key())
                    .col(text("source"))
                    .col(text("html"))
                    .col(uuid_null("editor_id"))
                    .col(timestamp_with_time_zone_null("locked_until"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(uuid("updated_by"))
                    .col(timestamp_with_time_zone_null("published_at"))
                    .col(uuid_null("published_by"))
                    .foreign_key(&mut references("minutes", "meeting_id", "meeting"))
                    .to_owned(),
            )
            .await?;
        // Breakout groups: the plenary split, each group's people, its
        // rapporteur and report (Markdown and answers to the questions).
        manager
            .create_table(
                Table::create()
                    .table("breakout")
                    .col(pk_uuid("id"))
                    .col(uuid("meeting_id"))
                    .col(uuid_null("item_id"))
                    .col(json("questions"))
                    .col(integer("max_size"))
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut references("breakout", "meeting_id", "meeting"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_breakout_meeting",
            "breakout",
            &["meeting_id"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("breakout_group")
                    .col(pk_uuid("id"))
                    .col(uuid("breakout_id"))
                    .col(integer("number"))
                    .col(json("members"))
                    .col(uuid_null("rapporteur_id"))
                    .col(text_null("report_source"))
                    .col(text_null("report_html"))
                    .col(json_null("answers"))
                    .col(timestamp_with_time_zone_null("reported_at"))
                    .foreign_key(&mut references("breakout_group", "breakout_id", "breakout"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_breakout_group_breakout",
            "breakout_group",
            &["breakout_id"],
            false,
        )
        .await?;
        // A decision taken in a meeting: its meeting and agenda item.
        for column in ["meeting_id", "agenda_item_id"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("proposal")
                        .add_column(ColumnDef::new(column).uuid().null())
                        .to_owned(),
                )
                .await?;
        }
        index(
            manager,
            "idx_proposal_meeting",
            "proposal",
            &["meeting_id"],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_proposal_meeting")
                    .table("proposal")
                    .to_owned(),
            )
            .await?;
        for column in ["agenda_item_id", "meeting_id"] {
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
            "breakout_group",
            "breakout",
            "minutes",
            "calendar_token",
            "speaking_request",
            "attendance",
            "meeting_role",
            "agenda_item",
            "meeting",
            "meeting_series",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
