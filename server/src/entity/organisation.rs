use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organisation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    pub description: String,
    pub timezone: String,
    pub default_locale: String,
    pub registration_mode: crate::domain::organisation::RegistrationMode,
    pub parent_id: Option<Uuid>,
    /// How long authors may edit their posts, in minutes; none: no limit.
    pub edit_window_minutes: Option<i32>,
    /// How many proxies one person may hold at once (default 1).
    pub max_proxies_held: i32,
    /// How parity rules treat people who declared no gender (`domain::governance::UndeclaredGender`).
    pub undeclared_gender: crate::domain::governance::UndeclaredGender,
    /// Whether candidates are kept out of the deliberation on their own
    /// position until it is decided (they never vote on it).
    pub recusal_hides_deliberation: bool,
    /// The theme of its public pages: a folder under `themes/`.
    pub theme: String,
    /// Whether Markdown images are links or shown through the image proxy.
    pub remote_images: crate::domain::organisation::RemoteImages,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
