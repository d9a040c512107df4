use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

use crate::helpers::TestDatabase;

async fn tables(db: &DatabaseConnection) -> Vec<String> {
    let sql = match db.get_database_backend() {
        sea_orm::DbBackend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        _ => {
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name"
        }
    };
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.try_get::<String>("", "name").unwrap())
        .collect()
}

#[tokio::test]
async fn every_migration_goes_up_down_and_up_again() {
    let (_guard, url) = TestDatabase::create().await;
    let db = Database::connect(&url).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    let after_first_up = tables(&db).await;
    for table in [
        "account",
        "auth_token",
        "organisation",
        "membership",
        "membership_event",
        "invitation",
        "join_request",
        "outbox",
    ] {
        assert!(
            after_first_up.contains(&table.to_owned()),
            "{table} missing from {after_first_up:?}"
        );
    }
    Migrator::down(&db, None).await.unwrap();
    assert_eq!(
        tables(&db).await,
        vec!["seaql_migrations".to_owned()],
        "down removes everything it made"
    );
    Migrator::up(&db, None).await.unwrap();
    assert_eq!(tables(&db).await, after_first_up);
    assert!(
        Migrator::get_pending_migrations(&db)
            .await
            .unwrap()
            .is_empty()
    );
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        // Posts leave room in their pages for their counts to change in place.
        let row = db
            .query_one_raw(Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT array_to_string(reloptions, ',') AS options FROM pg_class WHERE oid = 'post'::regclass",
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            row.try_get::<String>("", "options").unwrap(),
            "fillfactor=70"
        );
    }
    db.close().await.unwrap();
}

/// Counted secret ballots of votes closed before opened boxes were stored
/// as ballot files become their file's lines, byte for byte as their export
/// printed them (so that the stored SHA-256 still matches), and come back
/// as rows on the way down.
#[tokio::test]
async fn counted_secret_ballots_become_the_lines_of_their_ballot_file() {
    use sea_orm::ConnectOptions;
    use serde_json::{Value, json};
    let (_guard, url) = TestDatabase::create().await;
    // One connection, so that the foreign keys stay off: the ballots stand
    // alone, without the proposal, organisation and people around them.
    let db = Database::connect(
        ConnectOptions::new(url.clone())
            .max_connections(1)
            .to_owned(),
    )
    .await
    .unwrap();
    Migrator::up(&db, Some(17)).await.unwrap();
    let backend = db.get_database_backend();
    let off = match backend {
        sea_orm::DbBackend::Sqlite => "PRAGMA foreign_keys = OFF",
        _ => "SET session_replication_role = replica",
    };
    db.execute_unprepared(off).await.unwrap();
    let proposal = uuid::Uuid::new_v4();
    let ballots = [
        (
            2u128,
            json!({ "grades": [6, 0], "a": { "tracker": "nested" } }),
            Some("t2"),
            Some("parce que"),
        ),
        (1, json!({ "choice": "yes" }), Some("t1"), None),
        (3, json!({ "choice": "no" }), None, None),
    ];
    for (id, choice, tracker, reason) in &ballots {
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            match backend {
                sea_orm::DbBackend::Sqlite => "INSERT INTO secret_ballot (proposal_id, id, round, choice, reason, tracker) VALUES (?, ?, 1, ?, ?, ?)",
                _ => "INSERT INTO secret_ballot (proposal_id, id, round, choice, reason, tracker) VALUES ($1, $2, 1, $3, $4, $5)",
            },
            [
                proposal.into(),
                uuid::Uuid::from_u128(*id).into(),
                choice.clone().into(),
                reason.map(str::to_owned).into(),
                tracker.map(str::to_owned).into(),
            ],
        ))
        .await
        .unwrap();
    }
    // What the export printed: by id, the tracker among the keys.
    let mut by_id = ballots.clone();
    by_id.sort_by_key(|(id, ..)| *id);
    let printed: String = by_id
        .iter()
        .map(|(_, choice, tracker, _)| {
            let mut choice = choice.clone();
            if let (Some(tracker), Some(fields)) = (tracker, choice.as_object_mut()) {
                fields.insert("tracker".to_owned(), json!(tracker));
            }
            format!("{choice}\n")
        })
        .collect();

    Migrator::up(&db, None).await.unwrap();
    assert!(!tables(&db).await.contains(&"secret_ballot".to_owned()));
    let parts = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT ballots, reasons FROM secret_ballot_part",
        ))
        .await
        .unwrap();
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].try_get::<String>("", "ballots").unwrap(), printed);
    let reasons: Value = parts[0].try_get("", "reasons").unwrap();
    assert_eq!(reasons, json!([null, "parce que", null]));

    Migrator::down(&db, Some(1)).await.unwrap();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT choice, reason, tracker FROM secret_ballot ORDER BY id",
        ))
        .await
        .unwrap();
    let back: Vec<(Value, Option<String>, Option<String>)> = rows
        .iter()
        .map(|row| {
            (
                row.try_get("", "choice").unwrap(),
                row.try_get("", "reason").unwrap(),
                row.try_get("", "tracker").unwrap(),
            )
        })
        .collect();
    let expected: Vec<(Value, Option<String>, Option<String>)> = by_id
        .iter()
        .map(|(_, choice, tracker, reason)| {
            (
                choice.clone(),
                reason.map(str::to_owned),
                tracker.map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(back, expected);
    db.close().await.unwrap();
}
