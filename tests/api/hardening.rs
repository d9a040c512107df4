//! What an outside probe did to take the server down, kept here so that it
//! cannot come back: every request below is refused with a clear error while
//! the server keeps answering.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{PASSWORD, TestApp, error_code, spawn_app, spawn_app_with};
use crate::subscriptions::{connect, next, send};

/// `/healthz` answers, within a deadline.
async fn still_answers(app: &TestApp) {
    let health = tokio::time::timeout(
        Duration::from_secs(5),
        app.client.get(format!("{}/healthz", app.address)).send(),
    )
    .await
    .expect("the server answers in time")
    .expect("the server is up");
    assert_eq!(health.status(), 200);
}

fn message(r: &Value) -> String {
    r["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn literals_nested_thousands_deep_are_refused_without_killing_the_server() {
    let app = spawn_app().await;
    // 2,000–5,000 levels overflowed a worker's stack and aborted the process.
    for depth in [2_000, 5_000, 50_000] {
        let list = format!(
            "{{ viewer(x: {}1{}) {{ email }} }}",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let r = app.gql(None, &list, json!({})).await;
        assert_eq!(error_code(&r), "VALIDATION", "{r:#}");
        assert!(message(&r).contains("nests brackets"), "{r:#}");
        let object = format!(
            "{{ viewer(x: {}1{}) {{ email }} }}",
            "{a:".repeat(depth),
            "}".repeat(depth)
        );
        let r = app.gql(None, &object, json!({})).await;
        assert_eq!(error_code(&r), "VALIDATION", "{r:#}");
    }
    still_answers(&app).await;
}

#[tokio::test]
async fn deeply_nested_variables_are_refused() {
    let app = spawn_app().await;
    // Nested deeper than the limit, but not deeper than a JSON reader accepts.
    let mut value = json!(1);
    for _ in 0..100 {
        value = json!([value]);
    }
    let r = app
        .gql(
            None,
            "query($x: [Int]) { viewer { email } }",
            json!({ "x": value }),
        )
        .await;
    assert_eq!(error_code(&r), "VALIDATION", "{r:#}");
    // Deeper than JSON readers accept: the body itself is refused.
    let deep = format!("{}1{}", "[".repeat(3_000), "]".repeat(3_000));
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body(format!(
            r#"{{"query":"query($x: [Int]) {{ viewer {{ email }} }}","variables":{{"x":{deep}}}}}"#
        ))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
    still_answers(&app).await;
}

#[tokio::test]
async fn a_fragment_bomb_is_refused_at_once() {
    let app = spawn_app().await;
    // 904 bytes that expand to 2^23 fields: it took 4 s and 800 MiB.
    let mut bomb = String::from("query { ...F0 }");
    for i in 0..23 {
        bomb.push_str(&format!(
            " fragment F{i} on Query {{ ...F{n} ...F{n} }}",
            n = i + 1
        ));
    }
    bomb.push_str(" fragment F23 on Query { __typename }");
    assert!(bomb.len() < 1_100);
    let (a, b) = tokio::join!(
        app.gql(None, &bomb, json!({})),
        app.gql(None, &bomb, json!({}))
    );
    for r in [a, b] {
        assert_eq!(error_code(&r), "VALIDATION", "{r:#}");
        assert!(message(&r).contains("8388608 fields"), "{r:#}");
    }
    // A fragment that spreads itself is named.
    let r = app
        .gql(
            None,
            "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&r), "VALIDATION", "{r:#}");
    still_answers(&app).await;
}

#[tokio::test]
async fn the_cost_of_a_query_counts_the_pages_it_asks_for() {
    let app = spawn_app().await;
    let admin = app.register("camille@exemple.fr", "Camille").await;
    app.create_organisation(&admin, "ag", "INVITATION").await;
    // The probe's query: 100 × 100 × 100 members for a plain member.
    let nested = "{ organisation(slug: \"ag\") { members(first: 100) { nodes { organisation { members(first: 100) { nodes { organisation { members(first: 100) { nodes { role } } } } } } } } } }";
    let r = app.gql(Some(&admin), nested, json!({})).await;
    assert_eq!(error_code(&r), "VALIDATION", "{r:#}");
    assert!(message(&r).contains("fields"), "{r:#}");
    // One page of 100 members is fine.
    let one_page = "{ organisation(slug: \"ag\") { members(first: 100) { totalCount nodes { role standing person { displayName } } } } }";
    let r = app.gql(Some(&admin), one_page, json!({})).await;
    assert!(r["errors"].is_null(), "{r:#}");
    assert_eq!(r["data"]["organisation"]["members"]["totalCount"], 1);
    // The page in a variable counts as well.
    let r = app
        .gql(
            Some(&admin),
            "query($n: Int) { organisation(slug: \"ag\") { members(first: $n) { nodes { organisation { members(first: $n) { nodes { role } } } } } } }",
            json!({ "n": 100 }),
        )
        .await;
    assert_eq!(error_code(&r), "VALIDATION", "{r:#}");
}

/// Opens a raw connection and sends `bytes`.
async fn raw(app: &TestApp, bytes: &[u8]) -> TcpStream {
    let mut socket = TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    socket.write_all(bytes).await.unwrap();
    socket
}

/// What the server sends before it closes the connection, within a deadline.
async fn until_closed(mut socket: TcpStream) -> String {
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), socket.read_to_end(&mut answer))
        .await
        .expect("the server closes the connection in time")
        .ok();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn slow_clients_are_cut_off() {
    let app = spawn_app_with(|s| {
        s.server.header_timeout_seconds = 1;
        s.server.request_timeout_seconds = 1;
    })
    .await;
    // Headers that never end.
    let slow_headers = raw(&app, b"POST /graphql HTTP/1.1\r\nHost: x\r\n").await;
    // A body that never comes.
    let slow_body = raw(
        &app,
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
    )
    .await;
    still_answers(&app).await;
    let (headers, body) = tokio::join!(until_closed(slow_headers), until_closed(slow_body));
    assert!(!headers.contains("200 OK"), "{headers}");
    assert!(body.starts_with("HTTP/1.1 408"), "{body}");
}

#[tokio::test]
async fn one_address_holds_only_so_many_connections() {
    let app = spawn_app_with(|s| s.server.max_connections_per_address = 4).await;
    // reqwest's own pool may hold one; keep three idle sockets open.
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(raw(&app, b"").await);
    }
    still_answers(&app).await;
    // The fifth is closed at once, with nothing said.
    let extra = raw(&app, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let answer = until_closed(extra).await;
    assert!(answer.is_empty(), "{answer}");
    // Closing one frees its place.
    drop(held.pop());
    crate::helpers::eventually(10, || async {
        let socket = raw(
            &app,
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .await;
        let answer = until_closed(socket).await;
        if answer.starts_with("HTTP/1.1 200") {
            Ok(())
        } else {
            Err(answer)
        }
    })
    .await;
}

#[tokio::test]
async fn websockets_and_their_subscriptions_are_capped() {
    let app = spawn_app_with(|s| {
        s.graphql.max_subscriptions = 2;
        s.graphql.max_websockets = 1;
    })
    .await;
    let admin = app.register("camille@exemple.fr", "Camille").await;
    let org = app.create_organisation(&admin, "ag", "INVITATION").await;
    let mut socket = connect(&app, &admin).await;
    let changes = "subscription($org: ID!) { membershipChanges(organisationId: $org) { change } }";
    for id in ["1", "2", "3"] {
        send(&mut socket, json!({ "id": id, "type": "subscribe", "payload": { "query": changes, "variables": { "org": org } } })).await;
    }
    let refused = next(&mut socket).await;
    assert_eq!(refused["id"], "3", "{refused:#}");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "RATE_LIMITED",
        "{refused:#}"
    );
    // Stopping one gives its place back.
    send(&mut socket, json!({ "id": "1", "type": "complete" })).await;
    send(
        &mut socket,
        json!({ "id": "4", "type": "subscribe", "payload": { "query": "{ viewer { email } }" } }),
    )
    .await;
    let mut answer = next(&mut socket).await;
    while answer["id"] != "4" || answer["type"] != "next" {
        answer = next(&mut socket).await;
    }
    assert_eq!(
        answer["payload"]["data"]["viewer"]["email"],
        "camille@exemple.fr"
    );
    // A second connection is refused while the first is open.
    let refused = app
        .client
        .get(format!("{}/graphql/ws", app.address))
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .header("sec-websocket-protocol", "graphql-transport-ws")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 503);
    drop(socket);
    still_answers(&app).await;
}

#[tokio::test]
async fn introspection_and_suggestions_can_be_switched_off() {
    let on = spawn_app().await;
    let r = on.gql(None, "{ viewr { email } }", json!({})).await;
    assert!(message(&r).contains("Did you mean"), "{r:#}");
    let off = spawn_app_with(|s| s.graphql.introspection = false).await;
    let r = off
        .gql(None, "{ __schema { types { name } } }", json!({}))
        .await;
    assert!(r["data"]["__schema"].is_null(), "{r:#}");
    let r = off.gql(None, "{ viewr { email } }", json!({})).await;
    assert_eq!(error_code(&r), "VALIDATION", "{r:#}");
    assert!(!message(&r).contains("Did you mean"), "{r:#}");
    let playground = off
        .client
        .get(format!("{}/graphql", off.address))
        .send()
        .await
        .unwrap();
    assert_eq!(playground.status(), 404);
    // Queries still work.
    let r = off.gql(None, "{ viewer { email } }", json!({})).await;
    assert!(r["errors"].is_null(), "{r:#}");
}

#[tokio::test]
async fn dates_out_of_range_are_refused_with_their_field_and_write_nothing() {
    let app = spawn_app().await;
    let admin = app.register("camille@exemple.fr", "Camille").await;
    let org = app.create_organisation(&admin, "ag", "INVITATION").await;
    let invite = "mutation($o: ID!, $d: NaiveDate) { inviteMember(input: { organisationId: $o, email: \"lea@exemple.fr\", standing: MEMBER, goodUntil: $d }) { link } }";
    for date in ["0000-01-01", "9999-12-31", "+10000-01-01"] {
        let r = app
            .gql(Some(&admin), invite, json!({ "o": org, "d": date }))
            .await;
        assert_eq!(error_code(&r), "VALIDATION", "{date}: {r:#}");
        assert_eq!(r["errors"][0]["extensions"]["field"], "goodUntil");
    }
    // Written in the query as well as passed in a variable.
    let r = app
        .gql(
            Some(&admin),
            &format!("mutation {{ inviteMember(input: {{ organisationId: \"{org}\", email: \"lea@exemple.fr\", standing: MEMBER, goodUntil: \"1800-01-01\" }}) {{ link }} }}"),
            json!({}),
        )
        .await;
    assert_eq!(r["errors"][0]["extensions"]["field"], "goodUntil", "{r:#}");
    let listed = app
        .gql(
            Some(&admin),
            "query($o: ID!) { organisationById: organisation(id: $o) { invitations(first: 10) { nodes { email } } } }",
            json!({ "o": org }),
        )
        .await;
    assert_eq!(
        listed["data"]["organisationById"]["invitations"]["nodes"],
        json!([]),
        "{listed:#}"
    );
    // A date in range goes through.
    let r = app
        .gql(Some(&admin), invite, json!({ "o": org, "d": "2027-12-31" }))
        .await;
    assert!(r["errors"].is_null(), "{r:#}");
}

const LOGIN: &str = "mutation($email: String!, $password: String!) { login(input: { email: $email, password: $password }) { token } }";

/// A login sent through our reverse proxy, which appends the client's
/// address to whatever X-Forwarded-For the client wrote.
async fn login_via_proxy(app: &TestApp, forwarded: &str, password: &str) -> Value {
    app.client
        .post(format!("{}/graphql", app.address))
        .header("x-forwarded-for", forwarded)
        .json(&json!({ "query": LOGIN, "variables": { "email": "camille@exemple.fr", "password": password } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn nobody_can_lock_the_owner_out_nor_escape_the_brake_by_rewriting_x_forwarded_for() {
    let app = spawn_app_with(|s| {
        s.server.trust_forwarded_for = true;
        s.accounts.login_max_failures = 3;
        s.accounts.address_max_failures = 100;
    })
    .await;
    app.register("camille@exemple.fr", "Camille").await;
    // An attacker at 203.0.113.7 rotates what it writes on the left.
    for i in 0..3 {
        let r = login_via_proxy(
            &app,
            &format!("10.9.9.{i}, 203.0.113.7"),
            "guess guess guess",
        )
        .await;
        assert_eq!(error_code(&r), "UNAUTHENTICATED", "{r:#}");
    }
    let r = login_via_proxy(&app, "10.9.9.99, 203.0.113.7", PASSWORD).await;
    assert_eq!(
        error_code(&r),
        "RATE_LIMITED",
        "the attacker's address waits: {r:#}"
    );
    // The owner, from home, is not locked out.
    let r = login_via_proxy(&app, "198.51.100.4", PASSWORD).await;
    assert!(r["data"]["login"]["token"].is_string(), "{r:#}");
}

#[tokio::test]
async fn wrong_current_passwords_and_registrations_are_throttled() {
    let app = spawn_app_with(|s| {
        s.accounts.login_max_failures = 2;
        s.accounts.registrations_per_address = 3;
    })
    .await;
    let token = app.register("camille@exemple.fr", "Camille").await;
    let change = "mutation($c: String!) { changePassword(input: { currentPassword: $c, newPassword: \"une autre phrase de passe\" }) }";
    for _ in 0..2 {
        let r = app
            .gql(Some(&token), change, json!({ "c": "guess guess guess" }))
            .await;
        assert_eq!(error_code(&r), "VALIDATION", "{r:#}");
    }
    let r = app
        .gql(Some(&token), change, json!({ "c": PASSWORD }))
        .await;
    assert_eq!(error_code(&r), "RATE_LIMITED", "{r:#}");
    // Two more accounts from this address, then no more.
    app.register("lea@exemple.fr", "Léa").await;
    app.register("sam@exemple.fr", "Sam").await;
    let r = app
        .gql(
            None,
            "mutation { register(input: { email: \"x@exemple.fr\", password: \"correct horse battery\", displayName: \"X\" }) { token } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&r), "RATE_LIMITED", "{r:#}");
}

#[tokio::test]
async fn a_throttle_holds_on_every_server_sharing_the_database() {
    // The second server has the default settings: five failures per place.
    let app = spawn_app().await;
    if app.state.db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return;
    }
    app.register("camille@exemple.fr", "Camille").await;
    let login =
        |password: &'static str| json!({ "email": "camille@exemple.fr", "password": password });
    for _ in 0..5 {
        let r = app.gql(None, LOGIN, login("guess guess guess")).await;
        assert_eq!(error_code(&r), "UNAUTHENTICATED");
    }
    let other = app.second_server().await;
    let r = other.gql(None, LOGIN, login(PASSWORD)).await;
    assert_eq!(error_code(&r), "RATE_LIMITED", "{r:#}");
}

#[tokio::test]
async fn an_invitation_is_for_its_address_unless_sent_to_anyone_with_the_link() {
    let app = spawn_app().await;
    let admin = app.register("camille@exemple.fr", "Camille").await;
    let org = app.create_organisation(&admin, "ag", "INVITATION").await;
    let invite = "mutation($o: ID!, $any: Boolean! = false) { inviteMember(input: { organisationId: $o, email: \"lea@exemple.fr\", role: FACILITATOR, anyoneWithLink: $any }) { link } }";
    let r = app.gql(Some(&admin), invite, json!({ "o": org })).await;
    let token = r["data"]["inviteMember"]["link"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let accept = "mutation($t: String!) { acceptInvitation(token: $t) { role } }";
    // Someone else, logged in, cannot take Léa's place and her role…
    let mallory = app.register("mallory@exemple.fr", "Mallory").await;
    let r = app.gql(Some(&mallory), accept, json!({ "t": token })).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r:#}");
    // …nor register with her link under another address (nothing is created).
    let r = app
        .gql(
            None,
            "mutation($t: String!) { register(input: { email: \"eve@exemple.fr\", password: \"correct horse battery\", displayName: \"Eve\", invitationToken: $t }) { token } }",
            json!({ "t": token }),
        )
        .await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r:#}");
    let r = app
        .gql(
            None,
            "mutation { login(input: { email: \"eve@exemple.fr\", password: \"correct horse battery\" }) { token } }",
            json!({}),
        )
        .await;
    assert_eq!(
        error_code(&r),
        "UNAUTHENTICATED",
        "no account was left behind: {r:#}"
    );
    // Léa herself may.
    let lea = app.register("lea@exemple.fr", "Léa").await;
    let r = app.gql(Some(&lea), accept, json!({ "t": token })).await;
    assert_eq!(
        r["data"]["acceptInvitation"]["role"], "FACILITATOR",
        "{r:#}"
    );
    // A link for anyone works for anyone.
    let r = app
        .gql(
            Some(&admin),
            invite.replace("lea@", "sam@").as_str(),
            json!({ "o": org, "any": true }),
        )
        .await;
    let open = r["data"]["inviteMember"]["link"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let r = app.gql(Some(&mallory), accept, json!({ "t": open })).await;
    assert_eq!(
        r["data"]["acceptInvitation"]["role"], "FACILITATOR",
        "{r:#}"
    );
}
