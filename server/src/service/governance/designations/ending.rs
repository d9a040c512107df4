//! How a call ends without a designation: unfilled, or reported upward.

use super::*;

/// A call that may end without a designation: under way, no vote open.
async fn endable(txn: &Unit, viewer: &Viewer, id: Uuid) -> AppResult<(Call, organisation::Model)> {
    let call = locked(txn, id).await?;
    let organisation = organisations::get(txn, call.call.organisation_id).await?;
    memberships::require_role(txn, viewer, organisation.id, is_facilitator).await?;
    if !call.status.running() || call.status == CallStatus::Voting {
        return Err(AppError::conflict(text!(
            en: "This call cannot end so: a vote is under way, or it has already ended.",
            fr: "Cet appel ne peut pas se terminer ainsi : un vote est en cours, ou il est déjà terminé."
        )));
    }
    Ok((call, organisation))
}

/// No suitable candidate: the position stays open, and a new call can be
/// made (facilitators, with the reason).
#[tracing::instrument(skip_all, fields(account = %viewer.id(), call = %id))]
pub async fn declare_unfilled(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    reason: Option<&str>,
) -> AppResult<Call> {
    let reason = parse_reason(reason)?;
    let txn = state.write().await?;
    let (call, _) = endable(&txn, viewer, id).await?;
    positions::settle_running(
        &txn,
        call.call.position_id,
        viewer.id(),
        Outcome::Unfilled,
        Some(reason),
    )
    .await?;
    let ended = locked(&txn, id).await?;
    txn.commit().await?;
    Ok(ended)
}

/// No consensus: the names debated go up [remontée] to the parent
/// organisation's assembly, with the candidates' contact details, and a
/// higher body decides (facilitators).
#[tracing::instrument(skip_all, fields(account = %viewer.id(), call = %id))]
pub async fn report_upward(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    note: Option<&str>,
) -> AppResult<Call> {
    let note = note
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    let txn = state.write().await?;
    let (call, organisation) = endable(&txn, viewer, id).await?;
    if !matches!(call.status, CallStatus::Study | CallStatus::NotDesignated) {
        return Err(AppError::conflict(text!(
            en: "The names are reported upward once candidacies are closed and the designation failed.",
            fr: "Les noms remontent une fois les candidatures closes et la désignation sans résultat."
        )));
    }
    let Some(parent) = organisation.parent_id else {
        return Err(AppError::conflict(text!(
            en: "This organisation has no parent to report to.",
            fr: "Cette organisation n'a pas d'organisation parente vers qui faire remonter."
        )));
    };
    let found = positions::find(&txn, call.call.position_id).await?;
    let standing = candidacies(&txn, &call).await?;
    let people = accounts::by_ids(&txn, standing.iter().map(|s| s.candidacy.account_id)).await?;
    let candidates: Vec<Value> = standing
        .iter()
        .filter(|s| s.candidacy.status == CandidacyStatus::Standing)
        .filter_map(|s| {
            let person = people.get(&s.candidacy.account_id)?;
            Some(json!({
                "accountId": person.id,
                "name": person.display_name,
                "email": person.email,
                "statement": s.candidacy.statement_source,
            }))
        })
        .collect();
    let report = json!({
        "organisation": organisation.name,
        "position": found.title,
        "seats": found.seats,
        "note": note,
        "candidates": candidates,
    });
    let mut active: designation_call::ActiveModel = call.call.into();
    active.outcome = Set(Some(Outcome::Reported));
    active.outcome_note = Set(note);
    active.outcome_at = Set(Some(now()));
    active.outcome_by = Set(Some(viewer.id()));
    active.reported_to = Set(Some(parent));
    active.report = Set(Some(report));
    let reported = active.update(&txn).await?;
    let reported = load(&txn, reported).await?;
    txn.commit().await?;
    Ok(reported)
}

/// Designations reported up to an organisation by its children, newest
/// first: for its assembly's people only (members in good standing, and
/// facilitators), as they carry contact details.
pub async fn reported_to(
    state: &AppState,
    viewer: &Viewer,
    organisation_id: Uuid,
) -> AppResult<Vec<designation_call::Model>> {
    let organisation = organisations::get(&state.db, organisation_id).await?;
    require_good_standing(&state.db, viewer, &organisation)
        .await
        .map_err(|_| {
            AppError::forbidden(text!(
                en: "Reports upward are for the assembly's people: members in good standing and facilitators.",
                fr: "Les remontées sont réservées aux personnes de l'assemblée : membres à jour et animation."
            ))
        })?;
    Ok(designation_call::Entity::find()
        .filter(designation_call::Column::ReportedTo.eq(organisation_id))
        .order_by_desc(designation_call::Column::OutcomeAt)
        .all(&state.db)
        .await?)
}
