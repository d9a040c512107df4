//! What every request shares: the database, the settings and the event bus.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::config::Settings;
use crate::db::{Connections, QueryCounter};
use crate::events::EventBus;
use crate::service::batch::WriteQueue;
use crate::service::forum::posts::PendingReply;
use crate::service::proposals::casting::PendingBallot;
use crate::write::{Followers, Unit, Writer};

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// Where writes begin (`state.write()`); see `db::Connections`.
    pub writer: Writer,
    pub settings: Arc<Settings>,
    pub events: EventBus,
    pub queries: QueryCounter,
    /// Wakes the outbox worker when a transaction has written to the outbox.
    pub outbox_wake: Arc<tokio::sync::Notify>,
    /// Ballots waiting to be written, a batch per transaction.
    pub ballots: Arc<WriteQueue<PendingBallot>>,
    /// Replies waiting to be written, a batch per transaction.
    pub replies: Arc<WriteQueue<PendingReply>>,
    /// Threads and pages of posts read lately, while they have not changed.
    pub forum_cache: Arc<crate::service::forum::cache::ForumCache>,
    /// Credentials, accounts and memberships read lately, while they have not changed.
    pub people: Arc<crate::service::people::People>,
    /// Wakes the proposal scheduler when a proposal's times may have changed.
    pub proposal_wake: Arc<tokio::sync::Notify>,
    /// What everyone following a meeting live shares, change by change.
    pub live_meetings: Arc<crate::service::meetings::live::LiveMeetings>,
    /// The search engine (embedded or Meilisearch).
    pub search: Arc<dyn crate::search::SearchIndex>,
    /// The themes of the public pages (`server.themes_dir`), loaded on first use.
    pub themes: Arc<crate::web::theme::Themes>,
    /// The image proxy (`/media/image`).
    pub media: Arc<crate::service::media::Proxy>,
    /// Who delivers each topic of the outbox.
    pub outbox_handlers: Arc<crate::service::outbox::Handlers>,
    /// The key that seals secret ballots while their vote is open.
    pub ballot_key: Arc<crate::domain::ballot_box::BoxKey>,
    /// The opened boxes whose sealed rows are being dropped.
    pub forgetting: Arc<crate::service::proposals::ballot_box::Forgetting>,
}

impl AppState {
    /// Begins a write: see [`crate::write`].
    pub async fn write(&self) -> Result<Unit, sea_orm::DbErr> {
        let followers = Followers {
            events: self.events.clone(),
            outbox: self.outbox_wake.clone(),
            proposals: self.proposal_wake.clone(),
        };
        Unit::begin(&self.writer, followers).await
    }

    pub fn new(
        connections: Connections,
        settings: Settings,
        events: EventBus,
        search: Arc<dyn crate::search::SearchIndex>,
        ballot_key: crate::domain::ballot_box::BoxKey,
    ) -> Self {
        let Connections {
            db,
            writer,
            queries,
        } = connections;
        let themes = Arc::new(crate::web::theme::Themes::new(
            settings.server.themes_dir.clone(),
        ));
        let forum_cache = Arc::new(crate::service::forum::cache::ForumCache::new(
            settings.forum.page_cache_mib,
            std::time::Duration::from_secs(settings.forum.cache_seconds.into()),
            events.threads(),
            events.organisations(),
        ));
        let people = Arc::new(crate::service::people::People::new(
            settings.accounts.cache_seconds,
            events.people(),
        ));
        let media = Arc::new(crate::service::media::Proxy::new(&settings.media));
        AppState {
            db,
            writer: Writer::new(writer),
            settings: Arc::new(settings),
            events,
            queries,
            outbox_wake: Arc::new(tokio::sync::Notify::new()),
            proposal_wake: Arc::new(tokio::sync::Notify::new()),
            ballots: Arc::default(),
            replies: Arc::default(),
            forum_cache,
            people,
            live_meetings: Arc::default(),
            search,
            themes,
            media,
            outbox_handlers: Arc::new(crate::service::outbox_handlers()),
            ballot_key: Arc::new(ballot_key),
            forgetting: Default::default(),
        }
    }
}
