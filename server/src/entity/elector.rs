use sea_orm::entity::prelude::*;

/// One person of a proposal's electorate, frozen when voting opened.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "elector")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub proposal_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: Uuid,
    /// Has taken part. In a secret vote this is all that is known of it.
    pub voted: bool,
    /// Who cast this elector's ballot with their proxy, if someone did.
    pub proxy_holder_id: Option<Uuid>,
    /// Set when the person is excluded from this vote (recusal), with why.
    pub excluded_reason: Option<String>,
    pub excluded_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
