//! Candidacies: applying, putting someone forward, answering, withdrawing.

use super::*;

/// A candidacy with what the register says of the person on this position.
pub struct Standing {
    pub candidacy: candidacy::Model,
    /// Whether the person holds or held this position (outgoing holders
    /// may apply again; renewing people is valued, and the record shows it).
    pub outgoing: bool,
    /// Days they held it so far.
    pub held_days: i64,
}

impl Standing {
    /// A candidacy just written, by someone whose record is read elsewhere.
    pub fn new(candidacy: candidacy::Model) -> Standing {
        Standing {
            candidacy,
            outgoing: false,
            held_days: 0,
        }
    }
}

/// A call's candidacies, oldest first, with each person's past tenure on
/// the position: two queries.
pub async fn candidacies(conn: &impl ConnectionTrait, call: &Call) -> AppResult<Vec<Standing>> {
    let rows = candidacy::Entity::find()
        .filter(candidacy::Column::CallId.eq(call.call.id))
        .order_by_asc(candidacy::Column::CreatedAt)
        .order_by_asc(candidacy::Column::Id)
        .all(conn)
        .await?;
    let organisation = organisations::get(conn, call.call.organisation_id).await?;
    let held = mandate::Entity::find()
        .filter(mandate::Column::PositionId.eq(call.call.position_id))
        .filter(mandate::Column::HolderId.is_in(rows.iter().map(|c| c.account_id)))
        .all(conn)
        .await?;
    let mut days: HashMap<Uuid, i64> = HashMap::new();
    for m in super::super::mandates::held(conn, &organisation, held).await? {
        *days.entry(m.mandate.holder_id).or_default() += m.tenure_days;
    }
    Ok(rows
        .into_iter()
        .map(|c| Standing {
            outgoing: days.contains_key(&c.account_id),
            held_days: days.get(&c.account_id).copied().unwrap_or(0),
            candidacy: c,
        })
        .collect())
}

/// Applies for a position while its call is open (`CALL_CLOSED` otherwise),
/// with a statement; accepting a nomination the same way.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), call = %call_id))]
pub async fn apply(
    state: &AppState,
    viewer: &Viewer,
    call_id: Uuid,
    statement: &str,
) -> AppResult<candidacy::Model> {
    let statement = parse_statement(state, statement)?;
    let txn = state.write().await?;
    let call = locked(&txn, call_id).await?;
    let organisation = organisations::get(&txn, call.call.organisation_id).await?;
    memberships::require_member(&txn, viewer, organisation.id).await?;
    require_applications(call.status)?;
    require_eligible(&txn, &organisation, viewer.id())
        .await
        .map_err(|e| AppError::forbidden(e.message))?;
    let html = forum::posts::render(&txn, &organisation, &statement)
        .await?
        .html;
    let existing = candidacy::Entity::find()
        .filter(candidacy::Column::CallId.eq(call_id))
        .filter(candidacy::Column::AccountId.eq(viewer.id()))
        .one(&txn)
        .await?;
    let saved = match existing {
        Some(c) if c.status == CandidacyStatus::Standing => {
            return Err(AppError::conflict(text!(
                en: "You already stand for this position; withdraw first to apply anew.",
                fr: "Vous êtes déjà candidat·e à ce poste ; retirez-vous d'abord pour candidater à nouveau."
            )));
        }
        // Put forward, withdrawn or declined earlier: standing (again).
        Some(c) => {
            let mut active: candidacy::ActiveModel = c.into();
            active.statement_source = Set(statement);
            active.statement_html = Set(html);
            active.status = Set(CandidacyStatus::Standing);
            active.answered_at = Set(Some(now()));
            active.withdrawn_at = Set(None);
            active.update(&txn).await?
        }
        None => {
            new_candidacy(call_id, viewer.id(), statement, html, None)
                .insert(&txn)
                .await?
        }
    };
    memberships::rights_changed(&txn, call.call.organisation_id, viewer.id());
    txn.commit().await?;
    Ok(saved)
}

fn parse_statement(state: &AppState, raw: &str) -> AppResult<String> {
    parse_body(raw, state.settings.forum.max_body_bytes).map_err(|e| e.with_field("statement"))
}

fn new_candidacy(
    call_id: Uuid,
    account_id: Uuid,
    statement: String,
    html: String,
    nominated_by: Option<Uuid>,
) -> candidacy::ActiveModel {
    let status = match nominated_by {
        Some(_) => CandidacyStatus::Proposed,
        None => CandidacyStatus::Standing,
    };
    candidacy::ActiveModel {
        id: Set(new_id()),
        call_id: Set(call_id),
        account_id: Set(account_id),
        statement_source: Set(statement),
        statement_html: Set(html),
        nominated_by: Set(nominated_by),
        status: Set(status),
        created_at: Set(now()),
        answered_at: Set(None),
        withdrawn_at: Set(None),
    }
}

/// Puts someone forward (members in good standing), while the call is open
/// or studied; they accept or decline.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), call = %call_id))]
pub async fn nominate(
    state: &AppState,
    viewer: &Viewer,
    call_id: Uuid,
    account_id: Uuid,
    statement: &str,
) -> AppResult<candidacy::Model> {
    let statement = parse_statement(state, statement)?;
    if account_id == viewer.id() {
        return Err(AppError::validation(
            "accountId",
            text!(en: "To stand yourself, apply.", fr: "Pour vous présenter vous-même, candidatez."),
        ));
    }
    let txn = state.write().await?;
    let call = locked(&txn, call_id).await?;
    let organisation = organisations::get(&txn, call.call.organisation_id).await?;
    require_good_standing(&txn, viewer, &organisation).await?;
    require_nominations(call.status)?;
    require_eligible(&txn, &organisation, account_id).await?;
    let already = candidacy::Entity::find()
        .filter(candidacy::Column::CallId.eq(call_id))
        .filter(candidacy::Column::AccountId.eq(account_id))
        .count(&txn)
        .await?;
    if already > 0 {
        return Err(AppError::conflict(text!(
            en: "This person already applied or was put forward on this call.",
            fr: "Cette personne a déjà candidaté ou a déjà été proposée sur cet appel."
        )));
    }
    let html = forum::posts::render(&txn, &organisation, &statement)
        .await?
        .html;
    let created = new_candidacy(call_id, account_id, statement, html, Some(viewer.id()))
        .insert(&txn)
        .await?;
    memberships::rights_changed(&txn, organisation.id, account_id);
    txn.commit().await?;
    Ok(created)
}

/// A candidacy of the viewer's own, with its call locked.
async fn own(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<(candidacy::Model, Call)> {
    let found = candidacy::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(candidacy_not_found)?;
    if found.account_id != viewer.id() {
        return Err(AppError::forbidden(text!(
            en: "Only the candidate answers for their candidacy.",
            fr: "Seule la personne candidate répond de sa candidature."
        )));
    }
    let call = locked(txn, found.call_id).await?;
    Ok((found, call))
}

/// The person put forward accepts (with their own statement, if they wish)
/// or declines.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), candidacy = %id))]
pub async fn answer(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    accept: bool,
    statement: Option<&str>,
) -> AppResult<candidacy::Model> {
    let statement = statement
        .filter(|s| !s.trim().is_empty())
        .map(|s| parse_statement(state, s))
        .transpose()?;
    let txn = state.write().await?;
    let (found, call) = own(&txn, viewer, id).await?;
    require_nominations(call.status)?;
    if found.status != CandidacyStatus::Proposed {
        return Err(AppError::conflict(text!(
            en: "This candidacy is not awaiting an answer.",
            fr: "Cette candidature n'attend pas de réponse."
        )));
    }
    let organisation = organisations::get(&txn, call.call.organisation_id).await?;
    if accept {
        require_eligible(&txn, &organisation, viewer.id()).await?;
    }
    let mut active: candidacy::ActiveModel = found.into();
    if let Some(statement) = statement.filter(|_| accept) {
        let html = forum::posts::render(&txn, &organisation, &statement)
            .await?
            .html;
        active.statement_source = Set(statement);
        active.statement_html = Set(html);
    }
    let status = if accept {
        CandidacyStatus::Standing
    } else {
        CandidacyStatus::Declined
    };
    active.status = Set(status);
    active.answered_at = Set(Some(now()));
    let answered = active.update(&txn).await?;
    memberships::rights_changed(&txn, organisation.id, viewer.id());
    txn.commit().await?;
    Ok(answered)
}

/// The candidate withdraws, until the vote begins.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), candidacy = %id))]
pub async fn withdraw(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<candidacy::Model> {
    let txn = state.write().await?;
    let (found, call) = own(&txn, viewer, id).await?;
    require_changeable(call.status)?;
    if found.status != CandidacyStatus::Standing && found.status != CandidacyStatus::Proposed {
        return Err(AppError::conflict(text!(
            en: "This candidacy is no longer standing.",
            fr: "Cette candidature n'est plus en lice."
        )));
    }
    let mut active: candidacy::ActiveModel = found.into();
    active.status = Set(CandidacyStatus::Withdrawn);
    active.withdrawn_at = Set(Some(now()));
    let withdrawn = active.update(&txn).await?;
    memberships::rights_changed(&txn, call.call.organisation_id, viewer.id());
    txn.commit().await?;
    Ok(withdrawn)
}

/// The standing candidates of a call, in the order they applied.
pub(super) async fn standing(conn: &impl ConnectionTrait, call_id: Uuid) -> AppResult<Vec<Uuid>> {
    Ok(candidacy::Entity::find()
        .select_only()
        .column(candidacy::Column::AccountId)
        .filter(candidacy::Column::CallId.eq(call_id))
        .filter(candidacy::Column::Status.eq(CandidacyStatus::Standing))
        .order_by_asc(candidacy::Column::CreatedAt)
        .order_by_asc(candidacy::Column::Id)
        .into_tuple()
        .all(conn)
        .await?)
}
