//! Who is asking: sessions (browser or API client, from logging in) and
//! personal API tokens (named, made by the person for scripts).

use std::sync::Arc;

use chrono::DurationRound;
use chrono::{Duration, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ActiveValue::Set, ConnectionTrait, Order};

use crate::domain::token::{self, Credential, Scope, TokenKind};
use crate::entity::{account, auth_token};
use crate::error::{AppError, AppResult};
use crate::events::Event;
use crate::service::page::{self, Page};
use crate::service::people::People;
use crate::service::{new_id, now};
use crate::state::AppState;
use crate::text;
use crate::write::Unit;

pub const KIND_SESSION: &str = "session";
pub const KIND_PERSONAL: &str = "personal";

/// The authenticated person behind a request, and the credential they used.
#[derive(Clone)]
pub struct Viewer {
    pub account: account::Model,
    pub token_id: Uuid,
    /// How they proved it, and so what this request may do.
    pub credential: Credential,
    /// The hash of the secret they sent, to check later that it still opens
    /// (a live subscription); empty for the operator and feeds.
    pub secret_hash: String,
    /// What this process keeps of people, to find the viewer's memberships
    /// (none: they are read from the database).
    pub people: Option<Arc<People>>,
}

impl Viewer {
    /// Someone acting from the command line or a feed: nothing kept of them.
    pub fn new(account: account::Model, token_id: Uuid, credential: Credential) -> Self {
        Viewer {
            account,
            token_id,
            credential,
            secret_hash: String::new(),
            people: None,
        }
    }

    pub fn id(&self) -> Uuid {
        self.account.id
    }

    /// `FORBIDDEN` unless this request's credential allows `needed`.
    pub fn require_scope(&self, needed: Scope) -> AppResult<()> {
        require_scope(self.credential, needed)
    }

    /// `FORBIDDEN` unless this request comes from a login session: a token
    /// never manages the password, the sessions or the tokens.
    pub fn require_session(&self) -> AppResult<()> {
        if self.credential.manages_credentials() {
            return Ok(());
        }
        Err(AppError::forbidden(text!(
            en: "Passwords, sessions and API tokens are managed from a login session, not with an API token.",
            fr: "Les mots de passe, sessions et jetons d'API se gèrent depuis une session de connexion, pas avec un jeton d'API."
        )))
    }
}

/// `FORBIDDEN` unless `credential` allows `needed`.
pub fn require_scope(credential: Credential, needed: Scope) -> AppResult<()> {
    let scope = credential.scope();
    if scope >= needed {
        return Ok(());
    }
    let (has, needs) = (scope.as_str(), needed.as_str());
    Err(AppError::forbidden(text!(
        en: "This API token has the {has} scope; this needs a token with the {needs} scope, or a session.",
        fr: "Ce jeton d'API a la portée {has} ; il faut pour cela un jeton de portée {needs}, ou une session."
    )))
}

impl std::fmt::Debug for Viewer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Viewer")
            .field("account", &self.account.id)
            .field("token_id", &self.token_id)
            .field("credential", &self.credential)
            .finish()
    }
}

/// A new credential: the secret is shown once, here, and only its hash is kept.
pub struct Issued {
    pub token: String,
    pub record: auth_token::Model,
}

/// What a new credential is.
struct NewCredential {
    kind: &'static str,
    name: Option<String>,
    expires_at: Option<DateTimeUtc>,
    user_agent: Option<String>,
    scope: Scope,
    ends_with_password: bool,
}

/// Creates a credential for `account_id` inside the caller's transaction.
async fn issue(
    conn: &impl ConnectionTrait,
    account_id: Uuid,
    new: NewCredential,
) -> AppResult<Issued> {
    let token = token::generate(if new.kind == KIND_SESSION {
        TokenKind::Session
    } else {
        TokenKind::Personal
    });
    let record = auth_token::ActiveModel {
        id: Set(new_id()),
        account_id: Set(account_id),
        kind: Set(new.kind.to_owned()),
        name: Set(new.name),
        token_hash: Set(token::hash(&token)),
        user_agent: Set(new.user_agent.map(|ua| ua.chars().take(255).collect())),
        created_at: Set(now()),
        expires_at: Set(new.expires_at),
        last_used_at: Set(None),
        revoked_at: Set(None),
        scope: Set(new.scope),
        ends_with_password: Set(new.ends_with_password),
    }
    .insert(conn)
    .await?;
    Ok(Issued { token, record })
}

/// The credential a stored token stands for.
fn credential_of(record: &auth_token::Model) -> Credential {
    match record.kind.as_str() {
        KIND_SESSION => Credential::Session,
        _ => Credential::Personal(record.scope),
    }
}

/// A login session, valid for `accounts.session_days`.
pub async fn issue_session(
    state: &AppState,
    conn: &impl ConnectionTrait,
    account_id: Uuid,
    user_agent: Option<String>,
) -> AppResult<Issued> {
    let expires = now() + Duration::days(i64::from(state.settings.accounts.session_days));
    let new = NewCredential {
        kind: KIND_SESSION,
        name: None,
        expires_at: Some(expires),
        user_agent,
        scope: Scope::Admin,
        ends_with_password: true,
    };
    issue(conn, account_id, new).await
}

fn invalid_token() -> AppError {
    AppError::new(
        crate::error::ErrorCode::Unauthenticated,
        text!(
            en: "Your session has expired or was ended. Please log in again.",
            fr: "Votre session a expiré ou a été fermée. Veuillez vous reconnecter."
        ),
    )
}

/// The viewer a secret token stands for; `UNAUTHENTICATED` when it is unknown,
/// expired or revoked. The token and its account are kept in memory
/// (`service::people`) until either changes.
pub async fn authenticate(state: &AppState, secret: &str) -> AppResult<Viewer> {
    authenticate_hash(state, token::hash(secret)).await
}

/// The viewer afresh, with their account as it now is: `UNAUTHENTICATED`
/// once the session or token they use has ended (logout, revocation, a
/// password change, expiry). The operator and feeds stay as they are.
pub async fn revalidate(state: &AppState, viewer: &Viewer) -> AppResult<Viewer> {
    if viewer.secret_hash.is_empty() {
        return Ok(viewer.clone());
    }
    authenticate_hash(state, viewer.secret_hash.clone()).await
}

async fn authenticate_hash(state: &AppState, hash: String) -> AppResult<Viewer> {
    let kept = &state.people.credentials;
    let read = async {
        let found = auth_token::Entity::find()
            .filter(auth_token::Column::TokenHash.eq(hash.as_str()))
            .find_also_related(account::Entity)
            .one(&state.db)
            .await?;
        Ok(match found {
            Some((credential, Some(account))) => Some((account.id, (credential, account))),
            _ => None,
        })
    };
    let Some((credential, account)) = kept.get_or_read(hash.clone(), read).await? else {
        return Err(invalid_token());
    };
    let at = now();
    if credential.revoked_at.is_some() || credential.expires_at.is_some_and(|e| e <= at) {
        return Err(invalid_token());
    }
    // Record the day of use, once a day: "last used" to the day is all a
    // person needs, and a time to the minute would tell, across sessions,
    // in which order people came to vote.
    let today = at.duration_trunc(Duration::days(1)).unwrap_or(at);
    if credential.last_used_at.is_none_or(|t| t < today) {
        auth_token::Entity::update_many()
            .col_expr(auth_token::Column::LastUsedAt, Expr::value(today))
            .filter(auth_token::Column::Id.eq(credential.id))
            .exec(state.writer.single())
            .await?;
        // Read afresh next time, with the time of use just written.
        kept.forget(&hash);
    }
    Ok(Viewer {
        account,
        token_id: credential.id,
        credential: credential_of(&credential),
        secret_hash: hash,
        people: Some(state.people.clone()),
    })
}

/// Ends the session the viewer is using.
pub async fn logout(state: &AppState, viewer: &Viewer) -> AppResult<()> {
    revoke_own(state, viewer, viewer.token_id, KIND_SESSION).await
}

/// Revokes one of the viewer's own credentials of `kind`: from a session only.
pub async fn revoke(state: &AppState, viewer: &Viewer, id: Uuid, kind: &str) -> AppResult<()> {
    viewer.require_session()?;
    revoke_own(state, viewer, id, kind).await
}

async fn revoke_own(state: &AppState, viewer: &Viewer, id: Uuid, kind: &str) -> AppResult<()> {
    let txn = state.write().await?;
    let result = auth_token::Entity::update_many()
        .col_expr(auth_token::Column::RevokedAt, Expr::value(now()))
        .filter(auth_token::Column::Id.eq(id))
        .filter(auth_token::Column::AccountId.eq(viewer.id()))
        .filter(auth_token::Column::Kind.eq(kind))
        .filter(auth_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(AppError::not_found(text!(
            en: "No such active session or token among yours.",
            fr: "Aucune session ou jeton actif de ce nom parmi les vôtres."
        )));
    }
    changed(&txn, viewer.id());
    Ok(txn.commit().await?)
}

/// Tells every cache of this process and the others that the account, or
/// one of its credentials, changed, once `txn` has committed.
pub fn changed(txn: &Unit, account_id: Uuid) {
    txn.emit(Event::Account { account_id });
}

/// Ends, after a password change, every login session of an account except
/// `keep` and the API tokens made to end with it; the caller announces it
/// with [`changed`] once committed.
pub async fn end_with_password(
    conn: &impl ConnectionTrait,
    account_id: Uuid,
    keep: Option<Uuid>,
) -> AppResult<()> {
    let mut update = auth_token::Entity::update_many()
        .col_expr(auth_token::Column::RevokedAt, Expr::value(now()))
        .filter(auth_token::Column::AccountId.eq(account_id))
        .filter(
            auth_token::Column::Kind
                .eq(KIND_SESSION)
                .or(auth_token::Column::EndsWithPassword.eq(true)),
        )
        .filter(auth_token::Column::RevokedAt.is_null());
    if let Some(keep) = keep {
        update = update.filter(auth_token::Column::Id.ne(keep));
    }
    update.exec(conn).await?;
    Ok(())
}

/// A personal API token as asked for.
pub struct TokenRequest {
    pub name: String,
    pub expires_in_days: Option<i32>,
    pub scope: Scope,
    /// Ended by the owner's next password change.
    pub ends_with_password: bool,
}

/// Creates a named personal API token, from a login session only.
pub async fn create_personal_token(
    state: &AppState,
    viewer: &Viewer,
    asked: TokenRequest,
) -> AppResult<Issued> {
    viewer.require_session()?;
    let name = crate::domain::account::parse_name(&asked.name, "name", 80)?;
    let expires_at = match asked.expires_in_days {
        None => None,
        Some(d) if (1..=3650).contains(&d) => Some(now() + Duration::days(i64::from(d))),
        Some(_) => {
            return Err(AppError::validation(
                "expiresInDays",
                text!(en: "A token lasts between 1 and 3650 days.", fr: "Un jeton dure entre 1 et 3650 jours."),
            ));
        }
    };
    let new = NewCredential {
        kind: KIND_PERSONAL,
        name: Some(name),
        expires_at,
        user_agent: None,
        scope: asked.scope,
        ends_with_password: asked.ends_with_password,
    };
    issue(state.writer.single(), viewer.id(), new).await
}

/// One page of the viewer's active credentials of `kind`, newest first.
pub async fn list(
    state: &AppState,
    viewer: &Viewer,
    kind: &'static str,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<auth_token::Model>> {
    let query = auth_token::Entity::find()
        .filter(auth_token::Column::AccountId.eq(viewer.id()))
        .filter(auth_token::Column::Kind.eq(kind))
        .filter(auth_token::Column::RevokedAt.is_null())
        .filter(
            auth_token::Column::ExpiresAt
                .is_null()
                .or(auth_token::Column::ExpiresAt.gt(Utc::now())),
        );
    page::by_id(
        &state.db,
        query,
        auth_token::Column::Id,
        kind,
        first,
        after,
        Order::Desc,
    )
    .await
}
