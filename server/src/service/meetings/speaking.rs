//! The speaking queue of an agenda item, live: people present ask for the
//! floor (online too) or the moderator adds them; points of order first,
//! then the Canadian list; the moderator places or removes anyone (recorded);
//! each intervention is timed against an optional limit; rounds give
//! everyone present the floor in turn.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, QueryOrder};

use super::{Seen, publish, seen, speaking_priority_of, steered};
use crate::domain::agenda::ItemStatus;
use crate::domain::meeting::{MeetingStatus, Presence};
use crate::domain::speaking_queue::{self, Kind, Waiting, prioritised};
use crate::entity::{account, agenda_item, attendance, speaking_request};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::events::MeetingChange;
use crate::service::sessions::Viewer;
use crate::service::{accounts, new_id, now};
use crate::state::AppState;
use crate::text;

fn request_not_found() -> AppError {
    AppError::not_found(
        text!(en: "No such request for the floor.", fr: "Cette demande de parole n'existe pas."),
    )
}

/// An item of a meeting under way, with the meeting as the viewer sees it.
async fn item_under_way(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    item_id: Uuid,
) -> AppResult<(agenda_item::Model, Seen)> {
    let item = agenda_item::Entity::find_by_id(item_id)
        .one(conn)
        .await?
        .ok_or_else(|| {
            AppError::not_found(
                text!(en: "No such agenda item.", fr: "Ce point de l'ordre du jour n'existe pas."),
            )
        })?;
    let Some(meeting_id) = item.meeting_id else {
        return Err(AppError::conflict(text!(
            en: "This item is not on a meeting's agenda.",
            fr: "Ce point n'est à l'ordre du jour d'aucune réunion."
        )));
    };
    let seen = seen(conn, Some(viewer), meeting_id).await?;
    if seen.status() != MeetingStatus::InProgress || item.status != ItemStatus::Open {
        return Err(AppError::conflict(text!(
            en: "The floor is given on an open item of a meeting under way.",
            fr: "La parole se donne sur un point ouvert d'une réunion en cours."
        )));
    }
    Ok((item, seen))
}

async fn present(
    conn: &impl ConnectionTrait,
    meeting_id: Uuid,
    account_id: Uuid,
) -> AppResult<bool> {
    Ok(attendance::Entity::find_by_id((meeting_id, account_id))
        .one(conn)
        .await?
        .map(|a| a.status)
        .is_some_and(Presence::present))
}

/// Asks for the floor on an item: oneself, present in the room or online
/// (`NOT_PRESENT` otherwise); or someone else, by the moderator.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), item = %item_id))]
pub async fn request(
    state: &AppState,
    viewer: &Viewer,
    item_id: Uuid,
    kind: Kind,
    for_account: Option<Uuid>,
) -> AppResult<speaking_request::Model> {
    let txn = state.write().await?;
    let (item, seen) = item_under_way(&txn, viewer, item_id).await?;
    let speaker = for_account.unwrap_or(viewer.id());
    if speaker != viewer.id() || kind == Kind::Round {
        steered(&txn, viewer, seen.meeting.id).await?;
    }
    if !present(&txn, seen.meeting.id, speaker).await? {
        return Err(AppError::new(
            ErrorCode::NotPresent,
            text!(
                en: "Only people marked present, in the room or online, ask for the floor: sign the attendance sheet first.",
                fr: "Seules les personnes présentes, sur place ou en ligne, demandent la parole : émargez d'abord."
            ),
        ));
    }
    let waiting = speaking_request::Entity::find()
        .filter(speaking_request::Column::ItemId.eq(item.id))
        .filter(speaking_request::Column::AccountId.eq(speaker))
        .filter(speaking_request::Column::StartedAt.is_null())
        .filter(speaking_request::Column::RemovedAt.is_null())
        .count(&txn)
        .await?;
    if waiting > 0 {
        return Err(AppError::conflict(text!(
            en: "This person is already waiting for the floor on this item.",
            fr: "Cette personne attend déjà la parole sur ce point."
        )));
    }
    let created = insert(&txn, &seen, item.id, speaker, kind, viewer.id(), None).await?;
    publish(&txn, &seen.meeting, MeetingChange::Queue);
    txn.commit().await?;
    Ok(created)
}

async fn insert(
    conn: &impl ConnectionTrait,
    seen: &Seen,
    item_id: Uuid,
    speaker: Uuid,
    kind: Kind,
    by: Uuid,
    limit: Option<i32>,
) -> AppResult<speaking_request::Model> {
    Ok(speaking_request::ActiveModel {
        id: Set(new_id()),
        meeting_id: Set(seen.meeting.id),
        item_id: Set(item_id),
        account_id: Set(speaker),
        kind: Set(kind),
        requested_at: Set(now()),
        requested_by: Set(by),
        placed_at: Set(None),
        limit_seconds: Set(limit.or(seen.meeting.speaking_limit_seconds)),
        started_at: Set(None),
        ended_at: Set(None),
        removed_at: Set(None),
        removed_by: Set(None),
    }
    .insert(conn)
    .await?)
}

/// A waiting request, its item's meeting under way.
async fn waiting_request(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<(speaking_request::Model, Seen)> {
    let found = speaking_request::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(request_not_found)?;
    let (_, seen) = item_under_way(conn, viewer, found.item_id).await?;
    if found.started_at.is_some() || found.removed_at.is_some() {
        return Err(AppError::conflict(text!(
            en: "This request is no longer waiting.",
            fr: "Cette demande n'est plus en attente."
        )));
    }
    Ok((found, seen))
}

/// Takes a request off the queue: its speaker, or the moderator (recorded).
#[tracing::instrument(skip_all, fields(account = %viewer.id(), request = %id))]
pub async fn remove(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<speaking_request::Model> {
    let txn = state.write().await?;
    let (found, seen) = waiting_request(&txn, viewer, id).await?;
    if found.account_id != viewer.id() {
        steered(&txn, viewer, seen.meeting.id).await?;
    }
    let mut active: speaking_request::ActiveModel = found.into();
    active.removed_at = Set(Some(now()));
    active.removed_by = Set(Some(viewer.id()));
    let removed = active.update(&txn).await?;
    publish(&txn, &seen.meeting, MeetingChange::Queue);
    txn.commit().await?;
    Ok(removed)
}

/// Places a request at a position of the queue, after the points of order
/// (the moderator; recorded, and it wins over the list's order).
#[tracing::instrument(skip_all, fields(account = %viewer.id(), request = %id))]
pub async fn place(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    position: i32,
) -> AppResult<speaking_request::Model> {
    if !(0..=1000).contains(&position) {
        return Err(AppError::validation(
            "position",
            text!(en: "A position in the queue counts from 0.", fr: "Une place dans la file se compte à partir de 0."),
        ));
    }
    let txn = state.write().await?;
    let (found, seen) = waiting_request(&txn, viewer, id).await?;
    steered(&txn, viewer, seen.meeting.id).await?;
    let mut active: speaking_request::ActiveModel = found.into();
    active.placed_at = Set(Some(position));
    let placed = active.update(&txn).await?;
    publish(&txn, &seen.meeting, MeetingChange::Queue);
    txn.commit().await?;
    Ok(placed)
}

/// Ends the intervention under way on an item, if any.
async fn end_current(conn: &impl ConnectionTrait, item_id: Uuid) -> AppResult<()> {
    speaking_request::Entity::update_many()
        .col_expr(speaking_request::Column::EndedAt, Expr::value(now()))
        .filter(speaking_request::Column::ItemId.eq(item_id))
        .filter(speaking_request::Column::StartedAt.is_not_null())
        .filter(speaking_request::Column::EndedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Gives the floor (the moderator): ends the intervention under way and
/// starts the next in the queue's order — or the request named. Gives the
/// intervention started, if anyone was waiting.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), item = %item_id))]
pub async fn next(
    state: &AppState,
    viewer: &Viewer,
    item_id: Uuid,
    request_id: Option<Uuid>,
) -> AppResult<Option<speaking_request::Model>> {
    let txn = state.write().await?;
    let (item, seen) = item_under_way(&txn, viewer, item_id).await?;
    steered(&txn, viewer, seen.meeting.id).await?;
    end_current(&txn, item.id).await?;
    let queue = queue(&txn, &seen, item.id).await?;
    let chosen = match request_id {
        Some(id) => Some(
            queue
                .waiting
                .into_iter()
                .find(|r| r.id == id)
                .ok_or_else(request_not_found)?,
        ),
        None => queue.waiting.into_iter().next(),
    };
    let started = match chosen {
        Some(r) => {
            let mut active: speaking_request::ActiveModel = r.into();
            active.started_at = Set(Some(now()));
            Some(active.update(&txn).await?)
        }
        None => None,
    };
    publish(&txn, &seen.meeting, MeetingChange::Queue);
    txn.commit().await?;
    Ok(started)
}

/// Ends the intervention under way (the moderator), e.g. someone who speaks
/// too long, off-topic, or repeats.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), item = %item_id))]
pub async fn stop(state: &AppState, viewer: &Viewer, item_id: Uuid) -> AppResult<()> {
    let txn = state.write().await?;
    let (item, seen) = item_under_way(&txn, viewer, item_id).await?;
    steered(&txn, viewer, seen.meeting.id).await?;
    end_current(&txn, item.id).await?;
    publish(&txn, &seen.meeting, MeetingChange::Queue);
    txn.commit().await?;
    Ok(())
}

/// Starts a round [tour de table]: everyone present gets a turn, in the
/// order they signed in, with an optional limit each.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), item = %item_id))]
pub async fn round(
    state: &AppState,
    viewer: &Viewer,
    item_id: Uuid,
    limit_seconds: Option<i32>,
) -> AppResult<Vec<speaking_request::Model>> {
    if limit_seconds.is_some_and(|s| !(10..=3600).contains(&s)) {
        return Err(AppError::validation(
            "limitSeconds",
            text!(en: "A turn's limit is between 10 seconds and an hour.", fr: "La limite d'un tour est comprise entre 10 secondes et une heure."),
        ));
    }
    let txn = state.write().await?;
    let (item, seen) = item_under_way(&txn, viewer, item_id).await?;
    steered(&txn, viewer, seen.meeting.id).await?;
    let present = [Presence::InPerson, Presence::Online];
    let people = attendance::Entity::find()
        .filter(attendance::Column::MeetingId.eq(seen.meeting.id))
        .filter(attendance::Column::Status.is_in(present))
        .order_by_asc(attendance::Column::MarkedAt)
        .all(&txn)
        .await?;
    let mut turns = Vec::with_capacity(people.len());
    for person in people {
        let limit = limit_seconds.or(seen.meeting.speaking_limit_seconds);
        turns.push(
            insert(
                &txn,
                &seen,
                item.id,
                person.account_id,
                Kind::Round,
                viewer.id(),
                limit,
            )
            .await?,
        );
    }
    publish(&txn, &seen.meeting, MeetingChange::Queue);
    txn.commit().await?;
    Ok(turns)
}

/// At the meeting's end: the intervention under way ends, nobody waits.
pub async fn close_all(conn: &impl ConnectionTrait, meeting_id: Uuid) -> AppResult<()> {
    let at = now();
    speaking_request::Entity::update_many()
        .col_expr(speaking_request::Column::EndedAt, Expr::value(at))
        .filter(speaking_request::Column::MeetingId.eq(meeting_id))
        .filter(speaking_request::Column::StartedAt.is_not_null())
        .filter(speaking_request::Column::EndedAt.is_null())
        .exec(conn)
        .await?;
    speaking_request::Entity::update_many()
        .col_expr(speaking_request::Column::RemovedAt, Expr::value(at))
        .filter(speaking_request::Column::MeetingId.eq(meeting_id))
        .filter(speaking_request::Column::StartedAt.is_null())
        .filter(speaking_request::Column::RemovedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// What one person has said in the meeting so far.
#[derive(Clone, Copy, Default)]
pub struct Spoken {
    pub interventions: u32,
    pub seconds: i64,
}

/// An item's queue: who speaks, who waits in order, and what everyone has
/// said in the meeting so far.
pub struct Queue {
    pub current: Option<speaking_request::Model>,
    pub waiting: Vec<speaking_request::Model>,
    pub spoken: HashMap<Uuid, Spoken>,
    /// Everyone above, to show their names without asking again.
    pub people: HashMap<Uuid, account::Model>,
}

/// The queue of an item, ordered by the Canadian list: two queries.
pub async fn queue(conn: &impl ConnectionTrait, seen: &Seen, item_id: Uuid) -> AppResult<Queue> {
    let all = speaking_request::Entity::find()
        .filter(speaking_request::Column::MeetingId.eq(seen.meeting.id))
        .filter(speaking_request::Column::RemovedAt.is_null())
        .order_by_asc(speaking_request::Column::RequestedAt)
        .all(conn)
        .await?;
    let at = now();
    let mut spoken: HashMap<Uuid, Spoken> = HashMap::new();
    let mut current = None;
    let mut waiting = Vec::new();
    for r in all {
        if let Some(started) = r.started_at {
            let said = spoken.entry(r.account_id).or_default();
            said.interventions += 1;
            said.seconds += lasted(started, r.ended_at, at);
            if r.ended_at.is_none() && r.item_id == item_id {
                current = Some(r);
            }
        } else if r.item_id == item_id {
            waiting.push(r);
        }
    }
    let involved: Vec<Uuid> = waiting
        .iter()
        .map(|r| r.account_id)
        .chain(spoken.keys().copied())
        .collect();
    let people = accounts::by_ids(conn, involved).await?;
    let gender = |id: &Uuid| people.get(id).and_then(accounts::declared_gender);
    let list: Vec<Waiting> = waiting
        .iter()
        .map(|r| Waiting {
            kind: r.kind,
            requested_at: r.requested_at,
            prioritised: prioritised(gender(&r.account_id)),
            interventions: spoken.get(&r.account_id).map_or(0, |s| s.interventions),
            placed_at: r.placed_at.map(|p| p.max(0) as u32),
        })
        .collect();
    let order = speaking_queue::order(&list, speaking_priority_of(&seen.meeting));
    let mut slots: Vec<Option<speaking_request::Model>> = waiting.into_iter().map(Some).collect();
    let waiting = order
        .into_iter()
        .filter_map(|i| slots.get_mut(i)?.take())
        .collect();
    Ok(Queue {
        current,
        waiting,
        spoken,
        people,
    })
}

/// Seconds an intervention has lasted (so far), and whether it is over its limit.
pub fn timer(r: &speaking_request::Model, at: DateTime<Utc>) -> Option<(i64, bool)> {
    let seconds = lasted(r.started_at?, r.ended_at, at);
    Some((
        seconds,
        r.limit_seconds.is_some_and(|l| seconds > i64::from(l)),
    ))
}

/// Seconds from a start to an end, or to `at` while it goes on.
fn lasted(started: DateTime<Utc>, ended: Option<DateTime<Utc>>, at: DateTime<Utc>) -> i64 {
    (ended.unwrap_or(at) - started).num_seconds().max(0)
}
