//! Closing a proposal and counting it.
//!
//! The count is the one `plenum tally` makes: the ballots are written out as
//! a ballot file (JSON Lines: the proposal's header, then one ballot per line,
//! secret ones in the order of their random ids), the file is counted by the
//! decision engine, and the SHA-256 of the file is stored with the result.
//! Exporting a closed proposal rebuilds the same file byte for byte, so anyone
//! entitled can recount it and compare.

use std::fmt::Write as _;

use futures_util::TryStreamExt;
use sea_orm::prelude::*;
use sea_orm::{QueryOrder, QuerySelect, StreamTrait};
use sha2::{Digest, Sha256};

use super::{Seen, proposal_not_found, seen, spec_of};
use crate::domain::decision::{Outcome, file};
use crate::domain::proposal::Status;
use crate::entity::{ballot, proposal as entity, secret_ballot};
use crate::error::{AppError, AppResult};
use crate::service::now;
use crate::service::sessions::Viewer;
use crate::state::AppState;
use crate::{db, text};

/// The ballot file of a proposal, as it stands.
pub async fn export<C>(conn: &C, p: &entity::Model) -> AppResult<String>
where
    C: ConnectionTrait + StreamTrait,
{
    let mut out = serde_json::to_string(&spec_of(p)).map_err(AppError::internal)?;
    out.push('\n');
    let mut write = |choice: Json| {
        let _ = writeln!(out, "{choice}");
    };
    if p.secret {
        let mut rows = secret_ballot::Entity::find()
            .select_only()
            .column(secret_ballot::Column::Choice)
            .filter(secret_ballot::Column::ProposalId.eq(p.id))
            .order_by_asc(secret_ballot::Column::Id)
            .into_tuple::<Json>()
            .stream(conn)
            .await?;
        while let Some(choice) = rows.try_next().await? {
            write(choice);
        }
    } else {
        let mut rows = ballot::Entity::find()
            .select_only()
            .column(ballot::Column::Choice)
            .filter(ballot::Column::ProposalId.eq(p.id))
            .order_by_asc(ballot::Column::Id)
            .into_tuple::<Json>()
            .stream(conn)
            .await?;
        while let Some(choice) = rows.try_next().await? {
            write(choice);
        }
    }
    Ok(out)
}

/// Counts a ballot file as `plenum tally` does.
pub fn count(export: &str) -> AppResult<Outcome> {
    file::count(export.as_bytes(), false).map_err(|e| {
        AppError::internal(anyhow::anyhow!(
            "a stored ballot file does not count (line {}): {}",
            e.line,
            e.message.en
        ))
    })
}

pub fn sha256_hex(export: &str) -> String {
    Sha256::digest(export.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// Closes a proposal early: its author or a facilitator.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), proposal = %id))]
pub async fn close(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<entity::Model> {
    let seen: Seen = seen(&state.db, Some(viewer), id).await?;
    if !seen.steers(Some(viewer)) {
        return Err(AppError::forbidden(text!(
            en: "Only the proposal's author or a facilitator closes it early.",
            fr: "Seuls l'auteur·rice de la proposition ou un·e facilitateur·rice la clôturent avant l'heure."
        )));
    }
    match finish(state, id, Some(viewer.id())).await? {
        Some(closed) => Ok(closed),
        None => Err(AppError::conflict(match seen.status() {
            Status::Scheduled => {
                text!(en: "Voting has not opened yet: there is nothing to close.", fr: "Le vote n'est pas encore ouvert : il n'y a rien à clôturer.")
            }
            _ => {
                text!(en: "This proposal is already closed.", fr: "Cette proposition est déjà close.")
            }
        })),
    }
}

/// Closes an open proposal and stores its count, in one transaction. Gives
/// `None` when it was not open (already closed by someone else, or by
/// another process's scheduler).
pub async fn finish(
    state: &AppState,
    id: Uuid,
    by: Option<Uuid>,
) -> AppResult<Option<entity::Model>> {
    let txn = db::begin_write(&state.db).await?;
    // Waits (PostgreSQL) for the ballots under way, which hold the row `FOR SHARE`.
    let claimed = entity::Entity::update_many()
        .col_expr(entity::Column::ClosedAt, Expr::value(Some(now())))
        .col_expr(entity::Column::ClosedBy, Expr::value(by))
        .filter(entity::Column::Id.eq(id))
        .filter(entity::Column::ClosedAt.is_null())
        .filter(entity::Column::OpenedAt.is_not_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if claimed == 0 {
        return Ok(None);
    }
    let p = entity::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(proposal_not_found)?;
    let export = export(&txn, &p).await?;
    let outcome = count(&export)?;
    let mut active: entity::ActiveModel = p.into();
    active.result = sea_orm::ActiveValue::Set(Some(
        serde_json::to_value(&outcome).map_err(AppError::internal)?,
    ));
    active.export_sha256 = sea_orm::ActiveValue::Set(Some(sha256_hex(&export)));
    let closed = active.update(&txn).await?;
    txn.commit().await?;
    tracing::info!(proposal = %id, ballots = outcome.ballots, "proposal closed");
    Ok(Some(closed))
}
