//! Live subscriptions end when the right to them ends: the session (logout,
//! revocation, a password change elsewhere) or the rights (removal, a
//! demotion to supporter) — at the next event, with an error, and nothing
//! of the subject delivered after.

use serde_json::{Value, json};

use crate::helpers::{Newcomer, PASSWORD, TestApp, data, spawn_app};
use crate::subscriptions::{Socket, connect, next, send};

const POSTS: &str =
    "subscription($t: ID!) { threadPosts(threadId: $t) { change post { bodyHtml } } }";
const REPLY: &str = "mutation($t: ID!, $p: ID!, $b: String!) { reply(threadId: $t, parentId: $p, body: $b) { id } }";
const LOGIN: &str = "mutation { login(input: { email: \"lucas@exemple.fr\", password: \"correct horse battery\" }) { token } }";

/// A members-only thread that Lucas follows live, and the admin who posts in it.
struct World {
    app: TestApp,
    admin: String,
    lucas: String,
    membership: String,
    thread: Value,
    root: Value,
    socket: Socket,
}

async fn world() -> World {
    let app = spawn_app().await;
    let admin = app.register("camille@exemple.fr", "Camille").await;
    let org = app.create_organisation(&admin, "ag", "INVITATION").await;
    let (lucas, membership) = app
        .add_member(&admin, &org, Newcomer::new("lucas@exemple.fr", "Lucas"))
        .await;
    let r = app
        .gql(Some(&admin), "mutation($o: ID!) { createCategory(input: { organisationId: $o, slug: \"interne\", name: \"Interne\", visibility: MEMBERS }) { id } }", json!({ "o": org }))
        .await;
    let space = data(&r)["createCategory"]["id"].clone();
    let r = app
        .gql(Some(&admin), "mutation($c: ID!) { startThread(input: { categoryId: $c, title: \"Stratégie\", body: \"…\" }) { thread { id } post { id } } }", json!({ "c": space }))
        .await;
    let thread = data(&r)["startThread"]["thread"]["id"].clone();
    let root = data(&r)["startThread"]["post"]["id"].clone();
    let mut socket = connect(&app, &lucas).await;
    send(&mut socket, json!({ "id": "1", "type": "subscribe", "payload": { "query": POSTS, "variables": { "t": thread } } })).await;
    let mut world = World {
        app,
        admin,
        lucas,
        membership,
        thread,
        root,
        socket,
    };
    // The subscription starts asynchronously: post until Lucas sees one.
    for attempt in 0..20 {
        world.post(&format!("Avant {attempt}")).await;
        if let Ok(message) = tokio::time::timeout(
            std::time::Duration::from_millis(500),
            next(&mut world.socket),
        )
        .await
        {
            assert_eq!(message["type"], "next", "{message}");
            assert!(message["payload"]["data"]["threadPosts"]["post"]["bodyHtml"].is_string());
            return world;
        }
    }
    panic!("the subscription never delivered");
}

impl World {
    async fn post(&self, body: &str) {
        let r = self
            .app
            .gql(
                Some(&self.admin),
                REPLY,
                json!({ "t": self.thread, "p": self.root, "b": body }),
            )
            .await;
        assert!(r["errors"].is_null(), "{r}");
    }

    /// After the right ended: the next message is the error, the one after
    /// it ends the subscription, and a post written then never arrives.
    async fn ends_with(mut self, code: &str) -> Self {
        self.post("Après: secret").await;
        // Messages still in flight from before may come first.
        let mut message = next(&mut self.socket).await;
        while message["type"] == "next" && message["payload"]["errors"].is_null() {
            let body = message["payload"]["data"]["threadPosts"]["post"]["bodyHtml"].to_string();
            assert!(
                !body.contains("Après"),
                "delivered after the right ended: {message}"
            );
            message = next(&mut self.socket).await;
        }
        assert_eq!(
            message["payload"]["errors"][0]["extensions"]["code"], code,
            "{message}"
        );
        let last = next(&mut self.socket).await;
        assert_eq!(last["type"], "complete", "{last}");
        self
    }

    async fn other_session(&self) -> String {
        let r = self.app.gql(None, LOGIN, json!({})).await;
        data(&r)["login"]["token"].as_str().unwrap().to_owned()
    }
}

#[tokio::test]
async fn logging_out_ends_the_subscription_and_the_socket_opens_no_other() {
    let world = world().await;
    let r = world
        .app
        .gql(Some(&world.lucas), "mutation { logout }", json!({}))
        .await;
    assert_eq!(data(&r)["logout"], true);
    let mut world = world.ends_with("UNAUTHENTICATED").await;
    send(&mut world.socket, json!({ "id": "2", "type": "subscribe", "payload": { "query": POSTS, "variables": { "t": world.thread } } })).await;
    let message = next(&mut world.socket).await;
    assert_eq!(
        message["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{message}"
    );
    assert_eq!(next(&mut world.socket).await["type"], "complete");
    send(
        &mut world.socket,
        json!({ "id": "3", "type": "subscribe", "payload": { "query": "{ viewer { email } }" } }),
    )
    .await;
    let message = next(&mut world.socket).await;
    assert_eq!(
        message["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "a query on the socket too: {message}"
    );
}

#[tokio::test]
async fn removal_from_the_organisation_ends_the_subscription() {
    let world = world().await;
    let remove =
        "mutation($m: ID!) { removeMember(membershipId: $m, reason: \"Départ\") { leftAt } }";
    let r = world
        .app
        .gql(Some(&world.admin), remove, json!({ "m": world.membership }))
        .await;
    assert!(r["errors"].is_null(), "{r}");
    world.ends_with("NOT_FOUND").await;
}

#[tokio::test]
async fn a_demotion_to_supporter_ends_the_subscription_to_a_members_space() {
    let world = world().await;
    let set = "mutation($m: ID!) { setStanding(input: { membershipId: $m, standing: SUPPORTER }) { standing } }";
    let r = world
        .app
        .gql(Some(&world.admin), set, json!({ "m": world.membership }))
        .await;
    assert!(r["errors"].is_null(), "{r}");
    world.ends_with("NOT_FOUND").await;
}

#[tokio::test]
async fn a_password_change_from_another_session_ends_the_subscription() {
    let world = world().await;
    let phone = world.other_session().await;
    let change = "mutation($c: String!) { changePassword(input: { currentPassword: $c, newPassword: \"a brand new passphrase\" }) }";
    let r = world
        .app
        .gql(Some(&phone), change, json!({ "c": PASSWORD }))
        .await;
    assert_eq!(data(&r)["changePassword"], true);
    world.ends_with("UNAUTHENTICATED").await;
}

#[tokio::test]
async fn revoking_the_session_from_another_ends_the_subscription() {
    let world = world().await;
    let phone = world.other_session().await;
    let r = world
        .app
        .gql(
            Some(&phone),
            "{ viewer { sessions { nodes { id current } } } }",
            json!({}),
        )
        .await;
    let socket_session = data(&r)["viewer"]["sessions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false)
        .unwrap()["id"]
        .clone();
    let r = world
        .app
        .gql(
            Some(&phone),
            "mutation($id: ID!) { revokeSession(id: $id) }",
            json!({ "id": socket_session }),
        )
        .await;
    assert_eq!(data(&r)["revokeSession"], true);
    world.ends_with("UNAUTHENTICATED").await;
}
