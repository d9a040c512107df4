//! Who may decide what (DOMAIN.md section 1): the kinds of bodies, who
//! belongs to each, which may take binding decisions, and when mandates cover
//! a decision.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::account::Gender;
use crate::domain::forum::Visibility;
use crate::domain::membership::EffectiveStanding;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::text;
use uuid::Uuid;

crate::stored_enum! {
    /// The kinds of bodies an organisation has.
    #[derive(async_graphql::Enum)]
    pub enum BodyKind {
        /// The sovereign body: every member in good standing.
        GeneralAssembly => "general_assembly",
        /// Implements the assembly's decisions, within its members' mandates.
        Secretariat => "secretariat",
        /// A working group on a theme or an event: no decision power.
        Commission => "commission",
        /// Delegates of other bodies; decides by consensus.
        Council => "council",
        /// Open to supporters and invited non-members too.
        PopularAssembly => "popular_assembly",
        /// Like a commission: works, recommends, decides nothing.
        WorkingGroup => "working_group",
    }
}

/// How a body's people are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Belonging {
    /// Every member of the organisation in good standing (the assembly).
    GoodStanding,
    /// The holders of the body's mandates in force (a secretariat).
    Mandated,
    /// Whoever joined it among the members (commissions, working groups).
    Joined,
    /// Delegates named by the facilitators (a council).
    Delegates,
    /// Members, supporters and invited guests (a popular assembly).
    Open,
}

impl BodyKind {
    pub fn belonging(self) -> Belonging {
        match self {
            BodyKind::GeneralAssembly => Belonging::GoodStanding,
            BodyKind::Secretariat => Belonging::Mandated,
            BodyKind::Commission | BodyKind::WorkingGroup => Belonging::Joined,
            BodyKind::Council => Belonging::Delegates,
            BodyKind::PopularAssembly => Belonging::Open,
        }
    }

    /// The sovereign body, whose decisions create bodies and grant mandates.
    pub fn is_assembly(self) -> bool {
        self == BodyKind::GeneralAssembly
    }

    /// May this body take binding decisions? A commission only recommends.
    pub fn decides(self) -> bool {
        !matches!(self, BodyKind::Commission | BodyKind::WorkingGroup)
    }

    /// May it hold mandates? Mandates sit in bodies that act: not in the
    /// commissions, which decide nothing.
    pub fn holds_mandates(self) -> bool {
        self.decides()
    }

    /// The method its proposals use unless they say otherwise.
    pub fn default_method(self) -> &'static str {
        match self {
            BodyKind::Council => "consensus",
            _ => "majority",
        }
    }

    /// Who reads its discussion space by default. Every body's work is
    /// visible to the members (a secretariat publishes all its minutes); a
    /// popular assembly's to supporters too.
    pub fn visibility(self) -> Visibility {
        match self {
            BodyKind::PopularAssembly => Visibility::Supporters,
            _ => Visibility::Members,
        }
    }

    /// Where people are added by hand, and in which role.
    pub fn added_role(self) -> Option<BodyRole> {
        match self.belonging() {
            Belonging::Joined => Some(BodyRole::Member),
            Belonging::Delegates => Some(BodyRole::Delegate),
            Belonging::Open => Some(BodyRole::Guest),
            Belonging::GoodStanding | Belonging::Mandated => None,
        }
    }
}

crate::stored_enum! {
    /// A person's place in a body whose membership is not implied.
    #[derive(async_graphql::Enum)]
    pub enum BodyRole {
        /// Joined a commission or working group.
        Member => "member",
        /// Represents another body in a council.
        Delegate => "delegate",
        /// Invited to a popular assembly without being a member.
        Guest => "guest",
    }
}

/// Does someone of this standing belong to a body of this kind by the
/// organisation's rules alone (without being added)?
pub fn belongs_by_standing(kind: BodyKind, standing: Option<EffectiveStanding>) -> bool {
    match kind.belonging() {
        Belonging::GoodStanding => standing == Some(EffectiveStanding::GoodStanding),
        Belonging::Open => matches!(
            standing,
            Some(EffectiveStanding::GoodStanding | EffectiveStanding::Supporter)
        ),
        Belonging::Mandated | Belonging::Joined | Belonging::Delegates => false,
    }
}

/// Where a mandate stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum MandateStatus {
    Upcoming,
    InForce,
    Ended,
    Revoked,
}

pub fn mandate_status(
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    revoked_at: Option<DateTime<Utc>>,
    today: NaiveDate,
) -> MandateStatus {
    if revoked_at.is_some() {
        MandateStatus::Revoked
    } else if today < starts_on {
        MandateStatus::Upcoming
    } else if ends_on.is_some_and(|end| today > end) {
        MandateStatus::Ended
    } else {
        MandateStatus::InForce
    }
}

/// Days a mandate has been held so far, or in all once it is over: from its
/// start to the earliest of today, its end and its revocation.
pub fn tenure_days(
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    revoked_on: Option<NaiveDate>,
    today: NaiveDate,
) -> i64 {
    let last = [Some(today), ends_on, revoked_on]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(today);
    (last - starts_on).num_days().max(0)
}

/// The minutes an act of the assembly cites instead of an online decision:
/// none when blank, at most 500 characters.
pub fn parse_minutes(raw: Option<&str>) -> AppResult<Option<String>> {
    let Some(minutes) = raw.map(str::trim).filter(|m| !m.is_empty()) else {
        return Ok(None);
    };
    if minutes.chars().count() > 500 {
        return Err(AppError::validation(
            "minutes",
            text!(en: "Cite the minutes in 500 characters at most.", fr: "Citez le compte rendu en 500 caractères au plus."),
        ));
    }
    crate::domain::text::check_block(minutes, "minutes")?;
    Ok(Some(minutes.to_owned()))
}

/// A power an organisation names (`treasury`, `communication`…): 2 to 40
/// lower-case letters, digits, hyphens or underscores.
pub fn parse_power(raw: &str) -> AppResult<String> {
    let value = raw.trim();
    let valid = (2..=40).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if valid {
        Ok(value.to_owned())
    } else {
        Err(AppError::validation(
            "scope",
            text!(
                en: "A power is named with 2 to 40 lower-case letters, digits, hyphens or underscores (e.g. treasury).",
                fr: "Un pouvoir se nomme avec 2 à 40 lettres minuscules, chiffres, tirets ou soulignés (ex. tresorerie)."
            ),
        ))
    }
}

/// A decision's scope: the powers it uses, each named once.
pub fn parse_scope(raw: &[String]) -> AppResult<Vec<String>> {
    let powers: BTreeSet<String> = raw
        .iter()
        .map(|p| parse_power(p))
        .collect::<AppResult<_>>()?;
    Ok(powers.into_iter().collect())
}

/// The powers of `scope` that none of `granted` covers.
pub fn uncovered<'a>(scope: &'a [String], granted: &[String]) -> Vec<&'a str> {
    scope
        .iter()
        .filter(|power| !granted.contains(power))
        .map(String::as_str)
        .collect()
}

/// The refusal of a secretariat's decision that its mandates do not cover.
pub fn outside_mandate(missing: &[&str]) -> AppError {
    let missing = missing.join(", ");
    AppError::new(
        ErrorCode::OutsideMandate,
        text!(
            en: "No mandate in force of this secretariat covers: {missing}. Put it to the general assembly instead.",
            fr: "Aucun mandat en cours de ce secrétariat ne couvre : {missing}. Portez plutôt la question devant l'assemblée générale."
        ),
    )
}

crate::stored_enum! {
    /// The parity rule a position with two holders follows.
    #[derive(async_graphql::Enum)]
    pub enum ParityRule {
        /// No rule.
        None => "none",
        /// At least one holder is a woman.
        AtLeastOneWoman => "at_least_one_woman",
        /// One woman and one man.
        WomanAndMan => "woman_and_man",
        /// The two holders are not of the same gender.
        NotSameGender => "not_same_gender",
    }
}

crate::stored_enum! {
    /// How an organisation treats, under a parity rule, people who declared no
    /// gender (or chose not to say).
    #[derive(async_graphql::Enum)]
    pub enum UndeclaredGender {
        /// Nothing is assumed: an undeclared person fills no gendered
        /// requirement, and is never "of another gender" than anyone (the default).
        Unknown => "unknown",
        /// The assembly vouches for its designations: an undeclared person may
        /// fill any requirement of the rule.
        Vouched => "vouched",
    }
}

/// Checks a designation's holders (their self-declared genders) against a
/// parity rule; the refusal says what is missing, for `PARITY_VIOLATION`.
pub fn check_parity(
    rule: ParityRule,
    undeclared: UndeclaredGender,
    holders: &[Option<Gender>],
) -> AppResult<()> {
    let declared: Vec<Option<Gender>> = holders
        .iter()
        .map(|g| g.filter(|g| *g != Gender::PreferNotToSay))
        .collect();
    let vouched = undeclared == UndeclaredGender::Vouched;
    let unknown = declared.iter().filter(|g| g.is_none()).count();
    let count = |wanted: Gender| declared.iter().filter(|g| **g == Some(wanted)).count();
    let met = match rule {
        ParityRule::None => true,
        ParityRule::AtLeastOneWoman => count(Gender::Woman) >= 1 || (vouched && unknown >= 1),
        ParityRule::WomanAndMan => {
            let (women, men) = (count(Gender::Woman), count(Gender::Man));
            holders.len() == 2
                && women <= 1
                && men <= 1
                && (women + men + if vouched { unknown } else { 0 }) == 2
        }
        ParityRule::NotSameGender => match declared.as_slice() {
            [Some(a), Some(b)] => a != b,
            [_, _] => vouched,
            _ => false,
        },
    };
    if met {
        return Ok(());
    }
    let wanted = match rule {
        ParityRule::None => "",
        ParityRule::AtLeastOneWoman => "at least one woman",
        ParityRule::WomanAndMan => "one woman and one man",
        ParityRule::NotSameGender => "two people not of the same gender",
    };
    let voulu = match rule {
        ParityRule::None => "",
        ParityRule::AtLeastOneWoman => "au moins une femme",
        ParityRule::WomanAndMan => "une femme et un homme",
        ParityRule::NotSameGender => "deux personnes qui ne sont pas du même genre",
    };
    let hint_en = if unknown > 0 && !vouched {
        " People who declared no gender fill no requirement of the rule (the organisation's setting)."
    } else {
        ""
    };
    let hint_fr = if unknown > 0 && !vouched {
        " Les personnes qui n'ont pas déclaré de genre ne remplissent aucune condition de la règle (réglage de l'organisation)."
    } else {
        ""
    };
    Err(AppError::new(
        ErrorCode::ParityViolation,
        text!(
            en: "This designation breaks the position's parity rule: it needs {wanted}.{hint_en}",
            fr: "Cette désignation ne respecte pas la règle de parité du poste : il faut {voulu}.{hint_fr}"
        ),
    ))
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
#[derive(Debug, PartialEq)]
pub struct Basis {
    pub binding: bool,
    pub scope: Vec<String>,
    pub cited: Vec<Uuid>,
    pub forwarded_to: Option<Uuid>,
}

/// A mandate in force, as the basis reads it: its id and the powers it grants.
#[derive(Debug, Clone)]
pub struct InForce {
    pub id: Uuid,
    pub powers: Vec<String>,
}

/// The body a commission's recommendation is forwarded to, as found.
pub struct Target {
    pub id: Uuid,
    pub kind: BodyKind,
    pub of_the_organisation: bool,
    pub dissolved: bool,
    /// Its mandates in force, when it is a secretariat.
    pub in_force: Vec<InForce>,
}

/// Checks a body's proposal against its powers: a commission only
/// recommends, to the general assembly or to a secretariat (whose mandates
/// must cover the scope); a secretariat's binding decision names its scope
/// and rests on mandates in force (`in_force`, the body's own) that cover it
/// — those cited, or all that do — `OUTSIDE_MANDATE` otherwise, with a hint
/// to go to the assembly; anything else decides within its own powers.
/// `target` is the body `asked.forward_to` names, if it exists.
pub fn basis(
    kind: BodyKind,
    in_force: &[InForce],
    target: Option<&Target>,
    asked: Asked,
) -> AppResult<Basis> {
    let scope = parse_scope(&asked.scope)?;
    let granted = |held: &[&InForce]| -> Vec<String> {
        held.iter().flat_map(|m| m.powers.iter().cloned()).collect()
    };
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
        let target = target
            .filter(|t| asked.forward_to == Some(t.id))
            .filter(|t| t.of_the_organisation && !t.dissolved)
            .filter(|t| matches!(t.kind, BodyKind::GeneralAssembly | BodyKind::Secretariat))
            .ok_or_else(|| {
                AppError::validation(
                    "forwardTo",
                    text!(
                        en: "Name where the recommendation goes: the general assembly or a secretariat of this organisation.",
                        fr: "Indiquez où va la recommandation : l'assemblée générale ou un secrétariat de cette organisation."
                    ),
                )
            })?;
        if target.kind == BodyKind::Secretariat {
            let all: Vec<&InForce> = target.in_force.iter().collect();
            let missing = uncovered(&scope, &granted(&all));
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
    let cited: Vec<&InForce> = if asked.mandate_ids.is_empty() {
        in_force
            .iter()
            .filter(|m| m.powers.iter().any(|p| scope.contains(p)))
            .collect()
    } else {
        asked
            .mandate_ids
            .iter()
            .map(|id| {
                in_force.iter().find(|m| m.id == *id).ok_or_else(|| {
                    AppError::new(
                        ErrorCode::OutsideMandate,
                        text!(
                            en: "A mandate cited is not in force in this secretariat: revoked, ended, not yet started or of another body.",
                            fr: "Un mandat cité n'est pas en cours dans ce secrétariat : révoqué, terminé, pas encore commencé ou d'une autre instance."
                        ),
                    )
                })
            })
            .collect::<AppResult<_>>()?
    };
    let missing = uncovered(&scope, &granted(&cited));
    if !missing.is_empty() {
        return Err(outside_mandate(&missing));
    }
    Ok(Basis {
        binding,
        scope,
        cited: cited.iter().map(|m| m.id).collect(),
        forwarded_to: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::may_join;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn asked(binding: Option<bool>, scope: &[&str], cited: &[Uuid], to: Option<Uuid>) -> Asked {
        Asked {
            binding,
            scope: scope.iter().map(|s| s.to_string()).collect(),
            mandate_ids: cited.to_vec(),
            forward_to: to,
        }
    }

    fn mandate(powers: &[&str]) -> InForce {
        InForce {
            id: Uuid::new_v4(),
            powers: powers.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn code(result: AppResult<Basis>) -> (ErrorCode, Option<&'static str>) {
        let e = result.unwrap_err();
        (e.code, e.field)
    }

    #[test]
    fn a_commission_only_recommends_to_the_assembly_or_a_secretariat_that_may_act() {
        let treasury = mandate(&["tresorerie"]);
        let target = |kind, in_force: Vec<InForce>| Target {
            id: Uuid::new_v4(),
            kind,
            of_the_organisation: true,
            dissolved: false,
            in_force,
        };
        let assembly = target(BodyKind::GeneralAssembly, Vec::new());
        let secretariat = target(BodyKind::Secretariat, vec![treasury]);
        let commission = BodyKind::Commission;
        assert_eq!(
            code(basis(
                commission,
                &[],
                Some(&assembly),
                asked(Some(true), &[], &[], Some(assembly.id))
            )),
            (ErrorCode::NoDecisionPower, None)
        );
        let to_assembly = basis(
            commission,
            &[],
            Some(&assembly),
            asked(None, &[], &[], Some(assembly.id)),
        );
        assert_eq!(
            to_assembly.unwrap(),
            Basis {
                binding: false,
                scope: Vec::new(),
                cited: Vec::new(),
                forwarded_to: Some(assembly.id)
            }
        );
        let covered = basis(
            commission,
            &[],
            Some(&secretariat),
            asked(None, &["tresorerie"], &[], Some(secretariat.id)),
        );
        assert_eq!(covered.unwrap().forwarded_to, Some(secretariat.id));
        assert_eq!(
            code(basis(
                commission,
                &[],
                Some(&secretariat),
                asked(None, &["locaux"], &[], Some(secretariat.id))
            ))
            .0,
            ErrorCode::OutsideMandate
        );
        // Nowhere named, an unknown body, another commission, one dissolved
        // or of another organisation: the same answer.
        let other = target(BodyKind::Commission, Vec::new());
        let mut gone = target(BodyKind::GeneralAssembly, Vec::new());
        gone.dissolved = true;
        let mut foreign = target(BodyKind::GeneralAssembly, Vec::new());
        foreign.of_the_organisation = false;
        for (found, to) in [
            (None, None),
            (None, Some(Uuid::new_v4())),
            (Some(&other), Some(other.id)),
            (Some(&gone), Some(gone.id)),
            (Some(&foreign), Some(foreign.id)),
        ] {
            assert_eq!(
                code(basis(commission, &[], found, asked(None, &[], &[], to))),
                (ErrorCode::Validation, Some("forwardTo"))
            );
        }
    }

    #[test]
    fn a_secretariat_binds_only_within_mandates_in_force_that_cover_the_scope() {
        let treasury = mandate(&["tresorerie"]);
        let rooms = mandate(&["locaux", "materiel"]);
        let in_force = [treasury.clone(), rooms.clone()];
        let secretariat = BodyKind::Secretariat;
        assert_eq!(
            code(basis(
                secretariat,
                &in_force,
                None,
                asked(None, &[], &[], None)
            )),
            (ErrorCode::Validation, Some("scope"))
        );
        // Not cited: the mandates that cover the scope are.
        let found = basis(
            secretariat,
            &in_force,
            None,
            asked(None, &["tresorerie"], &[], None),
        )
        .unwrap();
        assert_eq!(found.cited, vec![treasury.id]);
        assert!(found.binding);
        let both = basis(
            secretariat,
            &in_force,
            None,
            asked(None, &["locaux", "tresorerie"], &[], None),
        );
        assert_eq!(both.unwrap().cited, vec![treasury.id, rooms.id]);
        // Cited: those alone, and they must cover it.
        assert_eq!(
            code(basis(
                secretariat,
                &in_force,
                None,
                asked(None, &["tresorerie"], &[rooms.id], None)
            ))
            .0,
            ErrorCode::OutsideMandate
        );
        assert_eq!(
            code(basis(
                secretariat,
                &in_force,
                None,
                asked(None, &["tresorerie"], &[Uuid::new_v4()], None)
            ))
            .0,
            ErrorCode::OutsideMandate
        );
        assert_eq!(
            code(basis(
                secretariat,
                &[],
                None,
                asked(None, &["tresorerie"], &[], None)
            ))
            .0,
            ErrorCode::OutsideMandate
        );
        // A secretariat's proposal that binds no one needs no mandate.
        let advice = basis(
            secretariat,
            &[],
            None,
            asked(Some(false), &["tresorerie"], &[], None),
        )
        .unwrap();
        assert!(!advice.binding && advice.cited.is_empty());
    }

    #[test]
    fn deciding_bodies_decide_within_their_own_powers_and_forward_nothing() {
        for kind in [
            BodyKind::GeneralAssembly,
            BodyKind::Council,
            BodyKind::PopularAssembly,
        ] {
            let decided = basis(kind, &[], None, asked(None, &[], &[], None)).unwrap();
            assert!(decided.binding && decided.cited.is_empty() && decided.forwarded_to.is_none());
            assert_eq!(
                code(basis(
                    kind,
                    &[],
                    None,
                    asked(None, &[], &[], Some(Uuid::new_v4()))
                )),
                (ErrorCode::Validation, Some("forwardTo"))
            );
        }
    }

    #[test]
    fn only_bodies_that_decide_take_binding_decisions_and_hold_mandates() {
        assert!(BodyKind::GeneralAssembly.decides());
        assert!(BodyKind::Secretariat.decides());
        assert!(BodyKind::Council.decides());
        assert!(!BodyKind::Commission.decides());
        assert!(!BodyKind::WorkingGroup.holds_mandates());
        assert_eq!(BodyKind::Council.default_method(), "consensus");
    }

    #[test]
    fn standing_decides_the_assembly_and_the_popular_assembly() {
        use EffectiveStanding::*;
        let assembly = BodyKind::GeneralAssembly;
        assert!(belongs_by_standing(assembly, Some(GoodStanding)));
        assert!(!belongs_by_standing(assembly, Some(Supporter)));
        assert!(!belongs_by_standing(assembly, Some(Lapsed)));
        let popular = BodyKind::PopularAssembly;
        assert!(belongs_by_standing(popular, Some(Supporter)));
        assert!(!belongs_by_standing(popular, None));
        assert!(!belongs_by_standing(
            BodyKind::Secretariat,
            Some(GoodStanding)
        ));
        assert!(may_join(BodyKind::Commission, Some(GoodStanding)));
        assert!(!may_join(BodyKind::Commission, Some(Supporter)));
        assert!(!may_join(BodyKind::Secretariat, Some(GoodStanding)));
    }

    #[test]
    fn a_mandate_is_in_force_from_its_start_to_its_end_unless_revoked() {
        let start = day("2026-01-01");
        let end = Some(day("2026-12-31"));
        assert_eq!(
            mandate_status(start, end, None, day("2025-12-31")),
            MandateStatus::Upcoming
        );
        assert_eq!(
            mandate_status(start, end, None, day("2026-12-31")),
            MandateStatus::InForce
        );
        assert_eq!(
            mandate_status(start, end, None, day("2027-01-01")),
            MandateStatus::Ended
        );
        assert_eq!(
            mandate_status(start, None, Some(Utc::now()), day("2026-06-01")),
            MandateStatus::Revoked
        );
    }

    #[test]
    fn tenure_runs_to_the_end_the_revocation_or_today() {
        let start = day("2026-01-01");
        assert_eq!(tenure_days(start, None, None, day("2026-01-11")), 10);
        assert_eq!(
            tenure_days(start, Some(day("2026-01-05")), None, day("2026-03-01")),
            4
        );
        assert_eq!(
            tenure_days(start, None, Some(day("2026-01-03")), day("2026-03-01")),
            2
        );
        assert_eq!(tenure_days(start, None, None, day("2025-12-01")), 0);
        assert_eq!(parse_minutes(Some("  ")).unwrap(), None);
        assert!(parse_minutes(Some(&"x".repeat(501))).is_err());
    }

    #[test]
    fn a_scope_is_covered_power_by_power() {
        let scope =
            parse_scope(&["treasury".into(), "premises".into(), "treasury".into()]).unwrap();
        assert_eq!(scope, ["premises", "treasury"]);
        assert_eq!(uncovered(&scope, &["treasury".into()]), ["premises"]);
        assert!(uncovered(&scope, &["premises".into(), "treasury".into()]).is_empty());
        assert!(parse_power("Trésorerie").is_err());
        assert!(parse_power("x").is_err());
    }
    #[test]
    fn pairs_follow_their_parity_rule() {
        use Gender::*;
        use ParityRule::*;
        use UndeclaredGender::*;
        let ok =
            |rule, policy, holders: &[Option<Gender>]| check_parity(rule, policy, holders).is_ok();
        assert!(ok(None, Unknown, &[Some(Man), Some(Man)]));
        assert!(ok(AtLeastOneWoman, Unknown, &[Some(Woman), Some(Man)]));
        assert!(!ok(AtLeastOneWoman, Unknown, &[Some(Man), Some(NonBinary)]));
        assert!(ok(WomanAndMan, Unknown, &[Some(Man), Some(Woman)]));
        assert!(!ok(WomanAndMan, Unknown, &[Some(Woman), Some(Woman)]));
        assert!(!ok(WomanAndMan, Unknown, &[Some(Woman)]));
        assert!(ok(NotSameGender, Unknown, &[Some(NonBinary), Some(Man)]));
        assert!(!ok(NotSameGender, Unknown, &[Some(Man), Some(Man)]));
        // Undeclared: nothing assumed, unless the organisation vouches.
        assert!(!ok(AtLeastOneWoman, Unknown, &[Some(Man), Option::None]));
        assert!(ok(AtLeastOneWoman, Vouched, &[Some(Man), Option::None]));
        assert!(!ok(
            WomanAndMan,
            Unknown,
            &[Some(Woman), Some(PreferNotToSay)]
        ));
        assert!(ok(WomanAndMan, Vouched, &[Some(Woman), Option::None]));
        assert!(!ok(WomanAndMan, Vouched, &[Some(Woman), Some(Woman)]));
        assert!(!ok(NotSameGender, Unknown, &[Some(Man), Option::None]));
        assert!(ok(NotSameGender, Vouched, &[Some(Man), Option::None]));
        let refusal = check_parity(WomanAndMan, Unknown, &[Some(Man), Some(Man)]).unwrap_err();
        assert_eq!(refusal.code, ErrorCode::ParityViolation);
    }
}
