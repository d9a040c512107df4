use sea_orm::entity::prelude::*;

/// Someone standing for a position: by applying, or put forward by another
/// member and accepting.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "candidacy")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub call_id: Uuid,
    pub account_id: Uuid,
    pub statement_source: String,
    pub statement_html: String,
    /// Set when someone else put the person forward.
    pub nominated_by: Option<Uuid>,
    /// `domain::designation::CandidacyStatus`.
    pub status: crate::domain::designation::CandidacyStatus,
    pub created_at: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
    pub withdrawn_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
