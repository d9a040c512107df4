//! Consensus: "a decision that gathers broad adhesion", not unanimity.
//!
//! People agree, agree with reservations, stand aside, or object. An
//! objection must be argued (a reason is required, by default) so that it can
//! be discussed and perhaps lifted; one person's bare opposition never blocks.
//!
//! Settings: `objection_requires_reason` (default true: a bare objection is
//! refused); `blocking_objections` — how many argued objections block
//! (default 1); `max_stand_asides` — a number (`3`) or a share (`"1/4"`) of
//! participants beyond which there is no broad adhesion; `facilitator_check`
//! — the result must be checked and recorded by a facilitator (default true);
//! `fallback` — what to do when consensus is not reached:
//! `{"majority": {"threshold": "2/3"}}` or `"escalate"` (to the parent
//! organisation's assembly, with the options debated).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::fraction::Fraction;
use super::{Method, Refusal, Verdict, read_settings};
use crate::i18n::Text;
use crate::text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    #[serde(alias = "consent")]
    Agree,
    Reservations,
    StandAside,
    Object,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ballot {
    pub position: Position,
    #[serde(default)]
    pub reason: Option<String>,
}

impl Ballot {
    /// The reason, if it says something.
    pub fn reason(&self) -> Option<&str> {
        self.reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
    }
}

/// The refusal of an objection that comes without its reason.
pub fn reason_required() -> Refusal {
    Refusal {
        reason_required: true,
        message: text!(
            en: "An objection must give its reason, so that it can be discussed and perhaps lifted.",
            fr: "Une objection doit être argumentée, pour pouvoir être discutée et peut-être levée."
        ),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Limit {
    Count(u64),
    Share(Fraction),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fallback {
    /// A majority vote among the options debated.
    Majority {
        #[serde(default = "half")]
        threshold: Fraction,
    },
    /// The matter goes to the parent organisation's assembly.
    Escalate,
}

fn half() -> Fraction {
    Fraction::HALF
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub objection_requires_reason: bool,
    pub blocking_objections: u64,
    pub max_stand_asides: Option<Limit>,
    pub facilitator_check: bool,
    pub fallback: Option<Fallback>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            objection_requires_reason: true,
            blocking_objections: 1,
            max_stand_asides: None,
            facilitator_check: true,
            fallback: None,
        }
    }
}

pub struct Consensus {
    settings: Settings,
    agree: u64,
    reservations: Vec<String>,
    reservations_count: u64,
    stand_aside: u64,
    objections: Vec<String>,
    bare_objections: u64,
}

impl Method for Consensus {
    const NAME: &'static str = "consensus";
    type Ballot = Ballot;

    fn new(_options: &[String], settings: Value, _electorate: Option<u64>) -> Result<Self, Text> {
        let settings: Settings = read_settings(Self::NAME, settings)?;
        if settings.blocking_objections == 0 {
            return Err(text!(
                en: "blocking_objections must be at least 1.",
                fr: "blocking_objections doit valoir au moins 1."
            ));
        }
        Ok(Consensus {
            settings,
            agree: 0,
            reservations: Vec::new(),
            reservations_count: 0,
            stand_aside: 0,
            objections: Vec::new(),
            bare_objections: 0,
        })
    }

    fn check(&self, ballot: &Ballot) -> Result<(), Refusal> {
        if ballot.position == Position::Object
            && ballot.reason().is_none()
            && self.settings.objection_requires_reason
        {
            return Err(reason_required());
        }
        Ok(())
    }

    fn count(&mut self, ballot: Ballot) {
        let reason = ballot.reason().map(str::to_owned);
        match (ballot.position, reason) {
            (Position::Agree, _) => self.agree += 1,
            (Position::Reservations, reason) => {
                self.reservations_count += 1;
                self.reservations.extend(reason);
            }
            (Position::StandAside, _) => self.stand_aside += 1,
            (Position::Object, Some(reason)) => self.objections.push(reason),
            (Position::Object, None) => self.bare_objections += 1,
        }
    }

    fn verdict(&self, ballots: u64) -> Verdict {
        let s = &self.settings;
        let argued = self.objections.len() as u64;
        let too_many_aside = match s.max_stand_asides {
            None => false,
            Some(Limit::Count(max)) => self.stand_aside > max,
            // More than `share` of the participants stood aside.
            Some(Limit::Share(share)) => share.reached_by(self.stand_aside, ballots, true),
        };
        let status = if ballots == 0 || too_many_aside {
            "not_reached"
        } else if argued >= s.blocking_objections {
            "objections_to_address"
        } else {
            "reached"
        };
        let (agree, reservations, aside, bare) = (
            self.agree,
            self.reservations_count,
            self.stand_aside,
            self.bare_objections,
        );
        let mut explanation = vec![text!(
            en: "{agree} agree, {reservations} agree with reservations, {aside} stand aside, {argued} argued objections, {bare} bare objections.",
            fr: "{agree} d'accord, {reservations} d'accord avec réserves, {aside} en retrait, {argued} objections argumentées, {bare} objections non argumentées."
        )];
        if bare > 0 {
            explanation.push(text!(
                en: "Objections without a reason do not block.",
                fr: "Les objections non argumentées ne bloquent pas."
            ));
        }
        explanation.push(match status {
            "reached" if s.facilitator_check => text!(
                en: "Consensus is reached, subject to the facilitators' check.",
                fr: "Le consensus est atteint, sous réserve de la vérification par l'animation."
            ),
            "reached" => text!(en: "Consensus is reached.", fr: "Le consensus est atteint."),
            "objections_to_address" => text!(
                en: "Argued objections stand: they must be addressed (or lifted) before consensus.",
                fr: "Des objections argumentées demeurent : elles doivent être traitées (ou levées) avant le consensus."
            ),
            _ if ballots == 0 => text!(en: "Nobody took part: no consensus.", fr: "Personne n'a participé : pas de consensus."),
            _ => text!(
                en: "Too many people stand aside: there is no broad adhesion.",
                fr: "Trop de personnes se mettent en retrait : il n'y a pas d'adhésion large."
            ),
        });
        if status != "reached" {
            match &s.fallback {
                Some(Fallback::Majority { threshold }) => explanation.push(text!(
                    en: "The fallback applies: a majority vote needing more than {threshold}.",
                    fr: "La solution de repli s'applique : un vote à la majorité de plus de {threshold}."
                )),
                Some(Fallback::Escalate) => explanation.push(text!(
                    en: "The fallback applies: the matter goes to the parent organisation's assembly, with the options debated.",
                    fr: "La solution de repli s'applique : la question remonte à l'assemblée de l'organisation parente, avec les options débattues."
                )),
                None => {}
            }
        }
        Verdict {
            ranking: Vec::new(),
            winners: Vec::new(),
            adopted: Some(status == "reached"),
            status: Some(status),
            details: json!({
                "agree": agree,
                "reservations": reservations,
                "reservation_reasons": self.reservations,
                "stand_aside": aside,
                "objections": self.objections,
                "bare_objections": bare,
                "blocking_objections": s.blocking_objections,
                "facilitator_check_required": s.facilitator_check && status == "reached",
                "fallback": if status == "reached" { None } else { s.fallback.clone() },
            }),
            explanation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tally(settings: Value, ballots: &[(Position, Option<&str>)]) -> Verdict {
        let mut c = Consensus::new(&[], settings, None).unwrap();
        for (position, reason) in ballots {
            let ballot = Ballot {
                position: *position,
                reason: reason.map(str::to_owned),
            };
            if c.check(&ballot).is_ok() {
                c.count(ballot);
            }
        }
        c.verdict(ballots.len() as u64)
    }

    use Position::*;

    #[test]
    fn a_bare_objection_does_not_block_consensus() {
        let v = tally(
            json!({ "objection_requires_reason": false }),
            &[(Agree, None), (Agree, None), (Object, None)],
        );
        assert_eq!(v.status, Some("reached"));
        assert_eq!(v.adopted, Some(true));
    }

    #[test]
    fn a_bare_objection_is_refused_when_reasons_are_required() {
        let c = Consensus::new(&[], json!({}), None).unwrap();
        let refusal = c
            .check(&Ballot {
                position: Object,
                reason: Some("   ".into()),
            })
            .unwrap_err();
        assert!(refusal.reason_required);
    }

    #[test]
    fn an_argued_objection_must_be_addressed_and_is_listed() {
        let v = tally(
            json!({}),
            &[
                (Agree, None),
                (Reservations, Some("le coût")),
                (Object, Some("contraire à la charte")),
            ],
        );
        assert_eq!(v.status, Some("objections_to_address"));
        assert_eq!(v.details["objections"], json!(["contraire à la charte"]));
        assert_eq!(v.details["reservation_reasons"], json!(["le coût"]));
    }

    #[test]
    fn the_number_of_blocking_objections_is_a_setting() {
        let ballots = [(Agree, None), (Object, Some("a")), (Agree, None)];
        assert_eq!(
            tally(json!({ "blocking_objections": 2 }), &ballots).status,
            Some("reached")
        );
        let ballots = [(Agree, None), (Object, Some("a")), (Object, Some("b"))];
        assert_eq!(
            tally(json!({ "blocking_objections": 2 }), &ballots).status,
            Some("objections_to_address")
        );
    }

    #[test]
    fn too_many_stand_asides_mean_no_broad_adhesion() {
        let ballots = [
            (Agree, None),
            (StandAside, None),
            (StandAside, None),
            (Agree, None),
        ];
        assert_eq!(
            tally(json!({ "max_stand_asides": 1 }), &ballots).status,
            Some("not_reached")
        );
        assert_eq!(
            tally(json!({ "max_stand_asides": "1/2" }), &ballots).status,
            Some("reached"),
            "exactly half is not more than half"
        );
        assert_eq!(
            tally(json!({ "max_stand_asides": "1/4" }), &ballots).status,
            Some("not_reached")
        );
    }

    #[test]
    fn the_fallback_is_named_when_consensus_fails() {
        let v = tally(
            json!({ "fallback": { "majority": { "threshold": "2/3" } } }),
            &[(Object, Some("non"))],
        );
        assert_eq!(
            v.details["fallback"],
            json!({ "majority": { "threshold": "2/3" } })
        );
        let v = tally(json!({ "fallback": "escalate" }), &[(Agree, None)]);
        assert!(
            v.details["fallback"].is_null(),
            "no fallback when consensus is reached"
        );
    }
}
