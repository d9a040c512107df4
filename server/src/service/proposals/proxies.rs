//! Proxies [procurations]: a member in good standing gives their vote to
//! another, for one proposal or for a period. The organisation caps how many
//! proxies one person holds at once (`max_proxies_held`, default 1). The
//! giver may revoke until the holder has voted with it on a proposal still
//! open: a vote cast with a proxy stays cast, and only its holder changes it
//! until that vote closes, so the proxy stays in force until then.
//!
//! Revoking and voting with a proxy serialise on the proxy's row: the vote
//! reads it `FOR SHARE`, the revocation `FOR UPDATE` (SQLite serialises all
//! writers). Either the vote comes first, and the revocation sees it and is
//! refused, or the revocation does, and the vote finds no proxy.

use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, Condition, QuerySelect};

use crate::entity::{elector, membership, proposal, proxy};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::service::memberships::{self, in_good_standing};
use crate::service::sessions::Viewer;
use crate::service::{new_id, now, organisations};
use crate::state::AppState;
use crate::text;

pub struct GiveProxy {
    pub organisation_id: Uuid,
    pub holder_id: Uuid,
    /// For one proposal; for a period when absent.
    pub proposal_id: Option<Uuid>,
    /// The end of a period proxy; open-ended when absent.
    pub until: Option<DateTime<Utc>>,
}

/// Proxies in force: not revoked, not expired, and (for one proposal) on a
/// proposal not yet closed.
fn in_force(at: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(proxy::Column::RevokedAt.is_null())
        .add(
            Condition::any()
                .add(proxy::Column::EndsAt.is_null())
                .add(proxy::Column::EndsAt.gt(at)),
        )
        .add(
            Condition::any()
                .add(proxy::Column::ProposalId.is_null())
                .add(
                    proxy::Column::ProposalId.in_subquery(
                        sea_orm::sea_query::Query::select()
                            .column(proposal::Column::Id)
                            .from(proposal::Entity)
                            .and_where(proposal::Column::ClosedAt.is_null())
                            .to_owned(),
                    ),
                ),
        )
}

#[tracing::instrument(skip_all, fields(account = %viewer.id(), organisation = %input.organisation_id))]
pub async fn give(state: &AppState, viewer: &Viewer, input: GiveProxy) -> AppResult<proxy::Model> {
    let at = now();
    if input.holder_id == viewer.id() {
        return Err(AppError::validation(
            "holderId",
            text!(en: "A proxy goes to someone else.", fr: "Une procuration se donne à quelqu'un d'autre."),
        ));
    }
    if input.until.is_some_and(|u| u <= at) {
        return Err(AppError::validation(
            "until",
            text!(en: "The end of the proxy is in the past.", fr: "La fin de la procuration est déjà passée."),
        ));
    }
    let txn = state.write().await?;
    let org = organisations::get(&txn, input.organisation_id).await?;
    let giver = memberships::require_member(&txn, viewer, org.id).await?;
    if !in_good_standing(&giver, &org) {
        return Err(AppError::forbidden(text!(
            en: "Only members in good standing give their vote by proxy.",
            fr: "Seuls les membres à jour donnent procuration."
        )));
    }
    // The holder's membership row, locked: two proxies given to one person at
    // once are counted one after the other against the cap.
    let holder = membership::Entity::find()
        .filter(membership::Column::OrganisationId.eq(org.id))
        .filter(membership::Column::AccountId.eq(input.holder_id))
        .filter(membership::Column::LeftAt.is_null())
        .lock_exclusive()
        .one(&txn)
        .await?;
    if !holder.as_ref().is_some_and(|h| in_good_standing(h, &org)) {
        return Err(AppError::new(
            ErrorCode::NotEligible,
            text!(en: "A proxy goes only to a member in good standing of the organisation.", fr: "Une procuration ne se donne qu'à un membre à jour de l'organisation."),
        ));
    }
    if let Some(proposal_id) = input.proposal_id {
        let p = proposal::Entity::find_by_id(proposal_id)
            .one(&txn)
            .await?
            .filter(|p| p.organisation_id == org.id)
            .ok_or_else(super::proposal_not_found)?;
        if p.closed_at.is_some() {
            return Err(crate::domain::proposal::poll_closed(
                crate::domain::proposal::Status::Closed,
            ));
        }
        if p.opened_at.is_some() {
            for (who, whose) in [(viewer.id(), "giver"), (input.holder_id, "holder")] {
                let e = elector::Entity::find_by_id((p.id, who)).one(&txn).await?;
                match e {
                    Some(e) if e.excluded_reason.is_none() && !(whose == "giver" && e.voted) => {}
                    Some(e) if e.voted => {
                        return Err(AppError::conflict(text!(
                            en: "You have already voted on this proposal.",
                            fr: "Vous avez déjà voté sur cette proposition."
                        )));
                    }
                    _ => {
                        return Err(AppError::new(
                            ErrorCode::NotEligible,
                            text!(en: "Both the giver and the holder of a proxy must be in the proposal's electorate.", fr: "Celle ou celui qui donne procuration et celle ou celui qui la reçoit doivent faire partie du corps électoral."),
                        ));
                    }
                }
            }
        }
    }
    let scope = match input.proposal_id {
        Some(p) => Condition::any()
            .add(proxy::Column::ProposalId.eq(p))
            .add(proxy::Column::ProposalId.is_null()),
        None => Condition::all(),
    };
    let already = proxy::Entity::find()
        .filter(proxy::Column::OrganisationId.eq(org.id))
        .filter(proxy::Column::GiverId.eq(viewer.id()))
        .filter(in_force(at))
        .filter(scope)
        .count(&txn)
        .await?;
    if already > 0 {
        return Err(AppError::conflict(text!(
            en: "You have already given your vote for this: revoke that proxy first.",
            fr: "Vous avez déjà donné procuration pour cela : révoquez d'abord cette procuration."
        )));
    }
    let held = proxy::Entity::find()
        .filter(proxy::Column::OrganisationId.eq(org.id))
        .filter(proxy::Column::HolderId.eq(input.holder_id))
        .filter(in_force(at))
        .count(&txn)
        .await?;
    let cap = org.max_proxies_held.max(0) as u64;
    if held >= cap {
        return Err(AppError::conflict(text!(
            en: "This person already holds {held} proxies, the most this organisation allows ({cap}).",
            fr: "Cette personne détient déjà {held} procurations, le maximum permis par l'organisation ({cap})."
        )));
    }
    let given = proxy::ActiveModel {
        id: Set(new_id()),
        organisation_id: Set(org.id),
        giver_id: Set(viewer.id()),
        holder_id: Set(input.holder_id),
        proposal_id: Set(input.proposal_id),
        starts_at: Set(at),
        ends_at: Set(input.until),
        created_at: Set(at),
        revoked_at: Set(None),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(given)
}

/// Revokes a proxy one gave; not while the holder has voted with it on a
/// proposal still open.
pub async fn revoke(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<proxy::Model> {
    let txn = state.write().await?;
    let found = proxy::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .filter(|p| p.giver_id == viewer.id())
        .ok_or_else(|| {
            AppError::not_found(text!(en: "No such proxy of yours.", fr: "Vous n'avez pas donné cette procuration."))
        })?;
    if found.revoked_at.is_some() {
        return Err(AppError::conflict(text!(
            en: "This proxy is already revoked.",
            fr: "Cette procuration est déjà révoquée."
        )));
    }
    // Read after the lock: a vote with this proxy has committed, or waits.
    let used_on = proposal::Entity::find()
        .filter(
            proposal::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(elector::Column::ProposalId)
                    .from(elector::Entity)
                    .and_where(elector::Column::AccountId.eq(found.giver_id))
                    .and_where(elector::Column::ProxyHolderId.eq(found.holder_id))
                    .to_owned(),
            ),
        )
        .filter(match found.proposal_id {
            Some(one) => Condition::all().add(proposal::Column::Id.eq(one)),
            None => Condition::all()
                .add(proposal::Column::OrganisationId.eq(found.organisation_id))
                .add(proposal::Column::ClosedAt.is_null()),
        })
        .one(&txn)
        .await?;
    if let Some(p) = used_on {
        let title = p.title;
        return Err(AppError::conflict(if found.proposal_id.is_some() {
            text!(
                en: "The holder has already voted with this proxy: it can no longer be revoked.",
                fr: "La personne a déjà voté avec cette procuration : elle ne peut plus être révoquée."
            )
        } else {
            text!(
                en: "The holder has voted with this proxy on « {title} », still open: the proxy can be revoked once that vote closes.",
                fr: "La personne a voté avec cette procuration sur « {title} », encore ouverte : la procuration pourra être révoquée une fois ce vote clos."
            )
        }));
    }
    let mut active: proxy::ActiveModel = found.into();
    active.revoked_at = Set(Some(now()));
    let revoked = active.update(&txn).await?;
    txn.commit().await?;
    Ok(revoked)
}

/// Refuses a ballot cast for `giver` by `holder` unless a proxy in force allows it.
pub async fn require_usable(
    conn: &impl ConnectionTrait,
    p: &proposal::Model,
    giver: Uuid,
    holder: Uuid,
) -> AppResult<()> {
    let at = now();
    let found = proxy::Entity::find()
        .filter(proxy::Column::OrganisationId.eq(p.organisation_id))
        .filter(proxy::Column::GiverId.eq(giver))
        .filter(proxy::Column::HolderId.eq(holder))
        .filter(proxy::Column::RevokedAt.is_null())
        .filter(
            Condition::any()
                .add(proxy::Column::ProposalId.eq(p.id))
                .add(
                    Condition::all()
                        .add(proxy::Column::ProposalId.is_null())
                        .add(proxy::Column::StartsAt.lte(at))
                        .add(
                            Condition::any()
                                .add(proxy::Column::EndsAt.is_null())
                                .add(proxy::Column::EndsAt.gt(at)),
                        ),
                ),
        )
        // Held until the ballot commits: a revocation waits for it.
        .lock_shared()
        .one(conn)
        .await?;
    if found.is_none() {
        return Err(AppError::forbidden(text!(
            en: "You hold no proxy from this person for this proposal.",
            fr: "Vous n'avez pas de procuration de cette personne pour cette proposition."
        )));
    }
    Ok(())
}

/// The proxies a person gave and holds in an organisation, in force or not, newest first.
pub async fn of(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    organisation_id: Uuid,
) -> AppResult<Vec<proxy::Model>> {
    use sea_orm::QueryOrder;
    Ok(proxy::Entity::find()
        .filter(proxy::Column::OrganisationId.eq(organisation_id))
        .filter(
            Condition::any()
                .add(proxy::Column::GiverId.eq(viewer.id()))
                .add(proxy::Column::HolderId.eq(viewer.id())),
        )
        .order_by_desc(proxy::Column::CreatedAt)
        .limit(200)
        .all(conn)
        .await?)
}
