//! sea-orm entities, one file per table. They are storage shapes only: the
//! rules live in `domain/`, the use-cases in `service/`.

pub mod account;
pub mod auth_token;
pub mod invitation;
pub mod join_request;
pub mod membership;
pub mod membership_event;
pub mod organisation;
pub mod outbox;
