use sea_orm::entity::prelude::*;

/// A post in a thread's reply tree. Number 1 opens the thread; every other
/// post answers `parent_id`. `path` holds the numbers of its ancestors and its
/// own ("1/4/9"), so ancestors are known without walking the tree.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "post")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub thread_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub number: i32,
    pub depth: i32,
    pub path: String,
    pub descendant_count: i32,
    pub child_count: i32,
    pub author_id: Uuid,
    pub body_source: String,
    pub body_html: String,
    pub revision_count: i32,
    pub created_at: DateTimeUtc,
    pub edited_at: Option<DateTimeUtc>,
    pub edited_by: Option<Uuid>,
    pub deleted_at: Option<DateTimeUtc>,
    pub hidden_at: Option<DateTimeUtc>,
    pub hidden_reason: Option<String>,
    pub hidden_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::thread::Entity",
        from = "Column::ThreadId",
        to = "super::thread::Column::Id"
    )]
    Thread,
}

impl Related<super::thread::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Thread.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
