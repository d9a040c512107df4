//! An organisation's identity and how people may join it.

use crate::error::{AppError, AppResult};
use crate::text;

/// The short name in an organisation's address: lower-case letters, digits and
/// hyphens, 2 to 64 characters, not starting or ending with a hyphen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str) -> AppResult<Slug> {
        let value = raw.trim();
        let valid = (2..=64).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !value.starts_with('-')
            && !value.ends_with('-');
        if valid {
            Ok(Slug(value.to_owned()))
        } else {
            Err(AppError::validation(
                "slug",
                text!(
                    en: "The short name must have 2 to 64 lower-case letters, digits or hyphens (e.g. assemblee-montreuil).",
                    fr: "Le nom court doit comporter de 2 à 64 lettres minuscules, chiffres ou tirets (ex. assemblee-montreuil)."
                ),
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

crate::stored_enum! {
    /// How people who are not yet members come in.
    #[derive(async_graphql::Enum)]
    pub enum RegistrationMode {
        /// Anyone with an account may join, as a supporter.
        Open => "open",
        /// Anyone may ask; an admin or facilitator accepts or declines.
        Request => "request",
        /// Only people invited by an admin or facilitator.
        Invitation => "invitation",
    }
}

/// How images written in Markdown reach readers. An image loaded from
/// another server tells it who reads the text and when (a tracking pixel):
/// by default it is a link the reader opens by choice; an organisation may
/// instead show it through Plenum's image proxy, so the other server sees
/// only Plenum. Applies to what is written or edited after the change.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    sea_orm::EnumIter,
    sea_orm::DeriveActiveEnum,
    async_graphql::Enum,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(sea_orm::sea_query::StringLen::N(16))"
)]
pub enum RemoteImages {
    /// A link labelled « 🖼 description » (the default).
    #[sea_orm(string_value = "links")]
    Links,
    /// Shown in the text, fetched by Plenum (`/media/image`), never by the reader.
    #[sea_orm(string_value = "proxied")]
    Proxied,
}

/// The theme of an organisation's public pages: the name of a folder under
/// `server.themes_dir` — 1 to 64 lower-case letters, digits, `-` or `_`, so
/// that it never climbs out of that folder.
pub fn parse_theme(raw: &str) -> AppResult<String> {
    let name = raw.trim();
    let plain = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !plain {
        return Err(AppError::validation(
            "theme",
            text!(
                en: "A theme is named like its folder: 1 to 64 lower-case letters, digits, - or _ (e.g. quartier).",
                fr: "Un thème porte le nom de son dossier : 1 à 64 lettres minuscules, chiffres, - ou _ (ex. quartier)."
            ),
        ));
    }
    Ok(name.to_owned())
}

/// Longest description of an organisation, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;

pub fn parse_description(raw: &str) -> AppResult<String> {
    if raw.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(AppError::validation(
            "description",
            text!(
                en: "The description must have at most {MAX_DESCRIPTION_CHARS} characters.",
                fr: "La description doit comporter au plus {MAX_DESCRIPTION_CHARS} caractères."
            ),
        ));
    }
    crate::domain::text::check_block(raw, "description")?;
    Ok(raw.trim().to_owned())
}

/// The answer about an organisation that does not exist (or that the
/// asker may not know of).
pub fn not_found() -> crate::error::AppError {
    crate::error::AppError::not_found(
        crate::text!(en: "No such organisation.", fr: "Cette organisation n'existe pas."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_short_lower_case_words() {
        assert!(Slug::parse("assemblee-montreuil").is_ok());
        assert!(Slug::parse("ag2026").is_ok());
        for bad in [
            "a",
            "Assemblée",
            "-ag",
            "ag-",
            "ag montreuil",
            &"a".repeat(65),
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
