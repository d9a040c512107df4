use sea_orm::entity::prelude::*;

/// A previous version of a post (and, for an opening post, of its thread's title).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "post_revision")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub post_id: Uuid,
    pub version: i32,
    pub title: Option<String>,
    pub body_source: String,
    /// Who wrote this version, and when.
    pub author_id: Uuid,
    pub written_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
