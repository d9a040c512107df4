//! Meeting-time poll: the options are time slots, and every voter says for
//! each slot whether they can come — `yes`, `maybe` or `no`.
//!
//! The best slot is the one the most people can surely attend (most `yes`);
//! among slots with as many `yes`, the one with the most `maybe`. Slots equal
//! on both tie: the poll does not choose for the organisers.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{
    Method, Refusal, Verdict, check_length, name_of, names_of, need_options, rank_by,
    read_settings, winners_of,
};
use crate::i18n::Text;
use crate::text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    Yes,
    Maybe,
    No,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ballot {
    /// One answer per slot, in the order of the slots.
    pub availability: Vec<Availability>,
}

/// A meeting-time poll has no settings of its own.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {}

/// Answers for one slot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Answers {
    // Field order is the ranking order: yes first, then maybe.
    yes: u64,
    maybe: u64,
    no: u64,
}

pub struct MeetingTime {
    slots: Vec<String>,
    answers: Vec<Answers>,
}

impl Method for MeetingTime {
    const NAME: &'static str = "meeting_time";
    type Ballot = Ballot;

    fn new(options: &[String], settings: Value, _electorate: Option<u64>) -> Result<Self, Text> {
        need_options(Self::NAME, options, 2)?;
        let _: Settings = read_settings(Self::NAME, settings)?;
        Ok(MeetingTime {
            slots: options.to_vec(),
            answers: vec![Answers::default(); options.len()],
        })
    }

    fn check(&self, ballot: &Ballot) -> Result<(), Refusal> {
        check_length(ballot.availability.len(), self.slots.len())
    }

    fn count(&mut self, ballot: Ballot) {
        for (answers, availability) in self.answers.iter_mut().zip(ballot.availability) {
            match availability {
                Availability::Yes => answers.yes += 1,
                Availability::Maybe => answers.maybe += 1,
                Availability::No => answers.no += 1,
            }
        }
    }

    fn verdict(&self, ballots: u64) -> Verdict {
        // `no` is implied by yes and maybe (every ballot answers every slot),
        // so ranking on the whole triple orders exactly by yes, then maybe.
        let ranking = rank_by(&self.answers);
        let winners = winners_of(&ranking, ballots);
        let slots: Vec<Value> = self
            .answers
            .iter()
            .enumerate()
            .map(|(i, a)| json!({ "option": i, "yes": a.yes, "maybe": a.maybe, "no": a.no }))
            .collect();
        let mut explanation = Vec::new();
        for (rank, group) in ranking.iter().enumerate() {
            for &i in group {
                let (rank, name, Answers { yes, maybe, no }) =
                    (rank + 1, name_of(&self.slots, i), self.answers[i]);
                explanation.push(text!(
                    en: "{rank}. {name}: {yes} yes, {maybe} maybe, {no} no.",
                    fr: "{rank}. {name} : {yes} oui, {maybe} peut-être, {no} non."
                ));
            }
        }
        explanation.push(match winners.as_slice() {
            [] => text!(en: "Nobody answered: no slot is chosen.", fr: "Personne n'a répondu : aucun créneau n'est choisi."),
            [best] => {
                let (name, yes) = (name_of(&self.slots, *best), self.answers[*best].yes);
                let runner_up = ranking.get(1).and_then(|g| g.first()).map(|&i| self.answers[i].yes);
                if runner_up == Some(yes) {
                    text!(
                        en: "The best slot is {name}: as many yes as the next, but more maybe.",
                        fr: "Le meilleur créneau est {name} : autant de oui que le suivant, mais plus de peut-être."
                    )
                } else {
                    text!(
                        en: "The best slot is {name}: {yes} people can surely come.",
                        fr: "Le meilleur créneau est {name} : {yes} personnes peuvent venir à coup sûr."
                    )
                }
            }
            tied => {
                let names = names_of(&self.slots, tied);
                text!(
                    en: "{names} have as many yes and as many maybe: they tie, and the organisers choose.",
                    fr: "{names} ont autant de oui et autant de peut-être : égalité, les organisateurs choisissent."
                )
            }
        });
        Verdict {
            ranking,
            winners,
            adopted: None,
            status: None,
            details: json!({ "options": slots }),
            explanation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Availability::{Maybe, No, Yes};
    use proptest::prelude::*;

    fn slots(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("Slot {i}")).collect()
    }

    fn count(n_slots: usize, ballots: &[Vec<Availability>]) -> Verdict {
        let mut poll = MeetingTime::new(&slots(n_slots), json!({}), None).unwrap();
        for b in ballots {
            let ballot = Ballot {
                availability: b.clone(),
            };
            poll.check(&ballot).unwrap();
            poll.count(ballot);
        }
        poll.verdict(ballots.len() as u64)
    }

    #[test]
    fn the_slot_with_the_most_yes_wins() {
        let v = count(
            3,
            &[
                vec![Yes, Maybe, No],
                vec![Yes, Yes, No],
                vec![No, Maybe, Maybe],
            ],
        );
        assert_eq!(v.ranking, vec![vec![0], vec![1], vec![2]]);
        assert_eq!(v.winners, vec![0]);
        assert_eq!(
            v.details["options"][1],
            json!({ "option": 1, "yes": 1, "maybe": 2, "no": 0 })
        );
    }

    #[test]
    fn maybe_decides_between_slots_with_as_many_yes() {
        let v = count(2, &[vec![Yes, Yes], vec![No, Maybe]]);
        assert_eq!(v.ranking, vec![vec![1], vec![0]]);
        assert!(v.explanation.iter().any(|t| t.en.contains("more maybe")));
    }

    #[test]
    fn slots_equal_on_yes_and_maybe_tie() {
        let v = count(
            3,
            &[
                vec![Yes, Maybe, No],
                vec![Maybe, Yes, No],
                vec![No, No, Maybe],
            ],
        );
        assert_eq!(v.ranking, vec![vec![0, 1], vec![2]]);
        assert_eq!(v.winners, vec![0, 1]);
        assert!(v.explanation.iter().any(|t| t.fr.contains("égalité")));
    }

    #[test]
    fn an_answer_for_every_slot_is_required() {
        let poll = MeetingTime::new(&slots(2), json!({}), None).unwrap();
        assert!(
            poll.check(&Ballot {
                availability: vec![Yes]
            })
            .is_err()
        );
        assert!(
            poll.check(&Ballot {
                availability: vec![Yes, No, Maybe]
            })
            .is_err()
        );
        assert!(
            serde_json::from_value::<Ballot>(json!({ "availability": ["yes", "perhaps"] }))
                .is_err()
        );
    }

    #[test]
    fn a_poll_needs_two_slots_and_no_settings() {
        assert!(MeetingTime::new(&slots(1), json!({}), None).is_err());
        assert!(MeetingTime::new(&slots(2), json!({ "duration": 60 }), None).is_err());
    }

    #[test]
    fn without_answers_no_slot_is_chosen() {
        assert!(count(2, &[]).winners.is_empty());
    }

    fn availability() -> impl Strategy<Value = Availability> {
        prop_oneof![Just(Yes), Just(Maybe), Just(No)]
    }

    proptest! {
        #[test]
        fn the_result_does_not_depend_on_ballot_order(ballots in proptest::collection::vec(proptest::collection::vec(availability(), 3), 0..30)) {
            let mut reversed = ballots.clone();
            reversed.reverse();
            prop_assert_eq!(count(3, &ballots), count(3, &reversed));
        }
    }
}
