//! The one write path: what follows a write (live events, the outbox's
//! worker) happens after its commit, and never for a write rolled back.

use std::sync::Arc;
use std::time::Duration;

use plenum::events::Event;
use plenum::write::{Followers, Unit};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::helpers::spawn_app;

fn an_event() -> Event {
    Event::Organisation {
        organisation_id: Uuid::new_v4(),
    }
}

#[tokio::test]
async fn a_unit_tells_of_its_write_only_once_committed() {
    let app = spawn_app().await;
    let mut events = app.state.events.subscribe();
    // Wake-ups of our own, which the server's workers do not wait on.
    let (outbox, scheduler) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let followers = Followers {
        events: app.state.events.clone(),
        outbox: outbox.clone(),
        proposals: scheduler.clone(),
    };
    let txn = Unit::begin(&app.state.writer, followers).await.unwrap();
    let event = an_event();
    txn.emit(event.clone());
    txn.wake_outbox();
    txn.wake_scheduler();
    assert!(
        events.try_recv().is_err(),
        "nothing is told before the commit"
    );
    let early = tokio::time::timeout(Duration::from_millis(50), outbox.notified()).await;
    assert!(early.is_err(), "no worker is woken before the commit");
    txn.commit().await.unwrap();
    assert_eq!(events.try_recv().unwrap(), event);
    // notify_one keeps the wake-up for whoever waits next.
    for woken in [outbox, scheduler] {
        tokio::time::timeout(Duration::from_secs(1), woken.notified())
            .await
            .expect("the workers are woken after the commit");
    }
}

#[tokio::test]
async fn a_unit_dropped_or_failed_tells_no_one() {
    let app = spawn_app().await;
    let mut events = app.state.events.subscribe();
    {
        let txn = app.state.write().await.unwrap();
        txn.emit(an_event());
        // Dropped without commit: rolled back.
    }
    let failing = async {
        let txn = app.state.write().await?;
        txn.emit(an_event());
        use sea_orm::ConnectionTrait;
        txn.execute_unprepared("SELECT * FROM no_such_table")
            .await?;
        txn.commit().await
    };
    assert!(failing.await.is_err());
    assert!(
        events.try_recv().is_err(),
        "no event for a write rolled back"
    );
}
