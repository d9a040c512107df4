use sea_orm::entity::prelude::*;

/// Someone added to a body whose membership is not implied: a commission's
/// member, a council's delegate, a popular assembly's guest.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "body_member")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub body_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: Uuid,
    /// `domain::governance::BodyRole`.
    pub role: crate::domain::governance::BodyRole,
    /// Whom a delegate represents, in words.
    pub note: Option<String>,
    pub joined_at: DateTimeUtc,
    pub added_by: Option<Uuid>,
    pub left_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
