//! Published records: publication by a body with a visibility, permalinks,
//! amendments that keep every version, archives by body, kind and year.

use serde_json::{Value, json};

use crate::helpers::{Newcomer, TestApp, data, error_code, spawn_app};

pub const PUBLISH: &str = "mutation($input: PublishRecordInput!) { publishRecord(input: $input) { id kind title slug permalink visibility version text html body { id } } }";
const AMEND: &str = "mutation($input: AmendRecordInput!) { amendRecord(input: $input) { id title version text versions { number title text reason author { displayName } } } }";
const READ: &str = "query($id: ID!) { record(id: $id) { id title version text visibility } }";

/// An organisation with an admin, two members (the first in a commission),
/// a supporter, its assembly and the commission.
pub struct World {
    pub app: TestApp,
    pub admin: String,
    pub members: Vec<String>,
    pub supporter: String,
    pub organisation: String,
    pub assembly: String,
    pub commission: String,
}

pub async fn world_on(app: TestApp) -> World {
    let admin = app.register("camille@exemple.fr", "Camille Martin").await;
    let organisation = app
        .create_organisation(&admin, "montreuil", "INVITATION")
        .await;
    let mut members = Vec::new();
    for (email, name) in [
        ("lucas@exemple.fr", "Lucas Bernard"),
        ("ines@exemple.fr", "Inès Petit"),
    ] {
        members.push(
            app.add_member(&admin, &organisation, Newcomer::new(email, name))
                .await
                .0,
        );
    }
    let (supporter, _) = app
        .add_member(
            &admin,
            &organisation,
            Newcomer::new("thomas@exemple.fr", "Thomas Roux").supporter(),
        )
        .await;
    let bodies = app
        .gql(
            None,
            "query($o: ID!) { bodies(organisationId: $o) { id kind } }",
            json!({ "o": organisation }),
        )
        .await;
    let assembly = data(&bodies)["bodies"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = app
        .gql(
            Some(&admin),
            "mutation($input: CreateBodyInput!) { createBody(input: $input) { id } }",
            json!({ "input": { "organisationId": organisation, "kind": "COMMISSION", "slug": "logement", "name": "Commission logement" } }),
        )
        .await;
    let commission = data(&created)["createBody"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    data(
        &app.gql(
            Some(&members[0]),
            "mutation($id: ID!) { joinBody(id: $id) { id } }",
            json!({ "id": commission }),
        )
        .await,
    );
    World {
        app,
        admin,
        members,
        supporter,
        organisation,
        assembly,
        commission,
    }
}

pub async fn world() -> World {
    world_on(spawn_app().await).await
}

impl World {
    /// Publishes a report of `body` as `token`.
    pub async fn report(
        &self,
        token: &str,
        body: &str,
        title: &str,
        text: &str,
        visibility: &str,
    ) -> Value {
        self.app
            .gql(
                Some(token),
                PUBLISH,
                json!({ "input": { "kind": "REPORT", "bodyId": body, "title": title, "text": text, "visibility": visibility } }),
            )
            .await
    }

    pub async fn published(
        &self,
        token: &str,
        body: &str,
        title: &str,
        text: &str,
        visibility: &str,
    ) -> String {
        let r = self.report(token, body, title, text, visibility).await;
        data(&r)["publishRecord"]["id"].as_str().unwrap().to_owned()
    }

    async fn read(&self, token: Option<&str>, id: &str) -> Value {
        self.app.gql(token, READ, json!({ "id": id })).await
    }

    async fn archive(&self, token: Option<&str>, extra: &str) -> Vec<String> {
        let r = self
            .app
            .gql(
                token,
                &format!("query($o: ID!) {{ records(organisationId: $o{extra}) {{ edges {{ node {{ title }} }} }} }}"),
                json!({ "o": self.organisation }),
            )
            .await;
        data(&r)["records"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["title"].as_str().unwrap().to_owned())
            .collect()
    }
}

#[tokio::test]
async fn a_report_is_read_as_its_visibility_allows_and_by_its_permalink() {
    let w = world().await;
    let published = w
        .report(
            &w.members[0],
            &w.commission,
            "Rapport sur les loyers",
            "## Constat\nLes loyers ont **augmenté** de 12 %.",
            "MEMBERS",
        )
        .await;
    let r = &data(&published)["publishRecord"];
    assert_eq!(r["kind"], "REPORT");
    assert_eq!(r["version"], 1);
    assert_eq!(r["body"]["id"], w.commission.as_str());
    assert!(
        r["html"]
            .as_str()
            .unwrap()
            .contains("<strong>augmenté</strong>")
    );
    let slug = r["slug"].as_str().unwrap();
    assert!(slug.ends_with("-rapport-sur-les-loyers"), "{slug}");
    assert!(
        r["permalink"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/o/montreuil/records/{slug}"))
    );
    let id = r["id"].as_str().unwrap();

    // Members read it (by id and by permalink); visitors and supporters do not learn it exists.
    assert_eq!(
        data(&w.read(Some(&w.members[1]), id).await)["record"]["title"],
        "Rapport sur les loyers"
    );
    let by_link = w
        .app
        .gql(
            Some(&w.members[1]),
            "query($s: String!) { recordByPermalink(organisation: \"montreuil\", slug: $s) { id } }",
            json!({ "s": slug }),
        )
        .await;
    assert_eq!(data(&by_link)["recordByPermalink"]["id"], id);
    assert_eq!(error_code(&w.read(None, id).await), "NOT_FOUND");
    assert_eq!(
        error_code(&w.read(Some(&w.supporter), id).await),
        "NOT_FOUND"
    );
    assert!(w.archive(None, "").await.is_empty());
    assert_eq!(
        w.archive(Some(&w.members[1]), "").await,
        ["Rapport sur les loyers"]
    );
}

#[tokio::test]
async fn a_bodys_records_are_published_by_its_people_and_read_by_them_alone() {
    let w = world().await;
    // Inès is not of the commission: she may not publish for it.
    let refused = w
        .report(&w.members[1], &w.commission, "Rapport", "Texte", "BODY")
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
    let id = w
        .published(
            &w.members[0],
            &w.commission,
            "Notes internes",
            "Entre nous.",
            "BODY",
        )
        .await;
    assert_eq!(
        data(&w.read(Some(&w.members[0]), id.as_str()).await)["record"]["visibility"],
        "BODY"
    );
    assert_eq!(
        error_code(&w.read(Some(&w.members[1]), &id).await),
        "NOT_FOUND"
    );
    // The organisation's facilitators read every record.
    data(&w.read(Some(&w.admin), &id).await);
    assert!(w.archive(Some(&w.members[1]), "").await.is_empty());
    assert_eq!(
        w.archive(Some(&w.members[0]), ", kind: REPORT").await,
        ["Notes internes"]
    );
    assert!(
        w.archive(Some(&w.members[0]), ", kind: MINUTES")
            .await
            .is_empty()
    );
    // The table of contents counts what the reader may read.
    let years = w
        .app
        .gql(
            Some(&w.members[0]),
            "query($o: ID!, $b: ID) { recordYears(organisationId: $o, bodyId: $b) { year kind count } }",
            json!({ "o": w.organisation, "b": w.commission }),
        )
        .await;
    let years = &data(&years)["recordYears"];
    assert_eq!(years[0]["kind"], "REPORT");
    assert_eq!(years[0]["count"], 1);
    assert_eq!(
        years[0]["year"].as_i64().unwrap(),
        i64::from(chrono::Datelike::year(&chrono::Utc::now()))
    );
}

#[tokio::test]
async fn an_amendment_keeps_every_version_with_its_reason() {
    let w = world().await;
    let id = w
        .published(
            &w.admin,
            &w.assembly,
            "Relevé de décisions du 3 mars",
            "Adopté : la fête de quartier.",
            "PUBLIC",
        )
        .await;
    let amend = |input: Value| w.app.gql(Some(&w.admin), AMEND, json!({ "input": input }));
    let no_reason = amend(json!({ "recordId": id, "text": "Adopté : la fête de quartier, le 12 juin.", "reason": "  " })).await;
    assert_eq!(error_code(&no_reason), "REASON_REQUIRED");
    assert_eq!(data(&w.read(None, &id).await)["record"]["version"], 1);
    let same =
        amend(json!({ "recordId": id, "text": "Adopté : la fête de quartier.", "reason": "rien" }))
            .await;
    assert_eq!(error_code(&same), "VALIDATION");
    let refused = w
        .app
        .gql(
            Some(&w.members[0]),
            AMEND,
            json!({ "input": { "recordId": id, "text": "Autre", "reason": "je préfère" } }),
        )
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");

    let amended = amend(json!({ "recordId": id, "text": "Adopté : la fête de quartier, le 12 juin.", "reason": "La date manquait." })).await;
    let r = &data(&amended)["amendRecord"];
    assert_eq!(r["version"], 2);
    assert_eq!(r["text"], "Adopté : la fête de quartier, le 12 juin.");
    let versions = r["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["text"], "Adopté : la fête de quartier.");
    assert!(versions[0]["reason"].is_null());
    assert_eq!(versions[1]["reason"], "La date manquait.");
    assert_eq!(versions[1]["author"]["displayName"], "Camille Martin");
}

#[tokio::test]
async fn the_mandate_register_is_published_once_then_brought_up_to_date_by_amendment() {
    let w = world().await;
    let register = json!({ "input": { "kind": "MANDATE_REGISTER", "bodyId": w.assembly } });
    let first = w.app.gql(Some(&w.admin), PUBLISH, register.clone()).await;
    let r = &data(&first)["publishRecord"];
    assert_eq!(r["visibility"], "PUBLIC");
    assert!(r["text"].as_str().unwrap().contains("| Titulaire |"), "{r}");
    let id = r["id"].as_str().unwrap().to_owned();
    let twice = w.app.gql(Some(&w.admin), PUBLISH, register).await;
    assert_eq!(error_code(&twice), "CONFLICT");

    // A mandate granted later appears when the register is amended without a text.
    let lucas = w.app.account_id(&w.members[0]).await;
    let secretariat = w
        .app
        .gql(
            Some(&w.admin),
            "mutation($input: CreateBodyInput!) { createBody(input: $input) { id } }",
            json!({ "input": { "organisationId": w.organisation, "kind": "SECRETARIAT", "slug": "secretariat", "name": "Secrétariat" } }),
        )
        .await;
    let secretariat = data(&secretariat)["createBody"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reg = w
        .app
        .gql(
            Some(&w.admin),
            PUBLISH,
            json!({ "input": { "kind": "MANDATE_REGISTER", "bodyId": secretariat } }),
        )
        .await;
    let reg = data(&reg)["publishRecord"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    data(
        &w.app
            .gql(
                Some(&w.admin),
                "mutation($input: GrantMandateInput!) { grantMandate(input: $input) { id } }",
                json!({ "input": { "bodyId": secretariat, "holderId": lucas, "title": "Trésorier", "mission": "Tenir les comptes", "scope": [], "startsOn": chrono::Utc::now().date_naive().to_string(), "minutes": "AG du 3 mars" } }),
            )
            .await,
    );
    let amended = w
        .app
        .gql(
            Some(&w.admin),
            AMEND,
            json!({ "input": { "recordId": reg, "reason": "Nouveau mandat" } }),
        )
        .await;
    let text = data(&amended)["amendRecord"]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        text.contains("Lucas Bernard") && text.contains("Trésorier"),
        "{text}"
    );
    // A report needs its text and title; an unknown body is not found.
    let bare = w
        .app
        .gql(
            Some(&w.admin),
            PUBLISH,
            json!({ "input": { "kind": "REPORT", "bodyId": w.assembly } }),
        )
        .await;
    assert_eq!(error_code(&bare), "VALIDATION");
    let _ = id;
}

#[tokio::test]
async fn concurrent_amendments_each_become_their_own_version() {
    let w = world().await;
    let id = w
        .published(
            &w.admin,
            &w.assembly,
            "Compte rendu",
            "Version initiale.",
            "PUBLIC",
        )
        .await;
    let amendments = (0..6).map(|n| {
        w.app.gql(
            Some(&w.admin),
            AMEND,
            json!({ "input": { "recordId": id, "text": format!("Version {n}."), "reason": format!("Correction {n}") } }),
        )
    });
    for answer in futures_util::future::join_all(amendments).await {
        data(&answer);
    }
    let read = w
        .app
        .gql(
            None,
            "query($id: ID!) { record(id: $id) { version versions { number } } }",
            json!({ "id": id }),
        )
        .await;
    let r = &data(&read)["record"];
    assert_eq!(r["version"], 7);
    let numbers: Vec<i64> = r["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5, 6, 7]);
}
