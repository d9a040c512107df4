//! Accounts, sessions, API tokens and the viewer.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use crate::domain::account::Gender;
use crate::domain::token::{Credential, Scope};
use crate::entity::{account, auth_token};
use crate::graphql::connection::simple;
use crate::graphql::context::{request, state, viewer};
use crate::graphql::http::{clear_session_cookie, session_cookie};
use crate::graphql::loaders::reveals_private;
use crate::graphql::memberships::Membership;
use crate::graphql::{id, parse_id};
use crate::i18n::Locale;
use crate::service::accounts::{self, NewAccount, ProfileChange, Registered};
use crate::service::sessions::{
    self, KIND_PERSONAL, KIND_SESSION, TokenRequest, Viewer as ViewerData,
};
use crate::service::{memberships, sessions::Issued};

/// A person as others see them. Private fields (email, gender, pronouns) are
/// null unless the reader is the person or a facilitator or admin of one of
/// the person's organisations, as DOMAIN.md requires — the same on every
/// path that shows a person.
pub struct Person {
    pub account: account::Model,
    /// Already known to be readable by this reader (a list a facilitator
    /// asked for); otherwise the rule decides.
    granted: bool,
}

impl Person {
    pub fn new(account: account::Model) -> Self {
        Person {
            account,
            granted: false,
        }
    }

    /// A person whose private fields the caller has already found readable.
    pub fn granted(account: account::Model) -> Self {
        Person {
            account,
            granted: true,
        }
    }

    async fn private<'a, T>(
        &'a self,
        ctx: &Context<'_>,
        field: impl FnOnce(&'a account::Model) -> Option<T>,
    ) -> Result<Option<T>> {
        let shown = self.granted || reveals_private(ctx, self.account.id).await?;
        Ok(if shown { field(&self.account) } else { None })
    }
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
    async fn email(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        self.private(ctx, |a| Some(a.email.as_str())).await
    }
    /// Private, self-declared, used only by parity rules and speaking priority.
    async fn gender(&self, ctx: &Context<'_>) -> Result<Option<Gender>> {
        self.private(ctx, |a| a.gender).await
    }
    /// Private, self-declared.
    async fn pronouns(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        self.private(ctx, |a| a.pronouns.as_deref()).await
    }
}

/// The logged-in person, with what only they may see.
pub struct Viewer(pub ViewerData);

#[Object]
impl Viewer {
    async fn person(&self) -> Person {
        Person::new(self.0.account.clone())
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
    async fn scope(&self) -> Scope {
        self.0.scope
    }
    /// Does your next password change end this token?
    async fn ends_with_password_change(&self) -> bool {
        self.0.ends_with_password
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

/// What registering did: logged in at once, or mailed a link to confirm.
#[derive(SimpleObject)]
pub struct RegisterPayload {
    /// True when a link was mailed: check your mail. The session fields are
    /// then null.
    pub confirmation_sent: bool,
    /// The session token, shown once, when the account was created at once.
    pub token: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub viewer: Option<Viewer>,
}

#[derive(InputObject)]
pub struct CreateApiTokenInput {
    pub name: String,
    /// Days until the token stops working; never, when absent.
    pub expires_in_days: Option<i32>,
    /// What the token may do: `READ` (queries and subscriptions), `WRITE`
    /// (and acting as a member), `ADMIN` (and a facilitator's or admin's
    /// powers over an organisation). Read only, when absent.
    #[graphql(default_with = "Scope::Read")]
    pub scope: Scope,
    /// Ended by your next password change (the default), or kept.
    #[graphql(default = true)]
    pub ends_with_password_change: bool,
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
        viewer: Viewer(ViewerData::new(
            account,
            issued.record.id,
            Credential::Session,
        )),
    })
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Registers. The account is created at once, and logged in, when an
    /// invitation sent to this address proves it; otherwise a link is mailed
    /// to the address, and `confirmRegistration` with its token creates the
    /// account. The answer is then the same whether or not the address
    /// already has an account (its owner is told someone tried).
    async fn register(&self, ctx: &Context<'_>, input: RegisterInput) -> Result<RegisterPayload> {
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
        let registered =
            accounts::register(state(ctx)?, new, req.address, req.user_agent.clone()).await?;
        Ok(match registered {
            Registered::LoggedIn(session) => {
                let (account, issued) = *session;
                let session = logged_in(ctx, account, issued)?;
                RegisterPayload {
                    confirmation_sent: false,
                    token: Some(session.token),
                    expires_at: session.expires_at,
                    viewer: Some(session.viewer),
                }
            }
            Registered::ConfirmationSent => RegisterPayload {
                confirmation_sent: true,
                token: None,
                expires_at: None,
                viewer: None,
            },
        })
    }

    /// Creates the account of a registration with the token of the link
    /// mailed to its address (valid 24 hours, once), and logs it in.
    async fn confirm_registration(&self, ctx: &Context<'_>, token: String) -> Result<AuthPayload> {
        let req = request(ctx)?;
        let (account, issued) =
            accounts::confirm_registration(state(ctx)?, &token, req.user_agent.clone()).await?;
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
        let asked = TokenRequest {
            name: input.name,
            expires_in_days: input.expires_in_days,
            scope: input.scope,
            ends_with_password: input.ends_with_password_change,
        };
        let issued = sessions::create_personal_token(state(ctx)?, viewer(ctx)?, asked).await?;
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
