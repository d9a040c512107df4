//! The rules of DOMAIN.md as plain functions over plain data: no database, no
//! I/O. Inputs are parsed here into types that cannot hold invalid values.

pub mod account;
pub mod agenda;
pub mod breakout;
pub mod cursor;
pub mod decision;
pub mod designation;
pub mod forum;
pub mod governance;
pub mod markdown;
pub mod meeting;
pub mod membership;
pub mod minutes;
pub mod organisation;
pub mod proposal;
pub mod speaking_queue;
pub mod throttle;
pub mod token;

/// Gives a plain enum its stored name both ways: `as_str` and `from_db`.
#[macro_export]
macro_rules! db_enum {
    ($ty:ident { $($variant:ident => $text:literal),* $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text),* }
            }
            pub fn from_db(value: &str) -> Option<$ty> {
                match value { $($text => Some($ty::$variant),)* _ => None }
            }
        }
    };
}
