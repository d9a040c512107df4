//! Meetings of a body: scheduling (one-off, recurring, or a window to fix),
//! who sees them, starting and ending them. The agenda is in [`agenda`],
//! roles and attendance in [`attendance`], the speaking queue in
//! [`speaking`], calendar feeds in [`feed`].

pub mod agenda;
pub mod attendance;
pub mod breakout;
pub mod feed;
pub mod live;
pub mod minutes;
pub mod speaking;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, QueryOrder};

use crate::domain::access::{Reader, can_moderate, can_see_meeting};
use crate::domain::account::parse_name;
use crate::domain::forum::parse_reason;
use crate::domain::governance::ParityRule;
use crate::domain::meeting::{self as rules, MeetingRole, MeetingStatus, MeetingVisibility};
use crate::domain::speaking_queue::GenderPriority;
use crate::entity::{body, meeting, meeting_series, organisation};
use crate::error::{AppError, AppResult};
use crate::events::{Event, MeetingChange};
use crate::service::governance::bodies;
use crate::service::sessions::Viewer;
use crate::service::{new_id, now, organisations};
use crate::state::AppState;
use crate::text;
use crate::write::Unit;

/// A meeting with the body that holds it, as one person sees it.
#[derive(Clone, Debug)]
pub struct Meeting {
    pub meeting: meeting::Model,
    pub body: body::Model,
    /// The viewer is one of the body's people.
    pub in_body: bool,
}

/// A meeting its reader may see (see [`crate::service::access::Seen`]).
pub type Seen = crate::service::access::Seen<Meeting>;

impl Seen {
    pub fn status(&self) -> MeetingStatus {
        let m = &self.meeting;
        rules::status(m.starts_at, m.started_at, m.ended_at, m.cancelled_at)
    }

    /// The organisation's facilitators and admins run every meeting.
    pub fn moderates(&self) -> bool {
        can_moderate(self.reader)
    }
}

pub fn speaking_priority_of(m: &meeting::Model) -> GenderPriority {
    m.speaking_priority
}

pub fn meeting_not_found() -> AppError {
    AppError::not_found(text!(en: "No such meeting.", fr: "Cette réunion n'existe pas."))
}

/// Tells live subscribers, once `txn` has committed.
pub fn publish(txn: &Unit, m: &meeting::Model, change: MeetingChange) {
    txn.emit(Event::Meeting {
        organisation_id: m.organisation_id,
        meeting_id: m.id,
        change,
        id: uuid::Uuid::new_v4(),
    });
}

/// The viewer's place around a body: their reader in the organisation, and
/// whether they are one of its people.
async fn place(
    conn: &impl ConnectionTrait,
    viewer: Option<&Viewer>,
    organisation: &organisation::Model,
    body: &body::Model,
) -> AppResult<(Option<Reader>, bool)> {
    let reader = crate::service::access::reader(conn, organisation, viewer).await?;
    let in_body = among(conn, viewer, reader, organisation, body).await?;
    Ok((reader, in_body))
}

/// Is the viewer, a reader of the organisation, one of the body's people?
async fn among(
    conn: &impl ConnectionTrait,
    viewer: Option<&Viewer>,
    reader: Option<Reader>,
    organisation: &organisation::Model,
    body: &body::Model,
) -> AppResult<bool> {
    match (viewer, reader) {
        (Some(v), Some(_)) => bodies::includes(conn, organisation, body, v.id()).await,
        _ => Ok(false),
    }
}

/// A meeting the viewer may see (`NOT_FOUND` otherwise: a meeting one may
/// not see is not shown to exist).
pub async fn seen(
    conn: &impl ConnectionTrait,
    viewer: Option<&Viewer>,
    id: Uuid,
) -> AppResult<Seen> {
    let found = meeting::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(meeting_not_found)?;
    let organisation = organisations::get(conn, found.organisation_id).await?;
    let body = bodies::find(conn, found.body_id).await?;
    let (reader, in_body) = place(conn, viewer, &organisation, &body).await?;
    let allowed = can_see_meeting(found.visibility, reader, in_body);
    let meeting = Meeting {
        meeting: found,
        body,
        in_body,
    };
    Seen::granted(allowed, meeting, organisation, reader, meeting_not_found)
}

/// What a new meeting says.
#[derive(Clone)]
pub struct NewMeeting {
    pub body_id: Uuid,
    pub title: String,
    /// A fixed start, or…
    pub starts_at: Option<DateTime<Utc>>,
    /// … a window to fix it in.
    pub window: Option<(NaiveDate, NaiveDate)>,
    pub duration_minutes: i32,
    pub place: String,
    pub video_url: String,
    pub visibility: MeetingVisibility,
    pub extraordinary: bool,
    pub agenda_deadline_days: i32,
    pub speaking_priority: GenderPriority,
    pub speaking_limit_seconds: Option<i32>,
    /// The parity rule two facilitators follow.
    pub facilitator_parity: ParityRule,
}

/// Checks what a meeting says, whatever its dates.
fn check(input: &NewMeeting) -> AppResult<String> {
    let title = parse_name(&input.title, "title", 200)?;
    if !(15..=720).contains(&input.duration_minutes) {
        return Err(AppError::validation(
            "durationMinutes",
            text!(en: "A meeting lasts between 15 minutes and 12 hours.", fr: "Une réunion dure entre 15 minutes et 12 heures."),
        ));
    }
    if !(0..=30).contains(&input.agenda_deadline_days) {
        return Err(AppError::validation(
            "agendaDeadlineDays",
            text!(en: "The agenda closes 0 to 30 days before the meeting.", fr: "L'ordre du jour se clôt de 0 à 30 jours avant la réunion."),
        ));
    }
    if input
        .speaking_limit_seconds
        .is_some_and(|s| !(10..=3600).contains(&s))
    {
        return Err(AppError::validation(
            "speakingLimitSeconds",
            text!(en: "An intervention's limit is between 10 seconds and an hour.", fr: "La limite d'une intervention est comprise entre 10 secondes et une heure."),
        ));
    }
    let link = input.video_url.trim();
    if !(link.is_empty() || link.starts_with("https://") || link.starts_with("http://")) {
        return Err(AppError::validation(
            "videoUrl",
            text!(en: "The video link is a web address (https://…).", fr: "Le lien de visio est une adresse web (https://…)."),
        ));
    }
    if input.place.chars().count() > 500 {
        return Err(AppError::validation(
            "place",
            text!(en: "Describe the place in 500 characters at most.", fr: "Décrivez le lieu en 500 caractères au plus."),
        ));
    }
    Ok(title)
}

/// Checks who schedules a body's meetings: the organisation's facilitators,
/// and the people of a body that sets its own rhythm (every body but the
/// assembly, whose meetings the facilitators call).
async fn scheduling_body(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    body_id: Uuid,
) -> AppResult<(organisation::Model, body::Model)> {
    let body = bodies::find(txn, body_id).await?;
    crate::service::governance::require_active(&body)?;
    let organisation = organisations::get(txn, body.organisation_id).await?;
    let (reader, in_body) = place(txn, Some(viewer), &organisation, &body).await?;
    let own_rhythm = in_body && !bodies::kind_of(&body).is_assembly();
    if !(can_moderate(reader) || own_rhythm) {
        return Err(AppError::forbidden(text!(
            en: "The organisation's facilitators schedule the assembly's meetings; a body's people schedule its own.",
            fr: "L'animation de l'organisation convoque les réunions de l'assemblée ; les personnes d'une instance fixent les siennes."
        )));
    }
    Ok((organisation, body))
}

fn row(
    input: &NewMeeting,
    title: String,
    organisation_id: Uuid,
    series_id: Option<Uuid>,
    starts_at: Option<DateTime<Utc>>,
    by: Uuid,
) -> meeting::ActiveModel {
    meeting::ActiveModel {
        id: Set(new_id()),
        organisation_id: Set(organisation_id),
        body_id: Set(input.body_id),
        series_id: Set(series_id),
        title: Set(title),
        starts_at: Set(starts_at),
        window_starts_on: Set(input.window.map(|w| w.0)),
        window_ends_on: Set(input.window.map(|w| w.1)),
        duration_minutes: Set(input.duration_minutes),
        place: Set(input.place.trim().to_owned()),
        video_url: Set(input.video_url.trim().to_owned()),
        visibility: Set(input.visibility),
        extraordinary: Set(input.extraordinary),
        agenda_deadline_days: Set(input.agenda_deadline_days),
        speaking_priority: Set(input.speaking_priority),
        speaking_limit_seconds: Set(input.speaking_limit_seconds),
        facilitator_parity: Set(input.facilitator_parity),
        started_at: Set(None),
        ended_at: Set(None),
        cancelled_at: Set(None),
        cancelled_reason: Set(None),
        created_by: Set(by),
        created_at: Set(now()),
    }
}

/// Schedules one meeting: at a fixed start, or in a window to fix later.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), body = %input.body_id))]
pub async fn schedule(
    state: &AppState,
    viewer: &Viewer,
    input: NewMeeting,
) -> AppResult<meeting::Model> {
    let title = check(&input)?;
    match (input.starts_at, input.window) {
        (Some(_), None) => {}
        (None, Some((from, to))) if from <= to => {}
        (None, Some(_)) => {
            return Err(AppError::validation(
                "window",
                text!(en: "A window ends on or after the day it starts.", fr: "Une fenêtre se termine le jour où elle commence ou après."),
            ));
        }
        _ => {
            return Err(AppError::validation(
                "startsAt",
                text!(en: "Give the meeting a start, or a window to fix it in (not both).", fr: "Donnez à la réunion un début, ou une fenêtre pour la fixer (pas les deux)."),
            ));
        }
    }
    let txn = state.write().await?;
    let (organisation, _) = scheduling_body(&txn, viewer, input.body_id).await?;
    let created = row(
        &input,
        title,
        organisation.id,
        None,
        input.starts_at,
        viewer.id(),
    )
    .insert(&txn)
    .await?;
    publish(&txn, &created, MeetingChange::Scheduled);
    txn.commit().await?;
    Ok(created)
}

/// A recurrence: the rule, the first meeting's local date and time, and how
/// many meetings to schedule now.
pub struct Recurrence {
    pub rule: String,
    pub first: NaiveDateTime,
    pub count: u16,
}

/// Schedules a recurring series of meetings, read in the organisation's
/// time zone (daylight saving included): "every other Thursday 18:30".
#[tracing::instrument(skip_all, fields(account = %viewer.id(), body = %input.body_id))]
pub async fn schedule_series(
    state: &AppState,
    viewer: &Viewer,
    input: NewMeeting,
    recurrence: Recurrence,
) -> AppResult<Vec<meeting::Model>> {
    let title = check(&input)?;
    let txn = state.write().await?;
    let (organisation, _) = scheduling_body(&txn, viewer, input.body_id).await?;
    let timezone = crate::service::memberships::timezone_of(&organisation);
    let starts = rules::occurrences(
        &recurrence.rule,
        recurrence.first,
        timezone,
        recurrence.count,
    )?;
    let series = meeting_series::ActiveModel {
        id: Set(new_id()),
        organisation_id: Set(organisation.id),
        body_id: Set(input.body_id),
        rule: Set(recurrence.rule.trim().to_owned()),
        timezone: Set(timezone.name().to_owned()),
        created_by: Set(viewer.id()),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    let mut created = Vec::with_capacity(starts.len());
    for start in starts {
        let m = row(
            &input,
            title.clone(),
            organisation.id,
            Some(series.id),
            Some(start),
            viewer.id(),
        );
        let m = m.insert(&txn).await?;
        publish(&txn, &m, MeetingChange::Scheduled);
        created.push(m);
    }
    txn.commit().await?;
    Ok(created)
}

/// A meeting the viewer may run: seen, and the viewer a facilitator of the
/// organisation or of this meeting.
pub async fn steered(txn: &impl ConnectionTrait, viewer: &Viewer, id: Uuid) -> AppResult<Seen> {
    let seen = seen(txn, Some(viewer), id).await?;
    if seen.moderates() || attendance::holds(txn, id, viewer.id(), MeetingRole::Facilitator).await?
    {
        return Ok(seen);
    }
    Err(AppError::forbidden(text!(
        en: "Only the meeting's facilitators (or the organisation's) run it.",
        fr: "Seules les personnes qui animent la réunion (ou l'organisation) la conduisent."
    )))
}

/// Fixes the date of a meeting planned as a window.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), meeting = %id))]
pub async fn fix(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    starts_at: DateTime<Utc>,
) -> AppResult<meeting::Model> {
    let txn = state.write().await?;
    let seen = seen(&txn, Some(viewer), id).await?;
    scheduling_body(&txn, viewer, seen.body.id).await?;
    if !matches!(
        seen.status(),
        MeetingStatus::ToBeFixed | MeetingStatus::Scheduled
    ) {
        return Err(AppError::conflict(text!(
            en: "This meeting has started, ended or been cancelled: its date no longer changes.",
            fr: "Cette réunion a commencé, est terminée ou annulée : sa date ne change plus."
        )));
    }
    let day = crate::service::memberships::date_in(&seen.organisation, starts_at);
    let m = &seen.meeting;
    if let (Some(from), Some(to)) = (m.window_starts_on, m.window_ends_on)
        && !(from..=to).contains(&day)
    {
        return Err(AppError::validation(
            "startsAt",
            text!(en: "The date falls outside the meeting's window ({from} to {to}).", fr: "La date tombe hors de la fenêtre de la réunion (du {from} au {to})."),
        ));
    }
    let mut active: meeting::ActiveModel = seen.into_subject().meeting.into();
    active.starts_at = Set(Some(starts_at));
    let fixed = active.update(&txn).await?;
    publish(&txn, &fixed, MeetingChange::Scheduled);
    txn.commit().await?;
    Ok(fixed)
}

/// Cancels a meeting that has not started, with the reason.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), meeting = %id))]
pub async fn cancel(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    reason: Option<&str>,
) -> AppResult<meeting::Model> {
    let reason = parse_reason(reason)?;
    let txn = state.write().await?;
    let seen = seen(&txn, Some(viewer), id).await?;
    scheduling_body(&txn, viewer, seen.body.id).await?;
    if !matches!(
        seen.status(),
        MeetingStatus::ToBeFixed | MeetingStatus::Scheduled
    ) {
        return Err(AppError::conflict(text!(
            en: "Only a meeting that has not started is cancelled.",
            fr: "Seule une réunion qui n'a pas commencé peut être annulée."
        )));
    }
    let mut active: meeting::ActiveModel = seen.into_subject().meeting.into();
    active.cancelled_at = Set(Some(now()));
    active.cancelled_reason = Set(Some(reason));
    let cancelled = active.update(&txn).await?;
    // Its agenda waits for the body's next meeting.
    agenda::to_backlog(&txn, cancelled.id, false).await?;
    publish(&txn, &cancelled, MeetingChange::Scheduled);
    txn.commit().await?;
    Ok(cancelled)
}

/// Opens a meeting (its facilitators): its agenda is settled — the body's
/// backlog and what awaits the assembly join it, what does not fit the
/// planned duration is carried over.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), meeting = %id))]
pub async fn start(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<meeting::Model> {
    let txn = state.write().await?;
    let seen = steered(&txn, viewer, id).await?;
    if seen.status() != MeetingStatus::Scheduled {
        return Err(AppError::conflict(text!(
            en: "Only a scheduled meeting starts (not one to fix, under way, ended or cancelled).",
            fr: "Seule une réunion programmée commence (pas une à fixer, en cours, terminée ou annulée)."
        )));
    }
    agenda::settle(&txn, &seen, viewer.id()).await?;
    let mut active: meeting::ActiveModel = seen.into_subject().meeting.into();
    active.started_at = Set(Some(now()));
    let started = active.update(&txn).await?;
    publish(&txn, &started, MeetingChange::Started);
    txn.commit().await?;
    Ok(started)
}

/// Closes a meeting: the items not taken up are carried over.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), meeting = %id))]
pub async fn end(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<meeting::Model> {
    let txn = state.write().await?;
    let seen = steered(&txn, viewer, id).await?;
    if seen.status() != MeetingStatus::InProgress {
        return Err(AppError::conflict(text!(
            en: "Only a meeting under way ends.",
            fr: "Seule une réunion en cours peut se terminer."
        )));
    }
    speaking::close_all(&txn, id).await?;
    agenda::to_backlog(&txn, id, true).await?;
    let mut active: meeting::ActiveModel = seen.into_subject().meeting.into();
    active.ended_at = Set(Some(now()));
    let ended = active.update(&txn).await?;
    publish(&txn, &ended, MeetingChange::Ended);
    txn.commit().await?;
    Ok(ended)
}

/// The body's next meeting: the earliest scheduled one not yet started.
pub async fn next_of_body(
    conn: &impl ConnectionTrait,
    body_id: Uuid,
) -> AppResult<Option<meeting::Model>> {
    Ok(meeting::Entity::find()
        .filter(meeting::Column::BodyId.eq(body_id))
        .filter(meeting::Column::StartsAt.is_not_null())
        .filter(meeting::Column::StartedAt.is_null())
        .filter(meeting::Column::CancelledAt.is_null())
        .order_by_asc(meeting::Column::StartsAt)
        .one(conn)
        .await?)
}

/// Which meetings to list.
#[derive(Default)]
pub struct Period {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub body_id: Option<Uuid>,
}

/// The calendar: an organisation's meetings the viewer may see, by start
/// (windows to fix last), at most 500.
pub async fn calendar(
    conn: &impl ConnectionTrait,
    viewer: Option<&Viewer>,
    organisation_id: Uuid,
    period: Period,
) -> AppResult<Vec<Seen>> {
    use sea_orm::QuerySelect;
    use std::collections::hash_map::Entry;
    let organisation = organisations::get(conn, organisation_id).await?;
    let mut query =
        meeting::Entity::find().filter(meeting::Column::OrganisationId.eq(organisation_id));
    if let Some(body_id) = period.body_id {
        query = query.filter(meeting::Column::BodyId.eq(body_id));
    }
    if let Some(from) = period.from {
        query = query.filter(
            sea_orm::Condition::any()
                .add(meeting::Column::StartsAt.gte(from))
                .add(meeting::Column::StartsAt.is_null()),
        );
    }
    if let Some(to) = period.to {
        query = query.filter(meeting::Column::StartsAt.lt(to));
    }
    let rows = query
        .order_by_asc(meeting::Column::StartsAt)
        .limit(500)
        .all(conn)
        .await?;
    let reader = crate::service::access::reader(conn, &organisation, viewer).await?;
    let mut bodies_seen: std::collections::HashMap<Uuid, (body::Model, bool)> =
        std::collections::HashMap::new();
    let mut seen = Vec::new();
    for m in rows {
        let (body, in_body) = match bodies_seen.entry(m.body_id) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(new) => {
                let body = bodies::find(conn, m.body_id).await?;
                let in_body = among(conn, viewer, reader, &organisation, &body).await?;
                new.insert((body, in_body))
            }
        };
        let allowed = can_see_meeting(m.visibility, reader, *in_body);
        let meeting = Meeting {
            meeting: m,
            body: body.clone(),
            in_body: *in_body,
        };
        seen.extend(Seen::when(allowed, meeting, organisation.clone(), reader));
    }
    // Fixed dates first, windows to fix after.
    seen.sort_by_key(|s| (s.meeting.starts_at.is_none(), s.meeting.starts_at));
    Ok(seen)
}
