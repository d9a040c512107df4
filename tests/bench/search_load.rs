//! The search benchmark: indexes N French records of 300 to 3,000 words
//! (default 100,000) in the embedded engine, then times one-word,
//! multi-word and phrase queries as a visitor would send them.
//!
//! Two corpora: `zipf` (the default) draws words with the frequencies of a
//! natural language (Zipf's law over 60,000 words, the commonest being real
//! French words) and mixes in the demo's real sentences now and then; `worst`
//! is made only of the demo's 16 sentences, so that every word searched is
//! in nearly every record.
//!
//! Records are indexed in batches of 1,000 as `plenum reindex` indexes its
//! own (`load`, the engine committing when it sees fit, then `settle`), or
//! with `outbox`, as the outbox delivers them (`apply`, each batch
//! committed).
//!
//! `cargo run --release -p plenum-tests --example search_load [-- N [zipf|worst] [outbox]]`
//! (`bash tests/bench/search_load.sh` runs both corpora).

use std::io::{Read, Write};
use std::time::Instant;

use plenum::demo::records::french_text;
use plenum::domain::search::{Access, Filters, parse_query};
use plenum::search::embedded::Embedded;
use plenum::search::{Change, Document, Request, SearchIndex};
use uuid::Uuid;

const BATCH: usize = 1000;

/// The commonest words, commonest first; the vocabulary's other words are
/// made of French syllables.
const COMMON: &[&str] = &[
    "de",
    "la",
    "le",
    "et",
    "les",
    "des",
    "à",
    "en",
    "un",
    "une",
    "du",
    "que",
    "est",
    "pour",
    "qui",
    "dans",
    "par",
    "sur",
    "pas",
    "au",
    "plus",
    "il",
    "elle",
    "ne",
    "se",
    "nous",
    "ce",
    "avec",
    "sont",
    "ou",
    "mais",
    "aux",
    "son",
    "leur",
    "cette",
    "ont",
    "été",
    "comme",
    "tout",
    "fait",
    "être",
    "faire",
    "aussi",
    "entre",
    "sans",
    "deux",
    "très",
    "peut",
    "dont",
    "bien",
    "assemblée",
    "commission",
    "proposition",
    "réunion",
    "membres",
    "personnes",
    "quartier",
    "groupe",
    "secrétariat",
    "compte",
    "rendu",
    "vote",
    "mandat",
    "question",
    "année",
    "projet",
    "travail",
    "ville",
    "mairie",
    "collectif",
    "débat",
    "accord",
    "point",
    "ordre",
    "jour",
    "demande",
    "réponse",
    "prochaine",
    "semaine",
    "mois",
    "soir",
    "local",
    "association",
    "habitants",
    "logement",
    "école",
    "parents",
    "santé",
    "budget",
    "dépenses",
    "trésorerie",
    "délibération",
    "décision",
    "amendement",
    "objection",
    "parole",
    "tour",
    "campagne",
    "consultation",
    "calendrier",
    "permanence",
    "enquête",
    "mutuelle",
    "jardin",
    "fête",
    "transports",
    "loyers",
    "expulsions",
    "cantine",
    "règlement",
    "intérieur",
    "élection",
    "liste",
    "candidat",
    "rapport",
    "bilan",
    "financement",
    "subvention",
    "adhésion",
    "cotisation",
    "urgence",
    "solidarité",
    "mobilisation",
    "manifestation",
    "tract",
    "affiche",
    "courrier",
    "réseau",
    "voisins",
    "bailleur",
    "charges",
    "travaux",
    "sécurité",
    "accueil",
];

/// Syllables the rest of the vocabulary is made of.
const SYLLABLES: &[&str] = &[
    "ba", "bé", "bri", "ca", "cho", "con", "cré", "da", "dé", "di", "dou", "fa", "fé", "fi", "for",
    "ga", "gé", "gra", "la", "lé", "li", "lo", "ma", "mé", "mi", "mo", "na", "né", "ni", "no",
    "pa", "pé", "pi", "po", "pra", "ra", "ré", "ri", "ro", "sa", "sé", "si", "so", "ta", "té",
    "ti", "to", "tra", "va", "vé", "vi", "vo",
];
const ENDINGS: &[&str] = &[
    "tion", "ment", "ité", "eur", "age", "isme", "ence", "aire", "ique", "ant", "ée", "er", "ir",
    "eux", "ette", "ier", "ure", "oir", "ance", "iste",
];

/// How many of `COMMON` are function words (the commonest of all); the
/// others are spread over the first few thousand ranks, as a subject's
/// words are in real minutes.
const FUNCTION_WORDS: usize = 50;

/// Draws words with Zipf's law over a vocabulary of 60,000, in constant
/// time (Vose's alias method).
struct Zipf {
    words: Vec<String>,
    /// For each rank, the chance to keep it rather than take its alias.
    keep: Vec<f64>,
    alias: Vec<usize>,
}

impl Zipf {
    fn new() -> Zipf {
        const SIZE: usize = 60_000;
        let mut made = (0usize..).map(|i| {
            let (s, e) = (SYLLABLES.len(), ENDINGS.len());
            let stem = format!("{}{}", SYLLABLES[i % s], SYLLABLES[(i / s) % s]);
            let prefix = if i >= s * s * e {
                SYLLABLES[(i / (s * s * e)) % s]
            } else {
                ""
            };
            format!("{prefix}{stem}{}", ENDINGS[(i / (s * s)) % e])
        });
        let mut subject = COMMON[FUNCTION_WORDS..].iter();
        let words: Vec<String> = (0..SIZE)
            .map(|rank| match rank {
                r if r < FUNCTION_WORDS => COMMON[r].to_string(),
                r if r >= 200 && r % 60 == 0 => match subject.next() {
                    Some(w) => w.to_string(),
                    None => made.next().unwrap_or_default(),
                },
                _ => made.next().unwrap_or_default(),
            })
            .collect();
        let weights: Vec<f64> = (1..=SIZE).map(|r| 1.0 / (r as f64).powf(1.07)).collect();
        let total: f64 = weights.iter().sum();
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * SIZE as f64 / total).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..SIZE).partition(|&i| scaled[i] < 1.0);
        let mut keep = vec![1.0; SIZE];
        let mut alias: Vec<usize> = (0..SIZE).collect();
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            keep[s] = scaled[s];
            alias[s] = l;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        Zipf { words, keep, alias }
    }

    /// A record of about `words` words.
    fn text(&self, seed: u64, words: usize) -> String {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut out = String::with_capacity(words * 8);
        let mut count = 0;
        while count < words {
            if next() % 25 == 0 {
                // Now and then, a passage of real minutes.
                let passage = french_text(next(), 1);
                count += passage.split_whitespace().count();
                out.push_str(&passage);
                continue;
            }
            let length = 40 + (next() % 80) as usize;
            for k in 0..length {
                let rank = (next() % self.words.len() as u64) as usize;
                let coin = (next() >> 11) as f64 / (1u64 << 53) as f64;
                let rank = if coin < self.keep[rank] {
                    rank
                } else {
                    self.alias[rank]
                };
                out.push_str(&self.words[rank]);
                out.push_str(if k % 15 == 14 { ". " } else { " " });
            }
            out.push_str("\n\n");
            count += length;
        }
        out
    }
}

/// The process' resident memory: all of it, and the part that is its own
/// (heap and stacks) rather than the index's files mapped in memory, which
/// the kernel may drop and read again.
fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let mib = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
            .map_or(0.0, |kib| kib / 1024.0)
    };
    format!(
        "RSS {:.0} MiB, of which {:.0} MiB its own",
        mib("VmRSS:"),
        mib("RssAnon:")
    )
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
    let worst = std::env::args().nth(2).as_deref() == Some("worst");
    // As `plenum reindex` does (batches gathered into larger commits), or
    // as the outbox does (each batch committed).
    let outbox = std::env::args().nth(3).as_deref() == Some("outbox");
    let zipf = (!worst).then(Zipf::new);
    let dir = tempfile::tempdir()?;
    let engine = Embedded::open(dir.path())?;
    let org = Uuid::now_v7();
    let bodies: Vec<Uuid> = (0..8).map(|_| Uuid::now_v7()).collect();
    let kinds = ["minutes", "decision_record", "report", "proposal_outcome"];
    let corpus = if worst {
        "the demo's 16 sentences (worst case)"
    } else {
        "words drawn by Zipf's law"
    };
    println!("indexing {n} records of 300–3,000 words, {corpus}…");
    // The texts are written first, and read back while indexing: what is
    // timed is the engine, not this generator.
    let corpus_dir = tempfile::tempdir()?;
    let corpus_path = corpus_dir.path().join("corpus");
    let mut words_total = 0usize;
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&corpus_path)?);
        for i in 0..n {
            let words = 300 + (i * 7919) % 2701;
            let text = match &zipf {
                Some(zipf) => zipf.text(i as u64, words),
                None => french_text(i as u64, words),
            };
            words_total += words;
            out.write_all(&(text.len() as u32).to_le_bytes())?;
            out.write_all(text.as_bytes())?;
        }
        out.flush()?;
    }
    let mut corpus = std::io::BufReader::new(std::fs::File::open(&corpus_path)?);
    let started = Instant::now();
    let mut batch = Vec::with_capacity(BATCH);
    let mut indexing: Option<tokio::task::JoinHandle<Result<(), plenum::search::SearchError>>> =
        None;
    for i in 0..n {
        let mut length = [0u8; 4];
        corpus.read_exact(&mut length)?;
        let mut text = vec![0u8; u32::from_le_bytes(length) as usize];
        corpus.read_exact(&mut text)?;
        let text = String::from_utf8(text)?;
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
            indexing = Some(tokio::spawn(async move {
                if outbox {
                    engine.apply(batch).await
                } else {
                    engine.load(batch).await
                }
            }));
        }
    }
    if let Some(previous) = indexing.take() {
        previous.await??;
    }
    if outbox {
        engine.apply(batch).await?;
    } else {
        engine.load(batch).await?;
    }
    engine.settle().await?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "indexed {n} records ({:.0} M words) in {seconds:.1} s: {:.0} records/s; index {:.0} MiB on disk; {}",
        words_total as f64 / 1e6,
        n as f64 / seconds,
        dir_mib(dir.path()),
        memory()
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
        ("three words", "mutuelle santé enquête"),
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
    println!("after the queries: {}", memory());
    Ok(())
}
