//! A server killed outright (SIGKILL) while secret ballots keep arriving:
//! every ballot it acknowledged is there after a restart, once, as it was
//! last acknowledged (or as the change under way when it died), and can
//! still be changed with its receipt.

// Tests may panic: unwrap and expect are the assertions of set-up code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod common;
use common::{plenum, serve};

const VOTERS: [&str; 8] = [
    "camille.martin",
    "yasmine.benali",
    "lucas.bernard",
    "ines.moreau",
    "hugo.lefevre",
    "lea.dubois",
    "karim.haddad",
    "sacha.petit",
];

/// One GraphQL request over HTTP/1.0 (the answer ends with the
/// connection); `None` when the server is gone.
fn gql(port: u16, token: Option<&str>, query: &str, variables: Value) -> Option<Value> {
    let body = json!({ "query": query, "variables": variables }).to_string();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .write_all(
            format!(
                "POST /graphql HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        )
        .ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let (_, json) = answer.split_once("\r\n\r\n")?;
    serde_json::from_str(json).ok()
}

fn ready(port: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if gql(port, None, "{ __typename }", json!({})).is_some() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// What a voter's ballot may be after the crash: the last one the server
/// acknowledged, or the one it was sending when the server died.
#[derive(Clone, Default)]
struct Sent {
    receipt: Option<String>,
    acknowledged: Option<Value>,
    under_way: Option<Value>,
}

#[test]
fn a_server_killed_while_secret_ballots_arrive_keeps_every_acknowledged_one() {
    let dir = tempfile::tempdir().unwrap();
    let demo = plenum(dir.path()).arg("demo").output().unwrap();
    assert!(demo.status.success());
    let said = String::from_utf8_lossy(&demo.stdout).into_owned();
    let password = said
        .split("password ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_owned();

    let (mut server, port) = serve(dir.path());
    assert!(ready(port));
    let tokens: Vec<String> = VOTERS
        .iter()
        .map(|local| {
            let answer = gql(
                port,
                None,
                "mutation($e: String!, $p: String!) { login(input: { email: $e, password: $p }) { token } }",
                json!({ "e": format!("{local}@demo.plenum.example"), "p": password }),
            )
            .unwrap();
            answer["data"]["login"]["token"]
                .as_str()
                .unwrap_or_else(|| panic!("{answer}"))
                .to_owned()
        })
        .collect();
    let org = gql(
        port,
        Some(&tokens[0]),
        "{ organisation(slug: \"assemblee-montreuil\") { id } }",
        json!({}),
    )
    .unwrap()["data"]["organisation"]["id"]
        .clone();
    let created = gql(
        port,
        Some(&tokens[0]),
        "mutation($input: CreateProposalInput!) { createProposal(input: $input) { id } }",
        json!({ "input": {
            "organisationId": org,
            "title": "Le nom du journal",
            "method": "score",
            "options": ["La Commune", "Le Tocsin"],
            "secret": true,
            "closesAt": (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339(),
        } }),
    )
    .unwrap();
    let proposal = created["data"]["createProposal"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();

    // Each voter votes, then changes their ballot with the receipt again and
    // again, until the server dies under them.
    let cast = "mutation($input: CastBallotInput!) { castBallot(input: $input) { receipt } }";
    let alive = Arc::new(AtomicBool::new(true));
    let sent: Arc<Mutex<Vec<Sent>>> = Arc::new(Mutex::new(vec![Sent::default(); VOTERS.len()]));
    let voters: Vec<_> = tokens
        .iter()
        .enumerate()
        .map(|(voter, token)| {
            let (token, proposal, alive, sent) =
                (token.clone(), proposal.clone(), alive.clone(), sent.clone());
            std::thread::spawn(move || {
                let mut n = 0u64;
                while alive.load(Ordering::SeqCst) {
                    n += 1;
                    let ballot = json!({ "scores": [(n % 11), (voter as u64 * 7 + n) % 11] });
                    let receipt = {
                        let mut sent = sent.lock().unwrap();
                        sent[voter].under_way = Some(ballot.clone());
                        sent[voter].receipt.clone()
                    };
                    let mut input = json!({ "proposalId": proposal, "ballot": ballot });
                    if let Some(receipt) = &receipt {
                        input["receipt"] = json!(receipt);
                    }
                    let Some(answer) = gql(port, Some(&token), cast, json!({ "input": input }))
                    else {
                        return;
                    };
                    if answer["data"]["castBallot"].is_null() {
                        // Refused (not in the electorate): this voter stops.
                        sent.lock().unwrap()[voter].under_way = None;
                        return;
                    }
                    let mut sent = sent.lock().unwrap();
                    // A first ballot gives the receipt; a change keeps it.
                    if let Some(given) = answer["data"]["castBallot"]["receipt"].as_str() {
                        sent[voter].receipt = Some(given.to_owned());
                    }
                    sent[voter].acknowledged = sent[voter].under_way.take();
                }
            })
        })
        .collect();
    // Killed once most voters have voted and keep changing their ballots
    // (however slow the machine), half a second into the changes.
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline
        && sent
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.acknowledged.is_some())
            .count()
            < 6
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(500));
    server.kill().unwrap();
    server.wait().unwrap();
    alive.store(false, Ordering::SeqCst);
    for voter in voters {
        voter.join().unwrap();
    }

    let (mut server, port) = serve(dir.path());
    assert!(ready(port));
    let sent = sent.lock().unwrap().clone();
    let acknowledged: Vec<(usize, &Sent)> = sent
        .iter()
        .enumerate()
        .filter(|(_, s)| s.acknowledged.is_some())
        .collect();
    assert!(acknowledged.len() >= 4, "too few voters took part");
    let check = "query($id: ID!, $r: String!) { proposal(id: $id) { ballotCheck(receipt: $r) { choice } participation { voted } } }";
    let mut voted = 0;
    for (voter, s) in &acknowledged {
        let answer = gql(
            port,
            Some(&tokens[*voter]),
            check,
            json!({ "id": proposal, "r": s.receipt }),
        )
        .unwrap();
        let found = &answer["data"]["proposal"]["ballotCheck"]["choice"];
        assert!(
            Some(found) == s.acknowledged.as_ref() || Some(found) == s.under_way.as_ref(),
            "voter {voter}: {found} after the crash, acknowledged {:?} (under way {:?})",
            s.acknowledged,
            s.under_way
        );
        voted = answer["data"]["proposal"]["participation"]["voted"]
            .as_u64()
            .unwrap();
    }
    // One ballot each, no more: those acknowledged, and a first ballot that
    // was under way at most for each of the others.
    let started: usize = sent
        .iter()
        .filter(|s| s.receipt.is_some() || s.under_way.is_some())
        .count();
    assert!(
        (acknowledged.len() as u64..=started as u64).contains(&voted),
        "{voted} voted, {} acknowledged",
        acknowledged.len()
    );
    // The receipt still changes the ballot.
    let (voter, s) = acknowledged[0];
    let changed = gql(
        port,
        Some(&tokens[voter]),
        cast,
        json!({ "input": { "proposalId": proposal, "ballot": { "scores": [10, 10] }, "receipt": s.receipt } }),
    )
    .unwrap();
    assert!(
        changed["data"]["castBallot"].is_object() && changed.get("errors").is_none(),
        "{changed}"
    );
    let answer = gql(
        port,
        Some(&tokens[voter]),
        check,
        json!({ "id": proposal, "r": s.receipt }),
    )
    .unwrap();
    assert_eq!(
        answer["data"]["proposal"]["ballotCheck"]["choice"],
        json!({ "scores": [10, 10] })
    );
    server.kill().unwrap();
    server.wait().unwrap();
}
