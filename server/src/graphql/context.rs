//! What a resolver knows about the request: who asks, in which language, from where.

use std::net::IpAddr;

use async_graphql::Context;

use crate::error::AppError;
use crate::i18n::Locale;
use crate::service::sessions::Viewer;
use crate::state::AppState;

/// Per-request (or per-WebSocket-connection) facts, set by the HTTP layer.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub viewer: Option<Viewer>,
    pub locale: Locale,
    pub address: IpAddr,
    pub user_agent: Option<String>,
}

pub fn state<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a AppState> {
    ctx.data::<AppState>()
        .map_err(|_| AppError::internal(anyhow::anyhow!("AppState missing from the schema")).into())
}

pub fn request<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a RequestContext> {
    ctx.data::<RequestContext>().map_err(|_| {
        AppError::internal(anyhow::anyhow!("RequestContext missing from the request")).into()
    })
}

/// The logged-in viewer, or `UNAUTHENTICATED`.
pub fn viewer<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Viewer> {
    request(ctx)?
        .viewer
        .as_ref()
        .ok_or_else(|| AppError::unauthenticated().into())
}

/// The viewer if logged in.
pub fn maybe_viewer<'a>(ctx: &Context<'a>) -> Option<&'a Viewer> {
    ctx.data_opt::<RequestContext>()
        .and_then(|r| r.viewer.as_ref())
}
