//! Decisions: a closed proposal with its result and its outcome statement;
//! ratification by the next assembly when the proposal asked for it; and
//! votes counted in the room, recorded as decisions of their own.

use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, QueryOrder};
use serde_json::Value;

use super::closing::{count, sha256_hex};
use super::{Question, Seen, new_row, seen};
use crate::domain::access::can_manage_members;
use crate::domain::decision::{self, Spec};
use crate::write::Unit;

use crate::domain::proposal::{ElectorateRule, ResultsVisibility};
use crate::entity::proposal as entity;
use crate::error::{AppError, AppResult};
use crate::service::forum::posts;
use crate::service::governance;
use crate::service::memberships::require_role;
use crate::service::sessions::Viewer;
use crate::service::{now, organisations};
use crate::state::AppState;
use crate::text;

/// Where a decision stands with the assembly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum Ratification {
    NotNeeded,
    /// Closed, waiting for the next assembly.
    Pending,
    Ratified,
    Rejected,
}

pub fn ratification(p: &entity::Model) -> Ratification {
    match (p.needs_ratification, p.ratification.as_deref()) {
        (false, _) => Ratification::NotNeeded,
        (true, Some("ratified")) => Ratification::Ratified,
        (true, Some("rejected")) => Ratification::Rejected,
        (true, _) => Ratification::Pending,
    }
}

fn require_closed(p: &entity::Model) -> AppResult<()> {
    if p.closed_at.is_none() {
        return Err(AppError::conflict(text!(
            en: "The proposal is still open: its outcome comes once it is closed.",
            fr: "La proposition est encore ouverte : son issue vient une fois close."
        )));
    }
    Ok(())
}

/// Writes the outcome statement of a closed proposal (its author or a
/// facilitator); it may be rewritten until the decision is ratified or rejected.
pub async fn write_outcome(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    statement: &str,
) -> AppResult<entity::Model> {
    let statement = crate::domain::forum::parse_body(statement, state.settings.forum.max_body_bytes)
        .map_err(|_| {
            AppError::validation(
                "statement",
                text!(en: "An outcome says what was decided: it cannot be empty or too long.", fr: "Une issue dit ce qui a été décidé : elle ne peut être vide ni trop longue."),
            )
        })?;
    let txn = state.write().await?;
    let seen: Seen = seen(&txn, Some(viewer), id).await?;
    if !seen.steers(Some(viewer)) {
        return Err(AppError::forbidden(text!(
            en: "Only the proposal's author or a facilitator writes its outcome.",
            fr: "Seuls l'auteur·rice de la proposition ou un·e facilitateur·rice en écrivent l'issue."
        )));
    }
    require_closed(&seen.proposal)?;
    if matches!(
        ratification(&seen.proposal),
        Ratification::Ratified | Ratification::Rejected
    ) {
        return Err(AppError::conflict(text!(
            en: "The assembly has already ruled on this decision: its outcome no longer changes.",
            fr: "L'assemblée s'est déjà prononcée sur cette décision : son issue ne change plus."
        )));
    }
    let rendered = posts::render(&txn, &seen.organisation, &statement).await?;
    let mut active: entity::ActiveModel = seen.into_subject().proposal.into();
    active.outcome_source = Set(Some(statement));
    active.outcome_html = Set(Some(rendered.html));
    active.outcome_by = Set(Some(viewer.id()));
    active.outcome_at = Set(Some(now()));
    let written = active.update(&txn).await?;
    crate::service::indexing::enqueue(
        &txn,
        &[crate::service::indexing::DocRef::Proposal(written.id)],
    )
    .await?;
    txn.commit().await?;
    Ok(written)
}

/// Records the assembly's ruling on a decision that needed ratification (facilitators).
pub async fn ratify(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    ratified: bool,
    note: Option<&str>,
) -> AppResult<entity::Model> {
    let txn = state.write().await?;
    let seen: Seen = seen(&txn, Some(viewer), id).await?;
    require_role(&txn, viewer, seen.organisation.id, can_manage_members).await?;
    require_closed(&seen.proposal)?;
    match ratification(&seen.proposal) {
        Ratification::Pending => {}
        Ratification::NotNeeded => {
            return Err(AppError::conflict(text!(
                en: "This decision does not need ratification.",
                fr: "Cette décision n'a pas besoin d'être ratifiée."
            )));
        }
        _ => {
            return Err(AppError::conflict(text!(
                en: "The assembly has already ruled on this decision.",
                fr: "L'assemblée s'est déjà prononcée sur cette décision."
            )));
        }
    }
    let mut active: entity::ActiveModel = seen.into_subject().proposal.into();
    active.ratification = Set(Some(if ratified { "ratified" } else { "rejected" }.into()));
    active.ratification_note = Set(note
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned));
    active.ratified_by = Set(Some(viewer.id()));
    active.ratified_at = Set(Some(now()));
    let ruled = active.update(&txn).await?;
    txn.commit().await?;
    Ok(ruled)
}

/// Closed decisions waiting for the assembly's ratification that the
/// viewer may see, oldest first.
pub async fn pending_ratifications(
    conn: &impl ConnectionTrait,
    viewer: Option<&Viewer>,
    organisation_id: Uuid,
) -> AppResult<Vec<Seen>> {
    let organisation = organisations::get(conn, organisation_id).await?;
    let rows = entity::Entity::find()
        .filter(entity::Column::OrganisationId.eq(organisation_id))
        .filter(entity::Column::NeedsRatification.eq(true))
        .filter(entity::Column::ClosedAt.is_not_null())
        .filter(entity::Column::Ratification.is_null())
        .order_by_asc(entity::Column::ClosedAt)
        .all(conn)
        .await?;
    super::seen_many(conn, viewer, organisation, rows).await
}

/// A vote taken in the room, as the minute-taker counted it.
pub struct CountedVote {
    pub organisation_id: Uuid,
    pub thread_id: Option<Uuid>,
    pub title: String,
    pub details: String,
    pub method: String,
    pub options: Vec<String>,
    pub settings: Value,
    pub quorum: Option<String>,
    /// People present and entitled to vote: the electorate of this vote.
    /// Against an agenda item, at most (and by default) those marked present.
    pub present: Option<u32>,
    /// The agenda item of the meeting under way where the vote was taken.
    pub agenda_item_id: Option<Uuid>,
    /// Each distinct ballot and how many times it was cast: `{"choice":
    /// "yes"}` × 12, or one line per objection noted in a consensus check.
    pub counts: Vec<(Value, u32)>,
    /// The body that voted; none for the organisation as a whole.
    pub body_id: Option<Uuid>,
    /// What the body's decision rests on (a secretariat's scope and mandates…).
    pub asked: governance::Asked,
}

/// Most ballots one counted vote records.
pub const MAX_COUNTED_BALLOTS: u64 = 1_000_000;

/// The meeting a vote was counted in, as the meetings tier found it: the
/// item voted on, and the number of the body's people marked present — its
/// electorate (a supporter attending an assembly does not vote).
pub struct Room {
    pub meeting: crate::entity::meeting::Model,
    pub item_id: Uuid,
    pub present: u32,
}

/// Records a vote counted in the room as a closed decision, inside `txn`:
/// `room` is the meeting's, already checked by the meetings tier
/// (`meetings::minutes::record_counted_vote`); without one, the
/// organisation's facilitators record it.
pub async fn record_counted(
    txn: &Unit,
    state: &AppState,
    viewer: &Viewer,
    vote: CountedVote,
    room: Option<Room>,
) -> AppResult<entity::Model> {
    let title = crate::domain::proposal::parse_title(&vote.title)?;
    let details =
        crate::domain::proposal::parse_details(&vote.details, state.settings.forum.max_body_bytes)?;
    let settings =
        crate::domain::proposal::settings_with_quorum(vote.settings, vote.quorum.as_deref())?;
    let organisation = organisations::get(txn, vote.organisation_id).await?;
    if room.is_none() {
        require_role(txn, viewer, organisation.id, can_manage_members).await?;
    }
    if room
        .as_ref()
        .is_some_and(|r| r.meeting.organisation_id != organisation.id)
    {
        return Err(AppError::validation(
            "agendaItemId",
            text!(en: "The meeting belongs to another organisation.", fr: "La réunion appartient à une autre organisation."),
        ));
    }
    let present = match (&room, vote.present) {
        (Some(r), Some(p)) if p > r.present => {
            let marked = r.present;
            return Err(AppError::validation(
                "present",
                text!(en: "Only {marked} people are marked present in this meeting.", fr: "Seules {marked} personnes sont marquées présentes à cette réunion."),
            ));
        }
        (_, Some(p)) => p,
        (Some(r), None) => r.present,
        (None, None) => 0,
    };
    if present == 0 {
        return Err(AppError::validation(
            "present",
            text!(en: "Say how many people were present to vote.", fr: "Indiquez combien de personnes étaient présentes pour voter."),
        ));
    }
    let total: u64 = vote.counts.iter().map(|(_, n)| u64::from(*n)).sum();
    if total > u64::from(present) || total > MAX_COUNTED_BALLOTS {
        return Err(AppError::validation(
            "counts",
            text!(en: "{total} ballots counted for {present} people present: there cannot be more ballots than voters.", fr: "{total} bulletins comptés pour {present} personnes présentes : il ne peut y avoir plus de bulletins que de votant·es."),
        ));
    }
    let spec = Spec {
        method: vote.method.trim().to_owned(),
        options: vote.options.iter().map(|o| o.trim().to_owned()).collect(),
        settings,
        electorate: Some(u64::from(present)),
    };
    let tally = decision::start(&spec).map_err(|e| AppError::validation("method", e))?;
    let mut file = serde_json::to_string(&spec).map_err(AppError::internal)?;
    file.push('\n');
    for (ballot, times) in &vote.counts {
        tally
            .check_json(ballot)
            .map_err(|r| AppError::validation("counts", r.message))?;
        let line = ballot.to_string();
        for _ in 0..*times {
            file.push_str(&line);
            file.push('\n');
        }
    }
    let outcome = count(&file)?;

    let body_id = vote.body_id.or(room.as_ref().map(|r| r.meeting.body_id));
    let body = match body_id {
        Some(id) => {
            let body = governance::body_of(txn, &organisation, id).await?;
            let basis = governance::basis(txn, &organisation, &body, vote.asked).await?;
            Some((body, basis))
        }
        None => None,
    };
    if let Some(thread_id) = vote.thread_id {
        let (place, _) =
            crate::service::forum::place_of_thread(txn, Some(viewer), thread_id).await?;
        if place.organisation.id != organisation.id {
            return Err(AppError::validation(
                "threadId",
                text!(en: "The discussion belongs to another organisation.", fr: "La discussion appartient à une autre organisation."),
            ));
        }
    }
    let rendered = posts::render(txn, &organisation, &details).await?;
    let at = now();
    let mut row = new_row(Question {
        organisation_id: organisation.id,
        thread_id: vote.thread_id,
        author_id: viewer.id(),
        title,
        details,
        details_html: rendered.html,
        spec: &spec,
        at,
    });
    row.electorate_rule = Set(ElectorateRule::Listed);
    // Paper ballots and raised hands are counted, not named.
    row.secret = Set(true);
    row.results_visibility = Set(ResultsVisibility::Always);
    row.changeable = Set(false);
    row.opened_at = Set(Some(at));
    row.electorate_size = Set(Some(i32::try_from(present).unwrap_or(i32::MAX)));
    row.meeting_id = Set(room.as_ref().map(|r| r.meeting.id));
    row.agenda_item_id = Set(room.as_ref().map(|r| r.item_id));
    row.closed_at = Set(Some(at));
    row.closed_by = Set(Some(viewer.id()));
    row.result = Set(Some(outcome));
    row.export_sha256 = Set(Some(sha256_hex(&file)));
    row.origin = Set("room".into());
    row.ballot_file = Set(Some(file));
    if let Some((body, basis)) = &body {
        super::set_basis(&mut row, body.id, basis);
    }
    let recorded = row.insert(txn).await?;
    if let Some((_, basis)) = &body {
        super::cite_mandates(txn, recorded.id, basis).await?;
    }
    crate::service::indexing::enqueue(
        txn,
        &[crate::service::indexing::DocRef::Proposal(recorded.id)],
    )
    .await?;
    Ok(recorded)
}
