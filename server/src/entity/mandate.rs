use sea_orm::entity::prelude::*;

/// One person and one mission, in a body, with a scope of powers.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mandate")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub body_id: Uuid,
    pub holder_id: Uuid,
    pub title: String,
    pub mission_source: String,
    pub mission_html: String,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    /// The adopted proposal that granted it, or the minutes cited.
    pub granted_by_decision: Option<Uuid>,
    pub granted_minutes: Option<String>,
    /// The mandate this one renews.
    pub previous_id: Option<Uuid>,
    /// The position it fills, when designated to one.
    pub position_id: Option<Uuid>,
    pub revoked_at: Option<DateTimeUtc>,
    pub revoked_by: Option<Uuid>,
    pub revoked_by_decision: Option<Uuid>,
    pub revoked_minutes: Option<String>,
    pub revoked_reason: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
