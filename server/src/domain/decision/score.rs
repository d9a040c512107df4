//! Score voting (range voting): every voter gives every option a whole score
//! between `min` (default 0) and `max` (default 10); the option with the
//! highest total wins.
//!
//! Every ballot scores every option, so each option's mean is its sum divided
//! by the same number of ballots: sum and mean always give the same ranking.
//! `aggregate` (`sum`, the default, or `mean`) only chooses which figure the
//! explanation announces; the details give both.
//!
//! The count keeps one sum per option. Options with equal sums tie.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{
    Method, Refusal, Verdict, check_length, name_of, names_of, need_options, rank_by,
    read_settings, winners_of,
};
use crate::i18n::Text;
use crate::text;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ballot {
    /// One score per option, in the order of the options.
    pub scores: Vec<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    #[default]
    Sum,
    Mean,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub min: i64,
    pub max: i64,
    pub aggregate: Aggregate,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            min: 0,
            max: 10,
            aggregate: Aggregate::Sum,
        }
    }
}

pub struct Score {
    options: Vec<String>,
    settings: Settings,
    /// `sums[option]`: the total of its scores; i128 so that no number of
    /// ballots can overflow it.
    sums: Vec<i128>,
}

impl Method for Score {
    const NAME: &'static str = "score";
    type Ballot = Ballot;

    fn new(options: &[String], settings: Value, _electorate: Option<u64>) -> Result<Self, Text> {
        need_options(Self::NAME, options, 1)?;
        let settings: Settings = read_settings(Self::NAME, settings)?;
        let Settings { min, max, .. } = settings;
        if min >= max {
            return Err(text!(
                en: "The score scale must go up: min ({min}) must be less than max ({max}).",
                fr: "L'échelle des notes doit monter : min ({min}) doit être inférieur à max ({max})."
            ));
        }
        Ok(Score {
            options: options.to_vec(),
            settings,
            sums: vec![0; options.len()],
        })
    }

    fn check(&self, ballot: &Ballot) -> Result<(), Refusal> {
        check_length(ballot.scores.len(), self.options.len())?;
        let Settings { min, max, .. } = self.settings;
        match ballot.scores.iter().find(|s| !(min..=max).contains(*s)) {
            Some(s) => Err(Refusal::invalid(text!(
                en: "Score {s} is outside the scale, which goes from {min} to {max}.",
                fr: "La note {s} est hors de l'échelle, qui va de {min} à {max}."
            ))),
            None => Ok(()),
        }
    }

    fn count(&mut self, ballot: Ballot) {
        for (sum, score) in self.sums.iter_mut().zip(ballot.scores) {
            *sum = sum.saturating_add(i128::from(score));
        }
    }

    fn verdict(&self, ballots: u64) -> Verdict {
        let ranking = rank_by(&self.sums);
        let winners = winners_of(&ranking, ballots);
        let means: Vec<f64> = self.sums.iter().map(|&sum| mean(sum, ballots)).collect();
        let options: Vec<Value> = (0..self.options.len())
            .map(|i| json!({ "option": i, "sum": number(self.sums[i]), "mean": means[i] }))
            .collect();
        let Settings {
            min,
            max,
            aggregate,
        } = self.settings;
        let mut explanation = vec![text!(
            en: "{ballots} ballots scored every option from {min} to {max}.",
            fr: "{ballots} bulletins ont noté chaque option de {min} à {max}."
        )];
        for (rank, group) in ranking.iter().enumerate() {
            for &i in group {
                let (rank, name, sum, mean) =
                    (rank + 1, name_of(&self.options, i), self.sums[i], means[i]);
                let mean_fr = super::fraction::french(mean);
                explanation.push(match aggregate {
                    Aggregate::Sum => text!(
                        en: "{rank}. {name}: total {sum} (mean {mean}).",
                        fr: "{rank}. {name} : total {sum} (moyenne {mean_fr})."
                    ),
                    Aggregate::Mean => text!(
                        en: "{rank}. {name}: mean {mean} (total {sum}).",
                        fr: "{rank}. {name} : moyenne {mean_fr} (total {sum})."
                    ),
                });
            }
        }
        explanation.push(match winners.as_slice() {
            [] => text!(en: "No ballot was counted: nothing is chosen.", fr: "Aucun bulletin n'a été compté : rien n'est choisi."),
            [winner] => {
                let name = name_of(&self.options, *winner);
                text!(en: "{name} has the highest score.", fr: "{name} obtient la meilleure note.")
            }
            tied => {
                let names = names_of(&self.options, tied);
                text!(en: "{names} have the same score: they tie.", fr: "{names} ont la même note : égalité.")
            }
        });
        Verdict {
            ranking,
            winners,
            adopted: None,
            status: None,
            details: json!({ "min": min, "max": max, "aggregate": aggregate, "options": options }),
            explanation,
        }
    }
}

/// A sum as a JSON number, or as a string in the rare case it does not fit one.
fn number(sum: i128) -> Value {
    i64::try_from(sum).map_or_else(|_| Value::String(sum.to_string()), Value::from)
}

/// The mean score, rounded to two decimals for people to read.
fn mean(sum: i128, ballots: u64) -> f64 {
    if ballots == 0 {
        0.0
    } else {
        (sum as f64 * 100.0 / ballots as f64).round() / 100.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn options(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("Option {i}")).collect()
    }

    fn count(n_options: usize, settings: Value, ballots: &[Vec<i64>]) -> Verdict {
        let mut score = Score::new(&options(n_options), settings, None).unwrap();
        for b in ballots {
            let ballot = Ballot { scores: b.clone() };
            score.check(&ballot).unwrap();
            score.count(ballot);
        }
        score.verdict(ballots.len() as u64)
    }

    #[test]
    fn the_highest_total_wins_and_sum_and_mean_are_reported() {
        let v = count(
            3,
            json!({}),
            &[vec![10, 5, 0], vec![2, 6, 0], vec![0, 6, 1]],
        );
        assert_eq!(v.ranking, vec![vec![1], vec![0], vec![2]]);
        assert_eq!(v.winners, vec![1]);
        assert_eq!(v.details["options"][1]["sum"], 17);
        assert_eq!(
            v.details["options"][1]["mean"], 5.67,
            "the mean has two decimals"
        );
        assert_eq!(v.details["options"][2]["mean"], 0.33);
    }

    #[test]
    fn the_mean_aggregate_changes_the_words_not_the_ranking() {
        let ballots = [vec![3, 1], vec![1, 2]];
        let (by_sum, by_mean) = (
            count(2, json!({}), &ballots),
            count(2, json!({ "aggregate": "mean" }), &ballots),
        );
        assert_eq!(by_sum.ranking, by_mean.ranking);
        assert!(by_mean.explanation[1].en.contains("mean 2 (total 4)"));
        assert!(by_sum.explanation[1].fr.contains("total 4 (moyenne 2)"));
    }

    #[test]
    fn equal_totals_tie() {
        let v = count(3, json!({}), &[vec![4, 0, 2], vec![0, 4, 2]]);
        assert_eq!(v.ranking, vec![vec![0, 1, 2]]);
        assert_eq!(v.winners, vec![0, 1, 2]);
    }

    #[test]
    fn a_scale_may_go_below_zero() {
        let v = count(
            2,
            json!({ "min": -2, "max": 2 }),
            &[vec![-2, 1], vec![-1, -2]],
        );
        assert_eq!(v.ranking, vec![vec![1], vec![0]]);
        assert_eq!(v.details["options"][0]["sum"], -3);
    }

    #[test]
    fn scores_outside_the_scale_or_missing_are_refused() {
        let score = Score::new(&options(2), json!({}), None).unwrap();
        assert!(
            score
                .check(&Ballot {
                    scores: vec![11, 0]
                })
                .is_err()
        );
        assert!(
            score
                .check(&Ballot {
                    scores: vec![-1, 0]
                })
                .is_err()
        );
        assert!(score.check(&Ballot { scores: vec![3] }).is_err());
        assert!(
            score
                .check(&Ballot {
                    scores: vec![3, 4, 5]
                })
                .is_err()
        );
        assert!(
            score
                .check(&Ballot {
                    scores: vec![10, 0]
                })
                .is_ok()
        );
    }

    #[test]
    fn bad_settings_are_refused() {
        assert!(Score::new(&options(2), json!({ "min": 5, "max": 5 }), None).is_err());
        assert!(Score::new(&options(2), json!({ "min": 6, "max": 5 }), None).is_err());
        assert!(Score::new(&options(2), json!({ "aggregate": "median" }), None).is_err());
        assert!(Score::new(&options(2), json!({ "maximum": 5 }), None).is_err());
        assert!(Score::new(&[], json!({}), None).is_err());
    }

    #[test]
    fn extreme_scores_do_not_overflow() {
        let v = count(
            2,
            json!({ "min": i64::MIN, "max": i64::MAX }),
            &[vec![i64::MAX, i64::MIN], vec![i64::MAX, i64::MIN]],
        );
        assert_eq!(v.ranking, vec![vec![0], vec![1]]);
        assert_eq!(v.details["options"][0]["sum"], "18446744073709551614");
    }

    #[test]
    fn without_ballots_nothing_is_chosen() {
        let v = count(2, json!({}), &[]);
        assert!(v.winners.is_empty());
        assert_eq!(v.details["options"][0]["mean"], 0.0);
    }

    proptest! {
        #[test]
        fn the_result_does_not_depend_on_ballot_order(ballots in proptest::collection::vec(proptest::collection::vec(0i64..=10, 3), 0..30)) {
            let mut reversed = ballots.clone();
            reversed.reverse();
            prop_assert_eq!(count(3, json!({}), &ballots), count(3, json!({}), &reversed));
        }
    }
}
