//! Search: French and English forms, visibility enforced in the engine's
//! query, snippets, facets, cursors, bad input, and an index that catches up
//! after its engine was down.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use plenum::search::{Change, Request, Results, SearchError, SearchIndex};
use serde_json::{Value, json};

use crate::helpers::{data, error_code, eventually, spawn_app_with_search};
use crate::records::{World, world, world_on};

const SEARCH: &str = "query($q: String!, $o: ID, $f: [SearchFilter!], $first: Int, $after: String) { search(query: $q, organisationId: $o, filters: $f, first: $first, after: $after) { total hits { id kind title url snippet bodyId } facets { facet values { value count } } endCursor hasNextPage } }";

async fn search(w: &World, token: Option<&str>, q: &str, filters: Value) -> Value {
    w.app
        .gql(token, SEARCH, json!({ "q": q, "f": filters }))
        .await
}

fn titles(response: &Value) -> Vec<String> {
    let mut found: Vec<String> = data(response)["search"]["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["title"].as_str().unwrap().to_owned())
        .collect();
    found.sort();
    found
}

/// Waits until `token`'s search for `q` gives `expected` hits (indexing is
/// asynchronous: it follows the outbox).
async fn until_found(w: &World, token: Option<&str>, q: &str, expected: usize) -> Value {
    eventually(20, async || {
        let r = search(w, token, q, json!(null)).await;
        match data(&r)["search"]["hits"].as_array().map_or(0, Vec::len) {
            n if n == expected => Ok(r),
            n => Err(format!(
                "still {n} hits for {q}, expected {expected}: {r:#}"
            )),
        }
    })
    .await
}

#[tokio::test]
async fn a_french_word_finds_its_english_and_unaccented_forms_with_a_marked_snippet() {
    let w = world().await;
    w.published(
        &w.admin,
        &w.assembly,
        "Minutes of the spring assembly",
        "The deliberations on the new premises lasted two hours. Rent <b>is</b> high. Le tour de parole a été respecté.",
        "PUBLIC",
    )
    .await;
    let found = until_found(&w, None, "délibération", 1).await;
    let hit = &data(&found)["search"]["hits"][0];
    assert_eq!(hit["kind"], "report");
    assert!(
        hit["url"]
            .as_str()
            .unwrap()
            .starts_with("/o/montreuil/records/")
    );
    let snippet = hit["snippet"].as_str().unwrap();
    assert!(snippet.contains("<mark>deliberations</mark>"), "{snippet}");
    assert!(!snippet.contains("<b>"), "the text is escaped: {snippet}");
    // Accents do not matter either way, nor does the case.
    until_found(&w, None, "LOCAUX premises", 0).await;
    until_found(&w, None, "Délibérations", 1).await;
    // A phrase matches words in order only.
    until_found(&w, None, "\"new premises\"", 1).await;
    until_found(&w, None, "\"premises new\"", 0).await;
    // Function words in a phrase are not looked up, but keep their place.
    until_found(&w, None, "\"tour de parole\"", 1).await;
    until_found(&w, None, "\"tour du parole\"", 1).await;
    until_found(&w, None, "\"tour parole\"", 0).await;
    until_found(&w, None, "\"parole de tour\"", 0).await;
    // Function words are not indexed: alone they find nothing (and are no
    // error), beside other words they are left out.
    until_found(&w, None, "the deliberations", 1).await;
    until_found(&w, None, "le la", 0).await;
    until_found(&w, None, "\"on the\"", 0).await;
}

#[tokio::test]
async fn visibility_is_enforced_for_visitors_supporters_members_and_a_bodys_people() {
    let w = world().await;
    w.published(
        &w.admin,
        &w.assembly,
        "Budget public",
        "Le budget annuel.",
        "PUBLIC",
    )
    .await;
    w.published(
        &w.admin,
        &w.assembly,
        "Budget des membres",
        "Le budget détaillé.",
        "MEMBERS",
    )
    .await;
    w.published(
        &w.members[0],
        &w.commission,
        "Budget de la commission",
        "Le budget interne.",
        "BODY",
    )
    .await;
    // The facilitator sees all three once indexed.
    until_found(&w, Some(&w.admin), "budget", 3).await;
    assert_eq!(
        titles(&search(&w, None, "budget", json!(null)).await),
        ["Budget public"]
    );
    assert_eq!(
        titles(&search(&w, Some(&w.supporter), "budget", json!(null)).await),
        ["Budget public"]
    );
    assert_eq!(
        titles(&search(&w, Some(&w.members[1]), "budget", json!(null)).await),
        ["Budget des membres", "Budget public"]
    );
    assert_eq!(
        titles(&search(&w, Some(&w.members[0]), "budget", json!(null)).await),
        [
            "Budget de la commission",
            "Budget des membres",
            "Budget public"
        ]
    );
    // Facets count what the searcher may see; filters narrow it.
    let member = search(&w, Some(&w.members[1]), "budget", json!(null)).await;
    let facets = &data(&member)["search"]["facets"];
    let kind = facets
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["facet"] == "kind")
        .unwrap();
    assert_eq!(kind["values"], json!([{ "value": "report", "count": 2 }]));
    let in_body = search(
        &w,
        Some(&w.members[0]),
        "budget",
        json!([{ "facet": "body", "values": [w.commission] }]),
    )
    .await;
    assert_eq!(titles(&in_body), ["Budget de la commission"]);
}

#[tokio::test]
async fn discussions_are_searchable_and_a_hidden_post_leaves_the_results() {
    let w = world().await;
    let created = w
        .app
        .gql(
            Some(&w.admin),
            "mutation($input: CreateCategoryInput!) { createCategory(input: $input) { id } }",
            json!({ "input": { "organisationId": w.organisation, "slug": "debats", "name": "Débats", "visibility": "MEMBERS", "threadRight": "MEMBERS", "replyRight": "MEMBERS" } }),
        )
        .await;
    let space = data(&created)["createCategory"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let started = w
        .app
        .gql(
            Some(&w.members[0]),
            "mutation($input: StartThreadInput!) { startThread(input: $input) { thread { id } post { id } } }",
            json!({ "input": { "categoryId": space, "title": "Le local de la rue de Paris", "body": "Faut-il déménager ?" } }),
        )
        .await;
    let thread = data(&started)["startThread"]["thread"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let opening = data(&started)["startThread"]["post"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = w
        .app
        .gql(
            Some(&w.members[1]),
            "mutation($t: ID!, $p: ID!, $b: String!) { reply(threadId: $t, parentId: $p, body: $b) { id } }",
            json!({ "t": thread, "p": opening, "b": "Le loyer du local est trop cher." }),
        )
        .await;
    let reply = data(&reply)["reply"]["id"].as_str().unwrap().to_owned();
    let found = until_found(&w, Some(&w.members[1]), "loyer", 1).await;
    assert_eq!(data(&found)["search"]["hits"][0]["kind"], "post");
    until_found(&w, Some(&w.members[1]), "déménager", 1).await;
    // Visitors do not search a members' space.
    assert_eq!(
        titles(&search(&w, None, "loyer", json!(null)).await),
        Vec::<String>::new()
    );
    data(
        &w.app
            .gql(
                Some(&w.admin),
                "mutation($id: ID!, $r: String) { hidePost(id: $id, reason: $r) { id } }",
                json!({ "id": reply, "r": "Hors sujet" }),
            )
            .await,
    );
    until_found(&w, Some(&w.members[1]), "loyer", 0).await;
}

#[tokio::test]
async fn bad_searches_get_clear_errors() {
    let w = world().await;
    for (q, filters) in [
        ("   ", json!(null)),
        (&*"mot ".repeat(2560), json!(null)),
        ("budget", json!([{ "facet": "colour", "values": ["red"] }])),
        ("budget", json!([{ "facet": "kind", "values": ["poem"] }])),
        (
            "budget",
            json!([{ "facet": "year", "values": ["l'an dernier"] }]),
        ),
    ] {
        let r = search(&w, None, q, filters).await;
        assert_eq!(error_code(&r), "VALIDATION", "{r:#}");
    }
    // An unbalanced quote is read as a phrase running to the end.
    let open = search(&w, None, "\"assemblée générale", json!(null)).await;
    assert_eq!(data(&open)["search"]["total"], 0);
    // A cursor from another search is refused.
    for n in 0..3 {
        w.published(
            &w.admin,
            &w.assembly,
            &format!("Compte rendu {n}"),
            "Assemblée générale ordinaire.",
            "PUBLIC",
        )
        .await;
    }
    until_found(&w, None, "ordinaire", 3).await;
    let first = w
        .app
        .gql(None, SEARCH, json!({ "q": "ordinaire", "first": 2 }))
        .await;
    let page = &data(&first)["search"];
    assert_eq!(page["hasNextPage"], true);
    let cursor = page["endCursor"].as_str().unwrap();
    let next = w
        .app
        .gql(
            None,
            SEARCH,
            json!({ "q": "ordinaire", "first": 2, "after": cursor }),
        )
        .await;
    assert_eq!(data(&next)["search"]["hits"].as_array().unwrap().len(), 1);
    let foreign = w
        .app
        .gql(
            None,
            SEARCH,
            json!({ "q": "assemblée", "first": 2, "after": cursor }),
        )
        .await;
    assert_eq!(error_code(&foreign), "VALIDATION");
}

/// An engine that can be switched off: refuses everything while down.
struct Switch {
    inner: plenum::search::embedded::Embedded,
    down: AtomicBool,
}

#[async_trait::async_trait]
impl SearchIndex for Switch {
    fn name(&self) -> &'static str {
        "switch"
    }
    async fn apply(&self, changes: Vec<Change>) -> Result<(), SearchError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(SearchError::Unavailable("switched off".into()));
        }
        self.inner.apply(changes).await
    }
    async fn search(&self, request: &Request) -> Result<Results, SearchError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(SearchError::Unavailable("switched off".into()));
        }
        self.inner.search(request).await
    }
    async fn clear(&self) -> Result<(), SearchError> {
        self.inner.clear().await
    }
}

#[tokio::test]
async fn writes_succeed_while_the_engine_is_down_and_the_index_catches_up() {
    let engine = Arc::new(Switch {
        inner: plenum::search::embedded::Embedded::in_memory().unwrap(),
        down: AtomicBool::new(true),
    });
    let w = world_on(spawn_app_with_search(engine.clone()).await).await;
    w.published(
        &w.admin,
        &w.assembly,
        "Compte rendu de l'assemblée",
        "Le quorum est atteint.",
        "PUBLIC",
    )
    .await;
    let refused = search(&w, None, "quorum", json!(null)).await;
    assert_eq!(error_code(&refused), "SEARCH_UNAVAILABLE");
    // Give the outbox time to fail at least once.
    tokio::time::sleep(Duration::from_millis(300)).await;
    engine.down.store(false, Ordering::SeqCst);
    until_found(&w, None, "quorum", 1).await;
}

#[tokio::test]
async fn delivered_messages_are_swept_after_a_week_and_undelivered_ones_kept() {
    use plenum::entity::outbox;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
    let app = crate::helpers::spawn_app().await;
    let long_ago = chrono::Utc::now() - chrono::Duration::days(8);
    for (delivered, topic) in [(Some(long_ago), "old.delivered"), (None, "old.pending")] {
        outbox::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            topic: Set(topic.into()),
            payload: Set(json!({})),
            attempts: Set(1),
            last_error: Set(None),
            created_at: Set(long_ago),
            // Not due again for a long while: the worker leaves it be.
            next_attempt_at: Set(chrono::Utc::now() + chrono::Duration::days(1)),
            delivered_at: Set(delivered),
            claimed_until: Set(None),
            failed_at: Set(None),
        }
        .insert(&app.state.db)
        .await
        .unwrap();
    }
    let removed = plenum::service::outbox::sweep(&app.state).await.unwrap();
    assert_eq!(removed, 1);
    let left: Vec<String> = outbox::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.topic)
        .collect();
    assert!(left.contains(&"old.pending".to_owned()));
    assert!(!left.contains(&"old.delivered".to_owned()));
}
