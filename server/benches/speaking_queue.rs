//! Ordering a meeting's speaking queue: 200 waiting requests, with points
//! of order, moderator placements and varied counts of interventions, under
//! each gender policy. The aim is microseconds, not milliseconds.
//! Run: `cargo bench -p plenum --bench speaking_queue`.

use chrono::{Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use plenum::domain::speaking_queue::{GenderPriority, Kind, Waiting, order};

fn queue(n: u32) -> Vec<Waiting> {
    let start = Utc
        .with_ymd_and_hms(2026, 12, 3, 18, 30, 0)
        .single()
        .unwrap_or_default();
    (0..n)
        .map(|i| Waiting {
            kind: match i % 50 {
                0 => Kind::PointOfOrder,
                _ => Kind::Request,
            },
            requested_at: start + Duration::seconds(i64::from((i * 7919) % n)),
            prioritised: i % 3 == 0,
            interventions: (i * 31) % 5,
            placed_at: (i % 40 == 7).then_some(i % 10),
        })
        .collect()
}

fn bench_order(c: &mut Criterion) {
    let waiting = queue(200);
    for (name, policy) in [
        ("speaking queue, 200 requests, off", GenderPriority::Off),
        (
            "speaking queue, 200 requests, priority",
            GenderPriority::Priority,
        ),
        (
            "speaking queue, 200 requests, alternate",
            GenderPriority::Alternate,
        ),
    ] {
        c.bench_function(name, |b| {
            b.iter(|| order(std::hint::black_box(&waiting), policy))
        });
    }
}

criterion_group!(benches, bench_order);
criterion_main!(benches);
