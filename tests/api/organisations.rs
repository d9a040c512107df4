use serde_json::json;

use crate::helpers::{Newcomer, data, error_code, spawn_app};

const CREATE: &str = "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { id slug name timezone registrationMode parent { slug } viewerMembership { role standing } } }";

#[tokio::test]
async fn whoever_creates_an_organisation_is_its_first_admin_in_good_standing() {
    let app = spawn_app().await;
    let token = app.register("camille@exemple.fr", "Camille").await;
    let input = json!({ "input": { "slug": "assemblee-montreuil", "name": "Assemblée de Montreuil", "description": "AG un jeudi sur deux" } });
    let r = app.gql(Some(&token), CREATE, input).await;
    let org = &data(&r)["createOrganisation"];
    assert_eq!(org["slug"], "assemblee-montreuil");
    assert_eq!(org["timezone"], "Europe/Paris");
    assert_eq!(org["registrationMode"], "REQUEST");
    assert_eq!(org["viewerMembership"]["role"], "ADMIN");
    assert_eq!(org["viewerMembership"]["standing"], "GOOD_STANDING");
    let r = app
        .gql(
            Some(&token),
            "{ viewer { memberships { nodes { organisation { slug } role } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data(&r)["viewer"]["memberships"]["nodes"][0]["organisation"]["slug"],
        "assemblee-montreuil"
    );
}

#[tokio::test]
async fn an_organisation_is_found_by_slug_or_id_and_an_unknown_one_is_not_found() {
    let app = spawn_app().await;
    let token = app.register("camille@exemple.fr", "Camille").await;
    let id = app
        .create_organisation(&token, "ag-montreuil", "OPEN")
        .await;
    let r = app
        .gql(
            None,
            "query($id: ID) { organisation(id: $id) { slug } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        data(&r)["organisation"]["slug"],
        "ag-montreuil",
        "names and descriptions are public"
    );
    let r = app
        .gql(
            None,
            "{ organisation(slug: \"nulle-part\") { slug } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&r), "NOT_FOUND");
    let r = app
        .gql(
            None,
            "{ organisation(id: \"not-a-uuid\") { slug } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&r), "VALIDATION");
    let r = app.gql(None, "{ organisation { slug } }", json!({})).await;
    assert_eq!(error_code(&r), "VALIDATION");
}

#[tokio::test]
async fn bad_organisation_input_is_refused_and_nothing_is_created() {
    let app = spawn_app().await;
    let token = app.register("camille@exemple.fr", "Camille").await;
    app.create_organisation(&token, "prise", "OPEN").await;
    let cases = [
        (
            json!({ "slug": "Pas Un Slug", "name": "X" }),
            "VALIDATION",
            "slug",
        ),
        (
            json!({ "slug": "vide", "name": "  " }),
            "VALIDATION",
            "name",
        ),
        (
            json!({ "slug": "fuseau", "name": "X", "timezone": "Lune/Mer" }),
            "VALIDATION",
            "timezone",
        ),
        (json!({ "slug": "prise", "name": "X" }), "CONFLICT", "slug"),
    ];
    for (input, code, field) in cases {
        let r = app
            .gql(Some(&token), CREATE, json!({ "input": input }))
            .await;
        assert_eq!(error_code(&r), code, "{r:#}");
        assert_eq!(r["errors"][0]["extensions"]["field"], field);
    }
    let r = app
        .gql(
            None,
            CREATE,
            json!({ "input": { "slug": "anonyme", "name": "X" } }),
        )
        .await;
    assert_eq!(error_code(&r), "UNAUTHENTICATED");
    let r = app
        .gql(
            Some(&token),
            "{ viewer { memberships { nodes { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data(&r)["viewer"]["memberships"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn organisations_nest_and_only_a_parent_admin_creates_children() {
    let app = spawn_app().await;
    let admin = app.register("camille@exemple.fr", "Camille").await;
    let federation = app
        .create_organisation(&admin, "federation", "INVITATION")
        .await;
    let (member, _) = app
        .add_member(
            &admin,
            &federation,
            Newcomer::new("lucas@exemple.fr", "Lucas"),
        )
        .await;
    let child =
        |slug: &str| json!({ "input": { "slug": slug, "name": slug, "parentId": federation } });
    let r = app.gql(Some(&member), CREATE, child("groupe-lucas")).await;
    assert_eq!(error_code(&r), "FORBIDDEN");
    let r = app.gql(Some(&admin), CREATE, json!({ "input": { "slug": "orphelin", "name": "X", "parentId": uuid::Uuid::now_v7() } })).await;
    assert_eq!(error_code(&r), "NOT_FOUND");
    for slug in ["montreuil", "bagnolet", "vincennes"] {
        let r = app.gql(Some(&admin), CREATE, child(slug)).await;
        assert_eq!(
            data(&r)["createOrganisation"]["parent"]["slug"],
            "federation"
        );
    }
    let grandchild = app
        .gql(
            Some(&admin),
            "query($p: ID) { organisation(id: $p) { children(first: 1) { nodes { id } } } }",
            json!({ "p": federation }),
        )
        .await;
    let montreuil = data(&grandchild)["organisation"]["children"]["nodes"][0]["id"].clone();
    let r = app.gql(Some(&admin), CREATE, json!({ "input": { "slug": "quartier-croix-de-chavaux", "name": "Quartier", "parentId": montreuil } })).await;
    assert_eq!(
        data(&r)["createOrganisation"]["parent"]["slug"],
        "montreuil",
        "nesting has no depth limit"
    );

    let page = "query($after: String) { organisation(slug: \"federation\") { children(first: 2, after: $after) { nodes { slug } pageInfo { hasNextPage endCursor } } } }";
    let r = app.gql(None, page, json!({})).await;
    let first = &data(&r)["organisation"]["children"];
    assert_eq!(
        first["nodes"],
        json!([{ "slug": "montreuil" }, { "slug": "bagnolet" }])
    );
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let r = app
        .gql(
            None,
            page,
            json!({ "after": first["pageInfo"]["endCursor"] }),
        )
        .await;
    let second = &data(&r)["organisation"]["children"];
    assert_eq!(second["nodes"], json!([{ "slug": "vincennes" }]));
    assert_eq!(second["pageInfo"]["hasNextPage"], false);
}

#[tokio::test]
async fn only_admins_change_an_organisations_settings() {
    let app = spawn_app().await;
    let admin = app.register("camille@exemple.fr", "Camille").await;
    let org = app.create_organisation(&admin, "ag", "REQUEST").await;
    let (facilitator, _) = app
        .add_member(
            &admin,
            &org,
            Newcomer::new("yasmine@exemple.fr", "Yasmine").role("FACILITATOR"),
        )
        .await;
    let update = "mutation($id: ID!, $input: UpdateOrganisationInput!) { updateOrganisation(id: $id, input: $input) { name registrationMode } }";
    let r = app
        .gql(
            Some(&facilitator),
            update,
            json!({ "id": org, "input": { "name": "Renommée" } }),
        )
        .await;
    assert_eq!(error_code(&r), "FORBIDDEN");
    let r = app
        .gql(
            Some(&admin),
            update,
            json!({ "id": org, "input": { "name": "  " } }),
        )
        .await;
    assert_eq!(error_code(&r), "VALIDATION");
    let r = app.gql(Some(&admin), update, json!({ "id": org, "input": { "name": "AG de Montreuil", "registrationMode": "OPEN" } })).await;
    assert_eq!(
        data(&r)["updateOrganisation"],
        json!({ "name": "AG de Montreuil", "registrationMode": "OPEN" })
    );
    let r = app
        .gql(
            Some(&admin),
            update,
            json!({ "id": uuid::Uuid::now_v7(), "input": { "name": "X" } }),
        )
        .await;
    assert_eq!(error_code(&r), "NOT_FOUND");
}
