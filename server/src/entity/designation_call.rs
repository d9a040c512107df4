use sea_orm::entity::prelude::*;

/// A call for candidacies on a position, and how it ended.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "designation_call")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub position_id: Uuid,
    pub note_source: String,
    pub note_html: String,
    pub opens_at: DateTimeUtc,
    /// Candidacies close then; nominations go on while it is studied.
    pub closes_at: DateTimeUtc,
    /// The term of the mandates it leads to.
    pub term_starts_on: Option<Date>,
    pub term_ends_on: Option<Date>,
    /// Where the position is deliberated.
    pub thread_id: Uuid,
    /// `domain::designation::Outcome`; none while under way.
    pub outcome: Option<crate::domain::designation::Outcome>,
    pub outcome_note: Option<String>,
    pub outcome_at: Option<DateTimeUtc>,
    pub outcome_by: Option<Uuid>,
    /// The parent organisation a report upward went to.
    pub reported_to: Option<Uuid>,
    /// The candidates debated, with their contact details at the time.
    pub report: Option<Json>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
