//! In the room: roles, the attendance sheet and the speaking queue.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};

use super::super::accounts::Person;
use super::super::id;
use super::super::loaders::person;
use crate::domain::meeting::{MeetingRole, Presence};
use crate::domain::speaking_queue::Kind;
use crate::entity::{account, meeting_role, speaking_request};
use crate::service::meetings::{attendance, speaking};
use crate::service::now;

pub struct RoleHolder(pub(super) meeting_role::Model);

#[Object]
impl RoleHolder {
    async fn role(&self) -> MeetingRole {
        self.0.role
    }
    async fn person(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.0.account_id).await
    }
    async fn assigned_at(&self) -> DateTime<Utc> {
        self.0.assigned_at
    }
}

pub struct AttendanceLine(pub(super) attendance::Line);

#[Object]
impl AttendanceLine {
    async fn person(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.0.attendance.account_id).await
    }
    async fn presence(&self) -> Presence {
        self.0.attendance.status
    }
    /// Their first meeting of this body: welcome them.
    async fn first_time(&self) -> bool {
        self.0.first_time
    }
    async fn marked_at(&self) -> DateTime<Utc> {
        self.0.attendance.marked_at
    }
}

pub struct SpeakingQueue(pub(super) Arc<speaking::Queue>);

impl SpeakingQueue {
    fn request(&self, row: &speaking_request::Model) -> SpeakingRequest {
        SpeakingRequest(row.clone(), self.0.people.get(&row.account_id).cloned())
    }
}

#[Object]
impl SpeakingQueue {
    /// Who has the floor.
    async fn current(&self) -> Option<SpeakingRequest> {
        self.0.current.as_ref().map(|r| self.request(r))
    }
    /// Who waits, in the order they will speak.
    async fn waiting(&self) -> Vec<SpeakingRequest> {
        self.0.waiting.iter().map(|r| self.request(r)).collect()
    }
    /// What each person has said in the meeting so far.
    async fn speakers(&self) -> Vec<SpeakerTime> {
        self.0
            .spoken
            .iter()
            .map(|(account_id, s)| SpeakerTime {
                account_id: *account_id,
                account: self.0.people.get(account_id).cloned(),
                interventions: s.interventions,
                seconds: s.seconds,
            })
            .collect()
    }
}

/// The person of a request, loaded with the queue, or through the loader.
async fn speaker(
    ctx: &Context<'_>,
    account_id: uuid::Uuid,
    loaded: &Option<account::Model>,
) -> Result<Option<Person>> {
    match loaded {
        Some(account) => Ok(Some(Person::new(account.clone()))),
        None => person(ctx, account_id).await,
    }
}

pub struct SpeakingRequest(
    pub(super) speaking_request::Model,
    pub(super) Option<account::Model>,
);

#[Object]
impl SpeakingRequest {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn item_id(&self) -> ID {
        id(self.0.item_id)
    }
    async fn person(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        speaker(ctx, self.0.account_id, &self.1).await
    }
    async fn kind(&self) -> Kind {
        self.0.kind
    }
    async fn requested_at(&self) -> DateTime<Utc> {
        self.0.requested_at
    }
    /// Where the moderator placed it, if they did.
    async fn placed_at(&self) -> Option<i32> {
        self.0.placed_at
    }
    async fn limit_seconds(&self) -> Option<i32> {
        self.0.limit_seconds
    }
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.0.ended_at
    }
    /// Seconds spoken so far (for the intervention under way, until now).
    async fn seconds(&self) -> Option<i64> {
        speaking::timer(&self.0, now()).map(|t| t.0)
    }
    /// Past its time limit.
    async fn over_limit(&self) -> bool {
        speaking::timer(&self.0, now()).is_some_and(|t| t.1)
    }
}

pub struct SpeakerTime {
    account_id: uuid::Uuid,
    account: Option<account::Model>,
    interventions: u32,
    seconds: i64,
}

#[Object]
impl SpeakerTime {
    async fn person(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        speaker(ctx, self.account_id, &self.account).await
    }
    async fn interventions(&self) -> u32 {
        self.interventions
    }
    /// Total speaking time in the meeting.
    async fn seconds(&self) -> i64 {
        self.seconds
    }
}
