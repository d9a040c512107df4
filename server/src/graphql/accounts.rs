//! Accounts, sessions, API tokens and the viewer.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use crate::domain::account::Gender;
use crate::entity::{account, auth_token};
use crate::graphql::connection::simple;
use crate::graphql::context::{request, state, viewer};
use crate::graphql::http::{clear_session_cookie, session_cookie};
use crate::graphql::memberships::Membership;
use crate::graphql::{id, parse_id};
use crate::i18n::Locale;
use crate::service::accounts::{self, NewAccount, ProfileChange};
use crate::service::sessions::{self, KIND_PERSONAL, KIND_SESSION, Viewer as ViewerData};
use crate::service::{memberships, sessions::Issued};

/// A person as others see them. Private fields (email, gender, pronouns) are
/// null unless the reader is the person or a facilitator or admin of one of
/// the person's organisations, as DOMAIN.md requires.
pub struct Person {
    pub account: account::Model,
    pub reveal_private: bool,
}

#[Object]
impl Person {
    async fn id(&self) -> ID {
        id(self.account.id)
    }
    async fn display_name(&self) -> &str {
        &self.account.display_name
    }
    /// The name to @mention them by.
    async fn handle(&self) -> Option<&str> {
        self.account.handle.as_deref()
    }
    /// Private: the person and their organisations' facilitators and admins only.
    async fn email(&self) -> Option<&str> {
        self.reveal_private.then_some(self.account.email.as_str())
    }
    /// Private, self-declared, used only by parity rules and speaking priority.
    async fn gender(&self) -> Option<Gender> {
        self.reveal_private
            .then(|| self.account.gender.as_deref().and_then(Gender::from_db))
            .flatten()
    }
    /// Private, self-declared.
    async fn pronouns(&self) -> Option<&str> {
        self.reveal_private
            .then_some(self.account.pronouns.as_deref())
            .flatten()
    }
}

/// The logged-in person, with what only they may see.
pub struct Viewer(pub ViewerData);

#[Object]
impl Viewer {
    async fn person(&self) -> Person {
        Person {
            account: self.0.account.clone(),
            reveal_private: true,
        }
    }
    async fn email(&self) -> &str {
        &self.0.account.email
    }
    async fn locale(&self) -> Locale {
        Locale::parse(&self.0.account.locale).unwrap_or_default()
    }
    async fn timezone(&self) -> &str {
        &self.0.account.timezone
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.account.created_at
    }
    /// The session or token this request was made with.
    async fn current_credential_id(&self) -> ID {
        id(self.0.token_id)
    }
    /// Active login sessions, newest first.
    async fn sessions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Session>> {
        let has_after = after.is_some();
        let page = sessions::list(state(ctx)?, &self.0, KIND_SESSION, first, after).await?;
        let current = self.0.token_id;
        Ok(simple(
            KIND_SESSION,
            page,
            |t| t.id,
            |t| Session {
                current: t.id == current,
                token: t,
            },
            has_after,
        ))
    }
    /// Active personal API tokens, newest first.
    async fn api_tokens(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, ApiToken>> {
        let has_after = after.is_some();
        let page = sessions::list(state(ctx)?, &self.0, KIND_PERSONAL, first, after).await?;
        Ok(simple(KIND_PERSONAL, page, |t| t.id, ApiToken, has_after))
    }
    /// The organisations the viewer belongs to.
    async fn memberships(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Membership>> {
        let has_after = after.is_some();
        let page = memberships::mine(state(ctx)?, &self.0, first, after).await?;
        Ok(simple(
            "memberships",
            page,
            |m| m.id,
            |m| Membership::new(m, true),
            has_after,
        ))
    }
}

/// A login session (a browser, an app).
pub struct Session {
    token: auth_token::Model,
    current: bool,
}

#[Object]
impl Session {
    async fn id(&self) -> ID {
        id(self.token.id)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.token.created_at
    }
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.token.expires_at
    }
    /// When the session was last used, to within ten minutes.
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.token.last_used_at
    }
    async fn user_agent(&self) -> Option<&str> {
        self.token.user_agent.as_deref()
    }
    /// Is this the session making the request?
    async fn current(&self) -> bool {
        self.current
    }
}

/// A named personal API token, for scripts and integrations.
pub struct ApiToken(auth_token::Model);

#[Object]
impl ApiToken {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn name(&self) -> &str {
        self.0.name.as_deref().unwrap_or_default()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
}

#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// The logged-in person, or null for an anonymous visitor.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Option<Viewer>> {
        Ok(request(ctx)?.viewer.clone().map(Viewer))
    }
}

#[derive(InputObject)]
pub struct RegisterInput {
    pub email: String,
    /// At least 12 characters.
    pub password: String,
    pub display_name: String,
    pub locale: Option<Locale>,
    /// An IANA time zone such as Europe/Paris (the default).
    pub timezone: Option<String>,
    /// The name used in @mentions (e.g. camille.martin); made from the display name when absent.
    pub handle: Option<String>,
    /// The token of an invitation link: joins its organisation at once.
    pub invitation_token: Option<String>,
}

#[derive(InputObject)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
}

/// A new session. Browsers also receive it as an HttpOnly cookie; API
/// clients send it as `Authorization: Bearer <token>`.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// The session token, shown once.
    pub token: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub viewer: Viewer,
}

#[derive(InputObject)]
pub struct CreateApiTokenInput {
    pub name: String,
    /// Days until the token stops working; never, when absent.
    pub expires_in_days: Option<i32>,
}

#[derive(SimpleObject)]
pub struct ApiTokenPayload {
    /// The token, shown once: copy it now.
    pub token: String,
    pub api_token: ApiToken,
}

#[derive(InputObject)]
pub struct ChangePasswordInput {
    pub current_password: String,
    pub new_password: String,
}

#[derive(InputObject)]
pub struct UpdateProfileInput {
    pub display_name: Option<String>,
    pub locale: Option<Locale>,
    pub timezone: Option<String>,
    /// Set to null to withdraw a declared gender.
    pub gender: MaybeUndefined<Gender>,
    /// Set to null (or "") to remove.
    pub pronouns: MaybeUndefined<String>,
}

fn into_change<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

fn logged_in(ctx: &Context<'_>, account: account::Model, issued: Issued) -> Result<AuthPayload> {
    let settings = &state(ctx)?.settings;
    ctx.insert_http_header(
        axum::http::header::SET_COOKIE,
        session_cookie(settings, &issued.token),
    );
    Ok(AuthPayload {
        token: issued.token,
        expires_at: issued.record.expires_at,
        viewer: Viewer(ViewerData::new(account, issued.record.id)),
    })
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Creates an account and logs it in.
    async fn register(&self, ctx: &Context<'_>, input: RegisterInput) -> Result<AuthPayload> {
        let req = request(ctx)?;
        let new = NewAccount {
            email: input.email,
            password: input.password,
            display_name: input.display_name,
            locale: input.locale,
            timezone: input.timezone,
            handle: input.handle,
            invitation_token: input.invitation_token,
        };
        let (account, issued) =
            accounts::register(state(ctx)?, new, req.address, req.user_agent.clone()).await?;
        logged_in(ctx, account, issued)
    }

    /// Logs in with email and password.
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> Result<AuthPayload> {
        let req = request(ctx)?;
        let (account, issued) = accounts::login(
            state(ctx)?,
            &input.email,
            &input.password,
            req.address,
            req.user_agent.clone(),
        )
        .await?;
        logged_in(ctx, account, issued)
    }

    /// Ends the current session (and clears the browser cookie).
    async fn logout(&self, ctx: &Context<'_>) -> Result<bool> {
        sessions::logout(state(ctx)?, viewer(ctx)?).await?;
        ctx.insert_http_header(
            axum::http::header::SET_COOKIE,
            clear_session_cookie(&state(ctx)?.settings),
        );
        Ok(true)
    }

    /// Ends one of your sessions, e.g. on a lost phone.
    async fn revoke_session(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        sessions::revoke(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&id, "id")?,
            KIND_SESSION,
        )
        .await?;
        Ok(true)
    }

    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        input: CreateApiTokenInput,
    ) -> Result<ApiTokenPayload> {
        let issued = sessions::create_personal_token(
            state(ctx)?,
            viewer(ctx)?,
            &input.name,
            input.expires_in_days,
        )
        .await?;
        Ok(ApiTokenPayload {
            token: issued.token,
            api_token: ApiToken(issued.record),
        })
    }

    async fn revoke_api_token(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        sessions::revoke(
            state(ctx)?,
            viewer(ctx)?,
            parse_id(&id, "id")?,
            KIND_PERSONAL,
        )
        .await?;
        Ok(true)
    }

    /// Changes your password; your other sessions are logged out.
    async fn change_password(&self, ctx: &Context<'_>, input: ChangePasswordInput) -> Result<bool> {
        accounts::change_password(
            state(ctx)?,
            viewer(ctx)?,
            &input.current_password,
            &input.new_password,
        )
        .await?;
        Ok(true)
    }

    async fn update_profile(&self, ctx: &Context<'_>, input: UpdateProfileInput) -> Result<Viewer> {
        let current = viewer(ctx)?;
        let change = ProfileChange {
            display_name: input.display_name,
            locale: input.locale,
            timezone: input.timezone,
            gender: into_change(input.gender),
            pronouns: into_change(input.pronouns),
        };
        let account = accounts::update_profile(state(ctx)?, current, change).await?;
        Ok(Viewer(ViewerData {
            account,
            ..current.clone()
        }))
    }
}
