//! Plain HTTP pages: health checks, the home page, invitation links. Pages
//! rendered from `themes/` arrive with the records issue.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use axum::routing::get;

use crate::db;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/invitations/{token}", get(invitation))
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The process can serve: its database answers.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if db::ping(&state.db).await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}

const HOME: &str = include_str!("../../../themes/default/index.html");
const INVITATION: &str = include_str!("../../../themes/default/invitation.html");

async fn home() -> Html<&'static str> {
    Html(HOME)
}

/// Where an invitation link lands: says how to accept it. The token is only
/// echoed back into the page, HTML-escaped by construction (it is base64url).
async fn invitation(Path(token): Path<String>) -> impl IntoResponse {
    if !token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return (StatusCode::NOT_FOUND, Html("Not found".to_owned()));
    }
    (
        StatusCode::OK,
        Html(INVITATION.replace("{{token}}", &token)),
    )
}
