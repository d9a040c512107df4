//! Proposals: putting a question to a decision, freezing its electorate when
//! voting opens, and who may see it. Casting is in [`casting`], closing and
//! counting in [`closing`], the clock that opens and closes on time in
//! [`schedule`].

pub mod ballot_box;
pub mod casting;
pub mod closing;
pub mod consensus;
pub mod decisions;
pub mod proxies;
pub mod schedule;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::Query;
use sea_orm::{ActiveValue::Set, QueryOrder, QuerySelect};
use serde_json::Value;

use crate::domain::access::{Reader, can_moderate, can_read};
use crate::domain::decision::Spec;
use crate::domain::membership::{EffectiveStanding, Role, Standing};
use crate::domain::proposal::{
    self, Addressee, ElectorateRule, ReasonPolicy, ResultsVisibility, Status,
};
use crate::domain::proposal::{Draft, check_spec};
use crate::entity::{
    ballot, body, category, elector, membership, organisation, proposal as entity,
    proposal_mandate, thread,
};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::events::{Event, ProposalChange};
use crate::service::forum::{self, posts};
use crate::service::governance;
use crate::service::memberships::today_in;
use crate::service::organisations;
use crate::service::sessions::Viewer;
use crate::service::{new_id, now};
use crate::state::AppState;
use crate::text;
use crate::write::Unit;
use futures_util::future::BoxFuture;

pub struct NewProposal {
    pub organisation_id: Uuid,
    pub thread_id: Option<Uuid>,
    pub title: String,
    pub details: String,
    pub method: String,
    pub options: Vec<String>,
    pub settings: Value,
    /// A share of the electorate that must take part, e.g. `1/4`.
    pub quorum: Option<String>,
    pub electorate: ElectorateRule,
    pub listed: Vec<Uuid>,
    pub secret: bool,
    pub results_visibility: ResultsVisibility,
    pub reasons: ReasonPolicy,
    pub changeable: bool,
    pub urgent: bool,
    pub needs_ratification: bool,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: DateTime<Utc>,
    /// The body deciding; none for the organisation as a whole.
    pub body_id: Option<Uuid>,
    /// What the body's decision rests on (binding, scope, mandates cited…).
    pub asked: governance::Asked,
    /// Set when the proposal designates people to a position.
    pub designation: Option<Designating>,
}

/// What a designation vote is about.
pub struct Designating {
    pub call_id: Uuid,
    /// The slate of a yes/no vote, or the candidates in the order of the options.
    pub holders: Vec<Uuid>,
}

/// A proposal with the viewer's place in its electorate.
#[derive(Clone, Debug)]
pub struct Proposal {
    pub proposal: entity::Model,
    /// The viewer's place in the electorate, once frozen.
    pub elector: Option<elector::Model>,
}

/// A proposal its reader may see (see [`crate::service::access::Seen`]).
pub type Seen = crate::service::access::Seen<Proposal>;

impl Seen {
    pub fn status(&self) -> Status {
        proposal::status(self.proposal.opened_at, self.proposal.closed_at)
    }

    pub fn moderates(&self) -> bool {
        can_moderate(self.reader)
    }

    /// The author and the organisation's facilitators steer a proposal.
    pub fn steers(&self, viewer: Option<&Viewer>) -> bool {
        self.moderates() || viewer.is_some_and(|v| v.id() == self.proposal.author_id)
    }

    pub fn has_voted(&self) -> bool {
        self.elector.as_ref().is_some_and(|e| e.voted)
    }

    pub fn results_visible(&self) -> bool {
        proposal::results_visible(
            results_visibility(&self.proposal),
            self.status(),
            self.has_voted(),
        )
    }

    /// Whether the counts of earlier rounds show: as the result does, and
    /// for a secret vote only once it is closed — a round's count is not
    /// taken in steps, and a round ended after one ballot would show it.
    pub fn round_results_visible(&self) -> bool {
        self.results_visible() && (!self.proposal.secret || self.proposal.closed_at.is_some())
    }

    /// What the decision engine counts: the header of the ballot export.
    pub fn spec(&self) -> Spec {
        spec_of(&self.proposal)
    }
}

pub fn spec_of(p: &entity::Model) -> Spec {
    Spec {
        method: p.method.clone(),
        options: serde_json::from_value(p.options.clone()).unwrap_or_default(),
        settings: p.settings.clone(),
        electorate: p.electorate_size.map(|n| n.max(0) as u64),
    }
}

pub fn results_visibility(p: &entity::Model) -> ResultsVisibility {
    p.results_visibility
}

pub fn reason_policy(p: &entity::Model) -> ReasonPolicy {
    p.reasons
}

/// What a proposal may be for beyond deciding (designating a position's
/// holders…). Its hooks run inside the proposal's own unit; generic voting
/// knows the hooks, never the purposes, which the application registers
/// (`service::PROPOSAL_PURPOSES`). A hook does nothing for a proposal that
/// is not for its purpose.
pub struct Purpose {
    /// Once the electorate is frozen: takes people out of it (a candidate
    /// recused from their own position); how many.
    pub on_open: for<'a> fn(&'a Unit, &'a entity::Model) -> BoxFuture<'a, AppResult<u64>>,
    /// Once the result is counted, or a consensus checked.
    pub on_close: for<'a> fn(&'a Unit, &'a entity::Model) -> BoxFuture<'a, AppResult<()>>,
}

/// Runs every purpose's closing hook for `p`, inside `txn`.
pub async fn concluded(txn: &Unit, p: &entity::Model) -> AppResult<()> {
    for purpose in crate::service::PROPOSAL_PURPOSES {
        (purpose.on_close)(txn, p).await?;
    }
    Ok(())
}

/// Tells live subscribers, once `txn` has committed.
pub fn publish(txn: &Unit, p: &entity::Model, change: ProposalChange) {
    txn.emit(Event::Proposal {
        organisation_id: p.organisation_id,
        proposal_id: p.id,
        change,
    });
}

pub fn proposal_not_found() -> AppError {
    AppError::not_found(text!(en: "No such proposal.", fr: "Cette proposition n'existe pas."))
}

/// Finds a proposal the viewer may see: through its thread's category when
/// it has one, otherwise as a person of the organisation or of its electorate.
pub async fn seen(
    conn: &impl ConnectionTrait,
    viewer: Option<&Viewer>,
    id: Uuid,
) -> AppResult<Seen> {
    let proposal = entity::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(proposal_not_found)?;
    let elector = match viewer {
        Some(v) => {
            elector::Entity::find_by_id((proposal.id, v.id()))
                .one(conn)
                .await?
        }
        None => None,
    };
    let (organisation, reader, readable) = match proposal.thread_id {
        Some(thread_id) => {
            let (place, _) = forum::place_of_thread(conn, viewer, thread_id).await?;
            let readable = place.can_read();
            (place.organisation, place.reader, readable)
        }
        // A body's proposal follows the body's space: private with it.
        None => match proposal.body_id {
            Some(body_id) => {
                let body = governance::bodies::find(conn, body_id).await?;
                let place = forum::place_of_category(conn, viewer, body.category_id).await?;
                let readable = place.can_read();
                (place.organisation, place.reader, readable)
            }
            None => {
                let organisation = organisations::get(conn, proposal.organisation_id).await?;
                let reader = crate::service::access::reader(conn, &organisation, viewer).await?;
                let readable = reader.is_some();
                (organisation, reader, readable)
            }
        },
    };
    let readable = readable
        || votes(elector.as_ref())
        || addressed(conn, &organisation, viewer, std::slice::from_ref(&proposal))
            .await?
            .contains(&proposal.id);
    let proposal = Proposal { proposal, elector };
    Seen::granted(readable, proposal, organisation, reader, proposal_not_found)
}

/// Of `rows`, the proposals addressed to a body the viewer is one of the
/// people of: a recommendation forwarded to it (a private commission's to
/// the assembly), or a decision the assembly is to ratify. Those it is
/// meant for read it, wherever it was prepared.
async fn addressed(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    viewer: Option<&Viewer>,
    rows: &[entity::Model],
) -> AppResult<HashSet<Uuid>> {
    let addressees: Vec<(Uuid, Addressee)> = rows
        .iter()
        .filter_map(|p| {
            let to = proposal::addressee(
                p.forwarded_to,
                p.needs_ratification,
                p.closed_at.is_some(),
                p.ratification.is_some(),
            );
            Some((p.id, to?))
        })
        .collect();
    let (Some(viewer), false) = (viewer, addressees.is_empty()) else {
        return Ok(HashSet::new());
    };
    let theirs = governance::bodies::person_s_bodies(conn, organisation, viewer.id()).await?;
    let reaches = |to: Addressee| match to {
        Addressee::Body(id) => theirs.iter().any(|b| b.id == id),
        Addressee::Assembly => theirs
            .iter()
            .any(|b| governance::bodies::kind_of(b).is_assembly()),
    };
    Ok(addressees
        .into_iter()
        .filter(|(_, to)| reaches(*to))
        .map(|(id, _)| id)
        .collect())
}

/// Does this place in the electorate let one see the proposal wherever it
/// is discussed? Not once excluded: a candidate recused from the vote on
/// their own position stays out of it.
fn votes(elector: Option<&elector::Model>) -> bool {
    elector.is_some_and(|e| e.excluded_reason.is_none())
}

/// Puts a question to a decision. Voting opens at once unless `opens_at` is
/// later; the electorate is frozen then.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), organisation = %input.organisation_id))]
pub async fn create(
    state: &AppState,
    viewer: &Viewer,
    input: NewProposal,
) -> AppResult<entity::Model> {
    let txn = state.write().await?;
    let created = insert(&txn, state, viewer, input).await?;
    txn.commit().await?;
    Ok(created)
}

/// Writes a new proposal inside the caller's transaction, after every check
/// of [`create`]; voting opens at once unless it is scheduled.
pub async fn insert(
    txn: &Unit,
    state: &AppState,
    viewer: &Viewer,
    input: NewProposal,
) -> AppResult<entity::Model> {
    let at = now();
    let written = proposal::Written {
        title: &input.title,
        details: &input.details,
        method: &input.method,
        options: &input.options,
        settings: input.settings,
        quorum: input.quorum.as_deref(),
        opens_at: input.opens_at,
        closes_at: input.closes_at,
        electorate: input.electorate,
        listed: input.listed.len(),
    };
    let Draft {
        title,
        details,
        opens_at,
        spec,
        ..
    } = Draft::parse(written, state.settings.forum.max_body_bytes, at)?;

    let organisation = organisations::get(txn, input.organisation_id).await?;
    let member = crate::service::memberships::require_member(txn, viewer, organisation.id).await?;
    let role = member.role;
    if !crate::service::memberships::takes_part(&member, &organisation) {
        return Err(AppError::forbidden(text!(
            en: "Only members in good standing and facilitators put questions to a decision.",
            fr: "Seuls les membres à jour et les facilitateurs soumettent une question à décision."
        )));
    }
    let body = match input.body_id {
        Some(id) => {
            let body = governance::body_of(txn, &organisation, id).await?;
            if role < Role::Facilitator
                && !governance::bodies::includes(txn, &organisation, &body, viewer.id()).await?
            {
                return Err(AppError::forbidden(text!(
                    en: "Only the people of this body (and facilitators) put questions to it.",
                    fr: "Seules les personnes de cette instance (et l'animation) lui soumettent des questions."
                )));
            }
            let basis = governance::basis(txn, &organisation, &body, input.asked).await?;
            Some((body, basis))
        }
        None if input.electorate == ElectorateRule::Body => {
            return Err(AppError::validation(
                "electorate",
                text!(en: "A body's electorate needs the body (bodyId).", fr: "Le corps électoral d'une instance demande l'instance (bodyId)."),
            ));
        }
        None => None,
    };
    if let Some(thread_id) = input.thread_id {
        let (place, thread) = forum::place_of_thread(txn, Some(viewer), thread_id).await?;
        place.require_read()?;
        if place.organisation.id != organisation.id {
            return Err(AppError::validation(
                "threadId",
                text!(en: "The discussion belongs to another organisation.", fr: "La discussion appartient à une autre organisation."),
            ));
        }
        forum::require_open(&thread)?;
        if !place.can_write(place.category.reply_right) {
            return Err(forum::not_allowed_to_write());
        }
    }
    if input.electorate == ElectorateRule::Listed {
        let found = membership::Entity::find()
            .filter(membership::Column::OrganisationId.eq(organisation.id))
            .filter(membership::Column::AccountId.is_in(input.listed.clone()))
            .filter(membership::Column::LeftAt.is_null())
            .count(txn)
            .await?;
        let mut listed = input.listed.clone();
        listed.sort();
        listed.dedup();
        if found as usize != listed.len() {
            return Err(AppError::validation(
                "listed",
                text!(en: "Everyone listed must belong to the organisation.", fr: "Chaque personne de la liste doit appartenir à l'organisation."),
            ));
        }
    }
    let rendered = posts::render(txn, &organisation, &details).await?;
    let mut row = new_row(Question {
        organisation_id: organisation.id,
        thread_id: input.thread_id,
        author_id: viewer.id(),
        title,
        details,
        details_html: rendered.html,
        spec: &spec,
        at,
    });
    let electorate = ElectorateRule::for_proposal(input.electorate, body.is_some());
    row.electorate_rule = Set(electorate);
    if let Some((body, basis)) = &body {
        set_basis(&mut row, body.id, basis);
    }
    row.listed = Set(serde_json::json!(input.listed));
    row.secret = Set(input.secret);
    row.results_visibility = Set(input.results_visibility);
    row.reasons = Set(input.reasons);
    row.changeable = Set(input.changeable);
    row.urgent = Set(input.urgent);
    row.needs_ratification = Set(input.needs_ratification);
    row.opens_at = Set(opens_at);
    row.closes_at = Set(input.closes_at);
    if let Some(designating) = &input.designation {
        row.designation_call_id = Set(Some(designating.call_id));
        row.designation_holders = Set(Some(serde_json::json!(designating.holders)));
    }
    let created = row.insert(txn).await?;
    if let Some((_, basis)) = &body {
        cite_mandates(txn, created.id, basis).await?;
    }
    crate::service::indexing::enqueue(
        txn,
        &[crate::service::indexing::DocRef::Proposal(created.id)],
    )
    .await?;
    if opens_at <= at {
        open(txn, created, &organisation).await
    } else {
        txn.wake_scheduler();
        Ok(created)
    }
}

/// Records in a proposal's row what its body's decision rests on.
pub fn set_basis(row: &mut entity::ActiveModel, body_id: Uuid, basis: &governance::Basis) {
    row.body_id = Set(Some(body_id));
    row.binding = Set(basis.binding);
    row.scope = Set((!basis.scope.is_empty()).then(|| serde_json::json!(basis.scope)));
    row.forwarded_to = Set(basis.forwarded_to);
}

/// Records the mandates a decision cites.
pub async fn cite_mandates(
    conn: &impl ConnectionTrait,
    proposal_id: Uuid,
    basis: &governance::Basis,
) -> AppResult<()> {
    if basis.cited.is_empty() {
        return Ok(());
    }
    proposal_mandate::Entity::insert_many(basis.cited.iter().map(|m| {
        proposal_mandate::ActiveModel {
            proposal_id: Set(proposal_id),
            mandate_id: Set(*m),
        }
    }))
    .exec(conn)
    .await?;
    Ok(())
}

/// What every new proposal's row is made from.
pub struct Question<'a> {
    pub organisation_id: Uuid,
    pub thread_id: Option<Uuid>,
    pub author_id: Uuid,
    pub title: String,
    pub details: String,
    pub details_html: String,
    pub spec: &'a Spec,
    pub at: DateTime<Utc>,
}

/// A new proposal's row: an online, named, changeable vote of the
/// organisation's members, results after closing; callers set the rest.
pub fn new_row(q: Question<'_>) -> entity::ActiveModel {
    entity::ActiveModel {
        id: Set(new_id()),
        organisation_id: Set(q.organisation_id),
        thread_id: Set(q.thread_id),
        author_id: Set(q.author_id),
        title: Set(q.title),
        details_source: Set(q.details),
        details_html: Set(q.details_html),
        method: Set(q.spec.method.clone()),
        options: Set(serde_json::json!(q.spec.options)),
        settings: Set(q.spec.settings.clone()),
        electorate_rule: Set(ElectorateRule::Organisation),
        listed: Set(serde_json::json!([])),
        secret: Set(false),
        results_visibility: Set(ResultsVisibility::AfterClosing),
        reasons: Set(ReasonPolicy::Optional),
        changeable: Set(true),
        urgent: Set(false),
        needs_ratification: Set(false),
        opens_at: Set(q.at),
        closes_at: Set(q.at),
        opened_at: Set(None),
        electorate_size: Set(None),
        closed_at: Set(None),
        closed_by: Set(None),
        result: Set(None),
        export_sha256: Set(None),
        origin: Set("online".into()),
        ballot_file: Set(None),
        round: Set(1),
        outcome_source: Set(None),
        outcome_html: Set(None),
        outcome_by: Set(None),
        outcome_at: Set(None),
        ratification: Set(None),
        ratification_note: Set(None),
        ratified_by: Set(None),
        ratified_at: Set(None),
        consensus_checked_at: Set(None),
        consensus_checked_by: Set(None),
        consensus_check_note: Set(None),
        fallback_proposal_id: Set(None),
        escalated_to: Set(None),
        escalated_at: Set(None),
        created_at: Set(q.at),
        body_id: Set(None),
        binding: Set(true),
        scope: Set(None),
        forwarded_to: Set(None),
        designation_call_id: Set(None),
        designation_holders: Set(None),
        meeting_id: Set(None),
        agenda_item_id: Set(None),
    }
}

/// Adds these people to a proposal's electorate; gives how many.
async fn add_electors(
    conn: &impl ConnectionTrait,
    proposal_id: Uuid,
    people: Vec<Uuid>,
) -> AppResult<u64> {
    for chunk in people.chunks(1_000) {
        elector::Entity::insert_many(chunk.iter().map(|account_id| elector::ActiveModel {
            proposal_id: Set(proposal_id),
            account_id: Set(*account_id),
            voted: Set(false),
            proxy_holder_id: Set(None),
            excluded_reason: Set(None),
            excluded_by: Set(None),
        }))
        .exec(conn)
        .await?;
    }
    Ok(people.len() as u64)
}

/// Opens voting: freezes the electorate as it stands now. Later changes of
/// standing change nothing for this proposal.
pub async fn open(
    conn: &Unit,
    proposal: entity::Model,
    organisation: &organisation::Model,
) -> AppResult<entity::Model> {
    let rule = proposal.electorate_rule;
    let body = match proposal.body_id {
        Some(id) => Some(governance::bodies::find(conn, id).await?),
        None => None,
    };
    // The assembly's people are the organisation's members in good standing.
    let rule = match (rule, &body) {
        (ElectorateRule::Body, Some(b)) if governance::bodies::kind_of(b).is_assembly() => {
            ElectorateRule::Organisation
        }
        (rule, _) => rule,
    };
    let frozen = match rule {
        ElectorateRule::Organisation => {
            // The members in good standing today, copied in one statement.
            let good = Query::select()
                .expr(Expr::value(proposal.id))
                .column(membership::Column::AccountId)
                .expr(Expr::value(false))
                .from(membership::Entity)
                .and_where(membership::Column::OrganisationId.eq(organisation.id))
                .and_where(membership::Column::LeftAt.is_null())
                .cond_where(Standing::condition(
                    EffectiveStanding::GoodStanding,
                    today_in(organisation),
                ))
                .to_owned();
            let insert = Query::insert()
                .into_table(elector::Entity)
                .columns([
                    elector::Column::ProposalId,
                    elector::Column::AccountId,
                    elector::Column::Voted,
                ])
                .select_from(good)
                .map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))?
                .to_owned();
            conn.execute(&insert).await?.rows_affected()
        }
        ElectorateRule::Listed => {
            let listed: Vec<Uuid> =
                serde_json::from_value(proposal.listed.clone()).unwrap_or_default();
            let people = membership::Entity::find()
                .select_only()
                .column(membership::Column::AccountId)
                .filter(membership::Column::OrganisationId.eq(organisation.id))
                .filter(membership::Column::AccountId.is_in(listed))
                .filter(membership::Column::LeftAt.is_null())
                .into_tuple::<Uuid>()
                .all(conn)
                .await?;
            add_electors(conn, proposal.id, people).await?
        }
        ElectorateRule::Body => {
            let body = body.ok_or_else(governance::body_not_found)?;
            let people = governance::bodies::people(conn, organisation, &body).await?;
            add_electors(
                conn,
                proposal.id,
                people.into_iter().map(|(id, _)| id).collect(),
            )
            .await?
        }
    };
    // What the proposal is for may take people out (candidates recused).
    let mut recused = 0;
    for purpose in crate::service::PROPOSAL_PURPOSES {
        recused += (purpose.on_open)(conn, &proposal).await?;
    }
    let frozen = frozen.saturating_sub(recused);
    ballot_box::prepare(conn, &proposal).await?;
    let mut active: entity::ActiveModel = proposal.into();
    active.opened_at = Set(Some(now()));
    active.electorate_size = Set(Some(i32::try_from(frozen).unwrap_or(i32::MAX)));
    let opened = active.update(conn).await?;
    conn.wake_scheduler();
    publish(conn, &opened, ProposalChange::Opened);
    Ok(opened)
}

/// Takes a person out of a proposal's electorate (recusal), with the reason.
/// The person themselves may, or a facilitator; not once they have voted.
pub async fn exclude(
    state: &AppState,
    viewer: &Viewer,
    proposal_id: Uuid,
    account_id: Uuid,
    reason: Option<&str>,
) -> AppResult<elector::Model> {
    let reason = crate::domain::forum::parse_reason(reason)?;
    let txn = state.write().await?;
    // The proposal's row first, as casting and closing lock it: one order, no deadlock.
    let locked = entity::Entity::find_by_id(proposal_id)
        .lock_exclusive()
        .one(&txn)
        .await?;
    let seen = seen(&txn, Some(viewer), proposal_id).await?;
    let Some(mut proposal) = locked else {
        return Err(proposal_not_found());
    };
    if !(seen.moderates() || viewer.id() == account_id) {
        return Err(AppError::forbidden(text!(
            en: "Only facilitators exclude someone else from a vote.",
            fr: "Seuls les facilitateurs excluent quelqu'un d'autre d'un vote."
        )));
    }
    let status = seen.status();
    if status != Status::Open {
        return Err(AppError::conflict(text!(
            en: "The electorate exists only while voting is open: it is frozen when voting opens.",
            fr: "Le corps électoral n'existe que pendant le vote : il est figé à l'ouverture."
        )));
    }
    let elector = elector::Entity::find_by_id((proposal_id, account_id))
        .one(&txn)
        .await?
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::NotEligible,
                text!(en: "This person is not in the electorate of this proposal.", fr: "Cette personne ne fait pas partie du corps électoral de cette proposition."),
            )
        })?;
    if elector.voted {
        return Err(AppError::conflict(text!(
            en: "This person has already voted: a ballot cast is not taken back.",
            fr: "Cette personne a déjà voté : un vote exprimé n'est pas repris."
        )));
    }
    if elector.excluded_reason.is_some() {
        return Err(AppError::conflict(text!(
            en: "This person is already excluded from this vote.",
            fr: "Cette personne est déjà exclue de ce vote."
        )));
    }
    let mut active: elector::ActiveModel = elector.into();
    active.excluded_reason = Set(Some(reason));
    active.excluded_by = Set(Some(viewer.id()));
    let excluded = active.update(&txn).await?;
    proposal.electorate_size = proposal.electorate_size.map(|n| (n - 1).max(0));
    entity::Entity::update_many()
        .col_expr(
            entity::Column::ElectorateSize,
            Expr::value(proposal.electorate_size),
        )
        .filter(entity::Column::Id.eq(proposal_id))
        .exec(&txn)
        .await?;
    publish(&txn, &proposal, ProposalChange::ElectorateChanged);
    txn.commit().await?;
    Ok(excluded)
}

/// The named ballots of a round (the current one by default), as cast.
pub async fn named_ballots(
    conn: &impl ConnectionTrait,
    seen: &Seen,
    round: Option<i32>,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<crate::service::page::Page<ballot::Model>> {
    let round = round.unwrap_or(seen.proposal.round);
    proposal::named_ballots_readable(
        seen.proposal.secret,
        round,
        seen.proposal.round,
        seen.results_visible(),
    )?;
    crate::service::page::by_id(
        conn,
        ballot::Entity::find()
            .filter(ballot::Column::ProposalId.eq(seen.proposal.id))
            .filter(ballot::Column::Round.eq(round)),
        ballot::Column::Id,
        "ballots",
        first,
        after,
        sea_orm::Order::Asc,
    )
    .await
}

/// Participation so far: electors who voted, and the electorate.
pub async fn participation(
    conn: &impl ConnectionTrait,
    p: &entity::Model,
) -> AppResult<(u64, u64)> {
    let voted = elector::Entity::find()
        .filter(elector::Column::ProposalId.eq(p.id))
        .filter(elector::Column::Voted.eq(true))
        .count(conn)
        .await?;
    Ok((voted, p.electorate_size.unwrap_or(0).max(0) as u64))
}

/// An organisation's proposals the viewer may see (or one thread's, once its
/// space is checked), newest first.
/// Which of an organisation's proposals to list.
#[derive(Default)]
pub struct Filter {
    /// Those of one discussion.
    pub thread_id: Option<Uuid>,
    /// Those of one body.
    pub body_id: Option<Uuid>,
    /// The recommendations commissions sent to one body.
    pub forwarded_to: Option<Uuid>,
}

pub async fn visible(
    conn: &impl ConnectionTrait,
    viewer: Option<&Viewer>,
    organisation_id: Uuid,
    filter: Filter,
) -> AppResult<Vec<Seen>> {
    let organisation = organisations::get(conn, organisation_id).await?;
    let mut query =
        entity::Entity::find().filter(entity::Column::OrganisationId.eq(organisation_id));
    if let Some(thread_id) = filter.thread_id {
        let (place, _) = forum::place_of_thread(conn, viewer, thread_id).await?;
        place.require_read()?;
        query = query.filter(entity::Column::ThreadId.eq(thread_id));
    }
    if let Some(body_id) = filter.body_id {
        query = query.filter(entity::Column::BodyId.eq(body_id));
    }
    if let Some(body_id) = filter.forwarded_to {
        query = query.filter(entity::Column::ForwardedTo.eq(body_id));
    }
    let rows = query
        .order_by_desc(entity::Column::CreatedAt)
        .limit(200)
        .all(conn)
        .await?;
    seen_many(conn, viewer, organisation, rows).await
}

/// The proposals of `rows` the viewer may see — through the spaces of their
/// threads, or as the organisation's people — with the viewer's place in
/// each electorate: a handful of queries for the lot.
pub async fn seen_many(
    conn: &impl ConnectionTrait,
    viewer: Option<&Viewer>,
    organisation: organisation::Model,
    rows: Vec<entity::Model>,
) -> AppResult<Vec<Seen>> {
    let reader = crate::service::access::reader(conn, &organisation, viewer).await?;
    // Where each proposal is read: its thread's space, else its body's.
    let threads: Vec<Uuid> = rows.iter().filter_map(|p| p.thread_id).collect();
    let bodies: Vec<Uuid> = rows
        .iter()
        .filter(|p| p.thread_id.is_none())
        .filter_map(|p| p.body_id)
        .collect();
    let mut spaces: HashMap<Uuid, category::Model> = thread::Entity::find()
        .filter(thread::Column::Id.is_in(threads))
        .find_also_related(category::Entity)
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|(t, c)| Some((t.id, c?)))
        .collect();
    if !bodies.is_empty() {
        let of_bodies: Vec<(Uuid, Uuid)> = body::Entity::find()
            .filter(body::Column::Id.is_in(bodies))
            .all(conn)
            .await?
            .into_iter()
            .map(|b| (b.id, b.category_id))
            .collect();
        let categories: HashMap<Uuid, category::Model> = category::Entity::find()
            .filter(category::Column::Id.is_in(of_bodies.iter().map(|(_, c)| *c)))
            .all(conn)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        for (body, category) in of_bodies {
            if let Some(c) = categories.get(&category) {
                spaces.insert(body, c.clone());
            }
        }
    }
    let reserved: Vec<&category::Model> = spaces.values().collect();
    let theirs = match reader {
        Some(_) => forum::reserved_readable(conn, &organisation, viewer, &reserved).await?,
        None => HashSet::new(),
    };
    // Thread and body ids, readable or not.
    let readable: HashSet<Uuid> = spaces
        .iter()
        .filter_map(|(place, c)| {
            let visibility = c.visibility;
            let reader = reader.map(|r| Reader {
                in_body: theirs.contains(&c.id),
                ..r
            });
            can_read(visibility, reader).then_some(*place)
        })
        .collect();
    let mut electors: HashMap<Uuid, elector::Model> = match viewer {
        Some(v) => elector::Entity::find()
            .filter(elector::Column::AccountId.eq(v.id()))
            .filter(elector::Column::ProposalId.is_in(rows.iter().map(|p| p.id)))
            .all(conn)
            .await?
            .into_iter()
            .map(|e| (e.proposal_id, e))
            .collect(),
        None => HashMap::new(),
    };
    let addressed = addressed(conn, &organisation, viewer, &rows).await?;
    Ok(rows
        .into_iter()
        .filter_map(|proposal| {
            let elector = electors.remove(&proposal.id);
            let readable = match (proposal.thread_id, proposal.body_id) {
                (Some(t), _) => readable.contains(&t),
                (None, Some(b)) => readable.contains(&b),
                (None, None) => reader.is_some(),
            };
            let readable = readable || votes(elector.as_ref()) || addressed.contains(&proposal.id);
            let proposal = Proposal { proposal, elector };
            Seen::when(readable, proposal, organisation.clone(), reader)
        })
        .collect())
}

/// The electorate of a proposal with who voted: for facilitators only.
pub async fn electors(conn: &impl ConnectionTrait, seen: &Seen) -> AppResult<Vec<elector::Model>> {
    if !seen.moderates() {
        return Err(AppError::forbidden(text!(
            en: "Only facilitators see the list of electors.",
            fr: "Seuls les facilitateurs voient la liste des électeurs."
        )));
    }
    Ok(elector::Entity::find()
        .filter(elector::Column::ProposalId.eq(seen.proposal.id))
        .all(conn)
        .await?)
}

/// What may change in a proposal. Method, options and settings only until
/// the first ballot; nothing once closed.
#[derive(Default)]
pub struct ProposalEdit {
    pub title: Option<String>,
    pub details: Option<String>,
    pub method: Option<String>,
    pub options: Option<Vec<String>>,
    pub settings: Option<Value>,
    pub quorum: Option<String>,
    pub closes_at: Option<DateTime<Utc>>,
}

/// Changes a proposal (its author or a facilitator).
#[tracing::instrument(skip_all, fields(account = %viewer.id(), proposal = %id))]
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    change: ProposalEdit,
) -> AppResult<entity::Model> {
    let title = change
        .title
        .as_deref()
        .map(proposal::parse_title)
        .transpose()?;
    let details = change
        .details
        .as_deref()
        .map(|d| proposal::parse_details(d, state.settings.forum.max_body_bytes))
        .transpose()?;
    let txn = state.write().await?;
    // The row first, locked: ballots under way finish before the count of voters below.
    entity::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(proposal_not_found)?;
    let seen = seen(&txn, Some(viewer), id).await?;
    if !seen.steers(Some(viewer)) {
        return Err(AppError::forbidden(text!(
            en: "Only the proposal's author or a facilitator changes it.",
            fr: "Seuls l'auteur·rice de la proposition ou un·e facilitateur·rice la modifient."
        )));
    }
    if seen.status() == Status::Closed {
        return Err(AppError::conflict(text!(
            en: "This proposal is closed: it no longer changes.",
            fr: "Cette proposition est close : elle ne change plus."
        )));
    }
    let p = seen.proposal.clone();
    let mut active: entity::ActiveModel = seen.proposal.clone().into();
    if change.method.is_some()
        || change.options.is_some()
        || change.settings.is_some()
        || change.quorum.is_some()
    {
        let (voted, _) = participation(&txn, &p).await?;
        if voted > 0 {
            return Err(AppError::conflict(text!(
                en: "Someone has already voted: the method, the options and the settings no longer change.",
                fr: "Quelqu'un a déjà voté : la méthode, les options et les réglages ne changent plus."
            )));
        }
        let current = spec_of(&p);
        let settings = match change.settings {
            Some(s) => proposal::settings_with_quorum(s, change.quorum.as_deref())?,
            None => proposal::settings_with_quorum(current.settings, change.quorum.as_deref())?,
        };
        let spec = Spec {
            method: change
                .method
                .map(|m| m.trim().to_owned())
                .unwrap_or(current.method),
            options: change
                .options
                .map(|o| o.iter().map(|o| o.trim().to_owned()).collect())
                .unwrap_or(current.options),
            settings,
            electorate: Some(1),
        };
        check_spec(&spec)?;
        active.method = Set(spec.method);
        active.options = Set(serde_json::json!(spec.options));
        active.settings = Set(spec.settings);
    }
    if let Some(closes_at) = change.closes_at {
        proposal::check_times(p.opens_at, closes_at, now())?;
        active.closes_at = Set(closes_at);
    }
    if let Some(title) = title {
        active.title = Set(title);
    }
    if let Some(details) = details {
        let rendered = posts::render(&txn, &seen.organisation, &details).await?;
        active.details_source = Set(details);
        active.details_html = Set(rendered.html);
    }
    let updated = active.update(&txn).await?;
    crate::service::indexing::enqueue(
        &txn,
        &[crate::service::indexing::DocRef::Proposal(updated.id)],
    )
    .await?;
    txn.wake_scheduler();
    txn.commit().await?;
    Ok(updated)
}
