//! The speaking order of a meeting (DOMAIN.md section 3): points of order
//! first; then the **Canadian list** — those who have spoken less in this
//! meeting before those who have spoken more, and, as the meeting chooses,
//! women and gender minorities before men at an equal count — then the time
//! of the request. The moderator may place anyone elsewhere; that placement
//! wins over the list.

use chrono::{DateTime, Utc};

use crate::domain::account::Gender;

crate::stored_enum! {
    /// What a request for the floor is.
    #[derive(async_graphql::Enum)]
    pub enum Kind {
        /// Asking for the floor on the item.
        Request => "request",
        /// A point of order [motion d'ordre]: about the meeting's conduct; goes first.
        PointOfOrder => "point_of_order",
        /// A turn in a round [tour de table]: everyone present in turn.
        Round => "round",
    }
}

crate::stored_enum! {
    /// How the list treats gender, a setting of each meeting.
    #[derive(async_graphql::Enum)]
    pub enum GenderPriority {
        /// Only the count of interventions and the time of request.
        Off => "off",
        /// At an equal count, women and gender minorities first.
        Priority => "priority",
        /// At an equal count, alternate: a woman or gender minority, then a
        /// man, and so on.
        Alternate => "alternate",
    }
}

/// Whether the list gives this person gender priority: women and gender
/// minorities (non-binary, another gender). Nothing declared: no priority.
pub fn prioritised(gender: Option<Gender>) -> bool {
    matches!(
        gender,
        Some(Gender::Woman | Gender::NonBinary | Gender::Other)
    )
}

/// A request waiting for the floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    pub kind: Kind,
    pub requested_at: DateTime<Utc>,
    /// A woman or gender minority (see [`prioritised`]).
    pub prioritised: bool,
    /// Interventions the person has made in this meeting so far.
    pub interventions: u32,
    /// Where the moderator placed the request, from the top of the list
    /// after the points of order.
    pub placed_at: Option<u32>,
}

/// The order of the floor, as indices into `waiting`.
pub fn order(waiting: &[Waiting], policy: GenderPriority) -> Vec<usize> {
    let mut points: Vec<usize> = Vec::new();
    let mut rounds: Vec<usize> = Vec::new();
    let mut listed: Vec<usize> = Vec::new();
    let mut placed: Vec<usize> = Vec::new();
    for (i, w) in waiting.iter().enumerate() {
        match (w.kind, w.placed_at) {
            (Kind::PointOfOrder, _) => points.push(i),
            (_, Some(_)) => placed.push(i),
            (Kind::Round, None) => rounds.push(i),
            (Kind::Request, None) => listed.push(i),
        }
    }
    let by_time = |i: &usize| (waiting[*i].requested_at, *i);
    points.sort_by_key(by_time);
    rounds.sort_by_key(by_time);
    // The Canadian list: fewer interventions first; within a count, the
    // gender policy, then the time of the request.
    listed.sort_by_key(|i| {
        let w = &waiting[*i];
        let gender = policy == GenderPriority::Priority && !w.prioritised;
        (w.interventions, gender, w.requested_at, *i)
    });
    if policy == GenderPriority::Alternate {
        listed = alternate(waiting, listed);
    }
    let mut queue: Vec<usize> = rounds;
    queue.extend(listed);
    placed.sort_by_key(|i| (waiting[*i].placed_at, waiting[*i].requested_at, *i));
    for i in placed {
        let at = waiting[i].placed_at.unwrap_or(0) as usize;
        queue.insert(at.min(queue.len()), i);
    }
    points.extend(queue);
    points
}

/// Within each count of interventions, alternates the prioritised and the
/// others (each in the order of their requests), a prioritised person first.
fn alternate(waiting: &[Waiting], listed: Vec<usize>) -> Vec<usize> {
    let mut result = Vec::with_capacity(listed.len());
    let mut start = 0;
    while start < listed.len() {
        let count = waiting[listed[start]].interventions;
        let end = listed[start..]
            .iter()
            .position(|i| waiting[*i].interventions != count)
            .map_or(listed.len(), |n| start + n);
        let (mut first, mut second): (Vec<usize>, Vec<usize>) = listed[start..end]
            .iter()
            .partition(|i| waiting[**i].prioritised);
        first.reverse();
        second.reverse();
        let mut turn_first = true;
        while !first.is_empty() || !second.is_empty() {
            let next = match (turn_first, first.is_empty(), second.is_empty()) {
                (true, false, _) | (false, _, true) => first.pop(),
                _ => second.pop(),
            };
            result.extend(next);
            turn_first = !turn_first;
        }
        start = end;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: u32) -> DateTime<Utc> {
        format!("2026-12-03T18:30:{second:02}Z").parse().unwrap()
    }

    fn request(second: u32, prioritised: bool, interventions: u32) -> Waiting {
        Waiting {
            kind: Kind::Request,
            requested_at: at(second),
            prioritised,
            interventions,
            placed_at: None,
        }
    }

    #[test]
    fn those_who_spoke_less_go_first_then_women_then_the_earliest() {
        let waiting = [
            request(0, false, 2), // 0: a man who spoke twice
            request(1, false, 0), // 1: a man yet to speak
            request(2, true, 1),  // 2: a woman who spoke once
            request(3, true, 0),  // 3: a woman yet to speak
            request(4, false, 0), // 4: another man yet to speak
        ];
        assert_eq!(order(&waiting, GenderPriority::Priority), [3, 1, 4, 2, 0]);
        assert_eq!(order(&waiting, GenderPriority::Off), [1, 3, 4, 2, 0]);
    }

    #[test]
    fn alternating_takes_a_woman_then_a_man_at_each_count() {
        let waiting = [
            request(0, false, 0),
            request(1, false, 0),
            request(2, true, 0),
            request(3, false, 0),
            request(4, true, 1),
        ];
        assert_eq!(order(&waiting, GenderPriority::Alternate), [2, 0, 1, 3, 4]);
    }

    #[test]
    fn a_point_of_order_goes_first_and_the_moderator_s_placement_wins() {
        let mut waiting = vec![
            request(0, true, 0),
            request(1, false, 0),
            request(2, false, 3),
        ];
        waiting.push(Waiting {
            kind: Kind::PointOfOrder,
            ..request(5, false, 9)
        });
        waiting[2].placed_at = Some(0);
        assert_eq!(order(&waiting, GenderPriority::Priority), [3, 2, 0, 1]);
        assert!(prioritised(Some(Gender::NonBinary)));
        assert!(!prioritised(None));
    }
}
