//! The agenda as the API shows it.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};

use super::super::accounts::Person;
use super::super::id;
use super::super::loaders::person;
use crate::domain::agenda::ItemStatus;
use crate::entity::agenda_item;
use crate::graphql::context::request;
use crate::service::meetings::agenda;
use crate::text;

pub struct Agenda(pub(super) agenda::Agenda);

#[Object]
impl Agenda {
    /// Items close then (none while the date is to be fixed).
    async fn deadline(&self) -> Option<DateTime<Utc>> {
        self.0.deadline
    }
    /// Past the deadline: only urgent items, approved by a facilitator, join.
    async fn frozen(&self) -> bool {
        self.0.frozen
    }
    async fn items(&self) -> Vec<AgendaItem> {
        self.0
            .items
            .iter()
            .map(|p| AgendaItem {
                reserved: self.0.reserved.contains(&p.item.id),
                row: p.item.clone(),
                plan: Some((p.starts_after, p.fits)),
            })
            .collect()
    }
    /// Urgent items waiting for a facilitator's approval.
    async fn pending(&self) -> Vec<AgendaItem> {
        self.0
            .pending
            .iter()
            .map(|row| AgendaItem {
                reserved: self.0.reserved.contains(&row.id),
                row: row.clone(),
                plan: None,
            })
            .collect()
    }
    /// Decisions awaiting ratification and recommendations sent to the
    /// body, which join the agenda when the meeting starts.
    async fn awaiting(&self) -> Vec<Awaiting> {
        self.0
            .awaiting
            .iter()
            .map(|p| Awaiting {
                proposal_id: id(p.id),
                title: p.title.clone(),
                ratification: p.needs_ratification && p.forwarded_to.is_none(),
            })
            .collect()
    }
    /// Minutes the items that fit take together.
    async fn planned_minutes(&self) -> i32 {
        self.0
            .items
            .iter()
            .filter(|p| p.fits)
            .map(|p| p.item.estimate_minutes)
            .sum()
    }
}

#[derive(async_graphql::SimpleObject)]
pub struct Awaiting {
    pub proposal_id: ID,
    pub title: String,
    /// A decision to ratify (otherwise a commission's recommendation).
    pub ratification: bool,
}

pub struct AgendaItem {
    pub(super) row: agenda_item::Model,
    /// Minutes after the start, and whether it fits the planned duration.
    pub(super) plan: Option<(i32, bool)>,
    /// About a proposal the reader may not see: its title, text and links withheld.
    pub(super) reserved: bool,
}

impl AgendaItem {
    pub(super) fn new(row: agenda_item::Model) -> Self {
        AgendaItem {
            row,
            plan: None,
            reserved: false,
        }
    }
}

#[Object]
impl AgendaItem {
    async fn id(&self) -> ID {
        id(self.row.id)
    }
    /// Its meeting; none in the body's backlog.
    async fn meeting_id(&self) -> Option<ID> {
        self.row.meeting_id.map(id)
    }
    /// For an item about a proposal you may not see, a word saying so.
    async fn title(&self, ctx: &Context<'_>) -> Result<String> {
        if !self.reserved {
            return Ok(self.row.title.clone());
        }
        let reserved = text!(
            en: "Reserved item (the work of a body you do not take part in)",
            fr: "Point réservé (travaux d'une instance dont vous ne faites pas partie)"
        );
        Ok(reserved.in_locale(request(ctx)?.locale).to_owned())
    }
    /// About a proposal you may not see: its title, text and links are withheld.
    async fn reserved(&self) -> bool {
        self.reserved
    }
    /// Markdown, as written.
    async fn description(&self) -> &str {
        &self.row.description_source
    }
    async fn description_html(&self) -> &str {
        &self.row.description_html
    }
    async fn proposer(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.row.proposer_id).await
    }
    async fn estimate_minutes(&self) -> i32 {
        self.row.estimate_minutes
    }
    async fn priority(&self) -> i32 {
        self.row.priority
    }
    /// The place the preparer gave it.
    async fn rank(&self) -> Option<i32> {
        self.row.rank
    }
    async fn proposal_id(&self) -> Option<ID> {
        self.row.proposal_id.map(id)
    }
    async fn thread_id(&self) -> Option<ID> {
        self.row.thread_id.map(id)
    }
    /// Added after the deadline.
    async fn urgent(&self) -> bool {
        self.row.urgent
    }
    /// On the agenda: not urgent, or urgent and approved.
    async fn approved(&self) -> bool {
        !self.row.urgent || self.row.approved_by.is_some()
    }
    /// The meeting it was carried over from.
    async fn carried_from(&self) -> Option<ID> {
        self.row.carried_from.map(id)
    }
    async fn status(&self) -> ItemStatus {
        self.row.status
    }
    /// Minutes after the start of the meeting it is planned at.
    async fn starts_after_minutes(&self) -> Option<i32> {
        self.plan.map(|p| p.0)
    }
    /// Within the planned duration; otherwise carried over when the meeting starts.
    async fn fits(&self) -> Option<bool> {
        self.plan.map(|p| p.1)
    }
}

#[derive(InputObject)]
pub struct ProposeAgendaItemInput {
    pub meeting_id: ID,
    pub title: String,
    #[graphql(default)]
    pub description: String,
    #[graphql(default = 15)]
    pub estimate_minutes: i32,
    #[graphql(default)]
    pub priority: i32,
    pub proposal_id: Option<ID>,
    pub thread_id: Option<ID>,
    /// After the deadline: asks a facilitator to let it in.
    #[graphql(default)]
    pub urgent: bool,
}
