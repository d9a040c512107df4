//! Drives the meeting load run of `tests/bench/meeting_load.sh`: sets up a
//! meeting under way through the API, opens N WebSocket subscribers to its
//! `meetingLive` (with the speaking queue of its item), then changes the
//! queue again and again and measures, for every change, how long it takes
//! to reach each subscriber — from sending the mutation to receiving the
//! event. Prints the median, p99 and worst over all deliveries.
//!
//!     meeting_load <http://host:port> [subscribers] [changes]

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

async fn gql(
    client: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let mut request = client
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let answer: Value = request.send().await.unwrap().json().await.unwrap();
    assert!(answer.get("errors").is_none(), "{answer:#}");
    answer["data"].clone()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = args.get(1).expect("the server's address").clone();
    let subscribers: usize = args.get(2).map_or(500, |n| n.parse().unwrap());
    let changes: usize = args.get(3).map_or(20, |n| n.parse().unwrap());
    let client = reqwest::Client::new();

    // A meeting under way, with one item, and its facilitator present.
    let token = gql(&client, &base, None,
        "mutation { register(input: { email: \"camille@exemple.fr\", password: \"une phrase de passe\", displayName: \"Camille\" }) { token } }",
        json!({})).await["register"]["token"].as_str().unwrap().to_owned();
    let t = Some(token.as_str());
    let org = gql(
        &client,
        &base,
        t,
        "mutation { createOrganisation(input: { slug: \"ag\", name: \"AG\" }) { id } }",
        json!({}),
    )
    .await["createOrganisation"]["id"]
        .clone();
    let assembly = gql(
        &client,
        &base,
        t,
        "query($o: ID!) { bodies(organisationId: $o) { id } }",
        json!({ "o": org }),
    )
    .await["bodies"][0]["id"]
        .clone();
    let starts = (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339();
    let meeting = gql(&client, &base, t,
        "mutation($b: ID!, $s: DateTime!) { scheduleMeeting(input: { bodyId: $b, title: \"AG\", startsAt: $s }) { id } }",
        json!({ "b": assembly, "s": starts })).await["scheduleMeeting"][0]["id"].clone();
    let item = gql(&client, &base, t,
        "mutation($m: ID!) { proposeAgendaItem(input: { meetingId: $m, title: \"Le local\" }) { id } }",
        json!({ "m": meeting })).await["proposeAgendaItem"]["id"].clone();
    gql(
        &client,
        &base,
        t,
        "mutation($m: ID!) { startMeeting(id: $m) { id } }",
        json!({ "m": meeting }),
    )
    .await;
    gql(
        &client,
        &base,
        t,
        "mutation($m: ID!) { markAttendance(meetingId: $m, presence: IN_PERSON) { id } }",
        json!({ "m": meeting }),
    )
    .await;

    // The subscribers: each reports when it receives an event.
    let (received, mut receipts) = mpsc::unbounded_channel::<(usize, Instant)>();
    let ws = base.replacen("http", "ws", 1);
    let live = "subscription($m: ID!, $i: ID!) { meetingLive(meetingId: $m) { change meeting { queue(itemId: $i) { current { person { displayName } } waiting { id kind person { displayName } } } } } }";
    for n in 0..subscribers {
        let mut request = format!("{ws}/graphql/ws").into_client_request().unwrap();
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } });
        socket.send(Message::text(init.to_string())).await.unwrap();
        let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": live, "variables": { "m": meeting, "i": item } } });
        socket
            .send(Message::text(subscribe.to_string()))
            .await
            .unwrap();
        let received = received.clone();
        tokio::spawn(async move {
            while let Some(Ok(message)) = socket.next().await {
                if let Message::Text(text) = message
                    && text.contains("\"next\"")
                {
                    let _ = received.send((n, Instant::now()));
                }
            }
        });
    }

    // Changes: ask for the floor, then withdraw, and so on.
    let ask = "mutation($i: ID!) { requestFloor(itemId: $i) { id } }";
    let withdraw = "mutation($r: ID!) { removeFromQueue(requestId: $r) { id } }";
    let mut waiting: Option<Value> = None;
    let change = async |waiting: &mut Option<Value>| {
        let sent = Instant::now();
        match waiting.take() {
            Some(request) => {
                gql(&client, &base, t, withdraw, json!({ "r": request })).await;
            }
            None => {
                *waiting = Some(
                    gql(&client, &base, t, ask, json!({ "i": item })).await["requestFloor"]["id"]
                        .clone(),
                );
            }
        }
        sent
    };
    // Warm-up: until every subscriber has heard of a change.
    let mut heard = vec![false; subscribers];
    let deadline = Instant::now() + Duration::from_secs(60);
    while heard.iter().any(|h| !h) {
        assert!(
            Instant::now() < deadline,
            "some subscribers never heard a change"
        );
        change(&mut waiting).await;
        let until = Instant::now() + Duration::from_millis(1_000);
        while let Ok(Some((n, _))) = tokio::time::timeout_at(until.into(), receipts.recv()).await {
            heard[n] = true;
        }
    }
    // Let the last warm-up deliveries drain.
    while tokio::time::timeout(Duration::from_millis(500), receipts.recv())
        .await
        .is_ok()
    {}

    let mut latencies: Vec<f64> = Vec::with_capacity(subscribers * changes);
    for _ in 0..changes {
        let sent = change(&mut waiting).await;
        for _ in 0..subscribers {
            let (_, at) = tokio::time::timeout(Duration::from_secs(30), receipts.recv())
                .await
                .expect("every subscriber hears of every change")
                .unwrap();
            latencies.push((at - sent).as_secs_f64() * 1_000.0);
        }
    }
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{subscribers} subscribers, {changes} changes: median {:.1} ms, p99 {:.1} ms, worst {:.1} ms",
        at(0.5),
        at(0.99),
        at(1.0)
    );
}
