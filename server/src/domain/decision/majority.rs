//! Majority: one person, one vote — yes, no or abstain.
//!
//! Settings: `base` — `cast` (votes cast, abstentions not counted: the usual
//! "simple majority", the default), `cast_with_abstentions`, or `electorate`
//! (the "absolute majority" of everyone who may vote); `threshold` — the
//! share of the base that "yes" must pass, `1/2` by default, or e.g. `2/3`,
//! `3/5`; `strict` — "more than" the threshold (default) or "at least";
//! `tie` — what yes = no means: `rejected` (default) or `adopted`.
//!
//! Options are implicit: 0 is "yes" (adopt), 1 is "no".

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::fraction::{Fraction, french, percent};
use super::{Method, Refusal, Verdict, read_settings};
use crate::i18n::Text;
use crate::text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    Yes,
    No,
    Abstain,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ballot {
    pub choice: Choice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Base {
    #[default]
    Cast,
    CastWithAbstentions,
    Electorate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OnTie {
    #[default]
    Rejected,
    Adopted,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub base: Base,
    pub threshold: Fraction,
    pub strict: bool,
    pub tie: OnTie,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            base: Base::Cast,
            threshold: Fraction::HALF,
            strict: true,
            tie: OnTie::Rejected,
        }
    }
}

pub struct Majority {
    settings: Settings,
    electorate: Option<u64>,
    yes: u64,
    no: u64,
    abstain: u64,
}

impl Majority {
    /// Counts already made (a show of hands recorded by a minute-taker).
    pub fn with_counts(mut self, yes: u64, no: u64, abstain: u64) -> Self {
        (self.yes, self.no, self.abstain) = (yes, no, abstain);
        self
    }
}

impl Method for Majority {
    const NAME: &'static str = "majority";
    type Ballot = Ballot;

    fn new(_options: &[String], settings: Value, electorate: Option<u64>) -> Result<Self, Text> {
        let settings: Settings = read_settings(Self::NAME, settings)?;
        if settings.base == Base::Electorate && electorate.is_none() {
            return Err(text!(
                en: "An absolute majority (base: electorate) needs the size of the electorate.",
                fr: "Une majorité absolue (base : electorate) nécessite la taille du corps électoral."
            ));
        }
        Ok(Majority {
            settings,
            electorate,
            yes: 0,
            no: 0,
            abstain: 0,
        })
    }

    fn check(&self, _ballot: &Ballot) -> Result<(), Refusal> {
        Ok(())
    }

    fn count(&mut self, ballot: Ballot) {
        match ballot.choice {
            Choice::Yes => self.yes += 1,
            Choice::No => self.no += 1,
            Choice::Abstain => self.abstain += 1,
        }
    }

    fn verdict(&self, _ballots: u64) -> Verdict {
        let Settings {
            base,
            threshold,
            strict,
            tie,
        } = self.settings;
        let (yes, no, abstain) = (self.yes, self.no, self.abstain);
        let base_count = match base {
            Base::Cast => yes + no,
            Base::CastWithAbstentions => yes + no + abstain,
            Base::Electorate => self.electorate.unwrap_or(0),
        };
        let tied = yes == no;
        let adopted = if tied && yes > 0 {
            tie == OnTie::Adopted && threshold.reached_by(yes, base_count, false)
        } else {
            base_count > 0 && threshold.reached_by(yes, base_count, strict)
        };
        let share = percent(yes, base_count);
        let share_fr = french(share);
        let base_name = match base {
            Base::Cast => {
                text!(en: "the votes cast (abstentions not counted)", fr: "des suffrages exprimés (abstentions non comptées)")
            }
            Base::CastWithAbstentions => {
                text!(en: "the votes cast, abstentions included", fr: "des votes, abstentions comprises")
            }
            Base::Electorate => {
                text!(en: "the whole electorate", fr: "de l'ensemble du corps électoral")
            }
        };
        let (base_en, base_fr) = (&base_name.en, &base_name.fr);
        let more = if strict {
            ("more than", "plus de")
        } else {
            ("at least", "au moins")
        };
        let (more_en, more_fr) = more;
        let mut explanation = vec![text!(
            en: "{yes} yes, {no} no, {abstain} abstentions: yes is {share}% of {base_en} ({base_count}); adoption needs {more_en} {threshold}.",
            fr: "{yes} pour, {no} contre, {abstain} abstentions : le pour fait {share_fr} % {base_fr} ({base_count}) ; l'adoption demande {more_fr} {threshold}."
        )];
        if tied && yes > 0 {
            explanation.push(match tie {
                OnTie::Rejected => text!(en: "A tie: the settings say a tie rejects.", fr: "Égalité : selon les réglages, l'égalité vaut rejet."),
                OnTie::Adopted => text!(en: "A tie: the settings say a tie adopts.", fr: "Égalité : selon les réglages, l'égalité vaut adoption."),
            });
        }
        explanation.push(if adopted {
            text!(en: "The proposal is adopted.", fr: "La proposition est adoptée.")
        } else {
            text!(en: "The proposal is not adopted.", fr: "La proposition n'est pas adoptée.")
        });
        let (ranking, winners) = match (adopted, tied) {
            (true, _) => (vec![vec![0], vec![1]], vec![0]),
            (false, true) => (vec![vec![0, 1]], vec![1]),
            (false, false) => (vec![vec![1], vec![0]], vec![1]),
        };
        Verdict {
            ranking,
            winners,
            adopted: Some(adopted),
            status: None,
            details: json!({
                "yes": yes,
                "no": no,
                "abstain": abstain,
                "base": base,
                "base_count": base_count,
                "threshold": threshold,
                "strict": strict,
                "tie": tie,
                "yes_percent_of_base": share,
            }),
            explanation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn count(settings: Value, electorate: Option<u64>, yes: u64, no: u64, abstain: u64) -> Verdict {
        let m = Majority::new(&[], settings, electorate)
            .unwrap()
            .with_counts(yes, no, abstain);
        m.verdict(yes + no + abstain)
    }

    #[test]
    fn a_simple_majority_ignores_abstentions() {
        assert_eq!(count(json!({}), None, 10, 9, 50).adopted, Some(true));
        assert_eq!(
            count(json!({ "base": "cast_with_abstentions" }), None, 10, 9, 50).adopted,
            Some(false)
        );
    }

    #[test]
    fn a_tie_rejects_unless_the_settings_say_otherwise() {
        assert_eq!(count(json!({}), None, 10, 10, 0).adopted, Some(false));
        assert_eq!(
            count(json!({ "tie": "adopted" }), None, 10, 10, 0).adopted,
            Some(true)
        );
    }

    #[test]
    fn qualified_thresholds_are_exact() {
        assert_eq!(
            count(json!({ "threshold": "2/3" }), None, 20, 10, 0).adopted,
            Some(false),
            "exactly 2/3 is not more than 2/3"
        );
        assert_eq!(
            count(
                json!({ "threshold": "2/3", "strict": false }),
                None,
                20,
                10,
                0
            )
            .adopted,
            Some(true)
        );
        assert_eq!(
            count(json!({ "threshold": "3/5" }), None, 61, 39, 0).adopted,
            Some(true)
        );
    }

    #[test]
    fn an_absolute_majority_counts_against_the_whole_electorate() {
        assert_eq!(
            count(json!({ "base": "electorate" }), Some(100), 50, 0, 0).adopted,
            Some(false)
        );
        assert_eq!(
            count(json!({ "base": "electorate" }), Some(100), 51, 0, 0).adopted,
            Some(true)
        );
        assert!(Majority::new(&[], json!({ "base": "electorate" }), None).is_err());
    }

    #[test]
    fn unknown_settings_are_refused() {
        assert!(Majority::new(&[], json!({ "treshold": "2/3" }), None).is_err());
    }

    #[test]
    fn no_votes_adopt_nothing() {
        assert_eq!(count(json!({}), None, 0, 0, 0).adopted, Some(false));
    }
}
