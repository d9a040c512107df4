//! The forum: categories (one level of nesting), threads, posts in a reply
//! tree, their revisions, what each person has read, mentions, and the
//! moderation log. Accounts gain a handle, for @mentions.

use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{index, references};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000004_forum"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("account")
                    .add_column(string_len_null("handle", 32))
                    .to_owned(),
            )
            .await?;
        // Existing accounts get a handle from their id; people may change it later.
        let id_hex = match manager.get_database_backend() {
            sea_orm::DbBackend::Sqlite => "lower(hex(id))",
            _ => "replace(CAST(id AS TEXT), '-', '')",
        };
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "UPDATE account SET handle = 'p' || substr({id_hex}, 1, 12) WHERE handle IS NULL"
            ))
            .await?;
        index(manager, "uq_account_handle", "account", &["handle"], true).await?;
        manager
            .alter_table(
                Table::alter()
                    .table("organisation")
                    .add_column(integer_null("edit_window_minutes"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("category")
                    .col(pk_uuid("id"))
                    .col(uuid("organisation_id"))
                    .col(uuid_null("parent_id"))
                    .col(uuid_null("body_id"))
                    .col(string_len("slug", 64))
                    .col(string("name"))
                    .col(text("description"))
                    .col(string_len("visibility", 16))
                    .col(string_len("thread_right", 16))
                    .col(string_len("reply_right", 16))
                    .col(integer("position").default(0))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut references(
                        "category",
                        "organisation_id",
                        "organisation",
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_category_slug",
            "category",
            &["organisation_id", "slug"],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("thread")
                    .col(pk_uuid("id"))
                    .col(uuid("organisation_id"))
                    .col(uuid("category_id"))
                    .col(uuid("author_id"))
                    .col(string("title"))
                    .col(json("tags"))
                    .col(boolean("pinned").default(false))
                    .col(timestamp_with_time_zone_null("closed_at"))
                    .col(text_null("closed_reason"))
                    .col(timestamp_with_time_zone_null("archived_at"))
                    .col(integer("post_count").default(0))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("last_activity_at"))
                    .foreign_key(&mut references("thread", "category_id", "category"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_thread_category_activity",
            "thread",
            &["category_id", "last_activity_at"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("post")
                    .col(pk_uuid("id"))
                    .col(uuid("thread_id"))
                    .col(uuid_null("parent_id"))
                    .col(integer("number"))
                    .col(integer("depth"))
                    // Numbers of the ancestors, root first, joined by '/': "1/4/9".
                    .col(text("path"))
                    .col(integer("descendant_count").default(0))
                    .col(integer("child_count").default(0))
                    .col(uuid("author_id"))
                    .col(text("body_source"))
                    .col(text("body_html"))
                    .col(integer("revision_count").default(0))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("edited_at"))
                    .col(uuid_null("edited_by"))
                    .col(timestamp_with_time_zone_null("deleted_at"))
                    .col(timestamp_with_time_zone_null("hidden_at"))
                    .col(text_null("hidden_reason"))
                    .col(uuid_null("hidden_by"))
                    .foreign_key(&mut references("post", "thread_id", "thread"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_post_thread_number",
            "post",
            &["thread_id", "number"],
            true,
        )
        .await?;
        index(
            manager,
            "idx_post_parent",
            "post",
            &["parent_id", "number"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("post_revision")
                    .col(pk_uuid("id"))
                    .col(uuid("post_id"))
                    .col(integer("version"))
                    .col(string_null("title"))
                    .col(text("body_source"))
                    .col(uuid("author_id"))
                    .col(timestamp_with_time_zone("written_at"))
                    .foreign_key(&mut references("post_revision", "post_id", "post"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_post_revision_post",
            "post_revision",
            &["post_id", "version"],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("thread_read")
                    .col(uuid("account_id"))
                    .col(uuid("thread_id"))
                    .col(integer("last_read_number"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .primary_key(Index::create().col("account_id").col("thread_id"))
                    .foreign_key(&mut references("thread_read", "thread_id", "thread"))
                    .foreign_key(&mut references("thread_read", "account_id", "account"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("mention")
                    .col(uuid("post_id"))
                    .col(uuid("account_id"))
                    .primary_key(Index::create().col("post_id").col("account_id"))
                    .foreign_key(&mut references("mention", "post_id", "post"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("moderation_action")
                    .col(pk_uuid("id"))
                    .col(uuid("organisation_id"))
                    .col(uuid("actor_id"))
                    .col(string_len("action", 32))
                    .col(string_len("target_kind", 16))
                    .col(uuid("target_id"))
                    .col(text_null("reason"))
                    .col(timestamp_with_time_zone("at"))
                    .foreign_key(&mut references(
                        "moderation_action",
                        "organisation_id",
                        "organisation",
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_moderation_organisation",
            "moderation_action",
            &["organisation_id", "at"],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "moderation_action",
            "mention",
            "thread_read",
            "post_revision",
            "post",
            "thread",
            "category",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("organisation")
                    .drop_column("edit_window_minutes")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("uq_account_handle")
                    .table("account")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("account")
                    .drop_column("handle")
                    .to_owned(),
            )
            .await
    }
}
