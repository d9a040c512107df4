//! The forum under load, against a real server on this machine:
//!
//! 1. 32 concurrent members post 10,000 replies into one thread, each
//!    answering an earlier post, so the tree grows to depth 30 (replies/s);
//! 2. one client reads pages of 50 posts with rendered HTML through
//!    `POST /graphql`, one request at a time (median and p99 latency);
//! 3. 32 clients read pages for 10 seconds (requests/s, median, p99).
//!
//! `cargo run --release -p plenum-tests --example forum_load` (SQLite in a
//! temporary folder), or with `-- postgres://postgres@127.0.0.1:5432/test`
//! (a fresh database is created there and dropped afterwards). `PLENUM_*`
//! variables apply, e.g. `PLENUM_DATABASE__SQLITE_SYNCHRONOUS=normal`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tokio::sync::Mutex;

/// The allocator the `plenum` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CLIENTS: usize = 32;
const POSTS: usize = 10_000;
const MAX_DEPTH: i64 = 30;

struct Client {
    http: reqwest::Client,
    url: String,
}

impl Client {
    async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .http
            .post(&self.url)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let answer: Value = request.send().await.unwrap().json().await.unwrap();
        assert!(answer["errors"].is_null(), "{answer}");
        answer["data"].clone()
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let postgres = std::env::args().nth(1);
    let dir = tempfile::tempdir().unwrap();
    let (url, cleanup) = match &postgres {
        Some(admin) => {
            let name = format!("plenum_load_{}", uuid::Uuid::new_v4().simple());
            let db = Database::connect(admin).await.unwrap();
            db.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .unwrap();
            let base = admin.rsplit_once('/').unwrap().0;
            (format!("{base}/{name}"), Some((admin.clone(), name)))
        }
        None => (
            format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("plenum.db").display()
            ),
            None,
        ),
    };
    // PLENUM_* variables apply (e.g. PLENUM_DATABASE__SQLITE_SYNCHRONOUS=normal).
    let mut settings = plenum::Settings::load(None).unwrap();
    settings.server.bind = "127.0.0.1:0".into();
    settings.database.url = plenum::config::Secret::new(&url);
    settings.database.max_connections = 16;
    settings.log.filter = "warn".into();
    // Registration speed is not measured here.
    settings.accounts.argon2_memory_kib = 64;
    settings.accounts.argon2_iterations = 1;
    let app = plenum::Application::build(settings).await.unwrap();
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    let client = Arc::new(Client {
        http: reqwest::Client::new(),
        url: format!("http://127.0.0.1:{port}/graphql"),
    });
    let backend = if postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!("forum load run on {backend}, {CLIENTS} clients");

    // An open organisation, a space for supporters, 32 members.
    let register = "mutation($e: String!) { register(input: { email: $e, password: \"a long passphrase\", displayName: \"Membre\" }) { token } }";
    let admin = client
        .gql(None, register, json!({ "e": "admin@exemple.fr" }))
        .await["register"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let org = client
        .gql(Some(&admin), "mutation { createOrganisation(input: { slug: \"charge\", name: \"Charge\", registrationMode: OPEN }) { id } }", json!({}))
        .await["createOrganisation"]["id"]
        .clone();
    let space = client
        .gql(Some(&admin), "mutation($o: ID!) { createCategory(input: { organisationId: $o, slug: \"debat\", name: \"Débat\", visibility: SUPPORTERS, threadRight: SUPPORTERS, replyRight: SUPPORTERS }) { id } }", json!({ "o": org }))
        .await["createCategory"]["id"]
        .clone();
    let mut tokens = Vec::new();
    for i in 0..CLIENTS {
        let token = client
            .gql(None, register, json!({ "e": format!("m{i}@exemple.fr") }))
            .await["register"]["token"]
            .as_str()
            .unwrap()
            .to_owned();
        client
            .gql(
                Some(&token),
                "mutation($o: ID!) { requestToJoin(organisationId: $o) { membership { id } } }",
                json!({ "o": org }),
            )
            .await;
        tokens.push(token);
    }
    let started = client
        .gql(Some(&admin), "mutation($c: ID!) { startThread(input: { categoryId: $c, title: \"Le grand débat\", body: \"Ouverture du débat.\" }) { thread { id } post { id } } }", json!({ "c": space }))
        .await;
    let thread = started["startThread"]["thread"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let root = started["startThread"]["post"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // 1. Replies.
    let posts: Arc<Mutex<Vec<(String, i64)>>> = Arc::new(Mutex::new(vec![(root, 0)]));
    let remaining = Arc::new(AtomicUsize::new(POSTS - 1));
    let body = "Je **partage** cet avis, avec une réserve sur le calendrier : voir https://exemple.fr/calendrier et le compte-rendu de la dernière AG.";
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (n, token) in tokens.iter().cloned().enumerate() {
        let (client, posts, remaining, thread) = (
            client.clone(),
            posts.clone(),
            remaining.clone(),
            thread.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut seed = n as u64 + 1;
            let mut last: Option<(String, i64)> = None;
            while remaining.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |r| r.checked_sub(1)).is_ok() {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                // Mostly continue one's own branch (so the tree grows deep), sometimes answer anyone.
                let parent = match &last {
                    Some((id, depth)) if *depth < MAX_DEPTH && seed % 10 < 8 => (id.clone(), *depth),
                    _ => {
                        let all = posts.lock().await;
                        let (id, depth) = &all[(seed >> 33) as usize % all.len()];
                        if *depth < MAX_DEPTH { (id.clone(), *depth) } else { all[0].clone() }
                    }
                };
                let reply = client
                    .gql(Some(&token), "mutation($t: ID!, $p: ID!, $b: String!) { reply(threadId: $t, parentId: $p, body: $b) { id depth } }", json!({ "t": thread, "p": parent.0, "b": body }))
                    .await;
                let created = (reply["reply"]["id"].as_str().unwrap().to_owned(), reply["reply"]["depth"].as_i64().unwrap());
                posts.lock().await.push(created.clone());
                last = Some(created);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = start.elapsed();
    let deepest = posts.lock().await.iter().map(|p| p.1).max().unwrap_or(0);
    println!(
        "replies: {} in {:.1} s = {:.0} replies/s (deepest reply: depth {deepest})",
        POSTS - 1,
        elapsed.as_secs_f64(),
        (POSTS - 1) as f64 / elapsed.as_secs_f64()
    );

    // 2 and 3. Pages of 50 posts.
    let page = "query($t: ID!, $after: String) { thread(id: $t) { posts(first: 50, after: $after) { nodes { number depth parentId bodyHtml author { displayName } } } } }";
    let cursor =
        |n: u64| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("posts:{n}"));
    let mut latencies = Vec::new();
    for i in 0..1000u64 {
        let after = cursor((i * 97) % (POSTS as u64 - 50));
        let t = Instant::now();
        let data = client
            .gql(
                Some(&tokens[0]),
                page,
                json!({ "t": thread, "after": after }),
            )
            .await;
        latencies.push(t.elapsed());
        assert_eq!(
            data["thread"]["posts"]["nodes"].as_array().unwrap().len(),
            50
        );
    }
    latencies.sort();
    println!(
        "page of 50 posts, one client: median {}, p99 {}",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99))
    );

    let deadline = Instant::now() + Duration::from_secs(10);
    let mut tasks = Vec::new();
    for (n, token) in tokens.iter().cloned().enumerate() {
        let (client, thread) = (client.clone(), thread.clone());
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            let mut i = n as u64;
            while Instant::now() < deadline {
                let after = cursor((i * 97) % (POSTS as u64 - 50));
                let t = Instant::now();
                client
                    .gql(Some(&token), page, json!({ "t": thread, "after": after }))
                    .await;
                mine.push(t.elapsed());
                i += CLIENTS as u64;
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all.sort();
    println!(
        "page of 50 posts, {CLIENTS} clients for 10 s: {:.0} requests/s, median {}, p99 {}",
        all.len() as f64 / 10.0,
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.99))
    );

    if let Some((admin_url, name)) = cleanup {
        let db = Database::connect(&admin_url).await.unwrap();
        db.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await
            .unwrap();
    }
}
