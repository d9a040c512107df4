//! Public pages rendered from the theme: an organisation's home, a body's
//! archive, a record with its versions, search and the calendar, read by a
//! visitor over plain HTTP, in French or English.

use std::sync::Arc;

use chrono::Utc;
use plenum::search::{Change, Request, Results, SearchError, SearchIndex};
use serde_json::json;

use crate::helpers::{data, eventually, spawn_app_with_search};
use crate::records::{World, world, world_on};

/// A page as a visitor gets it: its status and its HTML.
async fn get(w: &World, path: &str) -> (u16, String) {
    get_with(w, path, None).await
}

async fn get_with(w: &World, path: &str, accept_language: Option<&str>) -> (u16, String) {
    let mut request = w.app.client.get(format!("{}{path}", w.app.address));
    if let Some(lang) = accept_language {
        request = request.header("accept-language", lang);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a body"))
}

async fn slug_of(w: &World, record: &str) -> String {
    let r = w
        .app
        .gql(
            Some(&w.admin),
            "query($id: ID!) { record(id: $id) { slug } }",
            json!({ "id": record }),
        )
        .await;
    data(&r)["record"]["slug"].as_str().unwrap().to_owned()
}

async fn body_slug(w: &World, body: &str) -> String {
    let r = w
        .app
        .gql(
            None,
            "query($id: ID!) { body(id: $id) { slug } }",
            json!({ "id": body }),
        )
        .await;
    data(&r)["body"]["slug"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_visitor_reads_a_public_record_with_its_text_and_version() {
    let w = world().await;
    let id = w
        .published(
            &w.admin,
            &w.assembly,
            "Relevé du 3 mars",
            "Le **budget** est adopté.",
            "PUBLIC",
        )
        .await;
    let slug = slug_of(&w, &id).await;
    let (status, html) = get(&w, &format!("/o/montreuil/records/{slug}?lang=fr")).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<h1>Relevé du 3 mars</h1>"), "{html}");
    assert!(
        html.contains("<strong>budget</strong>"),
        "the text's HTML, unescaped: {html}"
    );
    assert!(html.contains("Rapport"), "the kind's name: {html}");
    assert!(html.contains("Version 1/1"), "{html}");
    assert!(html.contains("<time datetime=\""), "{html}");
    assert!(html.contains("Camille Martin"), "who published it: {html}");
}

#[tokio::test]
async fn a_members_record_is_not_found_by_a_visitor() {
    let w = world().await;
    let id = w
        .published(
            &w.admin,
            &w.assembly,
            "Budget des membres",
            "Entre nous.",
            "MEMBERS",
        )
        .await;
    let slug = slug_of(&w, &id).await;
    let (status, html) = get(&w, &format!("/o/montreuil/records/{slug}")).await;
    assert_eq!(status, 404);
    assert!(!html.contains("Budget des membres"), "{html}");
    assert!(!html.contains("Entre nous"), "{html}");
}

#[tokio::test]
async fn an_amended_record_lists_its_versions_and_shows_an_earlier_one_on_request() {
    let w = world().await;
    let id = w
        .published(
            &w.admin,
            &w.assembly,
            "Relevé de décisions",
            "Adopté : la fête.",
            "PUBLIC",
        )
        .await;
    let amended = w
        .app
        .gql(
            Some(&w.admin),
            "mutation($input: AmendRecordInput!) { amendRecord(input: $input) { version } }",
            json!({ "input": { "recordId": id, "text": "Adopté : la fête, le 12 juin.", "reason": "La date manquait." } }),
        )
        .await;
    assert_eq!(data(&amended)["amendRecord"]["version"], 2);
    let slug = slug_of(&w, &id).await;
    let (_, current) = get(&w, &format!("/o/montreuil/records/{slug}?lang=en")).await;
    assert!(current.contains("le 12 juin"), "{current}");
    assert!(
        current.contains("Amended because: La date manquait."),
        "{current}"
    );
    assert!(current.contains("Version 2/2"), "{current}");
    let (status, earlier) = get(
        &w,
        &format!("/o/montreuil/records/{slug}?lang=en&version=1"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(earlier.contains("Adopté : la fête.</p>"), "{earlier}");
    assert!(earlier.contains("an earlier version"), "{earlier}");
    let (missing, _) = get(&w, &format!("/o/montreuil/records/{slug}?version=3")).await;
    assert_eq!(missing, 404);
}

#[tokio::test]
async fn the_organisation_page_lists_its_public_records_and_bodies_only() {
    let w = world().await;
    w.published(
        &w.admin,
        &w.assembly,
        "Compte rendu public",
        "Ouvert.",
        "PUBLIC",
    )
    .await;
    w.published(
        &w.admin,
        &w.assembly,
        "Compte rendu interne",
        "Fermé.",
        "MEMBERS",
    )
    .await;
    let (status, html) = get(&w, "/o/montreuil?lang=fr").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<h1>Assemblée montreuil</h1>"), "{html}");
    assert!(html.contains("Compte rendu public"), "{html}");
    assert!(!html.contains("Compte rendu interne"), "{html}");
    assert!(html.contains("Commission logement"), "its bodies: {html}");
    assert!(
        html.contains("href=\"/o/montreuil/bodies/logement?lang=fr\""),
        "{html}"
    );
    assert!(
        html.contains("href=\"/calendar/montreuil.ics\""),
        "the feed: {html}"
    );
    assert!(
        html.contains("action=\"/o/montreuil/search\""),
        "a search form: {html}"
    );
}

#[tokio::test]
async fn a_bodys_archive_lists_its_records_by_year_and_kind() {
    let w = world().await;
    let id = w
        .published(
            &w.admin,
            &w.assembly,
            "Rapport annuel",
            "Le bilan.",
            "PUBLIC",
        )
        .await;
    w.published(
        &w.members[0],
        &w.commission,
        "Rapport logement",
        "Les loyers.",
        "PUBLIC",
    )
    .await;
    let assembly = body_slug(&w, &w.assembly).await;
    // A permalink starts with the publication day where the organisation is.
    let year: i32 = slug_of(&w, &id).await[..4].parse().unwrap();
    let (status, html) = get(&w, &format!("/o/montreuil/bodies/{assembly}?lang=en")).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(&format!("<h3>{year}</h3>")), "{html}");
    assert!(html.contains("Rapport annuel"), "{html}");
    assert!(
        !html.contains("Rapport logement"),
        "another body's record: {html}"
    );
    assert!(
        html.contains(&format!("?year={year}&amp;kind=report")),
        "the contents link by year and kind: {html}"
    );
    let (_, filtered) = get(
        &w,
        &format!("/o/montreuil/bodies/{assembly}?year={}", year - 1),
    )
    .await;
    assert!(!filtered.contains("Rapport annuel"), "{filtered}");
    let (bad, _) = get(&w, &format!("/o/montreuil/bodies/{assembly}?kind=poem")).await;
    assert_eq!(bad, 422);
    let (missing, _) = get(&w, "/o/montreuil/bodies/nowhere").await;
    assert_eq!(missing, 404);
}

#[tokio::test]
async fn the_search_page_finds_a_public_record_and_marks_the_word() {
    let w = world().await;
    w.published(
        &w.admin,
        &w.assembly,
        "Compte rendu du printemps",
        "Les délibérations ont duré deux heures.",
        "PUBLIC",
    )
    .await;
    w.published(
        &w.admin,
        &w.assembly,
        "Délibérations des membres",
        "Les délibérations internes.",
        "MEMBERS",
    )
    .await;
    // Indexing follows the outbox: wait for it, with a deadline.
    let html = eventually(20, async || {
        let (status, html) = get(&w, "/o/montreuil/search?q=d%C3%A9lib%C3%A9ration&lang=fr").await;
        assert_eq!(status, 200, "{html}");
        match html.contains("Compte rendu du printemps") {
            true => Ok(html),
            false => Err(format!("never found: {html}")),
        }
    })
    .await;
    assert!(html.contains("<mark>délibérations</mark>"), "{html}");
    assert!(!html.contains("Délibérations des membres"), "{html}");
    assert!(
        html.contains("value=\"délibération\""),
        "the form keeps the words: {html}"
    );
    assert!(
        html.contains("kind=report"),
        "a facet narrowing by kind: {html}"
    );
    let (status, empty) = get(&w, "/o/montreuil/search").await;
    assert_eq!(status, 200);
    assert!(
        empty.contains("<form") && !empty.contains("<mark>"),
        "{empty}"
    );
}

#[tokio::test]
async fn a_search_the_engine_cannot_take_is_explained_in_the_page() {
    let w = world().await;
    let (status, html) = get(&w, "/o/montreuil/search?q=budget&kind=poem&lang=en").await;
    assert_eq!(status, 422, "{html}");
    assert!(
        html.contains("The filter kind cannot take the value poem."),
        "{html}"
    );
    assert!(html.contains("value=\"budget\""), "the form stays: {html}");
}

/// A search engine that is down.
struct Down;

#[async_trait::async_trait]
impl SearchIndex for Down {
    fn name(&self) -> &'static str {
        "down"
    }
    async fn apply(&self, _: Vec<Change>) -> Result<(), SearchError> {
        Err(SearchError::Unavailable("down".into()))
    }
    async fn search(&self, _: &Request) -> Result<Results, SearchError> {
        Err(SearchError::Unavailable("down".into()))
    }
    async fn clear(&self) -> Result<(), SearchError> {
        Ok(())
    }
}

#[tokio::test]
async fn a_search_while_the_engine_is_down_says_so_in_the_page() {
    let w = world_on(spawn_app_with_search(Arc::new(Down)).await).await;
    let (status, html) = get(&w, "/o/montreuil/search?q=budget&lang=en").await;
    assert_eq!(status, 503, "{html}");
    assert!(
        html.contains("Search is unavailable for a moment."),
        "{html}"
    );
    assert!(html.contains("value=\"budget\""), "the form stays: {html}");
}

#[tokio::test]
async fn the_language_is_asked_for_then_the_browsers_then_the_organisations() {
    let w = world().await;
    let (_, english) = get(&w, "/o/montreuil?lang=en").await;
    assert!(english.contains("<html lang=\"en\">"), "{english}");
    assert!(english.contains("Latest records"), "{english}");
    let (_, french) = get_with(&w, "/o/montreuil?lang=fr", Some("en-GB,en;q=0.8")).await;
    assert!(french.contains("<html lang=\"fr\">"), "{french}");
    assert!(french.contains("Derniers documents publiés"), "{french}");
    assert!(
        french.contains("href=\"/o/montreuil?lang=en\""),
        "the other language: {french}"
    );
    let (_, browser) = get_with(&w, "/o/montreuil", Some("en-GB,en;q=0.8")).await;
    assert!(browser.contains("<html lang=\"en\">"), "{browser}");
    // The organisation speaks French by default.
    let (_, default) = get(&w, "/o/montreuil").await;
    assert!(default.contains("<html lang=\"fr\">"), "{default}");
}

#[tokio::test]
async fn an_unknown_organisation_is_not_found() {
    let w = world().await;
    for path in [
        "/o/nowhere",
        "/o/nowhere/search?q=x",
        "/o/nowhere/records/x",
        "/o/nowhere/calendar",
    ] {
        let (status, html) = get(&w, path).await;
        assert_eq!(status, 404, "{path}");
        assert!(html.contains("<h1>"), "a page, not a bare status: {html}");
    }
}

#[tokio::test]
async fn the_calendar_page_lists_the_public_meetings_to_come_and_the_feed() {
    let w = world().await;
    let schedule = |title: &'static str, visibility: &'static str| {
        let starts = (Utc::now() + chrono::Duration::days(3)).to_rfc3339();
        let input = json!({ "bodyId": w.assembly, "title": title, "startsAt": starts, "visibility": visibility, "place": "Salle des fêtes" });
        w.app.gql(
            Some(&w.admin),
            "mutation($input: ScheduleMeetingInput!) { scheduleMeeting(input: $input) { id } }",
            json!({ "input": input }),
        )
    };
    data(&schedule("Assemblée ouverte", "PUBLIC").await);
    data(&schedule("Assemblée des membres", "MEMBERS").await);
    let (status, html) = get(&w, "/o/montreuil/calendar?lang=en").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Assemblée ouverte"), "{html}");
    assert!(html.contains("Salle des fêtes"), "{html}");
    assert!(!html.contains("Assemblée des membres"), "{html}");
    assert!(html.contains("href=\"/calendar/montreuil.ics\""), "{html}");
}

#[tokio::test]
async fn the_theme_stylesheet_is_served_as_css() {
    let w = world().await;
    let response = w
        .app
        .client
        .get(format!("{}/themes/default/style.css", w.app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/css; charset=utf-8"
    );
    assert!(response.text().await.unwrap().contains("body"));
    let (status, _) = get(&w, "/themes/nonexistent/style.css").await;
    assert_eq!(status, 404);
    let (_, page) = get(&w, "/o/montreuil").await;
    assert!(
        page.contains("href=\"/themes/default/style.css\""),
        "{page}"
    );
}

#[tokio::test]
async fn an_organisation_picks_its_theme_and_a_signed_in_member_reads_members_records() {
    let themes = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(themes.path().join("quartier")).unwrap();
    std::fs::write(
        themes.path().join("quartier/style.css"),
        "body { color: teal }",
    )
    .unwrap();
    let dir = themes.path().to_owned();
    let w =
        world_on(crate::helpers::spawn_app_with(move |s| s.server.themes_dir = dir).await).await;
    let choose = "mutation($id: ID!, $input: UpdateOrganisationInput!) { updateOrganisation(id: $id, input: $input) { theme } }";
    let climbing = w
        .app
        .gql(
            Some(&w.admin),
            choose,
            json!({ "id": w.organisation, "input": { "theme": "../etc" } }),
        )
        .await;
    assert_eq!(crate::helpers::error_code(&climbing), "VALIDATION");
    let chosen = w
        .app
        .gql(
            Some(&w.admin),
            choose,
            json!({ "id": w.organisation, "input": { "theme": "quartier" } }),
        )
        .await;
    assert_eq!(data(&chosen)["updateOrganisation"]["theme"], "quartier");
    let (status, html) = get(&w, "/o/montreuil").await;
    assert_eq!(status, 200);
    assert!(html.contains("/themes/quartier/style.css"), "{html}");
    let css = w
        .app
        .client
        .get(format!("{}/themes/quartier/style.css", w.app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(css.contains("teal"));

    let id = w
        .published(
            &w.admin,
            &w.assembly,
            "Notes des membres",
            "Réservé aux membres.",
            "MEMBERS",
        )
        .await;
    let slug = slug_of(&w, &id).await;
    let path = format!("/o/montreuil/records/{slug}");
    assert_eq!(get(&w, &path).await.0, 404);
    let as_member = w
        .app
        .client
        .get(format!("{}{path}", w.app.address))
        .bearer_auth(&w.members[1])
        .send()
        .await
        .unwrap();
    assert_eq!(as_member.status().as_u16(), 200);
    assert!(
        as_member
            .text()
            .await
            .unwrap()
            .contains("Réservé aux membres.")
    );
}
