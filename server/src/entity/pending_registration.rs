use sea_orm::entity::prelude::*;

/// A registration waiting for its address to be confirmed: what the person
/// typed (the password already hashed), and the hash of the link's token.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pending_registration")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub email: String,
    pub display_name: String,
    pub handle: Option<String>,
    pub password_hash: String,
    pub locale: String,
    pub timezone: String,
    /// The hash of an invitation link used to register ("anyone with the link").
    pub invitation_hash: Option<String>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
