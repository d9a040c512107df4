//! Calendar feeds (iCalendar, RFC 5545): an organisation's meetings, or one
//! body's, as calendar applications subscribe to them. Without a token a
//! feed holds the public meetings; with a person's calendar token, every
//! meeting that person may see. The token reads the calendar, nothing else.

use icalendar::{Calendar, Class, Component, Event, EventLike};
use sea_orm::ActiveValue::Set;
use sea_orm::prelude::*;

use super::{Period, Seen, calendar};
use crate::domain::meeting::{MeetingStatus, MeetingVisibility};
use crate::domain::token::{self, Credential, TokenKind};
use crate::entity::{account, calendar_token};
use crate::error::AppResult;
use crate::service::governance::bodies;
use crate::service::sessions::Viewer;
use crate::service::{now, organisations};
use crate::state::AppState;

/// Issues the viewer's calendar token, replacing any earlier one (whose
/// feed addresses then stop working). Shown once.
#[tracing::instrument(skip_all, fields(account = %viewer.id()))]
pub async fn issue(state: &AppState, viewer: &Viewer) -> AppResult<String> {
    let secret = token::generate(TokenKind::Calendar);
    let txn = state.write().await?;
    calendar_token::Entity::delete_by_id(viewer.id())
        .exec(&txn)
        .await?;
    calendar_token::ActiveModel {
        account_id: Set(viewer.id()),
        token_hash: Set(token::hash(&secret)),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(secret)
}

/// Whose calendar token this is; none for an unknown token.
async fn reader_of(conn: &DatabaseConnection, secret: &str) -> AppResult<Option<Viewer>> {
    let Some(found) = calendar_token::Entity::find()
        .filter(calendar_token::Column::TokenHash.eq(token::hash(secret)))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let account = account::Entity::find_by_id(found.account_id)
        .one(conn)
        .await?;
    Ok(account.map(|account| Viewer::new(account, found.account_id, Credential::Feed)))
}

/// The feed of an organisation (or of one of its bodies, by slug), as
/// iCalendar text; `None` when the organisation or body does not exist, or
/// the token is unknown.
pub async fn render(
    state: &AppState,
    organisation_slug: &str,
    body_slug: Option<&str>,
    secret: Option<&str>,
) -> AppResult<Option<String>> {
    let conn = &state.db;
    let Ok(organisation) = organisations::get_by_slug(conn, organisation_slug).await else {
        return Ok(None);
    };
    let viewer = match secret {
        Some(secret) => match reader_of(conn, secret).await? {
            Some(v) => Some(v),
            None => return Ok(None),
        },
        None => None,
    };
    let body = match body_slug {
        Some(slug) => match bodies::by_slug(conn, organisation.id, slug).await? {
            Some(b) => Some(b),
            None => return Ok(None),
        },
        None => None,
    };
    let period = Period {
        from: Some(now() - chrono::Duration::days(90)),
        to: None,
        body_id: body.as_ref().map(|b| b.id),
    };
    let meetings = calendar(conn, viewer.as_ref(), organisation.id, period).await?;
    let name = match &body {
        Some(b) => format!("{} — {}", organisation.name, b.name),
        None => organisation.name.clone(),
    };
    Ok(Some(ical(&name, &meetings, &state.settings.public_url())))
}

/// The calendar text of these meetings: fixed ones as events (cancelled
/// ones marked so), windows to fix left out.
pub fn ical(name: &str, meetings: &[Seen], public_url: &str) -> String {
    let mut cal = Calendar::empty();
    cal.append_property(("VERSION", "2.0"))
        .append_property(("PRODID", "-//Plenum//Plenum//FR"))
        .append_property(("CALSCALE", "GREGORIAN"))
        .append_property(("METHOD", "PUBLISH"))
        .name(name);
    for seen in meetings {
        let m = &seen.meeting;
        let Some(start) = m.starts_at else {
            continue;
        };
        let mut event = Event::new();
        event
            .uid(&format!("{}@plenum", m.id))
            .summary(&format!("{} — {}", seen.body.name, m.title))
            .starts(start)
            .ends(start + chrono::Duration::minutes(i64::from(m.duration_minutes)))
            .timestamp(m.created_at)
            .class(match m.visibility {
                MeetingVisibility::Public => Class::Public,
                _ => Class::Private,
            })
            .url(&format!("{public_url}/graphql"));
        let mut description = Vec::new();
        if !m.video_url.is_empty() {
            description.push(format!("Visio : {}", m.video_url));
        }
        if m.extraordinary {
            description.push("Session extraordinaire / Extraordinary session".to_owned());
        }
        if !description.is_empty() {
            event.description(&description.join("\n"));
        }
        if !m.place.is_empty() {
            event.location(&m.place);
        }
        if seen.status() == MeetingStatus::Cancelled {
            event.status(icalendar::EventStatus::Cancelled);
        }
        cal.push(event.done());
    }
    cal.done().to_string()
}
