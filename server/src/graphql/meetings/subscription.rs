//! A meeting followed live.

use super::*;

/// A change in a meeting, with the meeting as it now stands.
pub struct MeetingEvent {
    change: MeetingChange,
    meeting: Meeting,
}

#[Object]
impl MeetingEvent {
    async fn change(&self) -> MeetingChange {
        self.change
    }
    async fn meeting(&self) -> &Meeting {
        &self.meeting
    }
}

#[derive(Default)]
pub struct MeetingSubscription;

#[Subscription]
impl MeetingSubscription {
    /// Every change of a meeting you may see — agenda, attendance, the
    /// speaking queue — with the meeting as it now stands: a projector and
    /// every participant see the same queue. Ends with an error when you may
    /// no longer see the meeting.
    async fn meeting_live(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
    ) -> Result<impl Stream<Item = Result<MeetingEvent>> + use<>> {
        let meeting_id = parse_id(&meeting_id, "meetingId")?;
        live::follow(ctx, LiveMeeting(meeting_id)).await
    }
}

/// One meeting, followed live.
struct LiveMeeting(Uuid);

impl Live for LiveMeeting {
    /// The organisation; who the subscriber is there, and whether they are
    /// one of the body's people.
    type Right = (Uuid, Option<Reader>, bool);
    type Item = MeetingEvent;

    fn organisation(right: &Self::Right) -> Uuid {
        right.0
    }

    async fn check(&self, state: &AppState, viewer: Option<&ViewerData>) -> AppResult<Self::Right> {
        let seen = meetings::seen(&state.db, viewer, self.0).await?;
        Ok((seen.organisation.id, seen.reader, seen.in_body))
    }

    fn concern(&self, event: &Event) -> Concern {
        match event {
            Event::Meeting {
                meeting_id, change, ..
            } if *meeting_id == self.0 => match change {
                // Scheduled again (perhaps for other people), started, ended.
                MeetingChange::Scheduled | MeetingChange::Started | MeetingChange::Ended => {
                    Concern::Recheck
                }
                _ => Concern::Deliver,
            },
            _ => Concern::None,
        }
    }

    async fn deliver(
        &self,
        state: &AppState,
        _: Option<&ViewerData>,
        right: &Self::Right,
        event: Event,
    ) -> Option<MeetingEvent> {
        let Event::Meeting {
            change,
            id: change_id,
            ..
        } = event
        else {
            return None;
        };
        let live = state
            .live_meetings
            .snapshot(&state.db, self.0, change_id)
            .await
            .ok()?;
        let seen = live.seen(right.1, right.2)?;
        Some(MeetingEvent {
            change,
            meeting: Meeting(seen, Some(live)),
        })
    }
}
