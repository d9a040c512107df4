//! Use-cases: each checks who is asking, does its work in one transaction,
//! writes what must follow to the outbox, and publishes live events after commit.

pub mod accounts;
pub mod batch;
pub mod forum;
pub mod governance;
pub mod invitations;
pub mod media;
pub mod meetings;
pub mod memberships;
pub mod organisations;
pub mod outbox;
pub mod page;
pub mod passwords;
pub mod people;
pub mod proposals;
pub mod records;
pub mod search;
pub mod sessions;
pub mod throttle;

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A new time-ordered identifier: rows sort by creation, which pagination uses.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// A time-ordered identifier for something that happened at `at`: records
/// imported with their past publication date sort where they belong.
pub fn id_at(at: DateTime<Utc>) -> Uuid {
    let ts = uuid::Timestamp::from_unix(
        uuid::NoContext,
        at.timestamp().max(0) as u64,
        at.timestamp_subsec_nanos(),
    );
    Uuid::new_v7(ts)
}

/// Now, to the microsecond: both databases keep microseconds, so a value read
/// back equals the value written.
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}
