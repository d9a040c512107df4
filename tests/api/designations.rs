//! Designations: calls for candidacies, candidacies and nominations,
//! recusal, the vote that designates, unfilled positions and reports upward.

use serde_json::{Value, json};

use crate::helpers::{Newcomer, TestApp, data, error_code, spawn_app};

const OPEN_CALL: &str =
    "mutation($input: OpenCallInput!) { openCall(input: $input) { id status threadId } }";
const APPLY: &str =
    "mutation($c: ID!, $s: String!) { applyForPosition(callId: $c, statement: $s) { id status } }";
const NOMINATE: &str = "mutation($c: ID!, $a: ID!, $s: String!) { nominate(callId: $c, accountId: $a, statement: $s) { id status nominatedBy { displayName } } }";
const ANSWER: &str = "mutation($id: ID!, $accept: Boolean!, $s: String) { answerNomination(candidacyId: $id, accept: $accept, statement: $s) { status statement } }";
const CLOSE_CANDIDACIES: &str = "mutation($c: ID!) { closeCandidacies(callId: $c) { status } }";
const TO_VOTE: &str = "mutation($input: PutDesignationToVoteInput!) { putDesignationToVote(input: $input) { id options designationCallId participation { electorate } } }";
const CALL: &str = "query($id: ID!) { designationCall(id: $id) { status voteId outcomeNote reportedTo candidacies { id status outgoing heldDays person { displayName } } } }";
const CAST: &str = "mutation($p: ID!, $b: JSON!, $r: String) { castBallot(input: { proposalId: $p, ballot: $b, reason: $r }) { changed } }";
const CLOSE: &str = "mutation($p: ID!) { closeProposal(id: $p) { id } }";

/// An organisation with its admin (a man), five members in good standing
/// with declared genders, a supporter, and a secretariat with a position
/// for a pair of one woman and one man.
struct World {
    app: TestApp,
    /// The federation the organisation belongs to, when there is one.
    parent: Option<String>,
    organisation: String,
    admin: String,
    /// Lucas (man), Inès (woman), Hugo (man), Sarah (woman), Nadia (woman).
    members: Vec<String>,
    supporter: String,
    secretariat: String,
    pair: String,
}

async fn world() -> World {
    world_with(false).await
}

/// With `parent`, the organisation is the child of a federation that the
/// same admin created.
async fn world_with(parent: bool) -> World {
    let app = spawn_app().await;
    let admin = app.register("camille@exemple.fr", "Camille Martin").await;
    let parent = match parent {
        true => Some(
            app.create_organisation(&admin, "federation", "INVITATION")
                .await,
        ),
        false => None,
    };
    let created = app
        .gql(
            Some(&admin),
            "mutation($p: ID) { createOrganisation(input: { slug: \"boucle\", name: \"Boucle départementale\", parentId: $p }) { id } }",
            json!({ "p": parent }),
        )
        .await;
    let organisation = id_of(&created, &["createOrganisation", "id"]);
    let gender = "mutation($g: Gender) { updateProfile(input: { gender: $g }) { email } }";
    let mut members = Vec::new();
    for (who, name, g) in [
        ("lucas", "Lucas Bernard", "MAN"),
        ("ines", "Inès Petit", "WOMAN"),
        ("hugo", "Hugo Moreau", "MAN"),
        ("sarah", "Sarah Lefèvre", "WOMAN"),
        ("nadia", "Nadia Rahmani", "WOMAN"),
    ] {
        let email = format!("{who}@exemple.fr");
        let (token, _) = app
            .add_member(&admin, &organisation, Newcomer::new(&email, name))
            .await;
        data(&app.gql(Some(&token), gender, json!({ "g": g })).await);
        members.push(token);
    }
    data(&app.gql(Some(&admin), gender, json!({ "g": "MAN" })).await);
    let (supporter, _) = app
        .add_member(
            &admin,
            &organisation,
            Newcomer::new("thomas@exemple.fr", "Thomas Roux").supporter(),
        )
        .await;
    let secretariat = app
        .gql(
            Some(&admin),
            "mutation($o: ID!) { createBody(input: { organisationId: $o, kind: SECRETARIAT, slug: \"secretariat\", name: \"Secrétariat\" }) { id } }",
            json!({ "o": organisation }),
        )
        .await;
    let secretariat = data(&secretariat)["createBody"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    data(
        &app.gql(
            Some(&admin),
            "mutation($o: ID!) { definePower(organisationId: $o, name: \"communication\", label: \"Presse\") { name } }",
            json!({ "o": organisation }),
        )
        .await,
    );
    let pair = app
        .gql(
            Some(&admin),
            "mutation($b: ID!) { createPosition(input: { bodyId: $b, title: \"Binôme presse\", seats: 2, parity: WOMAN_AND_MAN, scope: [\"communication\"], qualities: [\"À l'aise à l'écrit\"] }) { id } }",
            json!({ "b": secretariat }),
        )
        .await;
    let pair = data(&pair)["createPosition"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    World {
        app,
        parent,
        organisation,
        admin,
        members,
        supporter,
        secretariat,
        pair,
    }
}

impl World {
    async fn open_call(&self) -> (String, String) {
        let opened = self
            .app
            .gql(
                Some(&self.admin),
                OPEN_CALL,
                json!({ "input": { "positionId": self.pair, "closesAt": in_days(7), "note": "Deux personnes pour tenir la presse." } }),
            )
            .await;
        let call = &data(&opened)["openCall"];
        assert_eq!(call["status"], "OPEN");
        (
            call["id"].as_str().unwrap().to_owned(),
            call["threadId"].as_str().unwrap().to_owned(),
        )
    }

    async fn apply(&self, token: &str, call: &str) -> String {
        let applied = self
            .app
            .gql(
                Some(token),
                APPLY,
                json!({ "c": call, "s": "Je tiens le compte depuis un an." }),
            )
            .await;
        data(&applied)["applyForPosition"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn call(&self, token: &str, call: &str) -> Value {
        let found = self.app.gql(Some(token), CALL, json!({ "id": call })).await;
        data(&found)["designationCall"].clone()
    }

    async fn close_candidacies(&self, call: &str) {
        let closed = self
            .app
            .gql(Some(&self.admin), CLOSE_CANDIDACIES, json!({ "c": call }))
            .await;
        assert_eq!(data(&closed)["closeCandidacies"]["status"], "STUDY");
    }

    async fn to_vote(&self, input: Value) -> Value {
        let mut full = json!({ "closesAt": in_days(3) });
        for (key, value) in input.as_object().unwrap() {
            full[key] = value.clone();
        }
        self.app
            .gql(Some(&self.admin), TO_VOTE, json!({ "input": full }))
            .await
    }

    async fn cast(&self, token: &str, proposal: &str, ballot: Value) -> Value {
        self.app
            .gql(
                Some(token),
                CAST,
                json!({ "p": proposal, "b": ballot, "r": "Par conviction" }),
            )
            .await
    }

    async fn close(&self, proposal: &str) {
        data(
            &self
                .app
                .gql(Some(&self.admin), CLOSE, json!({ "p": proposal }))
                .await,
        );
    }

    async fn holders(&self) -> Value {
        let found = self
            .app
            .gql(
                Some(&self.admin),
                "query($o: ID!) { mandateRegister(organisationId: $o) { positionId grantedByDecision holder { displayName } } }",
                json!({ "o": self.organisation }),
            )
            .await;
        data(&found)["mandateRegister"].clone()
    }
}

fn in_days(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339()
}

fn id_of(response: &Value, path: &[&str]) -> String {
    let mut value = data(response);
    for key in path {
        value = &value[*key];
    }
    value.as_str().unwrap().to_owned()
}

#[tokio::test]
async fn candidates_apply_while_the_call_is_open_and_may_be_put_forward_while_it_is_studied() {
    let w = world().await;
    // Only facilitators open a call, and candidacies close after they open.
    let by_member = w
        .app
        .gql(
            Some(&w.members[0]),
            OPEN_CALL,
            json!({ "input": { "positionId": w.pair, "closesAt": in_days(7) } }),
        )
        .await;
    assert_eq!(error_code(&by_member), "FORBIDDEN");
    let backwards = w
        .app
        .gql(
            Some(&w.admin),
            OPEN_CALL,
            json!({ "input": { "positionId": w.pair, "closesAt": in_days(-1) } }),
        )
        .await;
    assert_eq!(error_code(&backwards), "VALIDATION");
    let (call, _) = w.open_call().await;
    let twice = w
        .app
        .gql(
            Some(&w.admin),
            OPEN_CALL,
            json!({ "input": { "positionId": w.pair, "closesAt": in_days(7) } }),
        )
        .await;
    assert_eq!(error_code(&twice), "CONFLICT");

    // Members apply with a statement; supporters do not stand.
    w.apply(&w.members[0], &call).await;
    let again = w
        .app
        .gql(
            Some(&w.members[0]),
            APPLY,
            json!({ "c": call, "s": "Encore" }),
        )
        .await;
    assert_eq!(error_code(&again), "CONFLICT");
    let empty = w
        .app
        .gql(Some(&w.members[2]), APPLY, json!({ "c": call, "s": "  " }))
        .await;
    assert_eq!(error_code(&empty), "VALIDATION");
    let supporter = w
        .app
        .gql(Some(&w.supporter), APPLY, json!({ "c": call, "s": "Moi" }))
        .await;
    assert_eq!(error_code(&supporter), "FORBIDDEN");

    // Inès is put forward and accepts; Camille declines.
    let ines = w.app.account_id(&w.members[1]).await;
    let put = w
        .app
        .gql(
            Some(&w.members[0]),
            NOMINATE,
            json!({ "c": call, "a": ines, "s": "Elle écrit nos communiqués." }),
        )
        .await;
    assert_eq!(data(&put)["nominate"]["status"], "PROPOSED");
    assert_eq!(
        data(&put)["nominate"]["nominatedBy"]["displayName"],
        "Lucas Bernard"
    );
    let nomination = id_of(&put, &["nominate", "id"]);
    let by_other = w
        .app
        .gql(
            Some(&w.members[0]),
            ANSWER,
            json!({ "id": nomination, "accept": true }),
        )
        .await;
    assert_eq!(error_code(&by_other), "FORBIDDEN");
    let accepted = w
        .app
        .gql(
            Some(&w.members[1]),
            ANSWER,
            json!({ "id": nomination, "accept": true, "s": "J'accepte, avec plaisir." }),
        )
        .await;
    assert_eq!(data(&accepted)["answerNomination"]["status"], "STANDING");
    assert_eq!(
        data(&accepted)["answerNomination"]["statement"],
        "J'accepte, avec plaisir."
    );
    let camille = w.app.account_id(&w.admin).await;
    let put = w
        .app
        .gql(
            Some(&w.members[1]),
            NOMINATE,
            json!({ "c": call, "a": camille, "s": "Camille connaît la presse locale." }),
        )
        .await;
    let declined = w
        .app
        .gql(
            Some(&w.admin),
            ANSWER,
            json!({ "id": id_of(&put, &["nominate", "id"]), "accept": false }),
        )
        .await;
    assert_eq!(data(&declined)["answerNomination"]["status"], "DECLINED");

    // Candidacies closed: nobody applies any more (CALL_CLOSED), but a
    // member may still put someone forward while they are studied.
    w.close_candidacies(&call).await;
    let late = w
        .app
        .gql(
            Some(&w.members[2]),
            APPLY,
            json!({ "c": call, "s": "Moi aussi" }),
        )
        .await;
    assert_eq!(error_code(&late), "CALL_CLOSED");
    let hugo = w.app.account_id(&w.members[2]).await;
    let studied = w
        .app
        .gql(
            Some(&w.members[3]),
            NOMINATE,
            json!({ "c": call, "a": hugo, "s": "Hugo a fait la presse l'an dernier." }),
        )
        .await;
    assert_eq!(data(&studied)["nominate"]["status"], "PROPOSED");
    // Hugo withdraws before answering; withdrawing someone else's is refused.
    let withdraw =
        "mutation($id: ID!) { withdrawCandidacy(candidacyId: $id) { status withdrawnAt } }";
    let hugos = id_of(&studied, &["nominate", "id"]);
    let not_theirs = w
        .app
        .gql(Some(&w.members[3]), withdraw, json!({ "id": hugos }))
        .await;
    assert_eq!(error_code(&not_theirs), "FORBIDDEN");
    let withdrawn = w
        .app
        .gql(Some(&w.members[2]), withdraw, json!({ "id": hugos }))
        .await;
    assert_eq!(data(&withdrawn)["withdrawCandidacy"]["status"], "WITHDRAWN");

    let seen = w.call(&w.members[4], &call).await;
    assert_eq!(seen["status"], "STUDY");
    let people: Vec<(Value, Value)> = seen["candidacies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["person"]["displayName"].clone(), c["status"].clone()))
        .collect();
    assert_eq!(
        people,
        [
            (json!("Lucas Bernard"), json!("STANDING")),
            (json!("Inès Petit"), json!("STANDING")),
            (json!("Camille Martin"), json!("DECLINED")),
            (json!("Hugo Moreau"), json!("WITHDRAWN")),
        ]
    );
    // Someone outside the organisation sees nothing of it, not even that it is.
    let outsider = w.app.register("zoe@exemple.fr", "Zoé Blanc").await;
    let hidden = w
        .app
        .gql(Some(&outsider), CALL, json!({ "id": call }))
        .await;
    assert_eq!(error_code(&hidden), "NOT_FOUND");
}

#[tokio::test]
async fn a_slate_voted_without_its_candidates_becomes_the_position_s_mandates() {
    let w = world().await;
    let (call, _) = w.open_call().await;
    w.apply(&w.members[0], &call).await; // Lucas
    w.apply(&w.members[1], &call).await; // Inès
    w.apply(&w.members[2], &call).await; // Hugo
    let (lucas, ines, hugo, sarah) = (
        w.app.account_id(&w.members[0]).await,
        w.app.account_id(&w.members[1]).await,
        w.app.account_id(&w.members[2]).await,
        w.app.account_id(&w.members[3]).await,
    );
    // Not while candidacies are open.
    let early = w
        .to_vote(json!({ "callId": call, "method": "majority", "slate": [lucas, ines] }))
        .await;
    assert_eq!(error_code(&early), "CONFLICT");
    w.close_candidacies(&call).await;
    // The slate follows the parity rule and names candidates only.
    let two_men = w
        .to_vote(json!({ "callId": call, "method": "majority", "slate": [lucas, hugo] }))
        .await;
    assert_eq!(error_code(&two_men), "PARITY_VIOLATION");
    let outsider = w
        .to_vote(json!({ "callId": call, "method": "majority", "slate": [lucas, sarah] }))
        .await;
    assert_eq!(error_code(&outsider), "VALIDATION");
    let odd = w
        .to_vote(json!({ "callId": call, "method": "meeting_time" }))
        .await;
    assert_eq!(error_code(&odd), "VALIDATION");
    // A secretariat does not designate its own members.
    let by_itself = w
        .to_vote(json!({ "callId": call, "method": "majority", "slate": [lucas, ines], "bodyId": w.secretariat }))
        .await;
    assert_eq!(error_code(&by_itself), "VALIDATION");

    // Two facilitators putting it to a vote at once: one vote, one refusal.
    let input = json!({ "callId": call, "method": "majority", "slate": [lucas, ines] });
    let (first, second) = tokio::join!(w.to_vote(input.clone()), w.to_vote(input));
    let (vote, refused) = match first.get("errors") {
        Some(errors) if !errors.is_null() => (second, first),
        _ => (first, second),
    };
    assert_eq!(error_code(&refused), "CONFLICT");
    let proposal = &data(&vote)["putDesignationToVote"];
    assert_eq!(proposal["designationCallId"], call.as_str());
    // Six members in good standing (the admin included), less three candidates.
    assert_eq!(proposal["participation"]["electorate"], 3);
    let proposal = proposal["id"].as_str().unwrap().to_owned();
    assert_eq!(w.call(&w.admin, &call).await["status"], "VOTING");
    let by_candidate = w
        .cast(&w.members[0], &proposal, json!({ "choice": "yes" }))
        .await;
    assert_eq!(error_code(&by_candidate), "NOT_ELIGIBLE");
    // Candidacies no longer change while it is voted on.
    let late = w
        .app
        .gql(
            Some(&w.members[4]),
            NOMINATE,
            json!({ "c": call, "a": sarah, "s": "Et Sarah ?" }),
        )
        .await;
    assert_eq!(error_code(&late), "CALL_CLOSED");
    for voter in [&w.admin, &w.members[3], &w.members[4]] {
        data(&w.cast(voter, &proposal, json!({ "choice": "yes" })).await);
    }
    assert_eq!(w.holders().await, json!([]));
    w.close(&proposal).await;

    let seen = w.call(&w.admin, &call).await;
    assert_eq!(seen["status"], "DESIGNATED");
    assert_eq!(seen["voteId"], proposal.as_str());
    let mut names: Vec<String> = w
        .holders()
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            assert_eq!(m["positionId"], w.pair.as_str());
            assert_eq!(m["grantedByDecision"], proposal.as_str());
            m["holder"]["displayName"].as_str().unwrap().to_owned()
        })
        .collect();
    names.sort();
    assert_eq!(names, ["Inès Petit", "Lucas Bernard"]);

    // At the next call, the outgoing holders standing again show their tenure.
    let (next, _) = w.open_call().await;
    w.apply(&w.members[0], &next).await;
    let again = w.call(&w.admin, &next).await;
    assert_eq!(again["candidacies"][0]["outgoing"], true);
    assert_eq!(again["candidacies"][0]["heldDays"], 0);
}

#[tokio::test]
async fn majority_judgment_designates_the_best_ranked_pair_the_parity_rule_allows() {
    let w = world().await;
    let (call, _) = w.open_call().await;
    // Candidates: Lucas (man), Hugo (man), Inès (woman), Sarah (woman).
    for member in [&w.members[0], &w.members[2], &w.members[1], &w.members[3]] {
        w.apply(member, &call).await;
    }
    w.close_candidacies(&call).await;
    let vote = w
        .to_vote(json!({ "callId": call, "method": "majority_judgment", "secret": true }))
        .await;
    let proposal = &data(&vote)["putDesignationToVote"];
    assert_eq!(
        proposal["options"],
        json!([
            "Lucas Bernard",
            "Hugo Moreau",
            "Inès Petit",
            "Sarah Lefèvre"
        ])
    );
    assert_eq!(proposal["participation"]["electorate"], 2);
    let proposal = proposal["id"].as_str().unwrap().to_owned();
    // The two men come first; Sarah is the best-graded woman.
    for voter in [&w.admin, &w.members[4]] {
        data(
            &w.cast(voter, &proposal, json!({ "grades": [6, 5, 2, 4] }))
                .await,
        );
    }
    w.close(&proposal).await;
    assert_eq!(w.call(&w.admin, &call).await["status"], "DESIGNATED");
    let mut names: Vec<String> = w
        .holders()
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["holder"]["displayName"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["Lucas Bernard", "Sarah Lefèvre"]);
}

#[tokio::test]
async fn candidates_stay_out_of_their_position_s_deliberation_when_the_organisation_chooses() {
    let w = world().await;
    let (call, thread) = w.open_call().await;
    w.apply(&w.members[0], &call).await;
    let read = "query($t: ID!) { thread(id: $t) { title posts(first: 5) { nodes { bodyHtml } } } }";
    // By default a candidate reads the deliberation (and never votes).
    let open = w
        .app
        .gql(Some(&w.members[0]), read, json!({ "t": thread }))
        .await;
    assert_eq!(
        data(&open)["thread"]["title"],
        "Désignation : Binôme presse"
    );
    let change = "mutation($id: ID!, $h: Boolean) { updateOrganisation(id: $id, input: { recusalHidesDeliberation: $h }) { recusalHidesDeliberation } }";
    let by_member = w
        .app
        .gql(
            Some(&w.members[1]),
            change,
            json!({ "id": w.organisation, "h": true }),
        )
        .await;
    assert_eq!(error_code(&by_member), "FORBIDDEN");
    data(
        &w.app
            .gql(
                Some(&w.admin),
                change,
                json!({ "id": w.organisation, "h": true }),
            )
            .await,
    );
    let kept_out = w
        .app
        .gql(Some(&w.members[0]), read, json!({ "t": thread }))
        .await;
    assert_eq!(error_code(&kept_out), "FORBIDDEN");
    let others = w
        .app
        .gql(Some(&w.members[1]), read, json!({ "t": thread }))
        .await;
    assert!(
        data(&others)["thread"]["posts"]["nodes"][0]["bodyHtml"]
            .as_str()
            .unwrap()
            .contains("Qualités recherchées")
    );
    let listed = "query($o: ID!) { organisation(id: $o) { categories { nodes { name threads(first: 20) { nodes { id } } } } } }";
    let threads_of = |token: String| {
        let app = &w.app;
        let org = w.organisation.clone();
        async move {
            let seen = app.gql(Some(&token), listed, json!({ "o": org })).await;
            data(&seen)["organisation"]["categories"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|c| c["threads"]["nodes"].as_array().unwrap().clone())
                .map(|t| t["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert!(!threads_of(w.members[0].clone()).await.contains(&thread));
    assert!(threads_of(w.members[1].clone()).await.contains(&thread));
    // Nor may the candidate reply in it.
    let post = w
        .app
        .gql(
            Some(&w.members[1]),
            "query($t: ID!) { thread(id: $t) { posts(first: 1) { nodes { id } } } }",
            json!({ "t": thread }),
        )
        .await;
    let post = data(&post)["thread"]["posts"]["nodes"][0]["id"].clone();
    let reply = "mutation($t: ID!, $p: ID!) { reply(threadId: $t, parentId: $p, body: \"Je réponds quand même\") { id } }";
    let replied = w
        .app
        .gql(
            Some(&w.members[0]),
            reply,
            json!({ "t": thread, "p": post }),
        )
        .await;
    assert_eq!(error_code(&replied), "FORBIDDEN");
    // Once decided, the deliberation is open to all again.
    w.apply(&w.members[1], &call).await;
    w.close_candidacies(&call).await;
    let (lucas, ines) = (
        w.app.account_id(&w.members[0]).await,
        w.app.account_id(&w.members[1]).await,
    );
    let vote = w
        .to_vote(json!({ "callId": call, "method": "consensus", "slate": [lucas, ines] }))
        .await;
    let proposal = id_of(&vote, &["putDesignationToVote", "id"]);
    // The vote on their position is out of their sight too.
    let hidden = w
        .app
        .gql(
            Some(&w.members[0]),
            "query($p: ID!) { proposal(id: $p) { title } }",
            json!({ "p": proposal }),
        )
        .await;
    assert!(hidden["errors"].is_array(), "{hidden:#}");
    for voter in [&w.admin, &w.members[3]] {
        data(
            &w.cast(voter, &proposal, json!({ "position": "agree" }))
                .await,
        );
    }
    w.close(&proposal).await;
    // Reached, but a facilitator has yet to check it: still being decided.
    assert_eq!(w.call(&w.admin, &call).await["status"], "VOTING");
    let still = w
        .app
        .gql(Some(&w.members[0]), read, json!({ "t": thread }))
        .await;
    assert_eq!(error_code(&still), "FORBIDDEN");
    data(
        &w.app
            .gql(
                Some(&w.admin),
                "mutation($p: ID!) { checkConsensus(proposalId: $p, note: \"Constaté en AG\") { id } }",
                json!({ "p": proposal }),
            )
            .await,
    );
    assert_eq!(w.call(&w.admin, &call).await["status"], "DESIGNATED");
    assert_eq!(w.holders().await.as_array().unwrap().len(), 2);
    let after = w
        .app
        .gql(Some(&w.members[0]), read, json!({ "t": thread }))
        .await;
    assert_eq!(
        data(&after)["thread"]["title"],
        "Désignation : Binôme presse"
    );
}

#[tokio::test]
async fn without_consensus_the_names_debated_go_up_to_the_parent_s_assembly() {
    let w = world_with(true).await;
    let parent = w.parent.clone().unwrap();
    let (call, _) = w.open_call().await;
    w.apply(&w.members[0], &call).await;
    w.apply(&w.members[1], &call).await;
    w.close_candidacies(&call).await;
    let (lucas, ines) = (
        w.app.account_id(&w.members[0]).await,
        w.app.account_id(&w.members[1]).await,
    );
    let vote = w
        .to_vote(json!({ "callId": call, "method": "consensus", "slate": [lucas, ines] }))
        .await;
    let proposal = id_of(&vote, &["putDesignationToVote", "id"]);
    data(
        &w.cast(&w.members[3], &proposal, json!({ "position": "agree" }))
            .await,
    );
    data(
        &w.app
            .gql(
                Some(&w.members[4]),
                CAST,
                json!({ "p": proposal, "b": { "position": "object" }, "r": "Lucas n'a jamais écrit pour nous" }),
            )
            .await,
    );
    w.close(&proposal).await;
    assert_eq!(w.call(&w.admin, &call).await["status"], "NOT_DESIGNATED");
    assert_eq!(w.holders().await, json!([]));

    let report = "mutation($c: ID!) { reportUpward(callId: $c, note: \"Deux noms débattus, pas de consensus\") { status reportedTo } }";
    let by_member = w
        .app
        .gql(Some(&w.members[3]), report, json!({ "c": call }))
        .await;
    assert_eq!(error_code(&by_member), "FORBIDDEN");
    let reported = w
        .app
        .gql(Some(&w.admin), report, json!({ "c": call }))
        .await;
    assert_eq!(data(&reported)["reportUpward"]["status"], "REPORTED");
    assert_eq!(
        data(&reported)["reportUpward"]["reportedTo"],
        parent.as_str()
    );
    let twice = w
        .app
        .gql(Some(&w.admin), report, json!({ "c": call }))
        .await;
    assert_eq!(error_code(&twice), "CONFLICT");

    // The parent's assembly reads the names with their contact details…
    let reports = "query($o: ID!) { upwardReports(organisationId: $o) { fromOrganisation position seats note candidates { name email statement } } }";
    let (delegate, _) = w
        .app
        .add_member(
            &w.admin,
            &parent,
            Newcomer::new("zoe@exemple.fr", "Zoé Blanc"),
        )
        .await;
    let seen = w
        .app
        .gql(Some(&delegate), reports, json!({ "o": parent }))
        .await;
    let up = &data(&seen)["upwardReports"][0];
    assert_eq!(up["fromOrganisation"], "Boucle départementale");
    assert_eq!(up["position"], "Binôme presse");
    assert_eq!(up["seats"], 2);
    assert_eq!(
        up["candidates"],
        json!([
            { "name": "Lucas Bernard", "email": "lucas@exemple.fr", "statement": "Je tiens le compte depuis un an." },
            { "name": "Inès Petit", "email": "ines@exemple.fr", "statement": "Je tiens le compte depuis un an." },
        ])
    );
    // … and nobody else: the child's members, the parent's supporters.
    let child_member = w
        .app
        .gql(Some(&w.members[3]), reports, json!({ "o": parent }))
        .await;
    assert_eq!(error_code(&child_member), "FORBIDDEN");
    let (supporter, _) = w
        .app
        .add_member(
            &w.admin,
            &parent,
            Newcomer::new("paul@exemple.fr", "Paul Girard").supporter(),
        )
        .await;
    let by_supporter = w
        .app
        .gql(Some(&supporter), reports, json!({ "o": parent }))
        .await;
    assert_eq!(error_code(&by_supporter), "FORBIDDEN");
}

#[tokio::test]
async fn a_position_without_a_suitable_candidate_stays_open_for_a_new_call() {
    let w = world().await;
    let (call, _) = w.open_call().await;
    w.apply(&w.members[2], &call).await;
    let unfilled = "mutation($c: ID!, $r: String) { declareUnfilled(callId: $c, reason: $r) { status outcomeNote } }";
    let bare = w
        .app
        .gql(Some(&w.admin), unfilled, json!({ "c": call }))
        .await;
    assert_eq!(error_code(&bare), "REASON_REQUIRED");
    let by_member = w
        .app
        .gql(
            Some(&w.members[0]),
            unfilled,
            json!({ "c": call, "r": "Personne" }),
        )
        .await;
    assert_eq!(error_code(&by_member), "FORBIDDEN");
    // Without a parent, there is nobody to report upward to.
    w.close_candidacies(&call).await;
    let report = w
        .app
        .gql(
            Some(&w.admin),
            "mutation($c: ID!) { reportUpward(callId: $c) { status } }",
            json!({ "c": call }),
        )
        .await;
    assert_eq!(error_code(&report), "CONFLICT");
    let ended = w
        .app
        .gql(
            Some(&w.admin),
            unfilled,
            json!({ "c": call, "r": "Un seul candidat pour un binôme paritaire" }),
        )
        .await;
    assert_eq!(data(&ended)["declareUnfilled"]["status"], "UNFILLED");
    assert_eq!(
        data(&ended)["declareUnfilled"]["outcomeNote"],
        "Un seul candidat pour un binôme paritaire"
    );
    // Nothing more happens on that call; a new call is made.
    let late = w
        .app
        .gql(
            Some(&w.members[1]),
            APPLY,
            json!({ "c": call, "s": "Trop tard ?" }),
        )
        .await;
    assert_eq!(error_code(&late), "CALL_CLOSED");
    let (next, _) = w.open_call().await;
    w.apply(&w.members[1], &next).await;
    let calls = w
        .app
        .gql(
            Some(&w.members[4]),
            "query($b: ID!) { body(id: $b) { positions { calls { status } holders { id } } } }",
            json!({ "b": w.secretariat }),
        )
        .await;
    assert_eq!(
        data(&calls)["body"]["positions"][0]["calls"],
        json!([{ "status": "OPEN" }, { "status": "UNFILLED" }])
    );
}

#[tokio::test]
async fn a_call_is_unknown_outside_its_organisation() {
    let w = world().await;
    let (call, _) = w.open_call().await;
    let outsider = w.app.register("outsider@exemple.fr", "Dehors").await;
    let seen = w
        .app
        .gql(Some(&outsider), CALL, json!({ "id": call }))
        .await;
    let unknown = w
        .app
        .gql(Some(&outsider), CALL, json!({ "id": uuid::Uuid::now_v7() }))
        .await;
    assert_eq!(
        error_code(&seen),
        "NOT_FOUND",
        "no existence oracle: {seen}"
    );
    assert_eq!(error_code(&unknown), "NOT_FOUND");
    assert_eq!(
        seen["errors"][0]["message"],
        unknown["errors"][0]["message"]
    );
}

#[tokio::test]
async fn a_designation_made_while_a_call_runs_takes_the_calls_term() {
    let w = world().await;
    let opened = w
        .app
        .gql(
            Some(&w.admin),
            OPEN_CALL,
            json!({ "input": { "positionId": w.pair, "closesAt": in_days(7), "termStartsOn": "2027-01-01", "termEndsOn": "2027-12-31" } }),
        )
        .await;
    let call = data(&opened)["openCall"]["id"].as_str().unwrap().to_owned();
    let mut holders = Vec::new();
    for token in [&w.members[0], &w.members[1]] {
        let me = w
            .app
            .gql(Some(token), "query { viewer { person { id } } }", json!({}))
            .await;
        holders.push(data(&me)["viewer"]["person"]["id"].clone());
    }
    // The body agreed in its meeting: the facilitator records it, citing the minutes.
    let designate =
        "mutation($input: DesignateInput!) { designate(input: $input) { startsOn endsOn } }";
    let made = w
        .app
        .gql(
            Some(&w.admin),
            designate,
            json!({ "input": { "positionId": w.pair, "holders": holders, "minutes": "CR de la boucle du 3 décembre" } }),
        )
        .await;
    let mandates = data(&made)["designate"].as_array().unwrap().clone();
    assert_eq!(mandates.len(), 2);
    for m in mandates {
        assert_eq!(
            m,
            json!({ "startsOn": "2027-01-01", "endsOn": "2027-12-31" })
        );
    }
    assert_eq!(w.call(&w.admin, &call).await["status"], "DESIGNATED");
}
