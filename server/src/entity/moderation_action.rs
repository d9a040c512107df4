use sea_orm::entity::prelude::*;

/// One act of moderation, for the audit log admins read.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "moderation_action")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub actor_id: Uuid,
    pub action: crate::domain::forum::Action,
    /// `post`, `thread` or `category`.
    pub target_kind: String,
    pub target_id: Uuid,
    pub reason: Option<String>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
