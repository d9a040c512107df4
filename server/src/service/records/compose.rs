//! Records made from what Plenum already holds: a meeting's decisions, a
//! proposal's outcome, a body's mandate register — written as Markdown in
//! the organisation's language, then published like any other record.

use sea_orm::QueryOrder;
use sea_orm::prelude::*;

use super::{NewRow, insert, require_publisher};
use crate::domain::governance::{BodyKind, MandateStatus};
use crate::domain::record::{RecordKind, RecordVisibility};
use crate::entity::{body, mandate, organisation, proposal, record};
use crate::error::{AppError, AppResult};
use crate::i18n::Locale;
use crate::service::governance::{bodies, mandates};
use crate::service::memberships::{date_in, today_in};
use crate::service::organisations::locale_of;
use crate::service::sessions::Viewer;
use crate::service::{accounts, organisations, proposals};
use crate::state::AppState;
use crate::text;

/// The lines that explain a proposal's result, in `locale`.
fn explanation(p: &proposal::Model, locale: Locale) -> Vec<String> {
    p.result
        .as_ref()
        .map(|r| r.explanation_in(locale).to_vec())
        .unwrap_or_default()
}

fn adopted(p: &proposal::Model, locale: Locale) -> &'static str {
    match p.result.as_ref().and_then(|r| r.adopted) {
        Some(true) => match locale {
            Locale::Fr => "adoptée",
            Locale::En => "adopted",
        },
        Some(false) => match locale {
            Locale::Fr => "non adoptée",
            Locale::En => "not adopted",
        },
        None => "",
    }
}

/// One decision as the record states it: its title, result and outcome.
fn decision(out: &mut String, p: &proposal::Model, locale: Locale) {
    let verdict = adopted(p, locale);
    if verdict.is_empty() {
        out.push_str(&format!("### {}\n\n", p.title));
    } else {
        out.push_str(&format!("### {} — {verdict}\n\n", p.title));
    }
    for line in explanation(p, locale) {
        out.push_str(&format!("- {line}\n"));
    }
    if let Some(outcome) = p.outcome_source.as_deref().filter(|o| !o.trim().is_empty()) {
        out.push('\n');
        out.push_str(outcome.trim());
        out.push('\n');
    }
    out.push('\n');
}

/// A meeting's decision record: each decision with its result, oldest first.
pub fn decisions(found: &[proposal::Model], locale: Locale) -> String {
    if found.is_empty() {
        return text!(en: "No decision was taken.", fr: "Aucune décision n'a été prise.")
            .in_locale(locale)
            .to_owned();
    }
    let mut out = String::new();
    for p in found {
        decision(&mut out, p, locale);
    }
    out
}

/// Publishes what a closed proposal decided; its author, or the people of
/// its body (or the organisation's facilitators), may.
#[tracing::instrument(skip_all, fields(account = %viewer.id(), proposal = %proposal_id))]
pub async fn publish_outcome(
    state: &AppState,
    viewer: &Viewer,
    proposal_id: Uuid,
    visibility: Option<RecordVisibility>,
) -> AppResult<record::Model> {
    let txn = state.write().await?;
    let seen = proposals::seen(&txn, Some(viewer), proposal_id).await?;
    let p = &seen.proposal;
    let body = match p.body_id {
        Some(b) => bodies::find(&txn, b).await?,
        None => assembly(&txn, &seen.organisation).await?,
    };
    if p.author_id != viewer.id() {
        require_publisher(&txn, &seen.organisation, &body, viewer).await?;
    }
    if p.closed_at.is_none() {
        return Err(AppError::conflict(text!(
            en: "An outcome is published once the vote has closed.",
            fr: "L'issue se publie une fois le vote clos."
        )));
    }
    let locale = locale_of(&seen.organisation);
    let mut text = String::new();
    if !p.details_source.trim().is_empty() {
        text.push_str(p.details_source.trim());
        text.push_str("\n\n");
    }
    decision(&mut text, p, locale);
    let title = format!(
        "{} — {}",
        RecordKind::ProposalOutcome.label().in_locale(locale),
        p.title
    );
    let record = insert(
        &txn,
        NewRow {
            organisation: &seen.organisation,
            body_id: body.id,
            kind: RecordKind::ProposalOutcome,
            source_id: Some(p.id),
            title: title
                .chars()
                .take(crate::domain::forum::MAX_TITLE_CHARS)
                .collect(),
            text,
            visibility: visibility.unwrap_or(RecordVisibility::Members),
            by: viewer.id(),
            at: crate::service::now(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(record)
}

/// The organisation's general assembly.
pub async fn assembly(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
) -> AppResult<body::Model> {
    body::Entity::find()
        .filter(body::Column::OrganisationId.eq(organisation.id))
        .filter(body::Column::Kind.eq(BodyKind::GeneralAssembly))
        .one(conn)
        .await?
        .ok_or_else(crate::service::governance::body_not_found)
}

/// A body's mandate register as a table: holder, mandate, powers, dates,
/// status — those in force first.
pub async fn register(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    body: &body::Model,
) -> AppResult<String> {
    let locale = locale_of(organisation);
    let found = mandate::Entity::find()
        .filter(mandate::Column::BodyId.eq(body.id))
        .order_by_desc(mandate::Column::StartsOn)
        .order_by_desc(mandate::Column::Id)
        .all(conn)
        .await?;
    let mut held = mandates::held(conn, organisation, found).await?;
    held.sort_by_key(|h| h.status != MandateStatus::InForce);
    let names = accounts::by_ids(conn, held.iter().map(|h| h.mandate.holder_id)).await?;
    let t = |x: crate::i18n::Text| x.in_locale(locale).to_owned();
    let mut out = format!(
        "| {} | {} | {} | {} | {} | {} |\n|---|---|---|---|---|---|\n",
        t(text!(en: "Holder", fr: "Titulaire")),
        t(text!(en: "Mandate", fr: "Mandat")),
        t(text!(en: "Powers", fr: "Pouvoirs")),
        t(text!(en: "From", fr: "Du")),
        t(text!(en: "To", fr: "Au")),
        t(text!(en: "Status", fr: "État")),
    );
    for h in &held {
        let m = &h.mandate;
        let holder = names
            .get(&m.holder_id)
            .map(|a| a.display_name.clone())
            .unwrap_or_default();
        let status = match h.status {
            MandateStatus::InForce => t(text!(en: "in force", fr: "en cours")),
            MandateStatus::Upcoming => t(text!(en: "upcoming", fr: "à venir")),
            MandateStatus::Ended => t(text!(en: "ended", fr: "terminé")),
            MandateStatus::Revoked => t(text!(en: "revoked", fr: "révoqué")),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            cell(&holder),
            cell(&m.title),
            cell(&h.powers.join(", ")),
            m.starts_on,
            m.ends_on.map(|d| d.to_string()).unwrap_or_default(),
            status
        ));
    }
    if held.is_empty() {
        out.push_str(&format!(
            "| {} | | | | | |\n",
            t(text!(en: "No mandate yet.", fr: "Aucun mandat pour l'instant."))
        ));
    }
    Ok(out)
}

/// A table cell: no pipe or line break can break the table.
fn cell(text: &str) -> String {
    text.replace('|', "/").replace(['\n', '\r'], " ")
}

/// Publishes a body's mandate register, once; an amendment brings it up to
/// date (`amendRecord` without text recomposes it).
#[tracing::instrument(skip_all, fields(account = %viewer.id(), body = %body_id))]
pub async fn publish_register(
    state: &AppState,
    viewer: &Viewer,
    body_id: Uuid,
    visibility: Option<RecordVisibility>,
) -> AppResult<record::Model> {
    let txn = state.write().await?;
    let body = bodies::find(&txn, body_id).await?;
    let organisation = organisations::get(&txn, body.organisation_id).await?;
    require_publisher(&txn, &organisation, &body, viewer).await?;
    let text = register(&txn, &organisation, &body).await?;
    let locale = locale_of(&organisation);
    let title = format!(
        "{} — {} — {}",
        RecordKind::MandateRegister.label().in_locale(locale),
        body.name,
        today_in(&organisation)
    );
    let record = insert(
        &txn,
        NewRow {
            organisation: &organisation,
            body_id: body.id,
            kind: RecordKind::MandateRegister,
            source_id: Some(body.id),
            title: title
                .chars()
                .take(crate::domain::forum::MAX_TITLE_CHARS)
                .collect(),
            text,
            visibility: visibility.unwrap_or(RecordVisibility::Public),
            by: viewer.id(),
            at: crate::service::now(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(record)
}

/// The date a record was published, where its organisation is.
pub fn published_on(organisation: &organisation::Model, r: &record::Model) -> chrono::NaiveDate {
    date_in(organisation, r.published_at)
}
