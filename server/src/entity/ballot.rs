use sea_orm::entity::prelude::*;

/// A named ballot: who voted what, and why.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "ballot")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub proposal_id: Uuid,
    pub voter_id: Uuid,
    pub round: i32,
    /// The voter, or the holder of their proxy.
    pub cast_by: Uuid,
    /// The ballot as the decision method reads it.
    pub choice: Json,
    pub reason: Option<String>,
    pub cast_at: DateTimeUtc,
    pub changed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::VoterId",
        to = "super::account::Column::Id"
    )]
    Voter,
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Voter.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
