//! Following a meeting live: hundreds of people — a projector, everyone
//! online — follow the same meeting, and every change (a request for the
//! floor, the floor given) reaches them all. What they all read is loaded
//! once per change and shared: the meeting, its organisation and body, and
//! each speaking queue asked for. Who may see the meeting is checked per
//! person when they subscribe, and again every few seconds.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::prelude::*;
use tokio::sync::OnceCell;

use super::speaking::{self, Queue};
use super::{Seen, meeting_not_found};
use crate::entity::{body, meeting, organisation};
use crate::error::AppResult;
use crate::service::governance::bodies;
use crate::service::organisations;

/// How long a change's snapshot is kept for late subscribers.
const KEPT: Duration = Duration::from_secs(10);

/// A meeting as it stood after one change, shared by everyone following it.
pub struct Snapshot {
    pub meeting: meeting::Model,
    pub organisation: organisation::Model,
    pub body: body::Model,
    queues: tokio::sync::Mutex<HashMap<Uuid, Arc<OnceCell<Arc<Queue>>>>>,
}

impl Snapshot {
    /// The meeting as one reader sees it, if they still may.
    pub fn seen(
        &self,
        reader: Option<crate::domain::access::Reader>,
        in_body: bool,
    ) -> Option<Seen> {
        let allowed =
            crate::domain::access::can_see_meeting(self.meeting.visibility, reader, in_body);
        let meeting = super::Meeting {
            meeting: self.meeting.clone(),
            body: self.body.clone(),
            in_body,
        };
        Seen::when(allowed, meeting, self.organisation.clone(), reader)
    }

    /// An item's queue, loaded by the first reader to ask for it.
    pub async fn queue(
        &self,
        conn: &impl ConnectionTrait,
        seen: &Seen,
        item_id: Uuid,
    ) -> AppResult<Arc<Queue>> {
        let cell = self.queues.lock().await.entry(item_id).or_default().clone();
        cell.get_or_try_init(|| async { speaking::queue(conn, seen, item_id).await.map(Arc::new) })
            .await
            .cloned()
    }
}

/// A change's snapshot, loaded by the first follower to need it.
type Shared = Arc<OnceCell<Arc<Snapshot>>>;

/// The snapshots of recent changes, by change, with when each was first asked for.
#[derive(Default)]
pub struct LiveMeetings {
    changes: Mutex<HashMap<Uuid, (Instant, Shared)>>,
}

impl LiveMeetings {
    /// The meeting as it stood after `change`, loaded once for everyone.
    pub async fn snapshot(
        &self,
        conn: &impl ConnectionTrait,
        meeting_id: Uuid,
        change: Uuid,
    ) -> AppResult<Arc<Snapshot>> {
        let cell = {
            let mut changes = self
                .changes
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = Instant::now();
            changes.retain(|_, (at, _)| now.duration_since(*at) < KEPT);
            changes
                .entry(change)
                .or_insert_with(|| (now, Arc::default()))
                .1
                .clone()
        };
        cell.get_or_try_init(|| async {
            let found = meeting::Entity::find_by_id(meeting_id)
                .one(conn)
                .await?
                .ok_or_else(meeting_not_found)?;
            let organisation = organisations::get(conn, found.organisation_id).await?;
            let body = bodies::find(conn, found.body_id).await?;
            Ok(Arc::new(Snapshot {
                meeting: found,
                organisation,
                body,
                queues: Default::default(),
            }))
        })
        .await
        .cloned()
    }
}
