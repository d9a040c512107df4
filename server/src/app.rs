//! Building the application from settings, and running it until stopped.

use axum::Router;
use axum::http::{Request, StatusCode};
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::Settings;
use crate::graphql::conventions::Conventional;
use crate::graphql::{self, AppSchema};
use crate::service::{outbox, proposals};
use crate::state::AppState;
use crate::{db, web};

/// A ready server: database migrated, port bound, not yet serving.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl Application {
    /// Connects to the database, applies pending migrations and binds the port
    /// (port 0 picks a free one, as the tests do).
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        Self::build_with_search(settings, None).await
    }

    /// [`Application::build`] with a given search engine instead of the one
    /// the settings name (tests use one they can switch off).
    pub async fn build_with_search(
        mut settings: Settings,
        search: Option<std::sync::Arc<dyn crate::search::SearchIndex>>,
    ) -> anyhow::Result<Application> {
        let connections = db::connect(&settings).await?;
        db::migrate(&connections.db).await?;
        let key =
            crate::service::proposals::ballot_box::load_key(&settings, &connections.db).await?;
        // The boxes of votes closed while no process could drop them.
        if let Err(e) =
            crate::service::proposals::ballot_box::forget_closed_boxes(&connections.db).await
        {
            tracing::warn!(error = %e, "the sealed boxes of closed votes could not all be dropped yet");
        }
        let address = settings.bind_address()?;
        let listener = TcpListener::bind(address)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {address}: {e}"))?;
        if settings.server.public_url.is_empty() {
            // Links must name the port actually bound (port 0 picks one).
            settings.server.public_url = format!("http://{}", listener.local_addr()?);
        }
        let events = crate::events::relay_through_postgres(
            &connections.db,
            &settings.database_url(),
            crate::events::EventBus::new(),
        )
        .await?;
        let search = match search {
            Some(engine) => engine,
            None => crate::search::from_settings(&settings).await?,
        };
        let state = AppState::new(connections, settings, events, search, key);
        let schema = graphql::build_schema(Some(state.clone()), &state.settings.graphql);
        let router = router(state.clone(), schema);
        Ok(Application {
            listener,
            router,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGTERM or Ctrl-C, then finishes the requests under way.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let stop = shutdown_signal();
        if self.state.search.needs_rebuild() {
            // A new embedded index, or one whose rebuild was interrupted:
            // fill it from the database (upserts only, so changes indexed
            // meanwhile are kept).
            let state = self.state.clone();
            tokio::spawn(async move {
                match crate::service::search::reindex(&state, false).await {
                    Ok(n) => {
                        tracing::info!(documents = n, "search: new index filled from the database")
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "search: could not fill the new index; run `plenum reindex`")
                    }
                }
            });
        }
        let worker = tokio::spawn(outbox::run(self.state.clone()));
        let clock = tokio::spawn(proposals::schedule::run(self.state.clone()));
        let served = crate::connections::serve(
            self.listener,
            self.router,
            &self.state.settings.server,
            stop,
        )
        .await;
        // Stopped before the pools close (what they had not finished stays
        // in the outbox and the database for the next start).
        worker.abort();
        clock.abort();
        let _ = tokio::join!(worker, clock);
        self.state.db.clone().close().await.ok();
        self.state.writer.clone().close().await.ok();
        served
    }
}

fn router(state: AppState, schema: AppSchema) -> Router {
    let body_limit = state.settings.server.body_limit_bytes;
    let request_timeout =
        std::time::Duration::from_secs(state.settings.server.request_timeout_seconds);
    Router::new()
        .merge(web::routes())
        .merge(graphql::http::routes(
            Conventional::new(schema, state.settings.graphql.clone()).with_state(state.clone()),
            &state.settings.graphql,
        ))
        .with_state(state)
        // A request, its body included, is answered within this time: a
        // client sending its body a byte at a time cannot hold a worker.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let id = request
                    .extensions()
                    .get::<RequestId>()
                    .and_then(|id| id.header_value().to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let route = request
                    .extensions()
                    .get::<axum::extract::MatchedPath>()
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_else(|| request.uri().path().to_owned());
                tracing::info_span!("request", method = %request.method(), route, request_id = %id)
            }),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// Waits for SIGTERM or Ctrl-C. The SIGTERM handler is installed at once,
/// not when the server first polls this future: a signal that arrives just
/// after the first request is served still stops the server gracefully.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        #[cfg(unix)]
        let terminate = async {
            match terminate {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => {},
            _ = terminate => {},
        }
        tracing::info!("shutting down: finishing the requests under way");
    }
}
