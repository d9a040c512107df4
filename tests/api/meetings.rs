//! Meetings: scheduling and the calendar, the agenda and its deadline,
//! roles, attendance and the speaking queue.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::{Newcomer, TestApp, data, error_code, spawn_app_with};

const SCHEDULE: &str = "mutation($input: ScheduleMeetingInput!) { scheduleMeeting(input: $input) { id status startsAt title visibility } }";
const PROPOSE_ITEM: &str = "mutation($input: ProposeAgendaItemInput!) { proposeAgendaItem(input: $input) { id urgent approved } }";
const AGENDA: &str = "query($id: ID!) { meeting(id: $id) { status agenda { frozen deadline plannedMinutes items { id title fits startsAfterMinutes carriedFrom proposalId } pending { id } awaiting { title ratification } } } }";
const QUEUE: &str = "query($id: ID!, $item: ID!) { meeting(id: $id) { queue(itemId: $item) { current { person { displayName } } waiting { id kind person { displayName } } speakers { person { displayName } interventions } } } }";

/// An organisation (Europe/Paris) with its admin Camille (a man), members
/// Lucas (man), Inès (woman), Hugo (man) in good standing, and a supporter.
struct World {
    app: TestApp,
    organisation: String,
    assembly: String,
    admin: String,
    members: Vec<String>,
    supporter: String,
}

async fn world() -> World {
    world_with(|_| {}).await
}

async fn world_with(configure: impl FnOnce(&mut plenum::Settings)) -> World {
    let app = spawn_app_with(configure).await;
    let admin = app.register("camille@exemple.fr", "Camille Martin").await;
    let organisation = app
        .create_organisation(&admin, "montreuil", "INVITATION")
        .await;
    let gender = "mutation($g: Gender) { updateProfile(input: { gender: $g }) { email } }";
    data(&app.gql(Some(&admin), gender, json!({ "g": "MAN" })).await);
    let mut members = Vec::new();
    for (email, name, g) in [
        ("lucas@exemple.fr", "Lucas Bernard", "MAN"),
        ("ines@exemple.fr", "Inès Petit", "WOMAN"),
        ("hugo@exemple.fr", "Hugo Moreau", "MAN"),
    ] {
        let (token, _) = app
            .add_member(&admin, &organisation, Newcomer::new(email, name))
            .await;
        data(&app.gql(Some(&token), gender, json!({ "g": g })).await);
        members.push(token);
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
            "query($o: ID!) { bodies(organisationId: $o) { id } }",
            json!({ "o": organisation }),
        )
        .await;
    let assembly = data(&bodies)["bodies"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    World {
        app,
        organisation,
        assembly,
        admin,
        members,
        supporter,
    }
}

impl World {
    async fn schedule(&self, token: &str, input: Value) -> Value {
        let mut full = json!({ "bodyId": self.assembly, "title": "Assemblée générale" });
        for (key, value) in input.as_object().unwrap() {
            full[key] = value.clone();
        }
        self.app
            .gql(Some(token), SCHEDULE, json!({ "input": full }))
            .await
    }

    /// A meeting of the assembly starting in `days` days.
    async fn meeting_in(&self, days: i64, extra: Value) -> String {
        let mut input = json!({ "startsAt": (Utc::now() + Duration::days(days)).to_rfc3339() });
        for (key, value) in extra.as_object().unwrap() {
            input[key] = value.clone();
        }
        let scheduled = self.schedule(&self.admin, input).await;
        data(&scheduled)["scheduleMeeting"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn propose(
        &self,
        token: &str,
        meeting: &str,
        title: &str,
        minutes: i32,
        priority: i32,
    ) -> Value {
        self.app
            .gql(
                Some(token),
                PROPOSE_ITEM,
                json!({ "input": { "meetingId": meeting, "title": title, "estimateMinutes": minutes, "priority": priority } }),
            )
            .await
    }

    async fn agenda(&self, token: &str, meeting: &str) -> Value {
        let found = self
            .app
            .gql(Some(token), AGENDA, json!({ "id": meeting }))
            .await;
        data(&found)["meeting"].clone()
    }

    async fn act(&self, token: &str, query: &str, variables: Value) -> Value {
        self.app.gql(Some(token), query, variables).await
    }
}

#[tokio::test]
async fn meetings_recur_in_the_organisation_s_time_zone_and_the_calendar_shows_what_each_may_see() {
    let w = world().await;
    let series = w
        .schedule(
            &w.admin,
            json!({ "rule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH", "firstStart": "2026-10-15T18:30:00", "count": 3, "visibility": "PUBLIC", "place": "Maison des associations" }),
        )
        .await;
    let starts: Vec<Value> = data(&series)["scheduleMeeting"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["startsAt"].clone())
        .collect();
    // 18:30 in Paris, in summer time then in winter time.
    assert_eq!(
        starts,
        [
            json!("2026-10-15T16:30:00+00:00"),
            json!("2026-10-29T17:30:00+00:00"),
            json!("2026-11-12T17:30:00+00:00")
        ]
    );
    let bad = w
        .schedule(
            &w.admin,
            json!({ "rule": "tous les jeudis", "firstStart": "2026-10-15T18:30:00" }),
        )
        .await;
    assert_eq!(error_code(&bad), "VALIDATION");
    assert_eq!(bad["errors"][0]["extensions"]["field"], "rule");
    let by_member = w
        .schedule(&w.members[0], json!({ "startsAt": "2026-12-03T17:30:00Z" }))
        .await;
    assert_eq!(error_code(&by_member), "FORBIDDEN");

    // A window to fix: "between 16 and 30 November"; then fixed inside it.
    let window = w
        .schedule(
            &w.admin,
            json!({ "windowStartsOn": "2026-11-16", "windowEndsOn": "2026-11-30", "title": "AG extraordinaire", "extraordinary": true }),
        )
        .await;
    let window = &data(&window)["scheduleMeeting"][0];
    assert_eq!(window["status"], "TO_BE_FIXED");
    let window = window["id"].as_str().unwrap().to_owned();
    let fix = "mutation($id: ID!, $at: DateTime!) { fixMeeting(id: $id, startsAt: $at) { status startsAt } }";
    let outside = w
        .act(
            &w.admin,
            fix,
            json!({ "id": window, "at": "2026-12-02T18:00:00Z" }),
        )
        .await;
    assert_eq!(error_code(&outside), "VALIDATION");
    let fixed = w
        .act(
            &w.admin,
            fix,
            json!({ "id": window, "at": "2026-11-20T18:00:00Z" }),
        )
        .await;
    assert_eq!(data(&fixed)["fixMeeting"]["status"], "SCHEDULED");

    // A secretariat's meeting for its mandated people only.
    let secretariat = w
        .act(
            &w.admin,
            "mutation($o: ID!) { createBody(input: { organisationId: $o, kind: SECRETARIAT, slug: \"secretariat\", name: \"Secrétariat\" }) { id } }",
            json!({ "o": w.organisation }),
        )
        .await;
    let secretariat = data(&secretariat)["createBody"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    w.schedule(
        &w.admin,
        json!({ "bodyId": secretariat, "title": "Réunion du secrétariat", "startsAt": "2026-11-18T18:00:00Z", "visibility": "MANDATED" }),
    )
    .await;
    let calendar = "query($o: ID!) { calendar(organisationId: $o) { title } }";
    let titles = |response: Value| -> Vec<String> {
        data(&response)["calendar"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let public = titles(
        w.app
            .gql(None, calendar, json!({ "o": w.organisation }))
            .await,
    );
    assert_eq!(public.len(), 3, "{public:?}");
    let member = titles(
        w.act(&w.members[0], calendar, json!({ "o": w.organisation }))
            .await,
    );
    assert_eq!(member.len(), 4, "{member:?}");
    assert!(!member.contains(&"Réunion du secrétariat".to_owned()));
    let facilitator = titles(
        w.act(&w.admin, calendar, json!({ "o": w.organisation }))
            .await,
    );
    assert_eq!(facilitator.len(), 5);

    // The iCalendar feeds: public without a token, the rest with one.
    let client = reqwest::Client::new();
    let get = |path: String| {
        let client = client.clone();
        let url = format!("{}{path}", w.app.address);
        async move { client.get(url).send().await.unwrap() }
    };
    let public = get("/calendar/montreuil.ics".into()).await;
    assert_eq!(public.status(), 200);
    assert!(
        public.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let text = public.text().await.unwrap();
    assert!(text.starts_with("BEGIN:VCALENDAR"), "{text}");
    assert!(text.contains("PRODID:-//Plenum//Plenum//FR"), "{text}");
    // What RFC 5545 requires of each event.
    for field in ["UID:", "DTSTAMP:", "DTSTART:"] {
        assert_eq!(text.matches(field).count(), 3, "{field} in {text}");
    }
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 3, "{text}");
    assert!(text.contains("LOCATION:Maison des associations"));
    assert!(!text.contains("extraordinaire"));
    let issued = w
        .act(
            &w.admin,
            "mutation($o: ID!) { issueCalendarFeed(organisationId: $o) { token url } }",
            json!({ "o": w.organisation }),
        )
        .await;
    let token = data(&issued)["issueCalendarFeed"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        data(&issued)["issueCalendarFeed"]["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/calendar/montreuil.ics?token={token}"))
    );
    let personal = get(format!("/calendar/montreuil.ics?token={token}"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(personal.matches("BEGIN:VEVENT").count(), 5, "{personal}");
    let body_feed = get(format!("/calendar/montreuil/secretariat.ics?token={token}"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(body_feed.matches("BEGIN:VEVENT").count(), 1, "{body_feed}");
    assert_eq!(
        get("/calendar/montreuil.ics?token=plm_c_nope".into())
            .await
            .status(),
        404
    );
    assert_eq!(get("/calendar/nowhere.ics".into()).await.status(), 404);
}

#[tokio::test]
async fn the_agenda_closes_at_its_deadline_and_what_does_not_fit_is_carried_over() {
    let w = world().await;
    let meeting = w.meeting_in(10, json!({})).await;
    let next = w.meeting_in(24, json!({})).await;
    // Items by priority; 60 + 45 fit in two hours, the 30 after them does not.
    data(
        &w.propose(&w.members[0], &meeting, "Bilan de la fête", 30, 1)
            .await,
    );
    data(&w.propose(&w.members[1], &meeting, "Le local", 60, 5).await);
    data(
        &w.propose(&w.members[2], &meeting, "Campagne d'affichage", 45, 5)
            .await,
    );
    let bad = w
        .propose(&w.members[0], &meeting, "Trop long", 600, 0)
        .await;
    assert_eq!(error_code(&bad), "VALIDATION");
    // Supporters are not of the assembly.
    let outsider = w.propose(&w.supporter, &meeting, "Une idée", 10, 0).await;
    assert_eq!(error_code(&outsider), "FORBIDDEN");
    let seen = w.agenda(&w.members[0], &meeting).await;
    assert_eq!(seen["agenda"]["frozen"], false);
    let items = seen["agenda"]["items"].as_array().unwrap();
    let plan: Vec<(Value, Value, Value)> = items
        .iter()
        .map(|i| {
            (
                i["title"].clone(),
                i["fits"].clone(),
                i["startsAfterMinutes"].clone(),
            )
        })
        .collect();
    assert_eq!(
        plan,
        [
            (json!("Le local"), json!(true), json!(0)),
            (json!("Campagne d'affichage"), json!(true), json!(60)),
            (json!("Bilan de la fête"), json!(false), json!(105)),
        ]
    );
    assert_eq!(seen["agenda"]["plannedMinutes"], 105);

    // The next-agenda preparer orders it; others may not.
    let lucas = w.app.account_id(&w.members[0]).await;
    let assign = "mutation($m: ID!, $r: MeetingRole!, $a: ID!) { assignMeetingRole(meetingId: $m, role: $r, accountId: $a) { role person { displayName } } }";
    data(
        &w.act(
            &w.admin,
            assign,
            json!({ "m": meeting, "r": "AGENDA_PREPARER", "a": lucas }),
        )
        .await,
    );
    let reorder =
        "mutation($m: ID!, $ids: [ID!]!) { reorderAgenda(meetingId: $m, itemIds: $ids) { id } }";
    let festival = items[2]["id"].clone();
    let by_other = w
        .act(
            &w.members[1],
            reorder,
            json!({ "m": meeting, "ids": [festival] }),
        )
        .await;
    assert_eq!(error_code(&by_other), "FORBIDDEN");
    data(
        &w.act(
            &w.members[0],
            reorder,
            json!({ "m": meeting, "ids": [festival] }),
        )
        .await,
    );
    let reordered = w.agenda(&w.members[0], &meeting).await;
    assert_eq!(reordered["agenda"]["items"][0]["title"], "Bilan de la fête");
    assert_eq!(reordered["agenda"]["items"][2]["fits"], false);

    // A decision awaiting ratification joins the assembly's agenda by itself.
    let vote = w
        .act(
            &w.admin,
            "mutation($i: CreateProposalInput!) { createProposal(input: $i) { id } }",
            json!({ "i": { "organisationId": w.organisation, "title": "Achat urgent d'une sono", "method": "majority", "needsRatification": true, "closesAt": (Utc::now() + Duration::days(1)).to_rfc3339() } }),
        )
        .await;
    let vote = data(&vote)["createProposal"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    data(
        &w.act(
            &w.admin,
            "mutation($p: ID!) { closeProposal(id: $p) { id } }",
            json!({ "p": vote }),
        )
        .await,
    );
    let awaiting = w.agenda(&w.admin, &meeting).await;
    assert_eq!(
        awaiting["agenda"]["awaiting"],
        json!([{ "title": "Achat urgent d'une sono", "ratification": true }])
    );

    // Starting settles it: the ratification joins, what does not fit goes to the next meeting.
    let start = "mutation($id: ID!) { startMeeting(id: $id) { status } }";
    let by_member = w.act(&w.members[1], start, json!({ "id": meeting })).await;
    assert_eq!(error_code(&by_member), "FORBIDDEN");
    data(&w.act(&w.admin, start, json!({ "id": meeting })).await);
    let started = w.agenda(&w.admin, &meeting).await;
    let titles: Vec<Value> = started["agenda"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].clone())
        .collect();
    assert_eq!(titles.len(), 3, "{started:#}");
    assert!(titles.contains(&json!("Achat urgent d'une sono")));
    assert!(!titles.contains(&json!("Campagne d'affichage")));
    let carried = w.agenda(&w.admin, &next).await;
    assert_eq!(
        carried["agenda"]["items"][0]["title"],
        "Campagne d'affichage"
    );
    assert_eq!(
        carried["agenda"]["items"][0]["carriedFrom"],
        meeting.as_str()
    );
    assert_eq!(carried["agenda"]["awaiting"], json!([]));

    // Past the deadline: only urgent items, once a facilitator approves.
    let soon = w.meeting_in(2, json!({})).await;
    let late = w.propose(&w.members[0], &soon, "Point oublié", 10, 0).await;
    assert_eq!(error_code(&late), "AGENDA_FROZEN");
    let urgent = w
        .act(
            &w.members[0],
            PROPOSE_ITEM,
            json!({ "input": { "meetingId": soon, "title": "Expulsion rue de Paris", "estimateMinutes": 15, "urgent": true } }),
        )
        .await;
    let urgent = &data(&urgent)["proposeAgendaItem"];
    assert_eq!(urgent["approved"], false);
    let urgent = urgent["id"].as_str().unwrap().to_owned();
    let frozen = w.agenda(&w.members[0], &soon).await;
    assert_eq!(frozen["agenda"]["frozen"], true);
    assert_eq!(frozen["agenda"]["pending"], json!([{ "id": urgent }]));
    let approve = "mutation($id: ID!) { approveAgendaItem(id: $id) { approved } }";
    assert_eq!(
        error_code(&w.act(&w.members[1], approve, json!({ "id": urgent })).await),
        "FORBIDDEN"
    );
    data(&w.act(&w.admin, approve, json!({ "id": urgent })).await);
    // On the agenda now, beside what the last meeting carried over.
    let approved = w.agenda(&w.members[0], &soon).await;
    let ids: Vec<&str> = approved["agenda"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&urgent.as_str()), "{approved:#}");
    assert_eq!(
        approved["agenda"]["items"][0]["title"],
        "Campagne d'affichage"
    );
}

#[tokio::test]
async fn the_floor_goes_first_to_those_who_spoke_less_and_to_women() {
    let w = world().await;
    let meeting = w
        .meeting_in(
            10,
            json!({ "facilitatorParity": "WOMAN_AND_MAN", "speakingLimitSeconds": 120 }),
        )
        .await;
    let item = w.propose(&w.members[0], &meeting, "Le local", 60, 0).await;
    let item = data(&item)["proposeAgendaItem"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (camille, ines, hugo) = (
        w.app.account_id(&w.admin).await,
        w.app.account_id(&w.members[1]).await,
        w.app.account_id(&w.members[2]).await,
    );
    // Two facilitators of different genders.
    let assign = "mutation($m: ID!, $r: MeetingRole!, $a: ID!) { assignMeetingRole(meetingId: $m, role: $r, accountId: $a) { role } }";
    data(
        &w.act(
            &w.admin,
            assign,
            json!({ "m": meeting, "r": "FACILITATOR", "a": camille }),
        )
        .await,
    );
    let two_men = w
        .act(
            &w.admin,
            assign,
            json!({ "m": meeting, "r": "FACILITATOR", "a": hugo }),
        )
        .await;
    assert_eq!(error_code(&two_men), "PARITY_VIOLATION");
    data(
        &w.act(
            &w.admin,
            assign,
            json!({ "m": meeting, "r": "FACILITATOR", "a": ines }),
        )
        .await,
    );
    data(
        &w.act(
            &w.admin,
            "mutation($id: ID!) { startMeeting(id: $id) { status } }",
            json!({ "id": meeting }),
        )
        .await,
    );

    // Attendance: people sign in; a first-timer is flagged.
    let sign = "mutation($m: ID!, $p: Presence!, $a: ID) { markAttendance(meetingId: $m, presence: $p, accountId: $a) { presentCount } }";
    for (token, presence) in [
        (&w.admin, "IN_PERSON"),
        (&w.members[0], "IN_PERSON"),
        (&w.members[1], "ONLINE"),
    ] {
        data(
            &w.act(token, sign, json!({ "m": meeting, "p": presence }))
                .await,
        );
    }
    let others = w
        .act(
            &w.members[0],
            sign,
            json!({ "m": meeting, "p": "IN_PERSON", "a": hugo }),
        )
        .await;
    assert_eq!(error_code(&others), "FORBIDDEN");
    let floor = "mutation($i: ID!, $po: Boolean! = false, $a: ID) { requestFloor(itemId: $i, pointOfOrder: $po, accountId: $a) { id kind } }";
    let absent = w.act(&w.members[2], floor, json!({ "i": item })).await;
    assert_eq!(error_code(&absent), "NOT_PRESENT");
    // Inès, a facilitator, marks Hugo present.
    let marked = w
        .act(
            &w.members[1],
            sign,
            json!({ "m": meeting, "p": "IN_PERSON", "a": hugo }),
        )
        .await;
    assert_eq!(data(&marked)["markAttendance"]["presentCount"], 4);
    let sheet = w
        .act(&w.admin, "query($id: ID!) { meeting(id: $id) { attendance { firstTime presence person { displayName } } attendanceCsv } }", json!({ "id": meeting }))
        .await;
    let sheet = &data(&sheet)["meeting"];
    assert_eq!(sheet["attendance"][2]["presence"], "ONLINE");
    assert_eq!(sheet["attendance"][0]["firstTime"], true);
    let csv = sheet["attendanceCsv"].as_str().unwrap();
    assert!(
        csv.starts_with("Name,Email,Attendance,First time,Signed at"),
        "{csv}"
    );
    assert!(
        csv.contains("Inès Petit,ines@exemple.fr,online,yes"),
        "{csv}"
    );
    let csv_by_member = w
        .act(
            &w.members[2],
            "query($id: ID!) { meeting(id: $id) { attendanceCsv } }",
            json!({ "id": meeting }),
        )
        .await;
    assert_eq!(error_code(&csv_by_member), "FORBIDDEN");
    // Inès steers the meeting but is no facilitator of the organisation:
    // the sheet, without anyone's email.
    let csv_by_steward = w
        .act(
            &w.members[1],
            "query($id: ID!) { meeting(id: $id) { attendanceCsv } }",
            json!({ "id": meeting }),
        )
        .await;
    let csv = data(&csv_by_steward)["meeting"]["attendanceCsv"]
        .as_str()
        .unwrap();
    assert!(csv.contains("Inès Petit,,online,yes"), "{csv}");
    assert!(!csv.contains('@'), "{csv}");

    // Lucas speaks first; then he, Hugo and Inès ask, in that order.
    data(&w.act(&w.members[0], floor, json!({ "i": item })).await);
    let next =
        "mutation($i: ID!) { nextSpeaker(itemId: $i) { person { displayName } limitSeconds } }";
    let first = w.act(&w.members[1], next, json!({ "i": item })).await;
    assert_eq!(
        data(&first)["nextSpeaker"]["person"]["displayName"],
        "Lucas Bernard"
    );
    assert_eq!(data(&first)["nextSpeaker"]["limitSeconds"], 120);
    assert_eq!(
        error_code(&w.act(&w.members[0], next, json!({ "i": item })).await),
        "FORBIDDEN"
    );
    for token in [&w.members[0], &w.members[2], &w.members[1]] {
        data(&w.act(token, floor, json!({ "i": item })).await);
    }
    let twice = w.act(&w.members[2], floor, json!({ "i": item })).await;
    assert_eq!(error_code(&twice), "CONFLICT");
    let order = |queue: &Value| -> Vec<String> {
        data(queue)["meeting"]["queue"]["waiting"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["person"]["displayName"].as_str().unwrap().to_owned())
            .collect()
    };
    let queue = w
        .act(&w.members[2], QUEUE, json!({ "id": meeting, "item": item }))
        .await;
    assert_eq!(
        data(&queue)["meeting"]["queue"]["current"]["person"]["displayName"],
        "Lucas Bernard"
    );
    assert_eq!(
        order(&queue),
        ["Inès Petit", "Hugo Moreau", "Lucas Bernard"]
    );
    // A point of order goes first.
    let point = w
        .act(&w.admin, floor, json!({ "i": item, "po": true }))
        .await;
    assert_eq!(data(&point)["requestFloor"]["kind"], "POINT_OF_ORDER");
    let queue = w
        .act(&w.members[2], QUEUE, json!({ "id": meeting, "item": item }))
        .await;
    assert_eq!(
        order(&queue),
        [
            "Camille Martin",
            "Inès Petit",
            "Hugo Moreau",
            "Lucas Bernard"
        ]
    );
    // The moderator places Lucas first after the point of order, and takes Hugo off.
    let waiting = data(&queue)["meeting"]["queue"]["waiting"]
        .as_array()
        .unwrap()
        .clone();
    let (hugos, lucass) = (waiting[2]["id"].clone(), waiting[3]["id"].clone());
    let place =
        "mutation($r: ID!, $p: Int!) { placeInQueue(requestId: $r, position: $p) { placedAt } }";
    assert_eq!(
        error_code(
            &w.act(&w.members[2], place, json!({ "r": lucass, "p": 0 }))
                .await
        ),
        "FORBIDDEN"
    );
    data(&w.act(&w.admin, place, json!({ "r": lucass, "p": 0 })).await);
    let remove = "mutation($r: ID!) { removeFromQueue(requestId: $r) { id } }";
    assert_eq!(
        error_code(&w.act(&w.members[0], remove, json!({ "r": hugos })).await),
        "FORBIDDEN"
    );
    data(&w.act(&w.admin, remove, json!({ "r": hugos })).await);
    let queue = w
        .act(&w.members[2], QUEUE, json!({ "id": meeting, "item": item }))
        .await;
    assert_eq!(
        order(&queue),
        ["Camille Martin", "Lucas Bernard", "Inès Petit"]
    );
    let spoken = &data(&queue)["meeting"]["queue"]["speakers"];
    assert_eq!(
        spoken,
        &json!([{ "person": { "displayName": "Lucas Bernard" }, "interventions": 1 }])
    );

    // A round: everyone present, in the order they signed in.
    let round = w
        .act(&w.admin, "mutation($i: ID!) { startRound(itemId: $i, limitSeconds: 120) { person { displayName } kind } }", json!({ "i": item }))
        .await;
    let turns: Vec<Value> = data(&round)["startRound"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["person"]["displayName"].clone())
        .collect();
    assert_eq!(
        turns,
        [
            "Camille Martin",
            "Lucas Bernard",
            "Inès Petit",
            "Hugo Moreau"
        ]
    );
    // The end of the meeting closes the queue.
    data(
        &w.act(
            &w.admin,
            "mutation($id: ID!) { endMeeting(id: $id) { status } }",
            json!({ "id": meeting }),
        )
        .await,
    );
    let after = w.act(&w.members[0], floor, json!({ "i": item })).await;
    assert_eq!(error_code(&after), "CONFLICT");
}

#[tokio::test]
async fn minutes_have_one_editor_at_a_time_and_are_published_once_with_the_decision_record() {
    // Minutes due as soon as the meeting ends, to see them late.
    let w = world_with(|s| s.meetings.minutes_due_hours = 0).await;
    let meeting = w.meeting_in(10, json!({})).await;
    let item = w
        .propose(&w.members[0], &meeting, "Achat d'une sono", 20, 0)
        .await;
    let item = data(&item)["proposeAgendaItem"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let lucas = w.app.account_id(&w.members[0]).await;
    data(&w.act(&w.admin, "mutation($m: ID!, $a: ID!) { assignMeetingRole(meetingId: $m, role: MINUTE_TAKER, accountId: $a) { role } }", json!({ "m": meeting, "a": lucas })).await);
    // An online decision of the assembly, closed before the meeting.
    let online = w
        .act(
            &w.admin,
            "mutation($i: CreateProposalInput!) { createProposal(input: $i) { id } }",
            json!({ "i": { "organisationId": w.organisation, "title": "Date de la fête", "method": "majority", "closesAt": (Utc::now() + Duration::days(1)).to_rfc3339() } }),
        )
        .await;
    let online = data(&online)["createProposal"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    data(
        &w.act(
            &w.admin,
            "mutation($p: ID!) { closeProposal(id: $p) { id } }",
            json!({ "p": online }),
        )
        .await,
    );
    data(
        &w.act(
            &w.admin,
            "mutation($id: ID!) { startMeeting(id: $id) { status } }",
            json!({ "id": meeting }),
        )
        .await,
    );
    let sign =
        "mutation($m: ID!) { markAttendance(meetingId: $m, presence: IN_PERSON) { presentCount } }";
    for token in [&w.admin, &w.members[0], &w.members[1], &w.supporter] {
        data(&w.act(token, sign, json!({ "m": meeting })).await);
    }

    // The vote in the room, against the item: at most the three members
    // present (the supporter attends, and does not vote).
    let counted = "mutation($i: RecordCountedVoteInput!) { recordCountedVote(input: $i) { id meetingId agendaItemId participation { electorate } result { adopted } } }";
    let vote = |present: Option<u32>, yes: u32| {
        json!({ "i": { "organisationId": w.organisation, "agendaItemId": item, "title": "Acheter une sono", "method": "majority", "present": present,
            "counts": [{ "ballot": { "choice": "yes" }, "count": yes }, { "ballot": { "choice": "no" }, "count": 1 }] } })
    };
    let too_many_present = w.act(&w.members[0], counted, vote(Some(5), 2)).await;
    assert_eq!(error_code(&too_many_present), "VALIDATION");
    assert_eq!(
        too_many_present["errors"][0]["extensions"]["field"],
        "present"
    );
    let too_many_votes = w.act(&w.members[0], counted, vote(None, 3)).await;
    assert_eq!(error_code(&too_many_votes), "VALIDATION");
    assert_eq!(too_many_votes["errors"][0]["extensions"]["field"], "counts");
    let by_other = w.act(&w.members[2], counted, vote(None, 2)).await;
    assert_eq!(error_code(&by_other), "FORBIDDEN");
    let recorded = w.act(&w.members[0], counted, vote(None, 2)).await;
    let recorded = &data(&recorded)["recordCountedVote"];
    assert_eq!(recorded["meetingId"], meeting.as_str());
    assert_eq!(recorded["agendaItemId"], item.as_str());
    assert_eq!(recorded["participation"]["electorate"], 3);
    assert_eq!(recorded["result"]["adopted"], true);

    // One editor at a time.
    let save = "mutation($m: ID!, $t: String!) { saveMinutes(meetingId: $m, text: $t) { text html lockedUntil editor { displayName } } }";
    let saved = w
        .act(
            &w.members[0],
            save,
            json!({ "m": meeting, "t": "## Présent·es\nCamille, Lucas, Inès" }),
        )
        .await;
    assert!(
        data(&saved)["saveMinutes"]["html"]
            .as_str()
            .unwrap()
            .contains("<h2>")
    );
    assert_eq!(
        data(&saved)["saveMinutes"]["editor"]["displayName"],
        "Lucas Bernard"
    );
    let member = w
        .act(
            &w.members[1],
            save,
            json!({ "m": meeting, "t": "Autre chose" }),
        )
        .await;
    assert_eq!(error_code(&member), "FORBIDDEN");
    let second = w
        .act(&w.admin, save, json!({ "m": meeting, "t": "Ma version" }))
        .await;
    assert_eq!(error_code(&second), "CONFLICT");
    data(
        &w.act(
            &w.members[0],
            "mutation($m: ID!) { releaseMinutes(meetingId: $m) }",
            json!({ "m": meeting }),
        )
        .await,
    );
    data(&w.act(&w.admin, save, json!({ "m": meeting, "t": "## Présent·es\nCamille, Lucas, Inès\n\n## Sono\nAdoptée (2 pour, 1 contre)." })).await);

    let publish = "mutation($m: ID!) { publishMinutes(meetingId: $m) { publishedAt } }";
    assert_eq!(
        error_code(&w.act(&w.members[0], publish, json!({ "m": meeting })).await),
        "CONFLICT"
    );
    data(
        &w.act(
            &w.admin,
            "mutation($id: ID!) { endMeeting(id: $id) { status } }",
            json!({ "id": meeting }),
        )
        .await,
    );
    let late = w
        .act(
            &w.members[2],
            "query($o: ID!) { overdueMinutes(organisationId: $o) { id minutesOverdue } }",
            json!({ "o": w.organisation }),
        )
        .await;
    assert_eq!(
        data(&late)["overdueMinutes"],
        json!([{ "id": meeting, "minutesOverdue": true }])
    );
    let published = w.act(&w.members[0], publish, json!({ "m": meeting })).await;
    assert!(data(&published)["publishMinutes"]["publishedAt"].is_string());
    // They are now a record, as visible as the meeting, amendable only visibly.
    let record = w
        .act(
            &w.members[2],
            "query($o: ID!) { records(organisationId: $o, kind: MINUTES) { nodes { title text version sourceId } } }",
            json!({ "o": w.organisation }),
        )
        .await;
    let record = &data(&record)["records"]["nodes"][0];
    assert_eq!(record["sourceId"], meeting.as_str());
    assert_eq!(record["version"], 1);
    assert!(
        record["text"]
            .as_str()
            .unwrap()
            .contains("Adoptée (2 pour, 1 contre)")
    );
    // Its decision record is composed from the meeting's decisions, once.
    let decisions = "mutation($m: ID!) { publishRecord(input: { kind: DECISION_RECORD, sourceId: $m }) { kind title } }";
    let first = w
        .act(&w.members[0], decisions, json!({ "m": meeting }))
        .await;
    assert_eq!(data(&first)["publishRecord"]["kind"], "DECISION_RECORD");
    assert_eq!(
        error_code(
            &w.act(&w.members[0], decisions, json!({ "m": meeting }))
                .await
        ),
        "CONFLICT"
    );
    assert_eq!(
        error_code(&w.act(&w.members[0], publish, json!({ "m": meeting })).await),
        "CONFLICT"
    );
    let rewrite = w
        .act(&w.members[0], save, json!({ "m": meeting, "t": "Réécrit" }))
        .await;
    assert_eq!(error_code(&rewrite), "CONFLICT");
    let late = w
        .act(
            &w.members[2],
            "query($o: ID!) { overdueMinutes(organisationId: $o) { id } }",
            json!({ "o": w.organisation }),
        )
        .await;
    assert_eq!(data(&late)["overdueMinutes"], json!([]));

    // The decision record: the vote in the room and the online decision.
    let record = w
        .act(
            &w.members[2],
            "query($id: ID!) { meeting(id: $id) { minutesOverdue minutes { text publishedAt } decisionRecord { title } } }",
            json!({ "id": meeting }),
        )
        .await;
    let record = &data(&record)["meeting"];
    assert_eq!(record["minutesOverdue"], false);
    assert!(
        record["minutes"]["text"]
            .as_str()
            .unwrap()
            .contains("Adoptée")
    );
    let mut titles: Vec<String> = record["decisionRecord"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap().to_owned())
        .collect();
    titles.sort();
    assert_eq!(titles, ["Acheter une sono", "Date de la fête"]);
}

#[tokio::test]
async fn breakout_groups_report_back_and_the_plenary_sees_where_they_agree() {
    let w = world().await;
    let meeting = w.meeting_in(10, json!({})).await;
    data(
        &w.act(
            &w.admin,
            "mutation($id: ID!) { startMeeting(id: $id) { status } }",
            json!({ "id": meeting }),
        )
        .await,
    );
    let sign =
        "mutation($m: ID!) { markAttendance(meetingId: $m, presence: IN_PERSON) { presentCount } }";
    for token in [&w.admin, &w.members[0], &w.members[1], &w.members[2]] {
        data(&w.act(token, sign, json!({ "m": meeting })).await);
    }
    let split = "mutation($m: ID!, $max: Int, $g: [[ID!]!]) { splitIntoGroups(input: { meetingId: $m, questions: [\"Binôme presse\"], maxSize: $max, balanceGender: true, groups: $g }) { breakouts { id groups { id number people { displayName } } } } }";
    assert_eq!(
        error_code(
            &w.act(&w.members[0], split, json!({ "m": meeting, "max": 2 }))
                .await
        ),
        "FORBIDDEN"
    );
    let (camille, lucas, ines, hugo) = (
        w.app.account_id(&w.admin).await,
        w.app.account_id(&w.members[0]).await,
        w.app.account_id(&w.members[1]).await,
        w.app.account_id(&w.members[2]).await,
    );
    let too_big = w
        .act(
            &w.admin,
            split,
            json!({ "m": meeting, "max": 2, "g": [[camille, lucas, ines], [hugo]] }),
        )
        .await;
    assert_eq!(error_code(&too_big), "VALIDATION");
    let supporter = w.app.account_id(&w.supporter).await;
    let absent = w
        .act(
            &w.admin,
            split,
            json!({ "m": meeting, "max": 2, "g": [[camille, supporter]] }),
        )
        .await;
    assert_eq!(error_code(&absent), "NOT_PRESENT");
    // At random: four present, groups of two at most.
    let random = w
        .act(&w.admin, split, json!({ "m": meeting, "max": 2 }))
        .await;
    let groups = data(&random)["splitIntoGroups"]["breakouts"][0]["groups"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(groups.len(), 2);
    assert!(
        groups
            .iter()
            .all(|g| g["people"].as_array().unwrap().len() == 2)
    );
    // By hand: Camille with Inès, Lucas with Hugo.
    let by_hand = w
        .act(
            &w.admin,
            split,
            json!({ "m": meeting, "max": 2, "g": [[camille, ines], [lucas, hugo]] }),
        )
        .await;
    let groups = data(&by_hand)["splitIntoGroups"]["breakouts"][1]["groups"]
        .as_array()
        .unwrap()
        .clone();
    let (first, second) = (groups[0]["id"].clone(), groups[1]["id"].clone());
    let name = "mutation($g: ID!, $a: ID!) { nameRapporteur(groupId: $g, accountId: $a) { rapporteur { displayName } } }";
    assert_eq!(
        error_code(
            &w.act(&w.members[0], name, json!({ "g": first, "a": lucas }))
                .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(
            &w.act(&w.members[1], name, json!({ "g": first, "a": lucas }))
                .await
        ),
        "VALIDATION"
    );
    data(
        &w.act(&w.members[1], name, json!({ "g": first, "a": ines }))
            .await,
    );
    data(
        &w.act(&w.members[0], name, json!({ "g": second, "a": lucas }))
            .await,
    );
    let report = "mutation($g: ID!, $q: String!, $names: [String!]!) { reportGroup(groupId: $g, report: \"Nous proposons :\", answers: [{ question: $q, answers: $names }]) { reportedAt answers { question answers } } }";
    let not_rapporteur = w
        .act(
            &w.admin,
            report,
            json!({ "g": first, "q": "Binôme presse", "names": ["Inès Petit"] }),
        )
        .await;
    assert_eq!(error_code(&not_rapporteur), "FORBIDDEN");
    let unknown = w
        .act(
            &w.members[1],
            report,
            json!({ "g": first, "q": "Autre chose", "names": ["Inès Petit"] }),
        )
        .await;
    assert_eq!(error_code(&unknown), "VALIDATION");
    data(
        &w.act(
            &w.members[1],
            report,
            json!({ "g": first, "q": "Binôme presse", "names": ["Inès Petit", "Hugo Moreau"] }),
        )
        .await,
    );
    data(
        &w.act(
            &w.members[0],
            report,
            json!({ "g": second, "q": "Binôme presse", "names": ["inès petit", "Lucas Bernard"] }),
        )
        .await,
    );
    let pooled = w
        .act(&w.members[2], "query($id: ID!) { meeting(id: $id) { breakouts { pooled { answer groups unanimous } } } }", json!({ "id": meeting }))
        .await;
    let pooled = &data(&pooled)["meeting"]["breakouts"][1]["pooled"];
    assert_eq!(
        pooled[0],
        json!({ "answer": "Inès Petit", "groups": 2, "unanimous": true })
    );
    assert_eq!(pooled.as_array().unwrap().len(), 3);
    assert_eq!(pooled[1]["unanimous"], false);
}
