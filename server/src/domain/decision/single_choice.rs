//! Single choice (plurality): every voter picks one option; the option with
//! the most votes wins, with or without a majority.
//!
//! The count keeps one number per option. Options with as many votes tie.

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
    /// The option chosen.
    pub choice: usize,
}

/// Single choice has no settings of its own.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {}

pub struct SingleChoice {
    options: Vec<String>,
    /// `votes[option]`: how many ballots chose it.
    votes: Vec<u64>,
}

impl Method for SingleChoice {
    const NAME: &'static str = "single_choice";
    type Ballot = Ballot;

    fn new(options: &[String], settings: Value, _electorate: Option<u64>) -> Result<Self, Text> {
        need_options(Self::NAME, options, 2)?;
        let _: Settings = read_settings(Self::NAME, settings)?;
        Ok(SingleChoice {
            options: options.to_vec(),
            votes: vec![0; options.len()],
        })
    }

    fn check(&self, ballot: &Ballot) -> Result<(), Refusal> {
        check_indices(&[ballot.choice], self.options.len())
    }

    fn count(&mut self, ballot: Ballot) {
        if let Some(votes) = self.votes.get_mut(ballot.choice) {
            *votes += 1;
        }
    }

    fn verdict(&self, ballots: u64) -> Verdict {
        let ranking = rank_by(&self.votes);
        let winners = winners_of(&ranking, ballots);
        let options: Vec<Value> = self
            .votes
            .iter()
            .enumerate()
            .map(|(i, &v)| json!({ "option": i, "votes": v, "percent": percent(v, ballots) }))
            .collect();
        let mut explanation = Vec::new();
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
                    en: "{rank}. {name}: {votes} votes ({share}%).",
                    fr: "{rank}. {name} : {votes} voix ({share_fr} %)."
                )
            },
        ));
        explanation.push(match winners.as_slice() {
            [] => text!(en: "No ballot was counted: nothing is chosen.", fr: "Aucun bulletin n'a été compté : rien n'est choisi."),
            [winner] => {
                let (name, votes) = (name_of(&self.options, *winner), self.votes[*winner]);
                if votes > ballots / 2 {
                    text!(
                        en: "{name} wins with {votes} of {ballots} votes, an absolute majority.",
                        fr: "{name} l'emporte avec {votes} voix sur {ballots}, une majorité absolue."
                    )
                } else {
                    text!(
                        en: "{name} wins with {votes} of {ballots} votes, the most votes but not an absolute majority.",
                        fr: "{name} l'emporte avec {votes} voix sur {ballots} : le plus de voix, mais pas la majorité absolue."
                    )
                }
            }
            tied => {
                let names = names_of(&self.options, tied);
                text!(en: "{names} have as many votes: they tie.", fr: "{names} ont autant de voix : égalité.")
            }
        });
        Verdict {
            ranking,
            winners,
            adopted: None,
            status: None,
            details: json!({ "options": options }),
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

    fn count(n_options: usize, choices: &[usize]) -> Verdict {
        let mut poll = SingleChoice::new(&options(n_options), json!({}), None).unwrap();
        for &choice in choices {
            let ballot = Ballot { choice };
            poll.check(&ballot).unwrap();
            poll.count(ballot);
        }
        poll.verdict(choices.len() as u64)
    }

    #[test]
    fn the_option_with_the_most_votes_wins_even_without_a_majority() {
        let v = count(3, &[0, 1, 1, 2, 2, 2, 0]);
        assert_eq!(v.ranking, vec![vec![2], vec![0, 1]]);
        assert_eq!(v.winners, vec![2]);
        assert_eq!(v.details["options"][2]["votes"], 3);
        assert!(
            v.explanation
                .iter()
                .any(|t| t.en.contains("not an absolute majority"))
        );
    }

    #[test]
    fn options_with_as_many_votes_tie() {
        let v = count(3, &[1, 2, 2, 1]);
        assert_eq!(v.ranking, vec![vec![1, 2], vec![0]]);
        assert_eq!(v.winners, vec![1, 2]);
    }

    #[test]
    fn without_ballots_nothing_is_chosen() {
        assert!(count(2, &[]).winners.is_empty());
    }

    #[test]
    fn a_choice_outside_the_options_is_refused() {
        let poll = SingleChoice::new(&options(2), json!({}), None).unwrap();
        assert!(poll.check(&Ballot { choice: 2 }).is_err());
        assert!(serde_json::from_value::<Ballot>(json!({ "choice": -1 })).is_err());
    }

    #[test]
    fn unknown_settings_and_empty_polls_are_refused() {
        assert!(SingleChoice::new(&options(2), json!({ "blank": true }), None).is_err());
        assert!(SingleChoice::new(&[], json!({}), None).is_err());
    }

    proptest! {
        #[test]
        fn the_result_does_not_depend_on_ballot_order(choices in proptest::collection::vec(0usize..4, 0..40)) {
            let mut reversed = choices.clone();
            reversed.reverse();
            prop_assert_eq!(count(4, &choices), count(4, &reversed));
        }
    }
}
