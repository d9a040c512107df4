//! The dates Plenum accepts: between 1900 and 2200. Nothing an assembly
//! decides happens outside them, and a date such as `9999-12-31` or
//! `0000-01-01` is a typing slip or a probe; years this far out also break
//! time-zone arithmetic and some clients' date types.

use std::ops::RangeInclusive;

use crate::error::AppError;
use crate::text;

/// The years a date or a time may fall in.
pub const YEARS: RangeInclusive<i32> = 1900..=2200;

/// The year an ISO 8601 date or date-time as written (`2026-12-03`,
/// `2026-12-03T18:30:00Z`, `+10000-01-01`) falls in, if it reads as one.
pub fn year_written(text: &str) -> Option<i32> {
    let text = text.trim();
    let (sign, digits) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => (1, text),
    };
    let end = digits.find(|c: char| !c.is_ascii_digit())?;
    digits[..end].parse::<i32>().ok().map(|y| sign * y)
}

/// Refuses a date written outside [`YEARS`] (what does not read as a date
/// is left to the type's own parser, which names the problem).
pub fn check_written(text: &str) -> Result<(), AppError> {
    match year_written(text) {
        Some(year) if !YEARS.contains(&year) => {
            let (first, last) = (YEARS.start(), YEARS.end());
            Err(AppError::new(
                crate::error::ErrorCode::Validation,
                text!(
                    en: "Dates fall between {first} and {last}; {year} is out of range.",
                    fr: "Les dates sont comprises entre {first} et {last} ; {year} est hors limites."
                ),
            ))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_are_read_from_what_was_written() {
        assert_eq!(year_written("2026-12-03"), Some(2026));
        assert_eq!(year_written("2026-12-03T18:30:00+01:00"), Some(2026));
        assert_eq!(year_written("+10000-01-01"), Some(10_000));
        assert_eq!(year_written("-0001-01-01"), Some(-1));
        assert_eq!(year_written("demain"), None);
    }

    #[test]
    fn dates_outside_the_range_are_refused() {
        assert!(check_written("2026-12-03").is_ok());
        assert!(check_written("9999-12-31T00:00:00Z").is_err());
        assert!(check_written("0000-01-01").is_err());
        assert!(check_written("1899-12-31").is_err());
        assert!(check_written("2200-12-31").is_ok());
    }
}
