//! The calendar page: the meetings to come that the reader may see, as the
//! iCalendar feed lists them (`service::meetings::calendar`), and the feed's
//! address to subscribe to.

use axum::extract::{Path, State};
use axum::response::Response;
use chrono::TimeZone;
use minijinja::{Value, context};

use super::Visit;
use crate::domain::meeting::{MeetingStatus, MeetingVisibility};
use crate::entity::organisation;
use crate::error::AppResult;
use crate::i18n::Locale;
use crate::service::meetings::{self, Period, Seen};
use crate::service::memberships::today_in;
use crate::service::now;
use crate::state::AppState;
use crate::web::words;

/// `/o/{organisation}/calendar`.
pub async fn page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    visit: Visit,
) -> Response {
    visit
        .organisation_page(&state, &slug, "calendar.html", async |org, locale| {
            calendar_page(&state, &visit, org, locale).await
        })
        .await
}

async fn calendar_page(
    state: &AppState,
    visit: &Visit,
    org: &organisation::Model,
    locale: Locale,
) -> AppResult<Value> {
    let tz = crate::service::memberships::timezone_of(org);
    // From the start of the organisation's today: a meeting of this
    // morning still shows until it has ended.
    let midnight = today_in(org)
        .and_hms_opt(0, 0, 0)
        .and_then(|t| tz.from_local_datetime(&t).earliest())
        .map_or_else(now, |t| t.to_utc());
    let period = Period {
        from: Some(midnight),
        to: None,
        body_id: None,
    };
    let found = meetings::calendar(&state.db, visit.viewer(), org.id, period).await?;
    let (mut fixed, mut windows) = (Vec::new(), Vec::new());
    for seen in found.iter().filter(|s| s.status() != MeetingStatus::Ended) {
        let item = meeting_item(seen, tz, locale);
        if seen.meeting.starts_at.is_some() {
            fixed.push(item);
        } else {
            windows.push(item);
        }
    }
    let feed = format!("/calendar/{}.ics", org.slug);
    Ok(context! {
        meetings => fixed,
        windows,
        feed_url => feed.clone(),
        feed_address => format!("{}{feed}", state.settings.public_url()),
        home_url => visit.link(&format!("/o/{}", org.slug), &[]),
    })
}

fn meeting_item(seen: &Seen, tz: chrono_tz::Tz, locale: Locale) -> Value {
    let m = &seen.meeting;
    let status = match seen.status() {
        MeetingStatus::Cancelled => Some(words::word(locale, "cancelled")),
        MeetingStatus::InProgress => Some(words::word(locale, "in_progress")),
        MeetingStatus::ToBeFixed | MeetingStatus::Scheduled | MeetingStatus::Ended => None,
    };
    let open_to = match m.visibility {
        MeetingVisibility::Public => "open_public",
        MeetingVisibility::Members => "open_members",
        MeetingVisibility::Mandated => "open_mandated",
    };
    context! {
        title => m.title.clone(),
        body => seen.body.name.clone(),
        starts => m.starts_at.map(|at| words::moment_value(locale, at.with_timezone(&tz))),
        window_start => m.window_starts_on.map(|d| words::day_value(locale, d)),
        window_end => m.window_ends_on.map(|d| words::day_value(locale, d)),
        duration_minutes => m.duration_minutes,
        place => (!m.place.is_empty()).then(|| m.place.clone()),
        video_url => (!m.video_url.is_empty()).then(|| m.video_url.clone()),
        extraordinary => m.extraordinary,
        cancelled_reason => m.cancelled_reason.clone(),
        status,
        open_to => words::word(locale, open_to),
    }
}
