//! The outbox: each message delivered once however many servers share the
//! database, and a message that keeps failing set aside for operators.

use plenum::entity::outbox;
use plenum::service::outbox::enqueue_many;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::helpers::{PASSWORD, data, error_code, eventually, spawn_app_with};

#[tokio::test]
async fn a_message_that_keeps_failing_is_set_aside_for_operators_to_retry() {
    let app = spawn_app_with(|s| {
        s.outbox.max_attempts = 2;
        s.outbox.retry_first_ms = 10;
    })
    .await;
    let txn = app.state.write().await.unwrap();
    enqueue_many(&txn, "test.nowhere", [json!({ "n": 1 })])
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let set_aside = eventually(20, async || {
        let row = outbox::Entity::find()
            .filter(outbox::Column::Topic.eq("test.nowhere"))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        match row.failed_at {
            Some(_) => Ok(row),
            None => Err(format!("not yet set aside: {row:?}")),
        }
    })
    .await;
    assert_eq!(set_aside.attempts, 2, "no attempt after the last");
    assert!(set_aside.last_error.unwrap().contains("no handler"));

    let operator = plenum::service::accounts::NewAccount {
        email: "ops@exemple.fr".into(),
        password: PASSWORD.into(),
        display_name: "Ops".into(),
        locale: None,
        timezone: None,
        handle: None,
        invitation_token: None,
    };
    plenum::service::accounts::create_by_operator(&app.state, operator, true)
        .await
        .unwrap();
    let login = "mutation { login(input: { email: \"ops@exemple.fr\", password: \"correct horse battery\" }) { token } }";
    let r = app.gql(None, login, json!({})).await;
    let ops = data(&r)["login"]["token"].as_str().unwrap().to_owned();
    let member = app.register("camille@exemple.fr", "Camille").await;
    let failed = "{ failedDeliveries { nodes { id topic attempts lastError } } }";
    assert_eq!(
        error_code(&app.gql(Some(&member), failed, json!({})).await),
        "FORBIDDEN"
    );
    let r = app.gql(Some(&ops), failed, json!({})).await;
    let nodes = data(&r)["failedDeliveries"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(nodes.len(), 1, "{r}");
    assert_eq!(nodes[0]["topic"], "test.nowhere");
    let retry = "mutation($id: ID!) { retryDelivery(id: $id) { attempts failedAt } }";
    let r = app
        .gql(Some(&member), retry, json!({ "id": nodes[0]["id"] }))
        .await;
    assert_eq!(error_code(&r), "FORBIDDEN");
    let r = app
        .gql(Some(&ops), retry, json!({ "id": nodes[0]["id"] }))
        .await;
    assert_eq!(
        data(&r)["retryDelivery"],
        json!({ "attempts": 0, "failedAt": null })
    );
    // Tried again, and set aside again.
    eventually(20, async || {
        let row = outbox::Entity::find_by_id(set_aside.id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        match (row.failed_at, row.attempts) {
            (Some(_), 2) => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    let r = app
        .gql(Some(&ops), retry, json!({ "id": uuid::Uuid::now_v7() }))
        .await;
    assert_eq!(error_code(&r), "NOT_FOUND");
}

#[tokio::test]
async fn servers_sharing_one_postgresql_deliver_each_message_once() {
    let app = spawn_app_with(|s| s.outbox.retry_first_ms = 20).await;
    if app.state.db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return;
    }
    let others = [app.second_server().await, app.second_server().await];
    let messages = (0..3000).map(|n| json!({ "to": format!("m{n}@exemple.fr"), "locale": "fr" }));
    let txn = app.state.write().await.unwrap();
    enqueue_many(
        &txn,
        plenum::service::outbox::TOPIC_MAIL_REGISTRATION_ATTEMPT,
        messages,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    for other in &others {
        other.state.outbox_wake.notify_one();
    }
    eventually(60, async || {
        let waiting = outbox::Entity::find()
            .filter(outbox::Column::DeliveredAt.is_null())
            .count(&app.state.db)
            .await
            .unwrap();
        match waiting {
            0 => Ok(()),
            n => Err(format!("{n} still waiting")),
        }
    })
    .await;
    let twice = outbox::Entity::find()
        .filter(outbox::Column::Attempts.ne(1))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(twice, 0, "messages delivered more than once");
}
