use sea_orm::entity::prelude::*;

/// The live result of an open secret vote whose results show before closing:
/// the count as it stood at its last step, and the ballots cast since.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "secret_live_result")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub proposal_id: Uuid,
    /// New ballots since `outcome` was counted.
    pub pending: i64,
    pub outcome: Option<crate::domain::decision::Outcome>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
