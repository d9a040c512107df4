//! Dot voting (dotmocracy): every voter shares a budget of dots (default 10)
//! among the options, several on one option if they wish, up to
//! `max_per_option` when it is set; the options with the most dots come first.
//!
//! A ballot may leave dots unspent. The count keeps one total per option;
//! equal totals tie.

use serde::Deserialize;
use serde_json::{Value, json};

use super::fraction::percent;
use super::{
    Line, Method, Refusal, Verdict, check_length, name_of, names_of, need_options, rank_by,
    ranked_lines, read_settings, winners_of,
};
use crate::i18n::Text;
use crate::text;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ballot {
    /// Dots per option, in the order of the options.
    pub dots: Vec<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Dots each voter may spend in all.
    pub budget: u64,
    /// Dots one voter may put on one option; no limit but the budget when unset.
    pub max_per_option: Option<u64>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            budget: 10,
            max_per_option: None,
        }
    }
}

pub struct DotVote {
    options: Vec<String>,
    settings: Settings,
    /// `dots[option]`: the dots all ballots put on it.
    dots: Vec<u64>,
}

impl Method for DotVote {
    const NAME: &'static str = "dot_vote";
    type Ballot = Ballot;

    fn new(options: &[String], settings: Value, _electorate: Option<u64>) -> Result<Self, Text> {
        need_options(Self::NAME, options, 2)?;
        let settings: Settings = read_settings(Self::NAME, settings)?;
        if settings.budget == 0 {
            return Err(
                text!(en: "The budget must be at least 1 dot.", fr: "Le budget doit être d'au moins 1 gommette."),
            );
        }
        if settings.max_per_option == Some(0) {
            return Err(text!(
                en: "max_per_option must be at least 1 dot.",
                fr: "max_per_option doit être d'au moins 1 gommette."
            ));
        }
        Ok(DotVote {
            options: options.to_vec(),
            settings,
            dots: vec![0; options.len()],
        })
    }

    fn check(&self, ballot: &Ballot) -> Result<(), Refusal> {
        check_length(ballot.dots.len(), self.options.len())?;
        if let Some(limit) = self.settings.max_per_option
            && let Some((i, &dots)) = ballot.dots.iter().enumerate().find(|(_, d)| **d > limit)
        {
            let name = name_of(&self.options, i);
            return Err(Refusal::invalid(text!(
                en: "{dots} dots on {name}: at most {limit} may go on one option.",
                fr: "{dots} gommettes sur {name} : une option peut en recevoir au plus {limit}."
            )));
        }
        // Summed wide, so that no ballot can overflow the check.
        let spent: u128 = ballot.dots.iter().map(|&d| u128::from(d)).sum();
        let budget = self.settings.budget;
        if spent > u128::from(budget) {
            return Err(Refusal::invalid(text!(
                en: "The ballot spends {spent} dots; the budget is {budget}.",
                fr: "Le bulletin dépense {spent} gommettes ; le budget est de {budget}."
            )));
        }
        Ok(())
    }

    fn count(&mut self, ballot: Ballot) {
        for (total, dots) in self.dots.iter_mut().zip(ballot.dots) {
            *total = total.saturating_add(dots);
        }
    }

    fn verdict(&self, ballots: u64) -> Verdict {
        let ranking = rank_by(&self.dots);
        let winners = winners_of(&ranking, ballots);
        let spent = self.dots.iter().fold(0u64, |sum, &d| sum.saturating_add(d));
        let options: Vec<Value> = self
            .dots
            .iter()
            .enumerate()
            .map(|(i, &d)| json!({ "option": i, "dots": d, "percent_of_dots": percent(d, spent) }))
            .collect();
        let budget = self.settings.budget;
        let mut explanation = vec![text!(
            en: "{ballots} ballots spent {spent} dots, with a budget of {budget} each.",
            fr: "{ballots} bulletins ont dépensé {spent} gommettes, avec un budget de {budget} chacun."
        )];
        explanation.extend(ranked_lines(
            &self.options,
            &ranking,
            &self.dots,
            spent,
            |line| {
                let Line {
                    rank,
                    name,
                    count: dots,
                    share,
                    share_fr,
                } = line;
                text!(
                    en: "{rank}. {name}: {dots} dots ({share}% of the dots spent).",
                    fr: "{rank}. {name} : {dots} gommettes ({share_fr} % des gommettes dépensées)."
                )
            },
        ));
        explanation.push(match winners.as_slice() {
            [] => text!(en: "No ballot was counted: nothing is chosen.", fr: "Aucun bulletin n'a été compté : rien n'est choisi."),
            [winner] => {
                let name = name_of(&self.options, *winner);
                text!(en: "{name} received the most dots.", fr: "{name} a reçu le plus de gommettes.")
            }
            tied => {
                let names = names_of(&self.options, tied);
                text!(en: "{names} received as many dots: they tie.", fr: "{names} ont reçu autant de gommettes : égalité.")
            }
        });
        Verdict {
            ranking,
            winners,
            adopted: None,
            status: None,
            details: json!({
                "budget": budget,
                "max_per_option": self.settings.max_per_option,
                "dots_spent": spent,
                "options": options,
            }),
            explanation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn options(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("Option {i}")).collect()
    }

    fn count(n_options: usize, settings: Value, ballots: &[Vec<u64>]) -> Verdict {
        let mut vote = DotVote::new(&options(n_options), settings, None).unwrap();
        for b in ballots {
            let ballot = Ballot { dots: b.clone() };
            vote.check(&ballot).unwrap();
            vote.count(ballot);
        }
        vote.verdict(ballots.len() as u64)
    }

    #[test]
    fn the_option_with_the_most_dots_wins() {
        let v = count(3, json!({}), &[vec![7, 3, 0], vec![0, 5, 5], vec![0, 0, 0]]);
        assert_eq!(v.ranking, vec![vec![1], vec![0], vec![2]]);
        assert_eq!(v.winners, vec![1]);
        assert_eq!(v.details["options"][1]["dots"], 8);
        assert_eq!(v.details["dots_spent"], 20);
        assert_eq!(v.details["options"][1]["percent_of_dots"], 40.0);
    }

    #[test]
    fn equal_totals_tie() {
        let v = count(3, json!({}), &[vec![4, 4, 2]]);
        assert_eq!(v.ranking, vec![vec![0, 1], vec![2]]);
        assert_eq!(v.winners, vec![0, 1]);
    }

    #[test]
    fn a_ballot_over_budget_is_refused() {
        let vote = DotVote::new(&options(2), json!({ "budget": 5 }), None).unwrap();
        assert!(vote.check(&Ballot { dots: vec![3, 3] }).is_err());
        assert!(vote.check(&Ballot { dots: vec![5, 0] }).is_ok());
        assert!(
            vote.check(&Ballot {
                dots: vec![u64::MAX, u64::MAX]
            })
            .is_err(),
            "no overflow hides an excess"
        );
        assert!(
            vote.check(&Ballot { dots: vec![1] }).is_err(),
            "one value per option"
        );
    }

    #[test]
    fn more_dots_than_allowed_on_one_option_are_refused() {
        let vote = DotVote::new(&options(3), json!({ "max_per_option": 2 }), None).unwrap();
        let refusal = vote
            .check(&Ballot {
                dots: vec![1, 3, 0],
            })
            .unwrap_err();
        assert!(refusal.message.en.contains("Option 1"));
        assert!(
            vote.check(&Ballot {
                dots: vec![2, 2, 2]
            })
            .is_ok()
        );
    }

    #[test]
    fn bad_settings_are_refused() {
        assert!(DotVote::new(&options(2), json!({ "budget": 0 }), None).is_err());
        assert!(DotVote::new(&options(2), json!({ "max_per_option": 0 }), None).is_err());
        assert!(DotVote::new(&options(2), json!({ "budget": -3 }), None).is_err());
        assert!(DotVote::new(&options(2), json!({ "dots": 3 }), None).is_err());
        assert!(DotVote::new(&[], json!({}), None).is_err());
    }

    #[test]
    fn without_ballots_nothing_is_chosen() {
        assert!(count(2, json!({}), &[]).winners.is_empty());
    }

    proptest! {
        #[test]
        fn the_result_does_not_depend_on_ballot_order(ballots in proptest::collection::vec(proptest::collection::vec(0u64..=3, 3), 0..30)) {
            let mut reversed = ballots.clone();
            reversed.reverse();
            prop_assert_eq!(count(3, json!({}), &ballots), count(3, json!({}), &reversed));
        }
    }
}
