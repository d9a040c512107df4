//! Majority judgment [jugement majoritaire] (Balinski & Laraki, 2007).
//!
//! Every voter grades every option on a common scale, from worst to best
//! (default: the seven French grades from « À rejeter » to « Excellent »). An
//! option's majority grade is the **lower** median of its grades. Options are
//! ranked by their full *majority value*: take the lower median, remove one
//! copy of it, take the lower median again, and so on; two options compare as
//! these sequences compare lexicographically. Only options with identical
//! merit profiles tie.
//!
//! The count keeps, per option, how many voters gave each grade (the merit
//! profile): 400,000 ballots cost the same memory as 4. A missing grade counts
//! as the worst grade, and the result says how many there were.
//!
//! The comparison reads the majority values in runs: with the same number of
//! grades on both sides, the k-th element of the sequence sits at the same
//! sorted position for every option (the lower median, then alternately one
//! step down and one step up — or up first for an even number of grades), so
//! equal stretches of both profiles are skipped whole.

use std::cmp::Ordering;

use serde::Deserialize;
use serde_json::{Value, json};

use super::fraction::{french, percent};
use super::{Method, Refusal, Verdict, check_length, name_of, need_options, read_settings};
use crate::i18n::Text;
use crate::text;

/// The default scale, worst first.
pub const FRENCH_GRADES: [&str; 7] = [
    "À rejeter",
    "Insuffisant",
    "Passable",
    "Assez bien",
    "Bien",
    "Très bien",
    "Excellent",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ballot {
    /// One grade per option, 0 the worst; `null` (or a short list) leaves an option ungraded.
    pub grades: Vec<Option<u32>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Grade names, worst first.
    pub grades: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            grades: FRENCH_GRADES.iter().map(|g| (*g).to_owned()).collect(),
        }
    }
}

pub struct MajorityJudgment {
    options: Vec<String>,
    grades: Vec<String>,
    /// `profiles[option][grade]`: how many voters gave that grade.
    profiles: Vec<Vec<u64>>,
    /// Grades missing per option (already counted as the worst grade).
    missing: Vec<u64>,
}

impl MajorityJudgment {
    /// A count from merit profiles already made (paper ballots counted by hand).
    pub fn from_profiles(
        options: Vec<String>,
        grades: Vec<String>,
        profiles: Vec<Vec<u64>>,
    ) -> Self {
        let missing = vec![0; options.len()];
        MajorityJudgment {
            options,
            grades,
            profiles,
            missing,
        }
    }

    /// The merit profiles, `[option][grade]`.
    pub fn profiles(&self) -> &[Vec<u64>] {
        &self.profiles
    }
}

impl Method for MajorityJudgment {
    const NAME: &'static str = "majority_judgment";
    type Ballot = Ballot;

    fn new(options: &[String], settings: Value, _electorate: Option<u64>) -> Result<Self, Text> {
        need_options(Self::NAME, options, 1)?;
        let settings: Settings = read_settings(Self::NAME, settings)?;
        if settings.grades.len() < 2 {
            return Err(
                text!(en: "A grade scale needs at least 2 grades.", fr: "Une échelle de mentions en demande au moins 2."),
            );
        }
        let grades = settings.grades.len();
        Ok(MajorityJudgment {
            options: options.to_vec(),
            grades: settings.grades,
            profiles: vec![vec![0; grades]; options.len()],
            missing: vec![0; options.len()],
        })
    }

    fn check(&self, ballot: &Ballot) -> Result<(), Refusal> {
        if ballot.grades.len() > self.options.len() {
            check_length(ballot.grades.len(), self.options.len())?;
        }
        let top = self.grades.len() - 1;
        match ballot.grades.iter().flatten().find(|&&g| g as usize > top) {
            Some(g) => Err(Refusal::invalid(text!(
                en: "Grade {g} does not exist: grades go from 0 (worst) to {top} (best).",
                fr: "La mention {g} n'existe pas : les mentions vont de 0 (la pire) à {top} (la meilleure)."
            ))),
            None => Ok(()),
        }
    }

    fn count(&mut self, ballot: Ballot) {
        for (option, profile) in self.profiles.iter_mut().enumerate() {
            match ballot.grades.get(option).copied().flatten() {
                Some(grade) => profile[grade as usize] += 1,
                None => {
                    profile[0] += 1;
                    self.missing[option] += 1;
                }
            }
        }
    }

    fn verdict(&self, ballots: u64) -> Verdict {
        let cumulative: Vec<Vec<u64>> = self.profiles.iter().map(|p| cumulate(p)).collect();
        let mut order: Vec<usize> = (0..self.options.len()).collect();
        order.sort_by(|&a, &b| {
            compare(&cumulative[b], &cumulative[a], ballots)
                .0
                .then(a.cmp(&b))
        });
        let mut ranking: Vec<Vec<usize>> = Vec::new();
        let mut decided = Vec::new();
        for i in order {
            match ranking.last_mut() {
                Some(group) => {
                    let (ordering, step) = compare(&cumulative[group[0]], &cumulative[i], ballots);
                    if ordering == Ordering::Equal {
                        group.push(i);
                    } else {
                        decided.push(json!({ "above": group[0], "below": i, "step": step }));
                        ranking.push(vec![i]);
                    }
                }
                None => ranking.push(vec![i]),
            }
        }
        let winners = super::winners_of(&ranking, ballots);
        let options: Vec<Value> = (0..self.options.len())
            .map(|i| {
                let grade = majority_grade(&cumulative[i], ballots);
                let above: u64 = self.profiles[i].iter().skip(grade + 1).sum();
                let below: u64 = self.profiles[i].iter().take(grade).sum();
                json!({
                    "option": i,
                    "merit_profile": self.profiles[i],
                    "majority_grade": grade,
                    "majority_grade_name": self.grades[grade],
                    "above": above,
                    "below": below,
                    "p_percent": percent(above, ballots),
                    "q_percent": percent(below, ballots),
                    "missing_grades": self.missing[i],
                })
            })
            .collect();
        let explanation = self.explain(&ranking, &options, ballots);
        Verdict {
            ranking,
            winners,
            adopted: None,
            status: None,
            details: json!({ "grades": self.grades, "options": options, "tie_breaks": decided }),
            explanation,
        }
    }
}

impl MajorityJudgment {
    fn explain(&self, ranking: &[Vec<usize>], options: &[Value], ballots: u64) -> Vec<Text> {
        let mut lines = Vec::new();
        for (rank, group) in ranking.iter().enumerate() {
            for &i in group {
                let (name, rank) = (name_of(&self.options, i), rank + 1);
                let o = &options[i];
                let grade = o["majority_grade_name"].as_str().unwrap_or_default();
                let (p, q) = (
                    o["p_percent"].as_f64().unwrap_or_default(),
                    o["q_percent"].as_f64().unwrap_or_default(),
                );
                let (p_fr, q_fr) = (french(p), french(q));
                lines.push(text!(
                    en: "{rank}. {name}: majority grade “{grade}” ({p}% graded it higher, {q}% lower).",
                    fr: "{rank}. {name} : mention majoritaire « {grade} » ({p_fr} % au-dessus, {q_fr} % en dessous)."
                ));
            }
        }
        let missing: u64 = self.missing.iter().sum();
        if missing > 0 {
            let worst = &self.grades[0];
            lines.push(text!(
                en: "{missing} missing grades were counted as “{worst}”.",
                fr: "{missing} mentions manquantes ont été comptées comme « {worst} »."
            ));
        }
        if let Some(first) = ranking.first().filter(|g| g.len() > 1 && ballots > 0) {
            let names = super::names_of(&self.options, first);
            lines.push(text!(
                en: "{names} have identical merit profiles: they tie.",
                fr: "{names} ont des profils de mérite identiques : égalité."
            ));
        }
        lines
    }
}

/// `cumulative[g]`: how many grades are at most `g`.
fn cumulate(profile: &[u64]) -> Vec<u64> {
    profile
        .iter()
        .scan(0u64, |sum, &c| {
            *sum += c;
            Some(*sum)
        })
        .collect()
}

/// The grade at a sorted position (0 = the lowest grade given).
fn grade_at(cumulative: &[u64], position: u64) -> usize {
    cumulative.partition_point(|&c| c <= position)
}

/// The lower median of `n` grades.
pub fn majority_grade(cumulative: &[u64], n: u64) -> usize {
    if n == 0 {
        0
    } else {
        grade_at(cumulative, (n - 1) / 2)
    }
}

/// How many consecutive positions, going down from `position`, hold its grade.
fn run_down(cumulative: &[u64], position: u64) -> (usize, u64) {
    let g = grade_at(cumulative, position);
    let start = if g == 0 { 0 } else { cumulative[g - 1] };
    (g, position - start + 1)
}

/// How many consecutive positions, going up from `position`, hold its grade.
fn run_up(cumulative: &[u64], position: u64) -> (usize, u64) {
    let g = grade_at(cumulative, position);
    (g, cumulative[g] - position)
}

/// Compares two options' majority values (both over `n` grades): `Greater`
/// when `a` ranks above `b`, with the index in the majority-value sequence
/// where they first differ.
pub fn compare(a: &[u64], b: &[u64], n: u64) -> (Ordering, u64) {
    if n == 0 {
        return (Ordering::Equal, 0);
    }
    let median = (n - 1) / 2;
    let (ga, gb) = (grade_at(a, median), grade_at(b, median));
    if ga != gb {
        return (ga.cmp(&gb), 0);
    }
    // Round r holds the positions median - r and median + r; for an odd n the
    // lower one comes first in the sequence, for an even n the upper one.
    let low_first = n % 2 == 1;
    let mut r = 1u64;
    loop {
        let low = median.checked_sub(r);
        let high = Some(median + r).filter(|&h| h < n);
        if low.is_none() && high.is_none() {
            return (Ordering::Equal, n);
        }
        let mut span = u64::MAX;
        let mut sides: [Option<(usize, usize)>; 2] = [None, None];
        if let Some(p) = low {
            let ((la, ra), (lb, rb)) = (run_down(a, p), run_down(b, p));
            span = span.min(ra).min(rb);
            sides[usize::from(!low_first)] = Some((la, lb));
        }
        if let Some(p) = high {
            let ((ha, ra), (hb, rb)) = (run_up(a, p), run_up(b, p));
            span = span.min(ra).min(rb);
            sides[usize::from(low_first)] = Some((ha, hb));
        }
        // Position of this round's first element in the sequence.
        let step = 1 + 2 * (r - 1);
        for (offset, side) in sides.iter().enumerate() {
            if let Some((x, y)) = side
                && x != y
            {
                return (x.cmp(y), step + offset as u64);
            }
        }
        r += span;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn options(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("Option {i}")).collect()
    }

    fn count(n_options: usize, ballots: &[Vec<Option<u32>>]) -> Verdict {
        let mut mj = MajorityJudgment::new(&options(n_options), json!({}), None).unwrap();
        for b in ballots {
            let ballot = Ballot { grades: b.clone() };
            mj.check(&ballot).unwrap();
            mj.count(ballot);
        }
        mj.verdict(ballots.len() as u64)
    }

    /// The definition, written the slow way: sort the grades, remove the lower
    /// median one at a time, compare the sequences.
    fn naive_majority_value(profile: &[u64]) -> Vec<usize> {
        let mut grades: Vec<usize> = profile
            .iter()
            .enumerate()
            .flat_map(|(g, &c)| std::iter::repeat_n(g, c as usize))
            .collect();
        let mut value = Vec::new();
        while !grades.is_empty() {
            let median = (grades.len() - 1) / 2;
            value.push(grades.remove(median));
        }
        value
    }

    #[test]
    fn the_majority_grade_is_the_lower_median() {
        // Grades 1, 2, 4, 5: the lower median is 2.
        let v = count(
            1,
            &[vec![Some(1)], vec![Some(2)], vec![Some(4)], vec![Some(5)]],
        );
        assert_eq!(v.details["options"][0]["majority_grade"], 2);
        assert_eq!(v.details["options"][0]["majority_grade_name"], "Passable");
    }

    #[test]
    fn equal_majority_grades_are_separated_by_the_majority_value() {
        // Five voters grade 0 and five grade 1 (lower median 0) rank below
        // three 0s and seven 1s (median 1), as in the reference Python library.
        let mj = MajorityJudgment::from_profiles(
            options(2),
            vec!["0".into(), "1".into()],
            vec![vec![5, 5], vec![3, 7]],
        );
        assert_eq!(mj.verdict(10).ranking, vec![vec![1], vec![0]]);
        // Same median grade (Bien): A has more grades above it than below; B more below.
        let a = vec![0, 0, 0, 2, 3, 4, 0];
        let b = vec![0, 0, 2, 1, 4, 2, 0];
        let mj =
            MajorityJudgment::from_profiles(options(2), Settings::default().grades, vec![b, a]);
        let v = mj.verdict(9);
        assert_eq!(v.ranking, vec![vec![1], vec![0]]);
        assert_eq!(
            v.details["tie_breaks"][0]["step"], 2,
            "they differ one step above the median"
        );
    }

    #[test]
    fn only_identical_merit_profiles_tie() {
        let mj = MajorityJudgment::from_profiles(
            options(3),
            vec!["a".into(), "b".into(), "c".into()],
            vec![vec![1, 2, 3], vec![1, 2, 3], vec![2, 1, 3]],
        );
        let v = mj.verdict(6);
        assert_eq!(v.ranking, vec![vec![0, 1], vec![2]]);
        assert_eq!(v.winners, vec![0, 1]);
    }

    #[test]
    fn a_missing_grade_counts_as_the_worst_and_is_reported() {
        let v = count(
            2,
            &[vec![Some(6), None], vec![Some(6)], vec![Some(5), Some(6)]],
        );
        assert_eq!(v.details["options"][1]["missing_grades"], 2);
        assert_eq!(v.details["options"][1]["merit_profile"][0], 2);
        assert_eq!(v.ranking, vec![vec![0], vec![1]]);
        assert!(v.explanation.iter().any(|t| t.fr.contains("manquantes")));
    }

    #[test]
    fn grades_outside_the_scale_and_extra_grades_are_refused() {
        let mj = MajorityJudgment::new(&options(2), json!({}), None).unwrap();
        assert!(
            mj.check(&Ballot {
                grades: vec![Some(7), Some(0)]
            })
            .is_err()
        );
        assert!(
            mj.check(&Ballot {
                grades: vec![Some(1), Some(0), Some(0)]
            })
            .is_err()
        );
        assert!(MajorityJudgment::new(&options(2), json!({ "grades": ["seul"] }), None).is_err());
    }

    #[test]
    fn a_unanimous_ballot_file_gives_that_grade_to_every_option() {
        let v = count(3, &vec![vec![Some(4), Some(4), Some(4)]; 11]);
        for i in 0..3 {
            assert_eq!(v.details["options"][i]["majority_grade"], 4);
        }
        assert_eq!(v.ranking, vec![vec![0, 1, 2]]);
    }

    fn profiles(options: usize, grades: usize) -> impl Strategy<Value = (u64, Vec<Vec<u64>>)> {
        (1u64..40).prop_flat_map(move |n| {
            let one = proptest::collection::vec(0u64..=n, grades - 1).prop_map(move |mut cuts| {
                cuts.push(0);
                cuts.push(n);
                cuts.sort_unstable();
                cuts.windows(2).map(|w| w[1] - w[0]).collect::<Vec<u64>>()
            });
            (Just(n), proptest::collection::vec(one, options))
        })
    }

    proptest! {
        #[test]
        fn the_run_comparison_matches_the_definition((n, profiles) in profiles(2, 5)) {
            let fast = compare(&cumulate(&profiles[0]), &cumulate(&profiles[1]), n).0;
            let slow = naive_majority_value(&profiles[0]).cmp(&naive_majority_value(&profiles[1]));
            prop_assert_eq!(fast, slow);
        }

        #[test]
        fn the_ranking_does_not_depend_on_ballot_order(ballots in proptest::collection::vec(proptest::collection::vec(0u32..7, 3), 1..30)) {
            let as_ballots: Vec<Vec<Option<u32>>> = ballots.iter().map(|b| b.iter().map(|&g| Some(g)).collect()).collect();
            let mut reversed = as_ballots.clone();
            reversed.reverse();
            prop_assert_eq!(count(3, &as_ballots).ranking, count(3, &reversed).ranking);
        }

        #[test]
        fn raising_a_grade_never_worsens_an_option(ballots in proptest::collection::vec(proptest::collection::vec(0u32..6, 3), 1..30), voter in 0usize..30, option in 0usize..3) {
            let voter = voter % ballots.len();
            let before: Vec<Vec<Option<u32>>> = ballots.iter().map(|b| b.iter().map(|&g| Some(g)).collect()).collect();
            let mut after = before.clone();
            after[voter][option] = after[voter][option].map(|g| g + 1);
            let rank = |v: &Verdict| v.ranking.iter().position(|group| group.contains(&option)).unwrap();
            // Options strictly above it before the raise must not grow in number.
            let above = |v: &Verdict| v.ranking[..rank(v)].iter().map(Vec::len).sum::<usize>();
            prop_assert!(above(&count(3, &after)) <= above(&count(3, &before)));
        }
    }
}
