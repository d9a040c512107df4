//! Plain HTTP pages: health checks, the home page, invitation links. Pages
//! rendered from `themes/` arrive with the records issue.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::db;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/invitations/{token}", get(invitation))
        .route("/calendar/{file}", get(organisation_calendar))
        .route("/calendar/{organisation}/{file}", get(body_calendar))
}

#[derive(serde::Deserialize)]
struct FeedQuery {
    token: Option<String>,
}

/// `/calendar/<organisation>.ics`: the organisation's meetings (public
/// ones, or with `?token=` those its holder may see).
async fn organisation_calendar(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(query): Query<FeedQuery>,
) -> Response {
    calendar_response(&state, &file, None, query.token).await
}

/// `/calendar/<organisation>/<body>.ics`: one body's meetings.
async fn body_calendar(
    State(state): State<AppState>,
    Path((organisation, file)): Path<(String, String)>,
    Query(query): Query<FeedQuery>,
) -> Response {
    calendar_response(&state, &organisation, Some(&file), query.token).await
}

async fn calendar_response(
    state: &AppState,
    organisation: &str,
    body_file: Option<&str>,
    token: Option<String>,
) -> Response {
    let (organisation, body) = match body_file {
        Some(file) => (Some(organisation), file.strip_suffix(".ics")),
        None => (organisation.strip_suffix(".ics"), None),
    };
    let Some(organisation) = organisation else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    if body_file.is_some() && body.is_none() {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    match crate::service::meetings::feed::render(state, organisation, body, token.as_deref()).await
    {
        Ok(Some(ics)) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
            ics,
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "not found").into_response(),
        Err(e) => {
            tracing::error!(code = e.code.as_str(), "calendar feed failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "calendar unavailable").into_response()
        }
    }
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
