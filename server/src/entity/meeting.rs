use sea_orm::entity::prelude::*;

/// A meeting of a body: fixed, or a window still to be fixed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "meeting")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub body_id: Uuid,
    pub series_id: Option<Uuid>,
    pub title: String,
    /// None while the meeting is only a window to be fixed.
    pub starts_at: Option<DateTimeUtc>,
    pub window_starts_on: Option<Date>,
    pub window_ends_on: Option<Date>,
    pub duration_minutes: i32,
    pub place: String,
    pub video_url: String,
    /// `domain::meeting::MeetingVisibility`.
    pub visibility: crate::domain::meeting::MeetingVisibility,
    pub extraordinary: bool,
    /// Agenda items close this many days before the start.
    pub agenda_deadline_days: i32,
    /// `domain::speaking_queue::GenderPriority`.
    pub speaking_priority: crate::domain::speaking_queue::GenderPriority,
    /// The default time limit of an intervention, in seconds.
    pub speaking_limit_seconds: Option<i32>,
    /// `domain::governance::ParityRule` of its two facilitators.
    pub facilitator_parity: crate::domain::governance::ParityRule,
    pub started_at: Option<DateTimeUtc>,
    pub ended_at: Option<DateTimeUtc>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub cancelled_reason: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
