use sea_orm::entity::prelude::*;

/// An earlier round of an amended proposal: its text then, and the count of
/// the positions taken on it.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "proposal_round")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub proposal_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub round: i32,
    pub details_source: String,
    pub details_html: String,
    /// The decision engine's count of that round's ballots.
    pub outcome: crate::domain::decision::Outcome,
    pub amended_by: Uuid,
    pub amendment_reason: String,
    pub amended_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
