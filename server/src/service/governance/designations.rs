//! Designations: a call for candidacies on a position, candidacies and
//! nominations, the vote that designates (candidates recused from it), and
//! how a call ends — designated, unfilled (a new call follows), or reported
//! upward to the parent organisation when no consensus emerged.

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

/// A candidacy with what the register says of the person on this position.
pub struct Standing {
    pub candidacy: candidacy::Model,
    /// Whether the person holds or held this position (outgoing holders
    /// may apply again; renewing people is valued, and the record shows it).
    pub outgoing: bool,
    /// Days they held it so far.
    pub held_days: i64,
}

impl Standing {
    /// A candidacy just written, by someone whose record is read elsewhere.
    pub fn new(candidacy: candidacy::Model) -> Standing {
        Standing {
            candidacy,
            outgoing: false,
            held_days: 0,
        }
    }
}

/// A call's candidacies, oldest first, with each person's past tenure on
/// the position: two queries.
pub async fn candidacies(conn: &impl ConnectionTrait, call: &Call) -> AppResult<Vec<Standing>> {
    let rows = candidacy::Entity::find()
        .filter(candidacy::Column::CallId.eq(call.call.id))
        .order_by_asc(candidacy::Column::CreatedAt)
        .order_by_asc(candidacy::Column::Id)
        .all(conn)
        .await?;
    let organisation = organisations::get(conn, call.call.organisation_id).await?;
    let held = mandate::Entity::find()
        .filter(mandate::Column::PositionId.eq(call.call.position_id))
        .filter(mandate::Column::HolderId.is_in(rows.iter().map(|c| c.account_id)))
        .all(conn)
        .await?;
    let mut days: HashMap<Uuid, i64> = HashMap::new();
    for m in super::mandates::held(conn, &organisation, held).await? {
        *days.entry(m.mandate.holder_id).or_default() += m.tenure_days;
    }
    Ok(rows
        .into_iter()
        .map(|c| Standing {
            outgoing: days.contains_key(&c.account_id),
            held_days: days.get(&c.account_id).copied().unwrap_or(0),
            candidacy: c,
        })
        .collect())
}

/// Applies for a position while its call is open (`CALL_CLOSED` otherwise),
/// with a statement; accepting a nomination the same way.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), call = %call_id))]
pub async fn apply(
    state: &AppState,
    viewer: &Viewer,
    call_id: Uuid,
    statement: &str,
) -> AppResult<candidacy::Model> {
    let statement = parse_statement(state, statement)?;
    let txn = state.write().await?;
    let call = locked(&txn, call_id).await?;
    let organisation = organisations::get(&txn, call.call.organisation_id).await?;
    memberships::require_member(&txn, viewer, organisation.id).await?;
    require_applications(call.status)?;
    require_eligible(&txn, &organisation, viewer.id())
        .await
        .map_err(|e| AppError::forbidden(e.message))?;
    let html = forum::posts::render(&txn, &organisation, &statement)
        .await?
        .html;
    let existing = candidacy::Entity::find()
        .filter(candidacy::Column::CallId.eq(call_id))
        .filter(candidacy::Column::AccountId.eq(viewer.id()))
        .one(&txn)
        .await?;
    let saved = match existing {
        Some(c) if c.status == CandidacyStatus::Standing => {
            return Err(AppError::conflict(text!(
                en: "You already stand for this position; withdraw first to apply anew.",
                fr: "Vous êtes déjà candidat·e à ce poste ; retirez-vous d'abord pour candidater à nouveau."
            )));
        }
        // Put forward, withdrawn or declined earlier: standing (again).
        Some(c) => {
            let mut active: candidacy::ActiveModel = c.into();
            active.statement_source = Set(statement);
            active.statement_html = Set(html);
            active.status = Set(CandidacyStatus::Standing);
            active.answered_at = Set(Some(now()));
            active.withdrawn_at = Set(None);
            active.update(&txn).await?
        }
        None => {
            new_candidacy(call_id, viewer.id(), statement, html, None)
                .insert(&txn)
                .await?
        }
    };
    memberships::rights_changed(&txn, call.call.organisation_id, viewer.id());
    txn.commit().await?;
    Ok(saved)
}

fn parse_statement(state: &AppState, raw: &str) -> AppResult<String> {
    parse_body(raw, state.settings.forum.max_body_bytes).map_err(|e| e.with_field("statement"))
}

fn new_candidacy(
    call_id: Uuid,
    account_id: Uuid,
    statement: String,
    html: String,
    nominated_by: Option<Uuid>,
) -> candidacy::ActiveModel {
    let status = match nominated_by {
        Some(_) => CandidacyStatus::Proposed,
        None => CandidacyStatus::Standing,
    };
    candidacy::ActiveModel {
        id: Set(new_id()),
        call_id: Set(call_id),
        account_id: Set(account_id),
        statement_source: Set(statement),
        statement_html: Set(html),
        nominated_by: Set(nominated_by),
        status: Set(status),
        created_at: Set(now()),
        answered_at: Set(None),
        withdrawn_at: Set(None),
    }
}

/// Puts someone forward (members in good standing), while the call is open
/// or studied; they accept or decline.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), call = %call_id))]
pub async fn nominate(
    state: &AppState,
    viewer: &Viewer,
    call_id: Uuid,
    account_id: Uuid,
    statement: &str,
) -> AppResult<candidacy::Model> {
    let statement = parse_statement(state, statement)?;
    if account_id == viewer.id() {
        return Err(AppError::validation(
            "accountId",
            text!(en: "To stand yourself, apply.", fr: "Pour vous présenter vous-même, candidatez."),
        ));
    }
    let txn = state.write().await?;
    let call = locked(&txn, call_id).await?;
    let organisation = organisations::get(&txn, call.call.organisation_id).await?;
    require_good_standing(&txn, viewer, &organisation).await?;
    require_nominations(call.status)?;
    require_eligible(&txn, &organisation, account_id).await?;
    let already = candidacy::Entity::find()
        .filter(candidacy::Column::CallId.eq(call_id))
        .filter(candidacy::Column::AccountId.eq(account_id))
        .count(&txn)
        .await?;
    if already > 0 {
        return Err(AppError::conflict(text!(
            en: "This person already applied or was put forward on this call.",
            fr: "Cette personne a déjà candidaté ou a déjà été proposée sur cet appel."
        )));
    }
    let html = forum::posts::render(&txn, &organisation, &statement)
        .await?
        .html;
    let created = new_candidacy(call_id, account_id, statement, html, Some(viewer.id()))
        .insert(&txn)
        .await?;
    memberships::rights_changed(&txn, organisation.id, account_id);
    txn.commit().await?;
    Ok(created)
}

/// A candidacy of the viewer's own, with its call locked.
async fn own(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<(candidacy::Model, Call)> {
    let found = candidacy::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(candidacy_not_found)?;
    if found.account_id != viewer.id() {
        return Err(AppError::forbidden(text!(
            en: "Only the candidate answers for their candidacy.",
            fr: "Seule la personne candidate répond de sa candidature."
        )));
    }
    let call = locked(txn, found.call_id).await?;
    Ok((found, call))
}

/// The person put forward accepts (with their own statement, if they wish)
/// or declines.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), candidacy = %id))]
pub async fn answer(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    accept: bool,
    statement: Option<&str>,
) -> AppResult<candidacy::Model> {
    let statement = statement
        .filter(|s| !s.trim().is_empty())
        .map(|s| parse_statement(state, s))
        .transpose()?;
    let txn = state.write().await?;
    let (found, call) = own(&txn, viewer, id).await?;
    require_nominations(call.status)?;
    if found.status != CandidacyStatus::Proposed {
        return Err(AppError::conflict(text!(
            en: "This candidacy is not awaiting an answer.",
            fr: "Cette candidature n'attend pas de réponse."
        )));
    }
    let organisation = organisations::get(&txn, call.call.organisation_id).await?;
    if accept {
        require_eligible(&txn, &organisation, viewer.id()).await?;
    }
    let mut active: candidacy::ActiveModel = found.into();
    if let Some(statement) = statement.filter(|_| accept) {
        let html = forum::posts::render(&txn, &organisation, &statement)
            .await?
            .html;
        active.statement_source = Set(statement);
        active.statement_html = Set(html);
    }
    let status = if accept {
        CandidacyStatus::Standing
    } else {
        CandidacyStatus::Declined
    };
    active.status = Set(status);
    active.answered_at = Set(Some(now()));
    let answered = active.update(&txn).await?;
    memberships::rights_changed(&txn, organisation.id, viewer.id());
    txn.commit().await?;
    Ok(answered)
}

/// The candidate withdraws, until the vote begins.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), candidacy = %id))]
pub async fn withdraw(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<candidacy::Model> {
    let txn = state.write().await?;
    let (found, call) = own(&txn, viewer, id).await?;
    require_changeable(call.status)?;
    if found.status != CandidacyStatus::Standing && found.status != CandidacyStatus::Proposed {
        return Err(AppError::conflict(text!(
            en: "This candidacy is no longer standing.",
            fr: "Cette candidature n'est plus en lice."
        )));
    }
    let mut active: candidacy::ActiveModel = found.into();
    active.status = Set(CandidacyStatus::Withdrawn);
    active.withdrawn_at = Set(Some(now()));
    let withdrawn = active.update(&txn).await?;
    memberships::rights_changed(&txn, call.call.organisation_id, viewer.id());
    txn.commit().await?;
    Ok(withdrawn)
}

/// The standing candidates of a call, in the order they applied.
async fn standing(conn: &impl ConnectionTrait, call_id: Uuid) -> AppResult<Vec<Uuid>> {
    Ok(candidacy::Entity::find()
        .select_only()
        .column(candidacy::Column::AccountId)
        .filter(candidacy::Column::CallId.eq(call_id))
        .filter(candidacy::Column::Status.eq(CandidacyStatus::Standing))
        .order_by_asc(candidacy::Column::CreatedAt)
        .order_by_asc(candidacy::Column::Id)
        .into_tuple()
        .all(conn)
        .await?)
}

/// A designation put to a vote.
pub struct DesignationVote {
    pub call_id: Uuid,
    pub method: String,
    pub settings: Value,
    pub quorum: Option<String>,
    /// For a yes/no method: the people designated if it passes.
    pub slate: Vec<Uuid>,
    /// The body that designates; the general assembly when absent.
    pub body_id: Option<Uuid>,
    pub closes_at: DateTime<Utc>,
    pub secret: bool,
    pub results_visibility: ResultsVisibility,
}

/// Puts a designation to a vote once candidacies are closed (facilitators):
/// a proposal in the position's deliberation thread whose electorate — the
/// deciding body's people — leaves the candidates out. A yes/no method
/// decides on a slate (checked against the parity rule now); a ranking
/// method has the standing candidates as its options.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), call = %input.call_id))]
pub async fn put_to_vote(
    state: &AppState,
    viewer: &Viewer,
    input: DesignationVote,
) -> AppResult<proposal_entity::Model> {
    let method = input.method.trim().to_owned();
    let ballot = ballot_for(&method)?;
    let txn = state.write().await?;
    let call = locked(&txn, input.call_id).await?;
    let organisation = organisations::get(&txn, call.call.organisation_id).await?;
    memberships::require_role(&txn, viewer, organisation.id, is_facilitator).await?;
    match call.status {
        CallStatus::Study | CallStatus::NotDesignated => {}
        CallStatus::Upcoming | CallStatus::Open => {
            return Err(AppError::conflict(text!(
                en: "Candidacies are still open: the vote comes once they close.",
                fr: "Les candidatures sont encore ouvertes : le vote vient après leur clôture."
            )));
        }
        _ => {
            return Err(AppError::conflict(text!(
                en: "A designation vote is under way, or the call is over.",
                fr: "Un vote de désignation est en cours, ou l'appel est terminé."
            )));
        }
    }
    let found = positions::find(&txn, call.call.position_id).await?;
    let deciding = match input.body_id {
        Some(id) => super::body_of(&txn, &organisation, id).await?,
        None => assembly_of(&txn, &organisation).await?,
    };
    if !may_designate(bodies::kind_of(&deciding), deciding.id == found.body_id) {
        return Err(AppError::validation(
            "bodyId",
            text!(
                en: "The general assembly designates to this position (a council or popular assembly may designate to its own seats).",
                fr: "C'est l'assemblée générale qui désigne à ce poste (un conseil ou une assemblée populaire peut désigner à ses propres postes)."
            ),
        ));
    }
    let candidates = standing(&txn, call.call.id).await?;
    let (holders, options) = match ballot {
        Ballot::Slate => {
            if input.slate.iter().any(|p| !candidates.contains(p)) {
                return Err(AppError::validation(
                    "slate",
                    text!(en: "Name only standing candidates.", fr: "Ne nommez que des personnes candidates en lice."),
                ));
            }
            positions::check_holders(&txn, &organisation, &found, &input.slate)
                .await
                .map_err(|e| match e.code {
                    ErrorCode::Validation => e.with_field("slate"),
                    _ => e,
                })?;
            (input.slate.clone(), Vec::new())
        }
        Ballot::Candidates => {
            if candidates.len() < 2 || candidates.len() < found.seats as usize {
                return Err(AppError::validation(
                    "method",
                    text!(
                        en: "Too few candidates to rank: vote on them by majority or consensus (slate), or wait for more.",
                        fr: "Trop peu de candidat·es à classer : votez sur elles et eux à la majorité ou au consensus (liste), ou attendez d'autres candidatures."
                    ),
                ));
            }
            let people = accounts::by_ids(&txn, candidates.iter().copied()).await?;
            let options = candidates
                .iter()
                .map(|id| {
                    people
                        .get(id)
                        .map(|a| a.display_name.clone())
                        .unwrap_or_default()
                })
                .collect();
            (candidates, options)
        }
    };
    let locale = crate::service::organisations::locale_of(&organisation);
    let title = found.title.clone();
    let new = NewProposal {
        organisation_id: organisation.id,
        thread_id: Some(call.call.thread_id),
        title: text!(en: "Designation: {title}", fr: "Désignation : {title}")
            .in_locale(locale)
            .to_owned(),
        details: found.description.clone(),
        method,
        options,
        settings: input.settings,
        quorum: input.quorum,
        electorate: ElectorateRule::Body,
        listed: Vec::new(),
        secret: input.secret,
        results_visibility: input.results_visibility,
        reasons: ReasonPolicy::Optional,
        changeable: true,
        urgent: false,
        needs_ratification: false,
        opens_at: None,
        closes_at: input.closes_at,
        body_id: Some(deciding.id),
        asked: super::Asked {
            binding: Some(true),
            ..Default::default()
        },
        designation: Some(Designating {
            call_id: call.call.id,
            holders,
        }),
    };
    let created = proposals::insert(&txn, state, viewer, new).await?;
    txn.commit().await?;
    Ok(created)
}

async fn assembly_of(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
) -> AppResult<body::Model> {
    body::Entity::find()
        .filter(body::Column::OrganisationId.eq(organisation.id))
        .filter(body::Column::Kind.eq(crate::domain::governance::BodyKind::GeneralAssembly))
        .one(conn)
        .await?
        .ok_or_else(super::body_not_found)
}

/// Recusal: takes a call's standing candidates out of the electorate of a
/// vote on their own position, as it opens. Gives how many.
/// Designating a position's holders, as a proposal's purpose: its
/// candidates are recused at opening; the call concludes at closing.
pub const PURPOSE: crate::service::proposals::Purpose = crate::service::proposals::Purpose {
    on_open: |txn, p| {
        Box::pin(async move {
            match p.designation_call_id {
                Some(call) => recuse_candidates(txn, p.id, call).await,
                None => Ok(0),
            }
        })
    },
    on_close: |txn, p| Box::pin(conclude(txn, p)),
};

pub async fn recuse_candidates(
    conn: &impl ConnectionTrait,
    proposal_id: Uuid,
    call_id: Uuid,
) -> AppResult<u64> {
    let candidates = standing(conn, call_id).await?;
    if candidates.is_empty() {
        return Ok(0);
    }
    let reason = "Candidat·e à ce poste (récusation) / Candidate for this position (recusal)";
    Ok(elector::Entity::update_many()
        .col_expr(elector::Column::ExcludedReason, Expr::value(reason))
        .filter(elector::Column::ProposalId.eq(proposal_id))
        .filter(elector::Column::AccountId.is_in(candidates))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Is this person a candidate kept out of the call's deliberation now?
pub async fn recused(
    conn: &impl ConnectionTrait,
    call_id: Uuid,
    account_id: Uuid,
) -> AppResult<bool> {
    let candidate = candidacy::Entity::find()
        .filter(candidacy::Column::CallId.eq(call_id))
        .filter(candidacy::Column::AccountId.eq(account_id))
        .filter(
            candidacy::Column::Status.is_in([CandidacyStatus::Standing, CandidacyStatus::Proposed]),
        )
        .count(conn)
        .await?;
    if candidate == 0 {
        return Ok(false);
    }
    let call = designation_call::Entity::find_by_id(call_id)
        .one(conn)
        .await?
        .ok_or_else(call_not_found)?;
    Ok(load(conn, call).await?.status.deliberating())
}

/// The deliberation threads a person is kept out of as a candidate.
pub async fn withheld_threads(
    conn: &impl ConnectionTrait,
    account_id: Uuid,
) -> AppResult<Vec<Uuid>> {
    let calls: Vec<Uuid> = candidacy::Entity::find()
        .select_only()
        .column(candidacy::Column::CallId)
        .filter(candidacy::Column::AccountId.eq(account_id))
        .filter(
            candidacy::Column::Status.is_in([CandidacyStatus::Standing, CandidacyStatus::Proposed]),
        )
        .into_tuple()
        .all(conn)
        .await?;
    let mut withheld = Vec::new();
    if calls.is_empty() {
        return Ok(withheld);
    }
    for call in designation_call::Entity::find()
        .filter(designation_call::Column::Id.is_in(calls))
        .filter(designation_call::Column::Outcome.is_null())
        .all(conn)
        .await?
    {
        let call = load(conn, call).await?;
        if call.status.deliberating() {
            withheld.push(call.call.thread_id);
        }
    }
    Ok(withheld)
}

/// Once a designation vote has counted (and, for a consensus that needs it,
/// been checked), fills the position: the slate if it passed, or the
/// best-ranked candidates the parity rule allows. Runs in the transaction
/// that closes or checks the vote; a designation that cannot be made (a tie,
/// a holder who left, a broken parity rule) leaves the call not designated,
/// for the facilitators to take up, and never fails the closing.
pub async fn conclude(txn: &Unit, p: &proposal_entity::Model) -> AppResult<()> {
    let Some(call_id) = p.designation_call_id.filter(|_| p.closed_at.is_some()) else {
        return Ok(());
    };
    let Some(call) = designation_call::Entity::find_by_id(call_id)
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    let Some(result) = &p.result else {
        return Ok(());
    };
    if call.outcome.is_some() || awaits_check(p) || result.quorum_reached == Some(false) {
        return Ok(());
    }
    let holders: Vec<Uuid> = p
        .designation_holders
        .clone()
        .and_then(|h| serde_json::from_value(h).ok())
        .unwrap_or_default();
    let found = positions::find(txn, call.position_id).await?;
    let organisation = organisations::get(txn, call.organisation_id).await?;
    let chosen = match ballot_for(&p.method) {
        Ok(Ballot::Slate) if result.adopted == Some(true) => holders,
        Ok(Ballot::Candidates) => {
            let ranking = &result.ranking;
            let people = accounts::by_ids(txn, holders.iter().copied()).await?;
            let rule = positions::parity_of(&found);
            let undeclared = positions::undeclared_policy(&organisation);
            let fits = |seats: &[usize]| {
                let declared: Vec<Option<Gender>> = seats
                    .iter()
                    .map(|i| {
                        holders
                            .get(*i)
                            .and_then(|h| people.get(h))
                            .and_then(accounts::declared_gender)
                    })
                    .collect();
                check_parity(rule, undeclared, &declared).is_ok()
            };
            match choose_holders(ranking, found.seats as usize, fits) {
                Some(indices) => indices
                    .iter()
                    .filter_map(|i| holders.get(*i).copied())
                    .collect(),
                None => return Ok(()),
            }
        }
        _ => return Ok(()),
    };
    let term = Term {
        starts_on: call.term_starts_on,
        ends_on: call.term_ends_on,
    };
    let grounds = Grounds {
        decision: Some(p.id),
        minutes: None,
    };
    // A savepoint: a designation refused leaves the closing whole.
    let attempt = txn.savepoint().await?;
    match positions::fill(
        &attempt,
        p.author_id,
        &organisation,
        &found,
        &chosen,
        grounds,
        term,
    )
    .await
    {
        Ok(_) => attempt.commit().await?,
        Err(e) if e.code != ErrorCode::Internal => {
            attempt.rollback().await?;
            tracing::warn!(proposal = %p.id, call = %call.id, code = e.code.as_str(), "the designation vote designated nobody");
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

/// A consensus reached that a facilitator must still check.
fn awaits_check(p: &proposal_entity::Model) -> bool {
    p.consensus_checked_at.is_none()
        && p.result
            .as_ref()
            .is_some_and(|r| r.details["facilitator_check_required"] == json!(true))
}

/// A call that may end without a designation: under way, no vote open.
async fn endable(txn: &Unit, viewer: &Viewer, id: Uuid) -> AppResult<(Call, organisation::Model)> {
    let call = locked(txn, id).await?;
    let organisation = organisations::get(txn, call.call.organisation_id).await?;
    memberships::require_role(txn, viewer, organisation.id, is_facilitator).await?;
    if !call.status.running() || call.status == CallStatus::Voting {
        return Err(AppError::conflict(text!(
            en: "This call cannot end so: a vote is under way, or it has already ended.",
            fr: "Cet appel ne peut pas se terminer ainsi : un vote est en cours, ou il est déjà terminé."
        )));
    }
    Ok((call, organisation))
}

/// No suitable candidate: the position stays open, and a new call can be
/// made (facilitators, with the reason).
#[tracing::instrument(skip_all, fields(account = %viewer.id(), call = %id))]
pub async fn declare_unfilled(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    reason: Option<&str>,
) -> AppResult<Call> {
    let reason = parse_reason(reason)?;
    let txn = state.write().await?;
    let (call, _) = endable(&txn, viewer, id).await?;
    positions::settle_running(
        &txn,
        call.call.position_id,
        viewer.id(),
        Outcome::Unfilled,
        Some(reason),
    )
    .await?;
    let ended = locked(&txn, id).await?;
    txn.commit().await?;
    Ok(ended)
}

/// No consensus: the names debated go up [remontée] to the parent
/// organisation's assembly, with the candidates' contact details, and a
/// higher body decides (facilitators).
#[tracing::instrument(skip_all, fields(account = %viewer.id(), call = %id))]
pub async fn report_upward(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    note: Option<&str>,
) -> AppResult<Call> {
    let note = note
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    let txn = state.write().await?;
    let (call, organisation) = endable(&txn, viewer, id).await?;
    if !matches!(call.status, CallStatus::Study | CallStatus::NotDesignated) {
        return Err(AppError::conflict(text!(
            en: "The names are reported upward once candidacies are closed and the designation failed.",
            fr: "Les noms remontent une fois les candidatures closes et la désignation sans résultat."
        )));
    }
    let Some(parent) = organisation.parent_id else {
        return Err(AppError::conflict(text!(
            en: "This organisation has no parent to report to.",
            fr: "Cette organisation n'a pas d'organisation parente vers qui faire remonter."
        )));
    };
    let found = positions::find(&txn, call.call.position_id).await?;
    let standing = candidacies(&txn, &call).await?;
    let people = accounts::by_ids(&txn, standing.iter().map(|s| s.candidacy.account_id)).await?;
    let candidates: Vec<Value> = standing
        .iter()
        .filter(|s| s.candidacy.status == CandidacyStatus::Standing)
        .filter_map(|s| {
            let person = people.get(&s.candidacy.account_id)?;
            Some(json!({
                "accountId": person.id,
                "name": person.display_name,
                "email": person.email,
                "statement": s.candidacy.statement_source,
            }))
        })
        .collect();
    let report = json!({
        "organisation": organisation.name,
        "position": found.title,
        "seats": found.seats,
        "note": note,
        "candidates": candidates,
    });
    let mut active: designation_call::ActiveModel = call.call.into();
    active.outcome = Set(Some(Outcome::Reported));
    active.outcome_note = Set(note);
    active.outcome_at = Set(Some(now()));
    active.outcome_by = Set(Some(viewer.id()));
    active.reported_to = Set(Some(parent));
    active.report = Set(Some(report));
    let reported = active.update(&txn).await?;
    let reported = load(&txn, reported).await?;
    txn.commit().await?;
    Ok(reported)
}

/// Designations reported up to an organisation by its children, newest
/// first: for its assembly's people only (members in good standing, and
/// facilitators), as they carry contact details.
pub async fn reported_to(
    state: &AppState,
    viewer: &Viewer,
    organisation_id: Uuid,
) -> AppResult<Vec<designation_call::Model>> {
    let organisation = organisations::get(&state.db, organisation_id).await?;
    require_good_standing(&state.db, viewer, &organisation)
        .await
        .map_err(|_| {
            AppError::forbidden(text!(
                en: "Reports upward are for the assembly's people: members in good standing and facilitators.",
                fr: "Les remontées sont réservées aux personnes de l'assemblée : membres à jour et animation."
            ))
        })?;
    Ok(designation_call::Entity::find()
        .filter(designation_call::Column::ReportedTo.eq(organisation_id))
        .order_by_desc(designation_call::Column::OutcomeAt)
        .all(&state.db)
        .await?)
}
