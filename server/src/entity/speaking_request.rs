use sea_orm::entity::prelude::*;

/// A request for the floor on an agenda item, and the intervention it led to.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "speaking_request")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub item_id: Uuid,
    pub account_id: Uuid,
    /// `domain::speaking_queue::Kind`.
    pub kind: crate::domain::speaking_queue::Kind,
    pub requested_at: DateTimeUtc,
    pub requested_by: Uuid,
    /// Where the moderator placed it, overriding the list's order.
    pub placed_at: Option<i32>,
    pub limit_seconds: Option<i32>,
    pub started_at: Option<DateTimeUtc>,
    pub ended_at: Option<DateTimeUtc>,
    pub removed_at: Option<DateTimeUtc>,
    pub removed_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
