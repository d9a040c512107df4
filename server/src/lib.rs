//! Plenum: where assemblies deliberate.
//!
//! The crate is a library (used by the `plenum` binary and by the black-box
//! tests) organised as the design card fixes: `domain` holds the rules,
//! `service` the use-cases, `graphql` and `web` the edges.

pub mod app;
pub mod cli;
pub mod config;
pub mod connections;
pub mod db;
pub mod demo;
pub mod domain;
pub mod entity;
pub mod error;
pub mod events;
pub mod graphql;
pub mod i18n;
pub mod search;
pub mod service;
pub mod state;
pub mod telemetry;
pub mod web;
pub mod write;

pub use app::Application;
pub use config::Settings;
