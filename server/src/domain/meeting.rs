//! Meetings (DOMAIN.md section 3): who sees a meeting, its recurrence read
//! in the organisation's time zone, when its agenda closes, the roles
//! mandated at its start and the attendance sheet.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};

use crate::error::{AppError, AppResult};
use crate::text;

crate::stored_enum! {
    /// Who sees a meeting in the calendar.
    #[derive(async_graphql::Enum)]
    pub enum MeetingVisibility {
        /// Anyone, without logging in (the public calendar feed).
        Public => "public",
        /// The organisation's people.
        Members => "members",
        /// The body's people (its mandated members) and the facilitators.
        Mandated => "mandated",
    }
}

impl MeetingVisibility {
    /// A meeting's records are as visible as the meeting, unless their
    /// publisher says otherwise.
    pub fn of_records(self) -> crate::domain::record::RecordVisibility {
        use crate::domain::record::RecordVisibility;
        match self {
            MeetingVisibility::Public => RecordVisibility::Public,
            MeetingVisibility::Members => RecordVisibility::Members,
            MeetingVisibility::Mandated => RecordVisibility::Body,
        }
    }
}

crate::stored_enum! {
    /// The roles mandated at the start of a meeting.
    #[derive(async_graphql::Enum)]
    pub enum MeetingRole {
        /// Moderates and keeps the speaking order (one or two people).
        Facilitator => "facilitator",
        /// Writes the minutes and the decision record.
        MinuteTaker => "minute_taker",
        /// Prepares the next meeting's agenda.
        AgendaPreparer => "agenda_preparer",
        /// Files the meeting's report.
        Rapporteur => "rapporteur",
    }
}

impl MeetingRole {
    /// How many people may hold it at once: two facilitators (often of
    /// different genders), one of each other role.
    pub fn seats(self) -> usize {
        match self {
            MeetingRole::Facilitator => 2,
            _ => 1,
        }
    }
}

crate::stored_enum! {
    /// A line of the attendance sheet [émargement].
    #[derive(async_graphql::Enum)]
    pub enum Presence {
        InPerson => "in_person",
        Online => "online",
        Excused => "excused",
        Absent => "absent",
    }
}

impl Presence {
    /// Present, in the room or online: counts for quorums, may ask for the floor.
    pub fn present(self) -> bool {
        matches!(self, Presence::InPerson | Presence::Online)
    }
}

/// Where a meeting stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum MeetingStatus {
    /// A window ("between 16 October and 6 November"), its date to be fixed.
    ToBeFixed,
    Scheduled,
    InProgress,
    Ended,
    Cancelled,
}

pub fn status(
    starts_at: Option<DateTime<Utc>>,
    started_at: Option<DateTime<Utc>>,
    ended_at: Option<DateTime<Utc>>,
    cancelled_at: Option<DateTime<Utc>>,
) -> MeetingStatus {
    match (starts_at, started_at, ended_at, cancelled_at) {
        (_, _, _, Some(_)) => MeetingStatus::Cancelled,
        (_, _, Some(_), _) => MeetingStatus::Ended,
        (_, Some(_), _, _) => MeetingStatus::InProgress,
        (None, _, _, _) => MeetingStatus::ToBeFixed,
        (Some(_), _, _, _) => MeetingStatus::Scheduled,
    }
}

/// When a meeting's agenda closes: `days` before its start (4 by default,
/// a setting); none while its date is to be fixed.
pub fn agenda_deadline(starts_at: Option<DateTime<Utc>>, days: i32) -> Option<DateTime<Utc>> {
    starts_at.map(|start| start - Duration::days(i64::from(days)))
}

/// The longest a recurrence runs ahead, in meetings created at once.
pub const MAX_OCCURRENCES: u16 = 52;

/// The starts of a recurring meeting: an RFC 5545 rule (`FREQ=WEEKLY;
/// INTERVAL=2;BYDAY=TH`) from a first local date and time, read in the time
/// zone `timezone` so that 18:30 stays 18:30 across daylight saving; at most
/// `count` of them.
pub fn occurrences(
    rule: &str,
    first: NaiveDateTime,
    timezone: chrono_tz::Tz,
    count: u16,
) -> AppResult<Vec<DateTime<Utc>>> {
    let rule = rule.trim().trim_start_matches("RRULE:");
    let invalid = |detail: String| {
        AppError::validation(
            "rule",
            text!(
                en: "The recurrence rule does not read ({detail}). Write it as in iCalendar, e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=TH or FREQ=MONTHLY;BYDAY=1MO.",
                fr: "La règle de récurrence est illisible ({detail}). Écrivez-la comme dans iCalendar, ex. FREQ=WEEKLY;INTERVAL=2;BYDAY=TH ou FREQ=MONTHLY;BYDAY=1MO."
            ),
        )
    };
    if rule.is_empty() || rule.contains('\n') || rule.contains("DTSTART") {
        return Err(invalid("RRULE".into()));
    }
    // Meetings are at least a day apart: FREQ=SECONDLY once made 52 meetings
    // in 52 seconds.
    let frequency = rule.split(';').find_map(|part| {
        part.trim()
            .to_ascii_uppercase()
            .strip_prefix("FREQ=")
            .map(str::to_owned)
    });
    match frequency.as_deref() {
        Some("DAILY" | "WEEKLY" | "MONTHLY" | "YEARLY") => {}
        Some(other) => {
            let other = other.to_owned();
            return Err(AppError::validation(
                "rule",
                text!(
                    en: "Meetings recur daily, weekly, monthly or yearly, not {other}.",
                    fr: "Les réunions se répètent chaque jour, semaine, mois ou année, pas {other}."
                ),
            ));
        }
        None => return Err(invalid("FREQ".into())),
    }
    if !(1..=MAX_OCCURRENCES).contains(&count) {
        return Err(AppError::validation(
            "count",
            text!(
                en: "A recurrence creates 1 to {MAX_OCCURRENCES} meetings at once.",
                fr: "Une récurrence crée de 1 à {MAX_OCCURRENCES} réunions à la fois."
            ),
        ));
    }
    let text = format!(
        "DTSTART;TZID={}:{}\nRRULE:{rule}",
        timezone.name(),
        first.format("%Y%m%dT%H%M%S")
    );
    let set: rrule::RRuleSet = text
        .parse()
        .map_err(|e: rrule::RRuleError| invalid(e.to_string()))?;
    let found = set.all(count);
    Ok(found
        .dates
        .into_iter()
        .map(|d| d.with_timezone(&Utc))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::*;

    #[test]
    fn a_recurrence_is_daily_at_most_and_creates_one_to_fifty_two_meetings() {
        let first = NaiveDateTime::parse_from_str("2027-01-07 18:30", "%Y-%m-%d %H:%M").unwrap();
        let paris = chrono_tz::Europe::Paris;
        for rule in [
            "FREQ=SECONDLY",
            "FREQ=MINUTELY;COUNT=5",
            "freq=hourly",
            "INTERVAL=2",
        ] {
            assert!(occurrences(rule, first, paris, 4).is_err(), "{rule}");
        }
        assert_eq!(
            occurrences("FREQ=WEEKLY", first, paris, 0)
                .unwrap_err()
                .field,
            Some("count")
        );
        assert!(occurrences("FREQ=WEEKLY", first, paris, 53).is_err());
        assert_eq!(occurrences("FREQ=DAILY", first, paris, 3).unwrap().len(), 3);
    }
    use crate::domain::membership::{EffectiveStanding, Role};

    #[test]
    fn every_other_thursday_at_half_past_six_stays_so_across_daylight_saving() {
        let first = "2026-10-15T18:30:00".parse().unwrap();
        let starts = occurrences(
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
            first,
            chrono_tz::Europe::Paris,
            3,
        )
        .unwrap();
        let utc: Vec<String> = starts.iter().map(|d| d.to_rfc3339()).collect();
        // Summer time (UTC+2) on 15 October, winter time (UTC+1) after 25 October.
        assert_eq!(
            utc,
            [
                "2026-10-15T16:30:00+00:00",
                "2026-10-29T17:30:00+00:00",
                "2026-11-12T17:30:00+00:00"
            ]
        );
        let monthly = occurrences(
            "FREQ=MONTHLY;BYDAY=1MO",
            "2026-12-07T19:00:00".parse().unwrap(),
            chrono_tz::Europe::Paris,
            2,
        )
        .unwrap();
        assert_eq!(monthly[1].to_rfc3339(), "2027-01-04T18:00:00+00:00");
        let bad = occurrences("EVERY THURSDAY", first, chrono_tz::Europe::Paris, 3);
        assert_eq!(bad.unwrap_err().field, Some("rule"));
    }

    #[test]
    fn who_sees_a_meeting_and_when_its_agenda_closes() {
        let member = Some(Reader {
            role: Role::Member,
            standing: EffectiveStanding::GoodStanding,
            in_body: false,
        });
        assert!(can_see_meeting(MeetingVisibility::Public, None, false));
        assert!(!can_see_meeting(MeetingVisibility::Members, None, false));
        assert!(can_see_meeting(MeetingVisibility::Members, member, false));
        assert!(!can_see_meeting(MeetingVisibility::Mandated, member, false));
        assert!(can_see_meeting(MeetingVisibility::Mandated, member, true));
        let start: DateTime<Utc> = "2026-12-10T17:30:00Z".parse().unwrap();
        assert_eq!(
            agenda_deadline(Some(start), 4).unwrap().to_rfc3339(),
            "2026-12-06T17:30:00+00:00"
        );
        assert_eq!(agenda_deadline(None, 4), None);
        assert_eq!(
            status(Some(start), None, None, None),
            MeetingStatus::Scheduled
        );
        assert_eq!(status(None, None, None, None), MeetingStatus::ToBeFixed);
        assert!(Presence::Online.present() && !Presence::Excused.present());
    }
}
