//! Live events for GraphQL subscriptions, published after a transaction commits.
//!
//! In one process a broadcast channel is enough; several processes sharing one
//! PostgreSQL will relay through LISTEN/NOTIFY (forum issue).

use tokio::sync::broadcast;
use uuid::Uuid;

/// Something that happened to a membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum MembershipChange {
    Joined,
    StandingChanged,
    RoleChanged,
    Left,
    Removed,
}

#[derive(Debug, Clone)]
pub enum Event {
    Membership {
        organisation_id: Uuid,
        membership_id: Uuid,
        change: MembershipChange,
    },
}

#[derive(Clone)]
pub struct EventBus(broadcast::Sender<Event>);

impl EventBus {
    pub fn new() -> Self {
        EventBus(broadcast::channel(1024).0)
    }

    /// Sends to whoever listens now; nobody listening is not an error.
    pub fn publish(&self, event: Event) {
        let _ = self.0.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.0.subscribe()
    }
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus::new()
    }
}
