use sea_orm::entity::prelude::*;

/// An item of a body's agenda, in a meeting or in the body's backlog.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agenda_item")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub body_id: Uuid,
    /// None: in the body's backlog, for its next meeting.
    pub meeting_id: Option<Uuid>,
    pub title: String,
    pub description_source: String,
    pub description_html: String,
    pub proposer_id: Uuid,
    pub estimate_minutes: i32,
    /// Higher first.
    pub priority: i32,
    /// The order the next-agenda preparer set; none: by priority.
    pub rank: Option<i32>,
    pub proposal_id: Option<Uuid>,
    pub thread_id: Option<Uuid>,
    /// Added after the deadline.
    pub urgent: bool,
    /// The facilitator who let an urgent item in.
    pub approved_by: Option<Uuid>,
    /// The meeting it was carried over from.
    pub carried_from: Option<Uuid>,
    /// `domain::agenda::ItemStatus`.
    pub status: crate::domain::agenda::ItemStatus,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
