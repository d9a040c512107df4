use plenum::entity::{account, auth_token};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{
    Newcomer, PASSWORD, TestApp, data, error_code, eventually, spawn_app, spawn_app_with,
};

const VIEWER: &str = "{ viewer { email locale timezone person { displayName gender pronouns } } }";
const REGISTER: &str =
    "mutation($input: RegisterInput!) { register(input: $input) { token viewer { email } } }";
const REGISTER_ANSWER: &str = "mutation($input: RegisterInput!) { register(input: $input) { confirmationSent token viewer { email } } }";
const CONFIRM: &str =
    "mutation($t: String!) { confirmRegistration(token: $t) { token viewer { email } } }";
const LOGIN: &str = "mutation($email: String!, $password: String!) { login(input: { email: $email, password: $password }) { token } }";

#[tokio::test]
async fn registering_logs_in_and_the_viewer_is_the_new_account() {
    let app = spawn_app().await;
    let token = app.register("Camille@Exemple.fr", "Camille Martin").await;
    let response = app.gql(Some(&token), VIEWER, json!({})).await;
    let viewer = &data(&response)["viewer"];
    assert_eq!(
        viewer["email"], "camille@exemple.fr",
        "emails are stored lower-cased"
    );
    assert_eq!(viewer["person"]["displayName"], "Camille Martin");
    assert_eq!(viewer["timezone"], "Europe/Paris");
}

#[tokio::test]
async fn an_anonymous_visitor_has_no_viewer() {
    let app = spawn_app().await;
    let response = app.gql(None, VIEWER, json!({})).await;
    assert!(data(&response)["viewer"].is_null());
}

#[tokio::test]
async fn registering_answers_the_same_whether_or_not_the_address_has_an_account() {
    let app = spawn_app().await;
    app.register("camille@exemple.fr", "Camille").await;
    let register = |email: &str| json!({ "input": { "email": email, "password": PASSWORD, "displayName": "Autre" } });
    let taken = app
        .gql(None, REGISTER_ANSWER, register("CAMILLE@exemple.fr"))
        .await;
    let free = app
        .gql(None, REGISTER_ANSWER, register("lea@exemple.fr"))
        .await;
    assert_eq!(taken, free, "the answer tells nothing");
    assert_eq!(
        data(&free)["register"],
        json!({ "confirmationSent": true, "token": null, "viewer": null })
    );
    assert_eq!(
        account::Entity::find().count(&app.state.db).await.unwrap(),
        1,
        "no account until the address is confirmed"
    );
    // The owner of the taken address is told someone tried; Léa gets her link.
    use plenum::entity::outbox;
    let told = outbox::Entity::find()
        .filter(outbox::Column::Topic.eq(plenum::service::outbox::TOPIC_MAIL_REGISTRATION_ATTEMPT))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].payload["to"], "camille@exemple.fr");
    assert!(
        told[0].payload.get("link").is_none(),
        "nothing opens from it"
    );
    let link = app.confirmation_link("lea@exemple.fr").await;
    let token = link.rsplit('/').next().unwrap();
    assert!(token.starts_with("plm_e_"), "{link}");
    // Not before confirming…
    let login = json!({ "email": "lea@exemple.fr", "password": PASSWORD });
    assert_eq!(
        error_code(&app.gql(None, LOGIN, login.clone()).await),
        "UNAUTHENTICATED"
    );
    // …then logged in by the link, once.
    let r = app.gql(None, CONFIRM, json!({ "t": token })).await;
    assert_eq!(
        data(&r)["confirmRegistration"]["viewer"]["email"],
        "lea@exemple.fr"
    );
    assert!(data(&app.gql(None, LOGIN, login).await)["login"]["token"].is_string());
    let again = app.gql(None, CONFIRM, json!({ "t": token })).await;
    assert_eq!(error_code(&again), "NOT_FOUND");
    for forged in ["plm_e_forged", ""] {
        let r = app.gql(None, CONFIRM, json!({ "t": forged })).await;
        assert_eq!(error_code(&r), "NOT_FOUND", "{r}");
    }
    assert_eq!(
        account::Entity::find().count(&app.state.db).await.unwrap(),
        2
    );
}

#[tokio::test]
async fn two_links_for_one_address_confirmed_at_once_leave_exactly_one_account() {
    let app = spawn_app().await;
    let input = json!({ "input": { "email": "race@exemple.fr", "password": PASSWORD, "displayName": "Race" } });
    for _ in 0..2 {
        let r = app.gql(None, REGISTER, input.clone()).await;
        assert!(r["errors"].is_null(), "{r}");
    }
    use plenum::entity::outbox;
    let links: Vec<String> = outbox::Entity::find()
        .filter(outbox::Column::Topic.eq(plenum::service::outbox::TOPIC_MAIL_CONFIRM_REGISTRATION))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| {
            m.payload["link"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(links.len(), 2);
    let (a, b) = tokio::join!(
        app.gql(None, CONFIRM, json!({ "t": links[0] })),
        app.gql(None, CONFIRM, json!({ "t": links[1] }))
    );
    let succeeded = [&a, &b].iter().filter(|r| r["errors"].is_null()).count();
    assert_eq!(succeeded, 1, "{a:#}\n{b:#}");
    let failed = if a["errors"].is_null() { &b } else { &a };
    assert!(
        ["CONFLICT", "NOT_FOUND"].contains(&error_code(failed).as_str()),
        "{failed:#}"
    );
    assert_eq!(
        account::Entity::find().count(&app.state.db).await.unwrap(),
        1
    );
}

#[tokio::test]
async fn with_confirmation_off_registering_logs_in_and_says_an_address_is_taken() {
    let app = spawn_app_with(|s| s.accounts.confirm_email = false).await;
    let input = json!({ "input": { "email": "camille@exemple.fr", "password": PASSWORD, "displayName": "Camille" } });
    let r = app.gql(None, REGISTER_ANSWER, input.clone()).await;
    assert_eq!(data(&r)["register"]["confirmationSent"], false);
    assert!(data(&r)["register"]["token"].is_string());
    let r = app.gql(None, REGISTER_ANSWER, input).await;
    assert_eq!(error_code(&r), "CONFLICT");
    assert_eq!(r["errors"][0]["extensions"]["field"], "email");
    assert_eq!(
        account::Entity::find().count(&app.state.db).await.unwrap(),
        1
    );
}

#[tokio::test]
async fn malformed_registrations_are_refused_field_by_field_and_write_nothing() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({ "email": "pas-une-adresse", "password": PASSWORD, "displayName": "A" }),
            "email",
        ),
        (
            json!({ "email": "a@exemple.fr", "password": "trop-court", "displayName": "A" }),
            "password",
        ),
        (
            json!({ "email": "a@exemple.fr", "password": PASSWORD, "displayName": "   " }),
            "displayName",
        ),
        (
            json!({ "email": "a@exemple.fr", "password": PASSWORD, "displayName": "A", "timezone": "Mars/Olympus" }),
            "timezone",
        ),
    ];
    for (input, field) in cases {
        let response = app.gql(None, REGISTER, json!({ "input": input })).await;
        assert_eq!(error_code(&response), "VALIDATION", "{response:#}");
        assert_eq!(response["errors"][0]["extensions"]["field"], field);
        assert!(
            !response["errors"][0]["message"]
                .as_str()
                .unwrap()
                .is_empty()
        );
    }
    assert_eq!(
        account::Entity::find().count(&app.state.db).await.unwrap(),
        0
    );
}

#[tokio::test]
async fn logging_in_never_says_whether_an_email_has_an_account() {
    let app = spawn_app().await;
    app.register("camille@exemple.fr", "Camille").await;
    let wrong_password = app
        .gql(
            None,
            LOGIN,
            json!({ "email": "camille@exemple.fr", "password": "not the password" }),
        )
        .await;
    let unknown_email = app
        .gql(
            None,
            LOGIN,
            json!({ "email": "nobody@exemple.fr", "password": "not the password" }),
        )
        .await;
    assert_eq!(error_code(&wrong_password), "UNAUTHENTICATED");
    assert_eq!(error_code(&unknown_email), "UNAUTHENTICATED");
    assert_eq!(
        wrong_password["errors"][0]["message"],
        unknown_email["errors"][0]["message"]
    );
    let right = app
        .gql(
            None,
            LOGIN,
            json!({ "email": "Camille@exemple.fr ", "password": PASSWORD }),
        )
        .await;
    assert!(
        data(&right)["login"]["token"]
            .as_str()
            .unwrap()
            .starts_with("plm_s_")
    );
}

#[tokio::test]
async fn repeated_failed_logins_are_throttled_even_with_the_right_password() {
    let app = spawn_app_with(|s| s.accounts.login_max_failures = 3).await;
    app.register("camille@exemple.fr", "Camille").await;
    for _ in 0..3 {
        let r = app
            .gql(
                None,
                LOGIN,
                json!({ "email": "camille@exemple.fr", "password": "guess guess guess" }),
            )
            .await;
        assert_eq!(error_code(&r), "UNAUTHENTICATED");
    }
    let r = app
        .gql(
            None,
            LOGIN,
            json!({ "email": "camille@exemple.fr", "password": PASSWORD }),
        )
        .await;
    assert_eq!(error_code(&r), "RATE_LIMITED");
    // Another account from the same address is not blocked by Camille's count.
    app.register("lea@exemple.fr", "Léa").await;
    let r = app
        .gql(
            None,
            LOGIN,
            json!({ "email": "lea@exemple.fr", "password": PASSWORD }),
        )
        .await;
    assert!(data(&r)["login"]["token"].is_string());
}

#[tokio::test]
async fn failures_from_one_address_are_throttled_across_accounts() {
    let app = spawn_app_with(|s| s.accounts.address_max_failures = 2).await;
    for email in ["a@exemple.fr", "b@exemple.fr"] {
        let r = app
            .gql(
                None,
                LOGIN,
                json!({ "email": email, "password": "guess guess guess" }),
            )
            .await;
        assert_eq!(error_code(&r), "UNAUTHENTICATED");
    }
    let r = app
        .gql(
            None,
            LOGIN,
            json!({ "email": "c@exemple.fr", "password": "guess guess guess" }),
        )
        .await;
    assert_eq!(error_code(&r), "RATE_LIMITED");
}

#[tokio::test]
async fn logging_out_ends_the_session() {
    let app = spawn_app().await;
    let token = app.register("camille@exemple.fr", "Camille").await;
    let r = app
        .gql(Some(&token), "mutation { logout }", json!({}))
        .await;
    assert_eq!(data(&r)["logout"], true);
    let r = app.gql(Some(&token), VIEWER, json!({})).await;
    assert_eq!(error_code(&r), "UNAUTHENTICATED");
    assert!(r["data"].is_null());
}

#[tokio::test]
async fn an_expired_or_unknown_token_is_unauthenticated() {
    let app = spawn_app().await;
    let token = app.register("camille@exemple.fr", "Camille").await;
    auth_token::Entity::update_many()
        .set(auth_token::ActiveModel {
            expires_at: Set(Some(chrono::Utc::now() - chrono::Duration::minutes(1))),
            ..Default::default()
        })
        .filter(auth_token::Column::Kind.eq("session"))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        error_code(&app.gql(Some(&token), VIEWER, json!({})).await),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        error_code(&app.gql(Some("plm_s_made_up"), VIEWER, json!({})).await),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn sessions_are_listed_and_one_can_be_revoked_from_another() {
    let app = spawn_app().await;
    let first = app.register("camille@exemple.fr", "Camille").await;
    let r = app
        .gql(
            None,
            LOGIN,
            json!({ "email": "camille@exemple.fr", "password": PASSWORD }),
        )
        .await;
    let second = data(&r)["login"]["token"].as_str().unwrap().to_owned();
    assert!(data(&app.gql(Some(&first), VIEWER, json!({})).await)["viewer"].is_object());
    let r = app
        .gql(
            Some(&second),
            "{ viewer { sessions { nodes { id current } } } }",
            json!({}),
        )
        .await;
    let sessions = data(&r)["viewer"]["sessions"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(sessions.len(), 2);
    let other = sessions.iter().find(|s| s["current"] == false).unwrap()["id"].clone();
    let r = app
        .gql(
            Some(&second),
            "mutation($id: ID!) { revokeSession(id: $id) }",
            json!({ "id": other }),
        )
        .await;
    assert_eq!(data(&r)["revokeSession"], true);
    assert_eq!(
        error_code(&app.gql(Some(&first), VIEWER, json!({})).await),
        "UNAUTHENTICATED"
    );
    // Someone else's session cannot be revoked: it is not found among yours.
    let stranger = app.register("lea@exemple.fr", "Léa").await;
    let r = app
        .gql(
            Some(&stranger),
            "mutation($id: ID!) { revokeSession(id: $id) }",
            json!({ "id": other }),
        )
        .await;
    assert_eq!(error_code(&r), "NOT_FOUND");
}

/// Servers sharing one PostgreSQL keep sessions in memory, and hear of a
/// logout on any of them: before `accounts.cache_seconds` (10) pass.
#[tokio::test]
async fn a_session_ended_on_one_server_is_refused_by_the_others() {
    let first = spawn_app().await;
    if first.state.db.get_database_backend() != sea_orm::DbBackend::Postgres {
        // SQLite serves one process only.
        return;
    }
    let second = first.second_server().await;
    let token = first.register("camille@exemple.fr", "Camille").await;
    assert!(data(&second.gql(Some(&token), VIEWER, json!({})).await)["viewer"].is_object());
    let r = first
        .gql(Some(&token), "mutation { logout }", json!({}))
        .await;
    assert_eq!(data(&r)["logout"], true);
    // Until the event arrives the second server still answers as before.
    eventually(8, async || {
        let r = second.gql(Some(&token), VIEWER, json!({})).await;
        match r["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED" {
            true => Ok(()),
            false => Err("the second server still accepts the ended session".to_owned()),
        }
    })
    .await;
}

#[tokio::test]
async fn a_personal_api_token_authenticates_until_revoked() {
    let app = spawn_app().await;
    let session = app.register("camille@exemple.fr", "Camille").await;
    let r = app
        .gql(Some(&session), "mutation { createApiToken(input: { name: \"Export script\", expiresInDays: 30 }) { token apiToken { id name expiresAt } } }", json!({}))
        .await;
    let payload = &data(&r)["createApiToken"];
    let token = payload["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("plm_p_"));
    assert_eq!(payload["apiToken"]["name"], "Export script");
    let r = app
        .gql(
            Some(&token),
            "{ viewer { email apiTokens { nodes { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data(&r)["viewer"]["apiTokens"]["nodes"][0]["name"],
        "Export script"
    );
    let id = payload["apiToken"]["id"].clone();
    let r = app
        .gql(
            Some(&session),
            "mutation($id: ID!) { revokeApiToken(id: $id) }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data(&r)["revokeApiToken"], true);
    assert_eq!(
        error_code(&app.gql(Some(&token), VIEWER, json!({})).await),
        "UNAUTHENTICATED"
    );
    let r = app
        .gql(
            Some(&session),
            "mutation { createApiToken(input: { name: \"\" }) { token } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&r), "VALIDATION");
}

#[tokio::test]
async fn changing_the_password_logs_out_the_other_sessions() {
    let app = spawn_app().await;
    let phone = app.register("camille@exemple.fr", "Camille").await;
    let r = app
        .gql(
            None,
            LOGIN,
            json!({ "email": "camille@exemple.fr", "password": PASSWORD }),
        )
        .await;
    let laptop = data(&r)["login"]["token"].as_str().unwrap().to_owned();
    assert!(data(&app.gql(Some(&phone), VIEWER, json!({})).await)["viewer"].is_object());
    let change = "mutation($c: String!, $n: String!) { changePassword(input: { currentPassword: $c, newPassword: $n }) }";
    let r = app
        .gql(
            Some(&laptop),
            change,
            json!({ "c": "not my password", "n": "a brand new passphrase" }),
        )
        .await;
    assert_eq!(error_code(&r), "VALIDATION");
    assert_eq!(r["errors"][0]["extensions"]["field"], "currentPassword");
    let r = app
        .gql(
            Some(&laptop),
            change,
            json!({ "c": PASSWORD, "n": "short" }),
        )
        .await;
    assert_eq!(error_code(&r), "VALIDATION");
    let r = app
        .gql(
            Some(&laptop),
            change,
            json!({ "c": PASSWORD, "n": "a brand new passphrase" }),
        )
        .await;
    assert_eq!(data(&r)["changePassword"], true);
    assert_eq!(
        error_code(&app.gql(Some(&phone), VIEWER, json!({})).await),
        "UNAUTHENTICATED"
    );
    assert!(data(&app.gql(Some(&laptop), VIEWER, json!({})).await)["viewer"].is_object());
    let r = app
        .gql(
            None,
            LOGIN,
            json!({ "email": "camille@exemple.fr", "password": "a brand new passphrase" }),
        )
        .await;
    assert!(data(&r)["login"]["token"].is_string());
}

#[tokio::test]
async fn the_profile_holds_optional_private_fields_that_can_be_withdrawn() {
    let app = spawn_app().await;
    let token = app.register("camille@exemple.fr", "Camille").await;
    let update = "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { locale timezone person { displayName gender pronouns } } }";
    let r = app
        .gql(Some(&token), update, json!({ "input": { "displayName": "Camille M.", "gender": "WOMAN", "pronouns": "elle", "locale": "FR", "timezone": "America/Montreal" } }))
        .await;
    let viewer = &data(&r)["updateProfile"];
    assert_eq!(viewer["person"]["gender"], "WOMAN");
    assert_eq!(viewer["person"]["pronouns"], "elle");
    assert_eq!(viewer["locale"], "FR");
    assert_eq!(viewer["timezone"], "America/Montreal");
    let r = app
        .gql(Some(&token), update, json!({ "input": { "gender": null } }))
        .await;
    assert!(data(&r)["updateProfile"]["person"]["gender"].is_null());
    assert_eq!(
        data(&r)["updateProfile"]["person"]["pronouns"],
        "elle",
        "fields not mentioned stay"
    );
    let r = app
        .gql(
            Some(&token),
            update,
            json!({ "input": { "timezone": "Paris" } }),
        )
        .await;
    assert_eq!(error_code(&r), "VALIDATION");
    let r = app
        .gql(
            None,
            update,
            json!({ "input": { "displayName": "Anonyme" } }),
        )
        .await;
    assert_eq!(error_code(&r), "UNAUTHENTICATED");
}

#[tokio::test]
async fn when_registration_is_closed_only_an_invitation_opens_it() {
    let app = spawn_app_with(|s| s.accounts.open_registration = false).await;
    let input =
        json!({ "input": { "email": "a@exemple.fr", "password": PASSWORD, "displayName": "A" } });
    let r = app.gql(None, REGISTER, input).await;
    assert_eq!(error_code(&r), "FORBIDDEN");
    assert_eq!(
        account::Entity::find().count(&app.state.db).await.unwrap(),
        0
    );
    let input = json!({ "input": { "email": "a@exemple.fr", "password": PASSWORD, "displayName": "A", "invitationToken": "plm_i_forged" } });
    let r = app.gql(None, REGISTER, input).await;
    assert_eq!(error_code(&r), "NOT_FOUND");
    assert_eq!(
        account::Entity::find().count(&app.state.db).await.unwrap(),
        0,
        "a failed invitation rolls the account back"
    );
    // An operator's account (made with `plenum user create`) invites; the invitation opens registration.
    let operator = plenum::service::accounts::NewAccount {
        email: "admin@exemple.fr".into(),
        password: PASSWORD.into(),
        display_name: "Admin".into(),
        locale: None,
        timezone: None,
        handle: None,
        invitation_token: None,
    };
    plenum::service::accounts::create_by_operator(&app.state, operator, true)
        .await
        .unwrap();
    let r = app
        .gql(
            None,
            LOGIN,
            json!({ "email": "admin@exemple.fr", "password": PASSWORD }),
        )
        .await;
    let admin = data(&r)["login"]["token"].as_str().unwrap().to_owned();
    let org = app
        .create_organisation(&admin, "ag-fermee", "INVITATION")
        .await;
    let (token, membership) = app
        .add_member(&admin, &org, Newcomer::new("a@exemple.fr", "A"))
        .await;
    assert!(!token.is_empty() && !membership.is_empty());
}

const MINT: &str = "mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { scope endsWithPasswordChange } } }";

async fn mint(app: &TestApp, session: &str, input: Value) -> String {
    let r = app
        .gql(Some(session), MINT, json!({ "input": input }))
        .await;
    data(&r)["createApiToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn an_api_token_does_what_its_scope_says_and_never_manages_credentials() {
    let app = spawn_app().await;
    let session = app.register("camille@exemple.fr", "Camille").await;
    let org = app.create_organisation(&session, "ag", "REQUEST").await;
    let r = app
        .gql(
            Some(&session),
            MINT,
            json!({ "input": { "name": "Lecture" } }),
        )
        .await;
    assert_eq!(
        data(&r)["createApiToken"]["apiToken"],
        json!({ "scope": "READ", "endsWithPasswordChange": true }),
        "a token reads only unless asked otherwise"
    );
    let read = data(&r)["createApiToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let write = mint(&app, &session, json!({ "name": "Bot", "scope": "WRITE" })).await;
    let admin = mint(&app, &session, json!({ "name": "Admin", "scope": "ADMIN" })).await;

    let profile = "mutation { updateProfile(input: { pronouns: \"elle\" }) { email } }";
    let rename = "mutation($id: ID!) { updateOrganisation(id: $id, input: { name: \"AG renommée\" }) { name } }";
    // Read: queries and subscriptions only, named in the refusal.
    assert!(data(&app.gql(Some(&read), VIEWER, json!({})).await)["viewer"].is_object());
    let r = app.gql(Some(&read), profile, json!({})).await;
    assert_eq!(error_code(&r), "FORBIDDEN");
    assert!(r["data"].is_null(), "nothing ran: {r}");
    let r: Value = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&read)
        .json(&json!({
            "query": "query Look { viewer { email } } mutation Change { updateProfile(input: { pronouns: \"il\" }) { email } }",
            "operationName": "Change",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        error_code(&r),
        "FORBIDDEN",
        "a named mutation beside a query: {r}"
    );
    // Write: a member's acts, not an admin's.
    assert_eq!(
        data(&app.gql(Some(&write), profile, json!({})).await)["updateProfile"]["email"],
        "camille@exemple.fr"
    );
    let r = app.gql(Some(&write), rename, json!({ "id": org })).await;
    assert_eq!(error_code(&r), "FORBIDDEN");
    // …nor a moderator's: the token acts as a member.
    let r = app
        .gql(Some(&session), "mutation($o: ID!) { createCategory(input: { organisationId: $o, slug: \"debat\", name: \"Débat\" }) { id } }", json!({ "o": org }))
        .await;
    let space = data(&r)["createCategory"]["id"].clone();
    let r = app
        .gql(Some(&write), "mutation($c: ID!) { startThread(input: { categoryId: $c, title: \"Ordre du jour\", body: \"…\" }) { post { id } } }", json!({ "c": space }))
        .await;
    let post = data(&r)["startThread"]["post"]["id"].clone();
    let hide = "mutation($p: ID!) { hidePost(id: $p, reason: \"Hors sujet\") { id } }";
    let r = app.gql(Some(&write), hide, json!({ "p": post })).await;
    assert_eq!(error_code(&r), "FORBIDDEN", "{r}");
    // Admin: an admin's and a moderator's acts too.
    let r = app.gql(Some(&admin), rename, json!({ "id": org })).await;
    assert_eq!(data(&r)["updateOrganisation"]["name"], "AG renommée");
    let r = app.gql(Some(&admin), hide, json!({ "p": post })).await;
    assert!(r["errors"].is_null(), "{r}");
    // No token, however wide, mints tokens, revokes credentials or changes the password.
    for token in [&write, &admin] {
        let r = app
            .gql(
                Some(token),
                MINT,
                json!({ "input": { "name": "Encore", "scope": "ADMIN" } }),
            )
            .await;
        assert_eq!(error_code(&r), "FORBIDDEN");
        let change = "mutation { changePassword(input: { currentPassword: \"correct horse battery\", newPassword: \"a brand new passphrase\" }) }";
        assert_eq!(
            error_code(&app.gql(Some(token), change, json!({})).await),
            "FORBIDDEN"
        );
        let me = app
            .gql(Some(token), "{ viewer { currentCredentialId } }", json!({}))
            .await;
        let id = data(&me)["viewer"]["currentCredentialId"].clone();
        let r = app
            .gql(
                Some(token),
                "mutation($id: ID!) { revokeApiToken(id: $id) }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(error_code(&r), "FORBIDDEN");
    }
    let r = app
        .gql(
            Some(&session),
            "{ viewer { apiTokens { nodes { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data(&r)["viewer"]["apiTokens"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        3,
        "no token was made by a token"
    );
}

#[tokio::test]
async fn a_password_change_ends_the_tokens_made_to_end_with_it() {
    let app = spawn_app().await;
    let session = app.register("camille@exemple.fr", "Camille").await;
    let ending = mint(&app, &session, json!({ "name": "Ends" })).await;
    let kept = mint(
        &app,
        &session,
        json!({ "name": "Kept", "endsWithPasswordChange": false }),
    )
    .await;
    let change = "mutation { changePassword(input: { currentPassword: \"correct horse battery\", newPassword: \"a brand new passphrase\" }) }";
    assert_eq!(
        data(&app.gql(Some(&session), change, json!({})).await)["changePassword"],
        true
    );
    assert_eq!(
        error_code(&app.gql(Some(&ending), VIEWER, json!({})).await),
        "UNAUTHENTICATED"
    );
    assert!(data(&app.gql(Some(&kept), VIEWER, json!({})).await)["viewer"].is_object());
    assert!(data(&app.gql(Some(&session), VIEWER, json!({})).await)["viewer"].is_object());
}
