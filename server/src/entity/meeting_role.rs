use sea_orm::entity::prelude::*;

/// A role mandated at the start of a meeting.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "meeting_role")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub meeting_id: Uuid,
    /// `domain::meeting::MeetingRole`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub role: crate::domain::meeting::MeetingRole,
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: Uuid,
    pub assigned_by: Uuid,
    pub assigned_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
