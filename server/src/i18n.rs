//! French and English, side by side.
//!
//! Every sentence a person reads (errors, CLI output, demo data) is written in
//! both languages where it is made, as a [`Text`], and rendered in the reader's
//! [`Locale`] at the edge. Keeping both versions together means a new message
//! can never ship in one language only.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A language Plenum speaks.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, async_graphql::Enum,
)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    Fr,
    En,
}

impl Locale {
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::Fr => "fr",
            Locale::En => "en",
        }
    }

    /// Reads a stored or configured locale code (`fr`, `en`, `fr-FR`, `en_GB`…).
    pub fn parse(code: &str) -> Option<Locale> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "fr" => Some(Locale::Fr),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// The first supported language of an `Accept-Language` header, honouring
    /// its order (q-values are rarely used to reorder, and order is what
    /// browsers send).
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        header
            .split(',')
            .filter_map(|part| part.split(';').next())
            .find_map(Locale::parse)
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One sentence in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub en: Cow<'static, str>,
    pub fr: Cow<'static, str>,
}

impl Text {
    pub fn in_locale(&self, locale: Locale) -> &str {
        match locale {
            Locale::Fr => &self.fr,
            Locale::En => &self.en,
        }
    }
}

/// Builds a [`Text`]: `text!(en: "…{x}…", fr: "…{x}…")`. Static strings are not copied.
#[macro_export]
macro_rules! text {
    (en: $en:literal, fr: $fr:literal $(,)?) => {
        $crate::i18n::Text {
            en: ::std::borrow::Cow::Owned(format!($en)),
            fr: ::std::borrow::Cow::Owned(format!($fr)),
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_takes_the_first_supported_language() {
        assert_eq!(
            Locale::from_accept_language("de-DE,en-GB;q=0.8,fr;q=0.5"),
            Some(Locale::En)
        );
        assert_eq!(Locale::from_accept_language("fr-CA"), Some(Locale::Fr));
        assert_eq!(Locale::from_accept_language("de, it"), None);
    }

    #[test]
    fn text_renders_in_the_asked_locale() {
        let count = 3;
        let t = text!(en: "{count} members", fr: "{count} membres");
        assert_eq!(t.in_locale(Locale::En), "3 members");
        assert_eq!(t.in_locale(Locale::Fr), "3 membres");
    }
}
