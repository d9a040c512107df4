//! Use-cases: each checks who is asking (`access`), does its work in one
//! unit of work (`crate::write`) — its statements, the outbox messages and
//! live events that follow them — and commits. Services sit in tiers (see
//! the `tiers` test below); this module is where the application is put
//! together: it registers what higher tiers hang on lower ones.

pub mod access;
pub mod accounts;
pub mod batch;
pub mod forum;
pub mod governance;
pub mod indexing;
pub mod invitations;
pub mod media;
pub mod meetings;
pub mod memberships;
pub mod organisations;
pub mod outbox;
pub mod page;
pub mod passwords;
pub mod people;
pub mod proposals;
pub mod records;
pub mod search;
pub mod sessions;
pub mod throttle;

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A new time-ordered identifier: rows sort by creation, which pagination uses.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// A time-ordered identifier for something that happened at `at`: records
/// imported with their past publication date sort where they belong.
pub fn id_at(at: DateTime<Utc>) -> Uuid {
    let ts = uuid::Timestamp::from_unix(
        uuid::NoContext,
        at.timestamp().max(0) as u64,
        at.timestamp_subsec_nanos(),
    );
    Uuid::new_v7(ts)
}

/// Now, to the microsecond: both databases keep microseconds, so a value read
/// back equals the value written.
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// What proposals may be for beyond deciding (see `proposals::Purpose`).
pub static PROPOSAL_PURPOSES: &[proposals::Purpose] = &[governance::designations::PURPOSE];

/// Records published from a source of a higher tier (see `records::Source`).
pub static RECORD_SOURCES: &[records::Source] = &meetings::minutes::RECORD_SOURCES;

/// Who delivers each topic of the outbox: the kernel's own, and those the
/// tiers above it register (search indexing).
pub fn outbox_handlers() -> outbox::Handlers {
    outbox::Handlers::new().register(indexing::TOPIC, search::outbox_handler())
}

/// The services' tiers, lowest first: a module may use its own tier's and
/// lower tiers' modules, never a higher tier's, and two modules never use
/// each other. Specific behaviour hangs on generic code through a dispatch
/// registered above (a proposal's purposes, the records a meeting
/// publishes, the outbox's handlers by topic) rather than generic code
/// calling the specific.
#[cfg(test)]
mod tiers {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    const TIERS: &[&[&str]] = &[
        // The kernel: accounts, sessions, organisations, memberships, the
        // outbox and the indexing queue, rendering.
        &[
            "access",
            "accounts",
            "batch",
            "indexing",
            "invitations",
            "media",
            "memberships",
            "organisations",
            "outbox",
            "page",
            "passwords",
            "people",
            "sessions",
            "throttle",
        ],
        // Discussion and bodies.
        &[
            "forum",
            "governance",
            "governance/bodies",
            "governance/mandates",
            "governance/positions",
        ],
        // Deciding.
        &["proposals"],
        // What rests on decisions.
        &["governance/designations", "meetings", "records"],
        // Reading everything.
        &["search"],
    ];

    fn tier(module: &str) -> usize {
        TIERS
            .iter()
            .position(|t| t.contains(&module))
            .unwrap_or_else(|| panic!("service module {module} has no tier: give it one"))
    }

    /// The module a path under `service/` belongs to (`proposals`,
    /// `governance/bodies`…).
    fn module_of(relative: &str) -> String {
        let path = relative.trim_end_matches(".rs").trim_end_matches("/mod");
        let mut parts = path.split('/');
        let top = parts.next().unwrap_or_default().to_owned();
        match (top.as_str(), parts.next()) {
            ("governance", Some(sub)) if sub != "mod" => format!("governance/{sub}"),
            _ => top,
        }
    }

    /// The service modules a source file names.
    fn uses(source: &str, here: &str) -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        let mut named = |path: &str| {
            let mut parts = path.split("::").map(str::trim);
            let top = parts.next().unwrap_or_default();
            let module = match (top, parts.next()) {
                ("governance", Some(sub))
                    if ["bodies", "designations", "mandates", "positions"].contains(&sub) =>
                {
                    format!("governance/{sub}")
                }
                _ => top.to_owned(),
            };
            if TIERS.iter().any(|t| t.contains(&module.as_str())) {
                found.insert(module);
            }
        };
        for (prefix, base) in [("crate::service::", ""), ("super::", here)] {
            for (at, _) in source.match_indices(prefix) {
                let rest = &source[at + prefix.len()..];
                let path = |p: &str| match base.split_once('/') {
                    // `super::x` inside governance/bodies.rs is governance::x.
                    Some((top, _)) => format!("{top}::{p}"),
                    None => p.to_owned(),
                };
                if let Some(group) = rest.strip_prefix('{') {
                    let group = &group[..group.find('}').unwrap_or(group.len())];
                    for item in group.split(',') {
                        named(&path(item.trim()));
                    }
                } else {
                    let end = rest
                        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                        .unwrap_or(rest.len());
                    named(&path(&rest[..end]));
                }
            }
        }
        found
    }

    fn graph() -> BTreeMap<String, BTreeSet<String>> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/service");
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let relative = path
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                if relative == "mod.rs" {
                    // Where the application is put together: above every tier.
                    continue;
                }
                let here = module_of(&relative);
                let source = std::fs::read_to_string(&path).unwrap();
                // Tests may reach anywhere.
                let source = source.split("#[cfg(test)]").next().unwrap_or_default();
                let mut used = uses(source, &relative);
                used.retain(|m| *m != here && !here.starts_with(&format!("{m}/")));
                graph.entry(here).or_default().extend(used);
            }
        }
        graph
    }

    #[test]
    fn no_service_uses_a_higher_tier_or_one_that_uses_it() {
        let graph = graph();
        let mut wrong = Vec::new();
        for (from, used) in &graph {
            for to in used {
                if tier(to) > tier(from) {
                    wrong.push(format!("{from} uses {to}, of a higher tier"));
                }
                let both = graph.get(to).is_some_and(|theirs| theirs.contains(from));
                if both && from < to {
                    wrong.push(format!("{from} and {to} use each other"));
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        // The reader found the uses that exist (it is not blind).
        assert!(graph["proposals"].contains("forum"), "{graph:?}");
    }

    #[test]
    fn the_reader_of_uses_sees_every_form() {
        let source = "use crate::service::{forum, governance::bodies};\nuse super::positions;\ncrate::service::search::enqueue(x)";
        let found = uses(source, "governance/designations.rs");
        let expected = [
            "forum",
            "governance/bodies",
            "governance/positions",
            "search",
        ];
        assert_eq!(found, expected.iter().map(|s| s.to_string()).collect());
    }
}
