//! Plenum's black-box suite: every test starts a real server on port 0 with
//! its own database and talks to it over HTTP or WebSocket.

// Tests may panic: unwrap and expect are the assertions of set-up code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod accounts;
mod ballot_secrecy;
mod conventions;
mod designations;
mod forum;
mod governance;
mod hardening;
mod helpers;
mod live_rights;
mod media;
mod meetings;
mod memberships;
mod migrations;
mod organisations;
mod outbox;
mod pages;
mod proposals;
mod records;
mod search;
mod search_meili;
mod subscriptions;
mod unit_of_work;
