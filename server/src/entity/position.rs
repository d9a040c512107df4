use sea_orm::entity::prelude::*;

/// A position a body fills by designation: one holder, or a pair.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "position")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub body_id: Uuid,
    pub title: String,
    pub description: String,
    /// The qualities sought, agreed before candidacies are studied.
    pub qualities: Json,
    /// The powers its mandates grant.
    pub scope: Json,
    /// 1, or 2 for a pair.
    pub seats: i16,
    /// `domain::governance::ParityRule`.
    pub parity: crate::domain::governance::ParityRule,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
