//! Full-text search (DOMAIN.md section 5): what a query may say, which
//! facets filter it, and who may see which hit. Both engines (embedded and
//! Meilisearch) receive the same parsed query and the same audience keys, so
//! visibility is enforced inside the engine's query, never after it.

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::access::{Reader, can_moderate, can_read};
use crate::domain::cursor;
use crate::domain::forum::Visibility;
use crate::error::{AppError, AppResult};
use crate::text;

/// The longest query, in characters: a search box, not a document.
pub const MAX_QUERY_CHARS: usize = 500;
/// At most this many words and phrases are searched.
pub const MAX_CLAUSES: usize = 16;

/// A query as people type it: words that must all match (in French or English
/// forms, accents ignored) and "exact phrases". A quote left open runs to the
/// end, as if closed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    pub words: Vec<String>,
    pub phrases: Vec<Vec<String>>,
}

impl Query {
    /// The query again, normalised: what Meilisearch is sent.
    pub fn to_text(&self) -> String {
        let mut parts: Vec<String> = self.words.clone();
        parts.extend(self.phrases.iter().map(|p| format!("\"{}\"", p.join(" "))));
        parts.join(" ")
    }
}

/// Parses what someone typed: refuses an empty or overlong query
/// (`VALIDATION` on field `query`).
pub fn parse_query(raw: &str) -> AppResult<Query> {
    let raw = raw.trim();
    if raw.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::validation(
            "query",
            text!(
                en: "A search has at most {MAX_QUERY_CHARS} characters.",
                fr: "Une recherche comporte au plus {MAX_QUERY_CHARS} caractères."
            ),
        ));
    }
    let mut query = Query::default();
    for (i, part) in raw.split('"').enumerate() {
        let words: Vec<String> = part
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        // Odd parts sit between quotes (or after an unclosed one).
        if i % 2 == 1 && words.len() > 1 {
            query.phrases.push(words);
        } else {
            query.words.extend(words);
        }
    }
    query.words.dedup();
    if query.words.is_empty() && query.phrases.is_empty() {
        return Err(AppError::validation(
            "query",
            text!(en: "Type at least one word to search for.", fr: "Saisissez au moins un mot à rechercher."),
        ));
    }
    query.words.truncate(MAX_CLAUSES);
    query
        .phrases
        .truncate(MAX_CLAUSES.saturating_sub(query.words.len()));
    Ok(query)
}

/// What a hit is: a record of one of the five kinds, or a thread, a post, a
/// proposal.
pub const KINDS: [&str; 8] = [
    "minutes",
    "decision_record",
    "report",
    "proposal_outcome",
    "mandate_register",
    "thread",
    "post",
    "proposal",
];

/// The facets a search is filtered and counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Facet {
    Body,
    Kind,
    Year,
}

impl Facet {
    pub const ALL: [Facet; 3] = [Facet::Body, Facet::Kind, Facet::Year];

    pub fn as_str(self) -> &'static str {
        match self {
            Facet::Body => "body",
            Facet::Kind => "kind",
            Facet::Year => "year",
        }
    }
}

/// Filters: for each facet named, the values a hit must have one of.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filters {
    pub bodies: Vec<Uuid>,
    pub kinds: Vec<String>,
    pub years: Vec<i32>,
}

/// Parses `(facet, values)` pairs; an unknown facet or a value it cannot
/// take is refused (`VALIDATION` on field `filters`).
pub fn parse_filters(raw: &[(String, Vec<String>)]) -> AppResult<Filters> {
    let mut filters = Filters::default();
    for (facet, values) in raw {
        let bad_value = |value: &str| {
            let facet = facet.clone();
            let value = value.to_owned();
            AppError::validation(
                "filters",
                text!(
                    en: "The filter {facet} cannot take the value {value}.",
                    fr: "Le filtre {facet} ne peut pas prendre la valeur {value}."
                ),
            )
        };
        match facet.as_str() {
            "body" => {
                for v in values {
                    filters
                        .bodies
                        .push(Uuid::parse_str(v).map_err(|_| bad_value(v))?);
                }
            }
            "kind" => {
                for v in values {
                    if !KINDS.contains(&v.as_str()) {
                        return Err(bad_value(v));
                    }
                    filters.kinds.push(v.clone());
                }
            }
            "year" => {
                for v in values {
                    let year: i32 = v.parse().map_err(|_| bad_value(v))?;
                    filters.years.push(year);
                }
            }
            other => {
                let other = other.to_owned();
                return Err(AppError::validation(
                    "filters",
                    text!(
                        en: "There is no filter named {other}: filter by body, kind or year.",
                        fr: "Il n'y a pas de filtre {other} : filtrez par body (instance), kind (type) ou year (année)."
                    ),
                ));
            }
        }
    }
    Ok(filters)
}

/// Who may see a hit, as one key stored with it.
pub fn audience(visibility: Visibility, organisation_id: Uuid, body_id: Option<Uuid>) -> String {
    match (visibility, body_id) {
        (Visibility::Public, _) => "public".to_owned(),
        (Visibility::Supporters, _) => format!("{organisation_id}:supporters"),
        (Visibility::Members, _) => format!("{organisation_id}:members"),
        (Visibility::Body, Some(body)) => format!("body:{body}"),
        // A body's space without its body: only its organisation's facilitators.
        (Visibility::Body, None) => format!("{organisation_id}:facilitators"),
    }
}

/// What a searcher may see: hits whose audience key is theirs, and every hit
/// of the organisations they moderate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Access {
    pub audiences: Vec<String>,
    pub moderated: Vec<Uuid>,
}

/// A person's place in one organisation, as search reads it.
#[derive(Debug, Clone)]
pub struct Place {
    pub organisation_id: Uuid,
    pub reader: crate::domain::access::Reader,
    /// The bodies whose people they are.
    pub bodies: Vec<Uuid>,
}

/// The access of a visitor (no places) or of a person with their places.
pub fn access(places: &[Place]) -> Access {
    let mut access = Access {
        audiences: vec!["public".to_owned()],
        moderated: Vec::new(),
    };
    for p in places {
        let reader = Some(Reader {
            in_body: false,
            ..p.reader
        });
        if can_moderate(reader) {
            access.moderated.push(p.organisation_id);
            continue;
        }
        for v in [Visibility::Supporters, Visibility::Members] {
            if can_read(v, reader) {
                access.audiences.push(audience(v, p.organisation_id, None));
            }
        }
        for body in &p.bodies {
            access
                .audiences
                .push(audience(Visibility::Body, p.organisation_id, Some(*body)));
        }
    }
    access
}

/// A search's cursor: the offset of the next page, bound to the query and
/// filters it came from, so a cursor from another search is refused.
pub fn encode_cursor(fingerprint: &str, offset: usize) -> String {
    cursor::encode(&format!("search.{fingerprint}"), &offset.to_string())
}

/// The offset inside a cursor of this search, or `VALIDATION` on `after`.
pub fn decode_cursor(fingerprint: &str, raw: &str) -> AppResult<usize> {
    cursor::decode(&format!("search.{fingerprint}"), raw)?
        .parse()
        .map_err(|_| cursor::invalid())
}

/// What identifies a search for its cursors: the query, filters and scope.
pub fn fingerprint(query: &Query, filters: &Filters, organisation: Option<Uuid>) -> String {
    let mut hash = Sha256::new();
    hash.update(format!("{query:?}|{filters:?}|{organisation:?}"));
    hash.finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Markers a snippet's matches are wrapped in by the engines, turned into
/// `<mark>` once the text around them is escaped.
pub const MARK_START: &str = "\u{E000}";
pub const MARK_END: &str = "\u{E001}";

/// A snippet as HTML: the text escaped, its matches in `<mark>`.
pub fn snippet_html(marked: &str) -> String {
    let mut out = String::with_capacity(marked.len() + 32);
    for c in marked.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\u{E000}' => out.push_str("<mark>"),
            '\u{E001}' => out.push_str("</mark>"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::domain::membership::{EffectiveStanding, Role};

    #[test]
    fn words_and_phrases_are_told_apart_and_an_open_quote_runs_to_the_end() {
        let q = parse_query(r#"budget "assemblée générale" vote"#).unwrap();
        assert_eq!(q.words, ["budget", "vote"]);
        assert_eq!(
            q.phrases,
            [vec!["assemblée".to_owned(), "générale".to_owned()]]
        );
        let open = parse_query(r#"budget "assemblée générale"#).unwrap();
        assert_eq!(open.phrases.len(), 1);
        let lone = parse_query(r#""budget"#).unwrap();
        assert_eq!(lone.words, ["budget"]);
    }

    #[test]
    fn empty_and_overlong_queries_are_refused() {
        assert!(parse_query("   ").is_err());
        assert!(parse_query("\"\" !!").is_err());
        assert!(parse_query(&"a".repeat(10_000)).is_err());
    }

    #[test]
    fn unknown_facets_and_values_are_refused() {
        let ok = parse_filters(&[
            ("kind".into(), vec!["minutes".into()]),
            ("year".into(), vec!["2025".into()]),
        ])
        .unwrap();
        assert_eq!(ok.kinds, ["minutes"]);
        assert_eq!(ok.years, [2025]);
        assert!(parse_filters(&[("colour".into(), vec!["red".into()])]).is_err());
        assert!(parse_filters(&[("kind".into(), vec!["poem".into()])]).is_err());
        assert!(parse_filters(&[("year".into(), vec!["last".into()])]).is_err());
    }

    #[test]
    fn supporters_see_public_and_supporters_hits_members_more_facilitators_all() {
        let org = Uuid::nil();
        let place = |standing, role| Place {
            organisation_id: org,
            reader: Reader {
                role,
                standing,
                in_body: false,
            },
            bodies: vec![],
        };
        let supporter = access(&[place(EffectiveStanding::Supporter, Role::Member)]);
        assert!(
            supporter
                .audiences
                .contains(&audience(Visibility::Supporters, org, None))
        );
        assert!(
            !supporter
                .audiences
                .contains(&audience(Visibility::Members, org, None))
        );
        let member = access(&[place(EffectiveStanding::GoodStanding, Role::Member)]);
        assert!(
            member
                .audiences
                .contains(&audience(Visibility::Members, org, None))
        );
        let facilitator = access(&[place(EffectiveStanding::GoodStanding, Role::Facilitator)]);
        assert_eq!(facilitator.moderated, [org]);
        assert_eq!(access(&[]).audiences, ["public"]);
    }

    #[test]
    fn a_cursor_of_another_search_is_refused() {
        let a = fingerprint(&parse_query("budget").unwrap(), &Filters::default(), None);
        let b = fingerprint(&parse_query("vote").unwrap(), &Filters::default(), None);
        let cursor = encode_cursor(&a, 20);
        assert_eq!(decode_cursor(&a, &cursor).unwrap(), 20);
        assert!(decode_cursor(&b, &cursor).is_err());
    }

    #[test]
    fn snippets_are_escaped_around_their_marks() {
        let marked = format!("a <b> {MARK_START}vote{MARK_END} & more");
        assert_eq!(
            snippet_html(&marked),
            "a &lt;b&gt; <mark>vote</mark> &amp; more"
        );
    }
}
