//! Plenum's black-box suite: every test starts a real server on port 0 with
//! its own database and talks to it over HTTP or WebSocket.

mod accounts;
mod conventions;
mod helpers;
mod memberships;
mod migrations;
mod organisations;
mod subscriptions;
