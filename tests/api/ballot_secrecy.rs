//! Ballot secrecy, tested by an administrator who wants to know who voted
//! what.
//!
//! The administrator watches a secret vote happen: they know in which order
//! the voters came (the server's clock, a log, a colleague in the room) and,
//! for the sake of the test, what each voter put in their ballot — every
//! ballot here is recognisable (majority judgment over four options, each
//! voter with grades no one else gives). After closing they dump the
//! database: system columns, dead row versions, the SQLite file and its
//! write-ahead log, timestamps, the outbox, the published ballot file. If
//! any of these kept the casting order, they could pair each ballot with its
//! voter. Each channel is asked for the order it holds, and compared with
//! the casting order by Spearman's rank correlation: a random shuffle stays
//! within four standard deviations of zero but for once in some 16,000 runs,
//! and a channel that keeps the order (or its reverse) gives ±1. Channels
//! that would pair exactly (a shared transaction id) must pair nothing.
//!
//! Some channels exist on one backend only; on the other, their test checks
//! nothing and says so.

use std::collections::{HashMap, HashSet};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QueryResult, Statement,
};
use serde_json::{Value, json};

use crate::helpers::{Newcomer, TestApp, data, error_code, spawn_app_with, test_settings};

const CREATE: &str =
    "mutation($input: CreateProposalInput!) { createProposal(input: $input) { id } }";
const CAST: &str =
    "mutation($input: CastBallotInput!) { castBallot(input: $input) { receipt changed } }";
const CLOSE: &str = "mutation($id: ID!) { closeProposal(id: $id) { status } }";
const CHECK: &str = "query($id: ID!, $r: String!) { proposal(id: $id) { ballotCheck(receipt: $r) { tracker choice round inBallotFile } } }";
const BALLOT_FILE: &str = "query($id: ID!) { proposal(id: $id) { ballotFile } }";
const RESULT: &str = "query($id: ID!) { proposal(id: $id) { result { ballots outcome } } }";
const GIVE: &str = "mutation($input: GiveProxyInput!) { giveProxy(input: $input) { id } }";
const REVOKE: &str = "mutation($id: ID!) { revokeProxy(id: $id) { revokedAt } }";

/// How many voters the administrator watches.
const VOTERS: usize = 35;

/// An organisation whose members vote; `voters[0]` is its administrator.
struct Assembly {
    app: TestApp,
    org: String,
    /// Session tokens, in the order the tests have them vote.
    voters: Vec<String>,
}

async fn assembly(people: usize) -> Assembly {
    let app = spawn_app_with(|settings| {
        // Everyone registers from 127.0.0.1 here.
        settings.accounts.registrations_per_address = 1000;
    })
    .await;
    let admin = app.register("camille@exemple.fr", "Camille Martin").await;
    let org = app.create_organisation(&admin, "ag", "INVITATION").await;
    // Invited all at once (distinct names: two registrations at once with
    // the same name race for its handle).
    let people: Vec<(String, String)> = (1..people)
        .map(|i| (format!("membre{i:02}@exemple.fr"), format!("Membre {i:02}")))
        .collect();
    let joined = futures_util::future::join_all(
        people
            .iter()
            .map(|(email, name)| app.add_member(&admin, &org, Newcomer::new(email, name))),
    )
    .await;
    let mut voters = vec![admin];
    voters.extend(joined.into_iter().map(|(token, _)| token));
    Assembly { app, org, voters }
}

fn in_days(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339()
}

fn is_ok(response: &Value) -> bool {
    response.get("errors").is_none_or(Value::is_null)
}

impl Assembly {
    fn db(&self) -> &DatabaseConnection {
        &self.app.state.db
    }

    fn postgres(&self) -> bool {
        self.db().get_database_backend() == DbBackend::Postgres
    }

    /// Opens a vote (closing in a week) with `extra` input fields; gives its id.
    async fn propose(&self, extra: Value) -> String {
        let mut input = json!({
            "organisationId": self.org,
            "title": "Le nom de la coopérative",
            "method": "majority_judgment",
            "options": ["Les Tisserands", "La Ruche", "Le Grenier", "L'Atelier"],
            "secret": true,
            "closesAt": in_days(7),
        });
        for (key, value) in extra.as_object().unwrap() {
            input[key] = value.clone();
        }
        let created = self
            .app
            .gql(Some(&self.voters[0]), CREATE, json!({ "input": input }))
            .await;
        data(&created)["createProposal"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Casts as `voter` with `extra` input fields (`ballot`, `receipt`…).
    async fn cast(&self, voter: usize, proposal: &str, extra: Value) -> Value {
        let mut input = json!({ "proposalId": proposal });
        for (key, value) in extra.as_object().unwrap() {
            input[key] = value.clone();
        }
        self.app
            .gql(Some(&self.voters[voter]), CAST, json!({ "input": input }))
            .await
    }

    async fn close(&self, proposal: &str) {
        let closed = self
            .app
            .gql(Some(&self.voters[0]), CLOSE, json!({ "id": proposal }))
            .await;
        assert_eq!(data(&closed)["closeProposal"]["status"], "CLOSED");
        // The sealed rows are dropped in the background, right after.
        self.app.state.forgetting.idle().await;
    }

    async fn check(&self, voter: usize, proposal: &str, receipt: &str) -> Value {
        self.app
            .gql(
                Some(&self.voters[voter]),
                CHECK,
                json!({ "id": proposal, "r": receipt }),
            )
            .await
    }

    async fn ballot_file(&self, proposal: &str) -> String {
        let read = self
            .app
            .gql(
                Some(&self.voters[0]),
                BALLOT_FILE,
                json!({ "id": proposal }),
            )
            .await;
        data(&read)["proposal"]["ballotFile"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn result(&self, proposal: &str) -> Value {
        let read = self
            .app
            .gql(Some(&self.voters[0]), RESULT, json!({ "id": proposal }))
            .await;
        data(&read)["proposal"]["result"].clone()
    }

    /// Runs raw SQL, as someone with a database console would.
    async fn sql(&self, sql: &str) -> Vec<QueryResult> {
        let db = self.db();
        db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// The account ids of the voters, in their order.
    async fn account_ids(&self) -> Vec<String> {
        let mut ids = Vec::with_capacity(self.voters.len());
        for token in &self.voters {
            ids.push(self.app.account_id(token).await);
        }
        ids
    }

    /// Every sealed envelope in a proposal's box right now.
    async fn envelopes(&self, proposal: &str) -> Vec<Vec<u8>> {
        let proposal: uuid::Uuid = proposal.parse().unwrap();
        plenum::entity::sealed_ballot::Entity::find()
            .filter(plenum::entity::sealed_ballot::Column::ProposalId.eq(proposal))
            .all(self.db())
            .await
            .unwrap()
            .into_iter()
            .map(|row| row.envelope)
            .collect()
    }
}

/// A ballot no other voter gives: four grades from 0 to 6, the base-7
/// digits of `n`.
fn grades(n: usize) -> Value {
    assert!(n < 7usize.pow(4));
    json!({ "grades": [n / 343 % 7, n / 49 % 7, n / 7 % 7, n % 7] })
}

/// A ballot as the server stores and prints it (`{"grades":[…]`, no
/// spaces), found alone or with its tracker, which a ballot file's line
/// carries last, before the closing brace.
fn compact(ballot: &Value) -> String {
    let text = ballot.to_string();
    text.strip_suffix('}').unwrap_or(&text).to_owned()
}

/// A secret vote the administrator watched, still open.
struct Watched {
    id: String,
    /// Each voter's ballot as counted, in the order they first voted.
    ballots: Vec<Value>,
    /// Receipts, in the same order.
    receipts: Vec<String>,
    /// The voters who changed their ballot with their receipt, and what
    /// they had first put in it.
    changed: Vec<(usize, Value)>,
    /// Every envelope the box held while open, replaced ones included.
    envelopes: HashSet<Vec<u8>>,
    /// The casting, from its first ballot to its last change (Unix seconds).
    window: (f64, f64),
}

impl Watched {
    /// Which voter's ballot this is (its tracker, if any, left aside).
    fn voter_of(&self, ballot: &Value) -> usize {
        let mut ballot = ballot.clone();
        if let Some(fields) = ballot.as_object_mut() {
            fields.remove("tracker");
        }
        self.ballots
            .iter()
            .position(|b| *b == ballot)
            .unwrap_or_else(|| panic!("a ballot no one cast: {ballot}"))
    }
}

fn unix_now() -> f64 {
    chrono::Utc::now().timestamp_micros() as f64 / 1e6
}

/// Every voter of `a` votes on a new secret proposal, one after the other;
/// three of them then change their ballot with their receipt.
async fn watch_a_secret_vote(a: &Assembly) -> Watched {
    let id = a.propose(json!({})).await;
    let n = a.voters.len();
    let first: Vec<Value> = (0..n).map(|i| grades(i * 61)).collect();
    // Settled first, so that no delivery lands in the casting window.
    a.app.settle_outbox().await;
    let start = unix_now();
    let mut receipts = Vec::with_capacity(n);
    for (voter, ballot) in first.iter().enumerate() {
        let cast = a.cast(voter, &id, json!({ "ballot": ballot })).await;
        let cast = &data(&cast)["castBallot"];
        assert_eq!(cast["changed"], false);
        receipts.push(cast["receipt"].as_str().unwrap().to_owned());
    }
    let mut envelopes: HashSet<Vec<u8>> = a.envelopes(&id).await.into_iter().collect();
    assert_eq!(envelopes.len(), n, "one sealed ballot per voter");
    let mut ballots = first.clone();
    let mut changed = Vec::new();
    for voter in [n / 10, n / 2, n * 4 / 5] {
        ballots[voter] = grades(voter * 61 + 30);
        let cast = a
            .cast(
                voter,
                &id,
                json!({ "ballot": ballots[voter], "receipt": receipts[voter] }),
            )
            .await;
        assert_eq!(data(&cast)["castBallot"]["changed"], true);
        changed.push((voter, first[voter].clone()));
    }
    let end = unix_now();
    envelopes.extend(a.envelopes(&id).await);
    assert_eq!(envelopes.len(), n + changed.len(), "fresh envelopes");
    let distinct: HashSet<String> = ballots.iter().chain(first.iter()).map(compact).collect();
    assert_eq!(distinct.len(), n + changed.len(), "recognisable ballots");
    Watched {
        id,
        ballots,
        receipts,
        changed,
        envelopes,
        window: (start, end),
    }
}

/// Spearman's rank correlation between the order in which the ballots were
/// cast and the order in which a channel gives them: `found[k]` is the
/// casting rank of the `k`-th ballot found.
fn spearman(found: &[usize]) -> f64 {
    let n = found.len() as f64;
    let mut by_casting: Vec<usize> = (0..found.len()).collect();
    by_casting.sort_by_key(|&k| found[k]);
    let mut squares = 0.0;
    for (rank, &k) in by_casting.iter().enumerate() {
        squares += (rank as f64 - k as f64).powi(2);
    }
    1.0 - 6.0 * squares / (n * (n * n - 1.0))
}

/// Fails when a channel's order of the ballots follows the casting order
/// (or its reverse) further than a random shuffle does but for once in
/// some 16,000 runs: four standard deviations, 1/√(n−1) each.
fn assert_no_casting_order(channel: &str, found: &[usize]) {
    let n = found.len();
    assert!(n >= 20, "{channel}: too few ballots ({n}) to tell an order");
    let mut seen = found.to_vec();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), n, "{channel}: each ballot once: {found:?}");
    let rho = spearman(found);
    let bound = 4.0 / ((n - 1) as f64).sqrt();
    eprintln!("{channel}: rho {rho:+.3} over {n} ballots (bound {bound:.3})");
    assert!(
        rho.abs() <= bound,
        "{channel} keeps the casting order: Spearman's rho {rho:.3} (|rho| > {bound:.3}); ballots found in the order of voters {found:?}"
    );
}

#[test]
fn the_order_statistic_sees_an_order_and_not_a_shuffle() {
    let kept: Vec<usize> = (0..VOTERS).collect();
    assert!((spearman(&kept) - 1.0).abs() < 1e-9);
    let reversed: Vec<usize> = (0..VOTERS).rev().collect();
    assert!((spearman(&reversed) + 1.0).abs() < 1e-9);
    // Pages of ten kept in order, shuffled within: still an order.
    let paged: Vec<usize> = (0..30).map(|k| k / 10 * 10 + (9 - k % 10)).collect();
    assert!(spearman(&paged) > 0.7, "{}", spearman(&paged));
    // A fixed interleaving that keeps nothing of the order.
    let mixed: Vec<usize> = (0..VOTERS).map(|k| k * 11 % VOTERS).collect();
    assert!(spearman(&mixed).abs() < 0.3, "{}", spearman(&mixed));
}

#[tokio::test]
async fn a_dump_after_closing_cannot_pair_ballots_with_voters_by_system_columns() {
    let a = assembly(VOTERS).await;
    let vote = watch_a_secret_vote(&a).await;
    let proposal: uuid::Uuid = vote.id.parse().unwrap();
    a.close(&vote.id).await;

    // Exactly the ballots of those who voted, each once, and no envelope left.
    let parts = plenum::entity::secret_ballot_part::Entity::find()
        .filter(plenum::entity::secret_ballot_part::Column::ProposalId.eq(proposal))
        .order_by_asc(plenum::entity::secret_ballot_part::Column::Part)
        .all(a.db())
        .await
        .unwrap();
    let sealed = plenum::entity::sealed_ballot::Entity::find()
        .filter(plenum::entity::sealed_ballot::Column::ProposalId.eq(proposal))
        .all(a.db())
        .await
        .unwrap();
    assert!(sealed.is_empty(), "{sealed:?}");
    // The opened box as stored: the ballot file's lines, in parts.
    let found: Vec<usize> = parts
        .iter()
        .flat_map(|part| part.ballots.lines())
        .map(|line| vote.voter_of(&serde_json::from_str(line).unwrap()))
        .collect();
    assert_eq!(found.len(), VOTERS);
    assert_no_casting_order("the opened box as stored", &found);

    // The published ballot file, line by line.
    let file = a.ballot_file(&vote.id).await;
    let found: Vec<usize> = file
        .lines()
        .skip(1)
        .map(|line| vote.voter_of(&serde_json::from_str(line).unwrap()))
        .collect();
    assert_eq!(found.len(), VOTERS);
    assert_no_casting_order("the ballot file", &found);

    if !a.postgres() {
        eprintln!("system columns: PostgreSQL only (SQLite has no xmin, and no ctid)");
        return;
    }
    // A voter's participation was written in the transaction of their
    // ballot: `elector.xmin` is that transaction's id.
    let electors: HashSet<String> = a
        .sql(&format!(
            "SELECT xmin::text AS x FROM elector WHERE proposal_id = '{proposal}' AND voted"
        ))
        .await
        .iter()
        .map(|row| row.try_get::<String>("", "x").unwrap())
        .collect();
    assert_eq!(
        electors.len(),
        VOTERS,
        "each voter in their own transaction"
    );
    // The opened box has no row per ballot: its parts were all written by
    // the one transaction that opened it.
    let xmins: HashSet<String> = a
        .sql(&format!(
            "SELECT xmin::text AS x FROM secret_ballot_part WHERE proposal_id = '{proposal}'"
        ))
        .await
        .iter()
        .map(|row| row.try_get::<String>("", "x").unwrap())
        .collect();
    assert_eq!(xmins.len(), 1, "all parts written by one transaction");
    assert!(
        xmins.is_disjoint(&electors),
        "the opened box shares a transaction id with a voter's participation"
    );
}

/// The pages of a table as stored, each with its tuples' `t_xmin` (null
/// for a line pointer that holds no tuple) and its raw bytes.
async fn pages_of(a: &Assembly, table: &str) -> Vec<(Vec<Option<String>>, Vec<u8>)> {
    let size = a
        .sql(&format!(
            "SELECT (pg_relation_size('{table}') / current_setting('block_size')::bigint)::bigint AS n"
        ))
        .await;
    let pages: i64 = size[0].try_get("", "n").unwrap();
    let mut out = Vec::new();
    for page in 0..pages {
        let items = a
            .sql(&format!(
                "SELECT t_xmin::text AS x FROM heap_page_items(get_raw_page('{table}', {page}))"
            ))
            .await
            .iter()
            .map(|row| row.try_get::<Option<String>>("", "x").unwrap())
            .collect();
        let raw = a
            .sql(&format!("SELECT get_raw_page('{table}', {page}) AS p"))
            .await;
        out.push((items, raw[0].try_get::<Vec<u8>>("", "p").unwrap()));
    }
    out
}

/// Where `needle` occurs in `haystack`.
fn offsets(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return Vec::new();
    }
    let first = needle[0];
    (0..=haystack.len() - needle.len())
        .filter(|&at| haystack[at] == first && &haystack[at..at + needle.len()] == needle)
        .collect()
}

/// The envelopes that still appear in `bytes`, found by their first 32
/// bytes (the random nonce, and the ciphertext's start).
fn envelopes_in(bytes: &[u8], envelopes: &HashSet<Vec<u8>>) -> Vec<Vec<u8>> {
    let prefixes: HashSet<&[u8]> = envelopes.iter().map(|e| &e[..32]).collect();
    let mut found: Vec<Vec<u8>> = bytes
        .windows(32)
        .filter(|w| prefixes.contains(w))
        .map(<[u8]>::to_vec)
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

#[tokio::test]
async fn closing_drops_every_version_of_the_sealed_box() {
    let a = assembly(VOTERS).await;
    if !a.postgres() {
        eprintln!("dead row versions: PostgreSQL only (SQLite's are covered by secure_delete)");
        return;
    }
    a.sql("CREATE EXTENSION IF NOT EXISTS pageinspect").await;
    // A second secret vote stays open while the first closes: its sealed
    // ballots keep the table's pages alive (no truncation to hide behind).
    let other = a.propose(json!({ "title": "Le jour de l'AG" })).await;
    for voter in 0..VOTERS / 2 {
        data(
            &a.cast(voter, &other, json!({ "ballot": grades(2000 + voter) }))
                .await,
        );
    }
    let vote = watch_a_secret_vote(&a).await;
    let others: HashSet<Vec<u8>> = a.envelopes(&other).await.into_iter().collect();
    assert_eq!(others.len(), VOTERS / 2);
    // Each voter's participation, by the id of the transaction that wrote
    // it with their ballot.
    let accounts = a.account_ids().await;
    let voter_of_xid: HashMap<String, usize> = a
        .sql(&format!(
            "SELECT xmin::text AS x, account_id::text AS a FROM elector WHERE proposal_id = '{}' AND voted",
            vote.id
        ))
        .await
        .iter()
        .map(|row| {
            let account: String = row.try_get("", "a").unwrap();
            let voter = accounts.iter().position(|a| *a == account).unwrap();
            (row.try_get("", "x").unwrap(), voter)
        })
        .collect();
    assert_eq!(voter_of_xid.len(), VOTERS);
    let electors: HashSet<String> = voter_of_xid.keys().cloned().collect();
    // While open, the sealed rows carry their voters' transaction ids:
    // the pairing the box must forget. Each vote's box is a partition.
    let partition = format!("sealed_ballot_{}", vote.id.replace('-', ""));
    let before: Vec<String> = pages_of(&a, &partition)
        .await
        .into_iter()
        .flat_map(|(items, _)| items.into_iter().flatten())
        .collect();
    assert!(before.iter().any(|x| electors.contains(x)), "{before:?}");
    let raw: Vec<u8> = pages_of(&a, &partition)
        .await
        .into_iter()
        .flat_map(|(_, raw)| raw)
        .collect();
    assert!(!envelopes_in(&raw, &vote.envelopes).is_empty());

    let other_partition = format!("sealed_ballot_{}", other.replace('-', ""));

    a.close(&vote.id).await;
    // The closed vote's partition is dropped with its files before closing
    // answers: no page of it is left to read, live or dead.
    let left = a
        .sql(&format!(
            "SELECT c.relname::text AS r FROM pg_class c WHERE c.relname = '{partition}'"
        ))
        .await;
    assert!(left.is_empty(), "the closed vote's box is still a table");
    // Every envelope left in the database is the other vote's, in its own
    // partition, untouched.
    for table in a
        .sql("SELECT c.relname::text AS r FROM pg_class c WHERE c.relkind = 'r' AND c.relname LIKE 'sealed_ballot%'")
        .await
        .iter()
        .map(|row| row.try_get::<String>("", "r").unwrap())
    {
        assert_eq!(table, other_partition);
        let raw: Vec<u8> = pages_of(&a, &table)
            .await
            .into_iter()
            .flat_map(|(_, raw)| raw)
            .collect();
        assert!(
            envelopes_in(&raw, &vote.envelopes).is_empty(),
            "an envelope of the closed vote in {table}"
        );
    }
    // The opened box: one transaction, no other version of any row.
    let mut counted = HashSet::new();
    for (items, _) in pages_of(&a, "secret_ballot_part").await {
        counted.extend(items.into_iter().flatten());
    }
    assert_eq!(counted.len(), 1, "{counted:?}");
    assert!(counted.is_disjoint(&electors));
}

#[tokio::test]
async fn the_sqlite_file_keeps_no_casting_order_and_no_sealed_envelope() {
    let a = assembly(VOTERS).await;
    if a.postgres() {
        eprintln!("the database file: SQLite only (PostgreSQL's pages are read by pageinspect)");
        return;
    }
    let vote = watch_a_secret_vote(&a).await;
    let path = a
        .app
        .database_url
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let wal_path = format!("{path}-wal");
    // While open, the write-ahead log holds the envelopes as cast.
    let wal = std::fs::read(&wal_path).unwrap_or_default();
    let file = std::fs::read(&path).unwrap();
    assert!(
        !envelopes_in(&wal, &vote.envelopes).is_empty()
            || !envelopes_in(&file, &vote.envelopes).is_empty(),
        "the envelopes are somewhere while the vote is open"
    );
    let casting = Wal::read(&wal).expect("the casting went through the write-ahead log");

    a.close(&vote.id).await;
    let wal = std::fs::read(&wal_path).unwrap_or_default();
    let file = std::fs::read(&path).unwrap();
    assert_eq!(
        envelopes_in(&wal, &vote.envelopes),
        Vec::<Vec<u8>>::new(),
        "envelopes left in the write-ahead log ({} bytes)",
        wal.len()
    );
    assert_eq!(
        envelopes_in(&file, &vote.envelopes),
        Vec::<Vec<u8>>::new(),
        "envelopes left in the database file"
    );
    // The log was truncated when the box was opened. Empty, unless the
    // server wrote something since (the outbox marks the closing's search
    // indexing done): then a log begun afresh, no frame of the casting left
    // behind its new end (as a restart without truncation would leave them),
    // and no ballot in it.
    if let Some(after) = Wal::read(&wal) {
        assert_ne!(after.salts, casting.salts, "the log was begun afresh");
        assert!(
            after.frames.iter().all(|frame| frame.salts == after.salts),
            "frames of the casting left in the log: {:?}",
            after.frames
        );
        for ballot in &vote.ballots {
            assert!(offsets(&wal, compact(ballot).as_bytes()).is_empty());
        }
        eprintln!(
            "the write-ahead log after closing: {} bytes, pages {:?}",
            wal.len(),
            after.frames.iter().map(|f| f.page).collect::<Vec<_>>()
        );
    }
    // Each counted ballot lies in the file once, where the shuffle put it.
    let mut placed = Vec::new();
    for (voter, ballot) in vote.ballots.iter().enumerate() {
        let at = offsets(&file, compact(ballot).as_bytes());
        assert_eq!(at.len(), 1, "voter {voter}'s ballot {ballot} at {at:?}");
        placed.push((at[0], voter));
    }
    for (voter, first) in &vote.changed {
        assert!(
            offsets(&file, compact(first).as_bytes()).is_empty(),
            "voter {voter}'s replaced ballot {first} was never stored in clear"
        );
    }
    placed.sort_unstable();
    let found: Vec<usize> = placed.iter().map(|&(_, voter)| voter).collect();
    assert_no_casting_order("the database file's byte order", &found);
}

/// What a SQLite write-ahead log's header and frame headers say
/// (<https://sqlite.org/fileformat.html#the_write_ahead_log>).
#[derive(Debug)]
struct Wal {
    /// The salts a log gets each time it is begun afresh.
    salts: [u8; 8],
    frames: Vec<Frame>,
}

#[derive(Debug)]
struct Frame {
    page: u32,
    salts: [u8; 8],
}

impl Wal {
    /// None for an empty (or absent) log.
    fn read(bytes: &[u8]) -> Option<Wal> {
        if bytes.len() < 32 {
            return None;
        }
        let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
        let page_size = word(8) as usize;
        let salts: [u8; 8] = bytes[16..24].try_into().unwrap();
        let mut frames = Vec::new();
        let mut at = 32;
        while at + 24 + page_size <= bytes.len() {
            frames.push(Frame {
                page: word(at),
                salts: bytes[at + 8..at + 16].try_into().unwrap(),
            });
            at += 24 + page_size;
        }
        Some(Wal { salts, frames })
    }
}

/// Every time-typed column of every table, as `(table, column)`.
async fn time_columns(a: &Assembly) -> Vec<(String, String)> {
    let sql = if a.postgres() {
        "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns WHERE table_schema = current_schema() AND (data_type LIKE 'timestamp%' OR data_type = 'date')"
    } else {
        "SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND (lower(p.type) LIKE '%time%' OR lower(p.type) LIKE '%date%')"
    };
    a.sql(sql)
        .await
        .iter()
        .map(|row| (row.try_get("", "t").unwrap(), row.try_get("", "c").unwrap()))
        .collect()
}

/// The values of a time column, in Unix seconds.
async fn times(a: &Assembly, table: &str, column: &str) -> Vec<f64> {
    let sql = if a.postgres() {
        format!(
            "SELECT CAST(EXTRACT(EPOCH FROM \"{column}\") AS DOUBLE PRECISION) AS v FROM \"{table}\" WHERE \"{column}\" IS NOT NULL"
        )
    } else {
        format!(
            "SELECT (julianday(\"{column}\") - 2440587.5) * 86400.0 AS v FROM \"{table}\" WHERE \"{column}\" IS NOT NULL"
        )
    };
    a.sql(&sql)
        .await
        .iter()
        .map(|row| {
            row.try_get::<Option<f64>>("", "v")
                .unwrap()
                .unwrap_or_else(|| panic!("{table}.{column} holds a time SQL cannot read"))
        })
        .collect()
}

#[tokio::test]
async fn nothing_written_while_voting_carries_a_time_or_a_ballot() {
    let a = assembly(VOTERS).await;
    let vote = watch_a_secret_vote(&a).await;
    a.close(&vote.id).await;
    a.app.settle_outbox().await;

    // Sessions record the day they were used, not the time.
    let sessions = plenum::entity::auth_token::Entity::find()
        .all(a.db())
        .await
        .unwrap();
    let used: Vec<_> = sessions.iter().filter_map(|s| s.last_used_at).collect();
    assert!(used.len() >= VOTERS, "every voter's session was used");
    for used in used {
        assert_eq!(
            used.timestamp() % 86_400,
            0,
            "a session used at {used}, not the day"
        );
    }
    // The elector row, written with each ballot, has no time at all.
    let columns = time_columns(&a).await;
    assert!(!columns.is_empty(), "time columns are found");
    assert!(
        columns.iter().all(|(table, _)| table != "elector"),
        "{columns:?}"
    );
    // Nor does any other row written while the ballots came in carry a
    // time from then (midnight aside: a day orders no one).
    let (start, end) = vote.window;
    let mut stamped = Vec::new();
    let mut read = 0;
    for (table, column) in &columns {
        let values = times(&a, table, column).await;
        read += values.len();
        let during: Vec<f64> = values
            .into_iter()
            .filter(|&t| t >= start - 0.001 && t <= end + 0.001 && t.rem_euclid(86_400.0) != 0.0)
            .collect();
        if !during.is_empty() {
            stamped.push(format!("{table}.{column}: {} value(s)", during.len()));
        }
    }
    eprintln!("{} time columns, {read} times read", columns.len());
    assert!(
        stamped.is_empty(),
        "written while the ballots came in, with the time: {stamped:?}"
    );

    // The outbox names no ballot.
    let outbox = plenum::entity::outbox::Entity::find()
        .all(a.db())
        .await
        .unwrap();
    for message in &outbox {
        let payload = message.payload.to_string();
        assert!(!payload.contains("grades"), "{}: {payload}", message.topic);
        for ballot in &vote.ballots {
            assert!(!payload.contains(&compact(ballot)));
        }
    }
    // Nor does anything else the server keeps, but the opened box.
    if a.postgres() {
        let tables: Vec<String> = a
            .sql("SELECT table_name::text AS t FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")
            .await
            .iter()
            .map(|row| row.try_get("", "t").unwrap())
            .collect();
        for table in tables.iter().filter(|t| *t != "secret_ballot_part") {
            for row in a
                .sql(&format!(
                    "SELECT row_to_json(r)::text AS v FROM \"{table}\" r"
                ))
                .await
            {
                let text: String = row.try_get("", "v").unwrap();
                let text: String = text.split_whitespace().collect();
                let text = text.replace("\\\"", "\"");
                for ballot in &vote.ballots {
                    assert!(
                        !text.contains(&compact(ballot)),
                        "{table} holds the ballot {ballot}"
                    );
                }
            }
        }
    }
    for entry in walk(&a.app.state.settings.server.data_dir) {
        let bytes = std::fs::read(&entry).unwrap();
        for ballot in &vote.ballots {
            assert!(
                offsets(&bytes, compact(ballot).as_bytes()).is_empty(),
                "{} holds the ballot {ballot}",
                entry.display()
            );
        }
    }
}

/// The files under a folder.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[tokio::test]
async fn a_facilitator_watching_live_results_never_sees_a_single_ballot() {
    let a = assembly(21).await;
    let id = a.propose(json!({ "resultsVisibility": "ALWAYS" })).await;
    let mut receipts = Vec::new();
    let mut shown: Vec<Value> = Vec::new();
    for voter in 0..21 {
        let cast = a
            .cast(voter, &id, json!({ "ballot": grades(voter * 61) }))
            .await;
        receipts.push(
            data(&cast)["castBallot"]["receipt"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        shown.push(a.result(&id).await);
        if voter + 1 == 15 {
            // A changed ballot between snapshots moves nothing either.
            let changed = a
                .cast(
                    3,
                    &id,
                    json!({ "ballot": grades(2400), "receipt": receipts[3] }),
                )
                .await;
            assert_eq!(data(&changed)["castBallot"]["changed"], true);
            assert_eq!(a.result(&id).await, shown[voter]);
        }
    }
    let counts: Vec<u64> = shown
        .iter()
        .map(|result| result["ballots"].as_u64().unwrap())
        .collect();
    let expected: Vec<u64> = (1..=21).map(|cast| cast / 10 * 10).collect();
    assert_eq!(counts, expected, "the live count after each ballot");
    // Between snapshots, the figures themselves stay still.
    for cast in 1..shown.len() {
        if counts[cast] == counts[cast - 1] {
            assert_eq!(shown[cast], shown[cast - 1], "after ballot {}", cast + 1);
        }
    }
}

#[tokio::test]
async fn a_voter_checks_their_own_ballot_with_their_receipt_and_no_one_else_can() {
    let a = assembly(25).await;
    let vote = watch_a_secret_vote(&a).await;
    let other = a.propose(json!({ "title": "Le jour de l'AG" })).await;
    let elsewhere = a.cast(1, &other, json!({ "ballot": grades(2222) })).await;
    let elsewhere = data(&elsewhere)["castBallot"]["receipt"]
        .as_str()
        .unwrap()
        .to_owned();

    // While open: the ballot as it stands, sealed.
    let (changer, first) = vote.changed[0].clone();
    let mut trackers = Vec::new();
    for voter in [0, 1, changer] {
        let checked = a.check(voter, &vote.id, &vote.receipts[voter]).await;
        let checked = &data(&checked)["proposal"]["ballotCheck"];
        assert_eq!(checked["choice"], vote.ballots[voter]);
        assert_eq!(checked["inBallotFile"], false);
        assert_eq!(checked["round"], 1);
        assert_eq!(
            checked["tracker"],
            plenum::domain::ballot_box::tracker(&vote.receipts[voter])
        );
        trackers.push(checked["tracker"].as_str().unwrap().to_owned());
    }
    assert_ne!(vote.ballots[changer], first, "found as changed");
    // A forged receipt, and another vote's, open nothing.
    let genuine = &vote.receipts[0];
    let last = if genuine.ends_with('x') { 'y' } else { 'x' };
    let forged = format!("{}{last}", &genuine[..genuine.len() - 1]);
    for receipt in ["plm_r_forged", forged.as_str(), elsewhere.as_str()] {
        assert_eq!(
            error_code(&a.check(0, &vote.id, receipt).await),
            "FORBIDDEN",
            "{receipt}"
        );
    }

    a.close(&vote.id).await;
    let file = a.ballot_file(&vote.id).await;
    for (k, voter) in [0, 1, changer].into_iter().enumerate() {
        let checked = a.check(voter, &vote.id, &vote.receipts[voter]).await;
        let checked = &data(&checked)["proposal"]["ballotCheck"];
        assert_eq!(checked["inBallotFile"], true);
        assert_eq!(checked["tracker"], trackers[k].as_str(), "the same tracker");
        assert_eq!(checked["choice"], vote.ballots[voter]);
        let lines: Vec<&str> = file
            .lines()
            .filter(|line| line.contains(&trackers[k]))
            .collect();
        assert_eq!(lines.len(), 1, "{file}");
        let mut line: Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(line["tracker"], trackers[k].as_str());
        line.as_object_mut().unwrap().remove("tracker");
        assert_eq!(line, vote.ballots[voter]);
    }
    // Every ballot has its own tracker, and none is the receipt it comes from.
    let printed: HashSet<String> = file
        .lines()
        .skip(1)
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["tracker"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(printed.len(), a.voters.len());
    assert!(vote.receipts.iter().all(|r| !file.contains(r.as_str())));
    for receipt in ["plm_r_forged", elsewhere.as_str()] {
        assert_eq!(
            error_code(&a.check(0, &vote.id, receipt).await),
            "FORBIDDEN",
            "{receipt}"
        );
    }
}

#[tokio::test]
async fn a_process_with_another_ballot_box_key_refuses_to_start() {
    let a = assembly(2).await;
    let id = a.propose(json!({})).await;
    data(&a.cast(1, &id, json!({ "ballot": grades(100) })).await);
    // Another key, given in the settings or made in another data folder.
    for given in [true, false] {
        let folder = tempfile::tempdir().unwrap();
        let mut settings = test_settings(&a.app.database_url);
        settings.server.data_dir = folder.path().to_owned();
        if given {
            settings.ballots.key = plenum::config::Secret::new(
                plenum::domain::ballot_box::BoxKey::generate().to_text(),
            );
        }
        match plenum::Application::build(settings).await {
            Ok(_) => panic!("a process with another ballot-box key started (given: {given})"),
            Err(e) => {
                let message = format!("{e:#}");
                assert!(message.contains("ballot-box key"), "{message}");
            }
        }
    }
    // The deployment's own key starts, and the box still opens.
    let second = a.app.second_server().await;
    let closed = second
        .gql(Some(&a.voters[0]), CLOSE, json!({ "id": id }))
        .await;
    assert_eq!(data(&closed)["closeProposal"]["status"], "CLOSED");
    assert_eq!(a.result(&id).await["ballots"], 1);
}

/// The outcome of a revocation raced against a vote with the proxy.
fn race_outcome(cast: &Value, revoked: &Value) -> &'static str {
    match (is_ok(cast), is_ok(revoked)) {
        (true, false) if error_code(revoked) == "CONFLICT" => "vote first",
        (false, true) if error_code(cast) == "FORBIDDEN" => "revocation first",
        _ => panic!("a vote with a proxy and its revocation: {cast:#} {revoked:#}"),
    }
}

async fn participation(a: &Assembly, proposal: &str) -> u64 {
    let read = a
        .app
        .gql(
            Some(&a.voters[0]),
            "query($id: ID!) { proposal(id: $id) { participation { voted } } }",
            json!({ "id": proposal }),
        )
        .await;
    data(&read)["proposal"]["participation"]["voted"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn a_proxy_revoked_while_its_holder_votes_either_voted_or_was_revoked_never_both() {
    let a = assembly(3).await;
    let (giver, holder) = (1, 2);
    let giver_id = a.app.account_id(&a.voters[giver]).await;
    let holder_id = a.app.account_id(&a.voters[holder]).await;
    let mut tally: HashMap<(&str, &str), u32> = HashMap::new();
    for period in [true, false] {
        let mut proxy: Option<String> = None;
        for round in 0..20u64 {
            let id = a
                .propose(json!({ "secret": round % 2 == 0, "method": "majority", "options": [] }))
                .await;
            let given_for = if period { Value::Null } else { json!(id) };
            let given = match &proxy {
                Some(kept) if period => kept.clone(),
                _ => {
                    let given = a
                        .app
                        .gql(
                            Some(&a.voters[giver]),
                            GIVE,
                            json!({ "input": { "organisationId": a.org, "holderId": holder_id, "proposalId": given_for } }),
                        )
                        .await;
                    data(&given)["giveProxy"]["id"].as_str().unwrap().to_owned()
                }
            };
            let cast = a.cast(
                holder,
                &id,
                json!({ "ballot": { "choice": "yes" }, "forAccountId": giver_id }),
            );
            // Sent together; the revocation a little later each round
            // (a ballot waits for its batch), so that both orders happen.
            let revoke = async {
                for _ in 0..round {
                    tokio::task::yield_now().await;
                }
                a.app
                    .gql(Some(&a.voters[giver]), REVOKE, json!({ "id": given }))
                    .await
            };
            let (cast, revoked) = tokio::join!(cast, revoke);
            let outcome = race_outcome(&cast, &revoked);
            *tally
                .entry((if period { "period" } else { "one proposal" }, outcome))
                .or_default() += 1;
            let voted = participation(&a, &id).await;
            assert_eq!(voted, u64::from(outcome == "vote first"), "{outcome}");
            proxy = (outcome == "vote first").then_some(given);
            if let Some(kept) = &proxy {
                // Used on a vote still open: it stays.
                let again = a
                    .app
                    .gql(Some(&a.voters[giver]), REVOKE, json!({ "id": kept }))
                    .await;
                assert_eq!(error_code(&again), "CONFLICT");
            }
            a.close(&id).await;
        }
        if let Some(kept) = proxy.filter(|_| period) {
            // Its vote closed: the period proxy may go now.
            let revoked = a
                .app
                .gql(Some(&a.voters[giver]), REVOKE, json!({ "id": kept }))
                .await;
            assert!(!data(&revoked)["revokeProxy"]["revokedAt"].is_null());
        }
    }
    eprintln!("proxy races: {tally:?}");
}

#[tokio::test]
async fn a_period_proxy_used_on_an_open_vote_is_revoked_only_once_that_vote_closes() {
    let a = assembly(3).await;
    let (giver, holder) = (1, 2);
    let giver_id = a.app.account_id(&a.voters[giver]).await;
    let holder_id = a.app.account_id(&a.voters[holder]).await;
    let given = a
        .app
        .gql(
            Some(&a.voters[giver]),
            GIVE,
            json!({ "input": { "organisationId": a.org, "holderId": holder_id } }),
        )
        .await;
    let proxy = data(&given)["giveProxy"]["id"].as_str().unwrap().to_owned();
    let used = a.propose(json!({})).await;
    let unused = a.propose(json!({ "title": "Le jour de l'AG" })).await;
    let cast = a
        .cast(
            holder,
            &used,
            json!({ "ballot": grades(7), "forAccountId": giver_id }),
        )
        .await;
    assert!(data(&cast)["castBallot"]["receipt"].is_string());
    let refused = a
        .app
        .gql(Some(&a.voters[giver]), REVOKE, json!({ "id": proxy }))
        .await;
    assert_eq!(error_code(&refused), "CONFLICT");
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Le nom de la coopérative")),
        "{refused}"
    );
    a.close(&used).await;
    let revoked = a
        .app
        .gql(Some(&a.voters[giver]), REVOKE, json!({ "id": proxy }))
        .await;
    assert!(!data(&revoked)["revokeProxy"]["revokedAt"].is_null());
    // Revoked, it votes no more, and the giver votes themself.
    let late = a
        .cast(
            holder,
            &unused,
            json!({ "ballot": grades(8), "forAccountId": giver_id }),
        )
        .await;
    assert_eq!(error_code(&late), "FORBIDDEN");
    data(&a.cast(giver, &unused, json!({ "ballot": grades(9) })).await);
}

/// A consensus amended while secret: its first round's count stays hidden
/// until the vote closes (a round ended after one ballot would show it),
/// and its ballots, opened at the amendment, are still found by receipt.
#[tokio::test]
async fn an_amended_secret_round_is_counted_for_all_to_see_once_the_vote_closes() {
    let a = assembly(3).await;
    let id = a
        .propose(json!({ "method": "consensus", "options": [], "resultsVisibility": "ALWAYS" }))
        .await;
    let cast = a
        .cast(
            1,
            &id,
            json!({ "ballot": { "position": "object", "reason": "Pas ainsi." } }),
        )
        .await;
    let receipt = data(&cast)["castBallot"]["receipt"]
        .as_str()
        .unwrap()
        .to_owned();
    let rounds =
        "query($id: ID!) { proposal(id: $id) { round rounds { round result { ballots } } } }";
    let amended = a
        .app
        .gql(
            Some(&a.voters[0]),
            "mutation($p: ID!) { amendProposal(proposalId: $p, details: \"Autrement.\", reason: \"L'objection\") { round } }",
            json!({ "p": id }),
        )
        .await;
    assert_eq!(data(&amended)["amendProposal"]["round"], 2);
    for voter in [0, 2] {
        let read = a
            .app
            .gql(Some(&a.voters[voter]), rounds, json!({ "id": id }))
            .await;
        assert_eq!(data(&read)["proposal"]["rounds"][0]["result"], Value::Null);
    }
    // The round's ballot is in the first round's file, found by its receipt.
    let checked = a.check(1, &id, &receipt).await;
    assert_eq!(data(&checked)["proposal"]["ballotCheck"]["round"], 1);
    assert_eq!(
        data(&checked)["proposal"]["ballotCheck"]["inBallotFile"],
        false
    );
    assert_eq!(
        data(&checked)["proposal"]["ballotCheck"]["choice"]["position"],
        "object"
    );

    a.close(&id).await;
    let read = a
        .app
        .gql(Some(&a.voters[2]), rounds, json!({ "id": id }))
        .await;
    assert_eq!(data(&read)["proposal"]["rounds"][0]["result"]["ballots"], 1);
}

/// A process that stops between closing a secret vote and counting it
/// leaves the vote closed, its box sealed: meanwhile the result and the
/// ballot file say they are being counted, and the scheduler counts it.
#[tokio::test]
async fn a_secret_vote_closed_but_not_yet_counted_is_counted_by_the_scheduler() {
    let a = assembly(3).await;
    let id = a.propose(json!({ "resultsVisibility": "ALWAYS" })).await;
    let mut receipts = Vec::new();
    for voter in 0..3 {
        let cast = a
            .cast(voter, &id, json!({ "ballot": grades(300 + voter) }))
            .await;
        receipts.push(
            data(&cast)["castBallot"]["receipt"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // Closed by a process that stopped right after: half a minute ago (the
    // scheduler leaves it a minute), then two.
    let proposal: uuid::Uuid = id.parse().unwrap();
    let closed_ago = async |seconds: i64| {
        plenum::entity::proposal::Entity::update_many()
            .col_expr(
                plenum::entity::proposal::Column::ClosedAt,
                sea_orm::sea_query::Expr::value(Some(
                    chrono::Utc::now() - chrono::Duration::seconds(seconds),
                )),
            )
            .filter(plenum::entity::proposal::Column::Id.eq(proposal))
            .exec(a.db())
            .await
            .unwrap();
    };
    closed_ago(30).await;
    for read in [
        a.app
            .gql(Some(&a.voters[1]), RESULT, json!({ "id": id }))
            .await,
        a.app
            .gql(Some(&a.voters[1]), BALLOT_FILE, json!({ "id": id }))
            .await,
        a.check(1, &id, &receipts[1]).await,
    ] {
        assert_eq!(error_code(&read), "CONFLICT", "{read}");
        assert!(
            read.to_string().contains("dépouill") || read.to_string().contains("counted"),
            "{read}"
        );
    }

    // Another secret vote closing meanwhile drops its own box, not this one.
    let other = a.propose(json!({})).await;
    data(&a.cast(0, &other, json!({ "ballot": grades(400) })).await);
    a.close(&other).await;
    let sealed = plenum::entity::sealed_ballot::Entity::find()
        .filter(plenum::entity::sealed_ballot::Column::ProposalId.eq(proposal))
        .count(a.db())
        .await
        .unwrap();
    assert_eq!(
        sealed, 3,
        "the box of a vote closed but not counted was dropped"
    );

    closed_ago(120).await;
    plenum::service::proposals::schedule::tick(&a.app.state)
        .await
        .unwrap();
    a.app.state.forgetting.idle().await;
    assert_eq!(a.result(&id).await["ballots"], 3);
    assert_eq!(a.ballot_file(&id).await.lines().count(), 4);
    let checked = a.check(1, &id, &receipts[1]).await;
    assert_eq!(
        data(&checked)["proposal"]["ballotCheck"]["inBallotFile"],
        true
    );
    let sealed = plenum::entity::sealed_ballot::Entity::find()
        .filter(plenum::entity::sealed_ballot::Column::ProposalId.eq(proposal))
        .all(a.db())
        .await
        .unwrap();
    assert!(sealed.is_empty(), "the box was dropped once counted");
}

/// A secret vote open across the upgrade that made ballot files: the
/// ballots it counted before sealed boxes existed were rewritten as a part
/// of its file; those sealed since follow them, and all are counted.
#[tokio::test]
async fn ballots_counted_before_sealed_boxes_stay_in_the_file_with_the_sealed_ones() {
    let a = assembly(2).await;
    let id = a.propose(json!({})).await;
    let proposal: uuid::Uuid = id.parse().unwrap();
    let earlier = r#"{"grades":[6,6,6,6],"tracker":"avant"}"#;
    plenum::entity::secret_ballot_part::ActiveModel {
        proposal_id: sea_orm::ActiveValue::Set(proposal),
        round: sea_orm::ActiveValue::Set(1),
        part: sea_orm::ActiveValue::Set(0),
        ballots: sea_orm::ActiveValue::Set(format!("{earlier}\n")),
        reasons: sea_orm::ActiveValue::Set(json!([null])),
    }
    .insert(a.db())
    .await
    .unwrap();
    data(&a.cast(1, &id, json!({ "ballot": grades(500) })).await);
    a.close(&id).await;
    let file = a.ballot_file(&id).await;
    assert_eq!(file.lines().nth(1), Some(earlier), "{file}");
    assert_eq!(file.lines().count(), 3, "{file}");
    assert_eq!(a.result(&id).await["ballots"], 2);
}
