//! A person's account: the values it is made of, parsed from raw input.

use std::fmt;

use crate::error::{AppError, AppResult};
use crate::text;

/// An email address, trimmed and lower-cased so that one mailbox is one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> AppResult<Email> {
        let value = raw.trim().to_lowercase();
        let valid = value.len() <= 254
            && email_address::EmailAddress::is_valid(&value)
            // A domain without a dot (`me@localhost`) is valid RFC 5322 but never a real invitee.
            && value.rsplit_once('@').is_some_and(|(_, domain)| domain.contains('.'));
        if valid {
            Ok(Email(value))
        } else {
            Err(AppError::validation(
                "email",
                text!(en: "This is not a valid email address.", fr: "Cette adresse e-mail n'est pas valide."),
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Shortest password accepted. Length is what protects a password; we ask for
/// no particular characters (NIST SP 800-63B).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted, so hashing cannot be used to exhaust the server.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// A new password that satisfies the rules. Never printed.
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str, field: &'static str) -> AppResult<Password> {
        let chars = raw.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(AppError::validation(
                field,
                text!(
                    en: "The password must have at least {MIN_PASSWORD_CHARS} characters.",
                    fr: "Le mot de passe doit comporter au moins {MIN_PASSWORD_CHARS} caractères."
                ),
            ));
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(AppError::validation(
                field,
                text!(
                    en: "The password must have at most {MAX_PASSWORD_CHARS} characters.",
                    fr: "Le mot de passe doit comporter au plus {MAX_PASSWORD_CHARS} caractères."
                ),
            ));
        }
        Ok(Password(raw.to_owned()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// A non-empty name of bounded length, trimmed: display names, organisation names.
pub fn parse_name(raw: &str, field: &'static str, max_chars: usize) -> AppResult<String> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(AppError::validation(
            field,
            text!(en: "The name cannot be empty.", fr: "Le nom ne peut pas être vide."),
        ));
    }
    crate::domain::text::check_line(value, field)?;
    if value.chars().count() > max_chars {
        return Err(AppError::validation(
            field,
            text!(
                en: "The name must have at most {max_chars} characters.",
                fr: "Le nom doit comporter au plus {max_chars} caractères."
            ),
        ));
    }
    Ok(value.to_owned())
}

/// An IANA time zone (`Europe/Paris`), the one recurrence and deadlines are computed in.
pub fn parse_timezone(raw: &str) -> AppResult<chrono_tz::Tz> {
    raw.trim().parse::<chrono_tz::Tz>().map_err(|_| {
        let raw = raw.trim().to_owned();
        AppError::validation(
            "timezone",
            text!(
                en: "`{raw}` is not a known time zone; use a name such as Europe/Paris.",
                fr: "« {raw} » n'est pas un fuseau horaire connu ; utilisez un nom comme Europe/Paris."
            ),
        )
    })
}

/// A handle, the name used in @mentions: 2 to 32 lower-case letters, digits,
/// `.`, `_` or `-`, starting with a letter or a digit.
pub fn parse_handle(raw: &str) -> AppResult<String> {
    let handle = raw.trim().trim_start_matches('@').to_lowercase();
    let valid = (2..=32).contains(&handle.len())
        && handle.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        })
        && handle
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && !handle.ends_with('.');
    if valid {
        Ok(handle)
    } else {
        Err(AppError::validation(
            "handle",
            text!(
                en: "A handle has 2 to 32 lower-case letters, digits, dots, hyphens or underscores (e.g. camille.martin).",
                fr: "Un identifiant comporte de 2 à 32 lettres minuscules, chiffres, points, tirets ou soulignés (ex. camille.martin)."
            ),
        ))
    }
}

/// A handle made from a display name: accents folded, words joined by dots.
pub fn handle_from_name(name: &str) -> String {
    let handle = super::ascii_words(name, '.', 24);
    if handle.len() < 2 {
        format!("membre{handle}")
    } else {
        handle
    }
}

crate::stored_enum! {
    /// Self-declared gender, used only by parity rules and speaking priority, and
    /// readable only by the person and their organisations' facilitators and admins.
    #[derive(async_graphql::Enum)]
    pub enum Gender {
        Woman => "woman",
        Man => "man",
        NonBinary => "non_binary",
        /// Another gender the person did not want to pick from the list.
        Other => "other",
        /// The person chose to say nothing; rules treat it as "not declared".
        PreferNotToSay => "prefer_not_to_say",
    }
}

/// Pronouns as the person writes them ("elle", "they/them"); empty means none.
pub fn parse_pronouns(raw: &str) -> AppResult<Option<String>> {
    let value = raw.trim();
    crate::domain::text::check_line(value, "pronouns")?;
    if value.chars().count() > 64 {
        return Err(AppError::validation(
            "pronouns",
            text!(en: "Pronouns must have at most 64 characters.", fr: "Les pronoms doivent comporter au plus 64 caractères."),
        ));
    }
    Ok((!value.is_empty()).then(|| value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Camille@Exemple.FR ").unwrap().as_str(),
            "camille@exemple.fr"
        );
        for bad in [
            "",
            "camille",
            "camille@",
            "@exemple.fr",
            "camille@localhost",
            "a b@exemple.fr",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn passwords_need_twelve_characters_counted_as_characters() {
        assert!(Password::parse("short-pass1", "password").is_err());
        assert!(Password::parse("correct horse", "password").is_ok());
        // Twelve accented characters are twelve characters, not twenty-four bytes.
        assert!(Password::parse("éééééééééééé", "password").is_ok());
        assert!(Password::parse("ééééééééééé", "password").is_err());
    }

    #[test]
    fn names_are_trimmed_and_never_empty() {
        assert_eq!(
            parse_name("  Camille  ", "displayName", 80).unwrap(),
            "Camille"
        );
        assert!(parse_name("   ", "displayName", 80).is_err());
        assert!(parse_name(&"x".repeat(81), "displayName", 80).is_err());
    }

    #[test]
    fn handles_are_made_from_names_and_checked() {
        assert_eq!(handle_from_name("Léa Dubois-Hénin"), "lea.dubois.henin");
        assert_eq!(handle_from_name("  Ø "), "membre");
        assert_eq!(parse_handle("@Camille.Martin").unwrap(), "camille.martin");
        assert!(parse_handle("-camille").is_err());
        assert!(parse_handle("a").is_err());
    }

    #[test]
    fn timezones_are_iana_names() {
        assert!(parse_timezone("Europe/Paris").is_ok());
        assert!(parse_timezone("Mars/Olympus").is_err());
    }
}
