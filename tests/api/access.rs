//! The role × action table: every persona of an organisation (a visitor,
//! someone outside it, a supporter, a lapsed member, a member, a commission
//! member, a mandate holder, a candidate kept out of their position's
//! deliberation, a facilitator, an admin) tries every everyday act through
//! the API, and the answer must be what `plenum::domain::access::decide`
//! says: done, `FORBIDDEN` (seen but not allowed), or `NOT_FOUND` (not seen
//! at all). The expectations are generated from the access functions, not
//! written by hand; what differs is listed in one failure.

use plenum::domain::access::{Act, Actor, Decision, Reader, decide};
use plenum::domain::forum::{Right, Visibility};
use plenum::domain::governance::BodyKind;
use plenum::domain::meeting::MeetingVisibility;
use plenum::domain::membership::{EffectiveStanding, Role};
use plenum::domain::record::RecordVisibility;
use serde_json::{Value, json};

use crate::helpers::{Newcomer, TestApp, data, error_code, spawn_app};

const START: &str = "mutation($c: ID!) { startThread(input: { categoryId: $c, title: \"Ouverture\", body: \"Bienvenue\" }) { thread { id } } }";
const READ_THREAD: &str = "query($t: ID!) { thread(id: $t) { id title } }";
const READ_MEETING: &str = "query($id: ID!) { meeting(id: $id) { id title } }";
const READ_RECORD: &str = "query($id: ID!) { record(id: $id) { id title } }";
const CAST: &str = "mutation($p: ID!) { castBallot(input: { proposalId: $p, ballot: { choice: \"yes\" } }) { changed } }";

/// Which body an act's subject belongs to (a person's `in_body` is read
/// against it).
#[derive(Clone, Copy, PartialEq)]
enum Body {
    None,
    Commission,
    Secretariat,
}

struct Persona {
    name: &'static str,
    token: Option<String>,
    /// Role and standing in the organisation; none outside it.
    place: Option<(Role, EffectiveStanding)>,
    commission: bool,
    secretariat: bool,
    candidate: bool,
}

impl Persona {
    fn actor(&self, body: Body, about_candidacy: bool) -> Actor {
        Actor {
            reader: self.place.map(|(role, standing)| Reader {
                role,
                standing,
                in_body: match body {
                    Body::None => false,
                    Body::Commission => self.commission,
                    Body::Secretariat => self.secretariat,
                },
            }),
            recused: self.candidate && about_candidacy,
        }
    }
}

/// One act: its rule, its subject's body, and the request that does it.
struct Case {
    act: Act,
    body: Body,
    about_candidacy: bool,
    mutation: bool,
    /// The code of a refusal, when more precise than `FORBIDDEN`.
    refused: &'static str,
    query: String,
    variables: Value,
}

fn id(r: &Value, path: &[&str]) -> String {
    let mut v = data(r);
    for p in path {
        v = &v[*p];
    }
    match v {
        Value::Array(items) => items[0]["id"].as_str().unwrap().to_owned(),
        other => other.as_str().unwrap_or_else(|| panic!("{r}")).to_owned(),
    }
}

async fn ok(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let r = app.gql(Some(token), query, variables).await;
    data(&r);
    r
}

#[tokio::test]
async fn every_persona_gets_what_the_access_rules_say_for_every_act() {
    let app = spawn_app().await;
    let admin = app.register("admin@exemple.fr", "Camille Admin").await;
    let org = app.create_organisation(&admin, "acces", "INVITATION").await;
    let outsider = app.register("dehors@exemple.fr", "Paul Dehors").await;
    let mut people = Vec::new();
    for newcomer in [
        Newcomer::new("soutien@exemple.fr", "Sam Soutien").supporter(),
        Newcomer::new("retard@exemple.fr", "Léo Retard").until("2020-01-01"),
        Newcomer::new("membre@exemple.fr", "Mia Membre"),
        Newcomer::new("commission@exemple.fr", "Céline Commission"),
        Newcomer::new("mandat@exemple.fr", "Marc Mandat"),
        Newcomer::new("candidate@exemple.fr", "Clara Candidate"),
        Newcomer::new("anime@exemple.fr", "Ana Anime").role("FACILITATOR"),
    ] {
        people.push(app.add_member(&admin, &org, newcomer).await.0);
    }
    let [
        supporter,
        lapsed,
        member,
        commissioner,
        holder,
        candidate,
        facilitator,
    ] = <[String; 7]>::try_from(people).unwrap();

    // Spaces and their threads.
    let mut threads = Vec::new();
    for (slug, visibility, right) in [
        ("public", "PUBLIC", "MEMBERS"),
        ("soutiens", "SUPPORTERS", "SUPPORTERS"),
        ("membres", "MEMBERS", "MEMBERS"),
    ] {
        let space = ok(
            &app,
            &admin,
            "mutation($input: CreateCategoryInput!) { createCategory(input: $input) { id } }",
            json!({ "input": { "organisationId": org, "slug": slug, "name": slug, "visibility": visibility, "threadRight": right, "replyRight": right } }),
        )
        .await;
        let space = id(&space, &["createCategory", "id"]);
        let thread = ok(&app, &admin, START, json!({ "c": space })).await;
        threads.push((space, id(&thread, &["startThread", "thread", "id"])));
    }

    // A private commission with its space, meeting and record; a second
    // commission to join; a secretariat with a mandate.
    let create_body =
        "mutation($input: CreateBodyInput!) { createBody(input: $input) { id categoryId } }";
    let commission = ok(
        &app,
        &admin,
        create_body,
        json!({ "input": { "organisationId": org, "kind": "COMMISSION", "slug": "finances", "name": "Finances", "private": true } }),
    )
    .await;
    let (commission, commission_space) = (
        id(&commission, &["createBody", "id"]),
        id(&commission, &["createBody", "categoryId"]),
    );
    let open_commission = ok(
        &app,
        &admin,
        create_body,
        json!({ "input": { "organisationId": org, "kind": "COMMISSION", "slug": "fetes", "name": "Fêtes" } }),
    )
    .await;
    let open_commission = id(&open_commission, &["createBody", "id"]);
    ok(
        &app,
        &admin,
        "mutation($b: ID!, $a: ID!) { addBodyMember(bodyId: $b, accountId: $a) { id } }",
        json!({ "b": commission, "a": app.account_id(&commissioner).await }),
    )
    .await;
    let commission_thread = ok(&app, &admin, START, json!({ "c": commission_space })).await;
    let commission_thread = id(&commission_thread, &["startThread", "thread", "id"]);
    let schedule =
        "mutation($input: ScheduleMeetingInput!) { scheduleMeeting(input: $input) { id } }";
    let starts = (chrono::Utc::now() + chrono::Duration::days(10)).to_rfc3339();
    let mandated_meeting = ok(
        &app,
        &admin,
        schedule,
        json!({ "input": { "bodyId": commission, "title": "Réunion finances", "startsAt": starts, "visibility": "MANDATED" } }),
    )
    .await;
    let mandated_meeting = id(&mandated_meeting, &["scheduleMeeting"]);
    let members_meeting = ok(
        &app,
        &admin,
        schedule,
        json!({ "input": { "bodyId": commission, "title": "Réunion ouverte", "startsAt": starts, "visibility": "MEMBERS" } }),
    )
    .await;
    let members_meeting = id(&members_meeting, &["scheduleMeeting"]);
    let publish = "mutation($input: PublishRecordInput!) { publishRecord(input: $input) { id } }";
    let body_record = ok(
        &app,
        &admin,
        publish,
        json!({ "input": { "kind": "REPORT", "bodyId": commission, "title": "Rapport finances", "text": "Comptes", "visibility": "BODY" } }),
    )
    .await;
    let body_record = id(&body_record, &["publishRecord", "id"]);
    let bodies = app
        .gql(
            None,
            "query($o: ID!) { bodies(organisationId: $o) { id kind } }",
            json!({ "o": org }),
        )
        .await;
    let assembly = data(&bodies)["bodies"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let members_record = ok(
        &app,
        &admin,
        publish,
        json!({ "input": { "kind": "REPORT", "bodyId": assembly, "title": "Rapport d'activité", "text": "Activité", "visibility": "MEMBERS" } }),
    )
    .await;
    let members_record = id(&members_record, &["publishRecord", "id"]);

    let secretariat = ok(
        &app,
        &admin,
        create_body,
        json!({ "input": { "organisationId": org, "kind": "SECRETARIAT", "slug": "secretariat", "name": "Secrétariat" } }),
    )
    .await;
    let secretariat = id(&secretariat, &["createBody", "id"]);
    ok(
        &app,
        &admin,
        "mutation($o: ID!) { definePower(organisationId: $o, name: \"treasury\", label: \"Trésorerie\") { name } }",
        json!({ "o": org }),
    )
    .await;
    ok(
        &app,
        &admin,
        "mutation($input: GrantMandateInput!) { grantMandate(input: $input) { id } }",
        json!({ "input": { "bodyId": secretariat, "holderId": app.account_id(&holder).await, "title": "Trésorier", "scope": ["treasury"], "minutes": "CR de l'AG" } }),
    )
    .await;
    let closes = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    let propose = "mutation($input: CreateProposalInput!) { createProposal(input: $input) { id } }";
    let org_proposal = ok(
        &app,
        &admin,
        propose,
        json!({ "input": { "organisationId": org, "title": "Adopter le budget", "method": "majority", "closesAt": closes } }),
    )
    .await;
    let org_proposal = id(&org_proposal, &["createProposal", "id"]);
    let body_proposal = ok(
        &app,
        &holder,
        propose,
        json!({ "input": { "organisationId": org, "title": "Payer l'imprimeur", "method": "majority", "closesAt": closes, "body": { "bodyId": secretariat, "scope": ["treasury"] } } }),
    )
    .await;
    let body_proposal = id(&body_proposal, &["createProposal", "id"]);

    // A call for a position, its deliberation kept from its candidate.
    let position = ok(
        &app,
        &admin,
        "mutation($b: ID!) { createPosition(input: { bodyId: $b, title: \"Trésorerie adjointe\", seats: 1, scope: [\"treasury\"] }) { id } }",
        json!({ "b": secretariat }),
    )
    .await;
    let position = id(&position, &["createPosition", "id"]);
    let call = ok(
        &app,
        &admin,
        "mutation($input: OpenCallInput!) { openCall(input: $input) { id threadId } }",
        json!({ "input": { "positionId": position, "closesAt": closes, "note": "Un poste" } }),
    )
    .await;
    let (call, deliberation) = (
        id(&call, &["openCall", "id"]),
        id(&call, &["openCall", "threadId"]),
    );
    ok(
        &app,
        &candidate,
        "mutation($c: ID!) { applyForPosition(callId: $c, statement: \"Je me présente\") { id } }",
        json!({ "c": call }),
    )
    .await;
    ok(
        &app,
        &admin,
        "mutation($id: ID!) { updateOrganisation(id: $id, input: { recusalHidesDeliberation: true }) { id } }",
        json!({ "id": org }),
    )
    .await;

    use EffectiveStanding::*;
    let personas = [
        ("anonymous", None, None, (false, false, false)),
        ("outsider", Some(outsider), None, (false, false, false)),
        (
            "supporter",
            Some(supporter),
            Some((Role::Member, Supporter)),
            (false, false, false),
        ),
        (
            "lapsed",
            Some(lapsed),
            Some((Role::Member, Lapsed)),
            (false, false, false),
        ),
        (
            "member",
            Some(member),
            Some((Role::Member, GoodStanding)),
            (false, false, false),
        ),
        (
            "commission member",
            Some(commissioner),
            Some((Role::Member, GoodStanding)),
            (true, false, false),
        ),
        (
            "mandate holder",
            Some(holder),
            Some((Role::Member, GoodStanding)),
            (false, true, false),
        ),
        (
            "recused candidate",
            Some(candidate),
            Some((Role::Member, GoodStanding)),
            (false, false, true),
        ),
        (
            "facilitator",
            Some(facilitator),
            Some((Role::Facilitator, GoodStanding)),
            (false, false, false),
        ),
        (
            "admin",
            Some(admin.clone()),
            Some((Role::Admin, GoodStanding)),
            (false, false, false),
        ),
    ]
    .map(
        |(name, token, place, (commission, secretariat, candidate))| Persona {
            name,
            token,
            place,
            commission,
            secretariat,
            candidate,
        },
    );

    let case = |act: Act, body: Body, query: &str, variables: Value| Case {
        act,
        body,
        about_candidacy: false,
        mutation: query.starts_with("mutation"),
        refused: match act {
            Act::Vote { .. } => "NOT_ELIGIBLE",
            _ => "FORBIDDEN",
        },
        query: query.to_owned(),
        variables,
    };
    let mut cases = vec![
        case(
            Act::ReadSpace(Visibility::Public),
            Body::None,
            READ_THREAD,
            json!({ "t": threads[0].1 }),
        ),
        case(
            Act::ReadSpace(Visibility::Supporters),
            Body::None,
            READ_THREAD,
            json!({ "t": threads[1].1 }),
        ),
        case(
            Act::ReadSpace(Visibility::Members),
            Body::None,
            READ_THREAD,
            json!({ "t": threads[2].1 }),
        ),
        case(
            Act::ReadSpace(Visibility::Body),
            Body::Commission,
            READ_THREAD,
            json!({ "t": commission_thread }),
        ),
        case(
            Act::StartThread(Right::Supporters, Visibility::Supporters),
            Body::None,
            START,
            json!({ "c": threads[1].0 }),
        ),
        case(
            Act::StartThread(Right::Members, Visibility::Members),
            Body::None,
            START,
            json!({ "c": threads[2].0 }),
        ),
        case(
            Act::Moderate(Visibility::Members),
            Body::None,
            "mutation($t: ID!) { pinThread(id: $t, pinned: true) { pinned } }",
            json!({ "t": threads[2].1 }),
        ),
        case(
            Act::SeeMeeting(MeetingVisibility::Mandated),
            Body::Commission,
            READ_MEETING,
            json!({ "id": mandated_meeting }),
        ),
        case(
            Act::SeeMeeting(MeetingVisibility::Members),
            Body::Commission,
            READ_MEETING,
            json!({ "id": members_meeting }),
        ),
        case(
            Act::ReadRecord(RecordVisibility::Members),
            Body::None,
            READ_RECORD,
            json!({ "id": members_record }),
        ),
        case(
            Act::ReadRecord(RecordVisibility::Body),
            Body::Commission,
            READ_RECORD,
            json!({ "id": body_record }),
        ),
        case(
            Act::Administer,
            Body::None,
            "mutation($id: ID!) { updateOrganisation(id: $id, input: { editWindowMinutes: 60 }) { id } }",
            json!({ "id": org }),
        ),
        case(
            Act::Vote {
                body: false,
                space: Visibility::Supporters,
            },
            Body::None,
            CAST,
            json!({ "p": org_proposal }),
        ),
        case(
            Act::Vote {
                body: true,
                space: Visibility::Members,
            },
            Body::Secretariat,
            CAST,
            json!({ "p": body_proposal }),
        ),
        case(
            Act::JoinBody(BodyKind::Commission),
            Body::None,
            "mutation($id: ID!) { joinBody(id: $id) { id } }",
            json!({ "id": open_commission }),
        ),
    ];
    cases.push(Case {
        about_candidacy: true,
        ..case(
            Act::ReadDeliberation,
            Body::Secretariat,
            READ_THREAD,
            json!({ "t": deliberation }),
        )
    });

    let mut differences = Vec::new();
    let mut checked = 0;
    for persona in &personas {
        let mut all: Vec<&Case> = cases.iter().collect();
        // Inviting: a new address each time.
        let invite = Case {
            act: Act::ManageMembers,
            body: Body::None,
            about_candidacy: false,
            mutation: true,
            refused: "FORBIDDEN",
            query: "mutation($input: InviteMemberInput!) { inviteMember(input: $input) { link } }"
                .to_owned(),
            variables: json!({ "input": { "organisationId": org, "email": format!("{}@invite.fr", persona.name.replace(' ', ".")) } }),
        };
        all.push(&invite);
        for c in all {
            let expected = decide(persona.actor(c.body, c.about_candidacy), c.act);
            let want = match expected {
                _ if persona.token.is_none() && c.mutation => "UNAUTHENTICATED",
                Decision::Allowed => "",
                Decision::Refused => c.refused,
                Decision::Hidden => "NOT_FOUND",
            };
            let answer = app
                .gql(persona.token.as_deref(), &c.query, c.variables.clone())
                .await;
            let got = if answer["errors"].is_null() {
                String::new()
            } else {
                error_code(&answer)
            };
            checked += 1;
            if got != want {
                differences.push(format!(
                    "{} × {:?}: the rules say {:?} ({want}), the API answered {got:?}: {}",
                    persona.name, c.act, expected, answer["errors"][0]["message"]
                ));
            }
        }
    }
    assert_eq!(checked, personas.len() * (cases.len() + 1));
    assert!(
        differences.is_empty(),
        "{} of {checked} differ:\n{}",
        differences.len(),
        differences.join("\n")
    );
}

/// A stored visibility that does not parse (a hand edit, a bad migration)
/// is an error, never a silent default that would widen or narrow who reads.
#[tokio::test]
async fn a_corrupt_stored_visibility_is_an_error_never_a_default() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let admin = app.register("admin@exemple.fr", "Camille Admin").await;
    let org = app.create_organisation(&admin, "acces", "INVITATION").await;
    let space = ok(
        &app,
        &admin,
        "mutation($input: CreateCategoryInput!) { createCategory(input: $input) { id } }",
        json!({ "input": { "organisationId": org, "slug": "membres", "name": "Membres", "visibility": "MEMBERS", "threadRight": "MEMBERS", "replyRight": "MEMBERS" } }),
    )
    .await;
    let space = id(&space, &["createCategory", "id"]);
    let thread = ok(&app, &admin, START, json!({ "c": space })).await;
    let thread = id(&thread, &["startThread", "thread", "id"]);
    assert_eq!(
        error_code(&app.gql(None, READ_THREAD, json!({ "t": thread })).await),
        "NOT_FOUND"
    );
    let changed = app
        .state
        .db
        .execute_unprepared("UPDATE category SET visibility = 'everyone' WHERE slug = 'membres'")
        .await
        .unwrap();
    assert_eq!(changed.rows_affected(), 1);
    app.state
        .events
        .publish(plenum::events::Event::Organisation {
            organisation_id: org.parse().unwrap(),
        });
    for token in [None, Some(admin.as_str())] {
        let answer = app.gql(token, READ_THREAD, json!({ "t": thread })).await;
        assert_eq!(error_code(&answer), "INTERNAL", "{answer}");
        assert!(answer["data"]["thread"].is_null(), "{answer}");
    }
}
