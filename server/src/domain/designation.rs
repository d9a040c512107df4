//! Designations, the elections of people (DOMAIN.md section 4): where a call
//! for candidacies stands, what each stage allows, which decision methods
//! designate and how, and who fills the seats once counted.

use chrono::{DateTime, Utc};

use crate::domain::governance::BodyKind;
use crate::domain::proposal::Status;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::text;

crate::stored_enum! {
    /// How a call ended.
    pub enum Outcome {
        /// The position was filled: mandates were created.
        Designated => "designated",
        /// No suitable candidate: the position stays open for a new call.
        Unfilled => "unfilled",
        /// No consensus: the names debated went up to the parent organisation.
        Reported => "reported",
    }
}

/// Where a call for candidacies stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum CallStatus {
    /// Candidacies are not open yet.
    Upcoming,
    /// Members apply (and put others forward).
    Open,
    /// Candidacies are closed; the body studies them, and may still put
    /// someone forward.
    Study,
    /// A designation is being voted on.
    Voting,
    /// The vote ended without designating: vote again, report upward, or
    /// declare the position unfilled.
    NotDesignated,
    Designated,
    Unfilled,
    Reported,
}

/// A call's stage now, from its dates, its outcome and its latest
/// designation vote.
pub fn call_status(
    now: DateTime<Utc>,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
    outcome: Option<Outcome>,
    vote: Option<Status>,
) -> CallStatus {
    match (outcome, vote) {
        (Some(Outcome::Designated), _) => CallStatus::Designated,
        (Some(Outcome::Unfilled), _) => CallStatus::Unfilled,
        (Some(Outcome::Reported), _) => CallStatus::Reported,
        (None, Some(Status::Closed)) => CallStatus::NotDesignated,
        (None, Some(_)) => CallStatus::Voting,
        (None, None) if now < opens_at => CallStatus::Upcoming,
        (None, None) if now < closes_at => CallStatus::Open,
        (None, None) => CallStatus::Study,
    }
}

impl CallStatus {
    /// Under way: no outcome yet.
    pub fn running(self) -> bool {
        !matches!(
            self,
            CallStatus::Designated | CallStatus::Unfilled | CallStatus::Reported
        )
    }

    /// Is the deliberation still going on (candidates kept out of it)?
    pub fn deliberating(self) -> bool {
        self.running() && self != CallStatus::NotDesignated
    }
}

/// A person applies only while the call is open.
pub fn require_applications(status: CallStatus) -> AppResult<()> {
    match status {
        CallStatus::Open => Ok(()),
        CallStatus::Upcoming => Err(AppError::new(
            ErrorCode::CallClosed,
            text!(en: "Candidacies for this position are not open yet.", fr: "Les candidatures à ce poste ne sont pas encore ouvertes."),
        )),
        _ => Err(AppError::new(
            ErrorCode::CallClosed,
            text!(
                en: "The call for candidacies is closed. Members may still put someone forward while the candidacies are studied.",
                fr: "L'appel à candidatures est clos. Les membres peuvent encore proposer quelqu'un pendant l'étude des candidatures."
            ),
        )),
    }
}

/// Members put someone forward while the call is open or studied, not once
/// the vote has begun.
pub fn require_nominations(status: CallStatus) -> AppResult<()> {
    match status {
        CallStatus::Open | CallStatus::Study => Ok(()),
        _ => Err(AppError::new(
            ErrorCode::CallClosed,
            text!(
                en: "Nobody can be put forward any more: the designation is being voted on or is over.",
                fr: "Plus personne ne peut être proposé : la désignation est au vote ou terminée."
            ),
        )),
    }
}

/// Candidacies change (withdrawn, accepted, declined) until the vote begins:
/// the ballot lists the candidates as they stand then.
pub fn require_changeable(status: CallStatus) -> AppResult<()> {
    match status {
        CallStatus::Upcoming | CallStatus::Open | CallStatus::Study => Ok(()),
        _ => Err(AppError::conflict(text!(
            en: "The candidacies no longer change: the designation is being voted on or is over.",
            fr: "Les candidatures ne changent plus : la désignation est au vote ou terminée."
        ))),
    }
}

crate::stored_enum! {
    /// Where a candidacy stands.
    #[derive(async_graphql::Enum)]
    pub enum CandidacyStatus {
        /// Put forward by someone else, awaiting the person's answer.
        Proposed => "proposed",
        /// A candidate: applied, or accepted being put forward.
        Standing => "standing",
        /// Put forward, and declined.
        Declined => "declined",
        Withdrawn => "withdrawn",
    }
}

/// How a decision method designates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ballot {
    /// A yes/no decision on a slate: the people named (majority, consensus,
    /// consent — e.g. the pair the breakout groups proposed).
    Slate,
    /// The candidates are the options, ranked by the count (majority
    /// judgment, single choice, approval, score, Schulze, instant run-off).
    Candidates,
}

/// How `method` designates, or why it cannot.
pub fn ballot_for(method: &str) -> AppResult<Ballot> {
    match method {
        "majority" | "consensus" | "consent" => Ok(Ballot::Slate),
        "majority_judgment" | "single_choice" | "approval" | "score" | "ranked_schulze"
        | "ranked_irv" => Ok(Ballot::Candidates),
        _ => Err(AppError::validation(
            "method",
            text!(
                en: "A designation is decided by consensus, consent or majority on the people named, or by a method that ranks the candidates (majority judgment, single choice, approval, score, Schulze, instant run-off).",
                fr: "Une désignation se décide par consensus, consentement ou majorité sur les personnes nommées, ou par une méthode qui classe les candidat·es (jugement majoritaire, choix unique, approbation, notes, Schulze, vote alternatif)."
            ),
        )),
    }
}

/// May a body of kind `deciding` designate to a position (of its own body
/// when `same_body`)? The general assembly always; a body sovereign over its
/// own seats (a council, a popular assembly) to those. A secretariat does not
/// appoint itself, and a commission decides nothing.
pub fn may_designate(deciding: BodyKind, same_body: bool) -> bool {
    deciding.is_assembly()
        || (same_body && matches!(deciding, BodyKind::Council | BodyKind::PopularAssembly))
}

/// Who fills `seats` seats from a count's `ranking` (groups of tied
/// candidates, best first): the best-ranked candidate, then the best-ranked
/// partner that `fits` allows (the parity rule). `None` when a tie leaves
/// the choice open, or when no combination fits.
pub fn choose_holders(
    ranking: &[Vec<usize>],
    seats: usize,
    fits: impl Fn(&[usize]) -> bool,
) -> Option<Vec<usize>> {
    let ranked: Vec<(usize, usize)> = ranking
        .iter()
        .enumerate()
        .flat_map(|(rank, group)| group.iter().map(move |c| (rank, *c)))
        .collect();
    let mut best: Option<((usize, usize), Vec<usize>)> = None;
    let mut tied = false;
    let mut consider = |key: (usize, usize), holders: Vec<usize>| {
        if !fits(&holders) {
            return;
        }
        match &best {
            Some((k, _)) if key > *k => {}
            Some((k, _)) if key == *k => tied = true,
            _ => {
                best = Some((key, holders));
                tied = false;
            }
        }
    };
    match seats {
        1 => {
            for (rank, c) in &ranked {
                consider((*rank, 0), vec![*c]);
            }
        }
        2 => {
            for (i, (rank_a, a)) in ranked.iter().enumerate() {
                for (rank_b, b) in &ranked[i + 1..] {
                    consider((*rank_a, *rank_b), vec![*a, *b]);
                }
            }
        }
        _ => return None,
    }
    match best {
        Some((_, holders)) if !tied => Some(holders),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_call_moves_from_candidacies_to_study_to_the_vote() {
        let (opens, closes) = (at("2026-10-01T00:00:00Z"), at("2026-10-15T00:00:00Z"));
        let status = |now: &str, outcome, vote| call_status(at(now), opens, closes, outcome, vote);
        assert_eq!(
            status("2026-09-30T00:00:00Z", None, None),
            CallStatus::Upcoming
        );
        assert_eq!(status("2026-10-02T00:00:00Z", None, None), CallStatus::Open);
        assert_eq!(
            status("2026-10-16T00:00:00Z", None, None),
            CallStatus::Study
        );
        assert_eq!(
            status("2026-10-16T00:00:00Z", None, Some(Status::Open)),
            CallStatus::Voting
        );
        assert_eq!(
            status("2026-10-16T00:00:00Z", None, Some(Status::Closed)),
            CallStatus::NotDesignated
        );
        assert_eq!(
            status(
                "2026-10-16T00:00:00Z",
                Some(Outcome::Designated),
                Some(Status::Closed)
            ),
            CallStatus::Designated
        );
        assert!(require_applications(CallStatus::Open).is_ok());
        let late = require_applications(CallStatus::Study).unwrap_err();
        assert_eq!(late.code, ErrorCode::CallClosed);
        assert!(require_nominations(CallStatus::Study).is_ok());
        assert!(require_nominations(CallStatus::Voting).is_err());
        assert!(require_changeable(CallStatus::Voting).is_err());
        assert!(CallStatus::NotDesignated.running());
        assert!(!CallStatus::NotDesignated.deliberating());
    }

    #[test]
    fn methods_designate_a_slate_or_rank_the_candidates() {
        assert_eq!(ballot_for("consensus").unwrap(), Ballot::Slate);
        assert_eq!(ballot_for("majority_judgment").unwrap(), Ballot::Candidates);
        assert!(ballot_for("meeting_time").is_err());
        assert!(may_designate(BodyKind::GeneralAssembly, false));
        assert!(may_designate(BodyKind::Council, true));
        assert!(!may_designate(BodyKind::Secretariat, true));
        assert!(!may_designate(BodyKind::Council, false));
        assert!(!may_designate(BodyKind::Commission, true));
    }

    #[test]
    fn the_best_ranked_take_the_seats_as_far_as_parity_allows() {
        let any = |_: &[usize]| true;
        assert_eq!(
            choose_holders(&[vec![2], vec![0, 1]], 1, any),
            Some(vec![2])
        );
        // A tie for the only seat leaves the choice open.
        assert_eq!(choose_holders(&[vec![0, 1], vec![2]], 1, any), None);
        assert_eq!(
            choose_holders(&[vec![3], vec![1], vec![0], vec![2]], 2, any),
            Some(vec![3, 1])
        );
        // 3 and 1 are both men: the best partner the rule allows is 0.
        let women = [0, 2];
        let mixed = |h: &[usize]| h.iter().filter(|c| women.contains(c)).count() == 1;
        assert_eq!(
            choose_holders(&[vec![3], vec![1], vec![0], vec![2]], 2, mixed),
            Some(vec![3, 0])
        );
        // Two women tied for the place beside the winner: open.
        assert_eq!(
            choose_holders(&[vec![3], vec![1], vec![0, 2]], 2, mixed),
            None
        );
        // No combination fits.
        assert_eq!(choose_holders(&[vec![1], vec![3]], 2, mixed), None);
    }
}
