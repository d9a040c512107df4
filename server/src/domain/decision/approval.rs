//! Approval voting: every voter approves as many options as they like (none
//! included); the option approved by the most voters wins.
//!
//! The count keeps one number per option. Options with as many approvals tie.

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
    /// The options approved, each at most once; empty approves none.
    pub approved: Vec<usize>,
}

/// Approval has no settings of its own.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {}

pub struct Approval {
    options: Vec<String>,
    /// `approvals[option]`: how many ballots approve it.
    approvals: Vec<u64>,
}

impl Method for Approval {
    const NAME: &'static str = "approval";
    type Ballot = Ballot;

    fn new(options: &[String], settings: Value, _electorate: Option<u64>) -> Result<Self, Text> {
        need_options(Self::NAME, options, 1)?;
        let _: Settings = read_settings(Self::NAME, settings)?;
        Ok(Approval {
            options: options.to_vec(),
            approvals: vec![0; options.len()],
        })
    }

    fn check(&self, ballot: &Ballot) -> Result<(), Refusal> {
        check_indices(&ballot.approved, self.options.len())
    }

    fn count(&mut self, ballot: Ballot) {
        for i in ballot.approved {
            if let Some(approvals) = self.approvals.get_mut(i) {
                *approvals += 1;
            }
        }
    }

    fn verdict(&self, ballots: u64) -> Verdict {
        let ranking = rank_by(&self.approvals);
        let winners = winners_of(&ranking, ballots);
        let options: Vec<Value> = self
            .approvals
            .iter()
            .enumerate()
            .map(|(i, &a)| json!({ "option": i, "approvals": a, "percent_of_ballots": percent(a, ballots) }))
            .collect();
        let mut explanation = Vec::new();
        explanation.extend(ranked_lines(&self.options, &ranking, &self.approvals, ballots, |line| {
            let Line { rank, name, count: approvals, share, share_fr } = line;
            text!(
                        en: "{rank}. {name}: approved on {approvals} of {ballots} ballots ({share}%).",
                        fr: "{rank}. {name} : approuvée sur {approvals} des {ballots} bulletins ({share_fr} %)."
                    )
        }));
        explanation.push(match winners.as_slice() {
            [] => text!(en: "No ballot was counted: nothing is chosen.", fr: "Aucun bulletin n'a été compté : rien n'est choisi."),
            [winner] => {
                let name = name_of(&self.options, *winner);
                text!(en: "{name} is the most approved option.", fr: "{name} est l'option la plus approuvée.")
            }
            tied => {
                let names = names_of(&self.options, tied);
                text!(
                    en: "{names} have as many approvals: they tie.",
                    fr: "{names} ont autant d'approbations : égalité."
                )
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

    fn count(n_options: usize, ballots: &[Vec<usize>]) -> Verdict {
        let mut approval = Approval::new(&options(n_options), json!({}), None).unwrap();
        for b in ballots {
            let ballot = Ballot {
                approved: b.clone(),
            };
            approval.check(&ballot).unwrap();
            approval.count(ballot);
        }
        approval.verdict(ballots.len() as u64)
    }

    #[test]
    fn the_most_approved_option_wins() {
        let v = count(3, &[vec![0, 1], vec![1], vec![1, 2], vec![]]);
        assert_eq!(v.ranking, vec![vec![1], vec![0, 2]]);
        assert_eq!(v.winners, vec![1]);
        assert_eq!(v.details["options"][1]["approvals"], 3);
        assert_eq!(v.details["options"][1]["percent_of_ballots"], 75.0);
        assert!(
            v.explanation
                .iter()
                .any(|t| t.fr.contains("Option 1 est l'option la plus approuvée"))
        );
    }

    #[test]
    fn options_with_as_many_approvals_tie() {
        let v = count(3, &[vec![2, 0], vec![0, 2, 1]]);
        assert_eq!(v.ranking, vec![vec![0, 2], vec![1]]);
        assert_eq!(v.winners, vec![0, 2]);
        assert!(v.explanation.iter().any(|t| t.en.contains("they tie")));
    }

    #[test]
    fn an_empty_ballot_approves_nothing() {
        let v = count(2, &[vec![], vec![]]);
        assert_eq!(v.ranking, vec![vec![0, 1]]);
        assert_eq!(v.details["options"][0]["approvals"], 0);
    }

    #[test]
    fn without_ballots_nothing_is_chosen() {
        let v = count(2, &[]);
        assert!(v.winners.is_empty());
        assert_eq!(v.adopted, None);
    }

    #[test]
    fn unknown_or_repeated_options_are_refused() {
        let approval = Approval::new(&options(2), json!({}), None).unwrap();
        assert!(approval.check(&Ballot { approved: vec![2] }).is_err());
        assert!(
            approval
                .check(&Ballot {
                    approved: vec![1, 1]
                })
                .is_err()
        );
        assert!(
            approval
                .check(&Ballot {
                    approved: vec![usize::MAX]
                })
                .is_err()
        );
    }

    #[test]
    fn unknown_settings_and_empty_polls_are_refused() {
        assert!(Approval::new(&options(2), json!({ "max": 1 }), None).is_err());
        assert!(Approval::new(&[], json!({}), None).is_err());
    }

    proptest! {
        #[test]
        fn the_result_does_not_depend_on_ballot_order(ballots in proptest::collection::vec(proptest::sample::subsequence(vec![0usize, 1, 2, 3], 0..=4), 0..30)) {
            let mut reversed = ballots.clone();
            reversed.reverse();
            let (forward, backward) = (count(4, &ballots), count(4, &reversed));
            prop_assert_eq!(forward, backward);
        }
    }
}
