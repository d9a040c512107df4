//! Speed of the decision engine at the scale of real votes: a national
//! majority-judgment primary (400,000 ballots × 7 options), a large yes/no
//! vote (1,000,000 ballots), Schulze (10,000 × 20) and instant run-off
//! (400,000 × 10). Run: `cargo bench -p plenum --bench decision`.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use plenum::domain::decision::{Method, majority, majority_judgment, ranked_irv, ranked_schulze};
use serde_json::json;

/// A small deterministic generator, so every run counts the same ballots.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u32) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % u64::from(bound)) as u32
    }
}

fn options(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("Candidat·e {i}")).collect()
}

fn bench_majority_judgment(c: &mut Criterion) {
    let mut rng = Lcg(7);
    let ballots: Vec<majority_judgment::Ballot> = (0..400_000)
        .map(|_| majority_judgment::Ballot {
            grades: (0..7).map(|_| Some(rng.next(7))).collect(),
        })
        .collect();
    c.bench_function("majority_judgment 400k ballots x 7 options", |b| {
        b.iter_batched(
            || {
                ballots
                    .iter()
                    .map(|b| majority_judgment::Ballot {
                        grades: b.grades.clone(),
                    })
                    .collect::<Vec<_>>()
            },
            |ballots| {
                let mut mj = majority_judgment::MajorityJudgment::new(&options(7), json!({}), None)
                    .unwrap_or_else(|_| unreachable!());
                let n = ballots.len() as u64;
                for ballot in ballots {
                    mj.count(ballot);
                }
                mj.verdict(n)
            },
            BatchSize::LargeInput,
        )
    });
}

fn bench_majority(c: &mut Criterion) {
    let mut rng = Lcg(11);
    let choices = [
        majority::Choice::Yes,
        majority::Choice::No,
        majority::Choice::Abstain,
    ];
    let ballots: Vec<majority::Choice> = (0..1_000_000)
        .map(|_| choices[rng.next(3) as usize])
        .collect();
    c.bench_function("majority 1M ballots", |b| {
        b.iter(|| {
            let mut m =
                majority::Majority::new(&[], json!({}), None).unwrap_or_else(|_| unreachable!());
            for &choice in &ballots {
                m.count(majority::Ballot { choice });
            }
            m.verdict(ballots.len() as u64)
        })
    });
}

/// A random full ranking of `n` options (Fisher–Yates).
fn ranking(rng: &mut Lcg, n: usize) -> Vec<usize> {
    let mut r: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        r.swap(i, rng.next(i as u32 + 1) as usize);
    }
    r
}

fn bench_schulze(c: &mut Criterion) {
    let mut rng = Lcg(13);
    let rankings: Vec<Vec<usize>> = (0..10_000).map(|_| ranking(&mut rng, 20)).collect();
    c.bench_function("ranked_schulze 10k ballots x 20 options", |b| {
        b.iter_batched(
            || rankings.clone(),
            |rankings| {
                let mut s = ranked_schulze::Schulze::new(&options(20), json!({}), None)
                    .unwrap_or_else(|_| unreachable!());
                let n = rankings.len() as u64;
                for ranking in rankings {
                    s.count(ranked_schulze::Ballot { ranking });
                }
                s.verdict(n)
            },
            BatchSize::LargeInput,
        )
    });
}

fn bench_irv(c: &mut Criterion) {
    let mut rng = Lcg(17);
    // Voters rank a few favourites, as they do: 1 to 5 of the 10 options.
    let rankings: Vec<Vec<usize>> = (0..400_000)
        .map(|_| {
            let mut r = ranking(&mut rng, 10);
            r.truncate(1 + rng.next(5) as usize);
            r
        })
        .collect();
    let mut group = c.benchmark_group("ranked_irv");
    group.sample_size(10);
    group.bench_function("400k ballots x 10 options", |b| {
        b.iter_batched(
            || rankings.clone(),
            |rankings| {
                let mut irv = ranked_irv::InstantRunoff::new(&options(10), json!({}), None)
                    .unwrap_or_else(|_| unreachable!());
                let n = rankings.len() as u64;
                for ranking in rankings {
                    irv.count(ranked_irv::Ballot { ranking });
                }
                irv.verdict(n)
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_majority_judgment,
    bench_majority,
    bench_schulze,
    bench_irv
);
criterion_main!(benches);
