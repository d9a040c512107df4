//! Minutes [compte rendu] and the decision record [relevé de décisions]
//! (DOMAIN.md section 3): one editor at a time, due by the next day,
//! published once and then changed only by a visible amendment.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::text;

/// How long an editor keeps the lock after their last save.
pub const LOCK: Duration = Duration::minutes(2);

/// The longest minutes: 256 KiB of Markdown.
pub const MAX_BYTES: usize = 256 * 1024;

/// May `editor` write the minutes now? Another person's lock, still
/// running, refuses them (`CONFLICT`, naming when it lapses).
pub fn may_edit(
    holder: Option<Uuid>,
    locked_until: Option<DateTime<Utc>>,
    editor: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    match (holder, locked_until) {
        (Some(h), Some(until)) if h != editor && until > now => {
            let at = until.format("%H:%M:%S UTC");
            Err(AppError::conflict(text!(
                en: "Someone else is writing these minutes (their lock lapses at {at} unless they keep saving). Wait, or ask them to release it.",
                fr: "Quelqu'un d'autre rédige ce compte rendu (son verrou expire à {at} s'il ou elle cesse d'enregistrer). Patientez, ou demandez-lui de le libérer."
            )))
        }
        _ => Ok(()),
    }
}

/// When the minutes of a meeting that ended at `ended_at` are due.
pub fn due(ended_at: DateTime<Utc>, hours: u32) -> DateTime<Utc> {
    ended_at + Duration::hours(i64::from(hours))
}

/// Late: due, and not published.
pub fn overdue(due: Option<DateTime<Utc>>, published: bool, now: DateTime<Utc>) -> bool {
    !published && due.is_some_and(|d| now > d)
}

/// The text of the minutes: at most [`MAX_BYTES`].
pub fn parse(raw: &str) -> AppResult<String> {
    if raw.len() > MAX_BYTES {
        return Err(AppError::validation(
            "text",
            text!(en: "The minutes are too long: 256 KiB at most.", fr: "Le compte rendu est trop long : 256 Kio au plus."),
        ));
    }
    crate::domain::text::check_block(raw, "text")?;
    Ok(raw.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_editor_at_a_time_until_the_lock_lapses() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let now: DateTime<Utc> = "2026-12-03T21:00:00Z".parse().unwrap();
        assert!(may_edit(None, None, a, now).is_ok());
        assert!(may_edit(Some(a), Some(now + LOCK), a, now).is_ok());
        assert!(may_edit(Some(a), Some(now + LOCK), b, now).is_err());
        assert!(may_edit(Some(a), Some(now - LOCK), b, now).is_ok());
        let ended = now;
        assert_eq!(due(ended, 24).to_rfc3339(), "2026-12-04T21:00:00+00:00");
        assert!(overdue(
            Some(due(ended, 24)),
            false,
            now + Duration::hours(25)
        ));
        assert!(!overdue(
            Some(due(ended, 24)),
            true,
            now + Duration::hours(25)
        ));
        assert!(!overdue(None, false, now));
    }
}
