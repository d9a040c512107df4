//! Seeds a running Plenum server for the forum's load run (`forum_load.sh`
//! starts the server, runs this, then measures with wrk):
//!
//! 1. an open organisation, a space for supporters and 32 members;
//! 2. one thread that 32 concurrent members grow to 10,000 posts, each reply
//!    answering an earlier post, so the tree reaches depth 30;
//! 3. in `<out-dir>`: `tokens.txt` (one bearer token per line), `pages.txt`
//!    (1,000 GraphQL bodies, each reading a page of 50 posts with rendered HTML
//!    from a different place in the thread) and `replies.txt` (1,000 bodies,
//!    each replying to a random post of the tree).
//!
//! `cargo run --release -p plenum-tests --example forum_load -- <graphql-url> <out-dir>`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use base64::Engine;
use serde_json::{Value, json};
use tokio::sync::Mutex;

const CLIENTS: usize = 32;
const POSTS: usize = 10_000;
const MAX_DEPTH: i64 = 30;
const BODIES: u64 = 1_000;

const PAGE: &str = "query($t: ID!, $after: String) { thread(id: $t) { posts(first: 50, after: $after) { nodes { number depth parentId bodyHtml author { displayName } } } } }";
const REPLY: &str = "mutation($t: ID!, $p: ID!, $b: String!) { reply(threadId: $t, parentId: $p, body: $b) { id depth } }";
const BODY: &str = "Je **partage** cet avis, avec une réserve sur le calendrier : voir https://exemple.fr/calendrier et le compte-rendu de la dernière AG.";

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

/// A small deterministic generator, so that two runs seed the same tree shape.
fn next(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *seed >> 33
}

fn write_lines(path: std::path::PathBuf, lines: impl IntoIterator<Item = String>) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for line in lines {
        writeln!(file, "{line}").unwrap();
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(out)) = (args.next(), args.next()) else {
        eprintln!("usage: forum_load <graphql-url> <out-dir>");
        std::process::exit(2);
    };
    let out = std::path::PathBuf::from(out);
    let client = Arc::new(Client {
        http: reqwest::Client::new(),
        url,
    });

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

    let posts: Arc<Mutex<Vec<(String, i64)>>> = Arc::new(Mutex::new(vec![(root, 0)]));
    let remaining = Arc::new(AtomicUsize::new(POSTS - 1));
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
            while remaining
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |r| r.checked_sub(1))
                .is_ok()
            {
                let roll = next(&mut seed);
                // Mostly continue one's own branch (so the tree grows deep), sometimes answer anyone.
                let parent = match &last {
                    Some((id, depth)) if *depth < MAX_DEPTH && roll % 10 < 8 => id.clone(),
                    _ => {
                        let all = posts.lock().await;
                        let (id, depth) = &all[roll as usize % all.len()];
                        if *depth < MAX_DEPTH { id } else { &all[0].0 }.clone()
                    }
                };
                let reply = client
                    .gql(
                        Some(&token),
                        REPLY,
                        json!({ "t": thread, "p": parent, "b": BODY }),
                    )
                    .await;
                let created = (
                    reply["reply"]["id"].as_str().unwrap().to_owned(),
                    reply["reply"]["depth"].as_i64().unwrap(),
                );
                posts.lock().await.push(created.clone());
                last = Some(created);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let posts = posts.lock().await;
    let deepest = posts.iter().map(|p| p.1).max().unwrap_or(0);
    println!(
        "seeded {POSTS} posts in {:.1} s (deepest reply: depth {deepest})",
        start.elapsed().as_secs_f64()
    );

    // The measured runs must not share the machine with indexing the seed:
    // wait until search finds every reply.
    let start = Instant::now();
    loop {
        let found = client
            .gql(
                Some(&tokens[0]),
                "query($o: ID!) { search(query: \"partage\", organisationId: $o, first: 1) { total } }",
                json!({ "o": org }),
            )
            .await["search"]["total"]
            .as_u64()
            .unwrap_or(0);
        if found >= POSTS as u64 - 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    println!(
        "search caught up {:.1} s later",
        start.elapsed().as_secs_f64()
    );

    let cursor =
        |n: u64| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("posts:{n}"));
    let page = |n: u64| json!({ "query": PAGE, "variables": { "t": thread, "after": cursor(n) } });
    // Every page body must really answer 50 posts.
    let check = client
        .gql(
            Some(&tokens[0]),
            PAGE,
            page(POSTS as u64 - 51)["variables"].clone(),
        )
        .await;
    assert_eq!(
        check["thread"]["posts"]["nodes"].as_array().unwrap().len(),
        50
    );
    let mut seed = 7;
    write_lines(out.join("tokens.txt"), tokens.iter().cloned());
    write_lines(
        out.join("pages.txt"),
        (0..BODIES).map(|i| page((i * 97) % (POSTS as u64 - 50)).to_string()),
    );
    let open: Vec<&String> = posts
        .iter()
        .filter(|p| p.1 < MAX_DEPTH)
        .map(|p| &p.0)
        .collect();
    write_lines(
        out.join("replies.txt"),
        (0..BODIES).map(|_| {
            let parent = open[next(&mut seed) as usize % open.len()];
            json!({ "query": REPLY, "variables": { "t": thread, "p": parent, "b": BODY } })
                .to_string()
        }),
    );
}
