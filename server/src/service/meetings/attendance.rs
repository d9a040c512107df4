//! The roles mandated at the start of a meeting, and its attendance sheet
//! [émargement]: present in person or online, excused, absent; first-time
//! attendees flagged so that the facilitators welcome them.

use std::collections::HashSet;

use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, QueryOrder, QuerySelect};

use super::{Seen, publish, seen, steered};
use crate::domain::meeting::{MeetingRole, MeetingStatus, Presence};
use crate::entity::{attendance, meeting, meeting_role};
use crate::error::{AppError, AppResult};
use crate::events::MeetingChange;
use crate::i18n::{Locale, Text};
use crate::service::governance::{bodies, positions};
use crate::service::now;
use crate::service::sessions::Viewer;
use crate::service::{accounts, memberships};
use crate::state::AppState;
use crate::text;

/// Does this person hold this role in this meeting?
pub async fn holds(
    conn: &impl ConnectionTrait,
    meeting_id: Uuid,
    account_id: Uuid,
    role: MeetingRole,
) -> AppResult<bool> {
    Ok(
        meeting_role::Entity::find_by_id((meeting_id, role, account_id))
            .one(conn)
            .await?
            .is_some(),
    )
}

fn require_not_over(seen: &Seen) -> AppResult<()> {
    if matches!(
        seen.status(),
        MeetingStatus::Ended | MeetingStatus::Cancelled
    ) {
        return Err(AppError::conflict(text!(
            en: "This meeting is over or cancelled.",
            fr: "Cette réunion est terminée ou annulée."
        )));
    }
    Ok(())
}

/// Someone who may take part: one of the body's people, or a member of the
/// organisation (a public meeting welcomes them too).
async fn require_participant(
    conn: &impl ConnectionTrait,
    seen: &Seen,
    account_id: Uuid,
) -> AppResult<()> {
    let member = memberships::active(conn, seen.organisation.id, account_id)
        .await?
        .is_some();
    if member || bodies::includes(conn, &seen.organisation, &seen.body, account_id).await? {
        return Ok(());
    }
    Err(AppError::validation(
        "accountId",
        text!(en: "This person is neither in the organisation nor in the body.", fr: "Cette personne n'est ni dans l'organisation ni dans l'instance."),
    ))
}

/// Mandates someone to a role of the meeting (the organisation's or the
/// meeting's facilitators). One holder per role, two facilitators at most,
/// under the meeting's parity rule.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), meeting = %meeting_id))]
pub async fn assign(
    state: &AppState,
    viewer: &Viewer,
    meeting_id: Uuid,
    role: MeetingRole,
    account_id: Uuid,
) -> AppResult<Vec<meeting_role::Model>> {
    let txn = state.write().await?;
    let seen = steered(&txn, viewer, meeting_id).await?;
    require_not_over(&seen)?;
    require_participant(&txn, &seen, account_id).await?;
    let holders: Vec<Uuid> = meeting_role::Entity::find()
        .select_only()
        .column(meeting_role::Column::AccountId)
        .filter(meeting_role::Column::MeetingId.eq(meeting_id))
        .filter(meeting_role::Column::Role.eq(role.as_str()))
        .into_tuple()
        .all(&txn)
        .await?;
    if holders.contains(&account_id) {
        return Err(AppError::conflict(text!(
            en: "This person already holds this role.",
            fr: "Cette personne tient déjà ce rôle."
        )));
    }
    if role.seats() == 1 {
        // One holder: the new one replaces the previous.
        meeting_role::Entity::delete_many()
            .filter(meeting_role::Column::MeetingId.eq(meeting_id))
            .filter(meeting_role::Column::Role.eq(role.as_str()))
            .exec(&txn)
            .await?;
    } else if holders.len() >= role.seats() {
        return Err(AppError::conflict(text!(
            en: "A meeting has two facilitators at most: release one first.",
            fr: "Une réunion a deux personnes à l'animation au plus : libérez-en une d'abord."
        )));
    } else if let [other] = holders.as_slice() {
        let rule = seen.meeting.facilitator_parity;
        positions::check_pair(&txn, &seen.organisation, rule, &[*other, account_id]).await?;
    }
    meeting_role::ActiveModel {
        meeting_id: Set(meeting_id),
        role: Set(role),
        account_id: Set(account_id),
        assigned_by: Set(viewer.id()),
        assigned_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    let all = roles(&txn, meeting_id).await?;
    publish(&txn, &seen.meeting, MeetingChange::Attendance);
    txn.commit().await?;
    Ok(all)
}

/// Releases someone from a role.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), meeting = %meeting_id))]
pub async fn release(
    state: &AppState,
    viewer: &Viewer,
    meeting_id: Uuid,
    role: MeetingRole,
    account_id: Uuid,
) -> AppResult<Vec<meeting_role::Model>> {
    let txn = state.write().await?;
    let seen = steered(&txn, viewer, meeting_id).await?;
    require_not_over(&seen)?;
    meeting_role::Entity::delete_by_id((meeting_id, role, account_id))
        .exec(&txn)
        .await?;
    let all = roles(&txn, meeting_id).await?;
    publish(&txn, &seen.meeting, MeetingChange::Attendance);
    txn.commit().await?;
    Ok(all)
}

/// A meeting's roles, in order of assignment.
pub async fn roles(
    conn: &impl ConnectionTrait,
    meeting_id: Uuid,
) -> AppResult<Vec<meeting_role::Model>> {
    Ok(meeting_role::Entity::find()
        .filter(meeting_role::Column::MeetingId.eq(meeting_id))
        .order_by_asc(meeting_role::Column::AssignedAt)
        .all(conn)
        .await?)
}

/// Signs the attendance sheet: oneself (present, online or excused), or
/// anyone for the facilitators and the minute-taker.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), meeting = %meeting_id))]
pub async fn mark(
    state: &AppState,
    viewer: &Viewer,
    meeting_id: Uuid,
    account_id: Option<Uuid>,
    presence: Presence,
) -> AppResult<attendance::Model> {
    let txn = state.write().await?;
    let seen = seen(&txn, Some(viewer), meeting_id).await?;
    require_not_over(&seen)?;
    let account_id = account_id.unwrap_or(viewer.id());
    let for_oneself = account_id == viewer.id() && presence != Presence::Absent;
    if !for_oneself && !holds(&txn, meeting_id, viewer.id(), MeetingRole::MinuteTaker).await? {
        steered(&txn, viewer, meeting_id).await?;
    }
    require_participant(&txn, &seen, account_id).await?;
    let line = attendance::ActiveModel {
        meeting_id: Set(meeting_id),
        account_id: Set(account_id),
        status: Set(presence),
        marked_by: Set(viewer.id()),
        marked_at: Set(now()),
    };
    let existing = attendance::Entity::find_by_id((meeting_id, account_id))
        .one(&txn)
        .await?;
    let saved = match existing {
        Some(_) => line.update(&txn).await?,
        None => line.insert(&txn).await?,
    };
    publish(&txn, &seen.meeting, MeetingChange::Attendance);
    txn.commit().await?;
    Ok(saved)
}

/// A line of the sheet, with whether it is the person's first meeting of
/// this body.
pub struct Line {
    pub attendance: attendance::Model,
    pub first_time: bool,
}

/// The attendance sheet, in the order people signed it.
pub async fn sheet(conn: &impl ConnectionTrait, seen: &Seen) -> AppResult<Vec<Line>> {
    let lines = attendance::Entity::find()
        .filter(attendance::Column::MeetingId.eq(seen.meeting.id))
        .order_by_asc(attendance::Column::MarkedAt)
        .all(conn)
        .await?;
    // Who was present at an earlier meeting of the body.
    let earlier: Vec<Uuid> = meeting::Entity::find()
        .select_only()
        .column(meeting::Column::Id)
        .filter(meeting::Column::BodyId.eq(seen.body.id))
        .filter(meeting::Column::Id.ne(seen.meeting.id))
        .filter(meeting::Column::StartedAt.is_not_null())
        .filter(meeting::Column::StartedAt.lt(seen.meeting.started_at.unwrap_or_else(now)))
        .into_tuple()
        .all(conn)
        .await?;
    let present = [Presence::InPerson, Presence::Online];
    let regulars: HashSet<Uuid> = attendance::Entity::find()
        .select_only()
        .column(attendance::Column::AccountId)
        .filter(attendance::Column::MeetingId.is_in(earlier))
        .filter(attendance::Column::AccountId.is_in(lines.iter().map(|l| l.account_id)))
        .filter(attendance::Column::Status.is_in(present))
        .into_tuple()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    Ok(lines
        .into_iter()
        .map(|attendance| Line {
            first_time: !regulars.contains(&attendance.account_id) && attendance.status.present(),
            attendance,
        })
        .collect())
}

/// The attendance sheet for the organisation's people; nothing for a
/// visitor of a public meeting (it names people).
pub async fn sheet_seen_by(conn: &impl ConnectionTrait, seen: &Seen) -> AppResult<Vec<Line>> {
    if seen.reader.is_none() {
        return Ok(Vec::new());
    }
    sheet(conn, seen).await
}

/// How many people are present, in the room or online: one count.
pub async fn present(conn: &impl ConnectionTrait, meeting_id: Uuid) -> AppResult<u32> {
    let present = [Presence::InPerson, Presence::Online];
    let count = attendance::Entity::find()
        .filter(attendance::Column::MeetingId.eq(meeting_id))
        .filter(attendance::Column::Status.is_in(present))
        .count(conn)
        .await?;
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}

/// The attendance sheet as CSV for the secretariat (the organisation's
/// facilitators and the meeting's), in the reader's language.
pub async fn csv(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    seen: &Seen,
    locale: Locale,
) -> AppResult<String> {
    steered(conn, viewer, seen.meeting.id).await?;
    // Emails are private fields: the organisation's facilitators and admins
    // read them, not a member holding the meeting's facilitator role.
    let emails = seen.moderates();
    let lines = sheet(conn, seen).await?;
    let people = accounts::by_ids(conn, lines.iter().map(|l| l.attendance.account_id)).await?;
    let t = |text: Text| text.in_locale(locale).to_owned();
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        t(text!(en: "Name", fr: "Nom")),
        t(text!(en: "Email", fr: "Courriel")),
        t(text!(en: "Attendance", fr: "Présence")),
        t(text!(en: "First time", fr: "Première fois")),
        t(text!(en: "Signed at", fr: "Émargé le")),
    ])
    .map_err(AppError::internal)?;
    for line in &lines {
        let person = people.get(&line.attendance.account_id);
        let presence = match line.attendance.status {
            Presence::InPerson => t(text!(en: "present", fr: "présent·e")),
            Presence::Online => t(text!(en: "online", fr: "en ligne")),
            Presence::Excused => t(text!(en: "excused", fr: "excusé·e")),
            Presence::Absent => t(text!(en: "absent", fr: "absent·e")),
        };
        let first = match line.first_time {
            true => t(text!(en: "yes", fr: "oui")),
            false => t(text!(en: "no", fr: "non")),
        };
        out.write_record([
            person.map(|p| p.display_name.clone()).unwrap_or_default(),
            person
                .filter(|_| emails)
                .map(|p| p.email.clone())
                .unwrap_or_default(),
            presence,
            first,
            line.attendance.marked_at.to_rfc3339(),
        ])
        .map_err(AppError::internal)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))?;
    String::from_utf8(bytes).map_err(AppError::internal)
}
