//! GraphQL over HTTP (`POST /graphql`), the GraphiQL playground (`GET
//! /graphql`) and subscriptions over WebSocket (`/graphql/ws`,
//! graphql-transport-ws), with authentication from a bearer token or the
//! session cookie.
//!
//! Cookies and cross-site requests: the session cookie is `HttpOnly` and
//! `SameSite=Lax`, `POST /graphql` only accepts `application/json` (which a
//! cross-site form cannot send without a CORS preflight, never granted), and a
//! cookie is ignored on any request whose `Origin` or `Sec-Fetch-Site` says it
//! comes from another site. A forged request therefore runs as an anonymous one.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use async_graphql::http::GraphiQLSource;
use async_graphql::{Data, Executor};
use async_graphql_axum::{GraphQLProtocol, GraphQLRequest, GraphQLResponse, GraphQLWebSocket};
use axum::Router;
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use futures_util::FutureExt;
use tokio::sync::Semaphore;

use crate::config::{GraphqlSettings, Settings};
use crate::error::AppError;
use crate::graphql::context::RequestContext;
use crate::graphql::conventions::{Conventional, Subscriptions, localise, server_error};
use crate::graphql::loaders::Loaders;
use crate::i18n::Locale;
use crate::service::sessions::{self, Viewer};
use crate::state::AppState;
use crate::text;

pub const SESSION_COOKIE: &str = "plenum_session";

/// Routes of the GraphQL API.
pub fn routes(executor: Conventional, limits: &GraphqlSettings) -> Router<AppState> {
    Router::new()
        .route("/graphql", get(playground).post(execute))
        .route("/graphql/ws", get(subscriptions))
        .layer(axum::Extension(executor))
        .layer(axum::Extension(Sockets(Arc::new(Semaphore::new(
            limits.max_websockets,
        )))))
}

/// The WebSocket connections this process may still accept.
#[derive(Clone)]
struct Sockets(Arc<Semaphore>);

async fn playground(State(state): State<AppState>) -> Response {
    if !(state.settings.graphql.playground && state.settings.graphql.introspection) {
        return StatusCode::NOT_FOUND.into_response();
    }
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .subscription_endpoint("/graphql/ws")
            .title("Plenum — GraphQL")
            .finish(),
    )
    .into_response()
}

async fn execute(
    State(state): State<AppState>,
    axum::Extension(executor): axum::Extension<Conventional>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> Response {
    if !is_json(&headers) {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "POST /graphql takes a JSON body: send Content-Type: application/json.",
        )
            .into_response();
    }
    let auth = authenticate(&state, &headers).await;
    let locale = locale_for(&state.settings, &headers, auth.viewer.as_ref());
    let context = RequestContext {
        viewer: auth.viewer,
        locale,
        address: client_address(&state.settings, &headers, peer),
        user_agent: header_str(&headers, header::USER_AGENT).map(str::to_owned),
    };
    let mut response = match auth.refused {
        Some(error) => localise(refused(error), Some(locale)),
        None => {
            executor
                .execute(
                    request
                        .into_inner()
                        .data(context)
                        .data(Loaders::new(&state)),
                )
                .await
        }
    };
    if auth.stale_cookie {
        response
            .http_headers
            .append(header::SET_COOKIE, clear_session_cookie(&state.settings));
    }
    GraphQLResponse::from(response).into_response()
}

/// A whole request refused before execution (an invalid bearer token).
fn refused(error: AppError) -> async_graphql::Response {
    async_graphql::Response::from_errors(vec![server_error(error)])
}

async fn subscriptions(
    State(state): State<AppState>,
    axum::Extension(executor): axum::Extension<Conventional>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    axum::Extension(Sockets(sockets)): axum::Extension<Sockets>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let Ok(socket_permit) = sockets.try_acquire_owned() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "30")],
            "Too many live connections: try again in a moment.",
        )
            .into_response();
    };
    let cookie_auth = authenticate(&state, &headers).await;
    let address = client_address(&state.settings, &headers, peer);
    let user_agent = header_str(&headers, header::USER_AGENT).map(str::to_owned);
    // A message is a request: no larger than a request's body.
    let body_limit = state.settings.server.body_limit_bytes;
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(body_limit)
        .max_frame_size(body_limit)
        .on_upgrade(move |socket| {
            let _held = socket_permit;
            GraphQLWebSocket::new(socket, executor, protocol)
                .on_connection_init(move |payload| async move {
                    // A token in the connection_init payload wins over the cookie.
                    let token = payload
                        .get("authorization")
                        .or_else(|| payload.get("Authorization"))
                        .and_then(|v| v.as_str())
                        .map(|v| v.trim_start_matches("Bearer ").trim().to_owned());
                    let viewer = match token {
                        Some(token) => Some(sessions::authenticate(&state, &token).await?),
                        None => cookie_auth.viewer,
                    };
                    let locale = locale_for(&state.settings, &headers, viewer.as_ref());
                    let mut data = Data::default();
                    data.insert(RequestContext {
                        viewer,
                        locale,
                        address,
                        user_agent,
                    });
                    data.insert(Loaders::new(&state));
                    data.insert(Subscriptions::default());
                    Ok(data)
                })
                .serve()
                .map(move |()| drop(_held))
        })
}

/// The outcome of reading a request's credentials.
#[derive(Default)]
struct Auth {
    viewer: Option<Viewer>,
    /// A bearer token was sent and is not valid: the request is refused.
    refused: Option<AppError>,
    /// The cookie's session is over: tell the browser to drop it.
    stale_cookie: bool,
}

/// The person a plain HTTP request's session cookie or bearer token names,
/// as for GraphQL (a cross-site or stale cookie, or a refused token, reads
/// as a visitor): for the public pages.
pub async fn viewer_of(state: &AppState, headers: &HeaderMap) -> Option<Viewer> {
    authenticate(state, headers).await.viewer
}

async fn authenticate(state: &AppState, headers: &HeaderMap) -> Auth {
    if let Some(value) = header_str(headers, header::AUTHORIZATION) {
        let Some(token) = value
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|t| !t.is_empty())
        else {
            return Auth {
                refused: Some(AppError::new(
                    crate::error::ErrorCode::Unauthenticated,
                    text!(en: "The Authorization header must read `Bearer <token>`.", fr: "L'en-tête Authorization doit être de la forme `Bearer <jeton>`."),
                )),
                ..Auth::default()
            };
        };
        return match sessions::authenticate(state, token).await {
            Ok(viewer) => Auth {
                viewer: Some(viewer),
                ..Auth::default()
            },
            Err(e) => Auth {
                refused: Some(e),
                ..Auth::default()
            },
        };
    }
    let Some(token) = session_cookie_value(headers) else {
        return Auth::default();
    };
    if is_cross_site(&state.settings, headers) {
        return Auth::default();
    }
    match sessions::authenticate(state, &token).await {
        Ok(viewer) => Auth {
            viewer: Some(viewer),
            ..Auth::default()
        },
        Err(_) => Auth {
            stale_cookie: true,
            ..Auth::default()
        },
    }
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn is_json(headers: &HeaderMap) -> bool {
    header_str(headers, header::CONTENT_TYPE)
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim();
            mime.eq_ignore_ascii_case("application/json")
                || mime.eq_ignore_ascii_case("application/graphql-response+json")
        })
}

fn session_cookie_value(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == SESSION_COOKIE)
        .map(|c| c.value().to_owned())
}

/// Does the browser say this request comes from another site?
fn is_cross_site(settings: &Settings, headers: &HeaderMap) -> bool {
    if header_str(headers, header::HeaderName::from_static("sec-fetch-site"))
        .is_some_and(|s| s == "cross-site")
    {
        return true;
    }
    let Some(origin) = header_str(headers, header::ORIGIN) else {
        return false;
    };
    let public = settings.public_url();
    let host = header_str(headers, header::HOST).unwrap_or_default();
    let same_host = origin
        .split_once("://")
        .is_some_and(|(_, rest)| !host.is_empty() && rest == host);
    !(origin == public.as_str() || same_host)
}

/// The reader's language: their account's, else their browser's, else the server's.
fn locale_for(settings: &Settings, headers: &HeaderMap, viewer: Option<&Viewer>) -> Locale {
    viewer
        .and_then(|v| Locale::parse(&v.account.locale))
        .or_else(|| {
            header_str(headers, header::ACCEPT_LANGUAGE).and_then(Locale::from_accept_language)
        })
        .unwrap_or(settings.server.default_locale)
}

/// The client's address: the peer's, or behind `trusted_proxies` proxies of
/// ours, the entry that many places from the right of X-Forwarded-For. The
/// entries further left are whatever the client wrote: reading the left-most
/// let anyone rotate it and escape every throttle.
fn client_address(settings: &Settings, headers: &HeaderMap, peer: SocketAddr) -> IpAddr {
    let server = &settings.server;
    if server.trust_forwarded_for && server.trusted_proxies > 0 {
        let entries: Vec<&str> = headers
            .get_all(header::HeaderName::from_static("x-forwarded-for"))
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let from_right = server.trusted_proxies as usize;
        let forwarded = entries
            .len()
            .checked_sub(from_right)
            .and_then(|i| entries[i].parse().ok());
        if let Some(ip) = forwarded {
            return ip;
        }
    }
    peer.ip()
}

fn cookie_header(settings: &Settings, value: &str, max_age_seconds: i64) -> HeaderValue {
    let secure = if settings.public_url().starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{SESSION_COOKIE}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_seconds}{secure}"
    );
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The `Set-Cookie` value that hands a new session to a browser.
pub fn session_cookie(settings: &Settings, token: &str) -> HeaderValue {
    cookie_header(
        settings,
        token,
        i64::from(settings.accounts.session_days) * 86_400,
    )
}

/// The `Set-Cookie` value that makes a browser forget its session.
pub fn clear_session_cookie(settings: &Settings) -> HeaderValue {
    cookie_header(settings, "", 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                header::HeaderName::from_static(k),
                HeaderValue::from_static(v),
            );
        }
        h
    }

    #[test]
    fn requests_from_another_site_are_recognised() {
        let settings = Settings::default();
        assert!(is_cross_site(
            &settings,
            &headers(&[
                ("origin", "https://evil.example"),
                ("host", "127.0.0.1:8080")
            ])
        ));
        assert!(is_cross_site(
            &settings,
            &headers(&[("sec-fetch-site", "cross-site")])
        ));
        assert!(!is_cross_site(
            &settings,
            &headers(&[("origin", "http://127.0.0.1:8080")])
        ));
        assert!(!is_cross_site(
            &settings,
            &headers(&[
                ("origin", "http://plenum.local:9000"),
                ("host", "plenum.local:9000")
            ])
        ));
        assert!(!is_cross_site(&settings, &headers(&[])));
    }

    #[test]
    fn the_client_address_is_read_from_the_right_of_x_forwarded_for() {
        let peer: SocketAddr = "10.0.0.1:4000".parse().unwrap();
        let mut settings = Settings::default();
        let forwarded = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.7")]);
        assert_eq!(client_address(&settings, &forwarded, peer), peer.ip());
        settings.server.trust_forwarded_for = true;
        assert_eq!(
            client_address(&settings, &forwarded, peer).to_string(),
            "203.0.113.7",
            "the entry our proxy wrote, not the client's"
        );
        settings.server.trusted_proxies = 2;
        assert_eq!(
            client_address(&settings, &forwarded, peer).to_string(),
            "6.6.6.6"
        );
        settings.server.trusted_proxies = 3;
        assert_eq!(client_address(&settings, &forwarded, peer), peer.ip());
    }

    #[test]
    fn only_json_bodies_are_accepted() {
        assert!(is_json(&headers(&[(
            "content-type",
            "application/json; charset=utf-8"
        )])));
        assert!(!is_json(&headers(&[("content-type", "text/plain")])));
        assert!(!is_json(&headers(&[])));
    }
}
