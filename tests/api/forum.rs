use serde_json::{Value, json};

use crate::helpers::{Newcomer, TestApp, data, error_code, eventually, spawn_app_with};

async fn category(
    app: &TestApp,
    admin: &str,
    org: &str,
    slug: &str,
    visibility: &str,
    thread_right: &str,
    reply_right: &str,
) -> String {
    let r = app
        .gql(
            Some(admin),
            "mutation($input: CreateCategoryInput!) { createCategory(input: $input) { id } }",
            json!({ "input": { "organisationId": org, "slug": slug, "name": slug, "visibility": visibility, "threadRight": thread_right, "replyRight": reply_right } }),
        )
        .await;
    data(&r)["createCategory"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn start(app: &TestApp, token: &str, category: &str, title: &str, body: &str) -> Value {
    app.gql(
        Some(token),
        "mutation($input: StartThreadInput!) { startThread(input: $input) { thread { id title postCount } post { id number depth bodyHtml } } }",
        json!({ "input": { "categoryId": category, "title": title, "body": body, "tags": ["budget"] } }),
    )
    .await
}

/// The thread and the opening post that `startThread` answered.
fn started(r: &Value) -> (String, String) {
    let id = |what: &str| {
        data(r)["startThread"][what]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    (id("thread"), id("post"))
}

async fn reply(app: &TestApp, token: &str, thread: &str, parent: &str, body: &str) -> Value {
    app.gql(
        Some(token),
        "mutation($t: ID!, $p: ID!, $b: String!) { reply(threadId: $t, parentId: $p, body: $b) { id number depth parentId bodyHtml } }",
        json!({ "t": thread, "p": parent, "b": body }),
    )
    .await
}

/// An organisation with an admin, a member, a supporter and a lapsed member, and
/// a members' space where members start threads and reply.
struct World {
    app: TestApp,
    admin: String,
    member: String,
    supporter: String,
    lapsed: String,
    org: String,
    space: String,
}

async fn world() -> World {
    world_with(|_| {}).await
}

async fn world_with(configure: impl FnOnce(&mut plenum::Settings)) -> World {
    let app = spawn_app_with(configure).await;
    let admin = app.register("camille@exemple.fr", "Camille Martin").await;
    let org = app.create_organisation(&admin, "ag", "INVITATION").await;
    let (member, _) = app
        .add_member(
            &admin,
            &org,
            Newcomer::new("lucas@exemple.fr", "Lucas Bernard"),
        )
        .await;
    let (supporter, _) = app
        .add_member(
            &admin,
            &org,
            Newcomer::new("thomas@exemple.fr", "Thomas Roux").supporter(),
        )
        .await;
    let (lapsed, _) = app
        .add_member(
            &admin,
            &org,
            Newcomer::new("julien@exemple.fr", "Julien Faure").until("2020-12-31"),
        )
        .await;
    let space = category(
        &app, &admin, &org, "debats", "MEMBERS", "MEMBERS", "MEMBERS",
    )
    .await;
    World {
        app,
        admin,
        member,
        supporter,
        lapsed,
        org,
        space,
    }
}

#[tokio::test]
async fn visibility_decides_who_reads_a_space() {
    let w = world().await;
    let public = category(
        &w.app,
        &w.admin,
        &w.org,
        "public",
        "PUBLIC",
        "MEMBERS",
        "SUPPORTERS",
    )
    .await;
    let supporters = category(
        &w.app,
        &w.admin,
        &w.org,
        "sympathisants",
        "SUPPORTERS",
        "SUPPORTERS",
        "SUPPORTERS",
    )
    .await;
    let outsider = w.app.register("outsider@exemple.fr", "Outsider").await;
    let read = |token: Option<String>, id: String| {
        let app = &w.app;
        async move {
            app.gql(
                token.as_deref(),
                "query($id: ID!) { category(id: $id) { name } }",
                json!({ "id": id }),
            )
            .await
        }
    };
    assert!(
        data(&read(None, public.clone()).await)["category"].is_object(),
        "visitors read public spaces"
    );
    assert_eq!(error_code(&read(None, w.space.clone()).await), "NOT_FOUND");
    assert_eq!(
        error_code(&read(Some(outsider.clone()), supporters.clone()).await),
        "NOT_FOUND"
    );
    assert!(
        data(&read(Some(w.supporter.clone()), supporters.clone()).await)["category"].is_object()
    );
    assert_eq!(
        error_code(&read(Some(w.supporter.clone()), w.space.clone()).await),
        "NOT_FOUND",
        "a members' space is not for supporters"
    );
    assert!(
        data(&read(Some(w.lapsed.clone()), w.space.clone()).await)["category"].is_object(),
        "lapsed members still read"
    );

    let list =
        "query($slug: String) { organisation(slug: $slug) { categories { nodes { slug } } } }";
    let r = w.app.gql(None, list, json!({ "slug": "ag" })).await;
    assert_eq!(
        data(&r)["organisation"]["categories"]["nodes"],
        json!([{ "slug": "public" }])
    );
    let r = w
        .app
        .gql(Some(&w.supporter), list, json!({ "slug": "ag" }))
        .await;
    assert_eq!(
        data(&r)["organisation"]["categories"]["nodes"],
        json!([{ "slug": "public" }, { "slug": "sympathisants" }])
    );
    let r = w.app.gql(Some(&w.member), "mutation($o: ID!) { createCategory(input: { organisationId: $o, slug: \"mon-espace\", name: \"X\" }) { id } }", json!({ "o": w.org })).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "only admins create spaces");
}

#[tokio::test]
async fn replies_form_a_tree_of_any_depth_read_flat_or_by_branch() {
    let w = world().await;
    let r = start(
        &w.app,
        &w.member,
        &w.space,
        "Local du 12 rue Voltaire",
        "Faut-il **renouveler** le bail ?",
    )
    .await;
    let started = &data(&r)["startThread"];
    let thread = started["thread"]["id"].as_str().unwrap().to_owned();
    let root = started["post"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        started["post"]["bodyHtml"],
        "<p>Faut-il <strong>renouveler</strong> le bail ?</p>\n"
    );
    // A chain ten deep, and a second answer to the opening post.
    let mut parent = root.clone();
    for depth in 1..=10 {
        let r = reply(
            &w.app,
            &w.admin,
            &thread,
            &parent,
            &format!("Réponse de profondeur {depth}"),
        )
        .await;
        let post = &data(&r)["reply"];
        assert_eq!(post["depth"], depth);
        assert_eq!(post["parentId"], parent.as_str());
        parent = post["id"].as_str().unwrap().to_owned();
    }
    let r = reply(&w.app, &w.member, &thread, &root, "Autre branche").await;
    assert_eq!(data(&r)["reply"]["number"], 12);

    let flat = "query($t: ID!, $after: String) { thread(id: $t) { postCount posts(first: 5, after: $after) { nodes { number depth } pageInfo { hasNextPage endCursor } } } }";
    let r = w
        .app
        .gql(Some(&w.member), flat, json!({ "t": thread }))
        .await;
    let t = &data(&r)["thread"];
    assert_eq!(t["postCount"], 12);
    assert_eq!(
        t["posts"]["nodes"],
        json!([{"number":1,"depth":0},{"number":2,"depth":1},{"number":3,"depth":2},{"number":4,"depth":3},{"number":5,"depth":4}])
    );
    let r = w
        .app
        .gql(
            Some(&w.member),
            flat,
            json!({ "t": thread, "after": t["posts"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(data(&r)["thread"]["posts"]["nodes"][0]["number"], 6);

    let branch = "query($p: ID!) { post(id: $p) { descendantCount replyCount replies { nodes { number descendantCount replyCount } } } }";
    let r = w
        .app
        .gql(Some(&w.member), branch, json!({ "p": root }))
        .await;
    let p = &data(&r)["post"];
    assert_eq!(p["descendantCount"], 11);
    assert_eq!(p["replyCount"], 2);
    assert_eq!(
        p["replies"]["nodes"],
        json!([{"number":2,"descendantCount":9,"replyCount":1},{"number":12,"descendantCount":0,"replyCount":0}])
    );
}

#[tokio::test]
async fn bad_posts_are_refused_and_change_nothing() {
    let w = world_with(|s| s.forum.max_body_bytes = 100).await;
    let r = start(&w.app, &w.member, &w.space, "  ", "corps").await;
    assert_eq!(
        (
            error_code(&r),
            r["errors"][0]["extensions"]["field"].as_str()
        ),
        ("VALIDATION".into(), Some("title"))
    );
    let r = start(&w.app, &w.member, &w.space, "Titre", " \n ").await;
    assert_eq!(error_code(&r), "VALIDATION");
    let r = start(&w.app, &w.member, &w.space, "Titre", &"x".repeat(101)).await;
    assert_eq!(
        (
            error_code(&r),
            r["errors"][0]["extensions"]["field"].as_str()
        ),
        ("VALIDATION".into(), Some("body"))
    );
    let r = start(&w.app, &w.member, &w.space, "Premier", "Premier fil").await;
    let (thread_a, root_a) = (
        data(&r)["startThread"]["thread"]["id"].clone(),
        data(&r)["startThread"]["post"]["id"].clone(),
    );
    let r = start(&w.app, &w.member, &w.space, "Second", "Second fil").await;
    let thread_b = data(&r)["startThread"]["thread"]["id"].clone();
    let r = reply(
        &w.app,
        &w.member,
        thread_b.as_str().unwrap(),
        root_a.as_str().unwrap(),
        "égaré",
    )
    .await;
    assert_eq!(
        (
            error_code(&r),
            r["errors"][0]["extensions"]["field"].as_str()
        ),
        ("VALIDATION".into(), Some("parentId"))
    );
    let r = w.app.gql(Some(&w.member), "query($t: ID!) { thread(id: $t) { postCount posts(after: \"n'importe quoi\") { nodes { number } } } }", json!({ "t": thread_a })).await;
    assert_eq!(error_code(&r), "VALIDATION");
    let r = w
        .app
        .gql(
            Some(&w.member),
            "query($t: ID!) { thread(id: $t) { postCount } }",
            json!({ "t": thread_b }),
        )
        .await;
    assert_eq!(
        data(&r)["thread"]["postCount"],
        1,
        "the refused reply was not counted"
    );
}

#[tokio::test]
async fn posting_rights_follow_standing_and_the_space() {
    let w = world().await;
    let r = start(&w.app, &w.lapsed, &w.space, "Je reviens", "Bonjour").await;
    assert_eq!(
        error_code(&r),
        "FORBIDDEN",
        "lapsed members lose posting rights"
    );
    let r = start(&w.app, &w.supporter, &w.space, "Bonjour", "Bonjour").await;
    assert_eq!(error_code(&r), "NOT_FOUND");
    let open = category(
        &w.app,
        &w.admin,
        &w.org,
        "accueil",
        "SUPPORTERS",
        "FACILITATORS",
        "SUPPORTERS",
    )
    .await;
    let r = start(&w.app, &w.member, &open, "Annonce", "Par un membre").await;
    assert_eq!(
        error_code(&r),
        "FORBIDDEN",
        "only facilitators start threads here"
    );
    let r = start(&w.app, &w.admin, &open, "Bienvenue", "Présentez-vous !").await;
    let (thread, root) = (
        data(&r)["startThread"]["thread"]["id"].clone(),
        data(&r)["startThread"]["post"]["id"].clone(),
    );
    let r = reply(
        &w.app,
        &w.supporter,
        thread.as_str().unwrap(),
        root.as_str().unwrap(),
        "Bonjour, je suis Thomas",
    )
    .await;
    assert_eq!(
        data(&r)["reply"]["number"],
        2,
        "supporters reply where the space allows"
    );
    let r = reply(
        &w.app,
        &w.lapsed,
        thread.as_str().unwrap(),
        root.as_str().unwrap(),
        "Et moi ?",
    )
    .await;
    assert_eq!(error_code(&r), "FORBIDDEN");
}

#[tokio::test]
async fn closed_and_archived_threads_take_no_replies_and_moderation_needs_a_reason() {
    let w = world().await;
    let r = start(&w.app, &w.member, &w.space, "Sujet clos", "Discussion").await;
    let (thread, root) = (
        data(&r)["startThread"]["thread"]["id"].clone(),
        data(&r)["startThread"]["post"]["id"].clone(),
    );
    let close =
        "mutation($t: ID!, $r: String) { closeThread(id: $t, reason: $r) { closed closedReason } }";
    assert_eq!(
        error_code(
            &w.app
                .gql(Some(&w.member), close, json!({ "t": thread, "r": "fin" }))
                .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(
            &w.app
                .gql(Some(&w.admin), close, json!({ "t": thread }))
                .await
        ),
        "REASON_REQUIRED"
    );
    let r = w
        .app
        .gql(
            Some(&w.admin),
            close,
            json!({ "t": thread, "r": "Décision prise en AG du 14 novembre" }),
        )
        .await;
    assert_eq!(
        data(&r)["closeThread"],
        json!({ "closed": true, "closedReason": "Décision prise en AG du 14 novembre" })
    );
    let r = reply(
        &w.app,
        &w.member,
        thread.as_str().unwrap(),
        root.as_str().unwrap(),
        "Encore un mot",
    )
    .await;
    assert_eq!(error_code(&r), "THREAD_CLOSED");
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("AG du 14 novembre")
    );
    w.app
        .gql(
            Some(&w.admin),
            "mutation($t: ID!) { reopenThread(id: $t) { closed } }",
            json!({ "t": thread }),
        )
        .await;
    w.app
        .gql(
            Some(&w.admin),
            "mutation($t: ID!) { archiveThread(id: $t) { archived } }",
            json!({ "t": thread }),
        )
        .await;
    let r = reply(
        &w.app,
        &w.member,
        thread.as_str().unwrap(),
        root.as_str().unwrap(),
        "Après l'archivage",
    )
    .await;
    assert_eq!(error_code(&r), "THREAD_CLOSED");
    let r = w
        .app
        .gql(
            Some(&w.member),
            "mutation($p: ID!) { editPost(id: $p, body: \"réécrit\") { id } }",
            json!({ "p": root }),
        )
        .await;
    assert_eq!(
        error_code(&r),
        "THREAD_CLOSED",
        "archived threads are read-only"
    );

    let log = "query { organisation(slug: \"ag\") { moderationLog { nodes { action reason actor { displayName } } } } }";
    let r = w.app.gql(Some(&w.admin), log, json!({})).await;
    let actions: Vec<&str> = data(&r)["organisation"]["moderationLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["ARCHIVE_THREAD", "REOPEN_THREAD", "CLOSE_THREAD"]);
    assert_eq!(
        error_code(&w.app.gql(Some(&w.member), log, json!({})).await),
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn edits_keep_every_version_and_only_authors_or_facilitators_edit() {
    let w = world().await;
    let r = start(&w.app, &w.member, &w.space, "Titre initial", "Version 1").await;
    let post = data(&r)["startThread"]["post"]["id"].clone();
    let edit = "mutation($p: ID!, $b: String!, $t: String) { editPost(id: $p, body: $b, title: $t) { bodyHtml revisionCount } }";
    let r = w
        .app
        .gql(
            Some(&w.member),
            edit,
            json!({ "p": post, "b": "Version 2", "t": "Titre révisé" }),
        )
        .await;
    assert_eq!(
        data(&r)["editPost"],
        json!({ "bodyHtml": "<p>Version 2</p>\n", "revisionCount": 1 })
    );
    let outsider_edit = w
        .app
        .gql(
            Some(&w.supporter),
            edit,
            json!({ "p": post, "b": "piraté" }),
        )
        .await;
    assert_eq!(error_code(&outsider_edit), "NOT_FOUND");
    let (other, _) = w
        .app
        .add_member(&w.admin, &w.org, Newcomer::new("ines@exemple.fr", "Inès"))
        .await;
    assert_eq!(
        error_code(
            &w.app
                .gql(Some(&other), edit, json!({ "p": post, "b": "pas à moi" }))
                .await
        ),
        "FORBIDDEN"
    );
    let r = w
        .app
        .gql(
            Some(&w.admin),
            edit,
            json!({ "p": post, "b": "Version 3, corrigée par l'animation" }),
        )
        .await;
    assert_eq!(data(&r)["editPost"]["revisionCount"], 2);
    let history = "query($p: ID!) { post(id: $p) { editedAt revisions { version title body author { displayName } } } }";
    let r = w
        .app
        .gql(Some(&w.supporter), history, json!({ "p": post }))
        .await;
    assert_eq!(error_code(&r), "NOT_FOUND", "the space is for members");
    let r = w.app.gql(Some(&other), history, json!({ "p": post })).await;
    let revisions = &data(&r)["post"]["revisions"];
    assert_eq!(
        revisions[0],
        json!({ "version": 1, "title": "Titre initial", "body": "Version 1", "author": { "displayName": "Lucas Bernard" } })
    );
    assert_eq!(
        revisions[1],
        json!({ "version": 2, "title": "Titre révisé", "body": "Version 2", "author": { "displayName": "Lucas Bernard" } })
    );
    let r = w
        .app
        .gql(
            Some(&w.admin),
            "query { organisation(slug: \"ag\") { moderationLog { nodes { action } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data(&r)["organisation"]["moderationLog"]["nodes"],
        json!([{ "action": "EDIT_POST" }])
    );
}

#[tokio::test]
async fn an_edit_window_limits_authors_but_not_facilitators() {
    let w = world().await;
    let r = w.app.gql(Some(&w.admin), "mutation($o: ID!) { updateOrganisation(id: $o, input: { editWindowMinutes: 0 }) { editWindowMinutes } }", json!({ "o": w.org })).await;
    assert_eq!(data(&r)["updateOrganisation"]["editWindowMinutes"], 0);
    let r = start(&w.app, &w.member, &w.space, "Titre", "Corps").await;
    let post = data(&r)["startThread"]["post"]["id"].clone();
    // Backdate the post: a minute has passed.
    use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
    plenum::entity::post::Entity::update_many()
        .set(plenum::entity::post::ActiveModel {
            created_at: Set(chrono::Utc::now() - chrono::Duration::minutes(2)),
            ..Default::default()
        })
        .filter(
            plenum::entity::post::Column::Id
                .eq(uuid::Uuid::parse_str(post.as_str().unwrap()).unwrap()),
        )
        .exec(&w.app.state.db)
        .await
        .unwrap();
    let edit = "mutation($p: ID!) { editPost(id: $p, body: \"trop tard\") { revisionCount } }";
    assert_eq!(
        error_code(&w.app.gql(Some(&w.member), edit, json!({ "p": post })).await),
        "FORBIDDEN"
    );
    assert_eq!(
        data(&w.app.gql(Some(&w.admin), edit, json!({ "p": post })).await)["editPost"]["revisionCount"],
        1
    );
}

#[tokio::test]
async fn deleted_and_hidden_posts_keep_their_place_and_show_why() {
    let w = world().await;
    let r = start(&w.app, &w.member, &w.space, "Fil", "Ouverture").await;
    let (thread, root) = (
        data(&r)["startThread"]["thread"]["id"].clone(),
        data(&r)["startThread"]["post"]["id"].clone(),
    );
    let r = reply(
        &w.app,
        &w.member,
        thread.as_str().unwrap(),
        root.as_str().unwrap(),
        "Je regrette ce message",
    )
    .await;
    let mine = data(&r)["reply"]["id"].clone();
    let r = reply(
        &w.app,
        &w.admin,
        thread.as_str().unwrap(),
        root.as_str().unwrap(),
        "Propos déplacés",
    )
    .await;
    let rude = data(&r)["reply"]["id"].clone();
    assert_eq!(
        error_code(
            &w.app
                .gql(
                    Some(&w.admin),
                    "mutation($p: ID!) { deletePost(id: $p) { deleted } }",
                    json!({ "p": mine })
                )
                .await
        ),
        "FORBIDDEN"
    );
    let r = w
        .app
        .gql(
            Some(&w.member),
            "mutation($p: ID!) { deletePost(id: $p) { deleted body } }",
            json!({ "p": mine }),
        )
        .await;
    assert_eq!(
        data(&r)["deletePost"],
        json!({ "deleted": true, "body": null })
    );
    let hide =
        "mutation($p: ID!, $r: String) { hidePost(id: $p, reason: $r) { hidden hiddenReason } }";
    assert_eq!(
        error_code(
            &w.app
                .gql(Some(&w.member), hide, json!({ "p": rude, "r": "non" }))
                .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(
            &w.app
                .gql(Some(&w.admin), hide, json!({ "p": rude, "r": "  " }))
                .await
        ),
        "REASON_REQUIRED"
    );
    let r = w
        .app
        .gql(
            Some(&w.admin),
            hide,
            json!({ "p": rude, "r": "Attaque personnelle (charte, art. 3)" }),
        )
        .await;
    assert_eq!(data(&r)["hidePost"]["hidden"], true);
    let read = "query($t: ID!) { thread(id: $t) { posts { nodes { number deleted hidden hiddenReason body } } } }";
    let r = w
        .app
        .gql(Some(&w.member), read, json!({ "t": thread }))
        .await;
    assert_eq!(
        data(&r)["thread"]["posts"]["nodes"],
        json!([
            { "number": 1, "deleted": false, "hidden": false, "hiddenReason": null, "body": "Ouverture" },
            { "number": 2, "deleted": true, "hidden": false, "hiddenReason": null, "body": null },
            { "number": 3, "deleted": false, "hidden": true, "hiddenReason": "Attaque personnelle (charte, art. 3)", "body": null },
        ])
    );
    let r = w
        .app
        .gql(Some(&w.admin), read, json!({ "t": thread }))
        .await;
    assert_eq!(
        data(&r)["thread"]["posts"]["nodes"][2]["body"],
        "Propos déplacés",
        "facilitators still read what they hid"
    );
}

#[tokio::test]
async fn unread_counts_follow_reading_and_mark_all_read() {
    let w = world().await;
    let r = start(
        &w.app,
        &w.admin,
        &w.space,
        "Ordre du jour",
        "Proposez vos points",
    )
    .await;
    let (thread, root) = (
        data(&r)["startThread"]["thread"]["id"].clone(),
        data(&r)["startThread"]["post"]["id"].clone(),
    );
    for i in 0..3 {
        reply(
            &w.app,
            &w.admin,
            thread.as_str().unwrap(),
            root.as_str().unwrap(),
            &format!("Point {i}"),
        )
        .await;
    }
    let r = start(&w.app, &w.admin, &w.space, "Autre sujet", "Rien de neuf").await;
    let other = data(&r)["startThread"]["thread"]["id"].clone();
    let counts = "query($c: ID!) { category(id: $c) { unreadCount threads(order: UNREAD_FIRST) { nodes { title unreadCount } } } }";
    let r = w
        .app
        .gql(Some(&w.member), counts, json!({ "c": w.space }))
        .await;
    assert_eq!(data(&r)["category"]["unreadCount"], 5);
    let r = w
        .app
        .gql(
            Some(&w.member),
            "mutation($t: ID!) { markThreadRead(threadId: $t, upTo: 2) { unreadCount } }",
            json!({ "t": thread }),
        )
        .await;
    assert_eq!(data(&r)["markThreadRead"]["unreadCount"], 2);
    w.app
        .gql(
            Some(&w.member),
            "mutation($t: ID!) { markThreadRead(threadId: $t) { unreadCount } }",
            json!({ "t": other }),
        )
        .await;
    let r = w
        .app
        .gql(Some(&w.member), counts, json!({ "c": w.space }))
        .await;
    let category = &data(&r)["category"];
    assert_eq!(category["unreadCount"], 2);
    assert_eq!(
        category["threads"]["nodes"],
        json!([{ "title": "Ordre du jour", "unreadCount": 2 }, { "title": "Autre sujet", "unreadCount": 0 }])
    );
    let r = w
        .app
        .gql(
            Some(&w.member),
            "mutation($c: ID!) { markCategoryRead(categoryId: $c) }",
            json!({ "c": w.space }),
        )
        .await;
    assert_eq!(data(&r)["markCategoryRead"], true);
    let r = w
        .app
        .gql(Some(&w.member), counts, json!({ "c": w.space }))
        .await;
    assert_eq!(data(&r)["category"]["unreadCount"], 0);
}

#[tokio::test]
async fn threads_list_pinned_first_by_activity_and_page_with_cursors() {
    let w = world().await;
    let mut ids = Vec::new();
    for title in ["A", "B", "C", "D"] {
        let r = start(&w.app, &w.member, &w.space, title, "…").await;
        ids.push(data(&r)["startThread"]["thread"]["id"].clone());
    }
    w.app
        .gql(
            Some(&w.admin),
            "mutation($t: ID!) { pinThread(id: $t, pinned: true) { pinned } }",
            json!({ "t": ids[0] }),
        )
        .await;
    let r = w
        .app
        .gql(
            Some(&w.member),
            "query($t: ID!) { thread(id: $t) { openingPost { id } } }",
            json!({ "t": ids[1] }),
        )
        .await;
    let root_b = data(&r)["thread"]["openingPost"]["id"].clone();
    reply(
        &w.app,
        &w.member,
        ids[1].as_str().unwrap(),
        root_b.as_str().unwrap(),
        "relance",
    )
    .await;
    let list = "query($c: ID!, $o: ThreadOrder, $after: String) { category(id: $c) { threads(order: $o, first: 2, after: $after) { nodes { title } pageInfo { hasNextPage endCursor } } } }";
    let mut titles = Vec::new();
    let mut after = Value::Null;
    loop {
        let r = w
            .app
            .gql(
                Some(&w.member),
                list,
                json!({ "c": w.space, "after": after }),
            )
            .await;
        let threads = &data(&r)["category"]["threads"];
        titles.extend(
            threads["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["title"].as_str().unwrap().to_owned()),
        );
        if threads["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = threads["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(
        titles,
        ["A", "B", "D", "C"],
        "pinned first, then latest activity"
    );
    let r = w
        .app
        .gql(
            Some(&w.member),
            list,
            json!({ "c": w.space, "o": "NEWEST" }),
        )
        .await;
    assert_eq!(
        data(&r)["category"]["threads"]["nodes"],
        json!([{ "title": "D" }, { "title": "C" }])
    );
    let r = w
        .app
        .gql(
            Some(&w.member),
            list,
            json!({ "c": w.space, "o": "NEWEST", "after": after }),
        )
        .await;
    assert_eq!(
        error_code(&r),
        "VALIDATION",
        "a cursor of another ordering is refused"
    );
}

#[tokio::test]
async fn facilitators_move_threads_within_the_organisation() {
    let w = world().await;
    let archive = category(
        &w.app,
        &w.admin,
        &w.org,
        "archives",
        "MEMBERS",
        "FACILITATORS",
        "MEMBERS",
    )
    .await;
    let r = start(&w.app, &w.member, &w.space, "À ranger", "…").await;
    let thread = data(&r)["startThread"]["thread"]["id"].clone();
    let mv = "mutation($t: ID!, $c: ID!) { moveThread(id: $t, categoryId: $c) { categoryId } }";
    assert_eq!(
        error_code(
            &w.app
                .gql(Some(&w.member), mv, json!({ "t": thread, "c": archive }))
                .await
        ),
        "FORBIDDEN"
    );
    let r = w
        .app
        .gql(Some(&w.admin), mv, json!({ "t": thread, "c": archive }))
        .await;
    assert_eq!(data(&r)["moveThread"]["categoryId"], archive.as_str());
    let other_org = w.app.create_organisation(&w.admin, "autre", "OPEN").await;
    let elsewhere = category(
        &w.app, &w.admin, &other_org, "ailleurs", "MEMBERS", "MEMBERS", "MEMBERS",
    )
    .await;
    assert_eq!(
        error_code(
            &w.app
                .gql(Some(&w.admin), mv, json!({ "t": thread, "c": elsewhere }))
                .await
        ),
        "VALIDATION"
    );
}

#[tokio::test]
async fn markdown_is_sanitised_and_member_mentions_become_links() {
    let w = world().await;
    let r = start(&w.app, &w.member, &w.space, "Test", "Merci @camille.martin et @personne !\n\n<script>alert(1)</script><img src=x onerror=alert(1)> [x](javascript:alert(1))").await;
    let html = data(&r)["startThread"]["post"]["bodyHtml"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        html.contains("<a class=\"mention\" href=\"/o/ag/members/camille.martin\""),
        "{html}"
    );
    assert!(html.contains("@personne"));
    assert!(
        !html.contains("<script")
            && !html.contains("onerror")
            && !html.contains("href=\"javascript"),
        "{html}"
    );
}

/// Replies arriving together are written in batches: each still gets its own
/// number, every post above it counts it once, and each author has read up
/// to their own last reply.
#[tokio::test]
async fn replies_sent_at_once_are_all_numbered_and_counted() {
    let w = world().await;
    let r = start(&w.app, &w.member, &w.space, "Fil chargé", "Début").await;
    let (thread, root) = started(&r);
    let first = reply(&w.app, &w.admin, &thread, &root, "Un").await;
    let first = data(&first)["reply"]["id"].as_str().unwrap().to_owned();
    let parents = [root.clone(), first.clone()];
    let sent = (0..40).map(|i| {
        let (author, parent) = (
            if i % 2 == 0 { &w.member } else { &w.admin },
            &parents[i % 2],
        );
        reply(&w.app, author, &thread, parent, "Ensemble, @camille.martin")
    });
    for r in futures_util::future::join_all(sent).await {
        assert!(data(&r)["reply"]["id"].is_string(), "{r}");
    }
    let read = "query($t: ID!) { thread(id: $t) { postCount unreadCount posts(first: 50) { nodes { id number replyCount descendantCount author { displayName } } } } }";
    for (token, name) in [(&w.member, "Lucas Bernard"), (&w.admin, "Camille Martin")] {
        let r = w.app.gql(Some(token), read, json!({ "t": thread })).await;
        let t = &data(&r)["thread"];
        assert_eq!(t["postCount"], 42);
        let last_own = t["posts"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["author"]["displayName"] == name)
            .map(|n| n["number"].as_i64().unwrap())
            .max()
            .unwrap();
        assert_eq!(
            t["unreadCount"],
            42 - last_own,
            "{name} read up to their last reply"
        );
    }
    let r = w
        .app
        .gql(Some(&w.member), read, json!({ "t": thread }))
        .await;
    let nodes = data(&r)["thread"]["posts"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    let numbers: std::collections::BTreeSet<i64> = nodes
        .iter()
        .map(|n| n["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, (1..=42).collect());
    let count = |id: &str| nodes.iter().find(|n| n["id"] == id).unwrap().clone();
    assert_eq!(count(&root)["replyCount"], 21);
    assert_eq!(count(&root)["descendantCount"], 41);
    assert_eq!(count(&first)["replyCount"], 20);
    assert_eq!(count(&first)["descendantCount"], 20);
    // Each reply's mention is recorded with it, for the notifications to come.
    use sea_orm::{EntityTrait, PaginatorTrait};
    let mentions = plenum::entity::mention::Entity::find()
        .count(&w.app.state.db)
        .await
        .unwrap();
    assert_eq!(mentions, 40);
}

/// A thread closed while replies arrive: each reply is either written,
/// numbered in turn, or refused as closed; none is half-written.
#[tokio::test]
async fn a_thread_closed_while_replies_arrive_stays_whole() {
    let w = world().await;
    let r = start(&w.app, &w.member, &w.space, "Fil disputé", "Début").await;
    let (thread, root) = started(&r);
    let replies = futures_util::future::join_all(
        (0..30).map(|_| reply(&w.app, &w.member, &thread, &root, "Encore un mot")),
    );
    let close = w.app.gql(
        Some(&w.admin),
        "mutation($t: ID!) { closeThread(id: $t, reason: \"Assez débattu\") { closed } }",
        json!({ "t": thread }),
    );
    let (replies, closed) = tokio::join!(replies, close);
    assert_eq!(data(&closed)["closeThread"]["closed"], true);
    let mut written = 0;
    for r in &replies {
        if r["errors"].is_null() {
            written += 1;
        } else {
            assert_eq!(error_code(r), "THREAD_CLOSED", "{r}");
        }
    }
    let read = "query($t: ID!) { thread(id: $t) { postCount posts(first: 50) { nodes { number replyCount descendantCount } } } }";
    let r = w
        .app
        .gql(Some(&w.member), read, json!({ "t": thread }))
        .await;
    let t = &data(&r)["thread"];
    assert_eq!(t["postCount"], 1 + written);
    let nodes = t["posts"]["nodes"].as_array().unwrap();
    let numbers: Vec<i64> = nodes
        .iter()
        .map(|n| n["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, (1..=1 + written).collect::<Vec<_>>());
    assert_eq!(nodes[0]["descendantCount"], written);
    assert_eq!(
        error_code(&reply(&w.app, &w.member, &thread, &root, "Trop tard").await),
        "THREAD_CLOSED"
    );
}

/// Who is asking is kept in memory between requests (their session and
/// memberships): a change of standing, or a removal, applies from the next
/// request on.
#[tokio::test]
async fn a_change_of_membership_applies_at_the_next_request() {
    let w = world().await;
    let (hugo, membership) = w
        .app
        .add_member(&w.admin, &w.org, Newcomer::new("hugo@exemple.fr", "Hugo"))
        .await;
    let r = start(&w.app, &hugo, &w.space, "Avant", "Bonjour").await;
    assert!(data(&r)["startThread"].is_object(), "{r}");
    let lapse = "mutation($m: ID!) { setStanding(input: { membershipId: $m, standing: MEMBER, goodUntil: \"2020-01-31\" }) { standing } }";
    let r = w
        .app
        .gql(Some(&w.admin), lapse, json!({ "m": membership }))
        .await;
    assert_eq!(data(&r)["setStanding"]["standing"], "LAPSED");
    let r = start(&w.app, &hugo, &w.space, "Pendant", "Bonjour").await;
    assert_eq!(error_code(&r), "FORBIDDEN", "lapsed at once");
    let read = "query($c: ID!) { category(id: $c) { name } }";
    assert!(
        data(&w.app.gql(Some(&hugo), read, json!({ "c": w.space })).await)["category"].is_object()
    );
    let remove =
        "mutation($m: ID!) { removeMember(membershipId: $m, reason: \"Départ\") { leftAt } }";
    let r = w
        .app
        .gql(Some(&w.admin), remove, json!({ "m": membership }))
        .await;
    assert!(data(&r)["removeMember"]["leftAt"].is_string());
    assert_eq!(
        error_code(&w.app.gql(Some(&hugo), read, json!({ "c": w.space })).await),
        "NOT_FOUND",
        "a former member no longer reads the members' space"
    );
}

#[tokio::test]
async fn a_page_of_fifty_posts_costs_a_handful_of_queries() {
    let w = world().await;
    let r = start(&w.app, &w.member, &w.space, "Long fil", "Début").await;
    let (thread, mut parent) = (
        data(&r)["startThread"]["thread"]["id"].clone(),
        data(&r)["startThread"]["post"]["id"].clone(),
    );
    for i in 0..55 {
        let author = if i % 2 == 0 { &w.member } else { &w.admin };
        let r = reply(
            &w.app,
            author,
            thread.as_str().unwrap(),
            parent.as_str().unwrap(),
            &format!("Message {i}"),
        )
        .await;
        parent = data(&r)["reply"]["id"].clone();
    }
    let (r, spent) = w.app.cost(Some(&w.member), "query($t: ID!) { thread(id: $t) { title unreadCount posts(first: 50) { nodes { number depth bodyHtml author { displayName } } } } }", json!({ "t": thread })).await;
    assert_eq!(
        data(&r)["thread"]["posts"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        50
    );
    assert!(spent <= 5, "a page of 50 posts ran {spent} queries");
}

/// Pages of posts are kept in memory: a page read again costs less, and
/// shows at once every reply, edit, hidden or deleted post since (the
/// counts of the posts above a new reply included), in this process and,
/// with PostgreSQL, in another one sharing the database.
#[tokio::test]
async fn a_page_read_again_shows_every_change_since() {
    let w = world().await;
    let r = start(&w.app, &w.member, &w.space, "Fil vivant", "Début").await;
    let thread = data(&r)["startThread"]["thread"]["id"].clone();
    let root = data(&r)["startThread"]["post"]["id"].clone();
    let t = thread.as_str().unwrap();
    let first = reply(&w.app, &w.member, t, root.as_str().unwrap(), "Un").await;
    let first = data(&first)["reply"]["id"].clone();
    let page = "query($t: ID!) { thread(id: $t) { posts(first: 50) { nodes { number replyCount descendantCount hidden bodyHtml } } } }";
    let branch = "query($p: ID!) { post(id: $p) { replies { nodes { number bodyHtml } } } }";
    // Read once (its cost), then again from memory (the least of three runs).
    w.app.settle_outbox().await;
    let before = w.app.queries();
    w.app
        .gql(Some(&w.member), page, json!({ "t": thread }))
        .await;
    let cold = w.app.queries() - before;
    let (_, warm) = w
        .app
        .cost(Some(&w.member), page, json!({ "t": thread }))
        .await;
    assert!(
        warm < cold,
        "a page read again ran {warm} queries, {cold} the first time"
    );
    w.app
        .gql(Some(&w.member), branch, json!({ "p": root }))
        .await;

    let second = reply(&w.app, &w.admin, t, first.as_str().unwrap(), "Deux").await;
    let second = data(&second)["reply"]["id"].clone();
    let nodes = |r: &Value| data(r)["thread"]["posts"]["nodes"].clone();
    let r = w
        .app
        .gql(Some(&w.member), page, json!({ "t": thread }))
        .await;
    assert_eq!(nodes(&r).as_array().unwrap().len(), 3);
    assert_eq!(nodes(&r)[0]["descendantCount"], 2);
    assert_eq!(nodes(&r)[1]["replyCount"], 1);
    let r = w
        .app
        .gql(Some(&w.member), branch, json!({ "p": first }))
        .await;
    assert_eq!(data(&r)["post"]["replies"]["nodes"][0]["number"], 3);

    w.app
        .gql(
            Some(&w.member),
            "mutation($p: ID!) { editPost(id: $p, body: \"Un, corrigé\") { id } }",
            json!({ "p": first }),
        )
        .await;
    let r = w
        .app
        .gql(Some(&w.member), page, json!({ "t": thread }))
        .await;
    assert!(
        nodes(&r)[1]["bodyHtml"]
            .as_str()
            .unwrap()
            .contains("corrigé")
    );

    w.app
        .gql(
            Some(&w.admin),
            "mutation($p: ID!) { hidePost(id: $p, reason: \"Hors sujet\") { hidden } }",
            json!({ "p": second }),
        )
        .await;
    let r = w
        .app
        .gql(Some(&w.member), page, json!({ "t": thread }))
        .await;
    assert_eq!(nodes(&r)[2]["hidden"], true);
    assert_eq!(nodes(&r)[2]["bodyHtml"], Value::Null);
    // The same page, kept, still shows the text to a facilitator.
    let r = w
        .app
        .gql(Some(&w.admin), page, json!({ "t": thread }))
        .await;
    assert!(nodes(&r)[2]["bodyHtml"].as_str().unwrap().contains("Deux"));

    if w.app.state.db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return;
    }
    // Another process keeps its own pages: it learns of changes through
    // the events the processes share.
    let other = w.app.second_server().await;
    let r = other
        .gql(Some(&w.member), page, json!({ "t": thread }))
        .await;
    assert_eq!(nodes(&r).as_array().unwrap().len(), 3);
    reply(&w.app, &w.member, t, root.as_str().unwrap(), "Trois").await;
    eventually(10, async || {
        let r = other
            .gql(Some(&w.member), page, json!({ "t": thread }))
            .await;
        match nodes(&r).as_array().unwrap().len() {
            4 => Ok(()),
            _ => Err("the other process still shows the page without the new reply".to_owned()),
        }
    })
    .await;
}

/// A thread's rows are kept in memory too: a space closed to some of its
/// readers is closed to them at once, in this process and, with
/// PostgreSQL, in another one sharing the database.
#[tokio::test]
async fn a_space_closed_to_some_readers_is_closed_to_them_at_once() {
    let w = world().await;
    let open = category(
        &w.app,
        &w.admin,
        &w.org,
        "ouvert",
        "SUPPORTERS",
        "MEMBERS",
        "MEMBERS",
    )
    .await;
    let r = start(&w.app, &w.member, &open, "Ouvert à tous", "Début").await;
    let thread = data(&r)["startThread"]["thread"]["id"].clone();
    let read = "query($t: ID!) { thread(id: $t) { title posts { nodes { number } } } }";
    let reads = async |app: &TestApp| {
        app.gql(Some(&w.supporter), read, json!({ "t": thread }))
            .await
    };
    let visibility = async |to: &str| {
        let r = w
            .app
            .gql(
                Some(&w.admin),
                "mutation($c: ID!, $v: Visibility!) { updateCategory(id: $c, input: { visibility: $v }) { visibility } }",
                json!({ "c": open, "v": to }),
            )
            .await;
        assert_eq!(data(&r)["updateCategory"]["visibility"], to);
    };
    for _ in 0..2 {
        assert_eq!(
            data(&reads(&w.app).await)["thread"]["title"],
            "Ouvert à tous"
        );
    }
    visibility("MEMBERS").await;
    assert_eq!(error_code(&reads(&w.app).await), "NOT_FOUND");

    if w.app.state.db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return;
    }
    visibility("SUPPORTERS").await;
    let other = w.app.second_server().await;
    assert_eq!(
        data(&reads(&other).await)["thread"]["title"],
        "Ouvert à tous"
    );
    visibility("MEMBERS").await;
    eventually(10, async || match reads(&other).await["errors"].is_null() {
        true => Err("the other process still lets supporters read the members' space".to_owned()),
        false => Ok(()),
    })
    .await;
    assert_eq!(error_code(&reads(&other).await), "NOT_FOUND");
}
