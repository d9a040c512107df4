//! Opaque cursors for Relay-style pagination.
//!
//! A cursor names the list it belongs to and the sort key of the last row seen,
//! so that a cursor from another list is refused instead of silently misread.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{AppError, AppResult};
use crate::text;

/// Largest page a client may ask for.
pub const MAX_PAGE: u64 = 100;
/// Page size when the client does not say.
pub const DEFAULT_PAGE: u64 = 20;

pub fn encode(list: &str, key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{list}:{key}"))
}

/// The key inside a cursor of `list`, or a `VALIDATION` error on field `after`.
pub fn decode(list: &str, cursor: &str) -> AppResult<String> {
    URL_SAFE_NO_PAD
        .decode(cursor.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|s| {
            s.strip_prefix(list)
                .and_then(|rest| rest.strip_prefix(':'))
                .map(str::to_owned)
        })
        .ok_or_else(invalid)
}

/// The row id inside a cursor of `list`.
pub fn decode_uuid(list: &str, cursor: &str) -> AppResult<uuid::Uuid> {
    uuid::Uuid::parse_str(&decode(list, cursor)?).map_err(|_| invalid())
}

/// The error for a cursor that does not decode.
pub fn invalid() -> AppError {
    AppError::validation(
        "after",
        text!(
            en: "This cursor is not one this list gave out; start again from the first page.",
            fr: "Ce curseur ne vient pas de cette liste ; reprenez depuis la première page."
        ),
    )
}

/// The page size asked for, checked.
pub fn page_size(first: Option<i32>) -> AppResult<u64> {
    match first {
        None => Ok(DEFAULT_PAGE),
        Some(n) if n >= 1 && (n as u64) <= MAX_PAGE => Ok(n as u64),
        Some(_) => Err(AppError::validation(
            "first",
            text!(en: "`first` must be between 1 and {MAX_PAGE}.", fr: "`first` doit être compris entre 1 et {MAX_PAGE}."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_only_in_its_own_list() {
        let c = encode("members", "0192-abc");
        assert_eq!(decode("members", &c).unwrap(), "0192-abc");
        assert!(decode("children", &c).is_err());
        assert!(decode("members", "not base64 !").is_err());
    }

    #[test]
    fn page_sizes_are_bounded() {
        assert_eq!(page_size(None).unwrap(), DEFAULT_PAGE);
        assert!(page_size(Some(0)).is_err());
        assert!(page_size(Some(101)).is_err());
    }
}
