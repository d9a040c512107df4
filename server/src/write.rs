//! The one write path: a unit of work.
//!
//! Every write begins a [`Unit`] (`state.write()`), runs its statements in the
//! unit's transaction, says what must follow it — the events live
//! subscribers and caches listen to ([`Unit::emit`]), the outbox worker to
//! wake ([`Unit::wake_outbox`], done by `outbox::enqueue`), the proposal
//! scheduler to wake — and commits. The followers run only after the commit
//! succeeded, all of them, in the order given; a unit dropped or failed
//! before its commit rolls back and tells no one. No write remembers its
//! followers by hand after `commit`, so none can forget one, or tell of a
//! change that did not happen.
//!
//! The connection writes begin on is a [`Writer`]: a type of its own, which
//! reads cannot be handed by mistake and which begins nothing but units (and
//! the few single statements that are their own transaction).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, Statement, StreamTrait, TransactionTrait,
};
use tokio::sync::Notify;

use crate::events::{Event, EventBus};

/// The connection write transactions begin on (see `db::Connections`).
#[derive(Clone, Debug)]
pub struct Writer(DatabaseConnection);

impl Writer {
    pub fn new(connection: DatabaseConnection) -> Self {
        Writer(connection)
    }

    /// For a single statement that is a transaction by itself (a session's
    /// last use, an outbox claim, a throttle count): nothing follows it.
    pub fn single(&self) -> &DatabaseConnection {
        &self.0
    }

    pub async fn close(self) -> Result<(), DbErr> {
        self.0.close().await
    }
}

/// Whom a write's commit tells: the process's event bus and workers.
pub struct Followers {
    pub events: EventBus,
    /// Wakes the outbox worker when a unit has written to the outbox.
    pub outbox: Arc<Notify>,
    /// Wakes the proposal scheduler when a proposal's times may have changed.
    pub proposals: Arc<Notify>,
}

#[derive(Default)]
struct Pending {
    events: Vec<Event>,
    outbox: bool,
    proposals: bool,
}

/// One write: a transaction and what follows its commit.
pub struct Unit {
    txn: DatabaseTransaction,
    followers: Followers,
    pending: Mutex<Pending>,
}

impl Unit {
    /// Begins a unit on the writer. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so that a writer on another connection queues on
    /// the busy timeout instead of failing when a read transaction tries to
    /// become a write one.
    pub async fn begin(writer: &Writer, followers: Followers) -> Result<Unit, DbErr> {
        Ok(Unit {
            txn: crate::db::begin_write(&writer.0).await?,
            followers,
            pending: Mutex::default(),
        })
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Pending> {
        // A panic while the lock was held cannot leave the list half-written.
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Publishes `event` once the unit has committed.
    pub fn emit(&self, event: Event) {
        self.pending().events.push(event);
    }

    /// Wakes the outbox worker once the unit has committed.
    pub fn wake_outbox(&self) {
        self.pending().outbox = true;
    }

    /// Wakes the proposal scheduler once the unit has committed.
    pub fn wake_scheduler(&self) {
        self.pending().proposals = true;
    }

    /// A savepoint inside the unit: rolled back alone if dropped.
    pub async fn savepoint(&self) -> Result<DatabaseTransaction, DbErr> {
        self.txn.begin().await
    }

    /// Commits, then runs what follows: the events in the order emitted, and
    /// the wake-ups. Nothing follows a commit that failed.
    pub async fn commit(self) -> Result<(), DbErr> {
        let Unit {
            txn,
            followers,
            pending,
        } = self;
        txn.commit().await?;
        let pending = pending.into_inner().unwrap_or_else(|e| e.into_inner());
        for event in pending.events {
            followers.events.publish(event);
        }
        if pending.outbox {
            followers.outbox.notify_one();
        }
        if pending.proposals {
            followers.proposals.notify_one();
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Unit {
    fn get_database_backend(&self) -> DbBackend {
        ConnectionTrait::get_database_backend(&self.txn)
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}

impl StreamTrait for Unit {
    type Stream<'a> = <DatabaseTransaction as StreamTrait>::Stream<'a>;

    fn get_database_backend(&self) -> DbBackend {
        StreamTrait::get_database_backend(&self.txn)
    }

    fn stream_raw<'a>(
        &'a self,
        stmt: Statement,
    ) -> Pin<Box<dyn Future<Output = Result<Self::Stream<'a>, DbErr>> + 'a + Send>> {
        self.txn.stream_raw(stmt)
    }
}
