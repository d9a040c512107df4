//! Governance: bodies and their people, mandates and their register, and
//! what allows a body's decision (DOMAIN.md sections 1 and 4).

pub mod bodies;
pub mod designations;
pub mod mandates;
pub mod positions;

use sea_orm::prelude::*;

use crate::domain::governance::{self as rules, BodyKind, parse_minutes};
use crate::domain::membership::Role;
use crate::entity::{body, organisation, proposal};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::service::memberships;
use crate::service::sessions::Viewer;
use crate::text;

/// What an act of the assembly rests on: its adopted decision, or the
/// minutes of the meeting that took it; neither when an admin acted alone
/// where that is allowed (and it is then recorded as such).
#[derive(Clone)]
pub struct Grounds {
    pub decision: Option<Uuid>,
    pub minutes: Option<String>,
}

fn is_facilitator(role: Role) -> bool {
    role >= Role::Facilitator
}

/// Checks who records an act of the assembly and on what grounds.
/// Facilitators record what the assembly decided; with `admin_alone`, an
/// admin may also act without a decision.
pub async fn grounds(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    organisation: &organisation::Model,
    decision: Option<Uuid>,
    minutes: Option<&str>,
    admin_alone: bool,
) -> AppResult<Grounds> {
    let m = memberships::require_role(conn, viewer, organisation.id, is_facilitator).await?;
    if let Some(id) = decision {
        adopted_decision(conn, organisation, id).await?;
        return Ok(Grounds {
            decision: Some(id),
            minutes: None,
        });
    }
    if let Some(minutes) = parse_minutes(minutes)? {
        return Ok(Grounds {
            decision: None,
            minutes: Some(minutes),
        });
    }
    if admin_alone && m.role == Role::Admin {
        return Ok(Grounds {
            decision: None,
            minutes: None,
        });
    }
    Err(AppError::validation(
        "decisionId",
        text!(
            en: "Cite the assembly's decision that allows this (or the minutes of the meeting that took it).",
            fr: "Citez la décision de l'assemblée qui le permet (ou le compte rendu de la réunion qui l'a prise)."
        ),
    ))
}

/// A closed, adopted, binding proposal of the organisation's assembly.
pub async fn adopted_decision(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    id: Uuid,
) -> AppResult<proposal::Model> {
    let refused = || {
        AppError::validation(
            "decisionId",
            text!(
                en: "This is not an adopted decision of this organisation's assembly.",
                fr: "Ce n'est pas une décision adoptée par l'assemblée de cette organisation."
            ),
        )
    };
    let p = proposal::Entity::find_by_id(id)
        .one(conn)
        .await?
        .filter(|p| p.organisation_id == organisation.id && p.binding)
        .ok_or_else(refused)?;
    let adopted = p.closed_at.is_some() && p.result.as_ref().and_then(|r| r.adopted) == Some(true);
    if !adopted {
        return Err(refused());
    }
    if let Some(body_id) = p.body_id {
        let body = bodies::find(conn, body_id).await?;
        if !bodies::kind_of(&body).is_assembly() {
            return Err(refused());
        }
    }
    Ok(p)
}

/// A body of this organisation.
pub async fn body_of(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    id: Uuid,
) -> AppResult<body::Model> {
    let found = bodies::find(conn, id).await?;
    if found.organisation_id != organisation.id {
        return Err(body_not_found());
    }
    Ok(found)
}

/// A body that acts and may hold mandates (not a commission).
pub async fn mandate_body(conn: &impl ConnectionTrait, id: Uuid) -> AppResult<body::Model> {
    let found = bodies::find(conn, id).await?;
    require_active(&found)?;
    if !bodies::kind_of(&found).holds_mandates() {
        return Err(AppError::new(
            ErrorCode::NoDecisionPower,
            text!(en: "A commission decides nothing, so it holds no mandates.", fr: "Une commission ne décide rien : elle ne porte donc pas de mandats."),
        ));
    }
    Ok(found)
}

pub fn body_not_found() -> AppError {
    AppError::not_found(text!(en: "No such body.", fr: "Cette instance n'existe pas."))
}

/// A body that still acts: dissolved ones keep their archive, nothing more.
pub fn require_active(body: &body::Model) -> AppResult<()> {
    if body.dissolved_at.is_some() {
        return Err(AppError::conflict(text!(
            en: "This body was dissolved: its archive stays readable, nothing more.",
            fr: "Cette instance a été dissoute : ses archives restent lisibles, rien de plus."
        )));
    }
    Ok(())
}

pub use crate::domain::governance::{Asked, Basis};

/// Checks a body's proposal against its powers (the rule is
/// [`crate::domain::governance::basis`]): loads what the rule reads — the
/// body a commission forwards to and, for a secretariat, the mandates in
/// force.
pub async fn basis(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    body: &body::Model,
    asked: Asked,
) -> AppResult<Basis> {
    require_active(body)?;
    let kind = bodies::kind_of(body);
    let target = match asked.forward_to.filter(|_| !kind.decides()) {
        Some(id) => forward_target(conn, organisation, id).await?,
        None => None,
    };
    let in_force = secretariat_mandates(conn, organisation, body).await?;
    rules::basis(kind, &in_force, target.as_ref(), asked)
}

/// The body a recommendation is forwarded to, as the basis reads it; none
/// when no such body exists.
async fn forward_target(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    id: Uuid,
) -> AppResult<Option<rules::Target>> {
    let target = match bodies::find(conn, id).await {
        Ok(target) => target,
        Err(e) if e.code == ErrorCode::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(Some(rules::Target {
        id: target.id,
        kind: bodies::kind_of(&target),
        of_the_organisation: target.organisation_id == organisation.id,
        dissolved: target.dissolved_at.is_some(),
        in_force: secretariat_mandates(conn, organisation, &target).await?,
    }))
}

/// A secretariat's mandates in force, as the basis reads them (other
/// bodies act on no mandate: none).
async fn secretariat_mandates(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    body: &body::Model,
) -> AppResult<Vec<rules::InForce>> {
    if bodies::kind_of(body) != BodyKind::Secretariat {
        return Ok(Vec::new());
    }
    let held = mandates::in_force(conn, organisation, body.id).await?;
    Ok(held
        .into_iter()
        .map(|m| rules::InForce {
            id: m.mandate.id,
            powers: m.powers,
        })
        .collect())
}
