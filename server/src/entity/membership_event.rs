use sea_orm::entity::prelude::*;

/// One line of a membership's history: joined, standing or role changed, left,
/// removed, rejoined — with who did it and the role and standing that followed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "membership_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub membership_id: Uuid,
    pub kind: crate::domain::membership::EventKind,
    pub role: crate::domain::membership::Role,
    pub standing: crate::domain::membership::StandingKind,
    pub good_until: Option<Date>,
    pub note: Option<String>,
    pub actor_id: Option<Uuid>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
