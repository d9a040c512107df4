//! Ranked vote counted by instant run-off [vote alternatif]: every voter
//! ranks options, best first, as many as they like.
//!
//! Each round counts every ballot for its highest-ranked option still in the
//! race; a ballot whose ranked options have all been eliminated is
//! *exhausted* and counts no more. An option with more than half of the
//! ballots still in play wins. Otherwise the option with the fewest votes is
//! eliminated, and the next round begins.
//!
//! **Tie rule at elimination** (never the order of the options):
//! 1. the option with the fewest votes this round is eliminated;
//! 2. when several tie for the fewest, the one among them with the fewest
//!    votes in the previous round, then the round before, and so on back to
//!    round 1 (at each round only the lowest of those still tied stay tied);
//! 3. options still tied after round 1 are eliminated together — unless they
//!    are all the options left, which then tie for the win.
//!
//! Unlike the other methods, the result depends on whole rankings, so the
//! count keeps them — once per distinct ranking, with how many ballots gave it:
//! 400,000 ballots over 10 options make at most a few hundred thousand
//! entries, and usually far fewer.

use std::collections::HashMap;

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

/// Instant run-off has no settings of its own.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {}

pub struct InstantRunoff {
    options: Vec<String>,
    /// How many ballots gave each distinct ranking.
    rankings: HashMap<Vec<u16>, u64>,
    /// Scratch space for [`Method::count`], so that a ranking already seen costs no allocation.
    key: Vec<u16>,
}

/// Which step of the tie rule decided an elimination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// Rule 1: alone with the fewest votes.
    FewestVotes,
    /// Rule 2: tied, then fewest alone in this earlier round (numbered from 1).
    EarlierRound(usize),
    /// Rule 3: tied in every round back to round 1.
    TiedThroughout,
}

/// How a round ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum End {
    Majority(usize),
    Eliminated {
        tied: Vec<usize>,
        eliminated: Vec<usize>,
        rule: Rule,
    },
    /// Every option left ties, this round and every earlier one.
    TieForTheWin(Vec<usize>),
}

struct Round {
    /// Votes per option; only those of `continuing` options mean anything.
    tallies: Vec<u64>,
    continuing: Vec<usize>,
    exhausted: u64,
    end: End,
}

impl Method for InstantRunoff {
    const NAME: &'static str = "ranked_irv";
    type Ballot = Ballot;

    fn new(options: &[String], settings: Value, _electorate: Option<u64>) -> Result<Self, Text> {
        need_options(Self::NAME, options, 2)?;
        let _: Settings = read_settings(Self::NAME, settings)?;
        let n = options.len();
        if n > MAX_OPTIONS {
            return Err(text!(
                en: "{n} options are too many for an instant run-off (at most {MAX_OPTIONS}).",
                fr: "{n} options, c'est trop pour un vote alternatif (au plus {MAX_OPTIONS})."
            ));
        }
        Ok(InstantRunoff {
            options: options.to_vec(),
            rankings: HashMap::new(),
            key: Vec::new(),
        })
    }

    fn check(&self, ballot: &Ballot) -> Result<(), Refusal> {
        check_indices(&ballot.ranking, self.options.len())
    }

    fn count(&mut self, ballot: Ballot) {
        self.key.clear();
        self.key
            .extend(ballot.ranking.iter().filter_map(|&i| u16::try_from(i).ok()));
        match self.rankings.get_mut(self.key.as_slice()) {
            Some(ballots) => *ballots += 1,
            None => {
                self.rankings.insert(self.key.clone(), 1);
            }
        }
    }

    fn verdict(&self, ballots: u64) -> Verdict {
        if ballots == 0 {
            let ranking = vec![(0..self.options.len()).collect()];
            return Verdict {
                ranking,
                winners: Vec::new(),
                adopted: None,
                status: None,
                details: json!({ "rounds": [], "tie_rule": tie_rule() }),
                explanation: vec![
                    text!(en: "No ballot was counted: nothing is chosen.", fr: "Aucun bulletin n'a été compté : rien n'est choisi."),
                ],
            };
        }
        let rounds = self.rounds();
        let ranking = ranking(&rounds);
        let winners = winners_of(&ranking, ballots);
        let explanation = rounds
            .iter()
            .enumerate()
            .map(|(r, round)| self.explain(r + 1, round))
            .collect();
        let details = json!({
            "rounds": rounds.iter().enumerate().map(|(r, round)| round_details(r + 1, round)).collect::<Vec<_>>(),
            "tie_rule": tie_rule(),
            "distinct_rankings": self.rankings.len(),
        });
        Verdict {
            ranking,
            winners,
            adopted: None,
            status: None,
            details,
            explanation,
        }
    }
}

impl InstantRunoff {
    /// Every round, up to the one that decides.
    fn rounds(&self) -> Vec<Round> {
        let n = self.options.len();
        let mut in_race = vec![true; n];
        let mut rounds: Vec<Round> = Vec::new();
        loop {
            let mut tallies = vec![0u64; n];
            let mut exhausted = 0u64;
            for (ranking, &count) in &self.rankings {
                match ranking
                    .iter()
                    .map(|&i| usize::from(i))
                    .find(|&i| in_race.get(i) == Some(&true))
                {
                    Some(i) => tallies[i] += count,
                    None => exhausted += count,
                }
            }
            let continuing: Vec<usize> = (0..n).filter(|&i| in_race[i]).collect();
            let in_play: u64 = continuing.iter().map(|&i| tallies[i]).sum();
            // More than half, without overflow: v > in_play / 2 ⇔ 2v > in_play.
            let end = match continuing.iter().find(|&&i| tallies[i] > in_play / 2) {
                Some(&winner) => End::Majority(winner),
                None => eliminate(&continuing, &tallies, &rounds),
            };
            if let End::Eliminated { eliminated, .. } = &end {
                for &i in eliminated {
                    in_race[i] = false;
                }
            }
            let decided = !matches!(end, End::Eliminated { .. });
            rounds.push(Round {
                tallies,
                continuing,
                exhausted,
                end,
            });
            if decided {
                return rounds;
            }
        }
    }

    /// One sentence per round, to be read aloud.
    fn explain(&self, r: usize, round: &Round) -> Text {
        let mut order = round.continuing.clone();
        order.sort_by(|&a, &b| round.tallies[b].cmp(&round.tallies[a]).then(a.cmp(&b)));
        let tallies = order
            .iter()
            .map(|&i| format!("{} {}", name_of(&self.options, i), round.tallies[i]))
            .collect::<Vec<_>>()
            .join(", ");
        let exhausted = round.exhausted;
        let (exhausted_en, exhausted_fr) = match exhausted {
            0 => (String::new(), String::new()),
            _ => (
                format!(", {exhausted} ballots exhausted"),
                format!(", {exhausted} bulletins épuisés"),
            ),
        };
        let in_play: u64 = round.continuing.iter().map(|&i| round.tallies[i]).sum();
        let outcome = match &round.end {
            End::Majority(winner) => {
                let (name, votes) = (name_of(&self.options, *winner), round.tallies[*winner]);
                text!(
                    en: "{name} has {votes} of the {in_play} ballots in play, more than half, and wins",
                    fr: "{name} a {votes} des {in_play} bulletins en jeu, plus de la moitié, et l'emporte"
                )
            }
            End::TieForTheWin(tied) if tied.len() == 1 => {
                let name = names_of(&self.options, tied);
                text!(en: "{name} is the only option left and wins", fr: "{name} est la seule option restante et l'emporte")
            }
            End::TieForTheWin(tied) => {
                let names = names_of(&self.options, tied);
                text!(
                    en: "no option has more than half of the {in_play} ballots in play, and {names}, all the options left, have as many votes in this round and every earlier one: they tie for the win",
                    fr: "aucune option n'a plus de la moitié des {in_play} bulletins en jeu, et {names}, toutes les options restantes, ont autant de voix à ce tour et à chacun des précédents : elles sont à égalité pour la victoire"
                )
            }
            End::Eliminated {
                tied,
                eliminated,
                rule,
            } => {
                let (tied, names) = (
                    names_of(&self.options, tied),
                    names_of(&self.options, eliminated),
                );
                let fewest = eliminated
                    .first()
                    .map(|&i| round.tallies[i])
                    .unwrap_or_default();
                match rule {
                    Rule::FewestVotes => text!(
                        en: "no option has more than half of the {in_play} ballots in play, so {names}, with the fewest votes, is eliminated",
                        fr: "aucune option n'a plus de la moitié des {in_play} bulletins en jeu, donc {names}, qui a le moins de voix, est éliminée"
                    ),
                    Rule::EarlierRound(k) => text!(
                        en: "no option has more than half of the {in_play} ballots in play, {tied} tie for the fewest votes ({fewest}), and going back round by round, {names} had the fewest in round {k}, so it is eliminated",
                        fr: "aucune option n'a plus de la moitié des {in_play} bulletins en jeu, {tied} sont à égalité avec le moins de voix ({fewest}), et en remontant tour par tour, {names} en avait le moins au tour {k} : elle est éliminée"
                    ),
                    Rule::TiedThroughout => text!(
                        en: "no option has more than half of the {in_play} ballots in play, {tied} tie for the fewest votes ({fewest}), and no earlier round separates {names}, so they are eliminated together",
                        fr: "aucune option n'a plus de la moitié des {in_play} bulletins en jeu, {tied} sont à égalité avec le moins de voix ({fewest}), et aucun tour précédent ne départage {names} : elles sont éliminées ensemble"
                    ),
                }
            }
        };
        let (outcome_en, outcome_fr) = (&outcome.en, &outcome.fr);
        text!(
            en: "Round {r}: {tallies}{exhausted_en}; {outcome_en}.",
            fr: "Tour {r} : {tallies}{exhausted_fr} ; {outcome_fr}."
        )
    }
}

/// Applies the tie rule (see the module comment) to a round without a majority.
fn eliminate(continuing: &[usize], tallies: &[u64], earlier: &[Round]) -> End {
    let fewest = continuing
        .iter()
        .map(|&i| tallies[i])
        .min()
        .unwrap_or_default();
    let tied: Vec<usize> = continuing
        .iter()
        .copied()
        .filter(|&i| tallies[i] == fewest)
        .collect();
    let mut still_tied = tied.clone();
    let mut rule = if tied.len() == 1 {
        Rule::FewestVotes
    } else {
        Rule::TiedThroughout
    };
    for (r, round) in earlier.iter().enumerate().rev() {
        if still_tied.len() == 1 {
            break;
        }
        let low = still_tied
            .iter()
            .map(|&i| round.tallies[i])
            .min()
            .unwrap_or_default();
        still_tied.retain(|&i| round.tallies[i] == low);
        if still_tied.len() == 1 {
            rule = Rule::EarlierRound(r + 1);
        }
    }
    if still_tied.len() == continuing.len() {
        End::TieForTheWin(still_tied)
    } else {
        End::Eliminated {
            tied,
            eliminated: still_tied,
            rule,
        }
    }
}

/// Winners first; then, when a majority ended the count early, the options
/// still in the race, ordered as the tie rule would have ordered them (votes
/// in the last round, then in earlier ones); then the eliminated options, the
/// last eliminated first. Options eliminated together share a group.
fn ranking(rounds: &[Round]) -> Vec<Vec<usize>> {
    let mut ranking = Vec::new();
    let Some(last) = rounds.last() else {
        return ranking;
    };
    match &last.end {
        End::Majority(winner) => {
            ranking.push(vec![*winner]);
            let others: Vec<usize> = last
                .continuing
                .iter()
                .copied()
                .filter(|i| i != winner)
                .collect();
            let keys: Vec<Vec<u64>> = others
                .iter()
                .map(|&i| rounds.iter().rev().map(|round| round.tallies[i]).collect())
                .collect();
            ranking.extend(
                rank_by(&keys)
                    .into_iter()
                    .map(|group| group.into_iter().map(|k| others[k]).collect()),
            );
        }
        End::TieForTheWin(tied) => ranking.push(tied.clone()),
        End::Eliminated { .. } => {}
    }
    for round in rounds.iter().rev() {
        if let End::Eliminated { eliminated, .. } = &round.end {
            ranking.push(eliminated.clone());
        }
    }
    ranking
}

fn round_details(r: usize, round: &Round) -> Value {
    let tallies: Vec<Value> = round
        .continuing
        .iter()
        .map(|&i| json!({ "option": i, "votes": round.tallies[i] }))
        .collect();
    let in_play: u64 = round.continuing.iter().map(|&i| round.tallies[i]).sum();
    let mut details = json!({ "round": r, "tallies": tallies, "exhausted": round.exhausted, "ballots_in_play": in_play });
    let outcome = match &round.end {
        End::Majority(winner) => json!({ "winners": [winner], "decided_by": "majority" }),
        End::TieForTheWin(tied) => json!({ "winners": tied, "decided_by": "tie_for_the_win" }),
        End::Eliminated {
            tied,
            eliminated,
            rule,
        } => {
            let (rule, round) = match rule {
                Rule::FewestVotes => ("fewest_votes", None),
                Rule::EarlierRound(k) => ("earlier_round", Some(*k)),
                Rule::TiedThroughout => ("tied_in_every_round", None),
            };
            json!({ "tied_for_fewest": tied, "eliminated": eliminated, "rule": rule, "decided_by_round": round })
        }
    };
    if let (Some(map), Value::Object(outcome)) = (details.as_object_mut(), outcome) {
        map.extend(outcome);
    }
    details
}

/// The tie rule, stated in the result itself.
fn tie_rule() -> Value {
    let rule = text!(
        en: "At each elimination: the option with the fewest votes; if several tie, the one with the fewest votes in the previous round, then the round before, back to round 1; options still tied are eliminated together, unless they are all the options left, which then tie for the win.",
        fr: "À chaque élimination : l'option qui a le moins de voix ; en cas d'égalité, celle qui en avait le moins au tour précédent, puis au tour d'avant, jusqu'au tour 1 ; les options encore à égalité sont éliminées ensemble, sauf si ce sont toutes les options restantes : elles sont alors à égalité pour la victoire."
    );
    json!({ "en": rule.en, "fr": rule.fr })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn options(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| char::from(b'A' + i as u8).to_string())
            .collect()
    }

    fn count(n_options: usize, ballots: &[Vec<usize>]) -> Verdict {
        let mut irv = InstantRunoff::new(&options(n_options), json!({}), None).unwrap();
        for b in ballots {
            let ballot = Ballot { ranking: b.clone() };
            irv.check(&ballot).unwrap();
            irv.count(ballot);
        }
        irv.verdict(ballots.len() as u64)
    }

    /// `count` copies of one ranking.
    fn times(count: usize, ranking: &[usize]) -> impl Iterator<Item = Vec<usize>> {
        std::iter::repeat_n(ranking.to_vec(), count)
    }

    const A: usize = 0;
    const B: usize = 1;
    const C: usize = 2;
    const D: usize = 3;

    #[test]
    fn transfers_elect_the_option_preferred_once_others_are_eliminated() {
        // A leads on first preferences, but C's voters prefer B.
        let ballots: Vec<Vec<usize>> = times(8, &[A])
            .chain(times(7, &[B, A]))
            .chain(times(4, &[C, B]))
            .collect();
        let v = count(3, &ballots);
        assert_eq!(v.winners, vec![B]);
        assert_eq!(v.ranking, vec![vec![B], vec![A], vec![C]]);
        assert_eq!(v.details["rounds"][0]["eliminated"], json!([C]));
        assert_eq!(v.details["rounds"][0]["rule"], "fewest_votes");
        assert_eq!(
            v.details["rounds"][1]["tallies"],
            json!([{ "option": A, "votes": 8 }, { "option": B, "votes": 11 }])
        );
        assert_eq!(v.explanation.len(), 2, "one sentence per round");
        assert_eq!(
            v.explanation[0].en,
            "Round 1: A 8, B 7, C 4; no option has more than half of the 19 ballots in play, so C, with the fewest votes, is eliminated."
        );
        assert_eq!(
            v.explanation[1].fr,
            "Tour 2 : B 11, A 8 ; B a 11 des 19 bulletins en jeu, plus de la moitié, et l'emporte."
        );
    }

    #[test]
    fn an_elimination_tie_is_broken_by_an_earlier_round() {
        // Round 1: A 10, B 7, C 6, D 3 — D goes, one ballot to B and two to C.
        // Round 2: A 10, B 8, C 8 — B and C tie; in round 1 C had fewer, so C goes.
        let ballots: Vec<Vec<usize>> = times(10, &[A])
            .chain(times(7, &[B]))
            .chain(times(6, &[C, A]))
            .chain(times(1, &[D, B]))
            .chain(times(2, &[D, C, A]))
            .collect();
        let v = count(4, &ballots);
        let round = &v.details["rounds"][1];
        assert_eq!(round["tied_for_fewest"], json!([B, C]));
        assert_eq!(round["eliminated"], json!([C]));
        assert_eq!(round["rule"], "earlier_round");
        assert_eq!(round["decided_by_round"], 1);
        assert_eq!(v.winners, vec![A]);
        assert_eq!(v.ranking, vec![vec![A], vec![B], vec![C], vec![D]]);
        assert!(v.explanation[1].en.contains("had the fewest in round 1"));
    }

    #[test]
    fn options_tied_in_every_round_are_eliminated_together() {
        let ballots: Vec<Vec<usize>> = times(10, &[A])
            .chain(times(3, &[B, D]))
            .chain(times(3, &[C, D]))
            .chain(times(5, &[D]))
            .collect();
        let v = count(4, &ballots);
        assert_eq!(v.details["rounds"][0]["eliminated"], json!([B, C]));
        assert_eq!(v.details["rounds"][0]["rule"], "tied_in_every_round");
        assert_eq!(v.winners, vec![D]);
        assert_eq!(v.ranking, vec![vec![D], vec![A], vec![B, C]]);
    }

    #[test]
    fn when_every_option_left_ties_they_all_win() {
        // C goes first; A and B then tie in round 2 and in round 1.
        let ballots: Vec<Vec<usize>> = times(4, &[A])
            .chain(times(4, &[B]))
            .chain(times(1, &[C]))
            .collect();
        let v = count(3, &ballots);
        assert_eq!(v.winners, vec![A, B]);
        assert_eq!(v.ranking, vec![vec![A, B], vec![C]]);
        assert_eq!(v.details["rounds"][1]["decided_by"], "tie_for_the_win");
        assert_eq!(v.details["rounds"][0]["exhausted"], 0);
        assert_eq!(v.details["rounds"][1]["exhausted"], 1);
        assert!(v.explanation[1].en.contains("they tie for the win"));
    }

    #[test]
    fn exhausted_ballots_no_longer_count_towards_the_majority() {
        // After C goes, its 3 ballots rank nothing else: A's 5 of 9 in play is a majority.
        let ballots: Vec<Vec<usize>> = times(5, &[A])
            .chain(times(4, &[B]))
            .chain(times(3, &[C]))
            .collect();
        let v = count(3, &ballots);
        assert_eq!(v.winners, vec![A]);
        assert_eq!(v.details["rounds"][1]["ballots_in_play"], 9);
        assert!(v.explanation[1].fr.contains("3 bulletins épuisés"));
    }

    #[test]
    fn options_left_when_a_majority_wins_are_ranked_by_their_votes() {
        let ballots: Vec<Vec<usize>> = times(6, &[A])
            .chain(times(2, &[B]))
            .chain(times(2, &[C]))
            .collect();
        let v = count(4, &ballots);
        assert_eq!(v.details["rounds"].as_array().map(Vec::len), Some(1));
        assert_eq!(v.ranking, vec![vec![A], vec![B, C], vec![D]]);
    }

    #[test]
    fn identical_rankings_are_kept_once() {
        let mut irv = InstantRunoff::new(&options(3), json!({}), None).unwrap();
        for ranking in [vec![A, B], vec![A, B], vec![B], vec![A, B]] {
            irv.count(Ballot { ranking });
        }
        assert_eq!(irv.rankings.len(), 2);
        assert_eq!(irv.rankings.get([A as u16, B as u16].as_slice()), Some(&3));
    }

    #[test]
    fn without_ballots_nothing_is_chosen() {
        let v = count(3, &[]);
        assert!(v.winners.is_empty());
        assert_eq!(v.ranking, vec![vec![A, B, C]]);
    }

    #[test]
    fn bad_rankings_and_bad_settings_are_refused() {
        let irv = InstantRunoff::new(&options(3), json!({}), None).unwrap();
        assert!(
            irv.check(&Ballot {
                ranking: vec![A, A]
            })
            .is_err()
        );
        assert!(irv.check(&Ballot { ranking: vec![3] }).is_err());
        assert!(
            irv.check(&Ballot {
                ranking: vec![usize::MAX]
            })
            .is_err()
        );
        assert!(InstantRunoff::new(&options(1), json!({}), None).is_err());
        assert!(InstantRunoff::new(&options(3), json!({ "rounds": 2 }), None).is_err());
        let many: Vec<String> = (0..=MAX_OPTIONS).map(|i| i.to_string()).collect();
        assert!(InstantRunoff::new(&many, json!({}), None).is_err());
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
        fn an_option_with_a_majority_of_first_preferences_wins(ballots in proptest::collection::vec(ballot(4), 0..25), favourite in 0usize..4) {
            let mut ballots = ballots;
            while 2 * ballots.iter().filter(|b| b.first() == Some(&favourite)).count() <= ballots.len() {
                ballots.push(vec![favourite]);
            }
            let v = count(4, &ballots);
            prop_assert_eq!(&v.winners, &vec![favourite]);
            prop_assert_eq!(v.details["rounds"].as_array().map(Vec::len), Some(1));
        }

        #[test]
        fn the_result_does_not_depend_on_ballot_order(ballots in proptest::collection::vec(ballot(4), 0..25)) {
            let mut reversed = ballots.clone();
            reversed.reverse();
            prop_assert_eq!(count(4, &ballots), count(4, &reversed));
        }

        #[test]
        fn renaming_the_options_renames_the_result(ballots in proptest::collection::vec(ballot(4), 1..25), names in Just(vec![0usize, 1, 2, 3]).prop_shuffle()) {
            let renamed: Vec<Vec<usize>> = ballots.iter().map(|b| b.iter().map(|&i| names[i]).collect()).collect();
            let mut expected: Vec<Vec<usize>> = count(4, &ballots).ranking.iter().map(|g| g.iter().map(|&i| names[i]).collect()).collect();
            expected.iter_mut().for_each(|g| g.sort_unstable());
            let mut actual = count(4, &renamed).ranking;
            actual.iter_mut().for_each(|g| g.sort_unstable());
            prop_assert_eq!(actual, expected);
        }

        #[test]
        fn every_option_is_ranked_once(ballots in proptest::collection::vec(ballot(5), 0..25)) {
            let mut ranked: Vec<usize> = count(5, &ballots).ranking.concat();
            ranked.sort_unstable();
            prop_assert_eq!(ranked, vec![0, 1, 2, 3, 4]);
        }
    }
}
