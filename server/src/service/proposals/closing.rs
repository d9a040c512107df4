//! Closing a proposal and counting it.
//!
//! The count is the one `plenum tally` makes: the ballots are written out as
//! a ballot file (JSON Lines: the proposal's header, then one ballot per line;
//! secret ones, from the opened box, in the order of their random ids, each
//! with its tracker), the file is counted by the
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
use crate::entity::{account, ballot, proposal as entity};
use crate::error::{AppError, AppResult};
use crate::events::ProposalChange;
use crate::i18n::{Locale, Text};
use crate::service::now;
use crate::service::sessions::Viewer;
use crate::state::AppState;
use crate::text;

/// The first line of a proposal's ballot file: what the engine counts.
pub fn header(p: &entity::Model) -> AppResult<String> {
    let mut out = serde_json::to_string(&spec_of(p)).map_err(AppError::internal)?;
    out.push('\n');
    Ok(out)
}

/// The ballot file of a proposal, as it stands (for a secret vote, once its
/// box is opened: before, the ballots are sealed).
pub async fn export<C>(conn: &C, p: &entity::Model) -> AppResult<String>
where
    C: ConnectionTrait + StreamTrait,
{
    if let Some(recorded) = &p.ballot_file {
        return Ok(recorded.clone());
    }
    let mut out = header(p)?;
    if p.secret {
        // As the box was opened: shuffled, each ballot with its tracker.
        out.push_str(&super::ballot_box::opened_ballots(conn, p.id, p.round).await?);
    } else {
        let mut rows = ballot::Entity::find()
            .select_only()
            .column(ballot::Column::Choice)
            .filter(ballot::Column::ProposalId.eq(p.id))
            .filter(ballot::Column::Round.eq(p.round))
            .order_by_asc(ballot::Column::Id)
            .into_tuple::<Json>()
            .stream(conn)
            .await?;
        while let Some(choice) = rows.try_next().await? {
            let _ = writeln!(out, "{choice}");
        }
    }
    Ok(out)
}

/// The ballot file of an amended round: a secret vote's box is opened into
/// it (see `ballot_box::end_round`).
pub async fn end_round<C>(txn: &C, state: &AppState, p: &entity::Model) -> AppResult<String>
where
    C: ConnectionTrait + StreamTrait,
{
    if !p.secret {
        return export(txn, p).await;
    }
    let mut file = header(p)?;
    file.push_str(&super::ballot_box::end_round(txn, &state.ballot_key, p).await?);
    Ok(file)
}

/// The stored result of a closed proposal, or the count so far of an open
/// one (whoever asks must already be allowed to see it). A secret vote's
/// count so far is its last snapshot (`ballots.live_step`): nothing before
/// the first.
pub async fn result<C>(conn: &C, p: &entity::Model) -> AppResult<Outcome>
where
    C: ConnectionTrait + StreamTrait,
{
    match &p.result {
        Some(stored) => Ok(stored.clone()),
        None if p.closed_at.is_some() => Err(being_counted()),
        None if p.secret => match super::ballot_box::live(conn, p).await? {
            Some(snapshot) => Ok(snapshot),
            None => count(&header(p)?),
        },
        None => count(&export(conn, p).await?),
    }
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

/// Closes an open proposal and stores its count: a named vote in one
/// transaction, a secret one in two (`count_closed_box`). Gives `None` when
/// it was not open (already closed by someone else, or by another process's
/// scheduler).
pub async fn finish(
    state: &AppState,
    id: Uuid,
    by: Option<Uuid>,
) -> AppResult<Option<entity::Model>> {
    let txn = state.write().await?;
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
    if p.secret {
        // Closed: no ballot enters the box any more. It is counted outside
        // this transaction.
        txn.commit().await?;
        return count_closed_box(state, p).await;
    }
    let export = export(&txn, &p).await?;
    let outcome = count(&export)?;
    let mut active: entity::ActiveModel = p.into();
    active.result = sea_orm::ActiveValue::Set(Some(outcome));
    active.export_sha256 = sea_orm::ActiveValue::Set(Some(sha256_hex(&export)));
    let closed = active.update(&txn).await?;
    conclude(&txn, &closed).await?;
    txn.commit().await?;
    Ok(Some(closed))
}

/// Counts a closed secret vote: its box is read, decrypted and shuffled
/// outside any write (casting elsewhere goes on meanwhile, even on SQLite's
/// one writer), then its ballot file and its result are stored in one
/// transaction, and its sealed rows dropped right after. A process stopped
/// halfway leaves the vote closed and uncounted, its box intact: the
/// scheduler counts it again (`schedule::tick`). When another process
/// counted it first, gives it as that one stored it.
pub async fn count_closed_box(
    state: &AppState,
    p: entity::Model,
) -> AppResult<Option<entity::Model>> {
    let opened = super::ballot_box::open_box(&state.db, &state.ballot_key, &p).await?;
    // After the ballots the round may already have (see `ballot_box::store`).
    let mut file = header(&p)?;
    file.push_str(&super::ballot_box::opened_ballots(&state.db, p.id, p.round).await?);
    file.push_str(&opened.lines);
    let outcome = count(&file)?;
    let txn = state.write().await?;
    let stored = entity::Entity::update_many()
        .set(entity::ActiveModel {
            result: sea_orm::ActiveValue::Set(Some(outcome)),
            export_sha256: sea_orm::ActiveValue::Set(Some(sha256_hex(&file))),
            ..Default::default()
        })
        .filter(entity::Column::Id.eq(p.id))
        .filter(entity::Column::Result.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if stored == 0 {
        drop(txn);
        return Ok(entity::Entity::find_by_id(p.id).one(&state.db).await?);
    }
    super::ballot_box::store(&txn, &p, opened).await?;
    let closed = entity::Entity::find_by_id(p.id)
        .one(&txn)
        .await?
        .ok_or_else(proposal_not_found)?;
    super::ballot_box::forget_live(&txn, closed.id).await?;
    conclude(&txn, &closed).await?;
    txn.commit().await?;
    super::ballot_box::forget(state, &closed);
    Ok(Some(closed))
}

/// What follows a count stored: the proposal's purpose (a designation, a
/// ratification…), its search entry, and who follows it live.
async fn conclude(txn: &crate::write::Unit, closed: &entity::Model) -> AppResult<()> {
    super::concluded(txn, closed).await?;
    crate::service::indexing::enqueue(
        txn,
        &[crate::service::indexing::DocRef::Proposal(closed.id)],
    )
    .await?;
    super::publish(txn, closed, ProposalChange::Closed);
    tracing::info!(proposal = %closed.id, ballots = closed.result.as_ref().map_or(0, |o| o.ballots), "proposal closed");
    Ok(())
}

/// A secret vote closed a moment ago, its box not counted yet.
pub fn being_counted() -> AppError {
    AppError::conflict(text!(
        en: "The ballots are being counted: the result follows in a moment.",
        fr: "Les bulletins sont en cours de dépouillement : le résultat suit dans un instant."
    ))
}

fn refuse_until_closed(p: &entity::Model) -> AppResult<()> {
    if p.closed_at.is_none() {
        return Err(AppError::conflict(text!(
            en: "The ballots are published once the proposal is closed.",
            fr: "Les bulletins sont publiés une fois la proposition close."
        )));
    }
    if p.result.is_none() {
        return Err(being_counted());
    }
    Ok(())
}

/// The ballot file of a closed proposal, for `plenum tally`: anonymous for
/// secret ballots (and named ones alike: the file holds ballots, not people).
pub async fn ballot_file(conn: &DatabaseConnection, seen: &Seen) -> AppResult<String> {
    refuse_until_closed(&seen.proposal)?;
    export(conn, &seen.proposal).await
}

/// A summary for secretaries: one line per figure, then (named votes) one
/// line per ballot, in the reader's language.
pub async fn summary_csv(
    conn: &DatabaseConnection,
    seen: &Seen,
    locale: Locale,
) -> AppResult<String> {
    let p = &seen.proposal;
    refuse_until_closed(p)?;
    let outcome = p.result.as_ref().ok_or_else(|| {
        AppError::internal(anyhow::anyhow!("a closed proposal without its result"))
    })?;
    let t = |text: Text| text.in_locale(locale).to_owned();
    // Figures take two columns, the named ballots four: one sheet, flexible rows.
    let mut out = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let mut row = |a: String, b: String| out.write_record([a, b]);
    let yes_no = |v: Option<bool>| match v {
        Some(true) => t(text!(en: "yes", fr: "oui")),
        Some(false) => t(text!(en: "no", fr: "non")),
        None => "—".to_owned(),
    };
    let winners = outcome.names(&outcome.winners);
    let figures = [
        (t(text!(en: "Proposal", fr: "Proposition")), p.title.clone()),
        (t(text!(en: "Method", fr: "Méthode")), p.method.clone()),
        (
            t(text!(en: "Secret ballot", fr: "Vote secret")),
            yes_no(Some(p.secret)),
        ),
        (
            t(text!(en: "Opened", fr: "Ouverture")),
            p.opened_at.map(|d| d.to_rfc3339()).unwrap_or_default(),
        ),
        (
            t(text!(en: "Closed", fr: "Clôture")),
            p.closed_at.map(|d| d.to_rfc3339()).unwrap_or_default(),
        ),
        (
            t(text!(en: "Electorate", fr: "Corps électoral")),
            p.electorate_size.unwrap_or(0).to_string(),
        ),
        (
            t(text!(en: "Ballots", fr: "Bulletins")),
            outcome.ballots.to_string(),
        ),
        (
            t(text!(en: "Participation (%)", fr: "Participation (%)")),
            outcome
                .participation_percent
                .map(|p| p.to_string())
                .unwrap_or_else(|| "null".to_owned()),
        ),
        (
            t(text!(en: "Quorum reached", fr: "Quorum atteint")),
            yes_no(outcome.quorum_reached),
        ),
        (
            t(text!(en: "Adopted", fr: "Adoptée")),
            yes_no(outcome.adopted),
        ),
        (t(text!(en: "Chosen", fr: "Retenu")), winners.join(", ")),
        (
            t(text!(en: "Ballot file SHA-256", fr: "SHA-256 du fichier des bulletins")),
            p.export_sha256.clone().unwrap_or_default(),
        ),
    ];
    for (name, value) in figures {
        row(name, value).map_err(AppError::internal)?;
    }
    for line in outcome.explanation_in(locale) {
        row(
            t(text!(en: "Explanation", fr: "Explication")),
            line.to_owned(),
        )
        .map_err(AppError::internal)?;
    }
    if !p.secret {
        let ballots = ballot::Entity::find()
            .filter(ballot::Column::ProposalId.eq(p.id))
            .filter(ballot::Column::Round.eq(p.round))
            .find_also_related(account::Entity)
            .order_by_asc(ballot::Column::Id)
            .all(conn)
            .await?;
        out.write_record([
            t(text!(en: "Voter", fr: "Votant·e")),
            t(text!(en: "Ballot", fr: "Bulletin")),
            t(text!(en: "Reason", fr: "Raison")),
            t(text!(en: "By proxy", fr: "Par procuration")),
        ])
        .map_err(AppError::internal)?;
        for (b, voter) in ballots {
            out.write_record([
                voter.map(|v| v.display_name).unwrap_or_default(),
                b.choice.to_string(),
                b.reason.unwrap_or_default(),
                yes_no(Some(b.cast_by != b.voter_id)),
            ])
            .map_err(AppError::internal)?;
        }
    }
    let bytes = out
        .into_inner()
        .map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))?;
    String::from_utf8(bytes).map_err(AppError::internal)
}
