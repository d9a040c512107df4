//! Multiple choice: every voter picks between `min_selections` (default 1)
//! and `max_selections` (default: all) options; the options picked most often
//! come first.
//!
//! Unlike approval, the number of picks is bounded: "choose up to 3 of these
//! 10 projects". The count keeps one number per option; equal counts tie.

use serde::Deserialize;
use serde_json::{Value, json};

use super::fraction::percent;
use super::{
    Line, Method, Refusal, Verdict, check_indices, name_of, names_of, need_options, rank_by,
    ranked_lines, read_settings, winners_of,
};
use crate::i18n::Text;
use crate::text;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ballot {
    /// The options picked, each at most once.
    pub choices: Vec<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub min_selections: usize,
    /// `None`: as many as there are options.
    pub max_selections: Option<usize>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            min_selections: 1,
            max_selections: None,
        }
    }
}

pub struct MultipleChoice {
    options: Vec<String>,
    min: usize,
    max: usize,
    /// `votes[option]`: how many ballots picked it.
    votes: Vec<u64>,
}

impl Method for MultipleChoice {
    const NAME: &'static str = "multiple_choice";
    type Ballot = Ballot;

    fn new(options: &[String], settings: Value, _electorate: Option<u64>) -> Result<Self, Text> {
        need_options(Self::NAME, options, 2)?;
        let settings: Settings = read_settings(Self::NAME, settings)?;
        let (min, n) = (settings.min_selections, options.len());
        let max = settings.max_selections.unwrap_or(n);
        if max == 0 || max > n {
            return Err(text!(
                en: "max_selections ({max}) must be between 1 and the number of options ({n}).",
                fr: "max_selections ({max}) doit être compris entre 1 et le nombre d'options ({n})."
            ));
        }
        if min > max {
            return Err(text!(
                en: "min_selections ({min}) cannot be more than max_selections ({max}).",
                fr: "min_selections ({min}) ne peut pas dépasser max_selections ({max})."
            ));
        }
        Ok(MultipleChoice {
            options: options.to_vec(),
            min,
            max,
            votes: vec![0; n],
        })
    }

    fn check(&self, ballot: &Ballot) -> Result<(), Refusal> {
        let (picked, min, max) = (ballot.choices.len(), self.min, self.max);
        if picked < min || picked > max {
            return Err(Refusal::invalid(text!(
                en: "The ballot picks {picked} options; it must pick between {min} and {max}.",
                fr: "Le bulletin choisit {picked} options ; il doit en choisir entre {min} et {max}."
            )));
        }
        check_indices(&ballot.choices, self.options.len())
    }

    fn count(&mut self, ballot: Ballot) {
        for i in ballot.choices {
            if let Some(votes) = self.votes.get_mut(i) {
                *votes += 1;
            }
        }
    }

    fn verdict(&self, ballots: u64) -> Verdict {
        let ranking = rank_by(&self.votes);
        let winners = winners_of(&ranking, ballots);
        let options: Vec<Value> = self
            .votes
            .iter()
            .enumerate()
            .map(|(i, &v)| json!({ "option": i, "votes": v, "percent_of_ballots": percent(v, ballots) }))
            .collect();
        let (min, max) = (self.min, self.max);
        let mut explanation = vec![text!(
            en: "{ballots} ballots each picked between {min} and {max} options.",
            fr: "{ballots} bulletins ont chacun choisi entre {min} et {max} options."
        )];
        explanation.extend(ranked_lines(
            &self.options,
            &ranking,
            &self.votes,
            ballots,
            |line| {
                let Line {
                    rank,
                    name,
                    count: votes,
                    share,
                    share_fr,
                } = line;
                text!(
                    en: "{rank}. {name}: picked on {votes} ballots ({share}%).",
                    fr: "{rank}. {name} : choisie sur {votes} bulletins ({share_fr} %)."
                )
            },
        ));
        explanation.push(match winners.as_slice() {
            [] => text!(en: "No ballot was counted: nothing is chosen.", fr: "Aucun bulletin n'a été compté : rien n'est choisi."),
            [winner] => {
                let name = name_of(&self.options, *winner);
                text!(en: "{name} was picked most often.", fr: "{name} a été choisie le plus souvent.")
            }
            tied => {
                let names = names_of(&self.options, tied);
                text!(en: "{names} were picked as often: they tie.", fr: "{names} ont été choisies aussi souvent : égalité.")
            }
        });
        Verdict {
            ranking,
            winners,
            adopted: None,
            status: None,
            details: json!({ "min_selections": min, "max_selections": max, "options": options }),
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

    fn count(n_options: usize, settings: Value, ballots: &[Vec<usize>]) -> Verdict {
        let mut poll = MultipleChoice::new(&options(n_options), settings, None).unwrap();
        for b in ballots {
            let ballot = Ballot { choices: b.clone() };
            poll.check(&ballot).unwrap();
            poll.count(ballot);
        }
        poll.verdict(ballots.len() as u64)
    }

    #[test]
    fn the_option_picked_most_often_wins() {
        let v = count(
            4,
            json!({ "max_selections": 2 }),
            &[vec![0, 1], vec![1, 3], vec![1], vec![3, 0]],
        );
        assert_eq!(v.ranking, vec![vec![1], vec![0, 3], vec![2]]);
        assert_eq!(v.winners, vec![1]);
        assert_eq!(v.details["options"][1]["votes"], 3);
        assert_eq!(v.details["max_selections"], 2);
    }

    #[test]
    fn options_picked_as_often_tie() {
        let v = count(3, json!({}), &[vec![0, 2], vec![2, 0]]);
        assert_eq!(v.winners, vec![0, 2]);
        assert!(v.explanation.iter().any(|t| t.en.contains("they tie")));
    }

    #[test]
    fn ballots_outside_the_selection_bounds_are_refused() {
        let poll = MultipleChoice::new(
            &options(4),
            json!({ "min_selections": 2, "max_selections": 3 }),
            None,
        )
        .unwrap();
        assert!(poll.check(&Ballot { choices: vec![0] }).is_err());
        assert!(
            poll.check(&Ballot {
                choices: vec![0, 1, 2, 3]
            })
            .is_err()
        );
        assert!(
            poll.check(&Ballot {
                choices: vec![0, 1]
            })
            .is_ok()
        );
        assert!(
            poll.check(&Ballot {
                choices: vec![0, 0]
            })
            .is_err(),
            "an option picked twice"
        );
        assert!(
            poll.check(&Ballot {
                choices: vec![0, 4]
            })
            .is_err(),
            "an option that does not exist"
        );
    }

    #[test]
    fn by_default_a_ballot_picks_at_least_one_option_and_at_most_all() {
        let poll = MultipleChoice::new(&options(3), json!({}), None).unwrap();
        assert!(poll.check(&Ballot { choices: vec![] }).is_err());
        assert!(
            poll.check(&Ballot {
                choices: vec![2, 1, 0]
            })
            .is_ok()
        );
        let blank_allowed =
            MultipleChoice::new(&options(3), json!({ "min_selections": 0 }), None).unwrap();
        assert!(blank_allowed.check(&Ballot { choices: vec![] }).is_ok());
    }

    #[test]
    fn bounds_that_cannot_be_met_are_refused() {
        assert!(
            MultipleChoice::new(
                &options(3),
                json!({ "min_selections": 3, "max_selections": 2 }),
                None
            )
            .is_err()
        );
        assert!(MultipleChoice::new(&options(3), json!({ "max_selections": 4 }), None).is_err());
        assert!(MultipleChoice::new(&options(3), json!({ "max_selections": 0 }), None).is_err());
        assert!(MultipleChoice::new(&options(3), json!({ "min_selections": 4 }), None).is_err());
        assert!(MultipleChoice::new(&options(3), json!({ "min_selections": -1 }), None).is_err());
        assert!(MultipleChoice::new(&options(3), json!({ "max": 2 }), None).is_err());
        assert!(MultipleChoice::new(&[], json!({}), None).is_err());
    }

    proptest! {
        #[test]
        fn the_result_does_not_depend_on_ballot_order(ballots in proptest::collection::vec(proptest::sample::subsequence(vec![0usize, 1, 2, 3], 1..=4), 0..30)) {
            let mut reversed = ballots.clone();
            reversed.reverse();
            prop_assert_eq!(count(4, json!({}), &ballots), count(4, json!({}), &reversed));
        }
    }
}
