use sea_orm::entity::prelude::*;

/// A counted secret ballot, from an opened box: no person, no time, no
/// receipt. `id` is random (UUID v4), given when the box was opened; the
/// rows of a round were all written then, in a random order. `tracker`,
/// derived from the receipt, lets its voter find it in the ballot file.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "secret_ballot")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub proposal_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub round: i32,
    pub choice: Json,
    pub reason: Option<String>,
    /// None for ballots counted before trackers existed.
    pub tracker: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
