//! The agenda: items proposed by the body's people until the deadline
//! (urgent ones after it, once a facilitator approves), ordered by priority
//! or by the next-agenda preparer, planned against the meeting's duration;
//! what does not fit waits in the body's backlog for its next meeting, with
//! the decisions awaiting the assembly.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::{Condition, ExprTrait};
use sea_orm::{ActiveValue::Set, QueryOrder, QuerySelect};

use super::{Seen, publish, seen, steered};
use crate::domain::account::parse_name;
use crate::domain::agenda::{self, Entry, ItemStatus, Slot};
use crate::domain::meeting::{MeetingRole, MeetingStatus, agenda_deadline};
use crate::domain::organisation::parse_description;
use crate::entity::{agenda_item, proposal, thread};
use crate::error::{AppError, AppResult};
use crate::events::MeetingChange;
use crate::service::governance::bodies;
use crate::service::sessions::Viewer;
use crate::service::{forum, new_id, now, proposals};
use crate::state::AppState;
use crate::text;

pub struct NewItem {
    pub meeting_id: Uuid,
    pub title: String,
    pub description: String,
    pub estimate_minutes: i32,
    /// Higher first; 0 by default.
    pub priority: i32,
    pub proposal_id: Option<Uuid>,
    pub thread_id: Option<Uuid>,
    /// After the deadline: asks a facilitator to let it in.
    pub urgent: bool,
}

fn item_not_found() -> AppError {
    AppError::not_found(
        text!(en: "No such agenda item.", fr: "Ce point de l'ordre du jour n'existe pas."),
    )
}

/// Refuses changes to the agenda of a meeting that is over.
fn require_open(seen: &Seen) -> AppResult<()> {
    if matches!(
        seen.status(),
        MeetingStatus::Ended | MeetingStatus::Cancelled
    ) {
        return Err(AppError::conflict(text!(
            en: "This meeting is over or cancelled: its agenda no longer changes.",
            fr: "Cette réunion est terminée ou annulée : son ordre du jour ne change plus."
        )));
    }
    Ok(())
}

/// Proposes an item for a meeting: any of the body's people (and the
/// facilitators), until the deadline — after it, as urgent only.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), meeting = %input.meeting_id))]
pub async fn propose(
    state: &AppState,
    viewer: &Viewer,
    input: NewItem,
) -> AppResult<agenda_item::Model> {
    let title = parse_name(&input.title, "title", 200)?;
    let description = parse_description(&input.description)?;
    let estimate = agenda::parse_estimate(input.estimate_minutes)?;
    if !(-100..=100).contains(&input.priority) {
        return Err(AppError::validation(
            "priority",
            text!(en: "A priority is between -100 and 100.", fr: "Une priorité est comprise entre -100 et 100."),
        ));
    }
    let txn = state.write().await?;
    let seen = seen(&txn, Some(viewer), input.meeting_id).await?;
    require_open(&seen)?;
    if !(seen.in_body || seen.moderates()) {
        return Err(AppError::forbidden(text!(
            en: "Only the people of this body propose items for its meetings.",
            fr: "Seules les personnes de cette instance proposent des points pour ses réunions."
        )));
    }
    let deadline = agenda_deadline(seen.meeting.starts_at, seen.meeting.agenda_deadline_days);
    let entry = agenda::entry(now(), deadline, input.urgent, seen.moderates())?;
    if let Some(id) = input.proposal_id {
        let found = proposal::Entity::find_by_id(id).one(&txn).await?;
        if found.is_none_or(|p| p.organisation_id != seen.organisation.id) {
            return Err(AppError::validation(
                "proposalId",
                text!(en: "No such proposal in this organisation.", fr: "Aucune proposition de ce nom dans cette organisation."),
            ));
        }
    }
    if let Some(id) = input.thread_id {
        let found = thread::Entity::find_by_id(id).one(&txn).await?;
        if found.is_none_or(|t| t.organisation_id != seen.organisation.id) {
            return Err(AppError::validation(
                "threadId",
                text!(en: "No such discussion in this organisation.", fr: "Aucune discussion de ce nom dans cette organisation."),
            ));
        }
    }
    let html = forum::posts::render(&txn, &seen.organisation, &description)
        .await?
        .html;
    let (urgent, approved_by) = match entry {
        Entry::Open => (false, None),
        Entry::Urgent { approved } => (true, approved.then(|| viewer.id())),
    };
    let created = agenda_item::ActiveModel {
        id: Set(new_id()),
        organisation_id: Set(seen.organisation.id),
        body_id: Set(seen.body.id),
        meeting_id: Set(Some(seen.meeting.id)),
        title: Set(title),
        description_source: Set(description),
        description_html: Set(html),
        proposer_id: Set(viewer.id()),
        estimate_minutes: Set(estimate),
        priority: Set(input.priority),
        rank: Set(None),
        proposal_id: Set(input.proposal_id),
        thread_id: Set(input.thread_id),
        urgent: Set(urgent),
        approved_by: Set(approved_by),
        carried_from: Set(None),
        status: Set(ItemStatus::Open),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    publish(&txn, &seen.meeting, MeetingChange::Agenda);
    txn.commit().await?;
    Ok(created)
}

/// An item with its meeting, checked for the viewer, its meeting still open.
async fn item_in(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<(agenda_item::Model, Seen)> {
    let item = agenda_item::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(item_not_found)?;
    let Some(meeting_id) = item.meeting_id else {
        return Err(AppError::conflict(text!(
            en: "This item waits in the body's backlog for its next meeting.",
            fr: "Ce point attend la prochaine réunion de l'instance."
        )));
    };
    let seen = seen(txn, Some(viewer), meeting_id).await?;
    require_open(&seen)?;
    Ok((item, seen))
}

/// Lets an urgent item onto the agenda (the meeting's or organisation's facilitators).
#[tracing::instrument(skip_all, fields(account = %viewer.id(), item = %id))]
pub async fn approve(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<agenda_item::Model> {
    let txn = state.write().await?;
    let (item, seen) = item_in(&txn, viewer, id).await?;
    steered(&txn, viewer, seen.meeting.id).await?;
    if !item.urgent || item.approved_by.is_some() {
        return Err(AppError::conflict(text!(
            en: "This item is not waiting for approval.",
            fr: "Ce point n'attend pas d'approbation."
        )));
    }
    let mut active: agenda_item::ActiveModel = item.into();
    active.approved_by = Set(Some(viewer.id()));
    let approved = active.update(&txn).await?;
    publish(&txn, &seen.meeting, MeetingChange::Agenda);
    txn.commit().await?;
    Ok(approved)
}

/// Sets an item's status: withdrawn (its proposer or a facilitator), or
/// discussed (a facilitator, during the meeting).
#[tracing::instrument(skip_all, fields(account = %viewer.id(), item = %id))]
pub async fn set_status(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    status: ItemStatus,
) -> AppResult<agenda_item::Model> {
    let txn = state.write().await?;
    let (item, seen) = item_in(&txn, viewer, id).await?;
    let own = item.proposer_id == viewer.id() && status == ItemStatus::Withdrawn;
    if !own {
        steered(&txn, viewer, seen.meeting.id).await?;
    }
    let mut active: agenda_item::ActiveModel = item.into();
    active.status = Set(status);
    let changed = active.update(&txn).await?;
    publish(&txn, &seen.meeting, MeetingChange::Agenda);
    txn.commit().await?;
    Ok(changed)
}

/// Orders the agenda: the items named come first, in that order; the others
/// follow by priority. The next-agenda preparer does it, or a facilitator.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), meeting = %meeting_id))]
pub async fn reorder(
    state: &AppState,
    viewer: &Viewer,
    meeting_id: Uuid,
    order: Vec<Uuid>,
) -> AppResult<()> {
    let txn = state.write().await?;
    let seen = seen(&txn, Some(viewer), meeting_id).await?;
    require_open(&seen)?;
    let preparer =
        super::attendance::holds(&txn, meeting_id, viewer.id(), MeetingRole::AgendaPreparer)
            .await?;
    if !preparer {
        steered(&txn, viewer, meeting_id).await?;
    }
    let items: HashSet<Uuid> = agenda_item::Entity::find()
        .select_only()
        .column(agenda_item::Column::Id)
        .filter(agenda_item::Column::MeetingId.eq(meeting_id))
        .into_tuple()
        .all(&txn)
        .await?
        .into_iter()
        .collect();
    if order.iter().any(|id| !items.contains(id)) {
        return Err(AppError::validation(
            "order",
            text!(en: "Order only this meeting's items.", fr: "N'ordonnez que les points de cette réunion."),
        ));
    }
    agenda_item::Entity::update_many()
        .col_expr(agenda_item::Column::Rank, Expr::value(Option::<i32>::None))
        .filter(agenda_item::Column::MeetingId.eq(meeting_id))
        .exec(&txn)
        .await?;
    for (rank, id) in order.iter().enumerate() {
        agenda_item::Entity::update_many()
            .col_expr(agenda_item::Column::Rank, Expr::value(rank as i32))
            .filter(agenda_item::Column::Id.eq(*id))
            .exec(&txn)
            .await?;
    }
    publish(&txn, &seen.meeting, MeetingChange::Agenda);
    txn.commit().await?;
    Ok(())
}

/// An item in the agenda's plan.
pub struct Planned {
    pub item: agenda_item::Model,
    /// Minutes from the start of the meeting.
    pub starts_after: i32,
    /// Within the planned duration; otherwise carried over at the start.
    pub fits: bool,
}

/// A meeting's agenda as it stands.
pub struct Agenda {
    pub deadline: Option<DateTime<Utc>>,
    pub frozen: bool,
    /// In order, with their place in the plan.
    pub items: Vec<Planned>,
    /// Urgent items waiting for a facilitator's approval.
    pub pending: Vec<agenda_item::Model>,
    /// What joins the agenda by itself when the meeting starts: decisions
    /// awaiting ratification and recommendations sent to the body.
    pub awaiting: Vec<proposal::Model>,
    /// Items about a proposal the reader may not see: shown without their
    /// title, text or links (see [`read_by`]).
    pub reserved: HashSet<Uuid>,
}

/// The items of a meeting, and, before it starts, those of the body's
/// backlog if it is the body's next meeting.
async fn items_of(conn: &impl ConnectionTrait, seen: &Seen) -> AppResult<Vec<agenda_item::Model>> {
    let mut place = Condition::any().add(agenda_item::Column::MeetingId.eq(seen.meeting.id));
    if seen.status() == MeetingStatus::Scheduled
        && super::next_of_body(conn, seen.body.id)
            .await?
            .is_some_and(|next| next.id == seen.meeting.id)
    {
        place = place.add(
            agenda_item::Column::MeetingId
                .is_null()
                .and(agenda_item::Column::BodyId.eq(seen.body.id)),
        );
    }
    Ok(agenda_item::Entity::find()
        .filter(place)
        .filter(agenda_item::Column::Status.ne(ItemStatus::Withdrawn))
        .order_by_asc(agenda_item::Column::CreatedAt)
        .all(conn)
        .await?)
}

/// What awaits an assembly: its organisation's decisions to ratify, and the
/// recommendations commissions sent it, not yet on an agenda.
async fn awaiting(conn: &impl ConnectionTrait, seen: &Seen) -> AppResult<Vec<proposal::Model>> {
    if seen.status() != MeetingStatus::Scheduled {
        return Ok(Vec::new());
    }
    let assembly = bodies::kind_of(&seen.body).is_assembly();
    let mut wanted = Condition::any().add(proposal::Column::ForwardedTo.eq(seen.body.id));
    if assembly {
        wanted = wanted.add(
            proposal::Column::NeedsRatification
                .eq(true)
                .and(proposal::Column::ClosedAt.is_not_null())
                .and(proposal::Column::Ratification.is_null()),
        );
    }
    let found = proposal::Entity::find()
        .filter(proposal::Column::OrganisationId.eq(seen.organisation.id))
        .filter(wanted)
        .order_by_asc(proposal::Column::CreatedAt)
        .all(conn)
        .await?;
    let listed: HashSet<Uuid> = agenda_item::Entity::find()
        .select_only()
        .column(agenda_item::Column::ProposalId)
        .filter(agenda_item::Column::ProposalId.is_in(found.iter().map(|p| p.id)))
        .into_tuple::<Option<Uuid>>()
        .all(conn)
        .await?
        .into_iter()
        .flatten()
        .collect();
    Ok(found
        .into_iter()
        .filter(|p| !listed.contains(&p.id))
        .collect())
}

/// The agenda of a meeting the viewer sees.
pub async fn of(conn: &impl ConnectionTrait, seen: &Seen) -> AppResult<Agenda> {
    let deadline = agenda_deadline(seen.meeting.starts_at, seen.meeting.agenda_deadline_days);
    let (pending, items): (Vec<_>, Vec<_>) = items_of(conn, seen)
        .await?
        .into_iter()
        .partition(|i| i.urgent && i.approved_by.is_none());
    let slots: Vec<Slot> = items
        .iter()
        .map(|i| Slot {
            rank: i.rank,
            priority: i.priority,
            proposed_at: i.created_at,
            estimate_minutes: i.estimate_minutes,
        })
        .collect();
    let plan = agenda::plan(&slots, seen.meeting.duration_minutes);
    let mut items: Vec<Option<agenda_item::Model>> = items.into_iter().map(Some).collect();
    let items = plan
        .into_iter()
        .filter_map(|p| {
            Some(Planned {
                item: items.get_mut(p.index)?.take()?,
                starts_after: p.starts_after,
                fits: p.fits,
            })
        })
        .collect();
    Ok(Agenda {
        deadline,
        frozen: deadline.is_some_and(|d| now() >= d),
        items,
        pending,
        awaiting: awaiting(conn, seen).await?,
        reserved: HashSet::new(),
    })
}

/// The agenda of a meeting as `viewer` may read it: an item about a
/// proposal they may not see (a private body's recommendation on a public
/// meeting's agenda) keeps its place and time but not its title, text or
/// links, and what awaits the body shows only the proposals they may see.
pub async fn read_by(
    conn: &impl ConnectionTrait,
    seen: &Seen,
    viewer: Option<&Viewer>,
) -> AppResult<Agenda> {
    let mut agenda = of(conn, seen).await?;
    let linked: Vec<Uuid> = agenda
        .items
        .iter()
        .map(|p| &p.item)
        .chain(&agenda.pending)
        .filter_map(|i| i.proposal_id)
        .chain(agenda.awaiting.iter().map(|p| p.id))
        .collect();
    if linked.is_empty() {
        return Ok(agenda);
    }
    let rows = proposal::Entity::find()
        .filter(proposal::Column::Id.is_in(linked))
        .all(conn)
        .await?;
    let visible: HashSet<Uuid> =
        proposals::seen_many(conn, viewer, seen.organisation.clone(), rows)
            .await?
            .into_iter()
            .map(|s| s.proposal.id)
            .collect();
    agenda.awaiting.retain(|p| visible.contains(&p.id));
    let items = agenda.items.iter_mut().map(|p| &mut p.item);
    for item in items.chain(agenda.pending.iter_mut()) {
        if item.proposal_id.is_some_and(|p| !visible.contains(&p)) {
            agenda.reserved.insert(item.id);
            item.title = String::new();
            item.description_source = String::new();
            item.description_html = String::new();
            item.proposal_id = None;
            item.thread_id = None;
        }
    }
    Ok(agenda)
}

/// Settles the agenda as the meeting starts: the backlog and what awaits
/// the body join it (ten minutes each, first), and what does not fit the
/// planned duration goes back to the backlog, carried over.
pub async fn settle(txn: &impl ConnectionTrait, seen: &Seen, by: Uuid) -> AppResult<()> {
    let agenda = of(txn, seen).await?;
    for p in &agenda.awaiting {
        agenda_item::ActiveModel {
            id: Set(new_id()),
            organisation_id: Set(seen.organisation.id),
            body_id: Set(seen.body.id),
            meeting_id: Set(Some(seen.meeting.id)),
            title: Set(p.title.clone()),
            description_source: Set(String::new()),
            description_html: Set(String::new()),
            proposer_id: Set(by),
            estimate_minutes: Set(10),
            priority: Set(100),
            rank: Set(None),
            proposal_id: Set(Some(p.id)),
            thread_id: Set(p.thread_id),
            urgent: Set(false),
            approved_by: Set(None),
            carried_from: Set(None),
            status: Set(ItemStatus::Open),
            created_at: Set(now()),
        }
        .insert(txn)
        .await?;
    }
    agenda_item::Entity::update_many()
        .col_expr(agenda_item::Column::MeetingId, Expr::value(seen.meeting.id))
        .filter(agenda_item::Column::MeetingId.is_null())
        .filter(agenda_item::Column::BodyId.eq(seen.body.id))
        .filter(agenda_item::Column::Status.eq(ItemStatus::Open))
        .exec(txn)
        .await?;
    let overflow: Vec<Uuid> = of(txn, seen)
        .await?
        .items
        .iter()
        .filter(|p| !p.fits)
        .map(|p| p.item.id)
        .collect();
    carry_over(txn, seen.meeting.id, overflow).await
}

async fn carry_over(conn: &impl ConnectionTrait, from: Uuid, ids: Vec<Uuid>) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    agenda_item::Entity::update_many()
        .col_expr(
            agenda_item::Column::MeetingId,
            Expr::value(Option::<Uuid>::None),
        )
        .col_expr(agenda_item::Column::CarriedFrom, Expr::value(from))
        .col_expr(agenda_item::Column::Rank, Expr::value(Option::<i32>::None))
        .filter(agenda_item::Column::Id.is_in(ids))
        .exec(conn)
        .await?;
    Ok(())
}

/// Sends a meeting's open items to the body's backlog: at its end (carried
/// over, `carried`), or when it is cancelled.
pub async fn to_backlog(
    conn: &impl ConnectionTrait,
    meeting_id: Uuid,
    carried: bool,
) -> AppResult<()> {
    let open = Condition::all()
        .add(agenda_item::Column::MeetingId.eq(meeting_id))
        .add(agenda_item::Column::Status.eq(ItemStatus::Open))
        .add(
            Condition::any()
                .add(agenda_item::Column::Urgent.eq(false))
                .add(agenda_item::Column::ApprovedBy.is_not_null()),
        );
    if carried {
        let ids: Vec<Uuid> = agenda_item::Entity::find()
            .select_only()
            .column(agenda_item::Column::Id)
            .filter(open)
            .into_tuple()
            .all(conn)
            .await?;
        return carry_over(conn, meeting_id, ids).await;
    }
    agenda_item::Entity::update_many()
        .col_expr(
            agenda_item::Column::MeetingId,
            Expr::value(Option::<Uuid>::None),
        )
        .col_expr(agenda_item::Column::Rank, Expr::value(Option::<i32>::None))
        .filter(open)
        .exec(conn)
        .await?;
    Ok(())
}
