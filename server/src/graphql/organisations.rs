//! Organisations: their public face, their children and their members.

use crate::domain::access::can_read_private_fields;
use crate::domain::governance::UndeclaredGender;
use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};

use crate::domain::membership::EffectiveStanding;
use crate::domain::organisation::{RegistrationMode, RemoteImages};
use crate::entity::organisation;
use crate::error::AppError;
use crate::graphql::connection::{MemberConnection, Total, connect, simple};
use crate::graphql::context::{maybe_viewer, state, viewer};
use crate::graphql::loaders::Loaders;
use crate::graphql::memberships::{Invitation, JoinRequest, Membership};
use crate::graphql::{id, parse_id};
use crate::i18n::Locale;
use crate::service::memberships::MemberFilter;
use crate::service::organisations::{self, NewOrganisation, OrganisationChange};
use crate::service::{invitations, memberships};
use crate::text;

/// An organisation: a movement, an association, a federation, a local group.
/// Its name and description are public; its members are visible to members.
pub struct Organisation(pub organisation::Model);

#[Object]
impl Organisation {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The short name used in addresses, e.g. `assemblee-montreuil`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn timezone(&self) -> &str {
        &self.0.timezone
    }
    async fn default_locale(&self) -> Locale {
        Locale::parse(&self.0.default_locale).unwrap_or_default()
    }
    async fn registration_mode(&self) -> RegistrationMode {
        self.0.registration_mode
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The organisation this one belongs to, if any.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        match self.0.parent_id {
            Some(parent) => Ok(load(ctx, parent).await?.map(Organisation)),
            None => Ok(None),
        }
    }
    /// The organisations directly under this one, oldest first.
    async fn children(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Organisation>> {
        let has_after = after.is_some();
        let page = organisations::children(state(ctx)?, self.0.id, first, after).await?;
        Ok(simple("children", page, |o| o.id, Organisation, has_after))
    }
    /// Current members, in the order they joined (members of the organisation only).
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        standing: Option<EffectiveStanding>,
    ) -> Result<MemberConnection<Membership>> {
        let viewer = viewer(ctx)?;
        let has_after = after.is_some();
        let filter = MemberFilter { standing };
        let list = memberships::list(state(ctx)?, viewer, &self.0, filter, first, after).await?;
        let privileged = can_read_private_fields(list.reader.role);
        let me = viewer.id();
        Ok(connect(
            "members",
            list.page,
            |m| m.id,
            |m| {
                let reveal = privileged || m.account_id == me;
                Membership::new(m, reveal)
            },
            Total {
                total_count: list.total,
            },
            has_after,
        ))
    }
    /// The viewer's own membership, if they are a member.
    async fn viewer_membership(&self, ctx: &Context<'_>) -> Result<Option<Membership>> {
        let Some(viewer) = maybe_viewer(ctx) else {
            return Ok(None);
        };
        Ok(memberships::active(&state(ctx)?.db, self.0.id, viewer.id())
            .await?
            .map(|m| Membership::new(m, true)))
    }
    /// Invitations not yet used (facilitators and admins).
    async fn invitations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Invitation>> {
        let has_after = after.is_some();
        let page = invitations::pending(state(ctx)?, viewer(ctx)?, self.0.id, first, after).await?;
        Ok(simple("invitations", page, |i| i.id, Invitation, has_after))
    }
    /// Minutes during which authors may edit their posts; null: no limit.
    async fn edit_window_minutes(&self) -> Option<i32> {
        self.0.edit_window_minutes
    }
    /// How many proxies one person may hold at once (0: no proxies).
    async fn max_proxies_held(&self) -> i32 {
        self.0.max_proxies_held
    }
    /// How parity rules treat people who declared no gender.
    async fn undeclared_gender(&self) -> UndeclaredGender {
        self.0.undeclared_gender
    }
    /// Whether candidates are kept out of the deliberation thread of their
    /// own position until it is decided (they never vote on it).
    async fn recusal_hides_deliberation(&self) -> bool {
        self.0.recusal_hides_deliberation
    }
    /// The theme of its public pages.
    /// How images written in Markdown reach readers: `LINKS` (the default)
    /// or `PROXIED` (shown, fetched by Plenum). Applies to what is written
    /// or edited after a change.
    async fn remote_images(&self) -> RemoteImages {
        self.0.remote_images
    }

    async fn theme(&self) -> &str {
        &self.0.theme
    }
    /// Discussion spaces the viewer may read.
    async fn categories(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, crate::graphql::forum::Category>> {
        crate::graphql::forum::organisation_categories(ctx, self.0.id, first, after).await
    }
    /// Every act of moderation, newest first (admins).
    async fn moderation_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, crate::graphql::forum::ModerationEntry>> {
        crate::graphql::forum::organisation_moderation_log(ctx, self.0.id, first, after).await
    }
    /// Requests to join waiting for an answer (facilitators and admins).
    async fn join_requests(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, JoinRequest>> {
        let has_after = after.is_some();
        let page =
            invitations::pending_requests(state(ctx)?, viewer(ctx)?, self.0.id, first, after)
                .await?;
        Ok(simple(
            "joinRequests",
            page,
            |r| r.id,
            JoinRequest,
            has_after,
        ))
    }
}

/// Loads an organisation through the request's batching loader.
pub async fn load(
    ctx: &Context<'_>,
    organisation_id: uuid::Uuid,
) -> Result<Option<organisation::Model>> {
    let loaders = ctx
        .data::<Loaders>()
        .map_err(|_| AppError::internal(anyhow::anyhow!("loaders missing")))?;
    Ok(loaders
        .organisations
        .load_one(organisation_id)
        .await
        .map_err(AppError::internal)?)
}

#[derive(Default)]
pub struct OrganisationQuery;

#[Object]
impl OrganisationQuery {
    /// An organisation by its short name or its id.
    async fn organisation(
        &self,
        ctx: &Context<'_>,
        slug: Option<String>,
        id: Option<ID>,
    ) -> Result<Organisation> {
        let db = &state(ctx)?.db;
        let org = match (slug, id) {
            (Some(slug), None) => organisations::get_by_slug(db, &slug).await?,
            (None, Some(id)) => organisations::get(db, parse_id(&id, "id")?).await?,
            _ => {
                return Err(AppError::validation(
                    "slug",
                    text!(en: "Give either the slug or the id of the organisation.", fr: "Indiquez soit le nom court, soit l'identifiant de l'organisation."),
                )
                .into());
            }
        };
        Ok(Organisation(org))
    }
}

#[derive(InputObject)]
pub struct CreateOrganisationInput {
    /// 2–64 lower-case letters, digits or hyphens.
    pub slug: String,
    pub name: String,
    #[graphql(default)]
    pub description: String,
    /// An IANA time zone; Europe/Paris by default.
    #[graphql(default_with = "String::from(\"Europe/Paris\")")]
    pub timezone: String,
    #[graphql(default_with = "Locale::Fr")]
    pub default_locale: Locale,
    #[graphql(default_with = "RegistrationMode::Request")]
    pub registration_mode: RegistrationMode,
    /// Creates the organisation under this one (you must be an admin of it).
    pub parent_id: Option<ID>,
}

#[derive(InputObject)]
pub struct UpdateOrganisationInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub timezone: Option<String>,
    pub default_locale: Option<Locale>,
    pub registration_mode: Option<RegistrationMode>,
    /// Minutes during which authors may edit their posts; null: no limit.
    pub edit_window_minutes: async_graphql::MaybeUndefined<i32>,
    /// How many proxies one person may hold at once (0 to 100; default 1).
    pub max_proxies_held: Option<i32>,
    /// How parity rules treat people who declared no gender: `UNKNOWN`
    /// (nothing assumed, the default) or `VOUCHED` (the assembly vouches).
    pub undeclared_gender: Option<UndeclaredGender>,
    /// Keep candidates out of the deliberation thread of their own position
    /// until it is decided (default false: they read it, never vote on it).
    pub recusal_hides_deliberation: Option<bool>,
    /// The theme of its public pages: a folder `themes/<name>/` (unknown
    /// names fall back to the default theme).
    pub theme: Option<String>,
    /// `LINKS` (the default): an image is a link « 🖼 description » the
    /// reader opens by choice; `PROXIED`: it is shown, fetched by Plenum, so
    /// the image's server never learns who reads. For what is written or
    /// edited after the change.
    pub remote_images: Option<RemoteImages>,
}

#[derive(Default)]
pub struct OrganisationMutation;

#[Object]
impl OrganisationMutation {
    /// Creates an organisation; you become its first admin.
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganisationInput,
    ) -> Result<Organisation> {
        let parent_id = input
            .parent_id
            .as_ref()
            .map(|p| parse_id(p, "parentId"))
            .transpose()?;
        let new = NewOrganisation {
            slug: input.slug,
            name: input.name,
            description: input.description,
            timezone: input.timezone,
            default_locale: input.default_locale,
            registration_mode: input.registration_mode,
            parent_id,
        };
        Ok(Organisation(
            crate::service::governance::bodies::found(state(ctx)?, viewer(ctx)?, new).await?,
        ))
    }

    /// Changes an organisation's settings (admins).
    async fn update_organisation(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateOrganisationInput,
    ) -> Result<Organisation> {
        let change = OrganisationChange {
            name: input.name,
            description: input.description,
            timezone: input.timezone,
            default_locale: input.default_locale,
            registration_mode: input.registration_mode,
            edit_window_minutes: match input.edit_window_minutes {
                async_graphql::MaybeUndefined::Undefined => None,
                async_graphql::MaybeUndefined::Null => Some(None),
                async_graphql::MaybeUndefined::Value(v) => Some(Some(v)),
            },
            max_proxies_held: input.max_proxies_held,
            undeclared_gender: input.undeclared_gender,
            recusal_hides_deliberation: input.recusal_hides_deliberation,
            theme: input.theme,
            remote_images: input.remote_images,
        };
        Ok(Organisation(
            organisations::update(state(ctx)?, viewer(ctx)?, parse_id(&id, "id")?, change).await?,
        ))
    }
}
