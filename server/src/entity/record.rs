use sea_orm::entity::prelude::*;

/// A published record: minutes, a decision record, a report, a proposal's
/// outcome or the mandate register. Its text lives in its versions.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "record")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organisation_id: Uuid,
    /// The body that publishes it.
    pub body_id: Uuid,
    /// `domain::record::RecordKind`.
    pub kind: crate::domain::record::RecordKind,
    /// What it records (a meeting, a proposal, a body), when anything.
    pub source_id: Option<Uuid>,
    pub slug: String,
    /// `domain::record::RecordVisibility`.
    pub visibility: crate::domain::record::RecordVisibility,
    /// The current version's title and number.
    pub title: String,
    pub version: i32,
    /// The year of publication in the organisation's time zone.
    pub year: i32,
    pub published_at: DateTimeUtc,
    pub published_by: Uuid,
    pub amended_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
