//! Governance: bodies and their powers, mandates and their register.

use serde_json::{Value, json};

use crate::helpers::{Newcomer, TestApp, data, error_code, spawn_app};

const CREATE_BODY: &str = "mutation($input: CreateBodyInput!) { createBody(input: $input) { id kind name categoryId createdByDecision dissolvedAt } }";
const GRANT: &str = "mutation($input: GrantMandateInput!) { grantMandate(input: $input) { id status powers grantedMinutes grantedByDecision previousId startsOn endsOn holder { displayName } } }";
const REVOKE: &str = "mutation($input: RevokeMandateInput!) { revokeMandate(input: $input) { id status revokedReason revokedMinutes } }";
const PROPOSE: &str = "mutation($input: CreateProposalInput!) { createProposal(input: $input) { id binding scope forwardedTo citedMandates electorateRule participation { electorate } } }";

struct Org {
    app: TestApp,
    admin: String,
    /// Two members in good standing.
    members: Vec<String>,
    supporter: String,
    id: String,
}

async fn org() -> Org {
    let app = spawn_app().await;
    let admin = app.register("camille@exemple.fr", "Camille Martin").await;
    let id = app
        .create_organisation(&admin, "boucle", "INVITATION")
        .await;
    let mut members = Vec::new();
    for (email, name) in [
        ("lucas@exemple.fr", "Lucas Bernard"),
        ("ines@exemple.fr", "Inès Petit"),
    ] {
        members.push(
            app.add_member(&admin, &id, Newcomer::new(email, name))
                .await
                .0,
        );
    }
    let (supporter, _) = app
        .add_member(
            &admin,
            &id,
            Newcomer::new("thomas@exemple.fr", "Thomas Roux").supporter(),
        )
        .await;
    Org {
        app,
        admin,
        members,
        supporter,
        id,
    }
}

impl Org {
    async fn create_body(&self, token: &str, input: Value) -> Value {
        let mut full = json!({ "organisationId": self.id });
        for (key, value) in input.as_object().unwrap() {
            full[key] = value.clone();
        }
        self.app
            .gql(Some(token), CREATE_BODY, json!({ "input": full }))
            .await
    }

    async fn body(&self, kind: &str, slug: &str, name: &str) -> String {
        let created = self
            .create_body(
                &self.admin,
                json!({ "kind": kind, "slug": slug, "name": name }),
            )
            .await;
        data(&created)["createBody"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn assembly(&self) -> String {
        let bodies = self
            .app
            .gql(
                None,
                "query($o: ID!) { bodies(organisationId: $o) { id kind } }",
                json!({ "o": self.id }),
            )
            .await;
        let first = &data(&bodies)["bodies"][0];
        assert_eq!(first["kind"], "GENERAL_ASSEMBLY");
        first["id"].as_str().unwrap().to_owned()
    }

    async fn define_power(&self, name: &str, label: &str) {
        data(
            &self
                .app
                .gql(
                    Some(&self.admin),
                    "mutation($o: ID!, $n: String!, $l: String!) { definePower(organisationId: $o, name: $n, label: $l) { name } }",
                    json!({ "o": self.id, "n": name, "l": label }),
                )
                .await,
        );
    }

    async fn grant(&self, input: Value) -> Value {
        self.app
            .gql(Some(&self.admin), GRANT, json!({ "input": input }))
            .await
    }

    async fn propose(&self, token: &str, input: Value) -> Value {
        let mut full = json!({
            "organisationId": self.id,
            "title": "Payer la facture d'imprimerie",
            "method": "majority",
            "closesAt": (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339(),
        });
        for (key, value) in input.as_object().unwrap() {
            full[key] = value.clone();
        }
        self.app
            .gql(Some(token), PROPOSE, json!({ "input": full }))
            .await
    }
}

#[tokio::test]
async fn bodies_come_from_the_assembly_or_an_admin_and_keep_their_archive_once_dissolved() {
    let o = org().await;
    let assembly = o.assembly().await;
    // A second general assembly, a body made by a plain member, a bad slug.
    let again = o
        .create_body(
            &o.admin,
            json!({ "kind": "GENERAL_ASSEMBLY", "slug": "ag2", "name": "AG bis" }),
        )
        .await;
    assert_eq!(error_code(&again), "CONFLICT");
    let by_member = o
        .create_body(
            &o.members[0],
            json!({ "kind": "COMMISSION", "slug": "fete", "name": "Fête" }),
        )
        .await;
    assert_eq!(error_code(&by_member), "FORBIDDEN");
    let bad = o
        .create_body(
            &o.admin,
            json!({ "kind": "COMMISSION", "slug": "Fête!", "name": "Fête" }),
        )
        .await;
    assert_eq!(error_code(&bad), "VALIDATION");
    // An admin alone: recorded as such, with its discussion space.
    let created = o
        .create_body(
            &o.admin,
            json!({ "kind": "COMMISSION", "slug": "fete", "name": "Commission fête de la rentrée", "lasting": false }),
        )
        .await;
    let commission = &data(&created)["createBody"];
    assert!(commission["createdByDecision"].is_null());
    assert!(commission["categoryId"].is_string());
    let id = commission["id"].as_str().unwrap().to_owned();
    let same_slug = o
        .create_body(
            &o.admin,
            json!({ "kind": "COMMISSION", "slug": "fete", "name": "Autre" }),
        )
        .await;
    assert_eq!(error_code(&same_slug), "CONFLICT");

    // Members join a commission by themselves; supporters do not.
    let join = "mutation($id: ID!) { joinBody(id: $id) { id } }";
    data(
        &o.app
            .gql(Some(&o.members[0]), join, json!({ "id": id }))
            .await,
    );
    let twice = o
        .app
        .gql(Some(&o.members[0]), join, json!({ "id": id }))
        .await;
    assert_eq!(error_code(&twice), "CONFLICT");
    let supporter = o
        .app
        .gql(Some(&o.supporter), join, json!({ "id": id }))
        .await;
    assert_eq!(error_code(&supporter), "FORBIDDEN");
    let people = "query($id: ID!) { body(id: $id) { people { belongs person { displayName } } } }";
    let seen = o
        .app
        .gql(Some(&o.members[1]), people, json!({ "id": id }))
        .await;
    assert_eq!(
        data(&seen)["body"]["people"],
        json!([{ "belongs": "ADDED", "person": { "displayName": "Lucas Bernard" } }])
    );
    let assembly_people = o
        .app
        .gql(Some(&o.members[1]), people, json!({ "id": assembly }))
        .await;
    // Every member in good standing, not the supporter.
    assert_eq!(
        data(&assembly_people)["body"]["people"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let outsider = o.app.gql(None, people, json!({ "id": id })).await;
    assert_eq!(error_code(&outsider), "UNAUTHENTICATED");
    // Joining the assembly by hand makes no sense.
    let to_assembly = o
        .app
        .gql(Some(&o.members[0]), join, json!({ "id": assembly }))
        .await;
    assert_eq!(error_code(&to_assembly), "VALIDATION");

    // Dissolving needs a reason; the assembly is never dissolved.
    let dissolve = "mutation($id: ID!, $r: String!) { dissolveBody(id: $id, reason: $r) { dissolvedAt dissolvedReason } }";
    let no_reason = o
        .app
        .gql(Some(&o.admin), dissolve, json!({ "id": id, "r": " " }))
        .await;
    assert_eq!(error_code(&no_reason), "REASON_REQUIRED");
    let the_assembly = o
        .app
        .gql(
            Some(&o.admin),
            dissolve,
            json!({ "id": assembly, "r": "Fin" }),
        )
        .await;
    assert_eq!(error_code(&the_assembly), "CONFLICT");
    let dissolved = o
        .app
        .gql(
            Some(&o.admin),
            dissolve,
            json!({ "id": id, "r": "La fête a eu lieu." }),
        )
        .await;
    assert_eq!(
        data(&dissolved)["dissolveBody"]["dissolvedReason"],
        "La fête a eu lieu."
    );
    let late = o
        .app
        .gql(Some(&o.members[1]), join, json!({ "id": id }))
        .await;
    assert_eq!(error_code(&late), "CONFLICT");
    // Its archive stays: the body is still listed, last.
    let bodies = o
        .app
        .gql(
            None,
            "query($o: ID!) { bodies(organisationId: $o) { name dissolvedAt } }",
            json!({ "o": o.id }),
        )
        .await;
    let list = data(&bodies)["bodies"].as_array().unwrap().clone();
    assert_eq!(list.len(), 2);
    assert!(list[1]["dissolvedAt"].is_string());
}

#[tokio::test]
async fn a_secretariat_decides_only_within_its_mandates_and_a_commission_only_recommends() {
    let o = org().await;
    let assembly = o.assembly().await;
    o.define_power("treasury", "Trésorerie").await;
    o.define_power("communication", "Communication").await;
    let secretariat = o.body("SECRETARIAT", "secretariat", "Secrétariat").await;
    let commission = o
        .body("COMMISSION", "luttes", "Commission luttes locales")
        .await;
    let lucas = o.app.account_id(&o.members[0]).await;

    // A mandate rests on a decision or on minutes, and names known powers.
    let mandate = json!({ "bodyId": secretariat, "holderId": lucas, "title": "Trésorerie", "mission": "Tenir les **comptes**.", "scope": ["treasury"] });
    let bare = o.grant(mandate.clone()).await;
    assert_eq!(error_code(&bare), "VALIDATION");
    let mut unknown = mandate.clone();
    unknown["scope"] = json!(["premises"]);
    unknown["minutes"] = json!("CR de l'AG du 12 mars");
    assert_eq!(error_code(&o.grant(unknown).await), "VALIDATION");
    let mut in_commission = mandate.clone();
    in_commission["bodyId"] = json!(commission);
    in_commission["minutes"] = json!("CR de l'AG du 12 mars");
    assert_eq!(
        error_code(&o.grant(in_commission).await),
        "NO_DECISION_POWER"
    );
    let by_member = o
        .app
        .gql(
            Some(&o.members[1]),
            GRANT,
            json!({ "input": { "bodyId": secretariat, "holderId": lucas, "title": "x", "minutes": "CR" } }),
        )
        .await;
    assert_eq!(error_code(&by_member), "FORBIDDEN");
    let mut granted = mandate.clone();
    granted["minutes"] = json!("CR de l'AG du 12 mars");
    let granted = o.grant(granted).await;
    let treasurer = &data(&granted)["grantMandate"];
    assert_eq!(treasurer["status"], "IN_FORCE");
    assert_eq!(treasurer["powers"], json!(["treasury"]));
    assert_eq!(treasurer["holder"]["displayName"], "Lucas Bernard");
    let treasurer = treasurer["id"].as_str().unwrap().to_owned();

    // The secretariat: its mandates cover treasury, not communication.
    let outside = o
        .propose(
            &o.members[0],
            json!({ "body": { "bodyId": secretariat, "scope": ["communication"] } }),
        )
        .await;
    assert_eq!(error_code(&outside), "OUTSIDE_MANDATE");
    assert!(
        outside["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("general assembly")
    );
    let no_scope = o
        .propose(&o.members[0], json!({ "body": { "bodyId": secretariat } }))
        .await;
    assert_eq!(error_code(&no_scope), "VALIDATION");
    let not_holder = o
        .propose(
            &o.members[1],
            json!({ "body": { "bodyId": secretariat, "scope": ["treasury"] } }),
        )
        .await;
    assert_eq!(error_code(&not_holder), "FORBIDDEN");
    let within = o
        .propose(
            &o.members[0],
            json!({ "body": { "bodyId": secretariat, "scope": ["treasury"] } }),
        )
        .await;
    let within = &data(&within)["createProposal"];
    assert_eq!(within["binding"], true);
    assert_eq!(within["citedMandates"], json!([treasurer]));
    assert_eq!(within["electorateRule"], "BODY");
    assert_eq!(within["participation"]["electorate"], 1);
    // A vote counted in the room obeys the same rule.
    let counted = "mutation($input: RecordCountedVoteInput!) { recordCountedVote(input: $input) { id citedMandates } }";
    let in_the_room = |scope: &str| {
        json!({ "input": { "organisationId": o.id, "title": "Affiches", "method": "majority", "present": 1,
            "counts": [{ "ballot": { "choice": "yes" }, "count": 1 }],
            "body": { "bodyId": secretariat, "scope": [scope] } } })
    };
    let outside = o
        .app
        .gql(Some(&o.admin), counted, in_the_room("communication"))
        .await;
    assert_eq!(error_code(&outside), "OUTSIDE_MANDATE");
    let inside = o
        .app
        .gql(Some(&o.admin), counted, in_the_room("treasury"))
        .await;
    assert_eq!(
        data(&inside)["recordCountedVote"]["citedMandates"],
        json!([treasurer])
    );

    // The commission: a recommendation, sent to the assembly or a secretariat.
    data(
        &o.app
            .gql(
                Some(&o.members[1]),
                "mutation($id: ID!) { joinBody(id: $id) { id } }",
                json!({ "id": commission }),
            )
            .await,
    );
    let binding = o
        .propose(
            &o.members[1],
            json!({ "body": { "bodyId": commission, "binding": true, "forwardTo": assembly } }),
        )
        .await;
    assert_eq!(error_code(&binding), "NO_DECISION_POWER");
    let nowhere = o
        .propose(&o.members[1], json!({ "body": { "bodyId": commission } }))
        .await;
    assert_eq!(error_code(&nowhere), "VALIDATION");
    let uncovered = o
        .propose(
            &o.members[1],
            json!({ "body": { "bodyId": commission, "forwardTo": secretariat, "scope": ["communication"] } }),
        )
        .await;
    assert_eq!(error_code(&uncovered), "OUTSIDE_MANDATE");
    let recommended = o
        .propose(
            &o.members[1],
            json!({ "body": { "bodyId": commission, "forwardTo": assembly } }),
        )
        .await;
    let recommended = &data(&recommended)["createProposal"];
    assert_eq!(recommended["binding"], false);
    assert_eq!(recommended["forwardedTo"], assembly);
    assert_eq!(recommended["participation"]["electorate"], 1);
    // The assembly finds what commissions sent it.
    let sent = o
        .app
        .gql(
            Some(&o.members[0]),
            "query($o: ID!, $to: ID!) { proposals(organisationId: $o, forwardedTo: $to) { id binding } }",
            json!({ "o": o.id, "to": assembly }),
        )
        .await;
    assert_eq!(
        data(&sent)["proposals"],
        json!([{ "id": recommended["id"], "binding": false }])
    );

    // Revoking: a reason and a decision (or minutes) are required.
    let no_reason = o
        .app
        .gql(
            Some(&o.admin),
            REVOKE,
            json!({ "input": { "mandateId": treasurer, "minutes": "CR du 2 avril" } }),
        )
        .await;
    assert_eq!(error_code(&no_reason), "REASON_REQUIRED");
    let no_grounds = o
        .app
        .gql(
            Some(&o.admin),
            REVOKE,
            json!({ "input": { "mandateId": treasurer, "reason": "Démission" } }),
        )
        .await;
    assert_eq!(error_code(&no_grounds), "VALIDATION");
    let revoked = o
        .app
        .gql(
            Some(&o.admin),
            REVOKE,
            json!({ "input": { "mandateId": treasurer, "reason": "Démission", "minutes": "CR du 2 avril" } }),
        )
        .await;
    assert_eq!(data(&revoked)["revokeMandate"]["status"], "REVOKED");
    // A revoked mandate cited, or none left: outside the mandate.
    let cited = o
        .propose(
            &o.admin,
            json!({ "body": { "bodyId": secretariat, "scope": ["treasury"], "mandateIds": [treasurer] } }),
        )
        .await;
    assert_eq!(error_code(&cited), "OUTSIDE_MANDATE");

    // The register keeps it.
    let register = "query($o: ID!) { mandateRegister(organisationId: $o) { title status revokedReason tenureDays } }";
    let seen = o
        .app
        .gql(Some(&o.members[1]), register, json!({ "o": o.id }))
        .await;
    assert_eq!(
        data(&seen)["mandateRegister"],
        json!([{ "title": "Trésorerie", "status": "REVOKED", "revokedReason": "Démission", "tenureDays": 0 }])
    );
    // Supporters read it too; people outside the organisation do not.
    let supporter = o
        .app
        .gql(Some(&o.supporter), register, json!({ "o": o.id }))
        .await;
    assert_eq!(
        data(&supporter)["mandateRegister"][0]["title"],
        "Trésorerie"
    );
    let stranger = o.app.register("zoe@exemple.fr", "Zoé Blanc").await;
    let outside = o
        .app
        .gql(Some(&stranger), register, json!({ "o": o.id }))
        .await;
    assert_eq!(error_code(&outside), "FORBIDDEN");
}

#[tokio::test]
async fn mandates_rest_on_adopted_decisions_and_renewals_follow_each_other() {
    let o = org().await;
    let secretariat = o.body("SECRETARIAT", "secretariat", "Secrétariat").await;
    let ines = o.app.account_id(&o.members[1]).await;
    // The assembly votes the mandate.
    let vote = o
        .propose(&o.admin, json!({ "title": "Mandater Inès" }))
        .await;
    let vote = data(&vote)["createProposal"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let grant = json!({ "bodyId": secretariat, "holderId": ines, "title": "Presse", "decisionId": vote, "startsOn": "2026-01-01", "endsOn": "2026-12-31" });
    // Not decided yet: refused.
    assert_eq!(error_code(&o.grant(grant.clone()).await), "VALIDATION");
    for member in o.members.iter().chain([&o.admin]) {
        data(
            &o.app
                .gql(
                    Some(member),
                    "mutation($p: ID!) { castBallot(input: { proposalId: $p, ballot: { choice: \"yes\" } }) { changed } }",
                    json!({ "p": vote }),
                )
                .await,
        );
    }
    data(
        &o.app
            .gql(
                Some(&o.admin),
                "mutation($p: ID!) { closeProposal(id: $p) { id } }",
                json!({ "p": vote }),
            )
            .await,
    );
    let granted = o.grant(grant).await;
    let first = &data(&granted)["grantMandate"];
    assert_eq!(first["grantedByDecision"], vote);
    let first = first["id"].as_str().unwrap().to_owned();
    let renewed = o
        .app
        .gql(
            Some(&o.admin),
            "mutation($input: RenewMandateInput!) { renewMandate(input: $input) { previousId startsOn endsOn title } }",
            json!({ "input": { "mandateId": first, "startsOn": "2026-10-01", "minutes": "CR de l'AG du 30 septembre" } }),
        )
        .await;
    let renewed = &data(&renewed)["renewMandate"];
    assert_eq!(renewed["previousId"], first);
    assert_eq!(renewed["title"], "Presse");
    let register = o
        .app
        .gql(
            Some(&o.admin),
            "query($o: ID!) { mandateRegister(organisationId: $o) { startsOn endsOn status } }",
            json!({ "o": o.id }),
        )
        .await;
    // Newest first; the first mandate now ends the day before the renewal.
    assert_eq!(
        data(&register)["mandateRegister"],
        json!([
            { "startsOn": "2026-10-01", "endsOn": null, "status": "IN_FORCE" },
            { "startsOn": "2026-01-01", "endsOn": "2026-09-30", "status": "ENDED" }
        ])
    );
}

#[tokio::test]
async fn a_pair_is_designated_only_under_its_parity_rule() {
    let o = org().await;
    let secretariat = o.body("SECRETARIAT", "secretariat", "Secrétariat").await;
    o.define_power("communication", "Réseaux sociaux et presse")
        .await;
    let gender = "mutation($g: Gender) { updateProfile(input: { gender: $g }) { email } }";
    data(
        &o.app
            .gql(Some(&o.members[0]), gender, json!({ "g": "MAN" }))
            .await,
    );
    data(
        &o.app
            .gql(Some(&o.members[1]), gender, json!({ "g": "WOMAN" }))
            .await,
    );
    data(
        &o.app
            .gql(Some(&o.admin), gender, json!({ "g": "MAN" }))
            .await,
    );
    let (lucas, ines, camille) = (
        o.app.account_id(&o.members[0]).await,
        o.app.account_id(&o.members[1]).await,
        o.app.account_id(&o.admin).await,
    );
    let create = "mutation($input: CreatePositionInput!) { createPosition(input: $input) { id seats parity qualities } }";
    let single_with_rule = o
        .app
        .gql(
            Some(&o.admin),
            create,
            json!({ "input": { "bodyId": secretariat, "title": "Presse", "parity": "WOMAN_AND_MAN" } }),
        )
        .await;
    assert_eq!(error_code(&single_with_rule), "VALIDATION");
    let pair = o
        .app
        .gql(
            Some(&o.admin),
            create,
            json!({ "input": { "bodyId": secretariat, "title": "Binôme réseaux sociaux et presse", "seats": 2,
                "parity": "WOMAN_AND_MAN", "scope": ["communication"],
                "qualities": ["À l'aise à l'écrit", "Disponible le week-end"] } }),
        )
        .await;
    let pair = &data(&pair)["createPosition"];
    assert_eq!(pair["qualities"][1], "Disponible le week-end");
    let pair = pair["id"].as_str().unwrap().to_owned();
    let designate = "mutation($input: DesignateInput!) { designate(input: $input) { holder { displayName } powers positionId status } }";
    let designation = |holders: Vec<&String>| json!({ "input": { "positionId": pair, "holders": holders, "minutes": "CR de l'AG du 3 octobre" } });
    let two_men = o
        .app
        .gql(
            Some(&o.admin),
            designate,
            designation(vec![&lucas, &camille]),
        )
        .await;
    assert_eq!(error_code(&two_men), "PARITY_VIOLATION");
    let one = o
        .app
        .gql(Some(&o.admin), designate, designation(vec![&ines]))
        .await;
    assert_eq!(error_code(&one), "VALIDATION");
    let by_member = o
        .app
        .gql(
            Some(&o.members[0]),
            designate,
            designation(vec![&lucas, &ines]),
        )
        .await;
    assert_eq!(error_code(&by_member), "FORBIDDEN");
    // Nothing was created by the refusals.
    let register = "query($o: ID!) { mandateRegister(organisationId: $o) { title } }";
    let empty = o
        .app
        .gql(Some(&o.admin), register, json!({ "o": o.id }))
        .await;
    assert_eq!(data(&empty)["mandateRegister"], json!([]));
    let designated = o
        .app
        .gql(Some(&o.admin), designate, designation(vec![&lucas, &ines]))
        .await;
    let mandates = data(&designated)["designate"].as_array().unwrap().clone();
    assert_eq!(mandates.len(), 2);
    assert_eq!(mandates[1]["holder"]["displayName"], "Inès Petit");
    assert_eq!(mandates[0]["powers"], json!(["communication"]));
    assert_eq!(mandates[0]["positionId"], pair);

    // Someone who declared nothing: the organisation's rule decides.
    data(
        &o.app
            .gql(Some(&o.members[1]), gender, json!({ "g": null }))
            .await,
    );
    let unknown = o
        .app
        .gql(Some(&o.admin), designate, designation(vec![&lucas, &ines]))
        .await;
    assert_eq!(error_code(&unknown), "PARITY_VIOLATION");
    data(
        &o.app
            .gql(
                Some(&o.admin),
                "mutation($id: ID!) { updateOrganisation(id: $id, input: { undeclaredGender: VOUCHED }) { undeclaredGender } }",
                json!({ "id": o.id }),
            )
            .await,
    );
    let vouched = o
        .app
        .gql(Some(&o.admin), designate, designation(vec![&lucas, &ines]))
        .await;
    assert_eq!(data(&vouched)["designate"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_private_body_space_is_read_by_the_body_s_people_only() {
    let o = org().await;
    let created = o
        .create_body(
            &o.admin,
            json!({ "kind": "COUNCIL", "slug": "boucle", "name": "Boucle départementale", "private": true }),
        )
        .await;
    let council = data(&created)["createBody"].clone();
    let (id, space) = (
        council["id"].as_str().unwrap().to_owned(),
        council["categoryId"].as_str().unwrap().to_owned(),
    );
    let lucas = o.app.account_id(&o.members[0]).await;
    data(
        &o.app
            .gql(
                Some(&o.admin),
                "mutation($b: ID!, $a: ID!) { addBodyMember(bodyId: $b, accountId: $a, note: \"binôme de Montreuil\") { id } }",
                json!({ "b": id, "a": lucas }),
            )
            .await,
    );
    let spaces = "query($o: ID!) { organisation(id: $o) { categories { nodes { id } } } }";
    let listed = |token: &str| {
        let token = token.to_owned();
        let app = &o.app;
        let org = o.id.clone();
        async move {
            let seen = app.gql(Some(&token), spaces, json!({ "o": org })).await;
            data(&seen)["organisation"]["categories"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert!(listed(&o.members[0]).await.contains(&space));
    assert!(!listed(&o.members[1]).await.contains(&space));
    let start = "mutation($c: ID!) { startThread(input: { categoryId: $c, title: \"Ordre du jour\", body: \"Points pour samedi\" }) { thread { id } } }";
    let started = o
        .app
        .gql(Some(&o.members[0]), start, json!({ "c": space }))
        .await;
    let thread = data(&started)["startThread"]["thread"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let outside = o
        .app
        .gql(Some(&o.members[1]), start, json!({ "c": space }))
        .await;
    assert_eq!(error_code(&outside), "NOT_FOUND");
    let read = "query($t: ID!) { thread(id: $t) { title } }";
    let by_delegate = o
        .app
        .gql(Some(&o.members[0]), read, json!({ "t": thread }))
        .await;
    assert_eq!(data(&by_delegate)["thread"]["title"], "Ordre du jour");
    let by_other = o
        .app
        .gql(Some(&o.members[1]), read, json!({ "t": thread }))
        .await;
    assert!(by_other["errors"].is_array(), "{by_other:#}");
    // A proposal in that thread follows the space.
    let proposed = o
        .propose(
            &o.members[0],
            json!({ "threadId": thread, "body": { "bodyId": id } }),
        )
        .await;
    let proposal = data(&proposed)["createProposal"]["id"].clone();
    let list = "query($o: ID!) { proposals(organisationId: $o) { id } }";
    let theirs = o
        .app
        .gql(Some(&o.members[0]), list, json!({ "o": o.id }))
        .await;
    assert_eq!(data(&theirs)["proposals"], json!([{ "id": proposal }]));
    let others = o
        .app
        .gql(Some(&o.members[1]), list, json!({ "o": o.id }))
        .await;
    assert_eq!(data(&others)["proposals"], json!([]));

    // A popular assembly welcomes guests with an account, not unknown ids.
    let popular = o
        .body(
            "POPULAR_ASSEMBLY",
            "quartier",
            "Assemblée populaire du quartier",
        )
        .await;
    let add = "mutation($b: ID!, $a: ID!) { addBodyMember(bodyId: $b, accountId: $a) { id } }";
    let unknown = o
        .app
        .gql(
            Some(&o.admin),
            add,
            json!({ "b": popular, "a": "0190a0a0-0000-7000-8000-000000000000" }),
        )
        .await;
    assert_eq!(error_code(&unknown), "VALIDATION");
    let neighbour = o.app.register("zoe@exemple.fr", "Zoé Blanc").await;
    let zoe = o.app.account_id(&neighbour).await;
    data(
        &o.app
            .gql(Some(&o.admin), add, json!({ "b": popular, "a": zoe }))
            .await,
    );
    let people = o
        .app
        .gql(
            Some(&o.admin),
            "query($id: ID!) { body(id: $id) { people { belongs } } }",
            json!({ "id": popular }),
        )
        .await;
    let kinds: Vec<Value> = data(&people)["body"]["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["belongs"].clone())
        .collect();
    // Three members in good standing, the supporter, and the guest.
    assert_eq!(kinds.len(), 5, "{people:#}");
    assert_eq!(kinds[4], "AS_GUEST");
}

/// Schedules a public meeting of `body` in a week; gives its id.
async fn public_meeting(o: &Org, body: &str) -> String {
    let starts = (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339();
    let r = o
        .app
        .gql(
            Some(&o.admin),
            "mutation($b: ID!, $s: DateTime!) { scheduleMeeting(input: { bodyId: $b, title: \"AG\", startsAt: $s, visibility: PUBLIC }) { id } }",
            json!({ "b": body, "s": starts }),
        )
        .await;
    data(&r)["scheduleMeeting"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_private_commissions_recommendation_reaches_the_assembly_and_no_one_else() {
    let o = org().await;
    let assembly = o.assembly().await;
    let created = o
        .create_body(
            &o.admin,
            json!({ "kind": "COMMISSION", "slug": "finances", "name": "Commission finances", "private": true }),
        )
        .await;
    let commission = data(&created)["createBody"]["id"].clone();
    let join = "mutation($id: ID!) { joinBody(id: $id) { id } }";
    data(
        &o.app
            .gql(Some(&o.members[1]), join, json!({ "id": commission }))
            .await,
    );
    let recommended = o
        .propose(
            &o.members[1],
            json!({ "title": "Budget confidentiel", "body": { "bodyId": commission, "forwardTo": assembly } }),
        )
        .await;
    let proposal = data(&recommended)["createProposal"]["id"].clone();
    let meeting = public_meeting(&o, &assembly).await;
    let agenda = "query($m: ID!) { meeting(id: $m) { agenda { awaiting { proposalId title } items { title reserved proposalId } } } }";
    let read = "query($p: ID!) { proposal(id: $p) { title } }";

    // Anonymous visitors of the public assembly meeting see nothing of it…
    let r = o.app.gql(None, agenda, json!({ "m": meeting })).await;
    assert_eq!(data(&r)["meeting"]["agenda"]["awaiting"], json!([]), "{r}");
    // …nor do supporters, who are not of the assembly…
    let r = o
        .app
        .gql(Some(&o.supporter), read, json!({ "p": proposal }))
        .await;
    assert_eq!(error_code(&r), "NOT_FOUND");
    // …while the assembly's members, for whom it is meant, read it.
    let r = o
        .app
        .gql(Some(&o.members[0]), read, json!({ "p": proposal }))
        .await;
    assert_eq!(data(&r)["proposal"]["title"], "Budget confidentiel", "{r}");
    let r = o
        .app
        .gql(Some(&o.members[0]), agenda, json!({ "m": meeting }))
        .await;
    assert_eq!(
        data(&r)["meeting"]["agenda"]["awaiting"],
        json!([{ "proposalId": proposal, "title": "Budget confidentiel" }])
    );

    // Once the meeting starts it is an item: a stranger sees its place, not what it is.
    let start = "mutation($id: ID!) { startMeeting(id: $id) { status } }";
    let r = o
        .app
        .gql(Some(&o.admin), start, json!({ "id": meeting }))
        .await;
    assert_eq!(data(&r)["startMeeting"]["status"], "IN_PROGRESS", "{r}");
    let r = o.app.gql(None, agenda, json!({ "m": meeting })).await;
    let items = data(&r)["meeting"]["agenda"]["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(items.len(), 1, "{r}");
    assert_eq!(items[0]["reserved"], true);
    assert_eq!(items[0]["proposalId"], Value::Null);
    assert!(
        !items[0]["title"].as_str().unwrap().contains("Budget"),
        "{r}"
    );
    let r = o
        .app
        .gql(Some(&o.members[0]), agenda, json!({ "m": meeting }))
        .await;
    let items = &data(&r)["meeting"]["agenda"]["items"];
    assert_eq!(
        items,
        &json!([{ "title": "Budget confidentiel", "reserved": false, "proposalId": proposal }])
    );

    // Facilitators and admins list the private body's space, as they may read it.
    let spaces = "query($o: ID!) { organisation(id: $o) { categories { nodes { name } } } }";
    let r = o
        .app
        .gql(Some(&o.admin), spaces, json!({ "o": o.id }))
        .await;
    let names = data(&r)["organisation"]["categories"]["nodes"].to_string();
    assert!(names.contains("Commission finances"), "{names}");
    let r = o
        .app
        .gql(Some(&o.members[0]), spaces, json!({ "o": o.id }))
        .await;
    let names = data(&r)["organisation"]["categories"]["nodes"].to_string();
    assert!(!names.contains("Commission finances"), "{names}");
}

#[tokio::test]
async fn whoever_may_read_a_persons_gender_reads_it_on_every_path() {
    let o = org().await;
    let set = "mutation { updateProfile(input: { gender: WOMAN, pronouns: \"elle\" }) { email } }";
    data(&o.app.gql(Some(&o.members[1]), set, json!({})).await);
    let created = o
        .create_body(
            &o.admin,
            json!({ "kind": "COMMISSION", "slug": "accueil", "name": "Accueil" }),
        )
        .await;
    let commission = data(&created)["createBody"]["id"].clone();
    let space = data(&created)["createBody"]["categoryId"].clone();
    let join = "mutation($id: ID!) { joinBody(id: $id) { id } }";
    data(
        &o.app
            .gql(Some(&o.members[1]), join, json!({ "id": commission }))
            .await,
    );
    let start = "mutation($c: ID!) { startThread(input: { categoryId: $c, title: \"Permanences\", body: \"Qui est dispo ?\" }) { thread { id } } }";
    let r = o
        .app
        .gql(Some(&o.members[1]), start, json!({ "c": space }))
        .await;
    let thread = data(&r)["startThread"]["thread"]["id"].clone();
    let paths = "query($t: ID!, $b: ID!, $o: ID!) {
        thread(id: $t) { author { gender pronouns } posts { nodes { author { gender email } } } }
        body(id: $b) { people { person { gender } } }
        organisation(id: $o) { members(first: 50) { nodes { person { displayName gender } } } }
    }";
    let vars = json!({ "t": thread, "b": commission, "o": o.id });
    let genders = |r: &Value| {
        let d = data(r);
        let members = d["organisation"]["members"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["person"]["displayName"] == "Inès Petit")
            .unwrap()["person"]["gender"]
            .clone();
        vec![
            d["thread"]["author"]["gender"].clone(),
            d["thread"]["posts"]["nodes"][0]["author"]["gender"].clone(),
            d["body"]["people"][0]["person"]["gender"].clone(),
            members,
        ]
    };
    // The admin (a facilitator's rights) and Inès herself: everywhere.
    for token in [&o.admin, &o.members[1]] {
        let r = o.app.gql(Some(token), paths, vars.clone()).await;
        assert!(
            genders(&r).iter().all(|g| g == "WOMAN"),
            "{:?}\n{r}",
            genders(&r)
        );
        assert_eq!(data(&r)["thread"]["author"]["pronouns"], "elle");
    }
    // Another member: nowhere.
    let r = o.app.gql(Some(&o.members[0]), paths, vars).await;
    assert!(genders(&r).iter().all(Value::is_null), "{r}");
    assert!(data(&r)["thread"]["posts"]["nodes"][0]["author"]["email"].is_null());
}
