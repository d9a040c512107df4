use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::{Newcomer, TestApp, data, spawn_app};
use plenum::events::Event;

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a graphql-transport-ws connection, authenticated with `token`.
pub async fn connect(app: &TestApp, token: &str) -> Socket {
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

pub async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::text(message.to_string()))
        .await
        .unwrap();
}

/// The next protocol message, within a deadline.
pub async fn next(socket: &mut Socket) -> Value {
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
async fn a_websocket_speaks_its_readers_language_and_keeps_the_query_limits() {
    let app = spawn_app().await;
    let admin = app.register("camille@exemple.fr", "Camille").await;
    let org = app.create_organisation(&admin, "ag", "INVITATION").await;
    // A reader who chose French.
    let outsider = app
        .register_with(json!({ "email": "ines@exemple.fr", "password": crate::helpers::PASSWORD, "displayName": "Inès", "locale": "FR" }))
        .await;
    let mut socket = connect(&app, &outsider).await;
    send(&mut socket, json!({ "id": "1", "type": "subscribe", "payload": { "query": CHANGES, "variables": { "org": org } } })).await;
    let message = next(&mut socket).await;
    let error = &message["payload"]["errors"][0];
    assert_eq!(error["extensions"]["code"], "FORBIDDEN", "{message:#}");
    assert_eq!(
        error["message"],
        "Seuls les membres de cette organisation peuvent faire cela."
    );
    // The cap on aliases holds over WebSocket as over HTTP.
    let aliased: String = (0..=30)
        .map(|i| format!("a{i}: viewer {{ email }} "))
        .collect();
    send(&mut socket, json!({ "id": "2", "type": "subscribe", "payload": { "query": format!("{{ {aliased} }}") } })).await;
    let mut message = next(&mut socket).await;
    while message["id"] != "2" {
        message = next(&mut socket).await;
    }
    let error = &message["payload"]["errors"][0];
    assert_eq!(error["extensions"]["code"], "VALIDATION", "{message:#}");
    assert_eq!(
        error["message"],
        "La requête utilise 31 alias ; 30 au plus sont permis."
    );
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

/// Subscribes `token` to `query`.
async fn subscribe(app: &TestApp, token: &str, query: &str, variables: Value) -> Socket {
    let mut socket = connect(app, token).await;
    send(&mut socket, json!({ "id": "1", "type": "subscribe", "payload": { "query": query, "variables": variables } })).await;
    socket
}

/// Repeats `act` until the socket receives an event (the subscription starts
/// asynchronously), within a bounded number of tries.
async fn first_event<F, Fut>(socket: &mut Socket, mut act: F) -> Value
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for attempt in 0..20 {
        act(attempt).await;
        if let Ok(message) = tokio::time::timeout(Duration::from_millis(500), next(socket)).await {
            return message;
        }
    }
    panic!("no event arrived");
}

async fn forum_world(app: &TestApp) -> (String, String, String) {
    let admin = app.register("camille@exemple.fr", "Camille").await;
    let org = app.create_organisation(&admin, "ag", "INVITATION").await;
    let (member, _) = app
        .add_member(&admin, &org, Newcomer::new("lucas@exemple.fr", "Lucas"))
        .await;
    let r = app
        .gql(Some(&admin), "mutation($o: ID!) { createCategory(input: { organisationId: $o, slug: \"debats\", name: \"Débats\" }) { id } }", json!({ "o": org }))
        .await;
    let space = data(&r)["createCategory"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (admin, member, space)
}

const START: &str = "mutation($c: ID!, $t: String!) { startThread(input: { categoryId: $c, title: $t, body: \"…\" }) { thread { id } post { id } } }";

#[tokio::test]
async fn readers_of_a_thread_see_new_posts_live() {
    let app = spawn_app().await;
    let (admin, member, space) = forum_world(&app).await;
    let r = app
        .gql(Some(&admin), START, json!({ "c": space, "t": "En direct" }))
        .await;
    let (thread, root) = (
        data(&r)["startThread"]["thread"]["id"].clone(),
        data(&r)["startThread"]["post"]["id"].clone(),
    );
    let query = "subscription($t: ID!) { threadPosts(threadId: $t) { change post { number bodyHtml author { displayName } } } }";
    let mut socket = subscribe(&app, &member, query, json!({ "t": thread })).await;
    let event = first_event(&mut socket, |i| {
        let (app, admin, thread, root) = (&app, admin.clone(), thread.clone(), root.clone());
        async move {
            let reply = "mutation($t: ID!, $p: ID!, $b: String!) { reply(threadId: $t, parentId: $p, body: $b) { id } }";
            app.gql(Some(&admin), reply, json!({ "t": thread, "p": root, "b": format!("Réponse {i}") })).await;
        }
    })
    .await;
    let payload = &event["payload"]["data"]["threadPosts"];
    assert_eq!(payload["change"], "POST_CREATED");
    assert_eq!(payload["post"]["author"]["displayName"], "Camille");
    assert!(
        payload["post"]["bodyHtml"]
            .as_str()
            .unwrap()
            .starts_with("<p>Réponse")
    );
}

#[tokio::test]
async fn a_space_announces_new_threads_only_to_those_who_may_read_it() {
    let app = spawn_app().await;
    let (admin, member, space) = forum_world(&app).await;
    let outsider = app.register("outsider@exemple.fr", "Outsider").await;
    let query =
        "subscription($c: ID!) { categoryThreads(categoryId: $c) { change thread { title } } }";
    let mut refused = subscribe(&app, &outsider, query, json!({ "c": space })).await;
    let message = next(&mut refused).await;
    assert_eq!(
        message["payload"]["errors"][0]["extensions"]["code"],
        "NOT_FOUND"
    );
    let mut socket = subscribe(&app, &member, query, json!({ "c": space })).await;
    let event = first_event(&mut socket, |i| {
        let (app, admin, space) = (&app, admin.clone(), space.clone());
        async move {
            app.gql(
                Some(&admin),
                START,
                json!({ "c": space, "t": format!("Sujet {i}") }),
            )
            .await;
        }
    })
    .await;
    assert_eq!(
        event["payload"]["data"]["categoryThreads"]["change"],
        "THREAD_STARTED"
    );
}

#[tokio::test]
async fn servers_sharing_one_postgresql_deliver_each_others_events() {
    let first = spawn_app().await;
    if first.state.db.get_database_backend() != sea_orm::DbBackend::Postgres {
        // SQLite serves one process only: there is nothing to relay.
        return;
    }
    let second = first.second_server().await;
    let mut events = second.state.events.subscribe();
    let (_, member, space) = forum_world(&first).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut attempt = 0;
    loop {
        first
            .gql(
                Some(&member),
                START,
                json!({ "c": space, "t": format!("Relais {attempt}") }),
            )
            .await;
        attempt += 1;
        let received = tokio::time::timeout(Duration::from_millis(500), async {
            loop {
                if let Ok(Event::Forum { category_id, .. }) = events.recv().await {
                    return category_id;
                }
            }
        })
        .await;
        if let Ok(category) = received {
            assert_eq!(category.to_string(), space);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the second server never heard of the new thread"
        );
    }
}

#[tokio::test]
async fn a_proposal_shows_participation_live_and_results_only_to_those_who_may_see_them() {
    let app = spawn_app().await;
    let admin = app.register("camille@exemple.fr", "Camille").await;
    let org = app.create_organisation(&admin, "ag", "INVITATION").await;
    let (member, _) = app
        .add_member(&admin, &org, Newcomer::new("lucas@exemple.fr", "Lucas"))
        .await;
    let closes = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    let r = app
        .gql(
            Some(&admin),
            "mutation($input: CreateProposalInput!) { createProposal(input: $input) { id } }",
            json!({ "input": { "organisationId": org, "title": "Date de l'AG", "method": "majority", "resultsVisibility": "ONCE_VOTED", "closesAt": closes } }),
        )
        .await;
    let proposal = data(&r)["createProposal"]["id"].clone();
    let query = "subscription($p: ID!) { proposalLive(proposalId: $p) { change status participation { voted electorate } result { ballots } } }";
    let mut socket = subscribe(&app, &member, query, json!({ "p": proposal })).await;
    let cast = "mutation($p: ID!, $c: String!) { castBallot(input: { proposalId: $p, ballot: { choice: $c } }) { changed } }";
    let event = first_event(&mut socket, |_| {
        let (app, admin, proposal) = (&app, admin.clone(), proposal.clone());
        async move {
            app.gql(Some(&admin), cast, json!({ "p": proposal, "c": "yes" }))
                .await;
        }
    })
    .await;
    let live = &event["payload"]["data"]["proposalLive"];
    assert_eq!(live["change"], "BALLOT_CAST");
    assert_eq!(
        live["participation"],
        json!({ "voted": 1, "electorate": 2 })
    );
    // Lucas has not voted: the results stay hidden from him.
    assert!(live["result"].is_null(), "{live}");

    data(
        &app.gql(Some(&member), cast, json!({ "p": proposal, "c": "no" }))
            .await,
    );
    let event = next(&mut socket).await;
    let live = &event["payload"]["data"]["proposalLive"];
    assert_eq!(live["participation"]["voted"], 2);
    assert_eq!(live["result"]["ballots"], 2);
}

#[tokio::test]
async fn everyone_following_a_meeting_sees_the_same_speaking_queue() {
    let app = spawn_app().await;
    let admin = app.register("camille@exemple.fr", "Camille").await;
    let org = app.create_organisation(&admin, "ag", "INVITATION").await;
    let (member, _) = app
        .add_member(&admin, &org, Newcomer::new("ines@exemple.fr", "Inès"))
        .await;
    let bodies = app
        .gql(
            None,
            "query($o: ID!) { bodies(organisationId: $o) { id } }",
            json!({ "o": org }),
        )
        .await;
    let assembly = data(&bodies)["bodies"][0]["id"].clone();
    let starts = (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339();
    let scheduled = app
        .gql(
            Some(&admin),
            "mutation($b: ID!, $s: DateTime!) { scheduleMeeting(input: { bodyId: $b, title: \"AG\", startsAt: $s }) { id } }",
            json!({ "b": assembly, "s": starts }),
        )
        .await;
    let meeting = data(&scheduled)["scheduleMeeting"][0]["id"].clone();
    let item = app
        .gql(
            Some(&admin),
            "mutation($m: ID!) { proposeAgendaItem(input: { meetingId: $m, title: \"Le local\" }) { id } }",
            json!({ "m": meeting }),
        )
        .await;
    let item = data(&item)["proposeAgendaItem"]["id"].clone();
    for (token, query) in [
        (&admin, "mutation($m: ID!) { startMeeting(id: $m) { id } }"),
        (
            &member,
            "mutation($m: ID!) { markAttendance(meetingId: $m, presence: ONLINE) { id } }",
        ),
    ] {
        data(&app.gql(Some(token), query, json!({ "m": meeting })).await);
    }
    // A projector (anonymous would not see a members' meeting) and Inès online.
    let live = "subscription($m: ID!, $i: ID!) { meetingLive(meetingId: $m) { change meeting { queue(itemId: $i) { waiting { person { displayName } } } } } }";
    let mut projector = subscribe(&app, &admin, live, json!({ "m": meeting, "i": item })).await;
    let mut ines = subscribe(&app, &member, live, json!({ "m": meeting, "i": item })).await;
    let ask = "mutation($i: ID!) { requestFloor(itemId: $i) { id } }";
    data(&app.gql(Some(&member), ask, json!({ "i": item })).await);
    // Subscriptions start asynchronously: nudge the meeting (signing in
    // again changes nothing of the queue) until each hears of it.
    let nudge = |_| {
        let (app, member, meeting) = (&app, member.clone(), meeting.clone());
        async move {
            app.gql(
                Some(&member),
                "mutation($m: ID!) { markAttendance(meetingId: $m, presence: ONLINE) { id } }",
                json!({ "m": meeting }),
            )
            .await;
        }
    };
    for socket in [&mut projector, &mut ines] {
        let event = first_event(socket, nudge).await;
        let seen = &event["payload"]["data"]["meetingLive"];
        assert_eq!(
            seen["meeting"]["queue"]["waiting"],
            json!([{ "person": { "displayName": "Inès" } }])
        );
    }
    // The next change reaches both, the queue as it now stands.
    let remove = "mutation($i: ID!) { requestFloor(itemId: $i, pointOfOrder: true) { id } }";
    data(
        &app.gql(
            Some(&admin),
            "mutation($m: ID!) { markAttendance(meetingId: $m, presence: IN_PERSON) { id } }",
            json!({ "m": meeting }),
        )
        .await,
    );
    data(&app.gql(Some(&admin), remove, json!({ "i": item })).await);
    for socket in [&mut projector, &mut ines] {
        let mut event = next(socket).await;
        while event["payload"]["data"]["meetingLive"]["change"] != "QUEUE" {
            event = next(socket).await;
        }
        assert_eq!(
            event["payload"]["data"]["meetingLive"]["meeting"]["queue"]["waiting"],
            json!([{ "person": { "displayName": "Camille" } }, { "person": { "displayName": "Inès" } }])
        );
    }
}
