//! Governance: bodies and their people, mandates and their register, and
//! what allows a body's decision (DOMAIN.md sections 1 and 4).

pub mod bodies;
pub mod designations;
pub mod mandates;
pub mod positions;

use sea_orm::prelude::*;

use crate::domain::governance::{BodyKind, outside_mandate, parse_minutes, parse_scope, uncovered};
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

/// What a body's proposal asks for.
#[derive(Default)]
pub struct Asked {
    /// Absent: binding, except a commission's, which only recommends.
    pub binding: Option<bool>,
    pub scope: Vec<String>,
    /// The mandates a secretariat cites; absent, those in force that cover
    /// the scope are cited.
    pub mandate_ids: Vec<Uuid>,
    /// Where a commission's recommendation goes.
    pub forward_to: Option<Uuid>,
}

/// What allows a body's proposal, as it is recorded with it.
pub struct Basis {
    pub binding: bool,
    pub scope: Vec<String>,
    pub cited: Vec<Uuid>,
    pub forwarded_to: Option<Uuid>,
}

/// Checks a body's proposal against its powers: a commission only
/// recommends, to the assembly or to a secretariat; a secretariat's binding
/// decision names its scope and rests on mandates in force that cover it
/// (`OUTSIDE_MANDATE` otherwise, with a hint to go to the assembly).
pub async fn basis(
    conn: &impl ConnectionTrait,
    organisation: &organisation::Model,
    body: &body::Model,
    asked: Asked,
) -> AppResult<Basis> {
    require_active(body)?;
    let kind = bodies::kind_of(body);
    let scope = parse_scope(&asked.scope)?;
    if !kind.decides() {
        if asked.binding == Some(true) {
            return Err(AppError::new(
                ErrorCode::NoDecisionPower,
                text!(
                    en: "A commission decides nothing: its proposals are recommendations, forwarded to the general assembly or to a secretariat (forwardTo).",
                    fr: "Une commission ne décide rien : ses propositions sont des recommandations, transmises à l'assemblée générale ou à un secrétariat (forwardTo)."
                ),
            ));
        }
        let wrong_target = || {
            AppError::validation(
                "forwardTo",
                text!(
                    en: "Name where the recommendation goes: the general assembly or a secretariat of this organisation.",
                    fr: "Indiquez où va la recommandation : l'assemblée générale ou un secrétariat de cette organisation."
                ),
            )
        };
        let target = match asked.forward_to {
            Some(id) => bodies::find(conn, id).await.map_err(|_| wrong_target())?,
            None => return Err(wrong_target()),
        };
        let target_kind = bodies::kind_of(&target);
        if target.organisation_id != organisation.id
            || target.dissolved_at.is_some()
            || !matches!(
                target_kind,
                BodyKind::GeneralAssembly | BodyKind::Secretariat
            )
        {
            return Err(wrong_target());
        }
        if target_kind == BodyKind::Secretariat {
            let granted = granted(&mandates::in_force(conn, organisation, target.id).await?);
            let missing = uncovered(&scope, &granted);
            if !missing.is_empty() {
                return Err(outside_mandate(&missing));
            }
        }
        return Ok(Basis {
            binding: false,
            scope,
            cited: Vec::new(),
            forwarded_to: Some(target.id),
        });
    }
    if asked.forward_to.is_some() {
        return Err(AppError::validation(
            "forwardTo",
            text!(en: "Only a commission's recommendation is forwarded to another body.", fr: "Seule la recommandation d'une commission est transmise à une autre instance."),
        ));
    }
    let binding = asked.binding.unwrap_or(true);
    if kind != BodyKind::Secretariat || !binding {
        return Ok(Basis {
            binding,
            scope,
            cited: Vec::new(),
            forwarded_to: None,
        });
    }
    if scope.is_empty() {
        return Err(AppError::validation(
            "scope",
            text!(
                en: "A secretariat's binding decision names its scope: the powers it uses (e.g. treasury).",
                fr: "Une décision d'un secrétariat qui engage nomme sa portée : les pouvoirs qu'elle exerce (ex. tresorerie)."
            ),
        ));
    }
    let in_force = mandates::in_force(conn, organisation, body.id).await?;
    let cited: Vec<mandates::Held> = if asked.mandate_ids.is_empty() {
        in_force
            .into_iter()
            .filter(|m| m.powers.iter().any(|p| scope.contains(p)))
            .collect()
    } else {
        let mut cited = Vec::new();
        for id in &asked.mandate_ids {
            let Some(found) = in_force.iter().find(|m| m.mandate.id == *id) else {
                return Err(AppError::new(
                    ErrorCode::OutsideMandate,
                    text!(
                        en: "A mandate cited is not in force in this secretariat: revoked, ended, not yet started or of another body.",
                        fr: "Un mandat cité n'est pas en cours dans ce secrétariat : révoqué, terminé, pas encore commencé ou d'une autre instance."
                    ),
                ));
            };
            cited.push(found.clone());
        }
        cited
    };
    let missing = uncovered(&scope, &granted(&cited));
    if !missing.is_empty() {
        return Err(outside_mandate(&missing));
    }
    Ok(Basis {
        binding,
        scope,
        cited: cited.iter().map(|m| m.mandate.id).collect(),
        forwarded_to: None,
    })
}

fn granted(held: &[mandates::Held]) -> Vec<String> {
    held.iter().flat_map(|m| m.powers.iter().cloned()).collect()
}
