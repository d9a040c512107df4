//! Live events for GraphQL subscriptions, published after a transaction commits.
//!
//! Within one process a broadcast channel carries them. With PostgreSQL,
//! every event is also sent with `NOTIFY plenum_events` and every process
//! `LISTEN`s, so several Plenum processes sharing one database deliver to each
//! other's subscribers; an event carries its origin, so a process does not
//! deliver its own events twice. SQLite stays single-process.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};
use uuid::Uuid;

/// Something that happened to a membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, async_graphql::Enum)]
pub enum MembershipChange {
    Joined,
    StandingChanged,
    RoleChanged,
    Left,
    Removed,
}

/// Something that happened in the forum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, async_graphql::Enum)]
pub enum ForumChange {
    ThreadStarted,
    /// Closed, reopened, archived, pinned or moved.
    ThreadChanged,
    PostCreated,
    PostEdited,
    PostHidden,
    PostDeleted,
}

/// Something that happened to a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, async_graphql::Enum)]
pub enum ProposalChange {
    Opened,
    BallotCast,
    /// Someone was excluded from the vote.
    ElectorateChanged,
    /// A new round: the text changed and everyone votes again.
    Amended,
    Closed,
}

/// Something that happened in a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, async_graphql::Enum)]
pub enum MeetingChange {
    /// Scheduled, its date fixed, or cancelled.
    Scheduled,
    Started,
    /// Its agenda changed.
    Agenda,
    /// Roles or attendance changed.
    Attendance,
    /// The speaking queue changed: a request, a removal, the floor given or taken back.
    Queue,
    /// Breakout groups were formed, or one named its rapporteur or reported.
    Breakout,
    Ended,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Event {
    Membership {
        organisation_id: Uuid,
        membership_id: Uuid,
        /// The member.
        account_id: Uuid,
        change: MembershipChange,
    },
    /// A person's credentials or profile changed: a session or token was
    /// revoked, a password or a name changed. Caches and live
    /// subscriptions (which check the session again) listen.
    Account { account_id: Uuid },
    /// A person's rights in an organisation changed beyond their membership:
    /// a body joined or left, a recusal. Live subscriptions check again.
    Rights {
        organisation_id: Uuid,
        account_id: Uuid,
    },
    /// An organisation's settings or one of its discussion spaces changed
    /// (who may read or write there). Only caches listen.
    Organisation { organisation_id: Uuid },
    Forum {
        organisation_id: Uuid,
        category_id: Uuid,
        thread_id: Uuid,
        post_id: Option<Uuid>,
        change: ForumChange,
    },
    Proposal {
        organisation_id: Uuid,
        proposal_id: Uuid,
        change: ProposalChange,
    },
    Meeting {
        organisation_id: Uuid,
        meeting_id: Uuid,
        change: MeetingChange,
        /// This change, so that everyone following the meeting shares what
        /// is loaded for it.
        id: Uuid,
    },
}

/// An event as it crosses processes.
#[derive(Serialize, Deserialize)]
pub struct Envelope {
    pub origin: Uuid,
    pub event: Event,
}

/// The PostgreSQL channel the events travel on.
pub const CHANNEL: &str = "plenum_events";

/// How often each thing has changed, as far as this process knows: every
/// event that passes the bus, this process's own or another's, counts for
/// what it is about (a thread; a person). Things share counters by stripes
/// (memory stays fixed; a change then also counts for the stripe's other
/// things, which costs a cache a needless read, never a stale one), and a
/// total counts every change.
pub struct Versions {
    stripes: Box<[AtomicU64]>,
    total: AtomicU64,
}

impl Versions {
    const STRIPES: usize = 4096;

    fn new() -> Self {
        Versions {
            stripes: (0..Self::STRIPES).map(|_| AtomicU64::new(0)).collect(),
            total: AtomicU64::new(0),
        }
    }

    fn stripe(&self, id: Uuid) -> &AtomicU64 {
        let (high, low) = id.as_u64_pair();
        &self.stripes[((high ^ low) % Self::STRIPES as u64) as usize]
    }

    /// The thing's version now: read it before reading the thing, and keep
    /// what was read only while the version has not moved.
    pub fn of(&self, id: Uuid) -> u64 {
        self.stripe(id).load(Ordering::Acquire)
    }

    /// How many changes were counted in all: for a cache that learns which
    /// thing it read only by reading it (a credential's owner), unchanged
    /// from before the read to after means nothing moved meanwhile.
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Acquire)
    }

    fn count(&self, id: Uuid) {
        self.stripe(id).fetch_add(1, Ordering::AcqRel);
        self.total.fetch_add(1, Ordering::AcqRel);
    }

    /// Counts a change of everything: what was missed is unknown.
    fn count_all(&self) {
        for stripe in &self.stripes {
            stripe.fetch_add(1, Ordering::AcqRel);
        }
        self.total.fetch_add(1, Ordering::AcqRel);
    }
}

#[derive(Clone)]
pub struct EventBus {
    local: broadcast::Sender<Event>,
    origin: Uuid,
    /// Events to send to the other processes, when there are any.
    relay: Option<mpsc::UnboundedSender<Envelope>>,
    threads: Arc<Versions>,
    people: Arc<Versions>,
    organisations: Arc<Versions>,
}

impl EventBus {
    pub fn new() -> Self {
        EventBus {
            local: broadcast::channel(4096).0,
            origin: Uuid::new_v4(),
            relay: None,
            threads: Arc::new(Versions::new()),
            people: Arc::new(Versions::new()),
            organisations: Arc::new(Versions::new()),
        }
    }

    /// How often each thread has changed (for caches of what threads hold).
    pub fn threads(&self) -> Arc<Versions> {
        self.threads.clone()
    }

    /// How often each person's credentials, profile or memberships have
    /// changed (for caches of who is asking).
    pub fn people(&self) -> Arc<Versions> {
        self.people.clone()
    }

    /// How often each organisation's settings or spaces have changed (for
    /// caches of where things are and who may read them).
    pub fn organisations(&self) -> Arc<Versions> {
        self.organisations.clone()
    }

    fn count(&self, event: &Event) {
        match event {
            Event::Forum { thread_id, .. } => self.threads.count(*thread_id),
            Event::Membership { account_id, .. }
            | Event::Account { account_id }
            | Event::Rights { account_id, .. } => self.people.count(*account_id),
            Event::Organisation { organisation_id } => self.organisations.count(*organisation_id),
            Event::Proposal { .. } | Event::Meeting { .. } => {}
        }
    }

    /// Events may have been missed (the link to the other processes broke):
    /// everything kept is read again.
    pub fn count_all(&self) {
        self.threads.count_all();
        self.people.count_all();
        self.organisations.count_all();
    }

    /// Sends events to other processes through `relay` too.
    pub fn with_relay(mut self, relay: mpsc::UnboundedSender<Envelope>) -> Self {
        self.relay = Some(relay);
        self
    }

    pub fn origin(&self) -> Uuid {
        self.origin
    }

    /// Sends to whoever listens now; nobody listening is not an error.
    pub fn publish(&self, event: Event) {
        self.count(&event);
        if let Some(relay) = &self.relay {
            let _ = relay.send(Envelope {
                origin: self.origin,
                event: event.clone(),
            });
        }
        let _ = self.local.send(event);
    }

    /// Delivers an event that came from another process.
    pub fn deliver_remote(&self, envelope: Envelope) {
        if envelope.origin != self.origin {
            self.count(&envelope.event);
            let _ = self.local.send(envelope.event);
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.local.subscribe()
    }
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus::new()
    }
}

/// Most events sent in one `NOTIFY` statement.
const NOTIFY_BATCH: usize = 256;

/// Tries of a `NOTIFY` before it is given up (0.2 s, 0.4 s, 0.8 s… apart).
const NOTIFY_ATTEMPTS: u32 = 5;

/// A connection of its own that listens to the events' channel: outside the
/// pool, it is held for the life of the process and must not hold back
/// closing the pool.
async fn listen(url: &str) -> Result<sea_orm::sqlx::postgres::PgListener, sea_orm::sqlx::Error> {
    let mut listener = sea_orm::sqlx::postgres::PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// With PostgreSQL, relays events between processes: sends this process's
/// events with `NOTIFY`, delivers the others' from `LISTEN`. With SQLite,
/// returns the bus unchanged.
pub async fn relay_through_postgres(
    db: &sea_orm::DatabaseConnection,
    url: &str,
    bus: EventBus,
) -> anyhow::Result<EventBus> {
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(bus);
    }
    let pool = db.get_postgres_connection_pool().clone();
    let mut listener = listen(url).await?;
    let (incoming, url) = (bus.clone(), url.to_owned());
    tokio::spawn(async move {
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => {
                    match serde_json::from_str::<Envelope>(notification.payload()) {
                        Ok(envelope) => incoming.deliver_remote(envelope),
                        Err(e) => {
                            tracing::warn!(error = %e, "events: an unreadable notification was ignored")
                        }
                    }
                }
                // The link was lost, and with it whatever was sent until it
                // is back: caches read everything again, now and once
                // listening again.
                lost => {
                    if let Err(e) = lost {
                        tracing::warn!(error = %e, "events: listening to PostgreSQL failed");
                    }
                    tracing::warn!(
                        "events: the link to the other processes was lost; reconnecting"
                    );
                    incoming.count_all();
                    listener = loop {
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        match listen(&url).await {
                            Ok(listener) => break listener,
                            Err(e) => {
                                tracing::warn!(error = %e, "events: could not listen again; retrying")
                            }
                        }
                    };
                    incoming.count_all();
                }
            }
        }
    });
    let (sender, mut outgoing) = mpsc::unbounded_channel::<Envelope>();
    tokio::spawn(async move {
        // Everything waiting goes in one statement: under a burst of writes
        // the relay keeps up with one round trip per batch, not per event.
        let mut batch = Vec::new();
        while outgoing.recv_many(&mut batch, NOTIFY_BATCH).await > 0 {
            let payloads: Vec<String> = batch
                .drain(..)
                .filter_map(|envelope| serde_json::to_string(&envelope).ok())
                .collect();
            // A notification that fails is sent again (the other processes
            // would otherwise trust what they keep until their caches'
            // ceiling); after the last try it is given up, loudly.
            for attempt in 1..=NOTIFY_ATTEMPTS {
                let sent = sea_orm::sqlx::query(
                    "SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload",
                )
                .bind(CHANNEL)
                .bind(&payloads)
                .execute(&pool)
                .await;
                let Err(e) = sent else { break };
                if pool.is_closed() {
                    // Shutting down: the other processes' subscribers reload on reconnect.
                    return;
                }
                if attempt == NOTIFY_ATTEMPTS {
                    tracing::error!(error = %e, events = payloads.len(), "events: could not notify the other processes; they see these changes once their caches expire");
                } else {
                    tracing::warn!(error = %e, attempt, "events: could not notify the other processes; trying again");
                    tokio::time::sleep(std::time::Duration::from_millis(100 << attempt)).await;
                }
            }
        }
    });
    Ok(bus.with_relay(sender))
}
