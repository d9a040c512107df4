use sea_orm::entity::prelude::*;

/// A secret ballot: no person, no time. `id` is random (UUID v4), and the
/// voter alone holds the receipt whose hash finds it again.
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
    pub receipt_hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
