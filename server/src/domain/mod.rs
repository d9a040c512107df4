//! The rules of DOMAIN.md as plain functions over plain data: no database, no
//! I/O. Inputs are parsed here into types that cannot hold invalid values.

pub mod access;
pub mod account;
pub mod agenda;
pub mod ballot_box;
pub mod breakout;
pub mod cursor;
pub mod dates;
pub mod decision;
pub mod designation;
pub mod forum;
pub mod governance;
pub mod markdown;
pub mod media;
pub mod meeting;
pub mod membership;
pub mod minutes;
pub mod organisation;
pub mod proposal;
pub mod record;
pub mod search;
pub mod speaking_queue;
pub mod text;
pub mod throttle;
pub mod token;

/// Defines an enum stored as text: a column of this type reads back only
/// the names given here (any other stored value is an error, never a silent
/// default), and `as_str` gives the stored name (for search documents and
/// filters). One list of names for both.
#[macro_export]
macro_rules! stored_enum {
    (
        $(#[$meta:meta])*
        pub enum $ty:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sea_orm::EnumIter, sea_orm::DeriveActiveEnum)]
        #[sea_orm(rs_type = "String", db_type = "String(sea_orm::sea_query::StringLen::None)")]
        pub enum $ty {
            $( $(#[$vmeta])* #[sea_orm(string_value = $text)] $variant, )*
        }
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text),* }
            }
            /// The value of a name given from outside (a filter, a page's
            /// address): none when it names nothing.
            pub fn parse(name: &str) -> Option<Self> {
                match name { $($text => Some($ty::$variant),)* _ => None }
            }
        }
    };
}

/// The words of `text` in lower-case ASCII (French accents folded), joined by
/// `separator`, at most `max` characters: for handles and permalinks.
pub fn ascii_words(text: &str, separator: char, max: usize) -> String {
    let mut out = String::new();
    for c in text.to_lowercase().chars() {
        let folded = match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => "a",
            'ç' => "c",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'î' | 'ï' | 'í' | 'ì' => "i",
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => "o",
            'û' | 'ü' | 'ú' | 'ù' => "u",
            'ÿ' => "y",
            'ñ' => "n",
            'œ' => "oe",
            'æ' => "ae",
            c if c.is_ascii_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => {
                if !out.is_empty() && !out.ends_with(separator) {
                    out.push(separator);
                }
                continue;
            }
        };
        out.push_str(folded);
    }
    let mut out: String = out.trim_matches(separator).chars().take(max).collect();
    while out.ends_with(separator) {
        out.pop();
    }
    out
}
