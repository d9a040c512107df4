use sea_orm::entity::prelude::*;

/// A power a mandate grants.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mandate_power")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub mandate_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub power: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
