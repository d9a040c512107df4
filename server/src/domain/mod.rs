//! The rules of DOMAIN.md as plain functions over plain data: no database, no
//! I/O. Inputs are parsed here into types that cannot hold invalid values.

pub mod account;
pub mod cursor;
pub mod decision;
pub mod forum;
pub mod markdown;
pub mod membership;
pub mod organisation;
pub mod throttle;
pub mod token;
