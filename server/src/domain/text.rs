//! Text as people type it, refused where it could hide or fake something.
//!
//! Two kinds, after Unicode's advice on identifiers and spoofing (UTS #39,
//! and the "Trojan Source" bidi attacks):
//! - a **line** — a name, a title, a label — holds no control character at
//!   all, nor the invisible ones that reorder or hide what a reader sees:
//!   bidi embeddings, overrides and isolates, zero-width spaces, word
//!   joiners, the byte-order mark, line and paragraph separators. Zero-width
//!   joiners and non-joiners stay: Persian and emoji need them.
//! - a **block** — a Markdown body, minutes, a reason — keeps tabs and line
//!   breaks, and bidi marks for right-to-left languages, but never NUL or
//!   another control character.
//!
//! NUL matters beyond display: PostgreSQL refuses it in text (the request
//! failed with `INTERNAL`) while SQLite stored it.

use crate::error::{AppError, AppResult};
use crate::text;

/// Is `c` refused in a line of text?
pub fn hidden_in_line(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}' | '\u{200E}' | '\u{200F}'      // zero-width space, LRM, RLM
            | '\u{2028}' | '\u{2029}'                 // line and paragraph separators
            | '\u{202A}'..='\u{202E}'                 // bidi embeddings and overrides
            | '\u{2060}'..='\u{2064}'                 // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}'                 // bidi isolates
            | '\u{FEFF}'                              // byte-order mark
            | '\u{FFF9}'..='\u{FFFB}'                 // interlinear annotations
            | '\u{E0000}'..='\u{E007F}') // tags
}

/// Is `c` refused in a block of text?
pub fn hidden_in_block(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Refuses a line holding a control or invisible character.
pub fn check_line(value: &str, field: &'static str) -> AppResult<()> {
    match value.chars().find(|&c| hidden_in_line(c)) {
        None => Ok(()),
        Some(c) => Err(hidden(field, c)),
    }
}

/// Refuses a block holding NUL or a control character other than tabs and
/// line breaks.
pub fn check_block(value: &str, field: &'static str) -> AppResult<()> {
    match value.chars().find(|&c| hidden_in_block(c)) {
        None => Ok(()),
        Some(c) => Err(hidden(field, c)),
    }
}

fn hidden(field: &'static str, c: char) -> AppError {
    let code = format!("U+{:04X}", u32::from(c));
    AppError::validation(
        field,
        text!(
            en: "This text holds an invisible or control character ({code}); remove it.",
            fr: "Ce texte contient un caractère invisible ou de contrôle ({code}) ; retirez-le."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_refuses_controls_and_characters_that_fake_the_display() {
        for bad in [
            "Léa\0",
            "Léa\u{7}",
            "Léa\u{1b}[31m",
            "\u{202E}aeL",
            "Lé\u{200B}a",
            "a\nb",
            "a\tb",
            "\u{2066}x\u{2069}",
            "\u{FEFF}Léa",
        ] {
            let e = check_line(bad, "displayName").unwrap_err();
            assert_eq!(e.field, Some("displayName"), "{bad:?}");
        }
        for good in [
            "Léa Dubois",
            "مریم\u{200C}ی",
            "👩\u{200D}🔬 Sam",
            "Ewa Łukasiewicz",
        ] {
            assert!(check_line(good, "displayName").is_ok(), "{good:?}");
        }
    }

    #[test]
    fn a_block_keeps_line_breaks_and_right_to_left_marks_but_not_nul() {
        assert!(check_block("Un\n\tdeux\r\n\u{200F}שלום", "body").is_ok());
        assert!(check_block("a\0b", "body").is_err());
        assert!(check_block("a\u{1b}b", "body").is_err());
    }

    #[test]
    fn the_message_names_the_character() {
        let e = check_line("a\u{202E}", "title").unwrap_err();
        assert!(
            e.message
                .in_locale(crate::i18n::Locale::En)
                .contains("U+202E")
        );
    }
}
