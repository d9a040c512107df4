//! sea-orm entities, one file per table. They are storage shapes only: the
//! rules live in `domain/`, the use-cases in `service/`.

pub mod account;
pub mod auth_token;
pub mod ballot;
pub mod body;
pub mod body_member;
pub mod candidacy;
pub mod category;
pub mod designation_call;
pub mod elector;
pub mod invitation;
pub mod join_request;
pub mod mandate;
pub mod mandate_power;
pub mod membership;
pub mod membership_event;
pub mod mention;
pub mod moderation_action;
pub mod organisation;
pub mod outbox;
pub mod position;
pub mod post;
pub mod post_revision;
pub mod power;
pub mod proposal;
pub mod proposal_mandate;
pub mod proposal_round;
pub mod proxy;
pub mod secret_ballot;
pub mod thread;
pub mod thread_read;
