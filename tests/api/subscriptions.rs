use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::{Newcomer, TestApp, data, spawn_app};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a graphql-transport-ws connection, authenticated with `token`.
async fn connect(app: &TestApp, token: &str) -> Socket {
    let mut request = format!("ws://127.0.0.1:{}/graphql/ws", app.port)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    send(&mut socket, json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } })).await;
    assert_eq!(next(&mut socket).await["type"], "connection_ack");
    socket
}

async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::text(message.to_string()))
        .await
        .unwrap();
}

/// The next protocol message, within a deadline.
async fn next(socket: &mut Socket) -> Value {
    let deadline = Duration::from_secs(10);
    loop {
        let message = tokio::time::timeout(deadline, socket.next())
            .await
            .expect("a message in time")
            .unwrap()
            .unwrap();
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(&text).unwrap();
            if value["type"] != "ping" && value["type"] != "pong" {
                return value;
            }
        }
    }
}

const CHANGES: &str = "subscription($org: ID!) { membershipChanges(organisationId: $org) { change membership { role standing person { displayName email } } } }";

#[tokio::test]
async fn members_see_membership_changes_as_they_happen() {
    let app = spawn_app().await;
    let admin = app.register("camille@exemple.fr", "Camille").await;
    let org = app.create_organisation(&admin, "ag", "INVITATION").await;
    let (lucas, _) = app
        .add_member(&admin, &org, Newcomer::new("lucas@exemple.fr", "Lucas"))
        .await;
    let mut socket = connect(&app, &lucas).await;
    send(&mut socket, json!({ "id": "1", "type": "subscribe", "payload": { "query": CHANGES, "variables": { "org": org } } })).await;

    // The subscription starts asynchronously: invite until the first event arrives (bounded).
    let mut event = Value::Null;
    for attempt in 0..20 {
        let email = format!("invite{attempt}@exemple.fr");
        let _ = app
            .add_member(&admin, &org, Newcomer::new(&email, "Hugo").supporter())
            .await;
        if let Ok(message) =
            tokio::time::timeout(Duration::from_millis(500), next(&mut socket)).await
        {
            event = message;
            break;
        }
    }
    assert_eq!(event["type"], "next", "{event:#}");
    let payload = &event["payload"]["data"]["membershipChanges"];
    assert_eq!(payload["change"], "JOINED");
    assert_eq!(payload["membership"]["standing"], "SUPPORTER");
    assert_eq!(payload["membership"]["person"]["displayName"], "Hugo");
    assert!(
        payload["membership"]["person"]["email"].is_null(),
        "a plain member does not read others' private fields"
    );
}

#[tokio::test]
async fn only_members_may_follow_an_organisations_changes() {
    let app = spawn_app().await;
    let admin = app.register("camille@exemple.fr", "Camille").await;
    let org = app.create_organisation(&admin, "ag", "INVITATION").await;
    let outsider = app.register("outsider@exemple.fr", "Outsider").await;
    let mut socket = connect(&app, &outsider).await;
    send(&mut socket, json!({ "id": "1", "type": "subscribe", "payload": { "query": CHANGES, "variables": { "org": org } } })).await;
    let message = next(&mut socket).await;
    assert_eq!(message["type"], "next", "{message:#}");
    assert_eq!(
        message["payload"]["errors"][0]["extensions"]["code"],
        "FORBIDDEN"
    );
    assert!(message["payload"]["data"].is_null());
    let r = app
        .gql(Some(&outsider), "{ viewer { email } }", json!({}))
        .await;
    assert_eq!(data(&r)["viewer"]["email"], "outsider@exemple.fr");
}

#[tokio::test]
async fn a_websocket_with_a_bad_token_is_refused() {
    let app = spawn_app().await;
    let mut request = format!("ws://127.0.0.1:{}/graphql/ws", app.port)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "authorization": "Bearer plm_s_forged" } }),
    )
    .await;
    let closed = tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .expect("an answer in time");
    match closed {
        // async-graphql closes a refused graphql-transport-ws handshake with 1002 and the reason.
        Some(Ok(Message::Close(Some(frame)))) => {
            assert_eq!(u16::from(frame.code), 1002);
            assert!(frame.reason.contains("session"), "{}", frame.reason);
        }
        other => panic!("expected the connection to be closed, got {other:?}"),
    }
}
