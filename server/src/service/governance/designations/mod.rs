//! Designations: a call for candidacies on a position, candidacies and
//! nominations, the vote that designates (candidates recused from it), and
//! how a call ends — designated, unfilled (a new call follows), or reported
//! upward to the parent organisation when no consensus emerged.

mod candidacies;
mod ending;
mod vote;

pub use candidacies::*;
pub use ending::*;
pub use vote::*;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, QueryOrder, QuerySelect};
use serde_json::{Value, json};

use super::positions::{self, Term};
use super::{Grounds, bodies, is_facilitator};
use crate::domain::account::Gender;
use crate::domain::designation::{
    Ballot, CallStatus, CandidacyStatus, Outcome, ballot_for, call_status, choose_holders,
    may_designate, require_applications, require_changeable, require_nominations,
};
use crate::domain::forum::{parse_body, parse_reason};
use crate::domain::governance::check_parity;
use crate::domain::organisation::parse_description;
use crate::domain::proposal::{self, ElectorateRule, ReasonPolicy, ResultsVisibility};
use crate::entity::{
    body, candidacy, designation_call, elector, mandate, organisation, position,
    proposal as proposal_entity,
};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::i18n::Locale;
use crate::service::forum::{self, threads};
use crate::service::memberships;
use crate::service::proposals::{self, Designating, NewProposal};
use crate::service::sessions::Viewer;
use crate::service::{accounts, new_id, now, organisations};
use crate::state::AppState;
use crate::text;
use crate::write::Unit;

/// A call with where it stands now, and its latest designation vote.
#[derive(Clone)]
pub struct Call {
    pub call: designation_call::Model,
    pub status: CallStatus,
    pub vote: Option<proposal_entity::Model>,
}

fn call_not_found() -> AppError {
    AppError::not_found(
        text!(en: "No such call for candidacies.", fr: "Cet appel à candidatures n'existe pas."),
    )
}

fn candidacy_not_found() -> AppError {
    AppError::not_found(text!(en: "No such candidacy.", fr: "Cette candidature n'existe pas."))
}

fn outcome_of(call: &designation_call::Model) -> Option<Outcome> {
    call.outcome
}

/// Where a call stands, with its latest designation vote.
pub async fn load(conn: &impl ConnectionTrait, call: designation_call::Model) -> AppResult<Call> {
    let vote = proposal_entity::Entity::find()
        .filter(proposal_entity::Column::DesignationCallId.eq(call.id))
        .order_by_desc(proposal_entity::Column::CreatedAt)
        .order_by_desc(proposal_entity::Column::Id)
        .one(conn)
        .await?;
    // A consensus counted but not yet checked is still being decided.
    let stage = vote.as_ref().map(|p| match awaits_check(p) {
        true => proposal::Status::Open,
        false => proposal::status(p.opened_at, p.closed_at),
    });
    let status = call_status(
        now(),
        call.opens_at,
        call.closes_at,
        outcome_of(&call),
        stage,
    );
    Ok(Call { call, status, vote })
}

/// A call, its row locked for the rest of the transaction (PostgreSQL), so
/// that acts on one call happen one after the other.
async fn locked(conn: &impl ConnectionTrait, id: Uuid) -> AppResult<Call> {
    let call = designation_call::Entity::find_by_id(id)
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or_else(call_not_found)?;
    load(conn, call).await
}

/// The organisation's member in good standing, or a facilitator.
async fn require_good_standing(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    organisation: &organisation::Model,
) -> AppResult<()> {
    let m = memberships::require_member(conn, viewer, organisation.id).await?;
    if !memberships::takes_part(&m, organisation) {
        return Err(AppError::forbidden(text!(
            en: "Only members in good standing take part in designations.",
            fr: "Seuls les membres à jour de cotisation prennent part aux désignations."
        )));
    }
    Ok(())
}

/// Someone who may stand: a member of the organisation in good standing.
async fn require_eligible(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    account_id: Uuid,
) -> AppResult<()> {
    let eligible = memberships::active(conn, organisation.id, account_id)
        .await?
        .is_some_and(|m| memberships::in_good_standing(&m, organisation));
    if !eligible {
        return Err(AppError::validation(
            "accountId",
            text!(
                en: "Only a member of the organisation in good standing stands for a position.",
                fr: "Seul·e un·e membre de l'organisation à jour de cotisation se porte candidat·e à un poste."
            ),
        ));
    }
    Ok(())
}

pub struct NewCall {
    pub position_id: Uuid,
    /// Now when absent.
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: DateTime<Utc>,
    pub term_starts_on: Option<NaiveDate>,
    pub term_ends_on: Option<NaiveDate>,
    /// Markdown: what the body expects, how to apply.
    pub note: String,
}

/// Opens a call for candidacies on a position (facilitators), with the
/// thread where the position is deliberated. One call at a time per position.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), position = %input.position_id))]
pub async fn open_call(state: &AppState, viewer: &Viewer, input: NewCall) -> AppResult<Call> {
    let note = parse_description(&input.note).map_err(|e| e.with_field("note"))?;
    let at = now();
    let opens_at = input.opens_at.filter(|t| *t > at).unwrap_or(at);
    if input.closes_at <= opens_at {
        return Err(AppError::validation(
            "closesAt",
            text!(en: "Candidacies close after they open.", fr: "Les candidatures se closent après leur ouverture."),
        ));
    }
    if let (Some(start), Some(end)) = (input.term_starts_on, input.term_ends_on)
        && end < start
    {
        return Err(AppError::validation(
            "termEndsOn",
            text!(en: "A mandate ends after it starts.", fr: "Un mandat se termine après avoir commencé."),
        ));
    }
    let txn = state.write().await?;
    let found = positions::find(&txn, input.position_id).await?;
    let organisation = organisations::get(&txn, found.organisation_id).await?;
    memberships::require_role(&txn, viewer, organisation.id, is_facilitator).await?;
    let body = super::mandate_body(&txn, found.body_id).await?;
    let running = designation_call::Entity::find()
        .filter(designation_call::Column::PositionId.eq(found.id))
        .filter(designation_call::Column::Outcome.is_null())
        .count(&txn)
        .await?;
    if running > 0 {
        return Err(AppError::conflict(text!(
            en: "A call for candidacies on this position is under way: end it first (designate, declare the position unfilled, or report upward).",
            fr: "Un appel à candidatures est en cours pour ce poste : terminez-le d'abord (désignation, poste non pourvu ou remontée)."
        )));
    }
    let id = new_id();
    let place = forum::place_of_category(&txn, Some(viewer), body.category_id).await?;
    let locale = crate::service::organisations::locale_of(&organisation);
    let title = found.title.clone();
    let title = text!(en: "Designation: {title}", fr: "Désignation : {title}")
        .in_locale(locale)
        .to_owned();
    let opening = deliberation_post(&found, &note, input.closes_at, locale);
    let (thread, _) = threads::insert(
        &txn,
        &place,
        viewer.id(),
        title,
        opening,
        Vec::new(),
        Some(id),
    )
    .await?;
    let note_html = forum::posts::render(&txn, &organisation, &note).await?.html;
    let created = designation_call::ActiveModel {
        id: Set(id),
        organisation_id: Set(organisation.id),
        position_id: Set(found.id),
        note_source: Set(note),
        note_html: Set(note_html),
        opens_at: Set(opens_at),
        closes_at: Set(input.closes_at),
        term_starts_on: Set(input.term_starts_on),
        term_ends_on: Set(input.term_ends_on),
        thread_id: Set(thread.id),
        outcome: Set(None),
        outcome_note: Set(None),
        outcome_at: Set(None),
        outcome_by: Set(None),
        reported_to: Set(None),
        report: Set(None),
        created_by: Set(viewer.id()),
        created_at: Set(at),
    }
    .insert(&txn)
    .await?;
    let call = load(&txn, created).await?;
    forum::publish(
        &txn,
        &thread,
        None,
        crate::events::ForumChange::ThreadStarted,
    );
    txn.commit().await?;
    Ok(call)
}

/// Closes candidacies now rather than at the date set (facilitators): the
/// body moves on to study them.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), call = %id))]
pub async fn close_candidacies(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<Call> {
    let txn = state.write().await?;
    let call = locked(&txn, id).await?;
    memberships::require_role(&txn, viewer, call.call.organisation_id, is_facilitator).await?;
    if !matches!(call.status, CallStatus::Upcoming | CallStatus::Open) {
        return Err(AppError::new(
            ErrorCode::CallClosed,
            text!(en: "Candidacies are already closed.", fr: "Les candidatures sont déjà closes."),
        ));
    }
    let at = now();
    let mut active: designation_call::ActiveModel = call.call.into();
    active.opens_at = Set(at.min(*active.opens_at.as_ref()));
    active.closes_at = Set(at);
    let closed = active.update(&txn).await?;
    let closed = load(&txn, closed).await?;
    txn.commit().await?;
    Ok(closed)
}

/// The opening post of a position's deliberation: the call's note, the
/// qualities sought and the closing date, in the organisation's language.
fn deliberation_post(
    found: &position::Model,
    note: &str,
    closes_at: DateTime<Utc>,
    locale: Locale,
) -> String {
    let qualities: Vec<String> =
        serde_json::from_value(found.qualities.clone()).unwrap_or_default();
    let mut post = String::new();
    if !note.is_empty() {
        post.push_str(note);
        post.push_str("\n\n");
    }
    if !qualities.is_empty() {
        post.push_str(
            text!(en: "**Qualities sought**", fr: "**Qualités recherchées**").in_locale(locale),
        );
        post.push('\n');
        for quality in qualities {
            post.push_str(&format!("- {quality}\n"));
        }
        post.push('\n');
    }
    let until = closes_at.format("%Y-%m-%d %H:%M UTC");
    post.push_str(
        text!(en: "Candidacies are open until {until}.", fr: "Les candidatures sont ouvertes jusqu'au {until}.")
            .in_locale(locale),
    );
    post
}

/// A call the viewer may see: the organisation's people see its calls.
pub async fn seen(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<Call> {
    let call = designation_call::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(call_not_found)?;
    // Outside the organisation, a call is as unknown as one that never was.
    memberships::active(&state.db, call.organisation_id, viewer.id())
        .await?
        .ok_or_else(call_not_found)?;
    load(&state.db, call).await
}

/// A position's calls, newest first (the organisation's people).
pub async fn of_position(
    state: &AppState,
    viewer: &Viewer,
    found: &position::Model,
) -> AppResult<Vec<Call>> {
    memberships::require_member(&state.db, viewer, found.organisation_id).await?;
    let rows = designation_call::Entity::find()
        .filter(designation_call::Column::PositionId.eq(found.id))
        .order_by_desc(designation_call::Column::CreatedAt)
        .all(&state.db)
        .await?;
    let mut calls = Vec::with_capacity(rows.len());
    for row in rows {
        calls.push(load(&state.db, row).await?);
    }
    Ok(calls)
}
