//! Connecting to SQLite or PostgreSQL, migrating, and beginning write transactions.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::config::Settings;

/// Counts the statements a connection runs; the tests read it to prove that a
/// list is loaded in a few queries, not one per row.
#[derive(Clone, Default, Debug)]
pub struct QueryCounter(Arc<AtomicU64>);

impl QueryCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// What a process holds of the database: a pool for everything, and the
/// connection write transactions use.
#[derive(Clone, Debug)]
pub struct Connections {
    pub db: DatabaseConnection,
    /// On a SQLite file, a pool of one connection of its own: SQLite lets one
    /// writer in at a time, and writers queued here are handed the lock the
    /// moment it is free, where writers on several connections would poll
    /// for it in SQLite's busy handler, sleeping milliseconds between tries.
    /// Elsewhere, the same pool as `db`.
    pub writer: DatabaseConnection,
    pub queries: QueryCounter,
}

/// Opens the configured database (creating a SQLite file and its folder if
/// needed) in WAL mode with a busy timeout, so readers never wait for writers.
/// By default SQLite syncs every commit to disk (`synchronous = FULL`): an
/// acknowledged write survives a power cut, not only a crash of the process
/// (`database.sqlite_synchronous`).
pub async fn connect(settings: &Settings) -> anyhow::Result<Connections> {
    let url = settings.database_url();
    let file = sqlite_file(&url);
    let folder = file
        .and_then(|p| std::path::Path::new(p).parent())
        .filter(|d| !d.as_os_str().is_empty());
    if let Some(dir) = folder {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("cannot create the data folder {}: {e}", dir.display()))?;
    }
    let queries = QueryCounter::default();
    let db = open(settings, settings.database.max_connections, &queries).await?;
    let writer = match file {
        Some(_) => open(settings, 1, &queries).await?,
        None => db.clone(),
    };
    Ok(Connections {
        db,
        writer,
        queries,
    })
}

async fn open(
    settings: &Settings,
    max_connections: u32,
    queries: &QueryCounter,
) -> anyhow::Result<DatabaseConnection> {
    let busy = Duration::from_millis(settings.database.busy_timeout_ms);
    let synchronous = match settings.database.sqlite_synchronous {
        crate::config::SqliteSynchronous::Full => SqliteSynchronous::Full,
        crate::config::SqliteSynchronous::Normal => SqliteSynchronous::Normal,
    };
    let mut options = ConnectOptions::new(settings.database_url());
    options
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(move |o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(synchronous)
                .busy_timeout(busy)
                .foreign_keys(true)
                .create_if_missing(true)
                // What is deleted is overwritten, not left in free pages:
                // a secret vote's sealed ballots leave no trace in the file.
                .pragma("secure_delete", "on")
                // Up to 64 MiB of pages per connection (SQLite's default is
                // 2 MiB): deleting a closed vote's sealed box, whose index
                // is in random order, halves.
                .pragma("cache_size", "-65536")
        });
    let mut db = Database::connect(options).await?;
    let count = queries.0.clone();
    db.set_metric_callback(move |_| {
        count.fetch_add(1, Ordering::Relaxed);
    });
    Ok(db)
}

/// The file behind a SQLite URL, if it names one.
fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then_some(path)
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await?;
    crate::service::media::ensure_key(db).await
}

/// Begins a transaction that will write; give it the writer's connection
/// (`state.writer`). On SQLite it takes the write lock at once (`BEGIN
/// IMMEDIATE`), so that a writer on another connection (a single statement
/// outside a transaction) queues on the busy timeout instead of failing when
/// a read transaction tries to become a write one.
pub async fn begin_write(writer: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    writer
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await
}

/// SQL written with `?` placeholders, as the backend wants them (`$1, $2…`
/// for PostgreSQL), for the few statements sea-query cannot express.
pub fn sql(backend: sea_orm::DbBackend, sql: &str) -> String {
    if backend != sea_orm::DbBackend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}

/// Is the database reachable? (`/readyz`)
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.execute_unprepared("SELECT 1").await.is_ok()
}

#[cfg(test)]
mod tests {
    use super::sqlite_file;

    #[test]
    fn finds_the_file_of_a_sqlite_url() {
        assert_eq!(
            sqlite_file("sqlite://data/plenum.db?mode=rwc"),
            Some("data/plenum.db")
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://localhost/plenum"), None);
    }

    /// `.cargo/config.toml` builds SQLite with the query planner stability
    /// guarantee: without it, every statement with a bound LIMIT is planned
    /// again at each run.
    #[tokio::test]
    async fn sqlite_keeps_its_plans_whatever_is_bound() {
        use sea_orm::{ConnectionTrait, Database, Statement};
        let db = Database::connect("sqlite::memory:").await.unwrap();
        let options = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "PRAGMA compile_options",
            ))
            .await
            .unwrap();
        let options: Vec<String> = options
            .iter()
            .map(|row| row.try_get_by_index(0).unwrap())
            .collect();
        assert!(options.iter().any(|o| o == "ENABLE_QPSG"), "{options:?}");
    }
}
