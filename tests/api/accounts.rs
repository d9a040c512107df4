use plenum::entity::{account, auth_token};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::helpers::{Newcomer, PASSWORD, data, error_code, eventually, spawn_app, spawn_app_with};

const VIEWER: &str = "{ viewer { email locale timezone person { displayName gender pronouns } } }";
const REGISTER: &str =
    "mutation($input: RegisterInput!) { register(input: $input) { token viewer { email } } }";
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
async fn a_second_account_with_the_same_email_is_a_conflict_and_writes_nothing() {
    let app = spawn_app().await;
    app.register("camille@exemple.fr", "Camille").await;
    let input = json!({ "input": { "email": "CAMILLE@exemple.fr", "password": PASSWORD, "displayName": "Autre" } });
    let response = app.gql(None, REGISTER, input).await;
    assert_eq!(error_code(&response), "CONFLICT");
    assert_eq!(response["errors"][0]["extensions"]["field"], "email");
    assert_eq!(
        account::Entity::find().count(&app.state.db).await.unwrap(),
        1
    );
}

#[tokio::test]
async fn two_simultaneous_registrations_of_one_email_leave_exactly_one_account() {
    let app = spawn_app().await;
    let input = json!({ "input": { "email": "race@exemple.fr", "password": PASSWORD, "displayName": "Race" } });
    let (a, b) = tokio::join!(
        app.gql(None, REGISTER, input.clone()),
        app.gql(None, REGISTER, input.clone())
    );
    let succeeded = [&a, &b].iter().filter(|r| r["errors"].is_null()).count();
    assert_eq!(succeeded, 1, "{a:#}\n{b:#}");
    let failed = if a["errors"].is_null() { &b } else { &a };
    assert_eq!(error_code(failed), "CONFLICT");
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
