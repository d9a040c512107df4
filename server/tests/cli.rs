//! The `plenum` command, run as an operator would run it.

// Tests may panic: unwrap and expect are the assertions of set-up code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{plenum, serve};

fn run(command: &mut Command, stdin: Option<&str>) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn invalid_configuration_stops_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        plenum(dir.path())
            .args(["config", "check"])
            .env("PLENUM_SERVER__BIND", "nowhere"),
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("server.bind") && stderr.contains("nowhere"),
        "{stderr}"
    );

    let out = run(
        plenum(dir.path())
            .args(["config", "check"])
            .env("PLENUM_GRAPHQL__MAX_DEPTH", "deep"),
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).to_lowercase().contains("max_depth"),
        "{}",
        text(&out.stderr)
    );

    let out = run(
        plenum(dir.path()).args(["--config", "missing.toml", "config", "check"]),
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("missing.toml"));
}

#[test]
fn a_configuration_file_is_read_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("plenum.toml"),
        "[server]\nbind = \"127.0.0.1:9999\"\n",
    )
    .unwrap();
    let out = run(plenum(dir.path()).args(["config", "check"]), None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("127.0.0.1:9999"));
    std::fs::write(
        dir.path().join("plenum.toml"),
        "[server]\nbnid = \"127.0.0.1:9999\"\n",
    )
    .unwrap();
    let out = run(plenum(dir.path()).args(["config", "check"]), None);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a misspelt key is an error, not silently ignored"
    );
    assert!(text(&out.stderr).contains("bnid"));
}

#[test]
fn the_schema_and_the_example_configuration_are_printed() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(plenum(dir.path()).arg("schema"), None);
    assert!(text(&out.stdout).contains("type Query"));
    let out = run(plenum(dir.path()).args(["config", "example"]), None);
    assert!(text(&out.stdout).contains("[database]"));
}

#[test]
fn help_speaks_french_to_french_systems() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        plenum(dir.path()).arg("--help").env("LANG", "fr_FR.UTF-8"),
        None,
    );
    assert!(
        text(&out.stdout).contains("Démarrer le serveur"),
        "{}",
        text(&out.stdout)
    );
    let out = run(plenum(dir.path()).arg("--help"), None);
    assert!(text(&out.stdout).contains("Start the server"));
}

#[test]
fn operators_create_accounts_set_passwords_and_manage_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let create = |password: &str| {
        run(
            plenum(dir.path()).args([
                "user",
                "create",
                "--email",
                "ops@exemple.fr",
                "--name",
                "Ops",
                "--operator",
                "--password-stdin",
            ]),
            Some(password),
        )
    };
    let out = create("too short\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("at least 12 characters"),
        "{}",
        text(&out.stderr)
    );
    let out = create("a long enough passphrase\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("ops@exemple.fr"));
    let out = create("a long enough passphrase\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("already uses this email"));

    let out = run(
        plenum(dir.path()).args([
            "user",
            "set-password",
            "--email",
            "ops@exemple.fr",
            "--password-stdin",
        ]),
        Some("another long passphrase\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(
        plenum(dir.path()).args([
            "user",
            "set-password",
            "--email",
            "nobody@exemple.fr",
            "--password-stdin",
        ]),
        Some("another long passphrase\n"),
    );
    assert_eq!(out.status.code(), Some(1));

    let status = run(plenum(dir.path()).args(["migrate", "status"]), None);
    let listing = text(&status.stdout);
    let migrations = listing.lines().count();
    assert!(migrations >= 4, "{listing}");
    assert_eq!(
        listing.lines().filter(|l| l.contains("Applied")).count(),
        migrations,
        "{listing}"
    );
    let down = run(
        plenum(dir.path()).args(["migrate", "down", "--steps", "1"]),
        None,
    );
    assert!(down.status.success(), "{}", text(&down.stderr));
    let listing = text(&run(plenum(dir.path()).args(["migrate", "status"]), None).stdout);
    assert_eq!(
        listing.lines().filter(|l| l.contains("Pending")).count(),
        1,
        "{listing}"
    );
    assert!(
        run(plenum(dir.path()).args(["migrate", "up"]), None)
            .status
            .success()
    );
}

#[test]
fn the_demo_loads_once_and_prints_fresh_credentials_each_time() {
    let dir = tempfile::tempdir().unwrap();
    let first = run(plenum(dir.path()).arg("demo"), None);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let second = run(plenum(dir.path()).arg("demo"), None);
    assert!(second.status.success(), "{}", text(&second.stderr));
    let password = |out: &Output| {
        text(&out.stdout)
            .split("password ")
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .to_owned()
    };
    assert!(text(&first.stdout).contains("camille.martin@demo.plenum.example"));
    assert_ne!(password(&first), password(&second));

    // The demo's records, threads and proposals are waiting in the outbox;
    // `plenum reindex` rebuilds the index from the database itself.
    let reindexed = run(plenum(dir.path()).arg("reindex"), None);
    assert!(reindexed.status.success(), "{}", text(&reindexed.stderr));
    let said = text(&reindexed.stdout);
    let count: u64 = said
        .split(": ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a count of documents in {said}"));
    assert!(count > 50, "{said}");
    assert!(said.contains("(embedded)"), "{said}");
}

#[test]
fn serve_starts_on_an_empty_folder_answers_and_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let (mut child, port) = serve(dir.path());
    let deadline = started + Duration::from_secs(30);
    loop {
        let ok = std::net::TcpStream::connect(("127.0.0.1", port))
            .ok()
            .and_then(|mut s| {
                s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .ok()?;
                let mut answer = String::new();
                std::io::Read::read_to_string(&mut s, &mut answer).ok()?;
                answer.starts_with("HTTP/1.1 200").then_some(())
            });
        if ok.is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "no 200 on /healthz in time");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        dir.path().join("data/plenum.db").exists(),
        "with no configuration, the database lives in ./data"
    );
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "graceful shutdown exits 0, got {status:?}"
    );
}

#[test]
fn tally_counts_a_ballot_file_and_explains_the_result() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ballots.jsonl");
    std::fs::write(
        &file,
        "{\"method\": \"majority_judgment\", \"options\": [\"Aïcha\", \"Bruno\"], \"settings\": {}}\n\
         {\"grades\": [6, 2]}\n{\"grades\": [5, 3]}\n{\"grades\": [4, 6]}\n",
    )
    .unwrap();
    let out = run(
        plenum(dir.path()).args(["tally", file.to_str().unwrap()]),
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["method"], "majority_judgment");
    assert_eq!(result["winners"], serde_json::json!([0]));
    assert_eq!(result["ranking"], serde_json::json!([[0], [1]]));
    assert_eq!(result["ballots"], 3);
    assert!(result["quorum_reached"].is_null());
    assert_eq!(
        result["details"]["options"][0]["majority_grade_name"],
        "Très bien"
    );

    let out = run(
        plenum(dir.path())
            .args(["tally", "--format", "text", "-"])
            .env("LANG", "fr_FR.UTF-8"),
        Some(&std::fs::read_to_string(&file).unwrap()),
    );
    assert!(out.status.success());
    assert!(
        text(&out.stdout).contains("mention majoritaire « Très bien »"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn tally_stops_at_an_invalid_ballot_unless_told_to_skip_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ballots.jsonl");
    std::fs::write(&file, "{\"method\": \"majority\"}\n{\"choice\": \"yes\"}\n{\"choice\": \"oui\"}\n{\"choice\": \"yes\"}\n").unwrap();
    let out = run(
        plenum(dir.path()).args(["tally", file.to_str().unwrap()]),
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with("plenum: line 3:"),
        "{}",
        text(&out.stderr)
    );
    let out = run(
        plenum(dir.path()).args(["tally", "--skip-invalid", file.to_str().unwrap()]),
        None,
    );
    assert!(out.status.success());
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (
            result["ballots"].as_u64(),
            result["invalid"].as_u64(),
            result["adopted"].as_bool()
        ),
        (Some(2), Some(1), Some(true))
    );
    let out = run(plenum(dir.path()).args(["tally", "missing.jsonl"]), None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn tally_verify_finds_a_receipts_ballot_by_its_tracker_or_exits_non_zero() {
    use plenum::domain::ballot_box::tracker;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ballots.jsonl");
    let (mine, theirs) = ("plm_r_mine", "plm_r_theirs");
    std::fs::write(
        &file,
        format!(
            "{{\"method\": \"majority\"}}\n{{\"choice\":\"no\",\"tracker\":\"{}\"}}\n{{\"choice\":\"yes\",\"tracker\":\"{}\"}}\n",
            tracker(theirs),
            tracker(mine)
        ),
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let out = run(
        plenum(dir.path()).args(["tally", "--verify", mine, path]),
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains("line 3") && said.contains("\"yes\"") && said.contains(&tracker(mine)),
        "{said}"
    );
    // The file still counts, its trackers ignored.
    let out = run(plenum(dir.path()).args(["tally", path]), None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["ballots"], 2);
    // A receipt whose ballot is not there, and a file that is not there.
    let out = run(
        plenum(dir.path()).args(["tally", "--verify", "plm_r_forged", path]),
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no ballot"),
        "{}",
        text(&out.stderr)
    );
    let out = run(
        plenum(dir.path()).args(["tally", "--verify", mine, "missing.jsonl"]),
        None,
    );
    assert_eq!(out.status.code(), Some(2));
}
