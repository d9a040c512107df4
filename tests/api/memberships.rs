use serde_json::json;

use crate::helpers::{Newcomer, PASSWORD, data, error_code, spawn_app};

const INVITE: &str = "mutation($input: InviteMemberInput!) { inviteMember(input: $input) { link invitation { id email role } } }";
const ACCEPT: &str = "mutation($token: String!) { acceptInvitation(token: $token) { role standing organisation { slug } } }";
const MEMBERS: &str = "query($slug: String, $standing: EffectiveStanding, $after: String, $first: Int) { organisation(slug: $slug) { members(standing: $standing, after: $after, first: $first) { totalCount nodes { id role standing goodUntil person { displayName email gender } } pageInfo { hasNextPage endCursor } } } }";

fn token_of(link: &serde_json::Value) -> String {
    link.as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn an_invitation_link_makes_a_member_exactly_once() {
    let app = spawn_app().await;
    let admin = app.register("camille@exemple.fr", "Camille").await;
    let org = app.create_organisation(&admin, "ag", "INVITATION").await;
    let r = app.gql(Some(&admin), INVITE, json!({ "input": { "organisationId": org, "email": "Lucas@Exemple.fr", "goodUntil": "2099-12-31" } })).await;
    let invited = &data(&r)["inviteMember"];
    assert_eq!(invited["invitation"]["email"], "lucas@exemple.fr");
    assert!(
        invited["link"]
            .as_str()
            .unwrap()
            .contains("/invitations/plm_i_")
    );
    let page = app
        .client
        .get(invited["link"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "the link lands on a page");

    let lucas = app.register("lucas@exemple.fr", "Lucas").await;
    let r = app
        .gql(
            Some(&lucas),
            ACCEPT,
            json!({ "token": token_of(&invited["link"]) }),
        )
        .await;
    assert_eq!(
        data(&r)["acceptInvitation"],
        json!({ "role": "MEMBER", "standing": "GOOD_STANDING", "organisation": { "slug": "ag" } })
    );
    let lea = app.register("lea@exemple.fr", "Léa").await;
    let r = app
        .gql(
            Some(&lea),
            ACCEPT,
            json!({ "token": token_of(&invited["link"]) }),
        )
        .await;
    assert_eq!(error_code(&r), "CONFLICT", "a link works once");
    let r = app
        .gql(Some(&lea), ACCEPT, json!({ "token": "plm_i_made_up" }))
        .await;
    assert_eq!(error_code(&r), "NOT_FOUND");
    let r = app
        .gql(
            Some(&admin),
            INVITE,
            json!({ "input": { "organisationId": org, "email": "lucas@exemple.fr" } }),
        )
        .await;
    assert_eq!(error_code(&r), "CONFLICT", "Lucas is already a member");
}

#[tokio::test]
async fn a_withdrawn_invitation_no_longer_opens_the_door() {
    let app = spawn_app().await;
    let admin = app.register("camille@exemple.fr", "Camille").await;
    let org = app.create_organisation(&admin, "ag", "INVITATION").await;
    let r = app
        .gql(
            Some(&admin),
            INVITE,
            json!({ "input": { "organisationId": org, "email": "lucas@exemple.fr" } }),
        )
        .await;
    let invited = data(&r)["inviteMember"].clone();
    let r = app
        .gql(
            Some(&admin),
            "query { organisation(slug: \"ag\") { invitations { nodes { email } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data(&r)["organisation"]["invitations"]["nodes"],
        json!([{ "email": "lucas@exemple.fr" }])
    );
    let r = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { revokeInvitation(id: $id) { email } }",
            json!({ "id": invited["invitation"]["id"] }),
        )
        .await;
    assert_eq!(data(&r)["revokeInvitation"]["email"], "lucas@exemple.fr");
    let lucas = app.register("lucas@exemple.fr", "Lucas").await;
    let r = app
        .gql(
            Some(&lucas),
            ACCEPT,
            json!({ "token": token_of(&invited["link"]) }),
        )
        .await;
    assert_eq!(error_code(&r), "NOT_FOUND");
}

#[tokio::test]
async fn members_without_a_facilitator_role_cannot_invite_nor_see_invitations() {
    let app = spawn_app().await;
    let admin = app.register("camille@exemple.fr", "Camille").await;
    let org = app.create_organisation(&admin, "ag", "INVITATION").await;
    let (supporter, _) = app
        .add_member(
            &admin,
            &org,
            Newcomer::new("thomas@exemple.fr", "Thomas").supporter(),
        )
        .await;
    let (member, _) = app
        .add_member(&admin, &org, Newcomer::new("lucas@exemple.fr", "Lucas"))
        .await;
    let outsider = app.register("outsider@exemple.fr", "Outsider").await;
    for token in [&supporter, &member, &outsider] {
        let r = app
            .gql(
                Some(token),
                INVITE,
                json!({ "input": { "organisationId": org, "email": "x@exemple.fr" } }),
            )
            .await;
        assert_eq!(error_code(&r), "FORBIDDEN");
        let r = app
            .gql(
                Some(token),
                "{ organisation(slug: \"ag\") { invitations { nodes { email } } } }",
                json!({}),
            )
            .await;
        assert_eq!(error_code(&r), "FORBIDDEN");
    }
    let (facilitator, _) = app
        .add_member(
            &admin,
            &org,
            Newcomer::new("yasmine@exemple.fr", "Yasmine").role("FACILITATOR"),
        )
        .await;
    let r = app
        .gql(
            Some(&facilitator),
            INVITE,
            json!({ "input": { "organisationId": org, "email": "x@exemple.fr", "role": "ADMIN" } }),
        )
        .await;
    assert_eq!(error_code(&r), "FORBIDDEN", "only an admin makes admins");
    let r = app
        .gql(
            Some(&facilitator),
            INVITE,
            json!({ "input": { "organisationId": org, "email": "not an email" } }),
        )
        .await;
    assert_eq!(error_code(&r), "VALIDATION");
    let r = app
        .gql(
            Some(&facilitator),
            INVITE,
            json!({ "input": { "organisationId": org, "email": "x@exemple.fr" } }),
        )
        .await;
    assert_eq!(data(&r)["inviteMember"]["invitation"]["role"], "MEMBER");
}

#[tokio::test]
async fn how_people_join_follows_the_registration_mode() {
    let app = spawn_app().await;
    let admin = app.register("camille@exemple.fr", "Camille").await;
    let open = app.create_organisation(&admin, "ouverte", "OPEN").await;
    let by_request = app
        .create_organisation(&admin, "sur-demande", "REQUEST")
        .await;
    let closed = app
        .create_organisation(&admin, "sur-invitation", "INVITATION")
        .await;
    let nadia = app.register("nadia@exemple.fr", "Nadia").await;
    let join = "mutation($org: ID!, $msg: String) { requestToJoin(organisationId: $org, message: $msg) { membership { standing } request { id status message } } }";

    let r = app.gql(Some(&nadia), join, json!({ "org": open })).await;
    assert_eq!(
        data(&r)["requestToJoin"]["membership"]["standing"],
        "SUPPORTER",
        "an open organisation admits supporters at once"
    );
    let r = app.gql(Some(&nadia), join, json!({ "org": open })).await;
    assert_eq!(error_code(&r), "CONFLICT");

    let r = app.gql(Some(&nadia), join, json!({ "org": closed })).await;
    assert_eq!(error_code(&r), "FORBIDDEN");

    let r = app
        .gql(
            Some(&nadia),
            join,
            json!({ "org": by_request, "msg": "J'habite le quartier." }),
        )
        .await;
    let request = data(&r)["requestToJoin"]["request"].clone();
    assert_eq!(request["status"], "PENDING");
    let r = app
        .gql(Some(&nadia), join, json!({ "org": by_request }))
        .await;
    assert_eq!(error_code(&r), "CONFLICT", "one pending request at a time");

    let decide = "mutation($input: DecideJoinRequestInput!) { decideJoinRequest(input: $input) { request { status } membership { standing person { displayName } } } }";
    let r = app
        .gql(
            Some(&nadia),
            decide,
            json!({ "input": { "id": request["id"], "accept": true } }),
        )
        .await;
    assert_eq!(error_code(&r), "FORBIDDEN", "nobody admits themselves");
    let r = app.gql(Some(&admin), "{ organisation(slug: \"sur-demande\") { joinRequests { nodes { message person { displayName email } } } } }", json!({})).await;
    assert_eq!(
        data(&r)["organisation"]["joinRequests"]["nodes"][0]["person"]["email"],
        "nadia@exemple.fr"
    );
    let r = app.gql(Some(&admin), decide, json!({ "input": { "id": request["id"], "accept": true, "standing": "MEMBER", "goodUntil": "2099-06-30" } })).await;
    assert_eq!(
        data(&r)["decideJoinRequest"]["request"]["status"],
        "ACCEPTED"
    );
    assert_eq!(
        data(&r)["decideJoinRequest"]["membership"]["standing"],
        "GOOD_STANDING"
    );
    let r = app
        .gql(
            Some(&admin),
            decide,
            json!({ "input": { "id": request["id"], "accept": false } }),
        )
        .await;
    assert_eq!(error_code(&r), "CONFLICT", "a request is answered once");
}

#[tokio::test]
async fn standing_is_derived_from_the_dues_date_and_its_history_is_kept() {
    let app = spawn_app().await;
    let admin = app.register("camille@exemple.fr", "Camille").await;
    let org = app.create_organisation(&admin, "ag", "INVITATION").await;
    let (_, paid) = app
        .add_member(
            &admin,
            &org,
            Newcomer::new("lucas@exemple.fr", "Lucas").until("2099-12-31"),
        )
        .await;
    let (_, _lapsed) = app
        .add_member(
            &admin,
            &org,
            Newcomer::new("julien@exemple.fr", "Julien").until("2020-12-31"),
        )
        .await;
    let (lucas_supporter, _) = app
        .add_member(
            &admin,
            &org,
            Newcomer::new("thomas@exemple.fr", "Thomas").supporter(),
        )
        .await;

    let count = |standing: &'static str| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let r = app
                .gql(
                    Some(&admin),
                    MEMBERS,
                    json!({ "slug": "ag", "standing": standing }),
                )
                .await;
            data(&r)["organisation"]["members"]["totalCount"]
                .as_u64()
                .unwrap()
        }
    };
    assert_eq!(
        count("GOOD_STANDING").await,
        2,
        "Camille (no end date) and Lucas"
    );
    assert_eq!(count("LAPSED").await, 1);
    assert_eq!(count("SUPPORTER").await, 1);

    let set = "mutation($input: SetStandingInput!) { setStanding(input: $input) { standing goodUntil history { nodes { kind standingKind goodUntil note actor { displayName } } } } }";
    let r = app
        .gql(
            Some(&lucas_supporter),
            set,
            json!({ "input": { "membershipId": paid, "standing": "SUPPORTER" } }),
        )
        .await;
    assert_eq!(error_code(&r), "FORBIDDEN");
    let r = app.gql(Some(&admin), set, json!({ "input": { "membershipId": paid, "standing": "MEMBER", "goodUntil": "2020-01-31", "note": "Cotisation non renouvelée" } })).await;
    let m = &data(&r)["setStanding"];
    assert_eq!(m["standing"], "LAPSED");
    let history = m["history"]["nodes"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["kind"], "JOINED");
    assert_eq!(history[0]["goodUntil"], "2099-12-31");
    assert_eq!(history[1]["kind"], "STANDING_CHANGED");
    assert_eq!(history[1]["note"], "Cotisation non renouvelée");
    assert_eq!(history[1]["actor"]["displayName"], "Camille");
    let r = app
        .gql(
            Some(&admin),
            set,
            json!({ "input": { "membershipId": uuid::Uuid::now_v7(), "standing": "MEMBER" } }),
        )
        .await;
    assert_eq!(error_code(&r), "NOT_FOUND");
}

#[tokio::test]
async fn private_fields_are_read_only_by_the_person_and_by_facilitators() {
    let app = spawn_app().await;
    let admin = app.register("camille@exemple.fr", "Camille").await;
    let org = app.create_organisation(&admin, "ag", "INVITATION").await;
    let (lucas, _) = app
        .add_member(&admin, &org, Newcomer::new("lucas@exemple.fr", "Lucas"))
        .await;
    let (lea, _) = app
        .add_member(
            &admin,
            &org,
            Newcomer::new("lea@exemple.fr", "Léa").role("FACILITATOR"),
        )
        .await;
    app.gql(
        Some(&lucas),
        "mutation { updateProfile(input: { gender: MAN }) { email } }",
        json!({}),
    )
    .await;

    let lucas_as_seen_by = |token: String| {
        let app = &app;
        async move {
            let r = app
                .gql(Some(&token), MEMBERS, json!({ "slug": "ag" }))
                .await;
            let nodes = data(&r)["organisation"]["members"]["nodes"]
                .as_array()
                .unwrap()
                .clone();
            nodes
                .into_iter()
                .find(|n| n["person"]["displayName"] == "Lucas")
                .unwrap()["person"]
                .clone()
        }
    };
    assert_eq!(
        lucas_as_seen_by(lucas.clone()).await,
        json!({ "displayName": "Lucas", "email": "lucas@exemple.fr", "gender": "MAN" })
    );
    assert_eq!(
        lucas_as_seen_by(lea.clone()).await["gender"],
        "MAN",
        "facilitators read it"
    );
    let (member, _) = app
        .add_member(&admin, &org, Newcomer::new("hugo@exemple.fr", "Hugo"))
        .await;
    assert_eq!(
        lucas_as_seen_by(member).await,
        json!({ "displayName": "Lucas", "email": null, "gender": null })
    );
    let outsider = app.register("outsider@exemple.fr", "Outsider").await;
    let r = app
        .gql(Some(&outsider), MEMBERS, json!({ "slug": "ag" }))
        .await;
    assert_eq!(
        error_code(&r),
        "FORBIDDEN",
        "non-members do not see the member list"
    );
    let r = app.gql(None, MEMBERS, json!({ "slug": "ag" })).await;
    assert_eq!(error_code(&r), "UNAUTHENTICATED");
}

#[tokio::test]
async fn an_organisation_never_loses_its_last_admin() {
    let app = spawn_app().await;
    let admin = app.register("camille@exemple.fr", "Camille").await;
    let org = app.create_organisation(&admin, "ag", "INVITATION").await;
    let r = app
        .gql(
            Some(&admin),
            "{ organisation(slug: \"ag\") { viewerMembership { id } } }",
            json!({}),
        )
        .await;
    let mine = data(&r)["organisation"]["viewerMembership"]["id"].clone();
    let leave = "mutation($org: ID!) { leaveOrganisation(organisationId: $org) { leftAt } }";
    assert_eq!(
        error_code(&app.gql(Some(&admin), leave, json!({ "org": org })).await),
        "CONFLICT"
    );
    let set_role =
        "mutation($m: ID!, $role: Role!) { setRole(membershipId: $m, role: $role) { role } }";
    assert_eq!(
        error_code(
            &app.gql(
                Some(&admin),
                set_role,
                json!({ "m": mine, "role": "MEMBER" })
            )
            .await
        ),
        "CONFLICT"
    );

    let (lea, lea_membership) = app
        .add_member(&admin, &org, Newcomer::new("lea@exemple.fr", "Léa"))
        .await;
    assert_eq!(
        error_code(
            &app.gql(
                Some(&lea),
                set_role,
                json!({ "m": lea_membership, "role": "ADMIN" })
            )
            .await
        ),
        "FORBIDDEN"
    );
    let r = app
        .gql(
            Some(&admin),
            set_role,
            json!({ "m": lea_membership, "role": "ADMIN" }),
        )
        .await;
    assert_eq!(data(&r)["setRole"]["role"], "ADMIN");
    let r = app.gql(Some(&admin), leave, json!({ "org": org })).await;
    assert!(data(&r)["leaveOrganisation"]["leftAt"].is_string());
    let r = app.gql(Some(&lea), MEMBERS, json!({ "slug": "ag" })).await;
    assert_eq!(data(&r)["organisation"]["members"]["totalCount"], 1);
}

#[tokio::test]
async fn removal_needs_a_facilitator_keeps_a_reason_and_ends_access() {
    let app = spawn_app().await;
    let admin = app.register("camille@exemple.fr", "Camille").await;
    let org = app.create_organisation(&admin, "ag", "INVITATION").await;
    let r = app
        .gql(
            Some(&admin),
            "{ organisation(slug: \"ag\") { viewerMembership { id } } }",
            json!({}),
        )
        .await;
    let admin_membership = data(&r)["organisation"]["viewerMembership"]["id"].clone();
    let (facilitator, _) = app
        .add_member(
            &admin,
            &org,
            Newcomer::new("yasmine@exemple.fr", "Yasmine").role("FACILITATOR"),
        )
        .await;
    let (lucas, lucas_membership) = app
        .add_member(&admin, &org, Newcomer::new("lucas@exemple.fr", "Lucas"))
        .await;
    let (hugo, _) = app
        .add_member(&admin, &org, Newcomer::new("hugo@exemple.fr", "Hugo"))
        .await;
    let remove = "mutation($m: ID!, $reason: String) { removeMember(membershipId: $m, reason: $reason) { leftAt history { nodes { kind note } } } }";
    assert_eq!(
        error_code(
            &app.gql(Some(&hugo), remove, json!({ "m": lucas_membership }))
                .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(
            &app.gql(Some(&facilitator), remove, json!({ "m": admin_membership }))
                .await
        ),
        "FORBIDDEN"
    );
    let r = app
        .gql(
            Some(&facilitator),
            remove,
            json!({ "m": lucas_membership, "reason": "Départ annoncé en AG" }),
        )
        .await;
    let history = data(&r)["removeMember"]["history"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        history.last().unwrap(),
        &json!({ "kind": "REMOVED", "note": "Départ annoncé en AG" })
    );
    assert_eq!(
        error_code(
            &app.gql(Some(&lucas), MEMBERS, json!({ "slug": "ag" }))
                .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(
            &app.gql(Some(&facilitator), remove, json!({ "m": lucas_membership }))
                .await
        ),
        "NOT_FOUND"
    );

    // Invited again, Lucas comes back on the same membership, history intact.
    let (_, again) = {
        let r = app
            .gql(
                Some(&admin),
                INVITE,
                json!({ "input": { "organisationId": org, "email": "lucas@exemple.fr" } }),
            )
            .await;
        let token = token_of(&data(&r)["inviteMember"]["link"]);
        let r = app.gql(Some(&lucas), "mutation($t: String!) { acceptInvitation(token: $t) { id history { nodes { kind } } } }", json!({ "t": token })).await;
        ((), data(&r)["acceptInvitation"].clone())
    };
    assert_eq!(again["id"], lucas_membership);
    let kinds: Vec<_> = again["history"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["JOINED", "REMOVED", "REJOINED"]);
}

#[tokio::test]
async fn the_member_list_pages_with_cursors_and_refuses_foreign_ones() {
    let app = spawn_app().await;
    let admin = app.register("camille@exemple.fr", "Camille").await;
    let org = app.create_organisation(&admin, "ag", "INVITATION").await;
    for i in 0..4 {
        app.add_member(
            &admin,
            &org,
            Newcomer::new(&format!("m{i}@exemple.fr"), &format!("Membre {i}")),
        )
        .await;
    }
    let mut names = Vec::new();
    let mut after = serde_json::Value::Null;
    loop {
        let r = app
            .gql(
                Some(&admin),
                MEMBERS,
                json!({ "slug": "ag", "first": 2, "after": after }),
            )
            .await;
        let members = &data(&r)["organisation"]["members"];
        assert_eq!(members["totalCount"], 5);
        names.extend(
            members["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["person"]["displayName"].as_str().unwrap().to_owned()),
        );
        if members["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = members["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(
        names,
        ["Camille", "Membre 0", "Membre 1", "Membre 2", "Membre 3"]
    );

    let r = app
        .gql(
            Some(&admin),
            MEMBERS,
            json!({ "slug": "ag", "after": "%%%not-a-cursor" }),
        )
        .await;
    assert_eq!(error_code(&r), "VALIDATION");
    let r = app
        .gql(
            Some(&admin),
            "{ organisation(slug: \"ag\") { children { pageInfo { endCursor } } } }",
            json!({}),
        )
        .await;
    assert!(data(&r)["organisation"]["children"]["pageInfo"]["endCursor"].is_null());
    let r = app
        .gql(
            Some(&admin),
            "{ viewer { memberships(first: 1) { pageInfo { endCursor } } } }",
            json!({}),
        )
        .await;
    let foreign = data(&r)["viewer"]["memberships"]["pageInfo"]["endCursor"].clone();
    let r = app
        .gql(
            Some(&admin),
            MEMBERS,
            json!({ "slug": "ag", "after": foreign }),
        )
        .await;
    assert_eq!(
        error_code(&r),
        "VALIDATION",
        "a cursor from another list is refused"
    );
    let r = app
        .gql(
            Some(&admin),
            MEMBERS,
            json!({ "slug": "ag", "first": 1000 }),
        )
        .await;
    assert_eq!(error_code(&r), "VALIDATION");
}

#[tokio::test]
async fn listing_fifty_members_takes_a_handful_of_queries_not_one_per_member() {
    let app = spawn_app().await;
    let admin = app.register("camille@exemple.fr", "Camille").await;
    let org = app.create_organisation(&admin, "ag", "INVITATION").await;
    // Quicker than fifty invitations: insert the people through the services.
    let org_model =
        plenum::service::organisations::get(&app.state.db, uuid::Uuid::parse_str(&org).unwrap())
            .await
            .unwrap();
    for i in 0..49 {
        let new = plenum::service::accounts::NewAccount {
            email: format!("m{i}@exemple.fr"),
            password: PASSWORD.into(),
            display_name: format!("Membre {i}"),
            locale: None,
            timezone: None,
            handle: None,
            invitation_token: None,
        };
        let account = plenum::service::accounts::create_by_operator(&app.state, new, false)
            .await
            .unwrap();
        let joining = plenum::service::memberships::Joining {
            role: plenum::domain::membership::Role::Member,
            standing: plenum::domain::membership::Standing::Member { good_until: None },
            actor: None,
            note: None,
        };
        plenum::service::memberships::join(&app.state.db, &org_model, account.id, joining)
            .await
            .unwrap();
    }
    let (r, spent) = app
        .cost(Some(&admin), "{ organisation(slug: \"ag\") { members(first: 50) { totalCount nodes { standing person { displayName } organisation { slug } } } } }", json!({}))
        .await;
    assert_eq!(
        data(&r)["organisation"]["members"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        50
    );
    assert!(spent <= 10, "listing 50 members ran {spent} queries");
}

#[tokio::test]
async fn another_organisations_memberships_are_unknown_not_forbidden() {
    let app = spawn_app().await;
    let admin = app.register("camille@exemple.fr", "Camille").await;
    let org = app.create_organisation(&admin, "ag", "INVITATION").await;
    let (_, lucas) = app
        .add_member(&admin, &org, Newcomer::new("lucas@exemple.fr", "Lucas"))
        .await;
    let stranger = app.register("eve@exemple.fr", "Eve").await;
    app.create_organisation(&stranger, "autre", "INVITATION")
        .await;
    let set_role = "mutation($m: ID!) { setRole(membershipId: $m, role: ADMIN) { role } }";
    let existing = app
        .gql(Some(&stranger), set_role, json!({ "m": lucas }))
        .await;
    let unknown = app
        .gql(
            Some(&stranger),
            set_role,
            json!({ "m": uuid::Uuid::now_v7() }),
        )
        .await;
    assert_eq!(error_code(&existing), "NOT_FOUND", "{existing}");
    assert_eq!(
        existing["errors"][0]["message"],
        unknown["errors"][0]["message"]
    );
    // A member without the right sees the membership, and is refused the act.
    let (member, _) = app
        .add_member(&admin, &org, Newcomer::new("ines@exemple.fr", "Inès"))
        .await;
    let r = app
        .gql(Some(&member), set_role, json!({ "m": lucas }))
        .await;
    assert_eq!(error_code(&r), "FORBIDDEN");
}

#[tokio::test]
async fn the_sql_and_the_rust_forms_of_standing_agree() {
    use chrono::NaiveDate;
    use plenum::domain::membership::{EffectiveStanding, Standing, StandingKind};
    use plenum::entity::membership;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

    let app = spawn_app().await;
    let admin = app.register("camille@exemple.fr", "Camille").await;
    let org = app.create_organisation(&admin, "ag", "INVITATION").await;
    let org = uuid::Uuid::parse_str(&org).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    let day = chrono::Days::new(1);
    let cases = [
        (StandingKind::Member, None),
        (StandingKind::Member, Some(today)),
        (StandingKind::Member, Some(today + day)),
        (StandingKind::Member, Some(today - day)),
        (StandingKind::Member, NaiveDate::from_ymd_opt(1900, 1, 1)),
        (StandingKind::Supporter, None),
        (StandingKind::Supporter, Some(today + day)),
    ];
    let mut expected = Vec::new();
    for (n, (standing, good_until)) in cases.into_iter().enumerate() {
        let person = plenum::service::accounts::NewAccount {
            email: format!("p{n}@exemple.fr"),
            password: PASSWORD.into(),
            display_name: format!("P{n}"),
            locale: None,
            timezone: None,
            handle: None,
            invitation_token: None,
        };
        let account = plenum::service::accounts::create_by_operator(&app.state, person, false)
            .await
            .unwrap();
        let row = membership::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            organisation_id: Set(org),
            account_id: Set(account.id),
            role: Set(plenum::domain::membership::Role::Member),
            standing: Set(standing),
            good_until: Set(good_until),
            joined_at: Set(chrono::Utc::now()),
            left_at: Set(None),
        }
        .insert(&app.state.db)
        .await
        .unwrap();
        expected.push((row.id, Standing::new(standing, good_until).on(today)));
    }
    for effective in [
        EffectiveStanding::GoodStanding,
        EffectiveStanding::Lapsed,
        EffectiveStanding::Supporter,
    ] {
        let mut by_sql: Vec<uuid::Uuid> = membership::Entity::find()
            .filter(membership::Column::OrganisationId.eq(org))
            .filter(Standing::condition(effective, today))
            .all(&app.state.db)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.id)
            .filter(|id| expected.iter().any(|(e, _)| e == id))
            .collect();
        by_sql.sort();
        let mut by_rust: Vec<uuid::Uuid> = expected
            .iter()
            .filter(|(_, e)| *e == effective)
            .map(|(id, _)| *id)
            .collect();
        by_rust.sort();
        assert_eq!(by_sql, by_rust, "{effective:?}");
    }
}
