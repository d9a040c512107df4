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
