use sea_orm::entity::prelude::*;

/// A meeting's minutes [compte rendu], drafted by one editor at a time.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "minutes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub meeting_id: Uuid,
    /// Markdown, as written.
    pub source: String,
    pub html: String,
    /// Who holds the editing lock, until when.
    pub editor_id: Option<Uuid>,
    pub locked_until: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
    pub updated_by: Uuid,
    pub published_at: Option<DateTimeUtc>,
    pub published_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
