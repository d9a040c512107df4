//! Plain HTTP: health checks, calendar feeds, and the pages rendered from
//! `themes/` (the home page, invitation links, an organisation's public
//! pages in [`pages`]) with their stylesheets.

mod pages;
pub mod theme;
mod words;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use minijinja::context;

use crate::db;
use crate::state::AppState;
use pages::Visit;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/invitations/{token}", get(invitation))
        .route("/calendar/{file}", get(organisation_calendar))
        .route("/calendar/{organisation}/{file}", get(body_calendar))
        .route("/themes/{theme}/style.css", get(stylesheet))
        .route(crate::domain::media::PATH, get(proxied_image))
        .merge(pages::routes())
}

#[derive(serde::Deserialize)]
struct ImageQuery {
    u: String,
    s: String,
}

/// `/media/image?u=…&s=…`: an image of a text, fetched by Plenum (see
/// `service::media`). It is served as an image alone: no script runs, no
/// resource loads, nothing is sniffed, and browsers keep it a day.
async fn proxied_image(State(state): State<AppState>, Query(query): Query<ImageQuery>) -> Response {
    use crate::service::media::{self, Refusal};
    match media::image(&state, &query.u, &query.s).await {
        Ok(Ok(image)) => (
            [
                (header::CONTENT_TYPE, image.content_type),
                (header::CACHE_CONTROL, "public, max-age=86400"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; sandbox",
                ),
            ],
            image.bytes,
        )
            .into_response(),
        Ok(Err(Refusal::NotSigned)) => (StatusCode::NOT_FOUND, "not found").into_response(),
        Ok(Err(Refusal::TooLarge)) => {
            (StatusCode::PAYLOAD_TOO_LARGE, "image too large").into_response()
        }
        Ok(Err(Refusal::NotAnImage)) => {
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "not an image").into_response()
        }
        Ok(Err(Refusal::Unreachable)) => {
            (StatusCode::BAD_GATEWAY, "image unavailable").into_response()
        }
        Err(e) => {
            tracing::error!(code = e.code.as_str(), "image proxy failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "error").into_response()
        }
    }
}

/// A theme's stylesheet (the default theme's when it has none of its own).
async fn stylesheet(State(state): State<AppState>, Path(theme): Path<String>) -> Response {
    match state.themes.find(&theme) {
        Some(theme) => (
            [
                (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            theme.css().to_owned(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
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

async fn home(visit: Visit) -> Response {
    let locale = visit.locale(None);
    visit.render(None, locale, "index.html", StatusCode::OK, context! {})
}

/// Where an invitation link lands: says how to accept it. The token is only
/// echoed back into the page (HTML-escaped by the template; it is base64url).
async fn invitation(Path(token): Path<String>, visit: Visit) -> Response {
    if !token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return (StatusCode::NOT_FOUND, Html("Not found".to_owned())).into_response();
    }
    let locale = visit.locale(None);
    visit.render(
        None,
        locale,
        "invitation.html",
        StatusCode::OK,
        context! { token },
    )
}
