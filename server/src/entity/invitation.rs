use sea_orm::entity::prelude::*;

/// A single-use invitation link sent to an email address.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub email: String,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub role: crate::domain::membership::Role,
    pub standing: crate::domain::membership::StandingKind,
    pub good_until: Option<Date>,
    pub invited_by: Uuid,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub accepted_at: Option<DateTimeUtc>,
    pub accepted_by: Option<Uuid>,
    pub revoked_at: Option<DateTimeUtc>,
    /// Any account may accept it, not only the one with `email`.
    pub anyone_with_link: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
