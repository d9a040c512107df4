//! Memberships, their history, invitations and join requests, and the live
//! feed of membership changes.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject, Subscription};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::Stream;
use sea_orm::EntityTrait;
use uuid::Uuid;

use crate::domain::access::can_read_private_fields;
use crate::domain::membership::EventKind;
use crate::domain::membership::{EffectiveStanding, Role, Standing, StandingKind};
use crate::entity::{invitation, join_request, membership, membership_event};
use crate::error::{AppError, AppResult};
use crate::events::{Event, MembershipChange};
use crate::graphql::accounts::Person;
use crate::graphql::connection::simple;
use crate::graphql::context::{state, viewer};
use crate::graphql::live::{self, Concern, Live};
use crate::graphql::loaders::{person, person_granted};
use crate::graphql::organisations::{Organisation, load as load_organisation};
use crate::graphql::{id, parse_id};
use crate::service::invitations::{self, JoinOutcome, NewInvitation};
use crate::service::memberships::{self, standing_of};
use crate::service::organisations;
use crate::service::sessions::Viewer as ViewerData;
use crate::state::AppState;

/// A person's membership of an organisation.
pub struct Membership {
    row: membership::Model,
    /// May the reader see the member's private fields?
    reveal: bool,
}

impl Membership {
    pub fn new(row: membership::Model, reveal: bool) -> Self {
        Membership { row, reveal }
    }
}

#[Object]
impl Membership {
    async fn id(&self) -> ID {
        id(self.row.id)
    }
    async fn role(&self) -> Role {
        self.row.role
    }
    /// The standing today, in the organisation's time zone: in good standing,
    /// supporter, or lapsed.
    async fn standing(&self, ctx: &Context<'_>) -> Result<EffectiveStanding> {
        let org = load_organisation(ctx, self.row.organisation_id)
            .await?
            .ok_or_else(organisations::not_found)?;
        Ok(standing_of(&self.row).on(memberships::today_in(&org)))
    }
    /// What was recorded: member (with dues until `goodUntil`) or supporter.
    async fn standing_kind(&self) -> StandingKind {
        standing_of(&self.row).kind()
    }
    /// Last day of good standing; none for supporters, or members without dues.
    async fn good_until(&self) -> Option<NaiveDate> {
        self.row.good_until
    }
    async fn joined_at(&self) -> DateTime<Utc> {
        self.row.joined_at
    }
    async fn left_at(&self) -> Option<DateTime<Utc>> {
        self.row.left_at
    }
    async fn person(&self, ctx: &Context<'_>) -> Result<Person> {
        person_granted(ctx, self.row.account_id, self.reveal)
            .await?
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("membership without account")).into())
    }
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Organisation> {
        Ok(Organisation(
            load_organisation(ctx, self.row.organisation_id)
                .await?
                .ok_or_else(organisations::not_found)?,
        ))
    }
    /// Every change of this membership, oldest first (the member, facilitators and admins).
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, MembershipEvent>> {
        let has_after = after.is_some();
        let page = memberships::history(state(ctx)?, viewer(ctx)?, &self.row, first, after).await?;
        Ok(simple(
            "history",
            page,
            |e| e.id,
            MembershipEvent,
            has_after,
        ))
    }
}

/// One change in a membership's history.
pub struct MembershipEvent(membership_event::Model);

#[Object]
impl MembershipEvent {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn kind(&self) -> EventKind {
        self.0.kind
    }
    /// The role after the change.
    async fn role(&self) -> Role {
        self.0.role
    }
    /// The standing after the change.
    async fn standing_kind(&self) -> StandingKind {
        Standing::new(self.0.standing, self.0.good_until).kind()
    }
    async fn good_until(&self) -> Option<NaiveDate> {
        self.0.good_until
    }
    /// The reason or note given with the change.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Who made the change.
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        match self.0.actor_id {
            Some(actor) => person(ctx, actor).await,
            None => Ok(None),
        }
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
}

/// An invitation waiting to be used.
pub struct Invitation(pub invitation::Model);

#[Object]
impl Invitation {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn role(&self) -> Role {
        self.0.role
    }
    async fn standing_kind(&self) -> StandingKind {
        Standing::new(self.0.standing, self.0.good_until).kind()
    }
    async fn good_until(&self) -> Option<NaiveDate> {
        self.0.good_until
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
    async fn invited_by(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.0.invited_by).await
    }
}

/// A request to join an organisation.
pub struct JoinRequest(pub join_request::Model);

#[Object]
impl JoinRequest {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The person asking; facilitators and admins see their email to reply.
    async fn person(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person_granted(ctx, self.0.account_id, true).await
    }
    async fn message(&self) -> &str {
        &self.0.message
    }
    /// PENDING, ACCEPTED or DECLINED.
    async fn status(&self) -> String {
        self.0.status.to_uppercase()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
}

#[derive(InputObject)]
pub struct InviteMemberInput {
    pub organisation_id: ID,
    pub email: String,
    #[graphql(default_with = "Role::Member")]
    pub role: Role,
    #[graphql(default_with = "StandingKind::Member")]
    pub standing: StandingKind,
    /// For members: last day of good standing (dues paid until). None: no end.
    pub good_until: Option<NaiveDate>,
    /// Any account may accept it (a link shared in a meeting's chat).
    /// Otherwise only the account with this email may.
    #[graphql(default)]
    pub anyone_with_link: bool,
}

/// The invitation, and the link to give the person (shown once; it is also mailed).
#[derive(SimpleObject)]
pub struct InvitePayload {
    pub invitation: Invitation,
    pub link: String,
}

/// What asking to join led to: a membership (open organisations) or a
/// request waiting for an answer.
#[derive(SimpleObject)]
pub struct JoinPayload {
    pub membership: Option<Membership>,
    pub request: Option<JoinRequest>,
}

#[derive(InputObject)]
pub struct DecideJoinRequestInput {
    pub id: ID,
    pub accept: bool,
    /// The standing to give when accepting; supporter by default.
    #[graphql(default_with = "StandingKind::Supporter")]
    pub standing: StandingKind,
    pub good_until: Option<NaiveDate>,
}

#[derive(SimpleObject)]
pub struct JoinDecisionPayload {
    pub request: JoinRequest,
    pub membership: Option<Membership>,
}

#[derive(InputObject)]
pub struct SetStandingInput {
    pub membership_id: ID,
    pub standing: StandingKind,
    /// For members: last day of good standing. None: no end.
    pub good_until: Option<NaiveDate>,
    /// Kept in the membership's history (e.g. "dues paid in cash at the AG").
    pub note: Option<String>,
}

#[derive(Default)]
pub struct MembershipMutation;

#[Object]
impl MembershipMutation {
    /// Invites someone by email (facilitators and admins).
    async fn invite_member(
        &self,
        ctx: &Context<'_>,
        input: InviteMemberInput,
    ) -> Result<InvitePayload> {
        let new = NewInvitation {
            organisation_id: parse_id(&input.organisation_id, "organisationId")?,
            email: input.email,
            role: input.role,
            standing: Standing::new(input.standing, input.good_until),
            anyone_with_link: input.anyone_with_link,
        };
        let sent = invitations::invite(state(ctx)?, viewer(ctx)?, new).await?;
        Ok(InvitePayload {
            invitation: Invitation(sent.invitation),
            link: sent.link,
        })
    }

    /// Withdraws an invitation not yet used.
    async fn revoke_invitation(&self, ctx: &Context<'_>, id: ID) -> Result<Invitation> {
        Ok(Invitation(
            invitations::revoke(state(ctx)?, viewer(ctx)?, parse_id(&id, "id")?).await?,
        ))
    }

    /// Joins an organisation with the token of an invitation link.
    async fn accept_invitation(&self, ctx: &Context<'_>, token: String) -> Result<Membership> {
        Ok(Membership::new(
            invitations::accept(state(ctx)?, viewer(ctx)?, &token).await?,
            true,
        ))
    }

    /// Asks to join an organisation: joins at once as a supporter if it is
    /// open, or leaves a request for its facilitators.
    async fn request_to_join(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
        message: Option<String>,
    ) -> Result<JoinPayload> {
        let outcome = invitations::request_to_join(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&organisation_id, "organisationId")?,
            message,
        )
        .await?;
        Ok(match outcome {
            JoinOutcome::Joined(m) => JoinPayload {
                membership: Some(Membership::new(m, true)),
                request: None,
            },
            JoinOutcome::Requested(r) => JoinPayload {
                membership: None,
                request: Some(JoinRequest(r)),
            },
        })
    }

    /// Accepts or declines a request to join (facilitators and admins).
    async fn decide_join_request(
        &self,
        ctx: &Context<'_>,
        input: DecideJoinRequestInput,
    ) -> Result<JoinDecisionPayload> {
        let standing = input
            .accept
            .then(|| Standing::new(input.standing, input.good_until));
        let (request, m) = invitations::decide(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&input.id, "id")?,
            standing,
        )
        .await?;
        Ok(JoinDecisionPayload {
            request: JoinRequest(request),
            membership: m.map(|m| Membership::new(m, true)),
        })
    }

    /// Records a member's standing, e.g. dues paid until a date (facilitators and admins).
    async fn set_standing(&self, ctx: &Context<'_>, input: SetStandingInput) -> Result<Membership> {
        let standing = Standing::new(input.standing, input.good_until);
        let m = memberships::set_standing(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&input.membership_id, "membershipId")?,
            standing,
            input.note,
        )
        .await?;
        Ok(Membership::new(m, true))
    }

    /// Gives a member another role (admins).
    async fn set_role(
        &self,
        ctx: &Context<'_>,
        membership_id: ID,
        role: Role,
    ) -> Result<Membership> {
        let m = memberships::set_role(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&membership_id, "membershipId")?,
            role,
        )
        .await?;
        Ok(Membership::new(m, true))
    }

    /// Removes a member, with a reason kept in the history (facilitators and admins).
    async fn remove_member(
        &self,
        ctx: &Context<'_>,
        membership_id: ID,
        reason: Option<String>,
    ) -> Result<Membership> {
        let m = memberships::remove(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&membership_id, "membershipId")?,
            reason,
        )
        .await?;
        Ok(Membership::new(m, true))
    }

    /// Leaves an organisation. What you wrote stays, with your name.
    async fn leave_organisation(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
    ) -> Result<Membership> {
        let m = memberships::leave(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&organisation_id, "organisationId")?,
        )
        .await?;
        Ok(Membership::new(m, true))
    }
}

/// A change to a membership, as it happens.
#[derive(SimpleObject)]
pub struct MembershipChangeEvent {
    pub change: MembershipChange,
    pub membership: Membership,
}

#[derive(Default)]
pub struct MembershipSubscription;

#[Subscription]
impl MembershipSubscription {
    /// Joins, departures, standing and role changes in an organisation you
    /// belong to; ends with an error when you no longer do.
    async fn membership_changes(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
    ) -> Result<impl Stream<Item = Result<MembershipChangeEvent>> + use<>> {
        let organisation_id = parse_id(&organisation_id, "organisationId")?;
        live::follow(ctx, MembershipChanges(organisation_id)).await
    }
}

/// The membership changes of one organisation.
struct MembershipChanges(Uuid);

impl Live for MembershipChanges {
    /// The organisation, and whether the subscriber reads private fields.
    type Right = (Uuid, bool);
    type Item = MembershipChangeEvent;

    fn organisation(right: &(Uuid, bool)) -> Uuid {
        right.0
    }

    async fn check(
        &self,
        state: &AppState,
        viewer: Option<&ViewerData>,
    ) -> AppResult<(Uuid, bool)> {
        let viewer = viewer.ok_or_else(AppError::unauthenticated)?;
        organisations::get(&state.db, self.0).await?;
        let reader = memberships::require_member(&state.db, viewer, self.0).await?;
        Ok((self.0, can_read_private_fields(reader.role)))
    }

    fn concern(&self, event: &Event) -> Concern {
        match event {
            Event::Membership {
                organisation_id, ..
            } if *organisation_id == self.0 => Concern::Deliver,
            _ => Concern::None,
        }
    }

    async fn deliver(
        &self,
        state: &AppState,
        viewer: Option<&ViewerData>,
        right: &(Uuid, bool),
        event: Event,
    ) -> Option<MembershipChangeEvent> {
        let Event::Membership {
            membership_id,
            change,
            ..
        } = event
        else {
            return None;
        };
        let row = membership::Entity::find_by_id(membership_id)
            .one(&state.db)
            .await
            .ok()
            .flatten()?;
        let reveal = right.1 || Some(row.account_id) == viewer.map(ViewerData::id);
        Some(MembershipChangeEvent {
            change,
            membership: Membership::new(row, reveal),
        })
    }
}
