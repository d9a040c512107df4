//! Ranked vote counted by the Schulze method (Condorcet), as Markus Schulze
//! defines it in "A new monotonic, clone-independent, reversal symmetric, and
//! Condorcet-consistent single-winner election method" (2011).
//!
//! Every voter ranks options, best first; options left out rank below all
//! ranked ones and tie among themselves. The count keeps only the pairwise
//! matrix `d[i][j]` (how many voters prefer `i` to `j`), never the ballots.
//!
//! The strongest path from `i` to `j` is the chain of pairwise wins whose
//! weakest link (in winning votes) is strongest; `i` beats `j` when its
//! strongest path to `j` is stronger than `j`'s to `i`. Schulze proves this
//! relation transitive, but not every pair is decided. The ranking groups
//! options by how many options beat them, fewest first: every option that no
//! option beats is a winner, an option always ranks below those that beat it,
//! and options in one group never beat one another.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    Method, Refusal, Verdict, check_indices, name_of, names_of, need_options, rank_by,
    read_settings, winners_of,
};
use crate::i18n::Text;
use crate::text;

pub use super::MAX_RANKED_OPTIONS as MAX_OPTIONS;

/// Options from best to worst, each at most once; those left out come last, tied.
pub type Ballot = super::RankedBallot;

/// Schulze has no settings of its own.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {}

pub struct Schulze {
    options: Vec<String>,
    /// `pairwise[i][j]`: voters who prefer `i` to `j`.
    pairwise: Vec<Vec<u64>>,
    /// Scratch space for [`Method::count`]: each option's place on the ballot being counted.
    places: Vec<usize>,
}

impl Method for Schulze {
    const NAME: &'static str = "ranked_schulze";
    type Ballot = Ballot;

    fn new(options: &[String], settings: Value, _electorate: Option<u64>) -> Result<Self, Text> {
        need_options(Self::NAME, options, 2)?;
        let _: Settings = read_settings(Self::NAME, settings)?;
        let n = options.len();
        if n > MAX_OPTIONS {
            return Err(text!(
                en: "{n} options are too many for a Schulze count (at most {MAX_OPTIONS}).",
                fr: "{n} options, c'est trop pour un dépouillement Schulze (au plus {MAX_OPTIONS})."
            ));
        }
        Ok(Schulze {
            options: options.to_vec(),
            pairwise: vec![vec![0; n]; n],
            places: vec![0; n],
        })
    }

    fn check(&self, ballot: &Ballot) -> Result<(), Refusal> {
        check_indices(&ballot.ranking, self.options.len())
    }

    /// O(ranked × options): each ranked option beats every option placed after it.
    fn count(&mut self, ballot: Ballot) {
        let unranked = ballot.ranking.len();
        self.places.fill(unranked);
        for (place, &i) in ballot.ranking.iter().enumerate() {
            if let Some(slot) = self.places.get_mut(i) {
                *slot = place;
            }
        }
        for (place, &i) in ballot.ranking.iter().enumerate() {
            if let Some(row) = self.pairwise.get_mut(i) {
                for (cell, &other) in row.iter_mut().zip(&self.places) {
                    *cell += u64::from(other > place);
                }
            }
        }
    }

    fn verdict(&self, ballots: u64) -> Verdict {
        let d = &self.pairwise;
        let p = strongest_paths(d);
        let n = self.options.len();
        let beats = |i: usize, j: usize| p[i][j] > p[j][i];
        let beaten_by: Vec<Vec<usize>> = (0..n)
            .map(|j| (0..n).filter(|&i| beats(i, j)).collect())
            .collect();
        let ranking = rank_by(
            &beaten_by
                .iter()
                .map(|b| std::cmp::Reverse(b.len()))
                .collect::<Vec<_>>(),
        );
        let winners = winners_of(&ranking, ballots);
        let condorcet = (0..n).find(|&i| (0..n).all(|j| i == j || d[i][j] > d[j][i]));
        let explanation = self.explain(&ranking, &winners, &beaten_by, condorcet, ballots);
        Verdict {
            ranking,
            winners,
            adopted: None,
            status: None,
            details: json!({
                "pairwise": d,
                "strongest_paths": p,
                "beaten_by": beaten_by,
                "condorcet_winner": condorcet,
            }),
            explanation,
        }
    }
}

impl Schulze {
    fn explain(
        &self,
        ranking: &[Vec<usize>],
        winners: &[usize],
        beaten_by: &[Vec<usize>],
        condorcet: Option<usize>,
        ballots: u64,
    ) -> Vec<Text> {
        if ballots == 0 {
            return vec![
                text!(en: "No ballot was counted: nothing is chosen.", fr: "Aucun bulletin n'a été compté : rien n'est choisi."),
            ];
        }
        let mut lines = vec![text!(
            en: "{ballots} ballots were compared pair by pair; an option beats another when its strongest chain of majorities to it is stronger than the reverse.",
            fr: "{ballots} bulletins ont été comparés deux à deux ; une option en bat une autre quand sa plus forte chaîne de majorités vers elle est plus forte que l'inverse."
        )];
        if let Some(c) = condorcet {
            let name = name_of(&self.options, c);
            lines.push(text!(
                en: "{name} beats every other option head to head: it is the Condorcet winner.",
                fr: "{name} bat chacune des autres options en face à face : c'est le vainqueur de Condorcet."
            ));
        }
        for (rank, group) in ranking.iter().enumerate() {
            for &i in group {
                let (rank, name) = (rank + 1, name_of(&self.options, i));
                lines.push(match beaten_by[i].as_slice() {
                    [] => text!(en: "{rank}. {name}: beaten by no option.", fr: "{rank}. {name} : battue par aucune option."),
                    by => {
                        let by = names_of(&self.options, by);
                        text!(en: "{rank}. {name}: beaten by {by}.", fr: "{rank}. {name} : battue par {by}.")
                    }
                });
            }
        }
        lines.push(match winners {
            [winner] => {
                let name = name_of(&self.options, *winner);
                text!(en: "{name} wins.", fr: "{name} l'emporte.")
            }
            tied => {
                let names = names_of(&self.options, tied);
                text!(
                    en: "No option beats {names}, and none of them beats another: they tie.",
                    fr: "Aucune option ne bat {names}, et aucune d'elles n'en bat une autre : égalité."
                )
            }
        });
        lines
    }
}

/// The strength of the strongest path between every two options (Schulze
/// 2011, section 2.3): a widest-path Floyd–Warshall in which a link `i → j`
/// exists, with strength `d[i][j]`, when more voters prefer `i` to `j` than
/// the reverse.
pub fn strongest_paths(d: &[Vec<u64>]) -> Vec<Vec<u64>> {
    let n = d.len();
    let mut p: Vec<Vec<u64>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    if i != j && d[i][j] > d[j][i] {
                        d[i][j]
                    } else {
                        0
                    }
                })
                .collect()
        })
        .collect();
    for k in 0..n {
        for i in (0..n).filter(|&i| i != k) {
            let through = p[i][k];
            if through == 0 {
                continue;
            }
            for j in (0..n).filter(|&j| j != i && j != k) {
                let via = through.min(p[k][j]);
                if via > p[i][j] {
                    p[i][j] = via;
                }
            }
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Options named A, B, C… (up to 26; beyond, by number).
    fn options(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| {
                u8::try_from(i)
                    .ok()
                    .filter(|&i| i < 26)
                    .map_or_else(|| i.to_string(), |i| char::from(b'A' + i).to_string())
            })
            .collect()
    }

    fn count(n_options: usize, ballots: &[Vec<usize>]) -> Verdict {
        let mut schulze = Schulze::new(&options(n_options), json!({}), None).unwrap();
        for b in ballots {
            let ballot = Ballot { ranking: b.clone() };
            schulze.check(&ballot).unwrap();
            schulze.count(ballot);
        }
        schulze.verdict(ballots.len() as u64)
    }

    /// Ballots written as letters, `count × "ACBED"`.
    fn letters(groups: &[(usize, &str)]) -> Vec<Vec<usize>> {
        groups
            .iter()
            .flat_map(|&(count, ranking)| {
                let ranking: Vec<usize> = ranking.bytes().map(|b| usize::from(b - b'A')).collect();
                std::iter::repeat_n(ranking, count)
            })
            .collect()
    }

    #[test]
    fn the_published_example_elects_e() {
        // Schulze (2011), example 1, also on Wikipedia's "Schulze method": 45 voters, 5 candidates.
        let ballots = letters(&[
            (5, "ACBED"),
            (5, "ADECB"),
            (8, "BEDAC"),
            (3, "CABED"),
            (7, "CAEBD"),
            (2, "CBADE"),
            (7, "DCEBA"),
            (8, "EBADC"),
        ]);
        let v = count(5, &ballots);
        let (a, b, c, d, e) = (0, 1, 2, 3, 4);
        assert_eq!(v.winners, vec![e]);
        assert_eq!(v.ranking, vec![vec![e], vec![a], vec![c], vec![b], vec![d]]);
        assert_eq!(v.details["pairwise"][a], json!([0, 20, 26, 30, 22]));
        assert_eq!(v.details["strongest_paths"][e], json!([25, 28, 28, 31, 0]));
        assert_eq!(
            v.details["condorcet_winner"],
            Value::Null,
            "there is a cycle"
        );
    }

    #[test]
    fn options_left_out_rank_below_the_ranked_ones_and_tie_among_themselves() {
        let v = count(3, &[vec![2]]);
        assert_eq!(
            v.details["pairwise"],
            json!([[0, 0, 0], [0, 0, 0], [1, 1, 0]])
        );
        assert_eq!(v.ranking, vec![vec![2], vec![0, 1]]);
    }

    #[test]
    fn a_perfect_cycle_is_a_tie() {
        let v = count(3, &[vec![0, 1, 2], vec![1, 2, 0], vec![2, 0, 1]]);
        assert_eq!(v.ranking, vec![vec![0, 1, 2]]);
        assert_eq!(v.winners, vec![0, 1, 2]);
        assert!(v.explanation.iter().any(|t| t.en.contains("they tie")));
    }

    #[test]
    fn every_unbeaten_option_is_a_winner() {
        // 0 beats 2 (1 to 0); 1 ties 0 and 2 head to head (1 to 1): 1 beats
        // fewer options than 0, yet nothing beats it, so it wins with 0.
        let v = count(3, &[vec![0, 2], vec![1]]);
        assert_eq!(v.ranking, vec![vec![0, 1], vec![2]]);
        assert_eq!(v.winners, vec![0, 1]);
    }

    #[test]
    fn ten_thousand_ballots_over_twenty_options_are_counted() {
        // Half the voters put 0 first, half 1; every fifth ballot ranks only
        // three options. Everyone agrees on the order of 2, 3, … 19.
        let ballots: Vec<Vec<usize>> = (0..10_000usize)
            .map(|k| {
                let mut ranking: Vec<usize> = (0..20).collect();
                if k % 2 == 1 {
                    ranking.swap(0, 1);
                }
                if k % 5 == 0 {
                    ranking.truncate(3);
                }
                ranking
            })
            .collect();
        let v = count(20, &ballots);
        let mut expected = vec![vec![0, 1]];
        expected.extend((2..20).map(|i| vec![i]));
        assert_eq!(v.ranking, expected);
        assert_eq!(v.winners, vec![0, 1]);
        assert_eq!(v.details["pairwise"][0][1], 5_000);
        assert_eq!(
            v.details["pairwise"][2][3], 10_000,
            "3 is left out of the short ballots, below 2"
        );
        assert_eq!(
            v.details["pairwise"][3][4], 8_000,
            "the short ballots leave 3 and 4 tied"
        );
    }

    #[test]
    fn without_ballots_nothing_is_chosen() {
        let v = count(3, &[]);
        assert!(v.winners.is_empty());
        assert_eq!(v.ranking, vec![vec![0, 1, 2]]);
    }

    #[test]
    fn bad_rankings_and_bad_settings_are_refused() {
        let schulze = Schulze::new(&options(3), json!({}), None).unwrap();
        assert!(
            schulze
                .check(&Ballot {
                    ranking: vec![0, 0]
                })
                .is_err()
        );
        assert!(schulze.check(&Ballot { ranking: vec![3] }).is_err());
        assert!(
            schulze.check(&Ballot { ranking: vec![] }).is_ok(),
            "a blank ballot prefers nothing"
        );
        assert!(Schulze::new(&options(1), json!({}), None).is_err());
        assert!(Schulze::new(&options(3), json!({ "margins": true }), None).is_err());
        assert!(Schulze::new(&options(MAX_OPTIONS + 1), json!({}), None).is_err());
    }

    fn ballot(n: usize) -> impl Strategy<Value = Vec<usize>> {
        (Just((0..n).collect::<Vec<usize>>()).prop_shuffle(), 0..=n).prop_map(
            |(mut ranking, len)| {
                ranking.truncate(len);
                ranking
            },
        )
    }

    proptest! {
        #[test]
        fn a_condorcet_winner_always_wins_schulze(ballots in proptest::collection::vec(ballot(4), 1..25), planted in 0usize..4, extra in 0usize..10) {
            // Planted ballots put one option first, which often makes it a Condorcet winner.
            let mut ballots = ballots;
            ballots.extend(std::iter::repeat_n(vec![planted], extra));
            let v = count(4, &ballots);
            let d = |i: usize, j: usize| v.details["pairwise"][i][j].as_u64().unwrap_or_default();
            if let Some(c) = (0..4).find(|&i| (0..4).all(|j| i == j || d(i, j) > d(j, i))) {
                prop_assert_eq!(&v.winners, &vec![c]);
                prop_assert_eq!(&v.details["condorcet_winner"], &json!(c));
            }
        }

        #[test]
        fn the_result_does_not_depend_on_ballot_order(ballots in proptest::collection::vec(ballot(4), 0..25)) {
            let mut reversed = ballots.clone();
            reversed.reverse();
            prop_assert_eq!(count(4, &ballots), count(4, &reversed));
        }

        #[test]
        fn renaming_the_options_renames_the_result(ballots in proptest::collection::vec(ballot(4), 0..25), names in Just(vec![0usize, 1, 2, 3]).prop_shuffle()) {
            let renamed: Vec<Vec<usize>> = ballots.iter().map(|b| b.iter().map(|&i| names[i]).collect()).collect();
            let mut expected: Vec<Vec<usize>> = count(4, &ballots).ranking.iter().map(|g| g.iter().map(|&i| names[i]).collect()).collect();
            expected.iter_mut().for_each(|g| g.sort_unstable());
            prop_assert_eq!(count(4, &renamed).ranking, expected);
        }

        #[test]
        fn an_option_ranks_below_every_option_that_beats_it(ballots in proptest::collection::vec(ballot(5), 1..25)) {
            let v = count(5, &ballots);
            let rank = |i: usize| v.ranking.iter().position(|g| g.contains(&i));
            let path = |i: usize, j: usize| v.details["strongest_paths"][i][j].as_u64();
            for i in 0..5 {
                for j in 0..5 {
                    if path(i, j) > path(j, i) {
                        prop_assert!(rank(i) < rank(j));
                    }
                }
            }
        }
    }
}
