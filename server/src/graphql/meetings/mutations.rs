//! Scheduling and running meetings: the agenda, roles, attendance, the floor, breakouts, minutes.

use super::*;

#[derive(InputObject)]
pub struct ScheduleMeetingInput {
    pub body_id: ID,
    pub title: String,
    /// A fixed start…
    pub starts_at: Option<DateTime<Utc>>,
    /// … or a window to fix it in ("between 16 October and 6 November").
    pub window_starts_on: Option<NaiveDate>,
    pub window_ends_on: Option<NaiveDate>,
    #[graphql(default = 120)]
    pub duration_minutes: i32,
    #[graphql(default)]
    pub place: String,
    #[graphql(default)]
    pub video_url: String,
    #[graphql(default_with = "MeetingVisibility::Members")]
    pub visibility: MeetingVisibility,
    #[graphql(default)]
    pub extraordinary: bool,
    /// The agenda closes this many days before the start.
    #[graphql(default = 4)]
    pub agenda_deadline_days: i32,
    #[graphql(default_with = "GenderPriority::Priority")]
    pub speaking_priority: GenderPriority,
    pub speaking_limit_seconds: Option<i32>,
    /// The parity rule two facilitators follow.
    #[graphql(default_with = "ParityRule::None")]
    pub facilitator_parity: ParityRule,
    /// A recurrence (RFC 5545), e.g. `FREQ=WEEKLY;INTERVAL=2;BYDAY=TH`, read
    /// in the organisation's time zone from `firstStart`.
    pub rule: Option<String>,
    /// The first meeting of a recurrence, in local time: `2026-12-03T18:30:00`.
    pub first_start: Option<NaiveDateTime>,
    /// How many meetings of the recurrence to schedule now (at most 52).
    #[graphql(default = 12)]
    pub count: u16,
}

impl ScheduleMeetingInput {
    fn parse(&self) -> Result<NewMeeting> {
        let window = match (self.window_starts_on, self.window_ends_on) {
            (Some(from), Some(to)) => Some((from, to)),
            _ => None,
        };
        Ok(NewMeeting {
            body_id: parse_id(&self.body_id, "bodyId")?,
            title: self.title.clone(),
            starts_at: self.starts_at,
            window,
            duration_minutes: self.duration_minutes,
            place: self.place.clone(),
            video_url: self.video_url.clone(),
            visibility: self.visibility,
            extraordinary: self.extraordinary,
            agenda_deadline_days: self.agenda_deadline_days,
            speaking_priority: self.speaking_priority,
            speaking_limit_seconds: self.speaking_limit_seconds,
            facilitator_parity: self.facilitator_parity,
        })
    }
}

#[derive(Default)]
pub struct MeetingMutation;

pub(super) fn optional_id(value: Option<ID>, field: &'static str) -> Result<Option<uuid::Uuid>> {
    Ok(value.map(|v| parse_id(&v, field)).transpose()?)
}

pub(super) async fn seen_meeting(ctx: &Context<'_>, id: uuid::Uuid) -> Result<Meeting> {
    Ok(Meeting(
        meetings::seen(&state(ctx)?.db, maybe_viewer(ctx), id).await?,
        None,
    ))
}

#[Object]
impl MeetingMutation {
    /// Schedules a meeting of a body (the organisation's facilitators; a
    /// body's people for their own): at a start, in a window to fix, or —
    /// with `rule` and `firstStart` — a recurring series. Gives the
    /// meetings scheduled.
    async fn schedule_meeting(
        &self,
        ctx: &Context<'_>,
        input: ScheduleMeetingInput,
    ) -> Result<Vec<Meeting>> {
        let state = state(ctx)?;
        let new = input.parse()?;
        let created = match (&input.rule, input.first_start) {
            (Some(rule), Some(first)) => {
                let recurrence = Recurrence {
                    rule: rule.clone(),
                    first,
                    count: input.count,
                };
                meetings::schedule_series(state, viewer(ctx)?, new, recurrence).await?
            }
            (Some(_), None) => {
                return Err(crate::error::AppError::validation(
                    "firstStart",
                    crate::text!(en: "A recurrence starts from its first meeting's local date and time.", fr: "Une récurrence part de la date et de l'heure locales de sa première réunion."),
                )
                .into());
            }
            _ => vec![meetings::schedule(state, viewer(ctx)?, new).await?],
        };
        let mut shown = Vec::with_capacity(created.len());
        for m in created {
            shown.push(seen_meeting(ctx, m.id).await?);
        }
        Ok(shown)
    }

    /// Fixes the date of a meeting planned as a window.
    async fn fix_meeting(
        &self,
        ctx: &Context<'_>,
        id: ID,
        starts_at: DateTime<Utc>,
    ) -> Result<Meeting> {
        let fixed =
            meetings::fix(state(ctx)?, viewer(ctx)?, parse_id(&id, "id")?, starts_at).await?;
        seen_meeting(ctx, fixed.id).await
    }

    /// Cancels a meeting not yet started, with the reason; its agenda waits
    /// for the body's next meeting.
    async fn cancel_meeting(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: Option<String>,
    ) -> Result<Meeting> {
        let cancelled = meetings::cancel(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&id, "id")?,
            reason.as_deref(),
        )
        .await?;
        seen_meeting(ctx, cancelled.id).await
    }

    /// Opens the meeting: its agenda is settled (what does not fit is
    /// carried over).
    async fn start_meeting(&self, ctx: &Context<'_>, id: ID) -> Result<Meeting> {
        let started = meetings::start(state(ctx)?, viewer(ctx)?, parse_id(&id, "id")?).await?;
        seen_meeting(ctx, started.id).await
    }

    /// Closes the meeting: the items not taken up are carried over.
    async fn end_meeting(&self, ctx: &Context<'_>, id: ID) -> Result<Meeting> {
        let ended = meetings::end(state(ctx)?, viewer(ctx)?, parse_id(&id, "id")?).await?;
        seen_meeting(ctx, ended.id).await
    }

    /// Proposes an agenda item (the body's people), until the deadline;
    /// after it, only as `urgent` (`AGENDA_FROZEN` otherwise).
    async fn propose_agenda_item(
        &self,
        ctx: &Context<'_>,
        input: ProposeAgendaItemInput,
    ) -> Result<AgendaItem> {
        let created = agenda::propose(
            state(ctx)?,
            viewer(ctx)?,
            agenda::NewItem {
                meeting_id: parse_id(&input.meeting_id, "meetingId")?,
                title: input.title,
                description: input.description,
                estimate_minutes: input.estimate_minutes,
                priority: input.priority,
                proposal_id: optional_id(input.proposal_id, "proposalId")?,
                thread_id: optional_id(input.thread_id, "threadId")?,
                urgent: input.urgent,
            },
        )
        .await?;
        Ok(AgendaItem::new(created))
    }

    /// Lets an urgent item onto the agenda (facilitators).
    async fn approve_agenda_item(&self, ctx: &Context<'_>, id: ID) -> Result<AgendaItem> {
        let row = agenda::approve(state(ctx)?, viewer(ctx)?, parse_id(&id, "id")?).await?;
        Ok(AgendaItem::new(row))
    }

    /// Marks an item discussed (facilitators) or withdrawn (its proposer too).
    async fn set_agenda_item_status(
        &self,
        ctx: &Context<'_>,
        id: ID,
        status: ItemStatus,
    ) -> Result<AgendaItem> {
        let row =
            agenda::set_status(state(ctx)?, viewer(ctx)?, parse_id(&id, "id")?, status).await?;
        Ok(AgendaItem::new(row))
    }

    /// Orders the agenda (the next-agenda preparer, or facilitators): the
    /// items named first, in that order, the others by priority.
    async fn reorder_agenda(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        item_ids: Vec<ID>,
    ) -> Result<Meeting> {
        let meeting_id = parse_id(&meeting_id, "meetingId")?;
        let order = item_ids
            .iter()
            .map(|i| parse_id(i, "itemIds"))
            .collect::<Result<_, _>>()?;
        agenda::reorder(state(ctx)?, viewer(ctx)?, meeting_id, order).await?;
        seen_meeting(ctx, meeting_id).await
    }

    /// Mandates someone to a role of the meeting (facilitators).
    async fn assign_meeting_role(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        role: MeetingRole,
        account_id: ID,
    ) -> Result<Vec<RoleHolder>> {
        let found = attendance::assign(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&meeting_id, "meetingId")?,
            role,
            parse_id(&account_id, "accountId")?,
        )
        .await?;
        Ok(found.into_iter().map(RoleHolder).collect())
    }

    async fn release_meeting_role(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        role: MeetingRole,
        account_id: ID,
    ) -> Result<Vec<RoleHolder>> {
        let found = attendance::release(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&meeting_id, "meetingId")?,
            role,
            parse_id(&account_id, "accountId")?,
        )
        .await?;
        Ok(found.into_iter().map(RoleHolder).collect())
    }

    /// Signs the attendance sheet: yourself (no `accountId`), or anyone
    /// (facilitators and the minute-taker).
    async fn mark_attendance(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        account_id: Option<ID>,
        presence: Presence,
    ) -> Result<Meeting> {
        let meeting_id = parse_id(&meeting_id, "meetingId")?;
        attendance::mark(
            state(ctx)?,
            viewer(ctx)?,
            meeting_id,
            optional_id(account_id, "accountId")?,
            presence,
        )
        .await?;
        seen_meeting(ctx, meeting_id).await
    }

    /// Asks for the floor on an item (present people, online too), or a
    /// point of order; the moderator may add someone else (`accountId`).
    async fn request_floor(
        &self,
        ctx: &Context<'_>,
        item_id: ID,
        #[graphql(default)] point_of_order: bool,
        account_id: Option<ID>,
    ) -> Result<SpeakingRequest> {
        let kind = if point_of_order {
            Kind::PointOfOrder
        } else {
            Kind::Request
        };
        let created = speaking::request(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&item_id, "itemId")?,
            kind,
            optional_id(account_id, "accountId")?,
        )
        .await?;
        Ok(SpeakingRequest(created, None))
    }

    /// Takes a request off the queue: its speaker, or the moderator (recorded).
    async fn remove_from_queue(
        &self,
        ctx: &Context<'_>,
        request_id: ID,
    ) -> Result<SpeakingRequest> {
        let removed = speaking::remove(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&request_id, "requestId")?,
        )
        .await?;
        Ok(SpeakingRequest(removed, None))
    }

    /// Places a request at a position of the queue (the moderator).
    async fn place_in_queue(
        &self,
        ctx: &Context<'_>,
        request_id: ID,
        position: i32,
    ) -> Result<SpeakingRequest> {
        let placed = speaking::place(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&request_id, "requestId")?,
            position,
        )
        .await?;
        Ok(SpeakingRequest(placed, None))
    }

    /// Gives the floor to the next in the queue, or to the request named
    /// (the moderator); the intervention under way ends.
    async fn next_speaker(
        &self,
        ctx: &Context<'_>,
        item_id: ID,
        request_id: Option<ID>,
    ) -> Result<Option<SpeakingRequest>> {
        let started = speaking::next(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&item_id, "itemId")?,
            optional_id(request_id, "requestId")?,
        )
        .await?;
        Ok(started.map(|r| SpeakingRequest(r, None)))
    }

    /// Ends the intervention under way (the moderator).
    async fn stop_speaker(&self, ctx: &Context<'_>, item_id: ID) -> Result<bool> {
        speaking::stop(state(ctx)?, viewer(ctx)?, parse_id(&item_id, "itemId")?).await?;
        Ok(true)
    }

    /// Starts a round [tour de table]: everyone present in turn, with an
    /// optional limit each (the moderator).
    async fn start_round(
        &self,
        ctx: &Context<'_>,
        item_id: ID,
        limit_seconds: Option<i32>,
    ) -> Result<Vec<SpeakingRequest>> {
        let turns = speaking::round(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&item_id, "itemId")?,
            limit_seconds,
        )
        .await?;
        Ok(turns
            .into_iter()
            .map(|r| SpeakingRequest(r, None))
            .collect())
    }

    /// Splits those present into breakout groups of at most `maxSize` (10):
    /// at random, balanced in size (and in gender with `balanceGender`), or
    /// by hand with `groups` (the moderator).
    async fn split_into_groups(
        &self,
        ctx: &Context<'_>,
        input: SplitIntoGroupsInput,
    ) -> Result<Meeting> {
        let meeting_id = parse_id(&input.meeting_id, "meetingId")?;
        let groups = match input.groups {
            Some(groups) => Some(
                groups
                    .iter()
                    .map(|g| {
                        g.iter()
                            .map(|p| parse_id(p, "groups"))
                            .collect::<Result<Vec<_>, _>>()
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            None => None,
        };
        breakout::split(
            state(ctx)?,
            viewer(ctx)?,
            breakout::NewSplit {
                meeting_id,
                item_id: optional_id(input.item_id, "itemId")?,
                questions: input.questions,
                max_size: input.max_size,
                balance_gender: input.balance_gender,
                groups,
            },
        )
        .await?;
        seen_meeting(ctx, meeting_id).await
    }

    /// Names a group's rapporteur (one of its people, or the moderator).
    async fn name_rapporteur(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        account_id: ID,
    ) -> Result<BreakoutGroup> {
        let named = breakout::name_rapporteur(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&group_id, "groupId")?,
            parse_id(&account_id, "accountId")?,
        )
        .await?;
        Ok(BreakoutGroup(named))
    }

    /// The rapporteur submits the group's report (Markdown) and its answers
    /// to the questions, e.g. the names it proposes for a pair.
    async fn report_group(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        report: String,
        #[graphql(default)] answers: Vec<GroupAnswerInput>,
    ) -> Result<BreakoutGroup> {
        let answers = answers
            .into_iter()
            .map(|a| (a.question, a.answers))
            .collect();
        let reported = breakout::report(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&group_id, "groupId")?,
            &report,
            answers,
        )
        .await?;
        Ok(BreakoutGroup(reported))
    }

    /// Saves the minutes as you type (the minute-taker, or the facilitators)
    /// and holds the lock for two minutes more; someone else writing
    /// meanwhile is refused (`CONFLICT`).
    async fn save_minutes(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        text: String,
    ) -> Result<Minutes> {
        let saved = minutes::save(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&meeting_id, "meetingId")?,
            &text,
        )
        .await?;
        Ok(Minutes(saved))
    }

    /// Lets go of the minutes' lock before it lapses.
    async fn release_minutes(&self, ctx: &Context<'_>, meeting_id: ID) -> Result<bool> {
        minutes::release(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&meeting_id, "meetingId")?,
        )
        .await?;
        Ok(true)
    }

    /// Publishes the minutes of a meeting that has ended, once; after that
    /// they change only by a visible amendment.
    /// They become a published record (`Minutes.record`), as visible as
    /// the meeting unless `visibility` says otherwise.
    async fn publish_minutes(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        visibility: Option<crate::domain::record::RecordVisibility>,
    ) -> Result<Minutes> {
        let (published, _) = minutes::publish_minutes(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&meeting_id, "meetingId")?,
            visibility,
        )
        .await?;
        Ok(Minutes(published))
    }

    /// Issues your calendar token for the feeds of the meetings you may
    /// see; any earlier one stops working.
    async fn issue_calendar_feed(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
    ) -> Result<CalendarFeed> {
        let state = state(ctx)?;
        let organisation = crate::service::organisations::get(
            &state.db,
            parse_id(&organisation_id, "organisationId")?,
        )
        .await?;
        let token = feed::issue(state, viewer(ctx)?).await?;
        let url = format!(
            "{}/calendar/{}.ics?token={token}",
            state.settings.public_url(),
            organisation.slug
        );
        Ok(CalendarFeed { token, url })
    }
}
