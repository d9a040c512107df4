//! Minutes [compte rendu] and the decision record [relevé de décisions]:
//! the minute-taker drafts as they type, one editor at a time; the decision
//! record is made from the decisions taken in the meeting and the body's
//! proposals closed since its previous meeting; both are due by the next
//! day, and published once.

use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::Condition;
use sea_orm::{ActiveValue::Set, QueryOrder, QuerySelect};

use super::{Seen, publish, seen, steered};
use crate::domain::meeting::{MeetingRole, MeetingStatus};
use crate::domain::minutes::{self as rules, LOCK};
use crate::domain::record::{RecordKind, RecordVisibility};
use crate::entity::{meeting, minutes, proposal, record};
use crate::error::{AppError, AppResult};
use crate::events::MeetingChange;
use crate::service::governance::bodies;
use crate::service::proposals::decisions::{self, Room};
use crate::service::sessions::Viewer;
use crate::service::{forum, now, records};
use crate::state::AppState;
use crate::text;

/// Records a vote counted in the room as a closed decision: against an item
/// of a meeting under way, by its minute-taker or facilitators (who were
/// present counts); without an item, by the organisation's facilitators.
#[tracing::instrument(skip_all, fields(account = %viewer.id()))]
pub async fn record_counted_vote(
    state: &AppState,
    viewer: &Viewer,
    vote: decisions::CountedVote,
) -> AppResult<proposal::Model> {
    let txn = state.write().await?;
    let room = match vote.agenda_item_id {
        Some(item) => Some(room(&txn, viewer, item).await?),
        None => None,
    };
    let recorded = decisions::record_counted(&txn, state, viewer, vote, room).await?;
    txn.commit().await?;
    Ok(recorded)
}

async fn room(txn: &impl ConnectionTrait, viewer: &Viewer, item_id: Uuid) -> AppResult<Room> {
    let item = crate::entity::agenda_item::Entity::find_by_id(item_id)
        .one(txn)
        .await?
        .filter(|i| i.meeting_id.is_some())
        .ok_or_else(|| {
            AppError::validation(
                "agendaItemId",
                text!(en: "No such item on a meeting's agenda.", fr: "Aucun point de ce nom à l'ordre du jour d'une réunion."),
            )
        })?;
    let seen = seen(txn, Some(viewer), item.meeting_id.unwrap_or_default()).await?;
    if seen.status() != MeetingStatus::InProgress {
        return Err(AppError::conflict(text!(
            en: "A vote is recorded against an item of a meeting under way.",
            fr: "Un vote s'enregistre sur un point d'une réunion en cours."
        )));
    }
    require_writer(txn, viewer, &seen).await?;
    let mut present = 0;
    for line in super::attendance::sheet(txn, &seen).await? {
        let here = line.attendance.status.present();
        if here
            && bodies::includes(
                txn,
                &seen.organisation,
                &seen.body,
                line.attendance.account_id,
            )
            .await?
        {
            present += 1;
        }
    }
    Ok(Room {
        present,
        meeting: seen.into_subject().meeting,
        item_id,
    })
}

/// The meeting's minute-taker, or its facilitators.
async fn require_writer(txn: &impl ConnectionTrait, viewer: &Viewer, seen: &Seen) -> AppResult<()> {
    let taker =
        super::attendance::holds(txn, seen.meeting.id, viewer.id(), MeetingRole::MinuteTaker)
            .await?;
    if !taker {
        steered(txn, viewer, seen.meeting.id).await.map_err(|_| {
            AppError::forbidden(text!(
                en: "The meeting's minute-taker writes its minutes (or its facilitators).",
                fr: "La personne chargée du compte rendu le rédige (ou l'animation)."
            ))
        })?;
    }
    Ok(())
}

/// The meeting whose records the viewer publishes: ended, and the viewer
/// its minute-taker or a facilitator.
async fn publishing(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    meeting_id: Uuid,
) -> AppResult<Seen> {
    let seen = seen(txn, Some(viewer), meeting_id).await?;
    require_writer(txn, viewer, &seen).await?;
    if seen.status() != MeetingStatus::Ended {
        return Err(AppError::conflict(text!(
            en: "A meeting's minutes and decision record are published once it has ended.",
            fr: "Le compte rendu et le relevé de décisions d'une réunion se publient une fois celle-ci terminée."
        )));
    }
    Ok(seen)
}

fn already_published() -> AppError {
    AppError::conflict(text!(
        en: "These minutes are published: they change only by a visible amendment.",
        fr: "Ce compte rendu est publié : il ne change plus que par un amendement visible."
    ))
}

/// Saves the minutes as the minute-taker types, and holds the lock for
/// [`LOCK`] more; another editor meanwhile is refused (`CONFLICT`).
#[tracing::instrument(skip_all, fields(account = %viewer.id(), meeting = %meeting_id))]
pub async fn save(
    state: &AppState,
    viewer: &Viewer,
    meeting_id: Uuid,
    text: &str,
) -> AppResult<minutes::Model> {
    let text = rules::parse(text)?;
    let txn = state.write().await?;
    // The meeting's row first: two editors saving at once take turns.
    meeting::Entity::find_by_id(meeting_id)
        .lock_exclusive()
        .one(&txn)
        .await?;
    let seen = seen(&txn, Some(viewer), meeting_id).await?;
    if !matches!(
        seen.status(),
        MeetingStatus::InProgress | MeetingStatus::Ended
    ) {
        return Err(AppError::conflict(text!(
            en: "Minutes are written once the meeting has started.",
            fr: "Le compte rendu s'écrit une fois la réunion commencée."
        )));
    }
    require_writer(&txn, viewer, &seen).await?;
    let at = now();
    let existing = minutes::Entity::find_by_id(meeting_id).one(&txn).await?;
    if let Some(m) = &existing {
        if m.published_at.is_some() {
            return Err(already_published());
        }
        rules::may_edit(m.editor_id, m.locked_until, viewer.id(), at)?;
    }
    let html = forum::posts::render(&txn, &seen.organisation, &text)
        .await?
        .html;
    let row = minutes::ActiveModel {
        meeting_id: Set(meeting_id),
        source: Set(text),
        html: Set(html),
        editor_id: Set(Some(viewer.id())),
        locked_until: Set(Some(at + LOCK)),
        updated_at: Set(at),
        updated_by: Set(viewer.id()),
        published_at: Set(None),
        published_by: Set(None),
    };
    let saved = match existing {
        Some(_) => row.update(&txn).await?,
        None => row.insert(&txn).await?,
    };
    txn.commit().await?;
    Ok(saved)
}

/// The editor lets go of the lock before it lapses.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), meeting = %meeting_id))]
pub async fn release(state: &AppState, viewer: &Viewer, meeting_id: Uuid) -> AppResult<()> {
    let txn = state.write().await?;
    seen(&txn, Some(viewer), meeting_id).await?;
    minutes::Entity::update_many()
        .col_expr(minutes::Column::EditorId, Expr::value(Option::<Uuid>::None))
        .col_expr(
            minutes::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(minutes::Column::MeetingId.eq(meeting_id))
        .filter(minutes::Column::EditorId.eq(viewer.id()))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// A meeting's minutes and decision record, as records published from it.
pub const RECORD_SOURCES: [records::Source; 2] = [
    records::Source {
        kind: RecordKind::Minutes,
        publish: |state, viewer, meeting, visibility| {
            Box::pin(
                async move { Ok(publish_minutes(state, viewer, meeting, visibility).await?.1) },
            )
        },
    },
    records::Source {
        kind: RecordKind::DecisionRecord,
        publish: |state, viewer, meeting, visibility| {
            Box::pin(publish_decisions(state, viewer, meeting, visibility))
        },
    },
];

/// Publishes the minutes of a meeting that has ended, once.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), meeting = %meeting_id))]
pub async fn publish_minutes(
    state: &AppState,
    viewer: &Viewer,
    meeting_id: Uuid,
    visibility: Option<RecordVisibility>,
) -> AppResult<(minutes::Model, record::Model)> {
    let txn = state.write().await?;
    let seen = publishing(&txn, viewer, meeting_id).await?;
    let Some(found) = minutes::Entity::find_by_id(meeting_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .filter(|m| !m.source.trim().is_empty())
    else {
        return Err(AppError::validation(
            "text",
            text!(en: "There are no minutes to publish yet.", fr: "Il n'y a pas encore de compte rendu à publier."),
        ));
    };
    if found.published_at.is_some() {
        return Err(already_published());
    }
    let mut active: minutes::ActiveModel = found.into();
    active.published_at = Set(Some(now()));
    active.published_by = Set(Some(viewer.id()));
    active.editor_id = Set(None);
    active.locked_until = Set(None);
    let published = active.update(&txn).await?;
    let record = records::insert(
        &txn,
        records::NewRow {
            organisation: &seen.organisation,
            body_id: seen.meeting.body_id,
            kind: RecordKind::Minutes,
            source_id: Some(meeting_id),
            title: record_title(&seen, RecordKind::Minutes),
            text: published.source.clone(),
            visibility: visibility.unwrap_or(seen.meeting.visibility.of_records()),
            by: viewer.id(),
            at: crate::service::now(),
        },
    )
    .await?;
    publish(&txn, &seen.meeting, MeetingChange::Ended);
    txn.commit().await?;
    Ok((published, record))
}

/// "Compte rendu — Assemblée générale du 12 mars — 2026-03-12", in the
/// organisation's language.
fn record_title(seen: &Seen, kind: RecordKind) -> String {
    let locale = crate::service::organisations::locale_of(&seen.organisation);
    let day = seen
        .meeting
        .started_at
        .or(seen.meeting.starts_at)
        .map(|t| crate::service::memberships::date_in(&seen.organisation, t).to_string())
        .unwrap_or_default();
    let title: String = format!(
        "{} — {} — {day}",
        kind.label().in_locale(locale),
        seen.meeting.title
    )
    .chars()
    .take(crate::domain::forum::MAX_TITLE_CHARS)
    .collect();
    title
}

/// Publishes a meeting's decision record, made from its decisions
/// ([`decision_record`]), once the meeting has ended.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), meeting = %meeting_id))]
pub async fn publish_decisions(
    state: &AppState,
    viewer: &Viewer,
    meeting_id: Uuid,
    visibility: Option<RecordVisibility>,
) -> AppResult<record::Model> {
    let txn = state.write().await?;
    let seen = publishing(&txn, viewer, meeting_id).await?;
    let decisions = decision_record(&txn, &seen).await?;
    let locale = crate::service::organisations::locale_of(&seen.organisation);
    let text = crate::service::records::compose::decisions(&decisions, locale);
    let record = records::insert(
        &txn,
        records::NewRow {
            organisation: &seen.organisation,
            body_id: seen.meeting.body_id,
            kind: RecordKind::DecisionRecord,
            source_id: Some(meeting_id),
            title: record_title(&seen, RecordKind::DecisionRecord),
            text,
            visibility: visibility.unwrap_or(seen.meeting.visibility.of_records()),
            by: viewer.id(),
            at: crate::service::now(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(record)
}

/// A meeting's minutes, if drafted.
pub async fn of(
    conn: &impl ConnectionTrait,
    meeting_id: Uuid,
) -> AppResult<Option<minutes::Model>> {
    Ok(minutes::Entity::find_by_id(meeting_id).one(conn).await?)
}

/// A meeting's minutes as the viewer may read them: published ones for
/// everyone who sees the meeting, drafts for the organisation's people.
pub async fn seen_by(
    conn: &impl ConnectionTrait,
    seen: &Seen,
) -> AppResult<Option<minutes::Model>> {
    Ok(of(conn, seen.meeting.id)
        .await?
        .filter(|m| m.published_at.is_some() || seen.reader.is_some()))
}

/// When a meeting's minutes are due: a day (the setting) after it ended.
pub fn due(state: &AppState, m: &meeting::Model) -> Option<DateTime<Utc>> {
    m.ended_at
        .map(|end| rules::due(end, state.settings.meetings.minutes_due_hours))
}

/// The decision record: the decisions taken in the meeting, and the body's
/// proposals (the organisation's too, for its assembly) closed since its
/// previous meeting — oldest first.
pub async fn decision_record(
    conn: &impl ConnectionTrait,
    seen: &Seen,
) -> AppResult<Vec<proposal::Model>> {
    let m = &seen.meeting;
    let Some(started) = m.started_at else {
        return Ok(Vec::new());
    };
    let previous = meeting::Entity::find()
        .filter(meeting::Column::BodyId.eq(m.body_id))
        .filter(meeting::Column::StartedAt.lt(started))
        .order_by_desc(meeting::Column::StartedAt)
        .one(conn)
        .await?
        .and_then(|p| p.started_at);
    let mut of_body = Condition::any().add(proposal::Column::BodyId.eq(m.body_id));
    if bodies::kind_of(&seen.body).is_assembly() {
        of_body = of_body.add(proposal::Column::BodyId.is_null());
    }
    let mut closed = Condition::all()
        .add(of_body)
        .add(proposal::Column::MeetingId.is_null())
        .add(proposal::Column::ClosedAt.is_not_null())
        .add(proposal::Column::ClosedAt.lte(m.ended_at.unwrap_or_else(now)));
    if let Some(previous) = previous {
        closed = closed.add(proposal::Column::ClosedAt.gt(previous));
    }
    Ok(proposal::Entity::find()
        .filter(proposal::Column::OrganisationId.eq(m.organisation_id))
        .filter(
            Condition::any()
                .add(proposal::Column::MeetingId.eq(m.id))
                .add(closed),
        )
        .order_by_asc(proposal::Column::ClosedAt)
        .all(conn)
        .await?)
}

/// An organisation's meetings whose minutes are late, for the viewer.
pub async fn overdue(
    state: &AppState,
    viewer: Option<&Viewer>,
    organisation_id: Uuid,
) -> AppResult<Vec<Seen>> {
    let hours = state.settings.meetings.minutes_due_hours;
    let cutoff = now() - chrono::Duration::hours(i64::from(hours));
    let period = super::Period {
        from: None,
        to: None,
        body_id: None,
    };
    let ended: Vec<Seen> = super::calendar(&state.db, viewer, organisation_id, period)
        .await?
        .into_iter()
        .filter(|s| s.meeting.ended_at.is_some_and(|e| e < cutoff))
        .collect();
    let published: std::collections::HashSet<Uuid> = minutes::Entity::find()
        .filter(minutes::Column::MeetingId.is_in(ended.iter().map(|s| s.meeting.id)))
        .filter(minutes::Column::PublishedAt.is_not_null())
        .all(&state.db)
        .await?
        .into_iter()
        .map(|m| m.meeting_id)
        .collect();
    Ok(ended
        .into_iter()
        .filter(|s| !published.contains(&s.meeting.id))
        .collect())
}
