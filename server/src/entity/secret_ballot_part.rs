use sea_orm::entity::prelude::*;

/// A part of the ballot file of an opened secret ballot box: a few thousand
/// of its lines, in the random order the box was opened in, each ballot with
/// its tracker; no person, no time, no row per ballot. The parts of a round,
/// in order, are the file's ballots byte for byte.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "secret_ballot_part")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub proposal_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub round: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub part: i32,
    /// Ballot file lines, each ending with a newline.
    pub ballots: String,
    /// The reasons given with these ballots, in the same order (null where none).
    pub reasons: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
