//! Coming in: invitations by email (a single-use link) and join requests.

use chrono::Duration;
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, IntoActiveModel, Order};
use serde_json::json;

use crate::domain::access::{can_administer, can_manage_members};
use crate::domain::account::Email;
use crate::domain::membership::{Role, Standing};
use crate::domain::organisation::RegistrationMode;
use crate::domain::token::{self, TokenKind};
use crate::entity::{account, invitation, join_request, membership, organisation};
use crate::error::{AppError, AppResult};
use crate::events::MembershipChange;
use crate::service::memberships::{self, Joining};
use crate::service::page::{self, Page};
use crate::service::sessions::Viewer;
use crate::service::{new_id, now, organisations, outbox};
use crate::state::AppState;
use crate::text;
use crate::write::Unit;

pub struct NewInvitation {
    pub organisation_id: Uuid,
    pub email: String,
    pub role: Role,
    pub standing: Standing,
    /// Any account may accept it (the inviter's choice); otherwise only the
    /// one whose email it was sent to.
    pub anyone_with_link: bool,
}

/// An invitation and the link to send; the link is shown once, to the inviter.
pub struct Sent {
    pub invitation: invitation::Model,
    pub link: String,
}

/// Invites someone by email (facilitators and admins; only admins invite
/// admins). Inviting the same address again replaces the earlier link.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), organisation = %input.organisation_id))]
pub async fn invite(state: &AppState, viewer: &Viewer, input: NewInvitation) -> AppResult<Sent> {
    let email = Email::parse(&input.email)?;
    let txn = state.write().await?;
    let org = organisations::get(&txn, input.organisation_id).await?;
    let actor = memberships::require_role(&txn, viewer, org.id, can_manage_members).await?;
    if input.role == Role::Admin && !can_administer(actor.role) {
        return Err(AppError::forbidden(text!(
            en: "Only an admin may invite someone as an admin.",
            fr: "Seul·e un·e administrateur·ice peut inviter quelqu'un comme administrateur·ice."
        )));
    }
    let already = membership::Entity::find()
        .filter(membership::Column::OrganisationId.eq(org.id))
        .filter(membership::Column::LeftAt.is_null())
        .inner_join(account::Entity)
        .filter(account::Column::Email.eq(email.as_str()))
        .one(&txn)
        .await?;
    if already.is_some() {
        return Err(AppError::conflict(text!(
            en: "This person is already a member of the organisation.",
            fr: "Cette personne est déjà membre de l'organisation."
        ))
        .with_field("email"));
    }
    let at = now();
    invitation::Entity::update_many()
        .col_expr(invitation::Column::RevokedAt, Expr::value(at))
        .filter(invitation::Column::OrganisationId.eq(org.id))
        .filter(invitation::Column::Email.eq(email.as_str()))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    let secret = token::generate(TokenKind::Invitation);
    let invitation = invitation::ActiveModel {
        id: Set(new_id()),
        organisation_id: Set(org.id),
        email: Set(email.as_str().to_owned()),
        token_hash: Set(token::hash(&secret)),
        role: Set(input.role),
        standing: Set(input.standing.kind()),
        good_until: Set(input.standing.good_until()),
        invited_by: Set(viewer.id()),
        created_at: Set(at),
        expires_at: Set(at + Duration::days(i64::from(state.settings.accounts.invitation_days))),
        accepted_at: Set(None),
        accepted_by: Set(None),
        revoked_at: Set(None),
        anyone_with_link: Set(input.anyone_with_link),
    }
    .insert(&txn)
    .await?;
    let link = format!("{}/invitations/{secret}", state.settings.public_url());
    outbox::enqueue(
        &txn,
        outbox::TOPIC_MAIL_INVITATION,
        json!({
            "to": invitation.email,
            "organisation": org.name,
            "inviter": viewer.account.display_name,
            "locale": org.default_locale,
            "link": link,
            "expires_at": invitation.expires_at,
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(Sent { invitation, link })
}

fn invitation_not_found() -> AppError {
    AppError::not_found(text!(
        en: "This invitation link is not valid, was withdrawn, or has expired. Ask for a new one.",
        fr: "Ce lien d'invitation n'est pas valide, a été retiré ou a expiré. Demandez-en un nouveau."
    ))
}

/// The invitation a link's token opens, if it is still valid: `NOT_FOUND`
/// when unknown, withdrawn or expired.
pub async fn usable(conn: &impl ConnectionTrait, token_hash: &str) -> AppResult<invitation::Model> {
    invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await?
        .filter(|i| i.revoked_at.is_none() && i.expires_at > now())
        .ok_or_else(invitation_not_found)
}

/// `FORBIDDEN` unless `email` may use the invitation: the one it was sent
/// to, or anyone when the inviter chose "anyone with the link".
pub fn require_for(invitation: &invitation::Model, email: &str) -> AppResult<()> {
    if invitation.anyone_with_link || invitation.email.eq_ignore_ascii_case(email) {
        return Ok(());
    }
    Err(AppError::forbidden(text!(
        en: "This invitation was sent to another email address. Log in with that address, or ask for an invitation to yours.",
        fr: "Cette invitation a été envoyée à une autre adresse e-mail. Connectez-vous avec cette adresse, ou demandez une invitation à la vôtre."
    )))
}

/// Does the invitation prove that whoever registers with it holds `email`?
/// Only when it was sent to that address (a link for anyone proves nothing).
pub fn proves_address(invitation: &invitation::Model, email: &str) -> bool {
    !invitation.anyone_with_link && invitation.email.eq_ignore_ascii_case(email)
}

/// Accepts an invitation inside the caller's transaction (also used when
/// registering with an invitation).
pub async fn accept_in(
    conn: &impl ConnectionTrait,
    account: &account::Model,
    secret: &str,
) -> AppResult<membership::Model> {
    accept_hashed(conn, account, &token::hash(secret)).await
}

/// Accepts the invitation of a token's hash inside the caller's transaction.
pub async fn accept_hashed(
    conn: &impl ConnectionTrait,
    account: &account::Model,
    token_hash: &str,
) -> AppResult<membership::Model> {
    let invitation = usable(conn, token_hash).await?;
    if invitation.accepted_at.is_some() {
        return Err(AppError::conflict(text!(
            en: "This invitation has already been used. Each link works once.",
            fr: "Cette invitation a déjà été utilisée. Chaque lien ne fonctionne qu'une fois."
        )));
    }
    require_for(&invitation, &account.email)?;
    let org = organisations::get(conn, invitation.organisation_id).await?;
    let joining = Joining {
        role: invitation.role,
        standing: Standing::new(invitation.standing, invitation.good_until),
        actor: Some(invitation.invited_by),
        note: None,
    };
    let m = memberships::join(conn, &org, account.id, joining).await?;
    let mut used = invitation.into_active_model();
    used.accepted_at = Set(Some(now()));
    used.accepted_by = Set(Some(account.id));
    used.update(conn).await?;
    Ok(m)
}

/// Tells live listeners that someone joined, once `txn` has committed.
pub fn announce(txn: &Unit, m: &membership::Model) {
    memberships::publish(txn, m, MembershipChange::Joined);
}

/// Accepts an invitation with the viewer's account.
#[tracing::instrument(skip_all, fields(account = %viewer.id()))]
pub async fn accept(
    state: &AppState,
    viewer: &Viewer,
    secret: &str,
) -> AppResult<membership::Model> {
    let txn = state.write().await?;
    let m = accept_in(&txn, &viewer.account, secret).await?;
    announce(&txn, &m);
    txn.commit().await?;
    Ok(m)
}

/// Withdraws an invitation that has not been used yet.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), invitation = %id))]
pub async fn revoke(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<invitation::Model> {
    let txn = state.write().await?;
    let invitation = invitation::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .filter(|i| i.accepted_at.is_none() && i.revoked_at.is_none())
        .ok_or_else(invitation_not_found)?;
    memberships::require_role(&txn, viewer, invitation.organisation_id, can_manage_members).await?;
    let mut active = invitation.into_active_model();
    active.revoked_at = Set(Some(now()));
    let invitation = active.update(&txn).await?;
    txn.commit().await?;
    Ok(invitation)
}

/// Pending invitations of an organisation, oldest first (facilitators and admins).
pub async fn pending(
    state: &AppState,
    viewer: &Viewer,
    organisation_id: Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<invitation::Model>> {
    memberships::require_role(&state.db, viewer, organisation_id, can_manage_members).await?;
    let query = invitation::Entity::find()
        .filter(invitation::Column::OrganisationId.eq(organisation_id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .filter(invitation::Column::ExpiresAt.gt(now()));
    page::by_id(
        &state.db,
        query,
        invitation::Column::Id,
        "invitations",
        first,
        after,
        Order::Asc,
    )
    .await
}

/// What asking to join led to.
pub enum JoinOutcome {
    /// The organisation is open: the person is now a supporter.
    Joined(membership::Model),
    /// The organisation reviews requests: this one waits for a decision.
    Requested(join_request::Model),
}

/// Asks to join an organisation, following its registration mode.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), organisation = %organisation_id))]
pub async fn request_to_join(
    state: &AppState,
    viewer: &Viewer,
    organisation_id: Uuid,
    message: Option<String>,
) -> AppResult<JoinOutcome> {
    let message = message.unwrap_or_default().trim().to_owned();
    if message.chars().count() > 2000 {
        return Err(AppError::validation(
            "message",
            text!(en: "The message has at most 2000 characters.", fr: "Le message comporte au plus 2000 caractères."),
        ));
    }
    let txn = state.write().await?;
    let org = organisations::get(&txn, organisation_id).await?;
    if memberships::active(&txn, org.id, viewer.id())
        .await?
        .is_some()
    {
        return Err(AppError::conflict(text!(
            en: "You are already a member of this organisation.",
            fr: "Vous êtes déjà membre de cette organisation."
        )));
    }
    let outcome = match org.registration_mode {
        RegistrationMode::Open => {
            let joining = Joining {
                role: Role::Member,
                standing: Standing::Supporter,
                actor: Some(viewer.id()),
                note: None,
            };
            JoinOutcome::Joined(memberships::join(&txn, &org, viewer.id(), joining).await?)
        }
        RegistrationMode::Request => {
            JoinOutcome::Requested(new_request(&txn, &org, viewer, message).await?)
        }
        RegistrationMode::Invitation => {
            return Err(AppError::forbidden(text!(
                en: "This organisation admits new members by invitation only.",
                fr: "Cette organisation n'accueille de nouveaux membres que sur invitation."
            )));
        }
    };
    if let JoinOutcome::Joined(m) = &outcome {
        announce(&txn, m);
    }
    txn.commit().await?;
    Ok(outcome)
}

async fn new_request(
    conn: &impl ConnectionTrait,
    org: &organisation::Model,
    viewer: &Viewer,
    message: String,
) -> AppResult<join_request::Model> {
    let waiting = join_request::Entity::find()
        .filter(join_request::Column::OrganisationId.eq(org.id))
        .filter(join_request::Column::AccountId.eq(viewer.id()))
        .filter(join_request::Column::Status.eq("pending"))
        .one(conn)
        .await?;
    if waiting.is_some() {
        return Err(AppError::conflict(text!(
            en: "Your request to join is already waiting for an answer.",
            fr: "Votre demande d'adhésion attend déjà une réponse."
        )));
    }
    Ok(join_request::ActiveModel {
        id: Set(new_id()),
        organisation_id: Set(org.id),
        account_id: Set(viewer.id()),
        message: Set(message),
        status: Set("pending".into()),
        created_at: Set(now()),
        decided_at: Set(None),
        decided_by: Set(None),
    }
    .insert(conn)
    .await?)
}

/// Accepts (with the standing to give) or declines a join request.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), request = %id))]
pub async fn decide(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    accept: Option<Standing>,
) -> AppResult<(join_request::Model, Option<membership::Model>)> {
    let txn = state.write().await?;
    let request = join_request::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| {
            AppError::not_found(
                text!(en: "No such join request.", fr: "Cette demande d'adhésion n'existe pas."),
            )
        })?;
    memberships::require_role(&txn, viewer, request.organisation_id, can_manage_members).await?;
    if request.status != "pending" {
        return Err(AppError::conflict(text!(
            en: "This request has already been answered.",
            fr: "Cette demande a déjà reçu une réponse."
        )));
    }
    let org = organisations::get(&txn, request.organisation_id).await?;
    let joined = match accept {
        Some(standing) => {
            let joining = Joining {
                role: Role::Member,
                standing,
                actor: Some(viewer.id()),
                note: None,
            };
            Some(memberships::join(&txn, &org, request.account_id, joining).await?)
        }
        None => None,
    };
    let mut active = request.into_active_model();
    active.status = Set(if joined.is_some() {
        "accepted"
    } else {
        "declined"
    }
    .into());
    active.decided_at = Set(Some(now()));
    active.decided_by = Set(Some(viewer.id()));
    let request = active.update(&txn).await?;
    if let Some(m) = &joined {
        announce(&txn, m);
    }
    txn.commit().await?;
    Ok((request, joined))
}

/// Pending join requests of an organisation, oldest first (facilitators and admins).
pub async fn pending_requests(
    state: &AppState,
    viewer: &Viewer,
    organisation_id: Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Page<join_request::Model>> {
    memberships::require_role(&state.db, viewer, organisation_id, can_manage_members).await?;
    let query = join_request::Entity::find()
        .filter(join_request::Column::OrganisationId.eq(organisation_id))
        .filter(join_request::Column::Status.eq("pending"));
    page::by_id(
        &state.db,
        query,
        join_request::Column::Id,
        "joinRequests",
        first,
        after,
        Order::Asc,
    )
    .await
}
