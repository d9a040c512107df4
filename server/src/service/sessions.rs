//! Who is asking: sessions (browser or API client, from logging in) and
//! personal API tokens (named, made by the person for scripts).

use std::sync::Arc;

use chrono::{Duration, Utc};
use sea_orm::prelude::*;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ActiveValue::Set, ConnectionTrait, Order};

use crate::domain::token::{self, TokenKind};
use crate::entity::{account, auth_token};
use crate::error::{AppError, AppResult};
use crate::events::Event;
use crate::service::page::{self, Page};
use crate::service::people::People;
use crate::service::{new_id, now};
use crate::state::AppState;
use crate::text;

pub const KIND_SESSION: &str = "session";
pub const KIND_PERSONAL: &str = "personal";

/// The authenticated person behind a request, and the credential they used.
#[derive(Clone)]
pub struct Viewer {
    pub account: account::Model,
    pub token_id: Uuid,
    /// What this process keeps of people, to find the viewer's memberships
    /// (none: they are read from the database).
    pub people: Option<Arc<People>>,
}

impl Viewer {
    /// Someone acting from the command line or a feed: nothing kept of them.
    pub fn new(account: account::Model, token_id: Uuid) -> Self {
        Viewer {
            account,
            token_id,
            people: None,
        }
    }

    pub fn id(&self) -> Uuid {
        self.account.id
    }
}

impl std::fmt::Debug for Viewer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Viewer")
            .field("account", &self.account.id)
            .field("token_id", &self.token_id)
            .finish()
    }
}

/// A new credential: the secret is shown once, here, and only its hash is kept.
pub struct Issued {
    pub token: String,
    pub record: auth_token::Model,
}

/// Creates a credential for `account_id` inside the caller's transaction.
pub async fn issue(
    conn: &impl ConnectionTrait,
    account_id: Uuid,
    kind: &'static str,
    name: Option<String>,
    expires_at: Option<DateTimeUtc>,
    user_agent: Option<String>,
) -> AppResult<Issued> {
    let token = token::generate(if kind == KIND_SESSION {
        TokenKind::Session
    } else {
        TokenKind::Personal
    });
    let record = auth_token::ActiveModel {
        id: Set(new_id()),
        account_id: Set(account_id),
        kind: Set(kind.to_owned()),
        name: Set(name),
        token_hash: Set(token::hash(&token)),
        user_agent: Set(user_agent.map(|ua| ua.chars().take(255).collect())),
        created_at: Set(now()),
        expires_at: Set(expires_at),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(Issued { token, record })
}

/// A login session, valid for `accounts.session_days`.
pub async fn issue_session(
    state: &AppState,
    conn: &impl ConnectionTrait,
    account_id: Uuid,
    user_agent: Option<String>,
) -> AppResult<Issued> {
    let expires = now() + Duration::days(i64::from(state.settings.accounts.session_days));
    issue(
        conn,
        account_id,
        KIND_SESSION,
        None,
        Some(expires),
        user_agent,
    )
    .await
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
    let hash = token::hash(secret);
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
    // Record use at most every ten minutes: a write per request would be a
    // needless cost, and "last used" to the minute is all a person needs.
    if credential
        .last_used_at
        .is_none_or(|t| at - t > Duration::minutes(10))
    {
        auth_token::Entity::update_many()
            .col_expr(auth_token::Column::LastUsedAt, Expr::value(at))
            .filter(auth_token::Column::Id.eq(credential.id))
            .exec(&state.db)
            .await?;
        // Read afresh next time, with the time of use just written.
        kept.forget(&hash);
    }
    Ok(Viewer {
        account,
        token_id: credential.id,
        people: Some(state.people.clone()),
    })
}

/// Ends the credential the viewer is using.
pub async fn logout(state: &AppState, viewer: &Viewer) -> AppResult<()> {
    revoke(state, viewer, viewer.token_id, KIND_SESSION).await
}

/// Revokes one of the viewer's own credentials of `kind`.
pub async fn revoke(state: &AppState, viewer: &Viewer, id: Uuid, kind: &str) -> AppResult<()> {
    let result = auth_token::Entity::update_many()
        .col_expr(auth_token::Column::RevokedAt, Expr::value(now()))
        .filter(auth_token::Column::Id.eq(id))
        .filter(auth_token::Column::AccountId.eq(viewer.id()))
        .filter(auth_token::Column::Kind.eq(kind))
        .filter(auth_token::Column::RevokedAt.is_null())
        .exec(&state.db)
        .await?;
    if result.rows_affected == 0 {
        return Err(AppError::not_found(text!(
            en: "No such active session or token among yours.",
            fr: "Aucune session ou jeton actif de ce nom parmi les vôtres."
        )));
    }
    changed(state, viewer.id());
    Ok(())
}

/// Tells every cache of this process and the others that the account, or
/// one of its credentials, changed. After the commit.
pub fn changed(state: &AppState, account_id: Uuid) {
    state.events.publish(Event::Account { account_id });
}

/// Revokes every login session of an account except `keep` (after a password
/// change); the caller announces it with [`changed`] once committed.
pub async fn revoke_other_sessions(
    conn: &impl ConnectionTrait,
    account_id: Uuid,
    keep: Option<Uuid>,
) -> AppResult<()> {
    let mut update = auth_token::Entity::update_many()
        .col_expr(auth_token::Column::RevokedAt, Expr::value(now()))
        .filter(auth_token::Column::AccountId.eq(account_id))
        .filter(auth_token::Column::Kind.eq(KIND_SESSION))
        .filter(auth_token::Column::RevokedAt.is_null());
    if let Some(keep) = keep {
        update = update.filter(auth_token::Column::Id.ne(keep));
    }
    update.exec(conn).await?;
    Ok(())
}

/// Creates a named personal API token, optionally expiring after `days`.
pub async fn create_personal_token(
    state: &AppState,
    viewer: &Viewer,
    name: &str,
    days: Option<i32>,
) -> AppResult<Issued> {
    let name = crate::domain::account::parse_name(name, "name", 80)?;
    let expires_at = match days {
        None => None,
        Some(d) if (1..=3650).contains(&d) => Some(now() + Duration::days(i64::from(d))),
        Some(_) => {
            return Err(AppError::validation(
                "expiresInDays",
                text!(en: "A token lasts between 1 and 3650 days.", fr: "Un jeton dure entre 1 et 3650 jours."),
            ));
        }
    };
    issue(
        &state.db,
        viewer.id(),
        KIND_PERSONAL,
        Some(name),
        expires_at,
        None,
    )
    .await
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
