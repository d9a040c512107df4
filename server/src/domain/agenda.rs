//! The agenda [ordre du jour] (DOMAIN.md section 3): built together until its
//! deadline, ordered by the assembly's priorities (or by the preparer), and
//! cut at the planned duration — what does not fit is carried over.

use chrono::{DateTime, Utc};

use crate::error::{AppError, AppResult, ErrorCode};
use crate::text;

crate::stored_enum! {
    /// Where an agenda item stands.
    #[derive(async_graphql::Enum)]
    pub enum ItemStatus {
        /// To be taken up.
        Open => "open",
        /// Dealt with in the meeting.
        Discussed => "discussed",
        /// Taken off by its proposer or the preparer.
        Withdrawn => "withdrawn",
    }
}

/// How an item may enter an agenda now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// Before the deadline: on the agenda at once.
    Open,
    /// After it: an urgent item, on the agenda once a facilitator approves
    /// (at once when a facilitator adds it).
    Urgent { approved: bool },
}

/// Checks an item proposed at `now` against the agenda's `deadline`.
pub fn entry(
    now: DateTime<Utc>,
    deadline: Option<DateTime<Utc>>,
    urgent: bool,
    facilitator: bool,
) -> AppResult<Entry> {
    match deadline {
        Some(deadline) if now >= deadline => {
            if urgent {
                Ok(Entry::Urgent {
                    approved: facilitator,
                })
            } else {
                let at = deadline.format("%Y-%m-%d %H:%M UTC");
                Err(AppError::new(
                    ErrorCode::AgendaFrozen,
                    text!(
                        en: "The agenda closed on {at}. Propose the item as urgent: a facilitator decides whether it goes on.",
                        fr: "L'ordre du jour est clos depuis le {at}. Proposez le point comme urgent : l'animation décide de l'ajouter."
                    ),
                ))
            }
        }
        _ => Ok(Entry::Open),
    }
}

/// An item as the plan sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// The order the preparer set, if any.
    pub rank: Option<i32>,
    /// Higher first.
    pub priority: i32,
    pub proposed_at: DateTime<Utc>,
    pub estimate_minutes: i32,
}

/// The agenda's order, as indices into `slots`: the preparer's ranks first,
/// then by priority (higher first), then oldest first.
pub fn order(slots: &[Slot]) -> Vec<usize> {
    let mut indices: Vec<usize> = (0..slots.len()).collect();
    indices.sort_by_key(|i| {
        let s = &slots[*i];
        (
            s.rank.is_none(),
            s.rank,
            std::cmp::Reverse(s.priority),
            s.proposed_at,
        )
    });
    indices
}

/// An item's place in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planned {
    pub index: usize,
    /// Minutes from the start of the meeting.
    pub starts_after: i32,
    /// Within the planned duration; otherwise carried over to the next meeting.
    pub fits: bool,
}

/// Plans the agenda in its order: each item starts when the previous ends;
/// once the cumulative estimate exceeds the planned duration, the item and
/// those after it are carried over.
pub fn plan(slots: &[Slot], duration_minutes: i32) -> Vec<Planned> {
    let mut elapsed = 0;
    let mut overflowed = false;
    order(slots)
        .into_iter()
        .map(|index| {
            let starts_after = elapsed;
            elapsed += slots[index].estimate_minutes.max(0);
            overflowed |= elapsed > duration_minutes;
            Planned {
                index,
                starts_after,
                fits: !overflowed,
            }
        })
        .collect()
}

/// An estimate of an item's duration: 1 minute to 8 hours.
pub fn parse_estimate(minutes: i32) -> AppResult<i32> {
    if (1..=480).contains(&minutes) {
        Ok(minutes)
    } else {
        Err(AppError::validation(
            "estimateMinutes",
            text!(en: "Estimate an item's duration between 1 minute and 8 hours.", fr: "Estimez la durée d'un point entre 1 minute et 8 heures."),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: u32) -> DateTime<Utc> {
        format!("2026-12-01T10:{minute:02}:00Z").parse().unwrap()
    }

    fn slot(priority: i32, minute: u32, estimate: i32) -> Slot {
        Slot {
            rank: None,
            priority,
            proposed_at: at(minute),
            estimate_minutes: estimate,
        }
    }

    #[test]
    fn items_follow_the_priorities_and_what_does_not_fit_is_carried_over() {
        let slots = [
            slot(1, 0, 30), // 0: low priority
            slot(5, 1, 60), // 1: high
            slot(5, 2, 45), // 2: high, proposed later
            slot(3, 3, 10), // 3
        ];
        let planned = plan(&slots, 120);
        let indices: Vec<usize> = planned.iter().map(|p| p.index).collect();
        assert_eq!(indices, [1, 2, 3, 0]);
        let fits: Vec<bool> = planned.iter().map(|p| p.fits).collect();
        // 60 + 45 + 10 = 115 fits; + 30 = 145 does not.
        assert_eq!(fits, [true, true, true, false]);
        assert_eq!(planned[2].starts_after, 105);
        // The preparer's order comes first.
        let mut ranked = slots;
        ranked[0].rank = Some(1);
        assert_eq!(order(&ranked)[0], 0);
    }

    #[test]
    fn after_the_deadline_only_urgent_items_enter() {
        let deadline = Some(at(30));
        assert_eq!(entry(at(10), deadline, false, false).unwrap(), Entry::Open);
        let late = entry(at(40), deadline, false, true).unwrap_err();
        assert_eq!(late.code, ErrorCode::AgendaFrozen);
        assert_eq!(
            entry(at(40), deadline, true, false).unwrap(),
            Entry::Urgent { approved: false }
        );
        assert_eq!(
            entry(at(40), deadline, true, true).unwrap(),
            Entry::Urgent { approved: true }
        );
        assert_eq!(entry(at(40), None, false, false).unwrap(), Entry::Open);
        assert!(parse_estimate(0).is_err());
    }
}
