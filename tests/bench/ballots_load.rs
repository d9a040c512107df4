//! The ballots under load (`ballots_load.sh` drives it):
//!
//! - `seed <database-url> <out-dir>`: an organisation of 20,000 members in
//!   good standing, each with a session (`tokens.txt`); an open secret
//!   majority vote for all of them, its live result shown (`majority.txt`
//!   holds its id); and a secret
//!   majority judgment over 7 options already holding 400,000 sealed ballots
//!   (`judgment.txt`), written straight to the database with the key the
//!   server will find under `<out-dir>/data`;
//! - `cast <graphql-url> <out-dir>`: every member casts a ballot through
//!   `POST /graphql`, 64 clients at a time; prints ballots/s, then closes the
//!   proposal and checks that it counts exactly one ballot per member.
//!
//! `cargo run --release -p plenum-tests --example ballots_load -- seed|cast …`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use plenum::domain::ballot_box;
use plenum::domain::decision::Spec;
use plenum::domain::membership::Role;
use plenum::entity::{
    account, auth_token, elector, membership, organisation, proposal, sealed_ballot,
};
use plenum::service::proposals::{Question, new_row, open};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};

const VOTERS: usize = 20_000;
const CLIENTS: usize = 64;
const JUDGMENT_BALLOTS: usize = 400_000;
const CHUNK: usize = 1_000;

fn write(path: std::path::PathBuf, lines: &[String]) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for line in lines {
        writeln!(file, "{line}").unwrap();
    }
}

async fn seed(url: &str, out: &std::path::Path) {
    let mut settings = plenum::Settings::default();
    settings.database.url = plenum::config::Secret::new(url);
    // Where `plenum serve`, started in the out-dir, keeps its ballot-box key.
    settings.server.data_dir = out.join("data");
    let db = plenum::db::connect(&settings).await.unwrap().db;
    plenum::db::migrate(&db).await.unwrap();
    let key = plenum::service::proposals::ballot_box::load_key(&settings, &db)
        .await
        .unwrap();
    let now = chrono::Utc::now();
    let started = Instant::now();
    let mut accounts = Vec::new();
    let mut tokens = Vec::new();
    for _ in 0..VOTERS {
        accounts.push(uuid::Uuid::now_v7());
        tokens.push(plenum::domain::token::generate(
            plenum::domain::token::TokenKind::Session,
        ));
    }
    for (n, (chunk, secrets)) in accounts.chunks(CHUNK).zip(tokens.chunks(CHUNK)).enumerate() {
        account::Entity::insert_many(chunk.iter().enumerate().map(|(i, id)| {
            account::ActiveModel {
                id: Set(*id),
                email: Set(format!("{}@exemple.fr", id.simple())),
                password_hash: Set("not a hash: no login".into()),
                display_name: Set("Membre".into()),
                locale: Set("fr".into()),
                timezone: Set("Europe/Paris".into()),
                gender: Set(None),
                pronouns: Set(None),
                is_operator: Set(false),
                handle: Set(Some(format!("membre{}", n * CHUNK + i))),
                created_at: Set(now),
                updated_at: Set(now),
            }
        }))
        .exec(&db)
        .await
        .unwrap();
        auth_token::Entity::insert_many(chunk.iter().zip(secrets).map(|(id, secret)| {
            auth_token::ActiveModel {
                id: Set(uuid::Uuid::now_v7()),
                account_id: Set(*id),
                kind: Set("session".into()),
                name: Set(None),
                token_hash: Set(plenum::domain::token::hash(secret)),
                user_agent: Set(None),
                created_at: Set(now),
                expires_at: Set(None),
                last_used_at: Set(Some(now)),
                revoked_at: Set(None),
                scope: Set(plenum::domain::token::Scope::Admin),
                ends_with_password: Set(true),
            }
        }))
        .exec(&db)
        .await
        .unwrap();
    }
    let org = organisation::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        slug: Set("vote-national".into()),
        name: Set("Vote national".into()),
        description: Set(String::new()),
        timezone: Set("Europe/Paris".into()),
        default_locale: Set("fr".into()),
        registration_mode: Set(plenum::domain::organisation::RegistrationMode::Invitation),
        parent_id: Set(None),
        edit_window_minutes: Set(None),
        max_proxies_held: Set(1),
        undeclared_gender: Set(plenum::domain::governance::UndeclaredGender::Unknown),
        recusal_hides_deliberation: Set(false),
        theme: Set("default".into()),
        remote_images: Set(plenum::domain::organisation::RemoteImages::Links),
        created_by: Set(accounts[0]),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&db)
    .await
    .unwrap();
    for chunk in accounts.chunks(CHUNK) {
        membership::Entity::insert_many(chunk.iter().enumerate().map(|(i, id)| {
            membership::ActiveModel {
                id: Set(uuid::Uuid::now_v7()),
                organisation_id: Set(org.id),
                account_id: Set(*id),
                role: Set(if i == 0 { Role::Admin } else { Role::Member }),
                standing: Set(plenum::domain::membership::StandingKind::Member),
                good_until: Set(None),
                joined_at: Set(now),
                left_at: Set(None),
            }
        }))
        .exec(&db)
        .await
        .unwrap();
    }
    let question = |title: &str, spec: &Spec| {
        new_row(Question {
            organisation_id: org.id,
            thread_id: None,
            author_id: accounts[0],
            title: title.into(),
            details: String::new(),
            details_html: String::new(),
            spec,
            at: now,
        })
    };
    let majority = Spec {
        method: "majority".into(),
        options: vec![],
        settings: json!({}),
        electorate: None,
    };
    let mut row = question("Adopter la motion d'orientation", &majority);
    row.closes_at = Set(now + chrono::Duration::days(1));
    // Secret, its live result shown: every ballot is sealed, and the live
    // count is taken again at each step.
    row.results_visibility = Set(plenum::domain::proposal::ResultsVisibility::Always);
    row.secret = Set(true);
    // The seed runs without a server: its unit tells no one.
    let followers = plenum::write::Followers {
        events: plenum::events::EventBus::default(),
        outbox: Default::default(),
        proposals: Default::default(),
    };
    let txn = plenum::write::Unit::begin(&plenum::write::Writer::new(db.clone()), followers)
        .await
        .unwrap();
    let majority = open(&txn, row.insert(&txn).await.unwrap(), &org)
        .await
        .unwrap();
    txn.commit().await.unwrap();

    let options: Vec<String> = (1..=7).map(|i| format!("Candidature {i}")).collect();
    let judgment = Spec {
        method: "majority_judgment".into(),
        options: options.clone(),
        settings: json!({}),
        electorate: None,
    };
    let mut row = question("Désigner la tête de liste", &judgment);
    row.closes_at = Set(now + chrono::Duration::days(1));
    row.secret = Set(true);
    let judgment = row.insert(&db).await.unwrap();
    plenum::service::proposals::ballot_box::prepare(&db, &judgment)
        .await
        .unwrap();
    let mut seed = 42u64;
    for _ in 0..JUDGMENT_BALLOTS / CHUNK {
        sealed_ballot::Entity::insert_many((0..CHUNK).map(|_| {
            let grades: Vec<u64> = (0..7)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    (seed >> 33) % 7
                })
                .collect();
            let receipt =
                plenum::domain::token::generate(plenum::domain::token::TokenKind::Receipt);
            let content = ballot_box::Content {
                choice: json!({ "grades": grades }),
                reason: None,
                tracker: ballot_box::tracker(&receipt),
                voter: String::new(),
            };
            sealed_ballot::ActiveModel {
                proposal_id: Set(judgment.id),
                id: Set(uuid::Uuid::new_v4()),
                round: Set(1),
                receipt_hash: Set(plenum::domain::token::hash(&receipt)),
                envelope: Set(ballot_box::seal(&key, judgment.id, 1, &content).unwrap()),
            }
        }))
        .exec(&db)
        .await
        .unwrap();
    }
    let mut judgment: proposal::ActiveModel = judgment.into();
    judgment.opened_at = Set(Some(now));
    judgment.electorate_size = Set(Some(JUDGMENT_BALLOTS as i32));
    let judgment = judgment.update(&db).await.unwrap();
    let electors = elector::Entity::find().all(&db).await.unwrap().len();
    println!(
        "seeded {VOTERS} members ({electors} electors) and {JUDGMENT_BALLOTS} secret ballots in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    write(out.join("tokens.txt"), &tokens);
    write(out.join("majority.txt"), &[majority.id.to_string()]);
    write(out.join("judgment.txt"), &[judgment.id.to_string()]);
}

async fn cast(url: &str, out: &std::path::Path) {
    let tokens: Arc<Vec<String>> = Arc::new(
        std::fs::read_to_string(out.join("tokens.txt"))
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect(),
    );
    let proposal = std::fs::read_to_string(out.join("majority.txt"))
        .unwrap()
        .trim()
        .to_owned();
    let http = reqwest::Client::new();
    let next = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (http, tokens, next, failed, url, proposal) = (
            http.clone(),
            tokens.clone(),
            next.clone(),
            failed.clone(),
            url.to_owned(),
            proposal.clone(),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(token) = tokens.get(i) else { break };
                let choice = ["yes", "no", "abstain"][i % 3];
                let answer: Value = http
                    .post(&url)
                    .bearer_auth(token)
                    .json(&json!({ "query": "mutation($p: ID!, $c: String!) { castBallot(input: { proposalId: $p, ballot: { choice: $c } }) { changed } }", "variables": { "p": proposal, "c": choice } }))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                if !answer["errors"].is_null() {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "{} ballots cast by {CLIENTS} clients in {elapsed:.1} s = {:.0} ballots/s ({} refused)",
        tokens.len(),
        tokens.len() as f64 / elapsed,
        failed.load(Ordering::Relaxed)
    );
    let query = |query: &'static str| {
        http.post(url)
            .bearer_auth(&tokens[0])
            .json(&json!({ "query": query, "variables": { "p": proposal } }))
            .send()
    };
    let live: Value = query("query($p: ID!) { proposal(id: $p) { participation { voted electorate } result { ballots } } }")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let live = &live["data"]["proposal"];
    println!(
        "counted afterwards: {} voted of {}, {} ballots in the live count (taken in steps)",
        live["participation"]["voted"],
        live["participation"]["electorate"],
        live["result"]["ballots"]
    );
    assert_eq!(live["participation"]["voted"], tokens.len());
    let started = Instant::now();
    let closed: Value = query("mutation($p: ID!) { closeProposal(id: $p) { result { ballots } } }")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    println!(
        "closing it (opening its box of {} ballots): {} ms",
        closed["data"]["closeProposal"]["result"]["ballots"],
        started.elapsed().as_millis()
    );
    assert_eq!(
        closed["data"]["closeProposal"]["result"]["ballots"],
        tokens.len()
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["seed", url, out] => seed(url, std::path::Path::new(out)).await,
        ["cast", url, out] => cast(url, std::path::Path::new(out)).await,
        _ => {
            eprintln!(
                "usage: ballots_load seed <database-url> <out-dir> | cast <graphql-url> <out-dir>"
            );
            std::process::exit(2);
        }
    }
}
