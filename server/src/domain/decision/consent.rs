//! Consent (sociocratic): the proposal passes unless a reasoned objection stands.
//!
//! Ballots use the consensus positions: `agree` (or `consent`),
//! `reservations` and `stand_aside` all consent; `object` needs a reason —
//! an objection without one is refused, since it could not be worked with.

use serde_json::{Value, json};

use super::consensus::{Ballot, Position, reason_required};
use super::{Method, Refusal, Verdict, read_settings};
use crate::i18n::Text;
use crate::text;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {}

pub struct Consent {
    consents: u64,
    objections: Vec<String>,
}

impl Method for Consent {
    const NAME: &'static str = "consent";
    type Ballot = Ballot;

    fn new(_options: &[String], settings: Value, _electorate: Option<u64>) -> Result<Self, Text> {
        let _: Settings = read_settings(Self::NAME, settings)?;
        Ok(Consent {
            consents: 0,
            objections: Vec::new(),
        })
    }

    fn check(&self, ballot: &Ballot) -> Result<(), Refusal> {
        if ballot.position == Position::Object && ballot.reason().is_none() {
            return Err(reason_required());
        }
        Ok(())
    }

    fn count(&mut self, ballot: Ballot) {
        match (ballot.position, ballot.reason()) {
            (Position::Object, Some(reason)) => self.objections.push(reason.to_owned()),
            _ => self.consents += 1,
        }
    }

    fn verdict(&self, ballots: u64) -> Verdict {
        let (consents, objections) = (self.consents, self.objections.len());
        let adopted = ballots > 0 && objections == 0;
        let status = match (ballots, objections) {
            (0, _) => "not_reached",
            (_, 0) => "reached",
            _ => "objections_to_address",
        };
        let mut explanation = vec![text!(
            en: "{consents} consent, {objections} reasoned objections.",
            fr: "{consents} consentements, {objections} objections argumentées."
        )];
        explanation.push(match status {
            "reached" => text!(en: "No reasoned objection stands: the proposal passes.", fr: "Aucune objection argumentée : la proposition est adoptée."),
            "objections_to_address" => text!(
                en: "Reasoned objections stand: the proposal must be improved to meet them.",
                fr: "Des objections argumentées demeurent : la proposition doit être amendée pour y répondre."
            ),
            _ => text!(en: "Nobody took part.", fr: "Personne n'a participé."),
        });
        Verdict {
            ranking: Vec::new(),
            winners: Vec::new(),
            adopted: Some(adopted),
            status: Some(status),
            details: json!({ "consents": consents, "objections": self.objections }),
            explanation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ballot(position: Position, reason: Option<&str>) -> Ballot {
        Ballot {
            position,
            reason: reason.map(str::to_owned),
        }
    }

    #[test]
    fn passes_unless_a_reasoned_objection_stands() {
        let mut c = Consent::new(&[], json!({}), None).unwrap();
        for b in [
            ballot(Position::Agree, None),
            ballot(Position::StandAside, None),
            ballot(Position::Reservations, Some("délai court")),
        ] {
            c.check(&b).unwrap();
            c.count(b);
        }
        assert_eq!(c.verdict(3).adopted, Some(true));
        let objection = ballot(Position::Object, Some("met en danger le local"));
        c.check(&objection).unwrap();
        c.count(objection);
        let v = c.verdict(4);
        assert_eq!(v.adopted, Some(false));
        assert_eq!(v.status, Some("objections_to_address"));
    }

    #[test]
    fn an_objection_without_a_reason_is_refused() {
        let c = Consent::new(&[], json!({}), None).unwrap();
        assert!(
            c.check(&ballot(Position::Object, None))
                .unwrap_err()
                .reason_required
        );
    }
}
