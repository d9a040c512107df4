use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, data, error_code, spawn_app, spawn_app_with};

#[tokio::test]
async fn health_and_readiness_answer_and_every_response_has_a_request_id() {
    let app = spawn_app().await;
    let health = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert!(health.headers().contains_key("x-request-id"));
    let ready = app
        .client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.unwrap(), "ready");
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.state.db.clone().close().await.unwrap();
    let ready = app
        .client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
}

#[tokio::test]
async fn the_playground_is_served_and_the_schema_can_be_introspected() {
    let app = spawn_app().await;
    let page = app
        .client
        .get(format!("{}/graphql", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("graphiql"));
    // The query GraphiQL sends on load must fit within the depth and complexity limits.
    let r = app.gql(None, INTROSPECTION, json!({})).await;
    assert!(data(&r)["__schema"]["types"].as_array().unwrap().len() > 20);
}

#[tokio::test]
async fn the_playground_can_be_switched_off() {
    let app = spawn_app_with(|s| s.graphql.playground = false).await;
    let page = app
        .client
        .get(format!("{}/graphql", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
}

#[tokio::test]
async fn a_query_deeper_than_the_limit_is_refused_and_the_server_carries_on() {
    let app = spawn_app_with(|s| s.graphql.max_depth = 6).await;
    let deep = "{ viewer { memberships { nodes { organisation { parent { parent { parent { name } } } } } } } }";
    let r = app.gql(None, deep, json!({})).await;
    assert_eq!(error_code(&r), "VALIDATION");
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nested too deep"),
        "{r:#}"
    );
    let health = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn too_many_aliases_are_refused() {
    let app = spawn_app_with(|s| s.graphql.max_aliases = 3).await;
    let aliased: String = (0..4)
        .map(|i| format!("a{i}: viewer {{ email }} "))
        .collect();
    let r = app.gql(None, &format!("{{ {aliased} }}"), json!({})).await;
    assert_eq!(error_code(&r), "VALIDATION");
    assert_eq!(
        r["errors"][0]["message"],
        "The query uses 4 aliases; at most 3 are allowed."
    );
    // In the reader's language too.
    let r = ask_in(&app, "fr", &format!("{{ {aliased} }}")).await;
    assert_eq!(
        r["errors"][0]["message"],
        "La requête utilise 4 alias ; 3 au plus sont permis."
    );
    assert_eq!(r["errors"][0]["extensions"]["code"], "VALIDATION");
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() {
    let app = spawn_app_with(|s| s.server.body_limit_bytes = 1024).await;
    let big = "x".repeat(4096);
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": "{ viewer { email } }", "variables": { "pad": big } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn only_json_is_accepted_on_post() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "text/plain")
        .body(r#"{"query":"mutation { logout }"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
}

#[tokio::test]
async fn errors_speak_the_readers_language() {
    let app = spawn_app().await;
    let ask = async |lang: &str| {
        let r = ask_in(&app, lang, "{ organisation(slug: \"inconnue\") { name } }").await;
        r["errors"][0]["message"].as_str().unwrap().to_owned()
    };
    assert_eq!(
        ask("fr-FR,fr;q=0.9").await,
        "Cette organisation n'existe pas."
    );
    assert_eq!(ask("en-GB").await, "No such organisation.");
}

#[tokio::test]
async fn a_browser_session_cookie_works_same_site_and_is_ignored_cross_site() {
    let app = spawn_app().await;
    app.register("camille@exemple.fr", "Camille").await;
    let login = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": "mutation($e: String!, $p: String!) { login(input: { email: $e, password: $p }) { token } }", "variables": { "e": "camille@exemple.fr", "p": PASSWORD } }))
        .send()
        .await
        .unwrap();
    let set_cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let viewer_with = |origin: Option<&'static str>| {
        let app = &app;
        let cookie = cookie.clone();
        async move {
            let mut request = app
                .client
                .post(format!("{}/graphql", app.address))
                .header("cookie", cookie)
                .json(&json!({ "query": "{ viewer { email } }" }));
            if let Some(origin) = origin {
                request = request.header("origin", origin);
            }
            let r: Value = request.send().await.unwrap().json().await.unwrap();
            r["data"]["viewer"]["email"].as_str().map(str::to_owned)
        }
    };
    assert_eq!(
        viewer_with(None).await.as_deref(),
        Some("camille@exemple.fr")
    );
    assert_eq!(
        viewer_with(Some("https://evil.example")).await,
        None,
        "a cross-site request runs anonymously"
    );
    let same_origin: &'static str = Box::leak(app.address.clone().into_boxed_str());
    assert_eq!(
        viewer_with(Some(same_origin)).await.as_deref(),
        Some("camille@exemple.fr")
    );

    // A forged cross-site logout does nothing: the session still works.
    let forged: Value = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("cookie", cookie.clone())
        .header("origin", "https://evil.example")
        .json(&json!({ "query": "mutation { logout }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(error_code(&forged), "UNAUTHENTICATED");
    assert_eq!(
        viewer_with(None).await.as_deref(),
        Some("camille@exemple.fr")
    );
}

#[tokio::test]
async fn a_malformed_authorization_header_is_refused() {
    let app = spawn_app().await;
    let r: Value = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("authorization", "Token abc")
        .json(&json!({ "query": "{ viewer { email } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(error_code(&r), "UNAUTHENTICATED");
}

const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}
"#;

/// `query` asked by a visitor whose browser prefers `language`.
async fn ask_in(app: &TestApp, language: &str, query: &str) -> Value {
    app.client
        .post(format!("{}/graphql", app.address))
        .header("accept-language", language)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}
