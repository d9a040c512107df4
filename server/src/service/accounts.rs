//! Accounts: registering, logging in, the profile and the password.

use std::net::IpAddr;

use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, IntoActiveModel};
use serde_json::json;

use crate::domain::account::{
    Email, Gender, Password, handle_from_name, parse_handle, parse_name, parse_pronouns,
    parse_timezone,
};
use crate::domain::throttle;
use crate::domain::token::{self, TokenKind};
use crate::entity::{account, pending_registration};
use crate::error::{AppError, AppResult, ErrorCode, is_unique_violation};
use crate::i18n::Locale;
use crate::service::sessions::{self, Issued, Viewer};
use crate::service::throttle as service_throttle;
use crate::service::{invitations, new_id, now, outbox, passwords};
use crate::state::AppState;
use crate::text;

/// Longest display name, in characters.
pub const MAX_DISPLAY_NAME: usize = 80;

pub struct NewAccount {
    pub email: String,
    pub password: String,
    pub display_name: String,
    pub locale: Option<Locale>,
    pub timezone: Option<String>,
    /// The name used in @mentions; made from the display name when absent.
    pub handle: Option<String>,
    /// An invitation link's token: joins its organisation, and opens
    /// registration when it is otherwise closed.
    pub invitation_token: Option<String>,
}

/// A new account as parsed, its password hashed: inserted at once, or kept
/// in a pending registration until its address is confirmed.
struct NewRow {
    email: String,
    password_hash: String,
    display_name: String,
    locale: String,
    timezone: String,
    handle: Option<String>,
}

impl NewRow {
    fn into_model(self) -> account::ActiveModel {
        let at = now();
        account::ActiveModel {
            id: Set(new_id()),
            email: Set(self.email),
            password_hash: Set(self.password_hash),
            display_name: Set(self.display_name),
            locale: Set(self.locale),
            timezone: Set(self.timezone),
            gender: Set(None),
            pronouns: Set(None),
            is_operator: Set(false),
            handle: Set(self.handle),
            created_at: Set(at),
            updated_at: Set(at),
        }
    }
}

/// The account as parsed and hashed, ready to insert.
async fn parse_new(state: &AppState, input: &NewAccount) -> AppResult<NewRow> {
    let email = Email::parse(&input.email)?;
    let password = Password::parse(&input.password, "password")?;
    let display_name = parse_name(&input.display_name, "displayName", MAX_DISPLAY_NAME)?;
    let handle = input.handle.as_deref().map(parse_handle).transpose()?;
    let timezone = parse_timezone(input.timezone.as_deref().unwrap_or("Europe/Paris"))?;
    let locale = input.locale.unwrap_or(state.settings.server.default_locale);
    let password_hash = passwords::hash(&state.settings.accounts, &password).await?;
    Ok(NewRow {
        email: email.as_str().to_owned(),
        password_hash,
        display_name,
        locale: locale.as_str().to_owned(),
        timezone: timezone.name().to_owned(),
        handle,
    })
}

/// `CONFLICT` when someone uses this handle already.
async fn require_free_handle(conn: &impl ConnectionTrait, handle: &str) -> AppResult<()> {
    let taken = account::Entity::find()
        .filter(account::Column::Handle.eq(handle))
        .one(conn)
        .await?;
    match taken {
        Some(_) => Err(handle_taken()),
        None => Ok(()),
    }
}

fn email_taken() -> AppError {
    AppError::new(
        ErrorCode::Conflict,
        text!(
            en: "An account already uses this email address. Log in, or reset your password.",
            fr: "Un compte utilise déjà cette adresse e-mail. Connectez-vous, ou réinitialisez votre mot de passe."
        ),
    )
    .with_field("email")
}

fn handle_taken() -> AppError {
    AppError::conflict(text!(
        en: "Someone already uses this handle; choose another.",
        fr: "Quelqu'un utilise déjà cet identifiant ; choisissez-en un autre."
    ))
    .with_field("handle")
}

/// The first free handle among `base`, `base2`, `base3`…
async fn free_handle(conn: &impl ConnectionTrait, base: &str) -> AppResult<String> {
    let candidates: Vec<String> = std::iter::once(base.to_owned())
        .chain((2..=200).map(|n| format!("{base}{n}")))
        .collect();
    let taken: Vec<String> = account::Entity::find()
        .filter(account::Column::Handle.is_in(candidates.clone()))
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|a| a.handle)
        .collect();
    Ok(candidates
        .into_iter()
        .find(|c| !taken.contains(c))
        .unwrap_or_else(|| {
            format!(
                "{base}{}",
                &crate::service::new_id().simple().to_string()[..8]
            )
        }))
}

/// Inserts an account, turning a duplicate email or handle into `CONFLICT` (a
/// race between two registrations included).
async fn insert(
    conn: &impl ConnectionTrait,
    mut model: account::ActiveModel,
) -> AppResult<account::Model> {
    let email = model.email.try_as_ref().cloned().unwrap_or_default();
    if account::Entity::find()
        .filter(account::Column::Email.eq(email))
        .one(conn)
        .await?
        .is_some()
    {
        return Err(email_taken());
    }
    match model.handle.try_as_ref().cloned().flatten() {
        Some(handle) => require_free_handle(conn, &handle).await?,
        None => {
            let name = model.display_name.try_as_ref().cloned().unwrap_or_default();
            model.handle = Set(Some(free_handle(conn, &handle_from_name(&name)).await?));
        }
    }
    model.insert(conn).await.map_err(|e| {
        if is_unique_violation(&e) {
            email_taken()
        } else {
            e.into()
        }
    })
}

/// What became of a registration.
pub enum Registered {
    /// The account exists and is logged in: an invitation sent to this
    /// address proved it, or `accounts.confirm_email` is off.
    LoggedIn(Box<(account::Model, Issued)>),
    /// A link to confirm the address was mailed to it; or, when the address
    /// has an account already, a word that someone tried. The same answer
    /// either way, so that registering tells no one who uses Plenum.
    ConfirmationSent,
}

/// How long a confirmation link stays valid.
const CONFIRMATION_HOURS: i64 = 24;

/// Registers: creates the account at once when the address is proven (an
/// invitation sent to it), otherwise mails a link that creates it.
#[tracing::instrument(skip_all)]
pub async fn register(
    state: &AppState,
    input: NewAccount,
    address: IpAddr,
    user_agent: Option<String>,
) -> AppResult<Registered> {
    let per_address = throttle::registration(&state.settings.accounts, address);
    service_throttle::check(state, std::slice::from_ref(&per_address)).await?;
    if !state.settings.accounts.open_registration && input.invitation_token.is_none() {
        return Err(AppError::forbidden(text!(
            en: "Accounts are created by invitation only on this server. Ask an organisation to invite you.",
            fr: "Sur ce serveur, les comptes se créent uniquement sur invitation. Demandez à une organisation de vous inviter."
        )));
    }
    let row = parse_new(state, &input).await?;
    let invitation = match &input.invitation_token {
        Some(secret) => {
            let invitation = invitations::usable(&state.db, &token::hash(secret)).await?;
            invitations::require_for(&invitation, &row.email)?;
            Some(invitation)
        }
        None => None,
    };
    let proven = invitation
        .as_ref()
        .is_some_and(|i| invitations::proves_address(i, &row.email));
    let registered = if proven || !state.settings.accounts.confirm_email {
        let txn = state.write().await?;
        let account = insert(&txn, row.into_model()).await?;
        let joined = match &invitation {
            Some(i) => Some(invitations::accept_hashed(&txn, &account, &i.token_hash).await?),
            None => None,
        };
        let issued = sessions::issue_session(state, &txn, account.id, user_agent).await?;
        if let Some(membership) = &joined {
            invitations::announce(&txn, membership);
        }
        txn.commit().await?;
        Registered::LoggedIn(Box::new((account, issued)))
    } else {
        let invitation_hash = invitation.map(|i| i.token_hash);
        ask_confirmation(state, row, invitation_hash).await?;
        Registered::ConfirmationSent
    };
    service_throttle::record(state, &[per_address]).await?;
    Ok(registered)
}

/// Mails the confirmation link of a registration, or, when the address
/// has an account already, tells its owner that someone tried.
async fn ask_confirmation(
    state: &AppState,
    row: NewRow,
    invitation_hash: Option<String>,
) -> AppResult<()> {
    let txn = state.write().await?;
    // A handle is public: saying it is taken tells nothing about the address.
    if let Some(handle) = &row.handle {
        require_free_handle(&txn, handle).await?;
    }
    let existing = account::Entity::find()
        .filter(account::Column::Email.eq(row.email.as_str()))
        .one(&txn)
        .await?;
    let at = now();
    match existing {
        Some(account) => {
            let mail = json!({ "to": account.email, "locale": account.locale });
            outbox::enqueue(&txn, outbox::TOPIC_MAIL_REGISTRATION_ATTEMPT, mail).await?;
        }
        None => {
            let secret = token::generate(TokenKind::Confirmation);
            let expires_at = at + chrono::Duration::hours(CONFIRMATION_HOURS);
            let link = format!("{}/register/{secret}", state.settings.public_url());
            let mail = json!({ "to": row.email, "locale": row.locale, "link": link, "expires_at": expires_at });
            pending_registration::ActiveModel {
                id: Set(new_id()),
                token_hash: Set(token::hash(&secret)),
                email: Set(row.email),
                display_name: Set(row.display_name),
                handle: Set(row.handle),
                password_hash: Set(row.password_hash),
                locale: Set(row.locale),
                timezone: Set(row.timezone),
                invitation_hash: Set(invitation_hash),
                created_at: Set(at),
                expires_at: Set(expires_at),
            }
            .insert(&txn)
            .await?;
            outbox::enqueue(&txn, outbox::TOPIC_MAIL_CONFIRM_REGISTRATION, mail).await?;
        }
    }
    txn.commit().await?;
    Ok(())
}

/// Creates the account a confirmation link stands for, and logs it in;
/// with an invitation, also joins its organisation.
#[tracing::instrument(skip_all)]
pub async fn confirm_registration(
    state: &AppState,
    secret: &str,
    user_agent: Option<String>,
) -> AppResult<(account::Model, Issued)> {
    let txn = state.write().await?;
    let pending = pending_registration::Entity::find()
        .filter(pending_registration::Column::TokenHash.eq(token::hash(secret)))
        .one(&txn)
        .await?
        .filter(|p| p.expires_at > now())
        .ok_or_else(|| {
            AppError::not_found(text!(
                en: "This confirmation link is not valid, was already used, or has expired. Register again.",
                fr: "Ce lien de confirmation n'est pas valide, a déjà servi ou a expiré. Inscrivez-vous à nouveau."
            ))
        })?;
    let row = NewRow {
        email: pending.email.clone(),
        password_hash: pending.password_hash,
        display_name: pending.display_name,
        locale: pending.locale,
        timezone: pending.timezone,
        handle: pending.handle,
    };
    let account = insert(&txn, row.into_model()).await?;
    let joined = match &pending.invitation_hash {
        Some(hash) => Some(invitations::accept_hashed(&txn, &account, hash).await?),
        None => None,
    };
    // Every other attempt for this address is void now.
    pending_registration::Entity::delete_many()
        .filter(pending_registration::Column::Email.eq(pending.email.as_str()))
        .exec(&txn)
        .await?;
    let issued = sessions::issue_session(state, &txn, account.id, user_agent).await?;
    if let Some(membership) = &joined {
        invitations::announce(&txn, membership);
    }
    txn.commit().await?;
    Ok((account, issued))
}

/// Creates an account from the command line (operators), with no session.
pub async fn create_by_operator(
    state: &AppState,
    input: NewAccount,
    operator: bool,
) -> AppResult<account::Model> {
    let mut model = parse_new(state, &input).await?.into_model();
    model.is_operator = Set(operator);
    let txn = state.write().await?;
    let account = insert(&txn, model).await?;
    txn.commit().await?;
    Ok(account)
}

fn wrong_credentials() -> AppError {
    AppError::new(
        ErrorCode::Unauthenticated,
        text!(
            en: "The email address or the password is incorrect.",
            fr: "L'adresse e-mail ou le mot de passe est incorrect."
        ),
    )
}

/// Logs in with email and password. The answer never says whether the email
/// has an account; repeated failures are throttled per account and per address.
#[tracing::instrument(skip_all)]
pub async fn login(
    state: &AppState,
    email: &str,
    password: &str,
    address: IpAddr,
    user_agent: Option<String>,
) -> AppResult<(account::Model, Issued)> {
    let email_key = email.trim().to_lowercase();
    let limits = throttle::login(&state.settings.accounts, &email_key, address);
    let used = service_throttle::check(state, &limits).await?;
    let found = account::Entity::find()
        .filter(account::Column::Email.eq(&email_key))
        .one(&state.db)
        .await?;
    let valid = passwords::verify(
        &state.settings.accounts,
        password,
        found.as_ref().map(|a| a.password_hash.as_str()),
    )
    .await?;
    let account = match found {
        Some(account) if valid => account,
        _ => {
            service_throttle::record(state, &limits).await?;
            return Err(wrong_credentials());
        }
    };
    // The place the owner logs in from is forgiven; the account's count
    // from everywhere is not, or guessing spread over addresses would be.
    if used.first().is_some_and(|n| *n > 0) {
        service_throttle::clear(state, &limits[0]).await?;
    }
    let issued =
        sessions::issue_session(state, state.writer.single(), account.id, user_agent).await?;
    Ok((account, issued))
}

/// Changes the viewer's password; every other session is logged out.
#[tracing::instrument(skip_all, fields(account = %viewer.id()))]
pub async fn change_password(
    state: &AppState,
    viewer: &Viewer,
    current: &str,
    new: &str,
) -> AppResult<()> {
    viewer.require_session()?;
    let new = Password::parse(new, "newPassword")?;
    let limit = throttle::current_password(&state.settings.accounts, viewer.id());
    service_throttle::check(state, std::slice::from_ref(&limit)).await?;
    if !passwords::verify(
        &state.settings.accounts,
        current,
        Some(&viewer.account.password_hash),
    )
    .await?
    {
        service_throttle::record(state, std::slice::from_ref(&limit)).await?;
        return Err(AppError::validation(
            "currentPassword",
            text!(en: "The current password is incorrect.", fr: "Le mot de passe actuel est incorrect."),
        ));
    }
    let hash = passwords::hash(&state.settings.accounts, &new).await?;
    let txn = state.write().await?;
    set_password_hash(&txn, viewer.account.clone(), hash).await?;
    sessions::end_with_password(&txn, viewer.id(), Some(viewer.token_id)).await?;
    sessions::changed(&txn, viewer.id());
    txn.commit().await?;
    Ok(())
}

/// Sets a password from the command line (operators); every session is logged out.
pub async fn set_password_by_operator(
    state: &AppState,
    email: &str,
    password: &str,
) -> AppResult<account::Model> {
    let email = Email::parse(email)?;
    let password = Password::parse(password, "password")?;
    let account = account::Entity::find()
        .filter(account::Column::Email.eq(email.as_str()))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found(text!(en: "No account has this email address.", fr: "Aucun compte n'a cette adresse e-mail.")))?;
    let hash = passwords::hash(&state.settings.accounts, &password).await?;
    let txn = state.write().await?;
    let account = set_password_hash(&txn, account, hash).await?;
    sessions::end_with_password(&txn, account.id, None).await?;
    sessions::changed(&txn, account.id);
    txn.commit().await?;
    Ok(account)
}

async fn set_password_hash(
    conn: &impl ConnectionTrait,
    account: account::Model,
    hash: String,
) -> AppResult<account::Model> {
    let mut active = account.into_active_model();
    active.password_hash = Set(hash);
    active.updated_at = Set(now());
    Ok(active.update(conn).await?)
}

/// A change of profile; `None` leaves a field as it is. For gender and
/// pronouns, `Some(None)` clears the field.
#[derive(Default)]
pub struct ProfileChange {
    pub display_name: Option<String>,
    pub locale: Option<Locale>,
    pub timezone: Option<String>,
    pub gender: Option<Option<Gender>>,
    pub pronouns: Option<Option<String>>,
}

#[tracing::instrument(skip_all, fields(account = %viewer.id()))]
pub async fn update_profile(
    state: &AppState,
    viewer: &Viewer,
    change: ProfileChange,
) -> AppResult<account::Model> {
    let mut active = viewer.account.clone().into_active_model();
    if let Some(name) = change.display_name {
        active.display_name = Set(parse_name(&name, "displayName", MAX_DISPLAY_NAME)?);
    }
    if let Some(locale) = change.locale {
        active.locale = Set(locale.as_str().to_owned());
    }
    if let Some(tz) = change.timezone {
        active.timezone = Set(parse_timezone(&tz)?.name().to_owned());
    }
    if let Some(gender) = change.gender {
        active.gender = Set(gender);
    }
    if let Some(pronouns) = change.pronouns {
        active.pronouns = Set(match pronouns {
            Some(p) => parse_pronouns(&p)?,
            None => None,
        });
    }
    active.updated_at = Set(now());
    let txn = state.write().await?;
    let account = active.update(&txn).await?;
    sessions::changed(&txn, account.id);
    txn.commit().await?;
    Ok(account)
}

/// Accounts by id, in one query.
pub async fn by_ids(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> AppResult<std::collections::HashMap<Uuid, account::Model>> {
    Ok(account::Entity::find()
        .filter(account::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect())
}

/// The gender a person declared, if any.
pub fn declared_gender(account: &account::Model) -> Option<crate::domain::account::Gender> {
    account.gender
}
