//! Meetings: the calendar, the agenda, roles and attendance, the speaking
//! queue, and their live updates.

mod agenda_items;
mod breakout_groups;
mod meeting_minutes;
mod mutations;
mod speaking_queue;
mod subscription;

use self::agenda_items::Agenda;
pub use agenda_items::{AgendaItem, ProposeAgendaItemInput};
pub use breakout_groups::{Breakout, BreakoutGroup, GroupAnswerInput, SplitIntoGroupsInput};
pub use meeting_minutes::Minutes;
pub use mutations::*;
pub use speaking_queue::{AttendanceLine, RoleHolder, SpeakingQueue, SpeakingRequest};
pub use subscription::*;

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, Result, Subscription};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use futures_util::Stream;

use super::context::{maybe_viewer, request, state, viewer};
use super::proposals::Proposal;
use super::{id, parse_id};
use crate::domain::access::Reader;
use crate::domain::agenda::ItemStatus;

use crate::domain::governance::ParityRule;
use crate::domain::meeting::{MeetingRole, MeetingStatus, MeetingVisibility, Presence};
use crate::domain::speaking_queue::{GenderPriority, Kind};
use crate::error::AppResult;
use crate::events::{Event, MeetingChange};
use crate::graphql::live::{self, Concern, Live};
use crate::service::meetings::live::Snapshot;
use crate::service::meetings::{
    self, NewMeeting, Period, Recurrence, Seen, agenda, attendance, breakout, feed, minutes,
    speaking,
};
use crate::service::now;
use crate::service::sessions::Viewer as ViewerData;
use crate::state::AppState;
use uuid::Uuid;

/// A meeting of a body, as one person sees it; followed live, with what
/// everyone following it shares.
pub struct Meeting(pub Seen, pub Option<Arc<Snapshot>>);

#[Object]
impl Meeting {
    async fn id(&self) -> ID {
        id(self.0.meeting.id)
    }
    async fn organisation_id(&self) -> ID {
        id(self.0.meeting.organisation_id)
    }
    async fn body_id(&self) -> ID {
        id(self.0.meeting.body_id)
    }
    async fn body_name(&self) -> &str {
        &self.0.body.name
    }
    /// The recurring series it belongs to, if any.
    async fn series_id(&self) -> Option<ID> {
        self.0.meeting.series_id.map(id)
    }
    async fn title(&self) -> &str {
        &self.0.meeting.title
    }
    async fn status(&self) -> MeetingStatus {
        self.0.status()
    }
    /// None while only a window is set.
    async fn starts_at(&self) -> Option<DateTime<Utc>> {
        self.0.meeting.starts_at
    }
    async fn window_starts_on(&self) -> Option<NaiveDate> {
        self.0.meeting.window_starts_on
    }
    async fn window_ends_on(&self) -> Option<NaiveDate> {
        self.0.meeting.window_ends_on
    }
    async fn duration_minutes(&self) -> i32 {
        self.0.meeting.duration_minutes
    }
    async fn place(&self) -> &str {
        &self.0.meeting.place
    }
    async fn video_url(&self) -> &str {
        &self.0.meeting.video_url
    }
    async fn visibility(&self) -> MeetingVisibility {
        self.0.meeting.visibility
    }
    async fn extraordinary(&self) -> bool {
        self.0.meeting.extraordinary
    }
    async fn speaking_priority(&self) -> GenderPriority {
        meetings::speaking_priority_of(&self.0.meeting)
    }
    async fn speaking_limit_seconds(&self) -> Option<i32> {
        self.0.meeting.speaking_limit_seconds
    }
    async fn facilitator_parity(&self) -> ParityRule {
        self.0.meeting.facilitator_parity
    }
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.meeting.started_at
    }
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.0.meeting.ended_at
    }
    async fn cancelled_at(&self) -> Option<DateTime<Utc>> {
        self.0.meeting.cancelled_at
    }
    async fn cancelled_reason(&self) -> Option<&str> {
        self.0.meeting.cancelled_reason.as_deref()
    }
    /// The agenda: items in order with their place in the plan, urgent items
    /// awaiting approval, and what joins by itself when the meeting starts.
    async fn agenda(&self, ctx: &Context<'_>) -> Result<Agenda> {
        let agenda = agenda::read_by(&state(ctx)?.db, &self.0, maybe_viewer(ctx)).await?;
        Ok(Agenda(agenda))
    }
    /// The roles mandated for the meeting.
    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<RoleHolder>> {
        let found = attendance::roles(&state(ctx)?.db, self.0.meeting.id).await?;
        Ok(found.into_iter().map(RoleHolder).collect())
    }
    /// The attendance sheet (the organisation's people).
    async fn attendance(&self, ctx: &Context<'_>) -> Result<Vec<AttendanceLine>> {
        let found = attendance::sheet_seen_by(&state(ctx)?.db, &self.0).await?;
        Ok(found.into_iter().map(AttendanceLine).collect())
    }
    /// People present, in the room or online.
    async fn present_count(&self, ctx: &Context<'_>) -> Result<u32> {
        Ok(attendance::present(&state(ctx)?.db, self.0.meeting.id).await?)
    }
    /// The attendance sheet as CSV, for the secretariat (facilitators).
    async fn attendance_csv(&self, ctx: &Context<'_>) -> Result<String> {
        let state = state(ctx)?;
        Ok(attendance::csv(&state.db, viewer(ctx)?, &self.0, request(ctx)?.locale).await?)
    }
    /// The minutes, once drafting has begun: published ones for everyone
    /// who sees the meeting, drafts for the organisation's people.
    async fn minutes(&self, ctx: &Context<'_>) -> Result<Option<Minutes>> {
        let found = minutes::seen_by(&state(ctx)?.db, &self.0).await?;
        Ok(found.map(Minutes))
    }
    /// When the minutes and decision record are due (a day after the end, a setting).
    async fn minutes_due_at(&self, ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>> {
        Ok(minutes::due(state(ctx)?, &self.0.meeting))
    }
    /// Due and not yet published.
    async fn minutes_overdue(&self, ctx: &Context<'_>) -> Result<bool> {
        let state = state(ctx)?;
        let published = minutes::of(&state.db, self.0.meeting.id)
            .await?
            .is_some_and(|m| m.published_at.is_some());
        Ok(crate::domain::minutes::overdue(
            minutes::due(state, &self.0.meeting),
            published,
            now(),
        ))
    }
    /// The decision record [relevé de décisions]: the decisions taken in the
    /// meeting and the body's proposals closed since its previous meeting,
    /// those you may see, oldest first.
    async fn decision_record(&self, ctx: &Context<'_>) -> Result<Vec<Proposal>> {
        let db = &state(ctx)?.db;
        let rows = minutes::decision_record(db, &self.0).await?;
        let seen = crate::service::proposals::seen_many(
            db,
            maybe_viewer(ctx),
            self.0.organisation.clone(),
            rows,
        )
        .await?;
        Ok(seen.into_iter().map(Proposal).collect())
    }
    /// Its breakout groups, split after split, with what they reported.
    async fn breakouts(&self, ctx: &Context<'_>) -> Result<Vec<Breakout>> {
        let found = breakout::of(&state(ctx)?.db, &self.0).await?;
        Ok(found.into_iter().map(Breakout).collect())
    }
    /// The speaking queue of an agenda item.
    async fn queue(&self, ctx: &Context<'_>, item_id: ID) -> Result<SpeakingQueue> {
        let item_id = parse_id(&item_id, "itemId")?;
        let db = &state(ctx)?.db;
        let found = match &self.1 {
            Some(live) => live.queue(db, &self.0, item_id).await?,
            None => Arc::new(speaking::queue(db, &self.0, item_id).await?),
        };
        Ok(SpeakingQueue(found))
    }
}

/// A person's calendar feeds: subscribe to them in a calendar application.
#[derive(async_graphql::SimpleObject)]
pub struct CalendarFeed {
    /// The secret of the feed addresses, shown once; a new one replaces it.
    pub token: String,
    /// The organisation's feed with the meetings you may see, e.g.
    /// `…/calendar/assemblee-montreuil.ics?token=…`; a body's is
    /// `…/calendar/<organisation>/<body>.ics?token=…`.
    pub url: String,
}

#[derive(Default)]
pub struct MeetingQuery;

#[Object]
impl MeetingQuery {
    async fn meeting(&self, ctx: &Context<'_>, id: ID) -> Result<Meeting> {
        let found =
            meetings::seen(&state(ctx)?.db, maybe_viewer(ctx), parse_id(&id, "id")?).await?;
        Ok(Meeting(found, None))
    }

    /// Meetings whose minutes are late: ended more than a day ago (the
    /// setting) and not published.
    async fn overdue_minutes(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
    ) -> Result<Vec<Meeting>> {
        let found = minutes::overdue(
            state(ctx)?,
            maybe_viewer(ctx),
            parse_id(&organisation_id, "organisationId")?,
        )
        .await?;
        Ok(found.into_iter().map(|m| Meeting(m, None)).collect())
    }

    /// An organisation's meetings you may see, by start (windows to fix last).
    async fn calendar(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
        body_id: Option<ID>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Result<Vec<Meeting>> {
        let period = Period {
            from,
            to,
            body_id: body_id.map(|b| parse_id(&b, "bodyId")).transpose()?,
        };
        let found = meetings::calendar(
            &state(ctx)?.db,
            maybe_viewer(ctx),
            parse_id(&organisation_id, "organisationId")?,
            period,
        )
        .await?;
        Ok(found.into_iter().map(|m| Meeting(m, None)).collect())
    }
}
