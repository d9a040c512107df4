//! Bodies, their people, powers and mandates.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};

use super::accounts::Person;
use super::context::{state, viewer};
use super::designations::DesignationCall;
use super::loaders::person;
use super::{id, parse_id};
use crate::domain::governance::{BodyKind, MandateStatus, ParityRule};
use crate::entity::{body, position, power};
use crate::service::governance::bodies::{self, Belongs, NewBody};
use crate::service::governance::designations;
use crate::service::governance::mandates::{self, Held, NewMandate};
use crate::service::governance::positions::{self, Designation, NewPosition};

/// A body of an organisation: its general assembly, a secretariat, a commission…
pub struct Body(pub body::Model);

#[Object]
impl Body {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn organisation_id(&self) -> ID {
        id(self.0.organisation_id)
    }
    async fn kind(&self) -> BodyKind {
        bodies::kind_of(&self.0)
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Markdown, as written.
    async fn description(&self) -> &str {
        &self.0.description_source
    }
    async fn description_html(&self) -> &str {
        &self.0.description_html
    }
    /// For a commission: lasting (a theme) rather than one-off (an event).
    async fn lasting(&self) -> bool {
        self.0.lasting
    }
    /// The method its proposals use unless they say otherwise.
    async fn default_method(&self) -> &str {
        &self.0.default_method
    }
    /// Its discussion space.
    async fn category_id(&self) -> ID {
        id(self.0.category_id)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The assembly's decision that created it; absent when an admin did,
    /// or for the general assembly, which comes with the organisation.
    async fn created_by_decision(&self) -> Option<ID> {
        self.0.created_by_decision.map(id)
    }
    async fn dissolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.dissolved_at
    }
    async fn dissolved_by_decision(&self) -> Option<ID> {
        self.0.dissolved_by_decision.map(id)
    }
    async fn dissolved_reason(&self) -> Option<&str> {
        self.0.dissolved_reason.as_deref()
    }
    /// Its people today and how each belongs (members of the organisation only).
    async fn people(&self, ctx: &Context<'_>) -> Result<Vec<BodyPerson>> {
        let state = state(ctx)?;
        let found = bodies::people_seen_by(state, viewer(ctx)?, &self.0).await?;
        Ok(found
            .into_iter()
            .map(|(account_id, belongs)| BodyPerson {
                account_id,
                belongs,
            })
            .collect())
    }
    /// The positions it fills by designation.
    async fn positions(&self, ctx: &Context<'_>) -> Result<Vec<Position>> {
        let found = positions::of_body(state(ctx)?, self.0.id).await?;
        Ok(found.into_iter().map(Position).collect())
    }
    /// Its mandates in force (members of the organisation only).
    async fn mandates(&self, ctx: &Context<'_>) -> Result<Vec<Mandate>> {
        let found = mandates::in_force_seen_by(state(ctx)?, viewer(ctx)?, &self.0).await?;
        Ok(found.into_iter().map(Mandate).collect())
    }
}

pub struct BodyPerson {
    account_id: uuid::Uuid,
    belongs: Belongs,
}

#[Object]
impl BodyPerson {
    async fn person(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.account_id).await
    }
    async fn belongs(&self) -> Belongs {
        self.belongs
    }
}

/// One person and one mission, in a body, with the powers it grants.
pub struct Mandate(pub Held);

#[Object]
impl Mandate {
    async fn id(&self) -> ID {
        id(self.0.mandate.id)
    }
    async fn body_id(&self) -> ID {
        id(self.0.mandate.body_id)
    }
    async fn holder(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        person(ctx, self.0.mandate.holder_id).await
    }
    async fn title(&self) -> &str {
        &self.0.mandate.title
    }
    /// Markdown, as written.
    async fn mission(&self) -> &str {
        &self.0.mandate.mission_source
    }
    async fn mission_html(&self) -> &str {
        &self.0.mandate.mission_html
    }
    /// The powers it grants (its scope).
    async fn powers(&self) -> &[String] {
        &self.0.powers
    }
    async fn status(&self) -> MandateStatus {
        self.0.status
    }
    async fn starts_on(&self) -> NaiveDate {
        self.0.mandate.starts_on
    }
    async fn ends_on(&self) -> Option<NaiveDate> {
        self.0.mandate.ends_on
    }
    /// Days held so far (or in all, once over).
    async fn tenure_days(&self) -> i64 {
        self.0.tenure_days
    }
    /// The assembly's adopted decision that granted it…
    async fn granted_by_decision(&self) -> Option<ID> {
        self.0.mandate.granted_by_decision.map(id)
    }
    /// … or the minutes cited instead.
    async fn granted_minutes(&self) -> Option<&str> {
        self.0.mandate.granted_minutes.as_deref()
    }
    /// The mandate this one renews.
    async fn previous_id(&self) -> Option<ID> {
        self.0.mandate.previous_id.map(id)
    }
    /// The position it fills, when designated to one.
    async fn position_id(&self) -> Option<ID> {
        self.0.mandate.position_id.map(id)
    }
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.mandate.revoked_at
    }
    async fn revoked_by_decision(&self) -> Option<ID> {
        self.0.mandate.revoked_by_decision.map(id)
    }
    async fn revoked_minutes(&self) -> Option<&str> {
        self.0.mandate.revoked_minutes.as_deref()
    }
    async fn revoked_reason(&self) -> Option<&str> {
        self.0.mandate.revoked_reason.as_deref()
    }
}

/// A position a body fills by designation: one holder, or a pair.
pub struct Position(position::Model);

#[Object]
impl Position {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn body_id(&self) -> ID {
        id(self.0.body_id)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// The qualities sought, as the body agreed them.
    async fn qualities(&self) -> Vec<String> {
        serde_json::from_value(self.0.qualities.clone()).unwrap_or_default()
    }
    /// The powers its mandates grant.
    async fn scope(&self) -> Vec<String> {
        serde_json::from_value(self.0.scope.clone()).unwrap_or_default()
    }
    /// 1, or 2 for a pair.
    async fn seats(&self) -> i32 {
        i32::from(self.0.seats)
    }
    async fn parity(&self) -> ParityRule {
        positions::parity_of(&self.0)
    }
    /// Its calls for candidacies, newest first (the organisation's people).
    async fn calls(&self, ctx: &Context<'_>) -> Result<Vec<DesignationCall>> {
        let found = designations::of_position(state(ctx)?, viewer(ctx)?, &self.0).await?;
        Ok(found.into_iter().map(DesignationCall).collect())
    }
    /// Its mandates, past and present, newest first (the organisation's people).
    async fn holders(&self, ctx: &Context<'_>) -> Result<Vec<Mandate>> {
        let found = mandates::of_position(state(ctx)?, viewer(ctx)?, &self.0).await?;
        Ok(found.into_iter().map(Mandate).collect())
    }
}

/// A power an organisation names, which mandates grant.
pub struct Power(power::Model);

#[Object]
impl Power {
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn label(&self) -> &str {
        &self.0.label
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
}

#[derive(Default)]
pub struct GovernanceQuery;

#[Object]
impl GovernanceQuery {
    /// An organisation's bodies: the assembly first, dissolved ones last.
    async fn bodies(&self, ctx: &Context<'_>, organisation_id: ID) -> Result<Vec<Body>> {
        let organisation_id = parse_id(&organisation_id, "organisationId")?;
        let found = bodies::list(state(ctx)?, organisation_id).await?;
        Ok(found.into_iter().map(Body).collect())
    }

    async fn body(&self, ctx: &Context<'_>, id: ID) -> Result<Body> {
        let state = state(ctx)?;
        let found = bodies::find(&state.db, parse_id(&id, "id")?).await?;
        Ok(Body(found))
    }

    /// The register of mandates, past and present, newest first (members).
    async fn mandate_register(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
        body_id: Option<ID>,
    ) -> Result<Vec<Mandate>> {
        let found = mandates::register(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&organisation_id, "organisationId")?,
            body_id.map(|b| parse_id(&b, "bodyId")).transpose()?,
        )
        .await?;
        Ok(found.into_iter().map(Mandate).collect())
    }

    /// The powers an organisation names.
    async fn powers(&self, ctx: &Context<'_>, organisation_id: ID) -> Result<Vec<Power>> {
        let id = parse_id(&organisation_id, "organisationId")?;
        Ok(mandates::powers(state(ctx)?, id)
            .await?
            .into_iter()
            .map(Power)
            .collect())
    }
}

#[derive(InputObject)]
pub struct CreateBodyInput {
    pub organisation_id: ID,
    pub kind: BodyKind,
    pub slug: String,
    pub name: String,
    #[graphql(default)]
    pub description: String,
    #[graphql(default = true)]
    pub lasting: bool,
    /// The assembly's adopted decision creating it; admins may go without.
    pub decision_id: Option<ID>,
    /// Its discussion space is read by its people only.
    #[graphql(default)]
    pub private: bool,
}

#[derive(InputObject)]
pub struct GrantMandateInput {
    pub body_id: ID,
    pub holder_id: ID,
    pub title: String,
    #[graphql(default)]
    pub mission: String,
    /// Powers the organisation names, e.g. `["treasury"]`.
    #[graphql(default)]
    pub scope: Vec<String>,
    /// Today when absent.
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// The assembly's adopted decision…
    pub decision_id: Option<ID>,
    /// … or the minutes of the meeting that took it.
    pub minutes: Option<String>,
}

#[derive(InputObject)]
pub struct RenewMandateInput {
    pub mandate_id: ID,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub decision_id: Option<ID>,
    pub minutes: Option<String>,
}

#[derive(InputObject)]
pub struct RevokeMandateInput {
    pub mandate_id: ID,
    pub decision_id: Option<ID>,
    pub minutes: Option<String>,
    /// Always required.
    pub reason: Option<String>,
}

#[derive(InputObject)]
pub struct CreatePositionInput {
    pub body_id: ID,
    pub title: String,
    #[graphql(default)]
    pub description: String,
    #[graphql(default)]
    pub qualities: Vec<String>,
    #[graphql(default)]
    pub scope: Vec<String>,
    /// 1, or 2 for a pair.
    #[graphql(default = 1)]
    pub seats: i32,
    #[graphql(default_with = "ParityRule::None")]
    pub parity: ParityRule,
}

#[derive(InputObject)]
pub struct DesignateInput {
    pub position_id: ID,
    /// As many people as the position has seats.
    pub holders: Vec<ID>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub decision_id: Option<ID>,
    pub minutes: Option<String>,
}

#[derive(Default)]
pub struct GovernanceMutation;

fn optional_id(value: Option<ID>, field: &'static str) -> Result<Option<uuid::Uuid>> {
    Ok(value.map(|v| parse_id(&v, field)).transpose()?)
}

#[Object]
impl GovernanceMutation {
    /// Creates a body on an adopted decision of the assembly (facilitators),
    /// or by an admin alone, recorded as such. Its discussion space comes with it.
    async fn create_body(&self, ctx: &Context<'_>, input: CreateBodyInput) -> Result<Body> {
        let created = bodies::create(
            state(ctx)?,
            viewer(ctx)?,
            NewBody {
                organisation_id: parse_id(&input.organisation_id, "organisationId")?,
                kind: input.kind,
                slug: input.slug,
                name: input.name,
                description: input.description,
                lasting: input.lasting,
                decision_id: optional_id(input.decision_id, "decisionId")?,
                private: input.private,
            },
        )
        .await?;
        Ok(Body(created))
    }

    /// Dissolves a body, with the reason; its archive stays readable.
    async fn dissolve_body(
        &self,
        ctx: &Context<'_>,
        id: ID,
        decision_id: Option<ID>,
        reason: String,
    ) -> Result<Body> {
        let dissolved = bodies::dissolve(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&id, "id")?,
            optional_id(decision_id, "decisionId")?,
            &reason,
        )
        .await?;
        Ok(Body(dissolved))
    }

    /// Joins a commission or working group (members of the organisation).
    async fn join_body(&self, ctx: &Context<'_>, id: ID) -> Result<Body> {
        let found =
            bodies::add(state(ctx)?, viewer(ctx)?, parse_id(&id, "id")?, None, None).await?;
        Ok(Body(found))
    }

    /// Leaves a body one joined.
    async fn leave_body(&self, ctx: &Context<'_>, id: ID) -> Result<Body> {
        let found = bodies::remove(state(ctx)?, viewer(ctx)?, parse_id(&id, "id")?, None).await?;
        Ok(Body(found))
    }

    /// Adds someone (facilitators): a council's delegate (with whom they
    /// represent as `note`), a commission's member, a popular assembly's guest.
    async fn add_body_member(
        &self,
        ctx: &Context<'_>,
        body_id: ID,
        account_id: ID,
        note: Option<String>,
    ) -> Result<Body> {
        let found = bodies::add(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&body_id, "bodyId")?,
            Some(parse_id(&account_id, "accountId")?),
            note,
        )
        .await?;
        Ok(Body(found))
    }

    /// Takes someone added out of a body (facilitators).
    async fn remove_body_member(
        &self,
        ctx: &Context<'_>,
        body_id: ID,
        account_id: ID,
    ) -> Result<Body> {
        let found = bodies::remove(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&body_id, "bodyId")?,
            Some(parse_id(&account_id, "accountId")?),
        )
        .await?;
        Ok(Body(found))
    }

    /// Names a power mandates may grant, e.g. `treasury` (admins).
    async fn define_power(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
        name: String,
        label: String,
        #[graphql(default)] description: String,
    ) -> Result<Power> {
        let created = mandates::define_power(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&organisation_id, "organisationId")?,
            &name,
            &label,
            &description,
        )
        .await?;
        Ok(Power(created))
    }

    /// Opens a position to fill by designation (facilitators).
    async fn create_position(
        &self,
        ctx: &Context<'_>,
        input: CreatePositionInput,
    ) -> Result<Position> {
        let created = positions::create(
            state(ctx)?,
            viewer(ctx)?,
            NewPosition {
                body_id: parse_id(&input.body_id, "bodyId")?,
                title: input.title,
                description: input.description,
                qualities: input.qualities,
                scope: input.scope,
                seats: input.seats,
                parity: input.parity,
            },
        )
        .await?;
        Ok(Position(created))
    }

    /// Fills a position on the assembly's decision (or the minutes cited):
    /// one mandate per holder, refused with `PARITY_VIOLATION` when a pair
    /// breaks its rule.
    async fn designate(&self, ctx: &Context<'_>, input: DesignateInput) -> Result<Vec<Mandate>> {
        let holders = input
            .holders
            .iter()
            .map(|h| parse_id(h, "holders"))
            .collect::<Result<_, _>>()?;
        let designated = positions::designate(
            state(ctx)?,
            viewer(ctx)?,
            Designation {
                position_id: parse_id(&input.position_id, "positionId")?,
                holders,
                starts_on: input.starts_on,
                ends_on: input.ends_on,
                decision_id: optional_id(input.decision_id, "decisionId")?,
                minutes: input.minutes,
            },
        )
        .await?;
        Ok(designated.into_iter().map(Mandate).collect())
    }

    /// Grants a mandate on the assembly's adopted decision (or the minutes
    /// cited), recorded by a facilitator.
    async fn grant_mandate(&self, ctx: &Context<'_>, input: GrantMandateInput) -> Result<Mandate> {
        let granted = mandates::grant(
            state(ctx)?,
            viewer(ctx)?,
            NewMandate {
                body_id: parse_id(&input.body_id, "bodyId")?,
                holder_id: parse_id(&input.holder_id, "holderId")?,
                title: input.title,
                mission: input.mission,
                scope: input.scope,
                starts_on: input.starts_on,
                ends_on: input.ends_on,
                decision_id: optional_id(input.decision_id, "decisionId")?,
                minutes: input.minutes,
                position_id: None,
            },
        )
        .await?;
        Ok(Mandate(granted))
    }

    /// Renews a mandate: a new one linked to it; the previous ends the day before.
    async fn renew_mandate(&self, ctx: &Context<'_>, input: RenewMandateInput) -> Result<Mandate> {
        let renewed = mandates::renew(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&input.mandate_id, "mandateId")?,
            input.starts_on,
            input.ends_on,
            optional_id(input.decision_id, "decisionId")?,
            input.minutes,
        )
        .await?;
        Ok(Mandate(renewed))
    }

    /// Revokes a mandate, at any time, on the assembly's decision (or the
    /// minutes cited) and with the reason.
    async fn revoke_mandate(
        &self,
        ctx: &Context<'_>,
        input: RevokeMandateInput,
    ) -> Result<Mandate> {
        let revoked = mandates::revoke(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&input.mandate_id, "mandateId")?,
            optional_id(input.decision_id, "decisionId")?,
            input.minutes,
            input.reason.as_deref(),
        )
        .await?;
        Ok(Mandate(revoked))
    }
}
