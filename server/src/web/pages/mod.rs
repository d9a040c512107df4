//! Public pages of an organisation, rendered on the server from its theme:
//! its home, a body's archive, a record, search and the calendar. They are
//! read-only and work without JavaScript; a visitor sees what the services
//! show to nobody in particular (public records, public meetings).
//!
//! Every handler reads the [`Visit`] (who asks, in which language), calls
//! the services, and hands plain values to a template.

mod calendar;
mod organisation;
mod record;
mod search;

use axum::Router;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use minijinja::{Value, context};

use crate::entity::organisation as org_entity;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::i18n::Locale;
use crate::service::organisations;
use crate::service::sessions::Viewer;
use crate::state::AppState;
use crate::web::theme;
use crate::web::words;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/o/{organisation}", get(organisation::home))
        .route(
            "/o/{organisation}/bodies/{body}",
            get(organisation::archive),
        )
        .route("/o/{organisation}/records/{slug}", get(record::page))
        .route("/o/{organisation}/search", get(search::page))
        .route("/o/{organisation}/calendar", get(calendar::page))
}

/// Who is reading and in which language they asked.
pub struct Visit {
    viewer: Option<Viewer>,
    /// The first language of `Accept-Language` Plenum speaks.
    accepted: Option<Locale>,
    /// `?lang=fr|en`: wins over everything, and is kept in the page's links.
    asked: Option<Locale>,
    path: String,
    params: Vec<(String, String)>,
    default_locale: Locale,
    themes: std::sync::Arc<theme::Themes>,
}

impl FromRequestParts<AppState> for Visit {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let params = Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            .map(|Query(p)| p)
            .unwrap_or_default();
        let asked = params
            .iter()
            .find(|(k, _)| k == "lang")
            .and_then(|(_, v)| Locale::parse(v));
        let accepted = parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(Locale::from_accept_language);
        Ok(Visit {
            viewer: viewer(state, &parts.headers).await,
            accepted,
            asked,
            path: parts.uri.path().to_owned(),
            params,
            default_locale: state.settings.server.default_locale,
            themes: state.themes.clone(),
        })
    }
}

/// The person a request's session cookie (or bearer token) names, read as
/// GraphQL reads it; none for visitors.
async fn viewer(state: &AppState, headers: &axum::http::HeaderMap) -> Option<Viewer> {
    crate::graphql::http::viewer_of(state, headers).await
}

/// Encodes a query-string component (`application/x-www-form-urlencoded`).
pub(crate) fn encode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl Visit {
    pub fn viewer(&self) -> Option<&Viewer> {
        self.viewer.as_ref()
    }

    /// `?lang=` as the reader gave it, for forms to carry it on.
    pub fn asked_language(&self) -> Option<&'static str> {
        self.asked.map(Locale::as_str)
    }

    /// A query parameter, when given and not blank.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, v)| k == key && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
    }

    /// The page's language: `?lang=`, else the browser's, else the
    /// organisation's (or the server's).
    pub fn locale(&self, organisation: Option<&org_entity::Model>) -> Locale {
        let fallback = organisation
            .and_then(|o| Locale::parse(&o.default_locale))
            .unwrap_or(self.default_locale);
        self.asked.or(self.accepted).unwrap_or(fallback)
    }

    /// A link to `path` with these parameters (blank ones left out), and the
    /// language when the reader chose it with `?lang=`.
    pub fn link(&self, path: &str, params: &[(&str, &str)]) -> String {
        let mut pairs: Vec<(&str, &str)> = params
            .iter()
            .copied()
            .filter(|(_, v)| !v.is_empty())
            .collect();
        if let Some(lang) = self.asked {
            pairs.push(("lang", lang.as_str()));
        }
        with_query(path, &pairs)
    }

    /// This very page in another language.
    fn in_language(&self, lang: Locale) -> String {
        let mut pairs: Vec<(&str, &str)> = self
            .params
            .iter()
            .filter(|(k, _)| k != "lang")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        pairs.push(("lang", lang.as_str()));
        with_query(&self.path, &pairs)
    }

    /// The organisation of the address, or the not-found page.
    pub async fn organisation(
        &self,
        state: &AppState,
        slug: &str,
    ) -> Result<org_entity::Model, Response> {
        organisations::get_by_slug(&state.db, slug)
            .await
            .map_err(|e| self.failure(None, self.locale(None), e))
    }

    /// A page of the organisation `slug` (its own not-found page when there
    /// is none): `build` makes the page in the reader's language, rendered
    /// with `template`, or the error it met.
    pub async fn organisation_page(
        &self,
        state: &AppState,
        slug: &str,
        template: &str,
        build: impl AsyncFnOnce(&org_entity::Model, Locale) -> AppResult<Value>,
    ) -> Response {
        let organisation = match self.organisation(state, slug).await {
            Ok(o) => o,
            Err(page) => return page,
        };
        let locale = self.locale(Some(&organisation));
        let page = build(&organisation, locale).await;
        self.respond(&organisation, locale, template, page)
    }

    /// What every page shows: the language, the words, the theme, the
    /// organisation's header.
    fn frame(
        &self,
        organisation: Option<&org_entity::Model>,
        locale: Locale,
        theme: &str,
    ) -> Value {
        let languages: Vec<Value> = [(Locale::Fr, "Français"), (Locale::En, "English")]
            .into_iter()
            .map(|(l, name)| {
                context! { code => l.as_str(), name, url => self.in_language(l), current => l == locale }
            })
            .collect();
        let organisation = organisation.map(|o| {
            let home = format!("/o/{}", o.slug);
            context! {
                name => o.name.clone(),
                slug => o.slug.clone(),
                url => self.link(&home, &[]),
                search_url => self.link(&format!("{home}/search"), &[]),
                search_path => format!("{home}/search"),
                calendar_url => self.link(&format!("{home}/calendar"), &[]),
                ics_url => format!("/calendar/{}.ics", o.slug),
            }
        });
        context! {
            lang => locale.as_str(),
            t => words::table(locale),
            theme,
            stylesheet => format!("/themes/{theme}/style.css"),
            home_url => self.link("/", &[]),
            languages,
            lang_asked => self.asked_language(),
            org => organisation,
        }
    }

    /// Renders `template` of the organisation's theme (the default one
    /// without an organisation).
    pub fn render(
        &self,
        organisation: Option<&org_entity::Model>,
        locale: Locale,
        template: &str,
        status: StatusCode,
        page: Value,
    ) -> Response {
        let theme = self
            .themes
            .get(organisation.map_or(theme::DEFAULT, |o| o.theme.as_str()));
        let frame = self.frame(organisation, locale, &theme.name);
        match theme.render(template, context! { ..page, ..frame }) {
            Ok(html) => {
                let mut response = (status, Html(html)).into_response();
                let headers = response.headers_mut();
                headers.insert(
                    header::CONTENT_LANGUAGE,
                    HeaderValue::from_static(locale.as_str()),
                );
                headers.insert(
                    header::VARY,
                    HeaderValue::from_static("accept-language, cookie"),
                );
                response
            }
            Err(e) => {
                tracing::error!(theme = %theme.name, template, error = %format!("{e:#}"), "page template failed");
                broken_page()
            }
        }
    }

    /// The page for an error: not found, a request that cannot be answered
    /// (its reason shown), or a fixed sentence for our own failures, whose
    /// cause goes to the log.
    pub fn failure(
        &self,
        organisation: Option<&org_entity::Model>,
        locale: Locale,
        e: AppError,
    ) -> Response {
        let (status, heading, message) = match e.code {
            ErrorCode::NotFound => (
                StatusCode::NOT_FOUND,
                words::word(locale, "not_found_title"),
                words::word(locale, "not_found_text").to_owned(),
            ),
            ErrorCode::Validation => (
                e.code.http_status(),
                words::word(locale, "invalid_title"),
                e.message_in(locale).to_owned(),
            ),
            _ => {
                tracing::error!(code = e.code.as_str(), error = ?e.cause(), "page failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    words::word(locale, "error_title"),
                    words::word(locale, "error_text").to_owned(),
                )
            }
        };
        self.render(
            organisation,
            locale,
            "error.html",
            status,
            context! { heading, message },
        )
    }

    /// Answers with `template`, or the error page.
    fn respond(
        &self,
        organisation: &org_entity::Model,
        locale: Locale,
        template: &str,
        page: Result<Value, AppError>,
    ) -> Response {
        match page {
            Ok(page) => self.render(Some(organisation), locale, template, StatusCode::OK, page),
            Err(e) => self.failure(Some(organisation), locale, e),
        }
    }
}

fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    if pairs.is_empty() {
        return path.to_owned();
    }
    let query: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    format!("{path}?{}", query.join("&"))
}

/// When a theme's template cannot render: a fixed page in both languages.
fn broken_page() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Html(
            "<!doctype html><html lang=\"fr\"><meta charset=\"utf-8\"><title>Erreur / Error</title>\
             <p>Cette page n'a pas pu être affichée. Veuillez réessayer dans un instant.</p>\
             <p lang=\"en\">This page could not be shown. Please try again in a moment.</p></html>",
        ),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_components_are_encoded() {
        assert_eq!(encode("délibération & co"), "d%C3%A9lib%C3%A9ration+%26+co");
        assert_eq!(
            with_query("/o/x/search", &[("q", "a\"b"), ("lang", "en")]),
            "/o/x/search?q=a%22b&lang=en"
        );
        assert_eq!(with_query("/o/x", &[]), "/o/x");
    }
}
