//! The vote that designates: put to a vote, candidates recused, the position filled once counted.

use super::*;

/// A designation put to a vote.
pub struct DesignationVote {
    pub call_id: Uuid,
    pub method: String,
    pub settings: Value,
    pub quorum: Option<String>,
    /// For a yes/no method: the people designated if it passes.
    pub slate: Vec<Uuid>,
    /// The body that designates; the general assembly when absent.
    pub body_id: Option<Uuid>,
    pub closes_at: DateTime<Utc>,
    pub secret: bool,
    pub results_visibility: ResultsVisibility,
}

/// Puts a designation to a vote once candidacies are closed (facilitators):
/// a proposal in the position's deliberation thread whose electorate — the
/// deciding body's people — leaves the candidates out. A yes/no method
/// decides on a slate (checked against the parity rule now); a ranking
/// method has the standing candidates as its options.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), call = %input.call_id))]
pub async fn put_to_vote(
    state: &AppState,
    viewer: &Viewer,
    input: DesignationVote,
) -> AppResult<proposal_entity::Model> {
    let method = input.method.trim().to_owned();
    let ballot = ballot_for(&method)?;
    let txn = state.write().await?;
    let call = locked(&txn, input.call_id).await?;
    let organisation = organisations::get(&txn, call.call.organisation_id).await?;
    memberships::require_role(&txn, viewer, organisation.id, is_facilitator).await?;
    match call.status {
        CallStatus::Study | CallStatus::NotDesignated => {}
        CallStatus::Upcoming | CallStatus::Open => {
            return Err(AppError::conflict(text!(
                en: "Candidacies are still open: the vote comes once they close.",
                fr: "Les candidatures sont encore ouvertes : le vote vient après leur clôture."
            )));
        }
        _ => {
            return Err(AppError::conflict(text!(
                en: "A designation vote is under way, or the call is over.",
                fr: "Un vote de désignation est en cours, ou l'appel est terminé."
            )));
        }
    }
    let found = positions::find(&txn, call.call.position_id).await?;
    let deciding = match input.body_id {
        Some(id) => super::super::body_of(&txn, &organisation, id).await?,
        None => assembly_of(&txn, &organisation).await?,
    };
    if !may_designate(bodies::kind_of(&deciding), deciding.id == found.body_id) {
        return Err(AppError::validation(
            "bodyId",
            text!(
                en: "The general assembly designates to this position (a council or popular assembly may designate to its own seats).",
                fr: "C'est l'assemblée générale qui désigne à ce poste (un conseil ou une assemblée populaire peut désigner à ses propres postes)."
            ),
        ));
    }
    let candidates = standing(&txn, call.call.id).await?;
    let (holders, options) = match ballot {
        Ballot::Slate => {
            if input.slate.iter().any(|p| !candidates.contains(p)) {
                return Err(AppError::validation(
                    "slate",
                    text!(en: "Name only standing candidates.", fr: "Ne nommez que des personnes candidates en lice."),
                ));
            }
            positions::check_holders(&txn, &organisation, &found, &input.slate)
                .await
                .map_err(|e| match e.code {
                    ErrorCode::Validation => e.with_field("slate"),
                    _ => e,
                })?;
            (input.slate.clone(), Vec::new())
        }
        Ballot::Candidates => {
            if candidates.len() < 2 || candidates.len() < found.seats as usize {
                return Err(AppError::validation(
                    "method",
                    text!(
                        en: "Too few candidates to rank: vote on them by majority or consensus (slate), or wait for more.",
                        fr: "Trop peu de candidat·es à classer : votez sur elles et eux à la majorité ou au consensus (liste), ou attendez d'autres candidatures."
                    ),
                ));
            }
            let people = accounts::by_ids(&txn, candidates.iter().copied()).await?;
            let options = candidates
                .iter()
                .map(|id| {
                    people
                        .get(id)
                        .map(|a| a.display_name.clone())
                        .unwrap_or_default()
                })
                .collect();
            (candidates, options)
        }
    };
    let locale = crate::service::organisations::locale_of(&organisation);
    let title = found.title.clone();
    let new = NewProposal {
        organisation_id: organisation.id,
        thread_id: Some(call.call.thread_id),
        title: text!(en: "Designation: {title}", fr: "Désignation : {title}")
            .in_locale(locale)
            .to_owned(),
        details: found.description.clone(),
        method,
        options,
        settings: input.settings,
        quorum: input.quorum,
        electorate: ElectorateRule::Body,
        listed: Vec::new(),
        secret: input.secret,
        results_visibility: input.results_visibility,
        reasons: ReasonPolicy::Optional,
        changeable: true,
        urgent: false,
        needs_ratification: false,
        opens_at: None,
        closes_at: input.closes_at,
        body_id: Some(deciding.id),
        asked: super::super::Asked {
            binding: Some(true),
            ..Default::default()
        },
        designation: Some(Designating {
            call_id: call.call.id,
            holders,
        }),
    };
    let created = proposals::insert(&txn, state, viewer, new).await?;
    txn.commit().await?;
    Ok(created)
}

async fn assembly_of(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
) -> AppResult<body::Model> {
    body::Entity::find()
        .filter(body::Column::OrganisationId.eq(organisation.id))
        .filter(body::Column::Kind.eq(crate::domain::governance::BodyKind::GeneralAssembly))
        .one(conn)
        .await?
        .ok_or_else(super::super::body_not_found)
}

/// Designating a position's holders, as a proposal's purpose: its
/// candidates are recused at opening; the call concludes at closing.
pub const PURPOSE: crate::service::proposals::Purpose = crate::service::proposals::Purpose {
    on_open: |txn, p| {
        Box::pin(async move {
            match p.designation_call_id {
                Some(call) => recuse_candidates(txn, p.id, call).await,
                None => Ok(0),
            }
        })
    },
    on_close: |txn, p| Box::pin(conclude(txn, p)),
};

/// Recusal: takes a call's standing candidates out of the electorate of a
/// vote on their own position, as it opens. Gives how many.
pub async fn recuse_candidates(
    conn: &impl ConnectionTrait,
    proposal_id: Uuid,
    call_id: Uuid,
) -> AppResult<u64> {
    let candidates = standing(conn, call_id).await?;
    if candidates.is_empty() {
        return Ok(0);
    }
    let reason = "Candidat·e à ce poste (récusation) / Candidate for this position (recusal)";
    Ok(elector::Entity::update_many()
        .col_expr(elector::Column::ExcludedReason, Expr::value(reason))
        .filter(elector::Column::ProposalId.eq(proposal_id))
        .filter(elector::Column::AccountId.is_in(candidates))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Is this person a candidate kept out of the call's deliberation now?
pub async fn recused(
    conn: &impl ConnectionTrait,
    call_id: Uuid,
    account_id: Uuid,
) -> AppResult<bool> {
    let candidate = candidacy::Entity::find()
        .filter(candidacy::Column::CallId.eq(call_id))
        .filter(candidacy::Column::AccountId.eq(account_id))
        .filter(
            candidacy::Column::Status.is_in([CandidacyStatus::Standing, CandidacyStatus::Proposed]),
        )
        .count(conn)
        .await?;
    if candidate == 0 {
        return Ok(false);
    }
    let call = designation_call::Entity::find_by_id(call_id)
        .one(conn)
        .await?
        .ok_or_else(call_not_found)?;
    Ok(load(conn, call).await?.status.deliberating())
}

/// The deliberation threads a person is kept out of as a candidate.
pub async fn withheld_threads(
    conn: &impl ConnectionTrait,
    account_id: Uuid,
) -> AppResult<Vec<Uuid>> {
    let calls: Vec<Uuid> = candidacy::Entity::find()
        .select_only()
        .column(candidacy::Column::CallId)
        .filter(candidacy::Column::AccountId.eq(account_id))
        .filter(
            candidacy::Column::Status.is_in([CandidacyStatus::Standing, CandidacyStatus::Proposed]),
        )
        .into_tuple()
        .all(conn)
        .await?;
    let mut withheld = Vec::new();
    if calls.is_empty() {
        return Ok(withheld);
    }
    for call in designation_call::Entity::find()
        .filter(designation_call::Column::Id.is_in(calls))
        .filter(designation_call::Column::Outcome.is_null())
        .all(conn)
        .await?
    {
        let call = load(conn, call).await?;
        if call.status.deliberating() {
            withheld.push(call.call.thread_id);
        }
    }
    Ok(withheld)
}

/// Once a designation vote has counted (and, for a consensus that needs it,
/// been checked), fills the position: the slate if it passed, or the
/// best-ranked candidates the parity rule allows. Runs in the transaction
/// that closes or checks the vote; a designation that cannot be made (a tie,
/// a holder who left, a broken parity rule) leaves the call not designated,
/// for the facilitators to take up, and never fails the closing.
pub async fn conclude(txn: &Unit, p: &proposal_entity::Model) -> AppResult<()> {
    let Some(call_id) = p.designation_call_id.filter(|_| p.closed_at.is_some()) else {
        return Ok(());
    };
    let Some(call) = designation_call::Entity::find_by_id(call_id)
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    let Some(result) = &p.result else {
        return Ok(());
    };
    if call.outcome.is_some() || awaits_check(p) || result.quorum_reached == Some(false) {
        return Ok(());
    }
    let holders: Vec<Uuid> = p
        .designation_holders
        .clone()
        .and_then(|h| serde_json::from_value(h).ok())
        .unwrap_or_default();
    let found = positions::find(txn, call.position_id).await?;
    let organisation = organisations::get(txn, call.organisation_id).await?;
    let chosen = match ballot_for(&p.method) {
        Ok(Ballot::Slate) if result.adopted == Some(true) => holders,
        Ok(Ballot::Candidates) => {
            let ranking = &result.ranking;
            let people = accounts::by_ids(txn, holders.iter().copied()).await?;
            let rule = positions::parity_of(&found);
            let undeclared = positions::undeclared_policy(&organisation);
            let fits = |seats: &[usize]| {
                let declared: Vec<Option<Gender>> = seats
                    .iter()
                    .map(|i| {
                        holders
                            .get(*i)
                            .and_then(|h| people.get(h))
                            .and_then(accounts::declared_gender)
                    })
                    .collect();
                check_parity(rule, undeclared, &declared).is_ok()
            };
            match choose_holders(ranking, found.seats as usize, fits) {
                Some(indices) => indices
                    .iter()
                    .filter_map(|i| holders.get(*i).copied())
                    .collect(),
                None => return Ok(()),
            }
        }
        _ => return Ok(()),
    };
    let term = Term {
        starts_on: call.term_starts_on,
        ends_on: call.term_ends_on,
    };
    let grounds = Grounds {
        decision: Some(p.id),
        minutes: None,
    };
    // A savepoint: a designation refused leaves the closing whole.
    let attempt = txn.savepoint().await?;
    match positions::fill(
        &attempt,
        p.author_id,
        &organisation,
        &found,
        &chosen,
        grounds,
        term,
    )
    .await
    {
        Ok(_) => attempt.commit().await?,
        Err(e) if e.code != ErrorCode::Internal => {
            attempt.rollback().await?;
            tracing::warn!(proposal = %p.id, call = %call.id, code = e.code.as_str(), "the designation vote designated nobody");
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

/// A consensus reached that a facilitator must still check.
pub(super) fn awaits_check(p: &proposal_entity::Model) -> bool {
    p.consensus_checked_at.is_none()
        && p.result
            .as_ref()
            .is_some_and(|r| r.details["facilitator_check_required"] == json!(true))
}
