use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "category")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub parent_id: Option<Uuid>,
    /// The body whose members may read a `body` category (governance issue).
    pub body_id: Option<Uuid>,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub visibility: crate::domain::forum::Visibility,
    pub thread_right: crate::domain::forum::Right,
    pub reply_right: crate::domain::forum::Right,
    pub position: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
