//! Breakout groups (DOMAIN.md section 3): the plenary splits into groups of
//! at most N (10 by default), balanced in size and, if asked, in gender;
//! each group's rapporteur reports its answers to the same questions, and
//! the plenary pools them to see where every group agrees.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::error::{AppError, AppResult};
use crate::text;

/// The default largest group.
pub const DEFAULT_SIZE: usize = 10;

/// Someone to place in a group: who, and whether the gender balance counts
/// them among women and gender minorities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Participant<T> {
    pub who: T,
    pub prioritised: bool,
}

/// Splits people into as few groups of at most `max` as possible, their
/// sizes differing by one at most, at random (from `seed`); with `balance`,
/// women and gender minorities are dealt out first so that each group has
/// its share of them.
pub fn split<T: Copy>(
    people: &[Participant<T>],
    max: usize,
    balance: bool,
    seed: u64,
) -> Vec<Vec<T>> {
    let max = max.max(1);
    let count = people.len().div_ceil(max).max(1);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut order: Vec<Participant<T>> = people.to_vec();
    order.shuffle(&mut rng);
    if balance {
        // Stable: the shuffle stays within each class.
        order.sort_by_key(|p| !p.prioritised);
    }
    let mut groups: Vec<Vec<T>> = vec![Vec::new(); count];
    for (i, p) in order.into_iter().enumerate() {
        groups[i % count].push(p.who);
    }
    groups.retain(|g| !g.is_empty());
    groups
}

/// Checks groups made by hand: nobody twice, none empty or over `max`.
pub fn check_groups<T: Ord + Copy>(groups: &[Vec<T>], max: usize) -> AppResult<()> {
    let mut seen = std::collections::BTreeSet::new();
    for group in groups {
        if group.is_empty() || group.len() > max {
            return Err(AppError::validation(
                "groups",
                text!(en: "Each group has between 1 and {max} people.", fr: "Chaque groupe compte de 1 à {max} personnes."),
            ));
        }
        if !group.iter().all(|p| seen.insert(*p)) {
            return Err(AppError::validation(
                "groups",
                text!(en: "Someone is in two groups.", fr: "Quelqu'un figure dans deux groupes."),
            ));
        }
    }
    Ok(())
}

/// One answer to a question, as the groups gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pooled {
    pub question: String,
    pub answer: String,
    /// How many groups gave it.
    pub groups: usize,
    /// Every group that reported gave it.
    pub unanimous: bool,
}

/// Pools the groups' answers (one list of answers per question, per group
/// that reported): for each question, each answer with how many groups gave
/// it — the same answer written alike, whatever its case and spacing — the
/// most given first.
pub fn pool(questions: &[String], reports: &[BTreeMap<String, Vec<String>>]) -> Vec<Pooled> {
    let mut pooled = Vec::new();
    for question in questions {
        let mut answers: BTreeMap<String, (String, usize)> = BTreeMap::new();
        for report in reports {
            let mut given: Vec<String> = report
                .get(question)
                .into_iter()
                .flatten()
                .map(|a| a.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|a| !a.is_empty())
                .collect();
            given.sort_by_key(|a| a.to_lowercase());
            given.dedup_by_key(|a| a.to_lowercase());
            for answer in given {
                answers
                    .entry(answer.to_lowercase())
                    .or_insert((answer, 0))
                    .1 += 1;
            }
        }
        let mut found: Vec<Pooled> = answers
            .into_values()
            .map(|(answer, groups)| Pooled {
                question: question.clone(),
                answer,
                groups,
                unanimous: !reports.is_empty() && groups == reports.len(),
            })
            .collect();
        found.sort_by(|a, b| {
            b.groups
                .cmp(&a.groups)
                .then_with(|| a.answer.cmp(&b.answer))
        });
        pooled.extend(found);
    }
    pooled
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people(n: usize, women: usize) -> Vec<Participant<usize>> {
        (0..n)
            .map(|who| Participant {
                who,
                prioritised: who < women,
            })
            .collect()
    }

    #[test]
    fn groups_are_as_few_as_the_size_allows_and_balanced() {
        let split = split(&people(23, 0), 10, false, 7);
        let sizes: Vec<usize> = split.iter().map(Vec::len).collect();
        assert_eq!(sizes, [8, 8, 7]);
        let mut everyone: Vec<usize> = split.concat();
        everyone.sort();
        assert_eq!(everyone, (0..23).collect::<Vec<_>>());
        assert_eq!(super::split(&people(4, 0), 10, false, 1).len(), 1);
    }

    #[test]
    fn with_balance_each_group_has_its_share_of_women() {
        let groups = split(&people(12, 6), 4, true, 3);
        assert_eq!(groups.len(), 3);
        for group in &groups {
            assert_eq!(group.iter().filter(|w| **w < 6).count(), 2, "{groups:?}");
        }
        assert!(check_groups(&groups, 4).is_ok());
        assert!(check_groups(&[vec![1, 2], vec![2]], 4).is_err());
        assert!(check_groups(&[vec![1, 2, 3]], 2).is_err());
    }

    #[test]
    fn pooling_shows_where_every_group_agrees() {
        let question = vec!["Binôme presse".to_owned()];
        let report = |names: &[&str]| {
            BTreeMap::from([(
                "Binôme presse".to_owned(),
                names.iter().map(|n| (*n).to_owned()).collect(),
            )])
        };
        let pooled = pool(
            &question,
            &[
                report(&["Inès Petit", "Lucas Bernard"]),
                report(&["inès  petit", "Hugo Moreau"]),
                report(&["Inès Petit", "Lucas Bernard"]),
            ],
        );
        assert_eq!(pooled[0].answer, "Inès Petit");
        assert_eq!(pooled[0].groups, 3);
        assert!(pooled[0].unanimous);
        assert_eq!(
            (pooled[1].answer.as_str(), pooled[1].groups),
            ("Lucas Bernard", 2)
        );
        assert!(!pooled[1].unanimous);
    }
}
