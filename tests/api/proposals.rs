use std::time::Duration;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use sha2::Digest;

use crate::helpers::{Newcomer, TestApp, data, error_code, spawn_app};

const CREATE: &str = "mutation($input: CreateProposalInput!) { createProposal(input: $input) { id status participation { voted electorate } } }";
const CAST: &str = "mutation($input: CastBallotInput!) { castBallot(input: $input) { changed receipt proposal { viewerHasVoted participation { voted electorate } } } }";
const STATUS: &str = "query($id: ID!) { proposal(id: $id) { status closedEarly } }";
const RESULT: &str = "query($id: ID!) { proposal(id: $id) { status closedEarly result { provisional winners adopted ballots explanation exportSha256 consensusStatus } } }";

/// An organisation with an admin and two members in good standing, a
/// supporter and a lapsed member; a members' space with a thread.
struct World {
    app: TestApp,
    admin: String,
    members: Vec<String>,
    supporter: String,
    lapsed: String,
    org: String,
    thread: String,
}

async fn world() -> World {
    let app = spawn_app().await;
    let admin = app.register("camille@exemple.fr", "Camille Martin").await;
    let org = app.create_organisation(&admin, "ag", "INVITATION").await;
    let mut members = Vec::new();
    for (email, name) in [
        ("lucas@exemple.fr", "Lucas Bernard"),
        ("ines@exemple.fr", "Inès Petit"),
    ] {
        members.push(
            app.add_member(&admin, &org, Newcomer::new(email, name))
                .await
                .0,
        );
    }
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
    let space = app
        .gql(
            Some(&admin),
            "mutation($input: CreateCategoryInput!) { createCategory(input: $input) { id } }",
            json!({ "input": { "organisationId": org, "slug": "debats", "name": "Débats", "visibility": "MEMBERS", "threadRight": "MEMBERS", "replyRight": "MEMBERS" } }),
        )
        .await;
    let space = data(&space)["createCategory"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let started = app
        .gql(
            Some(&admin),
            "mutation($input: StartThreadInput!) { startThread(input: $input) { thread { id } } }",
            json!({ "input": { "categoryId": space, "title": "Le local", "body": "Faut-il louer le local de la rue Voltaire ?" } }),
        )
        .await;
    let thread = data(&started)["startThread"]["thread"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    World {
        app,
        admin,
        members,
        supporter,
        lapsed,
        org,
        thread,
    }
}

fn in_days(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339()
}

impl World {
    /// Creates a proposal in the thread with `extra` input fields; gives its id.
    async fn propose(&self, extra: Value) -> String {
        let response = self.try_propose(&self.admin, extra).await;
        data(&response)["createProposal"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn try_propose(&self, token: &str, extra: Value) -> Value {
        let mut input = json!({
            "organisationId": self.org,
            "threadId": self.thread,
            "title": "Louer le local de la rue Voltaire",
            "details": "Loyer : **450 €** par mois.",
            "method": "majority",
            "closesAt": in_days(7),
        });
        for (key, value) in extra.as_object().unwrap() {
            input[key] = value.clone();
        }
        self.app
            .gql(Some(token), CREATE, json!({ "input": input }))
            .await
    }

    async fn cast(&self, token: &str, proposal: &str, ballot: Value) -> Value {
        self.cast_with(token, proposal, json!({ "ballot": ballot }))
            .await
    }

    async fn cast_with(&self, token: &str, proposal: &str, extra: Value) -> Value {
        let mut input = json!({ "proposalId": proposal });
        for (key, value) in extra.as_object().unwrap() {
            input[key] = value.clone();
        }
        self.app
            .gql(Some(token), CAST, json!({ "input": input }))
            .await
    }

    async fn close(&self, token: &str, proposal: &str) -> Value {
        self.app
            .gql(
                Some(token),
                "mutation($id: ID!) { closeProposal(id: $id) { status } }",
                json!({ "id": proposal }),
            )
            .await
    }

    async fn result(&self, token: &str, proposal: &str) -> Value {
        self.app
            .gql(Some(token), RESULT, json!({ "id": proposal }))
            .await
    }
}

#[tokio::test]
async fn a_named_majority_vote_runs_from_opening_to_its_result() {
    let w = world().await;
    let created = w.try_propose(&w.admin, json!({})).await;
    let proposal = &data(&created)["createProposal"];
    assert_eq!(proposal["status"], "OPEN");
    // The admin and two members are in good standing; the supporter and the lapsed member are not.
    assert_eq!(
        proposal["participation"],
        json!({ "voted": 0, "electorate": 3 })
    );
    let id = proposal["id"].as_str().unwrap();

    let cast = w
        .cast_with(
            &w.members[0],
            id,
            json!({ "ballot": { "choice": "yes" }, "reason": "Le quartier en a besoin." }),
        )
        .await;
    assert_eq!(
        data(&cast)["castBallot"]["proposal"]["participation"]["voted"],
        1
    );
    assert_eq!(data(&cast)["castBallot"]["changed"], false);
    data(&w.cast(&w.members[1], id, json!({ "choice": "yes" })).await);
    data(&w.cast(&w.admin, id, json!({ "choice": "no" })).await);
    // A change of mind before closing replaces the ballot.
    let changed = w.cast(&w.admin, id, json!({ "choice": "abstain" })).await;
    assert_eq!(data(&changed)["castBallot"]["changed"], true);

    // Results are hidden until closing by default.
    assert_eq!(error_code(&w.result(&w.members[0], id).await), "FORBIDDEN");
    // A member who is not the author nor a facilitator cannot close it.
    assert_eq!(error_code(&w.close(&w.members[0], id).await), "FORBIDDEN");
    assert_eq!(
        data(&w.close(&w.admin, id).await)["closeProposal"]["status"],
        "CLOSED"
    );
    assert_eq!(error_code(&w.close(&w.admin, id).await), "CONFLICT");

    let read = w.result(&w.members[0], id).await;
    let proposal = &data(&read)["proposal"];
    assert_eq!(proposal["closedEarly"], true);
    let result = &proposal["result"];
    assert_eq!(result["provisional"], false);
    assert_eq!(result["ballots"], 3);
    assert_eq!(result["adopted"], true);
    assert_eq!(result["exportSha256"].as_str().unwrap().len(), 64);
    assert!(!result["explanation"].as_array().unwrap().is_empty());

    // Named: who voted what, with reasons, for those who may see the proposal.
    let ballots = w
        .app
        .gql(
            Some(&w.members[1]),
            "query($id: ID!) { proposal(id: $id) { ballots { nodes { voter { displayName } choice reason changedAt } } } }",
            json!({ "id": id }),
        )
        .await;
    let nodes = data(&ballots)["proposal"]["ballots"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(nodes.len(), 3);
    assert!(
        nodes
            .iter()
            .any(|b| b["voter"]["displayName"] == "Lucas Bernard"
                && b["reason"] == "Le quartier en a besoin."
                && b["choice"] == json!({ "choice": "yes" }))
    );
    assert!(
        nodes
            .iter()
            .any(|b| b["choice"] == json!({ "choice": "abstain" }) && !b["changedAt"].is_null())
    );

    // After closing, no ballot is taken.
    assert_eq!(
        error_code(&w.cast(&w.members[0], id, json!({ "choice": "no" })).await),
        "POLL_CLOSED"
    );
}

#[tokio::test]
async fn only_the_electorate_frozen_at_opening_votes() {
    let w = world().await;
    let id = w.propose(json!({})).await;
    // A supporter does not see a proposal of the members' space at all.
    assert_eq!(
        error_code(
            &w.cast(&w.supporter, id.as_str(), json!({ "choice": "yes" }))
                .await
        ),
        "NOT_FOUND"
    );
    assert_eq!(
        error_code(&w.cast(&w.lapsed, &id, json!({ "choice": "yes" })).await),
        "NOT_ELIGIBLE"
    );
    // Someone who joins after opening is not in this electorate.
    let (late, _) = w
        .app
        .add_member(
            &w.admin,
            &w.org,
            Newcomer::new("nora@exemple.fr", "Nora Blanc"),
        )
        .await;
    let refused = w.cast(&late, &id, json!({ "choice": "yes" })).await;
    assert_eq!(error_code(&refused), "NOT_ELIGIBLE");
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("when voting opened")
    );
    // Supporters and lapsed members do not put questions to a decision either.
    assert_eq!(
        error_code(&w.try_propose(&w.supporter, json!({})).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&w.try_propose(&w.lapsed, json!({})).await),
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn bad_proposals_and_bad_ballots_are_refused_and_change_nothing() {
    let w = world().await;
    let past = w
        .try_propose(&w.admin, json!({ "closesAt": in_days(-1) }))
        .await;
    assert_eq!(error_code(&past), "VALIDATION");
    assert_eq!(past["errors"][0]["extensions"]["field"], "closesAt");
    let unknown = w
        .try_propose(&w.admin, json!({ "method": "lottery" }))
        .await;
    assert_eq!(error_code(&unknown), "VALIDATION");
    assert!(
        unknown["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("majority_judgment")
    );
    assert_eq!(
        error_code(&w.try_propose(&w.admin, json!({ "title": "  " })).await),
        "VALIDATION"
    );
    assert_eq!(
        error_code(
            &w.try_propose(
                &w.admin,
                json!({ "method": "majority_judgment", "options": [] })
            )
            .await
        ),
        "VALIDATION"
    );
    let listed = w
        .app
        .gql(
            Some(&w.admin),
            "query($o: ID!) { proposals(organisationId: $o) { id } }",
            json!({ "o": w.org }),
        )
        .await;
    assert_eq!(data(&listed)["proposals"], json!([]));

    let id = w.propose(json!({})).await;
    let invalid = w
        .cast(&w.members[0], &id, json!({ "choice": "maybe" }))
        .await;
    assert_eq!(error_code(&invalid), "VALIDATION");
    assert_eq!(invalid["errors"][0]["extensions"]["field"], "ballot");

    let consensus = w
        .propose(json!({ "method": "consensus", "reasons": "REQUIRED_FOR_OBJECTIONS" }))
        .await;
    assert_eq!(
        error_code(
            &w.cast(&w.members[0], &consensus, json!({ "position": "object" }))
                .await
        ),
        "REASON_REQUIRED"
    );
    let argued = w
        .cast_with(&w.members[0], &consensus, json!({ "ballot": { "position": "object" }, "reason": "Le loyer dépasse notre budget." }))
        .await;
    data(&argued);
    let unchanged = w
        .app
        .gql(
            Some(&w.admin),
            "query($id: ID!) { proposal(id: $id) { participation { voted } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data(&unchanged)["proposal"]["participation"]["voted"], 0);

    // Scheduled: no ballot before opening.
    let later = w
        .propose(json!({ "opensAt": in_days(1), "closesAt": in_days(3) }))
        .await;
    let early = w
        .cast(&w.members[0], &later, json!({ "choice": "yes" }))
        .await;
    assert_eq!(error_code(&early), "POLL_CLOSED");
    assert!(
        early["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not opened yet")
    );
}

#[tokio::test]
async fn results_show_live_only_as_the_proposal_allows() {
    let w = world().await;
    let id = w
        .propose(json!({ "resultsVisibility": "ONCE_VOTED" }))
        .await;
    assert_eq!(error_code(&w.result(&w.members[0], &id).await), "FORBIDDEN");
    data(&w.cast(&w.members[0], &id, json!({ "choice": "yes" })).await);
    let live = w.result(&w.members[0], &id).await;
    let result = &data(&live)["proposal"]["result"];
    assert_eq!(result["provisional"], true);
    assert_eq!(result["ballots"], 1);
    assert!(result["exportSha256"].is_null());
    // Someone who has not voted still sees nothing.
    assert_eq!(error_code(&w.result(&w.members[1], &id).await), "FORBIDDEN");

    let always = w.propose(json!({ "resultsVisibility": "ALWAYS" })).await;
    assert_eq!(
        data(&w.result(&w.members[1], &always).await)["proposal"]["result"]["ballots"],
        0
    );
}

#[tokio::test]
async fn a_secret_ballot_cannot_be_linked_to_its_voter() {
    let w = world().await;
    let id = w
        .propose(json!({ "secret": true, "resultsVisibility": "ALWAYS" }))
        .await;
    // A made-up receipt on a first ballot is refused, and nothing is cast.
    let made_up = w
        .cast_with(
            &w.members[0],
            &id,
            json!({ "ballot": { "choice": "no" }, "receipt": "plm_r_made_up" }),
        )
        .await;
    assert_eq!(error_code(&made_up), "VALIDATION");
    assert_eq!(made_up["errors"][0]["extensions"]["field"], "receipt");
    let cast = w.cast(&w.members[0], &id, json!({ "choice": "no" })).await;
    let receipt = data(&cast)["castBallot"]["receipt"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(receipt.starts_with("plm_r_"));
    data(&w.cast(&w.members[1], &id, json!({ "choice": "yes" })).await);

    // Changing a secret ballot takes its receipt.
    assert_eq!(
        error_code(&w.cast(&w.members[0], &id, json!({ "choice": "yes" })).await),
        "CONFLICT"
    );
    let wrong = w
        .cast_with(
            &w.members[0],
            &id,
            json!({ "ballot": { "choice": "yes" }, "receipt": "plm_r_nothing" }),
        )
        .await;
    assert_eq!(
        error_code(&wrong),
        "FORBIDDEN",
        "a receipt that fits no ballot"
    );
    // A receipt shown to someone else (who voted too) changes nothing.
    let shown = w
        .cast_with(
            &w.members[1],
            &id,
            json!({ "ballot": { "choice": "no" }, "receipt": receipt }),
        )
        .await;
    assert_eq!(error_code(&shown), "FORBIDDEN", "another voter's receipt");
    let changed = w
        .cast_with(
            &w.members[0],
            &id,
            json!({ "ballot": { "choice": "yes" }, "receipt": receipt }),
        )
        .await;
    assert_eq!(data(&changed)["castBallot"]["changed"], true);
    // Live results of a secret vote move in steps of ten ballots: two show nothing.
    assert_eq!(
        data(&w.result(&w.admin, &id).await)["proposal"]["result"]["ballots"],
        0
    );

    // Nobody reads who voted what: not through the API...
    let ballots = w
        .app
        .gql(
            Some(&w.admin),
            "query($id: ID!) { proposal(id: $id) { ballots { nodes { choice } } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&ballots), "FORBIDDEN");
    // ...nor in the database: no named ballot; while open, the secret ones
    // are sealed; once closed, they name nobody and carry no time.
    let db = &w.app.state.db;
    let proposal = uuid::Uuid::parse_str(&id).unwrap();
    let named = plenum::entity::ballot::Entity::find()
        .filter(plenum::entity::ballot::Column::ProposalId.eq(proposal))
        .count(db)
        .await
        .unwrap();
    assert_eq!(named, 0);
    let sealed = plenum::entity::sealed_ballot::Entity::find()
        .filter(plenum::entity::sealed_ballot::Column::ProposalId.eq(proposal))
        .all(db)
        .await
        .unwrap();
    assert_eq!(sealed.len(), 2);
    assert!(
        sealed
            .iter()
            .all(|b| !b.envelope.windows(6).any(|w| w == b"choice")),
        "sealed: {sealed:?}"
    );
    data(&w.close(&w.admin, &id).await);
    assert_eq!(
        data(&w.result(&w.admin, &id).await)["proposal"]["result"]["adopted"],
        true,
        "the changed ballot counts"
    );
    // Opened, the box is the ballot file's lines: no row, no id, no time
    // per ballot; the reasons in the same shuffled order.
    let parts = plenum::entity::secret_ballot_part::Entity::find()
        .filter(plenum::entity::secret_ballot_part::Column::ProposalId.eq(proposal))
        .all(db)
        .await
        .unwrap();
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].ballots.lines().count(), 2);
    assert!(
        parts[0]
            .ballots
            .lines()
            .all(|line| line.contains("\"tracker\""))
    );
    assert_eq!(parts[0].reasons.as_array().map(Vec::len), Some(2));
    let columns: Vec<String> = match db.get_database_backend() {
        sea_orm::DbBackend::Sqlite => db
            .query_all_raw(sea_orm::Statement::from_string(db.get_database_backend(), "SELECT name FROM pragma_table_info('secret_ballot_part')"))
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get::<String>("", "name").unwrap())
            .collect(),
        _ => db
            .query_all_raw(sea_orm::Statement::from_string(db.get_database_backend(), "SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'secret_ballot_part' AND table_schema = current_schema()"))
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get::<String>("", "name").unwrap())
            .collect(),
    };
    let mut columns = columns;
    columns.sort();
    assert_eq!(
        columns,
        ["ballots", "part", "proposal_id", "reasons", "round"]
    );
    w.app.state.forgetting.idle().await;
    let sealed_left = plenum::entity::sealed_ballot::Entity::find()
        .filter(plenum::entity::sealed_ballot::Column::ProposalId.eq(proposal))
        .count(db)
        .await
        .unwrap();
    assert_eq!(sealed_left, 0, "the box was opened");
}

#[tokio::test]
async fn concurrent_ballots_of_one_person_leave_exactly_one() {
    let w = world().await;
    for secret in [false, true] {
        let id = w
            .propose(json!({ "secret": secret, "changeable": false }))
            .await;
        let mut casts = Vec::new();
        for _ in 0..8 {
            casts.push(w.cast(&w.members[0], &id, json!({ "choice": "yes" })));
        }
        let answers = futures_util::future::join_all(casts).await;
        let accepted = answers
            .iter()
            .filter(|a| a.get("errors").is_none_or(Value::is_null))
            .count();
        assert_eq!(accepted, 1, "secret: {secret}: {answers:#?}");
        assert!(
            answers
                .iter()
                .filter(|a| !a["errors"].is_null())
                .all(|a| error_code(a) == "CONFLICT")
        );
        data(&w.close(&w.admin, &id).await);
        assert_eq!(
            data(&w.result(&w.admin, &id).await)["proposal"]["result"]["ballots"],
            1
        );
    }
}

/// Ballots arriving together are written together: each voter still gets
/// their own answer, and a refusal costs the others nothing.
#[tokio::test]
async fn ballots_cast_together_each_get_their_own_answer() {
    let w = world().await;
    let id = w.propose(json!({})).await;
    let mut casts = Vec::new();
    for round in 0..4 {
        for member in &w.members {
            casts.push(w.cast(member, &id, json!({ "choice": "yes" })));
        }
        // Outside the electorate (a supporter, who does not even see a
        // proposal of the members' space); and a ballot the method refuses.
        casts.push(w.cast(&w.supporter, &id, json!({ "choice": "yes" })));
        casts.push(w.cast(&w.admin, &id, json!({ "choice": format!("maybe {round}") })));
    }
    casts.push(w.cast(&w.admin, &id, json!({ "choice": "no" })));
    let answers = futures_util::future::join_all(casts).await;
    let codes: Vec<String> = answers
        .iter()
        .map(|a| {
            if a.get("errors").is_none_or(Value::is_null) {
                "OK".to_owned()
            } else {
                error_code(a)
            }
        })
        .collect();
    for round in 0..4 {
        let at = round * 4;
        assert_eq!(codes[at..at + 2], ["OK", "OK"], "{answers:#?}");
        assert_eq!(
            codes[at + 2..at + 4],
            ["NOT_FOUND", "VALIDATION"],
            "{answers:#?}"
        );
    }
    assert_eq!(codes[16], "OK");
    data(&w.close(&w.admin, &id).await);
    let result = w.result(&w.admin, &id).await;
    assert_eq!(
        data(&result)["proposal"]["result"]["ballots"],
        3,
        "{result:#}"
    );
}

#[tokio::test]
async fn closing_while_ballots_arrive_counts_each_ballot_or_refuses_it() {
    let w = world().await;
    let mut voters = w.members.clone();
    for i in 0..10 {
        let (token, _) = w
            .app
            .add_member(
                &w.admin,
                &w.org,
                Newcomer::new(&format!("m{i}@exemple.fr"), "Membre"),
            )
            .await;
        voters.push(token);
    }
    let id = w.propose(json!({ "secret": true })).await;
    let casts = voters
        .iter()
        .map(|v| w.cast(v, &id, json!({ "choice": "yes" })));
    let close = async {
        tokio::time::sleep(Duration::from_millis(5)).await;
        w.close(&w.admin, &id).await
    };
    let (answers, closed) = tokio::join!(futures_util::future::join_all(casts), close);
    data(&closed);
    let mut counted = 0;
    for answer in &answers {
        if answer.get("errors").is_none_or(Value::is_null) {
            counted += 1;
        } else {
            assert_eq!(error_code(answer), "POLL_CLOSED", "{answer:#}");
        }
    }
    let result = w.result(&w.admin, &id).await;
    assert_eq!(data(&result)["proposal"]["result"]["ballots"], counted);
    let participation = w
        .app
        .gql(
            Some(&w.admin),
            "query($id: ID!) { proposal(id: $id) { participation { voted } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        data(&participation)["proposal"]["participation"]["voted"],
        counted
    );
}

#[tokio::test]
async fn recusal_takes_a_person_out_of_the_vote() {
    let w = world().await;
    let id = w.propose(json!({})).await;
    let me = w.app.account_id(&w.members[0]).await;
    let other = w.app.account_id(&w.members[1]).await;
    let exclude = "mutation($p: ID!, $a: ID!, $r: String) { excludeFromVote(proposalId: $p, accountId: $a, reason: $r) { viewerExclusion participation { electorate } } }";
    let bare = w
        .app
        .gql(Some(&w.members[0]), exclude, json!({ "p": id, "a": me }))
        .await;
    assert_eq!(error_code(&bare), "REASON_REQUIRED");
    let someone_else = w
        .app
        .gql(
            Some(&w.members[0]),
            exclude,
            json!({ "p": id, "a": other, "r": "conflit" }),
        )
        .await;
    assert_eq!(error_code(&someone_else), "FORBIDDEN");
    let recused = w
        .app
        .gql(
            Some(&w.members[0]),
            exclude,
            json!({ "p": id, "a": me, "r": "Je suis candidat au bail." }),
        )
        .await;
    let recused = &data(&recused)["excludeFromVote"];
    assert_eq!(recused["viewerExclusion"], "Je suis candidat au bail.");
    assert_eq!(recused["participation"]["electorate"], 2);
    let refused = w.cast(&w.members[0], &id, json!({ "choice": "yes" })).await;
    assert_eq!(error_code(&refused), "NOT_ELIGIBLE");
    // A facilitator may exclude someone, but not after they voted.
    data(&w.cast(&w.members[1], &id, json!({ "choice": "yes" })).await);
    let too_late = w
        .app
        .gql(
            Some(&w.admin),
            exclude,
            json!({ "p": id, "a": other, "r": "conflit" }),
        )
        .await;
    assert_eq!(error_code(&too_late), "CONFLICT");
}

#[tokio::test]
async fn the_scheduler_closes_on_time_and_after_a_restart() {
    let w = world().await;
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let id = w.propose(json!({ "closesAt": soon })).await;
    data(&w.cast(&w.members[0], &id, json!({ "choice": "yes" })).await);
    let mut status = Value::Null;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        status =
            data(&w.app.gql(Some(&w.admin), STATUS, json!({ "id": id })).await)["proposal"].clone();
        if status["status"] == "CLOSED" {
            break;
        }
    }
    assert_eq!(status["status"], "CLOSED");
    assert_eq!(status["closedEarly"], false);
    let result = w.result(&w.admin, &id).await;
    assert_eq!(data(&result)["proposal"]["result"]["ballots"], 1);

    // A closing time that passed while no server ran: the next one to start closes it.
    let missed = w.propose(json!({})).await;
    let db = &w.app.state.db;
    plenum::entity::proposal::Entity::update_many()
        .col_expr(
            plenum::entity::proposal::Column::ClosesAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::hours(1)),
        )
        .filter(plenum::entity::proposal::Column::Id.eq(uuid::Uuid::parse_str(&missed).unwrap()))
        .exec(db)
        .await
        .unwrap();
    let restarted = w.app.second_server().await;
    let mut status = Value::Null;
    for _ in 0..50 {
        status = data(
            &restarted
                .gql(Some(&w.admin), STATUS, json!({ "id": missed }))
                .await,
        )["proposal"]
            .clone();
        if status["status"] == "CLOSED" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status["status"], "CLOSED");
}

#[tokio::test]
async fn a_closed_proposal_exports_a_ballot_file_that_recounts_to_its_result() {
    let w = world().await;
    let id = w
        .propose(json!({ "method": "majority_judgment", "options": ["Voltaire", "Gambetta", "Jaurès"], "secret": true, "quorum": "1/2" }))
        .await;
    for (voter, grades) in [
        (&w.members[0], [6, 3, 0]),
        (&w.members[1], [5, 5, 1]),
        (&w.admin, [2, 6, 4]),
    ] {
        data(&w.cast(voter, &id, json!({ "grades": grades })).await);
    }
    let query = "query($id: ID!) { proposal(id: $id) { ballotFile summaryCsv result { winners exportSha256 outcome } } }";
    let open = w.app.gql(Some(&w.admin), query, json!({ "id": id })).await;
    assert_eq!(error_code(&open), "CONFLICT");
    data(&w.close(&w.admin, &id).await);

    let read = w
        .app
        .gql(Some(&w.members[0]), query, json!({ "id": id }))
        .await;
    let proposal = &data(&read)["proposal"];
    let file = proposal["ballotFile"].as_str().unwrap();
    assert_eq!(
        file.lines().count(),
        4,
        "a header and three ballots: {file}"
    );
    assert!(file.lines().next().unwrap().contains("\"electorate\":3"));
    // The published digest is the file's, and counting the file (as `plenum tally` does) gives the stored result.
    let digest = sha2::Sha256::digest(file.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(proposal["result"]["exportSha256"], hex);
    let recount = plenum::domain::decision::file::count(file.as_bytes(), false).unwrap();
    assert_eq!(
        serde_json::to_value(&recount).unwrap(),
        proposal["result"]["outcome"]
    );
    assert_eq!(proposal["result"]["winners"], json!(["Gambetta"]));

    let csv = proposal["summaryCsv"].as_str().unwrap();
    assert!(csv.starts_with("Proposal,"), "{csv}");
    assert!(csv.contains(&hex));
    assert!(
        !csv.contains("Lucas"),
        "a secret vote's summary names nobody: {csv}"
    );
}

#[tokio::test]
async fn a_stored_result_reads_back_typed_and_an_unknown_format_is_an_error() {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let w = world().await;
    let id = w.propose(json!({ "method": "majority" })).await;
    data(&w.cast(&w.members[0], &id, json!({ "choice": "yes" })).await);
    data(&w.close(&w.admin, &id).await);
    let query = "query($id: ID!) { proposal(id: $id) { result { adopted ballots outcome } } }";
    let read = w.app.gql(Some(&w.admin), query, json!({ "id": id })).await;
    let read = data(&read);
    assert_eq!(read["proposal"]["result"]["outcome"]["version"], 1);
    assert_eq!(read["proposal"]["result"]["adopted"], true);

    let rewrite = |outcome: serde_json::Value| {
        let update = plenum::entity::proposal::Entity::update_many()
            .col_expr(
                plenum::entity::proposal::Column::Result,
                Expr::val(sea_orm::Value::Json(Some(Box::new(outcome)))),
            )
            .filter(plenum::entity::proposal::Column::Id.eq(id.parse::<uuid::Uuid>().unwrap()));
        let db = w.app.state.db.clone();
        async move {
            let done = update.exec(&db).await.unwrap();
            assert_eq!(done.rows_affected, 1);
        }
    };
    // Written before outcomes carried their format: the first format.
    let mut before = read["proposal"]["result"]["outcome"].clone();
    before.as_object_mut().unwrap().remove("version");
    rewrite(before.clone()).await;
    let again = w.app.gql(Some(&w.admin), query, json!({ "id": id })).await;
    assert_eq!(data(&again)["proposal"]["result"]["ballots"], 1);
    // A format this server does not know, or a shape that is not an
    // outcome: an error, never a guess.
    before["version"] = json!(2);
    for corrupt in [before, json!({ "adopted": true })] {
        rewrite(corrupt).await;
        let answer = w.app.gql(Some(&w.admin), query, json!({ "id": id })).await;
        assert_eq!(error_code(&answer), "INTERNAL", "{answer}");
    }
}

#[tokio::test]
async fn a_named_vote_s_summary_lists_each_voter_after_the_figures() {
    let w = world().await;
    let id = w.propose(json!({})).await;
    data(&w.cast(&w.members[0], &id, json!({ "choice": "yes" })).await);
    data(&w.cast(&w.admin, &id, json!({ "choice": "no" })).await);
    data(&w.close(&w.admin, &id).await);
    let r = w
        .app
        .gql(
            Some(&w.members[0]),
            "query($id: ID!) { proposal(id: $id) { summaryCsv } }",
            json!({ "id": id }),
        )
        .await;
    // Two columns of figures, then four per ballot: it used to fail with INTERNAL.
    let csv = data(&r)["proposal"]["summaryCsv"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(csv.starts_with("Proposal,"), "{csv}");
    assert!(csv.contains("Voter,Ballot,Reason,By proxy"), "{csv}");
    assert_eq!(
        csv.lines().filter(|l| l.contains("choice")).count(),
        2,
        "{csv}"
    );
}

const GIVE: &str = "mutation($input: GiveProxyInput!) { giveProxy(input: $input) { id holder { displayName } proposalId } }";

#[tokio::test]
async fn a_proxy_lets_its_holder_vote_for_the_giver_within_the_cap() {
    let w = world().await;
    let id = w.propose(json!({})).await;
    let (lucas, ines, admin) = (
        w.app.account_id(&w.members[0]).await,
        w.app.account_id(&w.members[1]).await,
        w.app.account_id(&w.admin).await,
    );
    // Lucas gives his vote on this proposal to Inès.
    let given = w
        .app
        .gql(
            Some(&w.members[0]),
            GIVE,
            json!({ "input": { "organisationId": w.org, "holderId": ines, "proposalId": id } }),
        )
        .await;
    let proxy = data(&given)["giveProxy"]["id"].as_str().unwrap().to_owned();
    // Not to a supporter, not beyond the cap (one by default), not to oneself.
    let supporter = w.app.account_id(&w.supporter).await;
    let to_supporter = w
        .app
        .gql(
            Some(&w.admin),
            GIVE,
            json!({ "input": { "organisationId": w.org, "holderId": supporter } }),
        )
        .await;
    assert_eq!(error_code(&to_supporter), "NOT_ELIGIBLE");
    let beyond = w
        .app
        .gql(
            Some(&w.admin),
            GIVE,
            json!({ "input": { "organisationId": w.org, "holderId": ines } }),
        )
        .await;
    assert_eq!(error_code(&beyond), "CONFLICT");
    let to_self = w
        .app
        .gql(
            Some(&w.admin),
            GIVE,
            json!({ "input": { "organisationId": w.org, "holderId": admin } }),
        )
        .await;
    assert_eq!(error_code(&to_self), "VALIDATION");
    // The admin cannot vote for Lucas: no proxy.
    let stolen = w
        .cast_with(
            &w.admin,
            &id,
            json!({ "ballot": { "choice": "no" }, "forAccountId": lucas }),
        )
        .await;
    assert_eq!(error_code(&stolen), "FORBIDDEN");

    let cast = w
        .cast_with(
            &w.members[1],
            &id,
            json!({ "ballot": { "choice": "yes" }, "forAccountId": lucas }),
        )
        .await;
    assert_eq!(
        data(&cast)["castBallot"]["proposal"]["participation"]["voted"],
        1
    );
    data(&w.cast(&w.members[1], &id, json!({ "choice": "no" })).await);
    // Once used, the proxy stays; Lucas can no longer vote himself.
    let revoke = "mutation($id: ID!) { revokeProxy(id: $id) { revokedAt } }";
    assert_eq!(
        error_code(
            &w.app
                .gql(Some(&w.members[0]), revoke, json!({ "id": proxy }))
                .await
        ),
        "CONFLICT"
    );
    assert_eq!(
        error_code(&w.cast(&w.members[0], &id, json!({ "choice": "no" })).await),
        "CONFLICT"
    );

    data(&w.close(&w.admin, &id).await);
    let ballots = w
        .app
        .gql(Some(&w.admin), "query($id: ID!) { proposal(id: $id) { ballots { nodes { voter { displayName } byProxy choice } } electors { voted byProxy } } }", json!({ "id": id }))
        .await;
    let proposal = &data(&ballots)["proposal"];
    let nodes = proposal["ballots"]["nodes"].as_array().unwrap();
    assert!(
        nodes
            .iter()
            .any(|b| b["voter"]["displayName"] == "Lucas Bernard"
                && b["byProxy"] == true
                && b["choice"]["choice"] == "yes")
    );
    assert_eq!(
        proposal["electors"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["byProxy"] == true)
            .count(),
        1
    );

    // A larger cap lets one person hold two; a revoked proxy no longer votes.
    let update = "mutation($id: ID!) { updateOrganisation(id: $id, input: { maxProxiesHeld: 2 }) { maxProxiesHeld } }";
    assert_eq!(
        data(
            &w.app
                .gql(Some(&w.admin), update, json!({ "id": w.org }))
                .await
        )["updateOrganisation"]["maxProxiesHeld"],
        2
    );
    let second = w.propose(json!({ "secret": true })).await;
    let period = w
        .app
        .gql(
            Some(&w.admin),
            GIVE,
            json!({ "input": { "organisationId": w.org, "holderId": ines } }),
        )
        .await;
    let period = data(&period)["giveProxy"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    data(
        &w.app
            .gql(
                Some(&w.members[0]),
                GIVE,
                json!({ "input": { "organisationId": w.org, "holderId": ines } }),
            )
            .await,
    );
    let secret = w
        .cast_with(
            &w.members[1],
            &second,
            json!({ "ballot": { "choice": "yes" }, "forAccountId": lucas }),
        )
        .await;
    assert!(data(&secret)["castBallot"]["receipt"].as_str().is_some());
    data(
        &w.app
            .gql(Some(&w.admin), revoke, json!({ "id": period }))
            .await,
    );
    let revoked = w
        .cast_with(
            &w.members[1],
            &second,
            json!({ "ballot": { "choice": "yes" }, "forAccountId": admin }),
        )
        .await;
    assert_eq!(error_code(&revoked), "FORBIDDEN");
}

#[tokio::test]
async fn a_decision_gets_its_outcome_and_waits_for_ratification() {
    let w = world().await;
    let id = w
        .propose(json!({ "urgent": true, "needsRatification": true }))
        .await;
    let outcome = "mutation($p: ID!, $s: String!) { writeOutcome(proposalId: $p, statement: $s) { outcome outcomeHtml outcomeBy { displayName } } }";
    let early = w
        .app
        .gql(Some(&w.admin), outcome, json!({ "p": id, "s": "Adopté." }))
        .await;
    assert_eq!(error_code(&early), "CONFLICT");
    data(&w.cast(&w.members[0], &id, json!({ "choice": "yes" })).await);
    data(&w.close(&w.admin, &id).await);
    assert_eq!(
        error_code(
            &w.app
                .gql(
                    Some(&w.members[0]),
                    outcome,
                    json!({ "p": id, "s": "Adopté." })
                )
                .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(
            &w.app
                .gql(Some(&w.admin), outcome, json!({ "p": id, "s": "  " }))
                .await
        ),
        "VALIDATION"
    );
    let written = w
        .app
        .gql(
            Some(&w.admin),
            outcome,
            json!({ "p": id, "s": "Le bail est **signé** pour un an." }),
        )
        .await;
    let written = &data(&written)["writeOutcome"];
    assert!(
        written["outcomeHtml"]
            .as_str()
            .unwrap()
            .contains("<strong>signé</strong>")
    );
    assert_eq!(written["outcomeBy"]["displayName"], "Camille Martin");

    let pending = "query($o: ID!) { pendingRatifications(organisationId: $o) { id ratification } }";
    let listed = w
        .app
        .gql(Some(&w.members[1]), pending, json!({ "o": w.org }))
        .await;
    assert_eq!(
        data(&listed)["pendingRatifications"],
        json!([{ "id": id, "ratification": "PENDING" }])
    );
    let ratify = "mutation($p: ID!, $r: Boolean!) { ratifyDecision(proposalId: $p, ratified: $r, note: \"AG du 3 décembre\") { ratification ratificationNote } }";
    assert_eq!(
        error_code(
            &w.app
                .gql(Some(&w.members[0]), ratify, json!({ "p": id, "r": true }))
                .await
        ),
        "FORBIDDEN"
    );
    let ruled = w
        .app
        .gql(Some(&w.admin), ratify, json!({ "p": id, "r": true }))
        .await;
    assert_eq!(data(&ruled)["ratifyDecision"]["ratification"], "RATIFIED");
    assert_eq!(
        error_code(
            &w.app
                .gql(Some(&w.admin), ratify, json!({ "p": id, "r": false }))
                .await
        ),
        "CONFLICT"
    );
    assert_eq!(
        data(
            &w.app
                .gql(Some(&w.members[1]), pending, json!({ "o": w.org }))
                .await
        )["pendingRatifications"],
        json!([])
    );
    assert_eq!(
        error_code(
            &w.app
                .gql(
                    Some(&w.admin),
                    outcome,
                    json!({ "p": id, "s": "Autre chose." })
                )
                .await
        ),
        "CONFLICT"
    );
}

#[tokio::test]
async fn a_vote_counted_in_the_room_is_recorded_as_a_decision() {
    let w = world().await;
    let record = "mutation($input: RecordCountedVoteInput!) { recordCountedVote(input: $input) { id status countedInRoom participation { voted electorate } result { adopted ballots exportSha256 } ballotFile } }";
    let input = |counts: Value, present: u32| json!({ "input": { "organisationId": w.org, "threadId": w.thread, "title": "Achat d'une sono", "method": "majority", "settings": { "threshold": "2/3" }, "present": present, "counts": counts } });
    let counts = json!([{ "ballot": { "choice": "yes" }, "count": 14 }, { "ballot": { "choice": "no" }, "count": 5 }, { "ballot": { "choice": "abstain" }, "count": 2 }]);
    assert_eq!(
        error_code(
            &w.app
                .gql(Some(&w.members[0]), record, input(counts.clone(), 25))
                .await
        ),
        "FORBIDDEN"
    );
    let too_many = w
        .app
        .gql(Some(&w.admin), record, input(counts.clone(), 20))
        .await;
    assert_eq!(error_code(&too_many), "VALIDATION");
    assert_eq!(too_many["errors"][0]["extensions"]["field"], "counts");
    let bad = w
        .app
        .gql(
            Some(&w.admin),
            record,
            input(
                json!([{ "ballot": { "choice": "peut-être" }, "count": 1 }]),
                20,
            ),
        )
        .await;
    assert_eq!(error_code(&bad), "VALIDATION");

    let recorded = w.app.gql(Some(&w.admin), record, input(counts, 25)).await;
    let p = &data(&recorded)["recordCountedVote"];
    assert_eq!(p["status"], "CLOSED");
    assert_eq!(p["countedInRoom"], true);
    assert_eq!(p["result"]["ballots"], 21);
    // 14 of 19 votes cast is more than two thirds.
    assert_eq!(p["result"]["adopted"], true);
    assert_eq!(p["ballotFile"].as_str().unwrap().lines().count(), 22);

    // A consensus check with the objections noted.
    let check = json!({ "input": { "organisationId": w.org, "title": "Charte du local", "method": "consensus", "present": 12, "counts": [
        { "ballot": { "position": "agree" }, "count": 10 },
        { "ballot": { "position": "object", "reason": "Les horaires excluent les personnes qui travaillent." }, "count": 1 },
    ] } });
    let checked = w.app.gql(Some(&w.admin), "mutation($input: RecordCountedVoteInput!) { recordCountedVote(input: $input) { result { consensusStatus ballots } } }", check).await;
    let result = &data(&checked)["recordCountedVote"]["result"];
    assert_eq!(result["ballots"], 11);
    assert_ne!(result["consensusStatus"], "reached");
}

#[tokio::test]
async fn options_and_method_change_only_until_someone_votes() {
    let w = world().await;
    let id = w
        .propose(json!({ "method": "single_choice", "options": ["Mercredi", "Jeudi"] }))
        .await;
    let update = "mutation($id: ID!, $input: UpdateProposalInput!) { updateProposal(id: $id, input: $input) { title options method closesAt } }";
    let changed = w
        .app
        .gql(Some(&w.admin), update, json!({ "id": id, "input": { "options": ["Mercredi", "Jeudi", "Samedi"], "title": "Le jour des AG" } }))
        .await;
    assert_eq!(
        data(&changed)["updateProposal"]["options"],
        json!(["Mercredi", "Jeudi", "Samedi"])
    );
    assert_eq!(
        error_code(
            &w.app
                .gql(
                    Some(&w.members[0]),
                    update,
                    json!({ "id": id, "input": { "title": "Autre" } })
                )
                .await
        ),
        "FORBIDDEN"
    );
    let past = w
        .app
        .gql(
            Some(&w.admin),
            update,
            json!({ "id": id, "input": { "closesAt": in_days(-1) } }),
        )
        .await;
    assert_eq!(error_code(&past), "VALIDATION");
    let empty = w
        .app
        .gql(
            Some(&w.admin),
            update,
            json!({ "id": id, "input": { "options": ["Mercredi", " "] } }),
        )
        .await;
    assert_eq!(error_code(&empty), "VALIDATION");

    data(&w.cast(&w.members[0], &id, json!({ "choice": 2 })).await);
    let late = w
        .app
        .gql(
            Some(&w.admin),
            update,
            json!({ "id": id, "input": { "options": ["Mercredi"] } }),
        )
        .await;
    assert_eq!(error_code(&late), "CONFLICT");
    let method = w
        .app
        .gql(
            Some(&w.admin),
            update,
            json!({ "id": id, "input": { "method": "approval" } }),
        )
        .await;
    assert_eq!(error_code(&method), "CONFLICT");
    // The wording and the closing time may still change.
    let later = w.app.gql(Some(&w.admin), update, json!({ "id": id, "input": { "closesAt": in_days(14), "details": "Précision : en visio aussi." } })).await;
    data(&later);
    data(&w.close(&w.admin, &id).await);
    assert_eq!(
        error_code(
            &w.app
                .gql(
                    Some(&w.admin),
                    update,
                    json!({ "id": id, "input": { "title": "Trop tard" } })
                )
                .await
        ),
        "CONFLICT"
    );
}

#[tokio::test]
async fn argued_objections_are_listed_and_their_authors_may_lift_them() {
    let w = world().await;
    let objections =
        "query($id: ID!) { proposal(id: $id) { objections { objector { displayName } reason } } }";
    let lift = "mutation($p: ID!, $r: String) { liftObjection(proposalId: $p, receipt: $r) { objections { reason } } }";
    for secret in [false, true] {
        let id = w
            .propose(json!({ "method": "consensus", "secret": secret, "changeable": false, "reasons": "REQUIRED_FOR_OBJECTIONS" }))
            .await;
        let objected = w
            .cast_with(&w.members[0], &id, json!({ "ballot": { "position": "object" }, "reason": "Le mercredi exclut les parents." }))
            .await;
        let receipt = data(&objected)["castBallot"]["receipt"]
            .as_str()
            .map(str::to_owned);
        data(
            &w.cast(&w.members[1], &id, json!({ "position": "agree" }))
                .await,
        );
        let listed = w
            .app
            .gql(Some(&w.admin), objections, json!({ "id": id }))
            .await;
        let listed = data(&listed)["proposal"]["objections"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0]["reason"], "Le mercredi exclut les parents.");
        assert_eq!(
            listed[0]["objector"].is_null(),
            secret,
            "named only in a named vote"
        );

        // Someone with no objection has nothing to lift.
        assert_eq!(
            error_code(
                &w.app
                    .gql(Some(&w.members[1]), lift, json!({ "p": id }))
                    .await
            ),
            if secret { "VALIDATION" } else { "CONFLICT" }
        );
        let lifted = w
            .app
            .gql(Some(&w.members[0]), lift, json!({ "p": id, "r": receipt }))
            .await;
        assert_eq!(data(&lifted)["liftObjection"]["objections"], json!([]));
        data(&w.close(&w.admin, &id).await);
        let result = w.result(&w.admin, &id).await;
        assert_eq!(
            data(&result)["proposal"]["result"]["consensusStatus"],
            "reached"
        );
    }
}

#[tokio::test]
async fn a_facilitator_amends_a_consensus_checks_it_or_falls_back_on_a_majority_vote() {
    let w = world().await;
    let id = w
        .propose(json!({ "method": "consensus", "details": "Un mercredi sur deux.", "settings": { "fallback": { "majority": { "threshold": "2/3" } } } }))
        .await;
    data(
        &w.cast_with(
            &w.members[0],
            &id,
            json!({ "ballot": { "position": "object" }, "reason": "Les parents ne peuvent pas." }),
        )
        .await,
    );
    data(
        &w.cast(&w.members[1], &id, json!({ "position": "agree" }))
            .await,
    );

    let amend = "mutation($p: ID!, $d: String!, $r: String) { amendProposal(proposalId: $p, details: $d, reason: $r) { round details participation { voted } rounds { round details amendmentReason result { ballots consensusStatus } } } }";
    assert_eq!(
        error_code(
            &w.app
                .gql(
                    Some(&w.members[1]),
                    amend,
                    json!({ "p": id, "d": "Autre", "r": "x" })
                )
                .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(
            &w.app
                .gql(Some(&w.admin), amend, json!({ "p": id, "d": "Autre" }))
                .await
        ),
        "REASON_REQUIRED"
    );
    let amended = w
        .app
        .gql(Some(&w.admin), amend, json!({ "p": id, "d": "Un mercredi sur deux, avec une garde d'enfants.", "r": "Répondre à l'objection sur les parents" }))
        .await;
    let amended = &data(&amended)["amendProposal"];
    assert_eq!(amended["round"], 2);
    assert_eq!(amended["participation"]["voted"], 0, "everyone votes again");
    assert_eq!(amended["rounds"][0]["details"], "Un mercredi sur deux.");
    // A round's count is a result: shown as the proposal's are (here, the
    // default, once it closes).
    assert_eq!(amended["rounds"][0]["result"], Value::Null);
    // The previous positions stay readable, by round.
    let previous = w
        .app
        .gql(
            Some(&w.members[1]),
            "query($id: ID!) { proposal(id: $id) { ballots(round: 1) { nodes { reason } } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        data(&previous)["proposal"]["ballots"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // The objection stands again in round 2: no consensus, so the fallback applies.
    data(
        &w.cast_with(
            &w.members[0],
            &id,
            json!({ "ballot": { "position": "object" }, "reason": "Toujours pas." }),
        )
        .await,
    );
    let rounds = w
        .app
        .gql(
            Some(&w.members[0]),
            "query($id: ID!) { proposal(id: $id) { rounds { result { ballots } } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        data(&rounds)["proposal"]["rounds"][0]["result"],
        Value::Null,
        "results after closing: an earlier round's too"
    );
    let fallback = "mutation($p: ID!) { applyFallback(proposalId: $p) { fallbackProposalId } }";
    assert_eq!(
        error_code(
            &w.app
                .gql(Some(&w.admin), fallback, json!({ "p": id }))
                .await
        ),
        "CONFLICT"
    );
    data(&w.close(&w.admin, &id).await);
    let rounds = w
        .app
        .gql(
            Some(&w.members[1]),
            "query($id: ID!) { proposal(id: $id) { rounds { result { ballots } } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        data(&rounds)["proposal"]["rounds"][0]["result"]["ballots"],
        2
    );
    // Not reached: there is nothing to check (a check would read as a validation).
    let check = "mutation($p: ID!) { checkConsensus(proposalId: $p, note: \"Constaté en AG\") { consensusCheckedAt } }";
    let refused = w.app.gql(Some(&w.admin), check, json!({ "p": id })).await;
    assert_eq!(error_code(&refused), "CONFLICT");
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("atteint") || m.contains("not reached")),
        "{refused}"
    );
    let applied = w
        .app
        .gql(Some(&w.admin), fallback, json!({ "p": id }))
        .await;
    let vote = data(&applied)["applyFallback"]["fallbackProposalId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        error_code(
            &w.app
                .gql(Some(&w.admin), fallback, json!({ "p": id }))
                .await
        ),
        "CONFLICT"
    );
    let followed = w
        .app
        .gql(
            Some(&w.members[0]),
            "query($id: ID!) { proposal(id: $id) { method status settings } }",
            json!({ "id": vote }),
        )
        .await;
    let followed = &data(&followed)["proposal"];
    assert_eq!(followed["method"], "majority");
    assert_eq!(followed["status"], "OPEN");
    assert_eq!(followed["settings"]["threshold"], "2/3");
}

#[tokio::test]
async fn a_consensus_not_reached_goes_up_to_the_parent_organisation() {
    let w = world().await;
    let child = w
        .app
        .gql(Some(&w.admin), "mutation($p: ID) { createOrganisation(input: { slug: \"quartier\", name: \"Quartier\", parentId: $p }) { id } }", json!({ "p": w.org }))
        .await;
    let child = data(&child)["createOrganisation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let closes = in_days(3);
    let created = w
        .app
        .gql(Some(&w.admin), CREATE, json!({ "input": { "organisationId": child, "title": "Fusionner avec le quartier voisin", "method": "consensus", "settings": { "fallback": "escalate" }, "closesAt": closes } }))
        .await;
    let id = data(&created)["createProposal"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    data(
        &w.cast_with(
            &w.admin,
            &id,
            json!({ "ballot": { "position": "object" }, "reason": "Trop tôt." }),
        )
        .await,
    );
    data(&w.close(&w.admin, &id).await);
    let applied = w
        .app
        .gql(
            Some(&w.admin),
            "mutation($p: ID!) { applyFallback(proposalId: $p) { escalatedTo } }",
            json!({ "p": id }),
        )
        .await;
    assert_eq!(
        data(&applied)["applyFallback"]["escalatedTo"],
        w.org.as_str()
    );
    let escalations = "query($o: ID!) { escalations(organisationId: $o) { id title } }";
    let listed = w
        .app
        .gql(Some(&w.members[0]), escalations, json!({ "o": w.org }))
        .await;
    assert_eq!(data(&listed)["escalations"][0]["id"], id.as_str());
    let outsider = w.app.register("passant@exemple.fr", "Passant").await;
    assert_eq!(
        error_code(
            &w.app
                .gql(Some(&outsider), escalations, json!({ "o": w.org }))
                .await
        ),
        "FORBIDDEN"
    );
}
