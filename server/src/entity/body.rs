use sea_orm::entity::prelude::*;

/// A body of an organisation: its assembly, a secretariat, a commission…
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "body")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organisation_id: Uuid,
    /// `domain::governance::BodyKind`.
    pub kind: crate::domain::governance::BodyKind,
    pub slug: String,
    pub name: String,
    pub description_source: String,
    pub description_html: String,
    pub lasting: bool,
    pub default_method: String,
    /// Its discussion space, created with it.
    pub category_id: Uuid,
    pub created_at: DateTimeUtc,
    pub created_by: Uuid,
    /// The assembly's decision that created it; none when an admin did.
    pub created_by_decision: Option<Uuid>,
    pub dissolved_at: Option<DateTimeUtc>,
    pub dissolved_by: Option<Uuid>,
    pub dissolved_by_decision: Option<Uuid>,
    pub dissolved_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
