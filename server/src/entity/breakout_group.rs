use sea_orm::entity::prelude::*;

/// A breakout group: its people, its rapporteur and its report.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "breakout_group")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub breakout_id: Uuid,
    /// 1, 2, 3…
    pub number: i32,
    /// Account ids.
    pub members: Json,
    pub rapporteur_id: Option<Uuid>,
    pub report_source: Option<String>,
    pub report_html: Option<String>,
    /// `{question: [answers]}`.
    pub answers: Option<Json>,
    pub reported_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
