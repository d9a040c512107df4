//! The Meilisearch engine's contract: what it sends Meilisearch and how it
//! reads the answers, against a mock speaking Meilisearch's HTTP API; and,
//! when `PLENUM_TEST_MEILISEARCH_URL` names one, against a real Meilisearch.

use plenum::domain::search::{Access, Facet, Filters, MARK_END, MARK_START, Query};
use plenum::search::meili::Meili;
use plenum::search::{Change, Document, Request, SearchError, SearchIndex};
use serde_json::{Value, json};
use uuid::Uuid;
use wiremock::matchers::{bearer_token, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const INDEX: &str = "plenum";
const AT: &str = "2025-06-01T10:00:00Z";

/// Meilisearch's 202 answer to a write: the task it queued.
fn queued(uid: u32, kind: &str) -> ResponseTemplate {
    ResponseTemplate::new(202).set_body_json(json!({
        "taskUid": uid, "indexUid": INDEX, "status": "enqueued", "type": kind,
        "details": null, "enqueuedAt": AT,
    }))
}

/// A task as `GET /tasks/<uid>` shows it, in `status`.
fn task(uid: u32, kind: &str, status: &str) -> ResponseTemplate {
    let mut body = json!({
        "uid": uid, "indexUid": INDEX, "status": status, "type": kind, "details": null,
        "enqueuedAt": AT, "startedAt": AT, "finishedAt": AT, "duration": "PT0.004S",
        "canceledBy": null, "error": null,
    });
    if status == "failed" {
        body["error"] = json!({
            "message": "Document identifier `a:b` is invalid.",
            "code": "invalid_document_id", "type": "invalid_request",
            "link": "https://docs.meilisearch.com/errors#invalid_document_id",
        });
    }
    ResponseTemplate::new(200).set_body_json(body)
}

/// Settings accepted as task 1, which succeeds.
async fn settings_accepted(server: &MockServer) {
    Mock::given(method("PATCH"))
        .and(path(format!("/indexes/{INDEX}/settings")))
        .respond_with(queued(1, "settingsUpdate"))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/tasks/1"))
        .respond_with(task(1, "settingsUpdate", "succeeded"))
        .mount(server)
        .await;
}

fn document(id: &str, audience: &str) -> Document {
    Document {
        id: id.to_owned(),
        organisation_id: Uuid::nil(),
        kind: "minutes".to_owned(),
        body_id: None,
        year: 2025,
        title: "Compte rendu".to_owned(),
        text: "L'assemblée adopte le budget.".to_owned(),
        url: "/records/x".to_owned(),
        published_at: 1_750_000_000,
        audience: audience.to_owned(),
    }
}

fn request(words: &[&str], access: Access) -> Request {
    Request {
        query: Query {
            words: words.iter().map(|w| (*w).to_owned()).collect(),
            phrases: vec![],
        },
        filters: Filters::default(),
        access,
        organisation: None,
        offset: 0,
        limit: 10,
    }
}

/// The requests the mock received, as `METHOD /path`, repeated polls of one
/// task counted once.
async fn calls(server: &MockServer) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in server.received_requests().await.unwrap() {
        let call = format!("{} {}", r.method, r.url.path());
        if out.last() != Some(&call) {
            out.push(call);
        }
    }
    out
}

#[tokio::test]
async fn configuring_sends_the_settings_with_the_key_and_polls_the_task_until_it_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/indexes/plenum/settings"))
        .and(bearer_token("key"))
        .respond_with(queued(7, "settingsUpdate"))
        .expect(1)
        .mount(&server)
        .await;
    // Twice still at work, then done.
    Mock::given(method("GET"))
        .and(path("/tasks/7"))
        .respond_with(task(7, "settingsUpdate", "processing"))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/tasks/7"))
        .and(bearer_token("key"))
        .respond_with(task(7, "settingsUpdate", "succeeded"))
        .mount(&server)
        .await;
    let meili = Meili::new(&server.uri(), "key", INDEX).unwrap();

    meili.configure().await.unwrap();

    let received = server.received_requests().await.unwrap();
    let settings: Value = received[0].body_json().unwrap();
    assert_eq!(settings["searchableAttributes"], json!(["title", "text"]));
    assert_eq!(
        settings["filterableAttributes"],
        json!(["audience", "organisation_id", "kind", "body_id", "year"])
    );
    assert_eq!(settings["sortableAttributes"], json!(["published_at"]));
    let polls = received
        .iter()
        .filter(|r| r.url.path() == "/tasks/7")
        .count();
    assert!(polls >= 3, "the task was polled {polls} times");
}

#[tokio::test]
async fn changes_go_in_order_with_meilisearch_ids_each_task_awaited() {
    let server = MockServer::start().await;
    settings_accepted(&server).await;
    Mock::given(method("POST"))
        .and(path("/indexes/plenum/documents"))
        .and(query_param("primaryKey", "id"))
        .respond_with(queued(2, "documentAdditionOrUpdate"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/tasks/2"))
        .respond_with(task(2, "documentAdditionOrUpdate", "succeeded"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/indexes/plenum/documents/delete-batch"))
        .respond_with(queued(3, "documentDeletion"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/tasks/3"))
        .respond_with(task(3, "documentDeletion", "succeeded"))
        .mount(&server)
        .await;
    let meili = Meili::new(&server.uri(), "key", INDEX).unwrap();
    let record = format!("record:{}", Uuid::new_v4());
    let members = format!("{}:members", Uuid::nil());
    let post = format!("post:{}", Uuid::new_v4());

    meili
        .apply(vec![
            Change::Upsert(document(&record, "public")),
            Change::Upsert(document("thread:t1", &members)),
            Change::Remove(post.clone()),
        ])
        .await
        .unwrap();

    assert_eq!(
        calls(&server).await,
        [
            "PATCH /indexes/plenum/settings",
            "GET /tasks/1",
            "POST /indexes/plenum/documents",
            "GET /tasks/2",
            "POST /indexes/plenum/documents/delete-batch",
            "GET /tasks/3",
        ]
    );
    let received = server.received_requests().await.unwrap();
    let sent: Value = received
        .iter()
        .find(|r| r.url.path() == "/indexes/plenum/documents")
        .unwrap()
        .body_json()
        .unwrap();
    assert_eq!(sent[0]["id"], json!(record.replace(':', "-")));
    assert_eq!(sent[1]["id"], json!("thread-t1"));
    assert_eq!(sent[1]["audience"], json!(members));
    assert_eq!(sent[0]["body_id"], Value::Null);
    for field in [
        "organisation_id",
        "kind",
        "year",
        "title",
        "text",
        "url",
        "published_at",
    ] {
        assert!(sent[0].get(field).is_some(), "{field} is not sent");
    }
    let removed: Value = received
        .iter()
        .find(|r| r.url.path().ends_with("delete-batch"))
        .unwrap()
        .body_json()
        .unwrap();
    assert_eq!(removed, json!([post.replace(':', "-")]));
}

#[tokio::test]
async fn a_failed_meilisearch_task_is_a_failure_with_its_message_applied_or_rebuilt() {
    let server = MockServer::start().await;
    settings_accepted(&server).await;
    documents_queued_as_task_2(&server, "failed").await;
    let meili = Meili::new(&server.uri(), "key", INDEX).unwrap();
    let change = || vec![Change::Upsert(document("post:p1", "public"))];

    let applied = meili.apply(change()).await.unwrap_err();
    // A rebuild's batch is only queued: its failure comes when it settles.
    meili.load(change()).await.unwrap();
    let rebuilt = meili.settle().await.unwrap_err();

    for error in [applied, rebuilt] {
        match error {
            SearchError::Failed(message) => assert!(message.contains("is invalid"), "{message}"),
            other => panic!("expected Failed, got {other:?}"),
        }
    }
}

/// Meilisearch queues every batch as task 2, which ends as `status`.
async fn documents_queued_as_task_2(server: &MockServer, status: &str) {
    Mock::given(method("POST"))
        .and(path("/indexes/plenum/documents"))
        .respond_with(queued(2, "documentAdditionOrUpdate"))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/tasks/2"))
        .respond_with(task(2, "documentAdditionOrUpdate", status))
        .mount(server)
        .await;
}

async fn count(server: &MockServer, call: &str) -> usize {
    let received = server.received_requests().await.unwrap();
    received
        .iter()
        .filter(|r| format!("{} {}", r.method, r.url.path()) == call)
        .count()
}

#[tokio::test]
async fn a_rebuild_queues_its_batches_and_waits_for_their_tasks_when_it_settles() {
    let server = MockServer::start().await;
    settings_accepted(&server).await;
    documents_queued_as_task_2(&server, "succeeded").await;
    let meili = Meili::new(&server.uri(), "key", INDEX).unwrap();

    for id in ["record:r1", "record:r2"] {
        meili
            .load(vec![Change::Upsert(document(id, "public"))])
            .await
            .unwrap();
    }
    assert_eq!(count(&server, "POST /indexes/plenum/documents").await, 2);
    assert_eq!(
        count(&server, "GET /tasks/2").await,
        0,
        "nothing waited for yet"
    );

    meili.settle().await.unwrap();
    assert!(
        count(&server, "GET /tasks/2").await >= 2,
        "each task waited for"
    );
    let polls = count(&server, "GET /tasks/2").await;
    meili.settle().await.unwrap();
    assert_eq!(
        count(&server, "GET /tasks/2").await,
        polls,
        "settled once only"
    );
}

#[tokio::test]
async fn a_meilisearch_answering_503_is_unavailable_so_the_outbox_retries() {
    let server = MockServer::start().await;
    settings_accepted(&server).await;
    Mock::given(method("POST"))
        .and(path("/indexes/plenum/documents"))
        .respond_with(ResponseTemplate::new(503).set_body_string("upstream down"))
        .mount(&server)
        .await;
    let meili = Meili::new(&server.uri(), "key", INDEX).unwrap();

    let error = meili
        .apply(vec![Change::Upsert(document("post:p1", "public"))])
        .await
        .unwrap_err();

    assert!(matches!(error, SearchError::Unavailable(_)), "{error:?}");
}

#[tokio::test]
async fn meilisearch_filters_by_audience_in_the_query_and_its_answer_becomes_results() {
    let server = MockServer::start().await;
    settings_accepted(&server).await;
    let organisation = Uuid::new_v4();
    let moderated = Uuid::new_v4();
    let body = Uuid::new_v4();
    let members = format!("{organisation}:members");
    let record = Uuid::new_v4();
    Mock::given(method("POST"))
        .and(path("/indexes/plenum/search"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "hits": [
                {
                    "id": format!("record-{record}"), "organisation_id": organisation,
                    "kind": "minutes", "body_id": body, "year": 2025,
                    "title": "Assemblée générale", "text": "…le budget est adopté…",
                    "url": "/r/1", "published_at": 1_750_000_000, "audience": members,
                    "_formatted": {
                        "id": format!("record-{record}"),
                        "text": format!("…le {MARK_START}budget{MARK_END} est adopté…"),
                    },
                },
                {
                    "id": "post-p2", "organisation_id": organisation, "kind": "post",
                    "body_id": null, "year": 2024, "title": "Question",
                    "text": "Quel budget ?", "url": "/p/2", "published_at": 1_700_000_000,
                    "audience": "public",
                },
            ],
            "query": "budget", "processingTimeMs": 1, "limit": 10, "offset": 0,
            "estimatedTotalHits": 12,
            "facetDistribution": {
                "kind": { "minutes": 9, "post": 3 },
                "year": { "2025": 10, "2024": 2 },
                "body_id": { body.to_string(): 9 },
            },
        })))
        .expect(1)
        .mount(&server)
        .await;
    let meili = Meili::new(&server.uri(), "key", INDEX).unwrap();
    let mut search = request(
        &["budget"],
        Access {
            audiences: vec!["public".into(), members.clone()],
            moderated: vec![moderated],
        },
    );
    search.organisation = Some(organisation);
    search.filters.kinds = vec!["minutes".into(), "post".into()];

    let results = meili.search(&search).await.unwrap();

    let received = server.received_requests().await.unwrap();
    let sent: Value = received
        .iter()
        .find(|r| r.url.path().ends_with("/search"))
        .unwrap()
        .body_json()
        .unwrap();
    let filter = sent["filter"].as_str().unwrap();
    assert!(
        filter.contains(&format!(r#"audience IN ["public", "{members}"]"#)),
        "{filter}"
    );
    assert!(
        filter.contains(&format!(r#"OR organisation_id IN ["{moderated}"]"#)),
        "{filter}"
    );
    assert!(
        filter.contains(&format!(r#"AND organisation_id = "{organisation}""#)),
        "{filter}"
    );
    assert!(
        filter.contains(r#"kind IN ["minutes", "post"]"#),
        "{filter}"
    );
    assert_eq!(sent["q"], json!("budget"));
    assert_eq!(sent["matchingStrategy"], json!("all"));
    assert_eq!(sent["highlightPreTag"], json!(MARK_START));
    assert_eq!(sent["highlightPostTag"], json!(MARK_END));
    assert_eq!(sent["facets"], json!(["kind", "body_id", "year"]));
    assert_eq!(sent["attributesToCrop"], json!(["text:40"]));
    assert_eq!(sent["attributesToHighlight"], json!(["text"]));
    assert_eq!(
        (sent["offset"].clone(), sent["limit"].clone()),
        (json!(0), json!(10))
    );

    assert_eq!(results.total, 12);
    assert_eq!(results.hits.len(), 2);
    let first = &results.hits[0];
    assert_eq!(first.id, format!("record:{record}"));
    assert_eq!(first.body_id, Some(body));
    assert_eq!(
        first.snippet,
        format!("…le {MARK_START}budget{MARK_END} est adopté…")
    );
    assert_eq!(results.hits[1].id, "post:p2");
    assert_eq!(
        results.hits[1].snippet, "Quel budget ?",
        "no _formatted: the text's beginning"
    );
    let count = |facet: Facet, value: &str| {
        results
            .facets
            .iter()
            .find(|f| f.facet == facet && f.value == value)
            .map(|f| f.count)
    };
    assert_eq!(count(Facet::Kind, "minutes"), Some(9));
    assert_eq!(count(Facet::Year, "2024"), Some(2));
    assert_eq!(count(Facet::Body, &body.to_string()), Some(9));
    assert_eq!(results.facets.len(), 5);
}

#[tokio::test]
async fn a_filter_meilisearch_refuses_is_a_failure_not_an_outage() {
    let server = MockServer::start().await;
    settings_accepted(&server).await;
    Mock::given(method("POST"))
        .and(path("/indexes/plenum/search"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "message": "Attribute `audience` is not filterable.",
            "code": "invalid_search_filter", "type": "invalid_request",
            "link": "https://docs.meilisearch.com/errors#invalid_search_filter",
        })))
        .mount(&server)
        .await;
    let meili = Meili::new(&server.uri(), "key", INDEX).unwrap();
    let visitor = Access {
        audiences: vec!["public".into()],
        moderated: vec![],
    };

    let error = meili
        .search(&request(&["budget"], visitor))
        .await
        .unwrap_err();

    assert!(matches!(error, SearchError::Failed(_)), "{error:?}");
}

#[tokio::test]
async fn an_unreachable_meilisearch_is_unavailable() {
    let meili = Meili::new("http://127.0.0.1:1", "", INDEX).unwrap();
    let visitor = Access {
        audiences: vec!["public".into()],
        moderated: vec![],
    };

    let configure = meili.configure().await.unwrap_err();
    let search = meili
        .search(&request(&["budget"], visitor))
        .await
        .unwrap_err();
    let apply = meili
        .apply(vec![Change::Remove("post:p1".into())])
        .await
        .unwrap_err();

    for error in [configure, search, apply] {
        assert!(matches!(error, SearchError::Unavailable(_)), "{error:?}");
    }
}

#[tokio::test]
async fn against_a_real_meilisearch_a_visitor_never_sees_a_members_only_hit() {
    let Ok(url) = std::env::var("PLENUM_TEST_MEILISEARCH_URL") else {
        println!("skipped: PLENUM_TEST_MEILISEARCH_URL is not set");
        return;
    };
    let key = std::env::var("PLENUM_TEST_MEILISEARCH_KEY").unwrap_or_default();
    let index = format!("plenum_test_{}", Uuid::new_v4().simple());
    let meili = Meili::new(&url, &key, &index).unwrap();
    let organisation = Uuid::new_v4();
    let members = format!("{organisation}:members");
    let doc = |id: &str, audience: &str, text: &str| Document {
        organisation_id: organisation,
        text: text.to_owned(),
        ..document(id, audience)
    };
    meili.configure().await.unwrap();
    meili
        .apply(vec![
            Change::Upsert(doc(
                "record:public",
                "public",
                "Le budget participatif est adopté à l'unanimité.",
            )),
            Change::Upsert(doc(
                "record:members",
                &members,
                "Le budget des adhérents reste confidentiel.",
            )),
            Change::Upsert(doc(
                "post:other",
                "public",
                "Ordre du jour de la prochaine réunion.",
            )),
        ])
        .await
        .unwrap();
    let ids = |results: plenum::search::Results| {
        let mut ids: Vec<String> = results.hits.into_iter().map(|h| h.id).collect();
        ids.sort();
        ids
    };

    let visitor = Access {
        audiences: vec!["public".into()],
        moderated: vec![],
    };
    let seen_by_visitor = meili.search(&request(&["budget"], visitor)).await;
    let member = Access {
        audiences: vec!["public".into(), members],
        moderated: vec![],
    };
    let seen_by_member = meili.search(&request(&["budget"], member)).await;
    let cleared = meili.clear().await;
    // The index itself goes too, whatever the assertions say.
    let mut deletion =
        reqwest::Client::new().delete(format!("{}/indexes/{index}", url.trim_end_matches('/')));
    if !key.is_empty() {
        deletion = deletion.bearer_auth(&key);
    }
    let _ = deletion.send().await;

    let seen_by_visitor = seen_by_visitor.unwrap();
    assert_eq!(seen_by_visitor.total, 1);
    assert_eq!(ids(seen_by_visitor), ["record:public"]);
    let seen_by_member = seen_by_member.unwrap();
    assert!(
        seen_by_member
            .hits
            .iter()
            .any(|h| h.snippet.contains(MARK_START))
    );
    assert_eq!(ids(seen_by_member), ["record:members", "record:public"]);
    cleared.unwrap();
}
