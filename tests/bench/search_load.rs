//! The search benchmark: indexes N French records of 300 to 3,000 words
//! (default 100,000) in the embedded engine, then times one-word,
//! multi-word and phrase queries as a visitor would send them.
//!
//! `cargo run --release -p plenum-tests --example search_load [-- N]`
//! (`bash tests/bench/search_load.sh` does the same).

use std::time::Instant;

use plenum::demo::records::french_text;
use plenum::domain::search::{Access, Filters, parse_query};
use plenum::search::embedded::Embedded;
use plenum::search::{Change, Document, Request, SearchIndex};
use uuid::Uuid;

const BATCH: usize = 1000;

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn dir_mib(path: &std::path::Path) -> f64 {
    let mut total = 0u64;
    if let Ok(entries) = std::fs::read_dir(path) {
        for e in entries.flatten() {
            let p = e.path();
            total += if p.is_dir() {
                (dir_mib(&p) * 1048576.0) as u64
            } else {
                e.metadata().map(|m| m.len()).unwrap_or(0)
            };
        }
    }
    total as f64 / 1048576.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    let engine = Embedded::open(dir.path())?;
    let org = Uuid::now_v7();
    let bodies: Vec<Uuid> = (0..8).map(|_| Uuid::now_v7()).collect();
    let kinds = ["minutes", "decision_record", "report", "proposal_outcome"];
    println!("indexing {n} records of 300–3,000 words…");
    let started = Instant::now();
    let mut words_total = 0usize;
    let mut batch = Vec::with_capacity(BATCH);
    let mut indexing: Option<tokio::task::JoinHandle<Result<(), plenum::search::SearchError>>> =
        None;
    for i in 0..n {
        let words = 300 + (i * 7919) % 2701;
        let text = french_text(i as u64, words);
        words_total += words;
        batch.push(Change::Upsert(Document {
            id: format!("record:{}", Uuid::now_v7()),
            organisation_id: org,
            kind: kinds[i % kinds.len()].into(),
            body_id: Some(bodies[i % bodies.len()]),
            year: 2015 + (i % 12) as i32,
            title: format!("Compte rendu n° {i}"),
            text,
            url: format!("/o/bench/records/{i}"),
            published_at: 1_500_000_000 + i as i64 * 3600,
            audience: if i % 5 == 0 {
                format!("{org}:members")
            } else {
                "public".into()
            },
        }));
        if batch.len() == BATCH {
            // The next batch is written while this one is indexed.
            if let Some(previous) = indexing.take() {
                previous.await??;
            }
            let (engine, batch) = (engine.clone(), std::mem::take(&mut batch));
            indexing = Some(tokio::spawn(async move { engine.apply(batch).await }));
        }
    }
    if let Some(previous) = indexing.take() {
        previous.await??;
    }
    engine.apply(batch).await?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "indexed {n} records ({:.0} M words) in {seconds:.1} s: {:.0} records/s; index {:.0} MiB on disk; RSS {:.0} MiB",
        words_total as f64 / 1e6,
        n as f64 / seconds,
        dir_mib(dir.path()),
        rss_mib()
    );
    // Queries are timed on the index as it settles: background merges done.
    let settling = Instant::now();
    let mut segments = engine.segments();
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        engine.apply(Vec::new()).await?;
        let now = engine.segments();
        if now == segments || settling.elapsed().as_secs() > 120 {
            break;
        }
        segments = now;
    }
    println!(
        "{} segments after {:.0} s of merging",
        engine.segments(),
        settling.elapsed().as_secs_f64()
    );
    let visitor = Access {
        audiences: vec!["public".into()],
        moderated: vec![],
    };
    for (label, q) in [
        ("one word", "délibération"),
        ("multi-word", "budget trésorerie dépenses"),
        ("phrase", "\"tour de parole\""),
        ("rare word", "mutuelle santé enquête"),
    ] {
        let request = Request {
            query: parse_query(q).map_err(|e| anyhow::anyhow!("{:?}", e.code))?,
            filters: Filters::default(),
            access: visitor.clone(),
            organisation: Some(org),
            offset: 0,
            limit: 20,
        };
        let mut times = Vec::new();
        let mut total = 0;
        for _ in 0..200 {
            let t = Instant::now();
            let r = engine.search(&request).await?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            total = r.total;
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{label:>11} {q:<30} {total:>7} hits  median {:.2} ms  p99 {:.2} ms",
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );
    }
    println!("RSS after queries: {:.0} MiB", rss_mib());
    Ok(())
}
