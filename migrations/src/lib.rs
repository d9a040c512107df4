//! Plenum's schema, as an append-only list of reversible migrations.
//!
//! A migration that has shipped is never edited: a change of schema is a new
//! file appended to [`Migrator::migrations`]. Every migration runs on SQLite and
//! PostgreSQL alike, so only the portable column types of sea-query are used.

pub use sea_orm_migration::MigratorTrait;
use sea_orm_migration::prelude::*;

mod common;
mod m20261122_000001_accounts;
mod m20261122_000002_organisations;
mod m20261122_000003_outbox;
mod m20261122_000004_forum;
mod m20261122_000005_proposals;
mod m20261122_000006_governance;
mod m20261129_000007_designations;
mod m20261129_000008_meetings;
mod m20261129_000009_records;
mod m20261202_000010_post_fillfactor;
mod m20261202_000011_throttle;
mod m20261202_000012_invitation_link;
mod m20261203_000013_token_scope;
mod m20261203_000014_pending_registration;
mod m20261203_000015_outbox_claims;
mod m20261203_000016_remote_images;
mod m20261203_000017_sealed_ballots;
mod m20261204_000018_ballot_files;

/// Every migration of Plenum, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_accounts::Migration),
            Box::new(m20261122_000002_organisations::Migration),
            Box::new(m20261122_000003_outbox::Migration),
            Box::new(m20261122_000004_forum::Migration),
            Box::new(m20261122_000005_proposals::Migration),
            Box::new(m20261122_000006_governance::Migration),
            Box::new(m20261129_000007_designations::Migration),
            Box::new(m20261129_000008_meetings::Migration),
            Box::new(m20261129_000009_records::Migration),
            Box::new(m20261202_000010_post_fillfactor::Migration),
            Box::new(m20261202_000011_throttle::Migration),
            Box::new(m20261202_000012_invitation_link::Migration),
            Box::new(m20261203_000013_token_scope::Migration),
            Box::new(m20261203_000014_pending_registration::Migration),
            Box::new(m20261203_000015_outbox_claims::Migration),
            Box::new(m20261203_000016_remote_images::Migration),
            Box::new(m20261203_000017_sealed_ballots::Migration),
            Box::new(m20261204_000018_ballot_files::Migration),
        ]
    }
}
